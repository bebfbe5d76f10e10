// Partner portal: deal registration form (/partner/deals/new) and the actions on one
// registration (/partner/deals/<name>). Every rule is checked on the server; this script only
// collects the input, asks, and shows the answer.
// Shared helpers (call, errorText, esc) come from prm_portal.js.
(function () {
	const { __, esc, call, errorText, showError } = window.prm;

	function money(value, currency) {
		const n = Number(value) || 0;
		try {
			return new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n);
		} catch (e) {
			return n.toFixed(2);
		}
	}

	// --- registration form ---------------------------------------------------------------------

	function initForm(form) {
		const $ = (sel) => form.querySelector(sel);
		const errorBox = document.getElementById("prm-form-error");
		const existing = $("#prm-existing");
		const prospect = $("#prm-prospect");
		const query = $("#prm-customer-query");
		const customer = $("#prm-customer");
		const result = $("#prm-customer-result");
		const items = $("#prm-items");
		const template = document.getElementById("prm-item-template");
		const currency = $("#prm-currency");
		const buttons = [...form.querySelectorAll("button[type=submit]")];
		let seq = 0;
		let timer = null;
		let busy = false;
		let submitter = null;

		const kind = () => (form.querySelector("input[name=customer_kind]:checked") || {}).value || "existing";
		function setKind(value) {
			const radio = form.querySelector(`input[name=customer_kind][value="${value}"]`);
			if (radio) radio.checked = true;
			existing.hidden = value !== "existing";
			prospect.hidden = value !== "prospect";
		}
		form.querySelectorAll("input[name=customer_kind]").forEach((r) => r.addEventListener("change", () => setKind(kind())));

		// product line of the first chosen product: the availability answer is for that scope
		function firstLine() {
			for (const sel of items.querySelectorAll(".prm-item-product")) {
				const opt = sel.selectedOptions[0];
				if (opt && opt.dataset.line) return opt.dataset.line;
			}
			return null;
		}

		function verdictHtml(v, pick) {
			let html = `<div class="prm-verdict prm-verdict-${esc(v.status)}" data-status="${esc(v.status)}">`;
			if (v.customer_name) html += `<b>${esc(v.customer_name)}</b> <span class="text-muted small">${esc(v.territory || "")}</span><br>`;
			html += `<span class="prm-reason">${esc(v.reason)}</span>`;
			if (pick && v.customer) {
				html += `<br><button type="button" class="btn btn-sm btn-primary prm-pick" data-customer="${esc(v.customer)}">${esc(__("Use this customer"))}</button>`;
			}
			html += "</div>";
			return html;
		}

		function showAnswer(v, q) {
			if (v.status === "ambiguous") {
				result.innerHTML =
					`<div class="prm-verdict prm-verdict-ambiguous" data-status="ambiguous">${esc(v.reason)}</div>` +
					(v.candidates || []).map((c) => verdictHtml(c, true)).join("");
			} else if (v.status === "not_found" || v.status === "prospect") {
				result.innerHTML =
					`<div class="prm-verdict prm-verdict-${esc(v.status)}" data-status="${esc(v.status)}">${esc(v.reason)}<br>` +
					`<button type="button" class="btn btn-sm btn-default prm-as-prospect" data-name="${esc(q)}">${esc(__("Register it as a new prospect"))}</button></div>`;
			} else {
				result.innerHTML = verdictHtml(v, true);
			}
		}

		function search() {
			clearTimeout(timer);
			const q = query.value.trim();
			customer.value = "";
			if (q.length < 2) {
				result.innerHTML = "";
				return;
			}
			const mine = ++seq;
			result.setAttribute("aria-busy", "true");
			call("prm_extension.api.accounts.check_availability", { query: q, product_line: firstLine() }, "GET")
				.then((v) => mine === seq && showAnswer(v, q))
				.catch((e) => mine === seq && (result.innerHTML = `<div class="prm-verdict prm-verdict-error" data-status="error">${esc(errorText(e))}</div>`))
				.finally(() => mine === seq && result.removeAttribute("aria-busy"));
		}

		query.addEventListener("input", () => {
			clearTimeout(timer);
			timer = setTimeout(search, 300);
		});
		query.addEventListener("keydown", (e) => {
			if (e.key === "Enter") {
				e.preventDefault(); // searching, not submitting the form
				search();
			}
		});
		$("#prm-customer-search").addEventListener("click", search);

		result.addEventListener("click", (e) => {
			const btn = e.target.closest("button");
			if (!btn) return;
			if (btn.classList.contains("prm-pick")) {
				const card = btn.closest(".prm-verdict");
				customer.value = btn.dataset.customer;
				if (btn.previousElementSibling && btn.previousElementSibling.tagName === "BR") btn.previousElementSibling.remove();
				btn.remove();
				// keep only the chosen customer, with a way back to the search
				card.classList.add("prm-chosen");
				card.dataset.chosen = customer.value;
				card.insertAdjacentHTML("beforeend", ` <button type="button" class="btn btn-xs btn-link prm-change">${esc(__("Change"))}</button>`);
				result.replaceChildren(card);
			} else if (btn.classList.contains("prm-change")) {
				customer.value = "";
				result.innerHTML = "";
				query.focus();
			} else if (btn.classList.contains("prm-as-prospect")) {
				setKind("prospect");
				const name = $("#prm-prospect-name");
				if (!name.value) name.value = btn.dataset.name || "";
				name.focus();
			}
		});

		// product rows
		function refreshTotals() {
			let total = 0;
			for (const row of items.querySelectorAll(".prm-item-row")) {
				const amount = (parseFloat(row.querySelector(".prm-item-qty").value) || 0) * (parseFloat(row.querySelector(".prm-item-rate").value) || 0);
				total += amount;
				row.querySelector(".prm-item-amount").textContent = money(amount, currency.value);
			}
			$("#prm-total").textContent = money(total, currency.value);
			$("#prm-total-currency").textContent = currency.value || "";
		}
		function addRow() {
			const row = template.content.firstElementChild.cloneNode(true);
			items.appendChild(row);
			refreshTotals();
			return row;
		}
		$("#prm-add-item").addEventListener("click", () => addRow().querySelector("select").focus());
		items.addEventListener("click", (e) => {
			const btn = e.target.closest(".prm-item-remove");
			if (!btn) return;
			btn.closest(".prm-item-row").remove();
			if (!items.querySelector(".prm-item-row")) addRow();
			refreshTotals();
		});
		items.addEventListener("input", refreshTotals);
		items.addEventListener("change", (e) => {
			// the first product decides the availability scope: ask again when it changes
			if (e.target.classList.contains("prm-item-product") && query.value.trim().length >= 2 && !customer.value) search();
		});
		currency.addEventListener("change", refreshTotals);
		const first = addRow();
		if (form.dataset.preselect) first.querySelector("select").value = form.dataset.preselect;

		function collect() {
			const value = (sel) => {
				const el = $(sel);
				return el && el.value.trim() ? el.value.trim() : null;
			};
			const data = {
				contact_name: value("#prm-contact-name"),
				contact_email: value("#prm-contact-email"),
				contact_phone: value("#prm-contact-phone"),
				expected_close_date: value("#prm-close-date"),
				currency: value("#prm-currency"),
				stage: value("#prm-stage"),
				competitors: value("#prm-competitors"),
				notes: value("#prm-notes"),
				items: [...items.querySelectorAll(".prm-item-row")].map((row) => {
					const product = row.querySelector(".prm-item-product").value;
					const qty = parseFloat(row.querySelector(".prm-item-qty").value);
					const rate = parseFloat(row.querySelector(".prm-item-rate").value);
					const line = { qty: Number.isFinite(qty) ? qty : 0, rate: Number.isFinite(rate) ? rate : 0 };
					if (product.startsWith("item:")) line.item_code = product.slice(5);
					else if (product.startsWith("line:")) line.item_group = product.slice(5);
					return line;
				}),
			};
			if (kind() === "existing") {
				data.customer = customer.value || null;
			} else {
				data.prospect_name = value("#prm-prospect-name");
				data.prospect_domain = value("#prm-prospect-domain");
				data.prospect_tax_id = value("#prm-prospect-tax");
				data.deal_territory = value("#prm-territory");
			}
			for (const k of Object.keys(data)) if (data[k] == null) delete data[k];
			return data;
		}

		function localProblems(data) {
			if (kind() === "existing" && !data.customer) {
				return query.value.trim()
					? __("Pick the customer from the search results (Use this customer), or register a new prospect.")
					: __("Choose the end customer, or type the name of a new prospect.");
			}
			return null;
		}

		buttons.forEach((b) => b.addEventListener("click", () => (submitter = b)));
		form.addEventListener("submit", async (e) => {
			e.preventDefault();
			if (busy) return;
			const btn = e.submitter || submitter || buttons[buttons.length - 1];
			const submit = btn.dataset.submit === "1";
			const data = collect();
			const problem = localProblems(data);
			if (problem) {
				showError(errorBox, problem);
				return;
			}
			busy = true;
			showError(errorBox, "");
			const label = btn.textContent;
			buttons.forEach((b) => (b.disabled = true));
			form.setAttribute("aria-busy", "true");
			btn.textContent = submit ? __("Submitting…") : __("Saving…");
			try {
				const r = await call("prm_extension.api.deals.register", { data, submit });
				window.location.href = `/partner/deals/${encodeURIComponent(r.name)}?saved=${submit ? "submitted" : "draft"}`;
			} catch (err) {
				showError(errorBox, errorText(err));
				buttons.forEach((b) => (b.disabled = false));
				btn.textContent = label;
				busy = false;
				form.removeAttribute("aria-busy");
			}
		});
	}

	// --- one registration ----------------------------------------------------------------------

	function initDetail(root) {
		const name = root.dataset.name;
		const errorBox = document.getElementById("prm-action-error");
		let busy = false;
		const actions = {
			submit: () => ({ method: "submit_for_approval", args: { registration: name }, then: "?saved=submitted" }),
			extend: () => {
				const reason = window.prompt(__("Why should the protection be extended?"));
				return reason && reason.trim() ? { method: "request_extension", args: { registration: name, reason: reason.trim() } } : null;
			},
			lost: () => {
				const reason = window.prompt(__("Why was the deal lost?"));
				return reason && reason.trim() ? { method: "mark_lost", args: { registration: name, reason: reason.trim() } } : null;
			},
		};
		root.addEventListener("click", async (e) => {
			const btn = e.target.closest("button.prm-action");
			if (!btn || busy || !actions[btn.dataset.action]) return;
			const request = actions[btn.dataset.action]();
			if (!request) return;
			busy = true;
			const all = [...root.querySelectorAll("button.prm-action")];
			all.forEach((b) => (b.disabled = true));
			showError(errorBox, "");
			try {
				await call("prm_extension.api.deals." + request.method, request.args);
				window.location.href = `/partner/deals/${encodeURIComponent(name)}${request.then || ""}`;
			} catch (err) {
				showError(errorBox, errorText(err));
				all.forEach((b) => (b.disabled = false));
				busy = false;
			}
		});
	}

	const form = document.getElementById("prm-deal-form");
	if (form) initForm(form);
	const detail = document.getElementById("prm-deal");
	if (detail) initDetail(detail);
})();
