// /partner/team: Partner Admins invite people, deactivate / reactivate them and change their role.
// Every change is checked again on the server (prm_extension.api.portal); the page reloads after
// a change so the list is the server's.
(function () {
	const root = document.getElementById("prm-team");
	if (!root || root.dataset.canManage !== "1" || !window.prm) return;
	const { __, call, errorText, showError } = window.prm;
	const API = "prm_extension.api.portal.";
	const listError = document.getElementById("prm-team-error");
	let busy = false;

	function done(message) {
		sessionStorage.setItem("prm-team-done", message);
		window.location.reload();
	}

	const flash = sessionStorage.getItem("prm-team-done");
	if (flash) {
		sessionStorage.removeItem("prm-team-done");
		const box = document.getElementById("prm-team-done");
		box.textContent = flash;
		box.hidden = false;
	}

	async function run(method, args, controls, box, message) {
		if (busy) return;
		busy = true;
		controls.forEach((c) => (c.disabled = true));
		showError(box, "");
		try {
			await call(API + method, args);
			done(message);
		} catch (err) {
			showError(box, errorText(err));
			controls.forEach((c) => (c.disabled = false));
			busy = false;
			return false;
		}
		return true;
	}

	const form = document.getElementById("prm-invite");
	if (form) {
		const box = document.getElementById("prm-invite-error");
		form.addEventListener("submit", (e) => {
			e.preventDefault();
			const email = form.email.value.trim();
			const fullName = form.full_name.value.trim();
			if (!email || !form.email.checkValidity()) {
				showError(box, __("Enter a valid e-mail address."));
				form.email.focus();
				return;
			}
			if (!fullName) {
				showError(box, __("Enter the person's full name."));
				form.full_name.focus();
				return;
			}
			run(
				"invite_member",
				{ email, full_name: fullName, partner_role: form.partner_role.value },
				[...form.querySelectorAll("input, select, button")],
				box,
				__("{0} was invited.", [email]),
			);
		});
	}

	for (const row of document.querySelectorAll("#prm-member-list tbody tr")) {
		const email = row.dataset.email;
		const toggle = row.querySelector(".prm-toggle");
		const select = row.querySelector(".prm-role-select");
		if (toggle) {
			toggle.addEventListener("click", () => {
				const enable = toggle.dataset.enable === "1";
				if (!enable && !window.confirm(__("Deactivate {0}? They will no longer be able to log in.", [email]))) return;
				run(
					"set_member_enabled",
					{ email, enabled: enable ? 1 : 0 },
					[toggle, select].filter(Boolean),
					listError,
					enable ? __("{0} was reactivated.", [email]) : __("{0} was deactivated.", [email]),
				);
			});
		}
		if (select) {
			select.addEventListener("change", async () => {
				const previous = row.dataset.role;
				const ok = await run(
					"set_member_role",
					{ email, partner_role: select.value },
					[toggle, select].filter(Boolean),
					listError,
					__("{0} is now {1}.", [email, __(select.value)]),
				);
				if (ok === false) select.value = previous;
			});
		}
	}
})();
