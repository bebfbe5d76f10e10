// /become-a-partner: send the application (guests) and show the answer in place of the form.
(function () {
	const { __, call, errorText, showError } = window.prm;
	const form = document.getElementById("prm-apply-form");
	if (!form) return;
	const errorBox = document.getElementById("prm-apply-error");
	const done = document.getElementById("prm-apply-done");
	const button = document.getElementById("prm-apply-submit");
	let busy = false;

	function values() {
		const data = {};
		for (const el of form.elements) {
			if (!el.name || el.type === "checkbox") continue;
			data[el.name] = el.value.trim();
		}
		data.product_lines = [...form.querySelectorAll('input[name="product_lines"]:checked')].map((el) => el.value);
		data.consent = form.elements.consent.checked ? 1 : 0;
		return data;
	}

	function problem(data) {
		for (const el of form.querySelectorAll("[required]")) {
			const empty = el.type === "checkbox" ? !el.checked : !el.value.trim();
			if (empty && el.name !== "consent") {
				el.focus();
				const label = form.querySelector(`label[for="${el.id}"]`);
				return __("Please fill in: {0}.", [label ? label.textContent.replace("*", "").trim() : el.name]);
			}
		}
		if (!form.elements.email.checkValidity()) {
			form.elements.email.focus();
			return __("{0} is not a valid e-mail address.", [data.email]);
		}
		if (!data.product_lines.length && form.querySelector('input[name="product_lines"]')) {
			return __("Choose at least one product line you are interested in.");
		}
		if (!data.consent) return __("Please agree to be contacted about your application.");
		return "";
	}

	// A message about the previous attempt goes once the visitor changes the form.
	form.addEventListener("change", () => showError(errorBox, ""));

	form.addEventListener("submit", async (event) => {
		event.preventDefault();
		if (busy) return;
		const data = values();
		const text = problem(data);
		showError(errorBox, text);
		if (text) return;
		busy = true;
		button.disabled = true;
		try {
			const answer = await call("prm_extension.api.applications.apply", data);
			form.hidden = true;
			done.textContent = answer.message;
			done.hidden = false;
			done.scrollIntoView({ block: "nearest" });
		} catch (err) {
			showError(errorBox, errorText(err));
		} finally {
			busy = false;
			button.disabled = false;
		}
	});
})();
