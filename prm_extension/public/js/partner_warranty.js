// /partner/warranty: register a serial number, file a warranty claim (reload to show the lists).
(function () {
	const { __, call, errorText, showError } = window.prm;

	function wire(formId, method, fields, check, done) {
		const form = document.getElementById(formId);
		if (!form) return;
		const errorBox = form.querySelector(".prm-error");
		const button = form.querySelector('button[type="submit"]');
		let busy = false;
		form.addEventListener("submit", async (event) => {
			event.preventDefault();
			if (busy) return;
			const args = {};
			for (const f of fields) args[f] = (form.elements[f].value || "").trim();
			const problem = check(args, form);
			showError(errorBox, problem);
			if (problem) return;
			busy = true;
			button.disabled = true;
			try {
				const answer = await call(method, args);
				sessionStorage.setItem("prm-warranty-done", done(answer));
				const anchor = formId === "prm-claim-form" ? "prm-wclaims" : "prm-serials";
				if (window.location.pathname + window.location.search === "/partner/warranty") {
					window.location.hash = anchor;
					window.location.reload();
				} else {
					window.location.assign("/partner/warranty#" + anchor);
				}
			} catch (err) {
				showError(errorBox, errorText(err));
				busy = false;
				button.disabled = false;
			}
		});
	}

	wire(
		"prm-register-form",
		"prm_extension.api.warranty.register_serial",
		["serial_no", "customer", "sale_date"],
		(a, form) => {
			if (!a.serial_no) return (form.elements.serial_no.focus(), __("Enter a serial number."));
			if (!a.customer) return (form.elements.customer.focus(), __("Choose the customer you sold it to."));
			return "";
		},
		(r) => (r.expiry
			? __("Serial number {0} registered: warranty until {1}.", [r.serial_no, r.expiry])
			: __("Serial number {0} registered.", [r.serial_no])),
	);

	wire(
		"prm-claim-form",
		"prm_extension.api.warranty.file_claim",
		["serial_no", "complaint"],
		(a, form) => {
			if (!a.serial_no) return (form.elements.serial_no.focus(), __("Enter a serial number."));
			if (!a.complaint) return (form.elements.complaint.focus(), __("Describe the problem."));
			return "";
		},
		(r) => __("Warranty claim {0} filed for {1}.", [r.name, r.serial_no]),
	);

	const done = document.getElementById("prm-warranty-done");
	const message = sessionStorage.getItem("prm-warranty-done");
	if (done && message) {
		sessionStorage.removeItem("prm-warranty-done");
		done.textContent = message;
		done.hidden = false;
	}
})();

// The customer field: a short list of recent customers comes with the page; typing asks the server
// for the partner's customers matching the text (a partner may have thousands).
(function () {
	const input = document.getElementById("prm-customer");
	const list = document.getElementById("prm-customer-options");
	if (!input || !list || !window.prm) return;
	const { call } = window.prm;
	let timer = null;
	let seq = 0;
	input.addEventListener("input", () => {
		clearTimeout(timer);
		const text = input.value.trim();
		if (text.length < 2) return;
		timer = setTimeout(async () => {
			const mine = ++seq;
			try {
				const rows = await call("prm_extension.api.warranty.search_customers", { text }, "GET");
				if (mine !== seq) return; // a newer search is on its way
				list.replaceChildren(
					...rows.map((r) => {
						const o = document.createElement("option");
						o.value = r.name;
						o.textContent = r.customer_name || r.name;
						return o;
					}),
				);
			} catch (e) {
				/* the short list stays */
			}
		}, 250);
	});
})();
