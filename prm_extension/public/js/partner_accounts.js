// Partner portal: availability as you type, reserve, extend, release.
// Every decision is made on the server; this script only asks and shows the answer.
(function () {
	const form = document.getElementById("prm-check-form");
	if (!form) return;
	const input = document.getElementById("prm-query");
	const out = document.getElementById("prm-result");
	const lineSelect = document.getElementById("prm-product-line");
	const productLine = () => (lineSelect ? lineSelect.value : null);
	const __ = window.__ || ((s) => s);
	let timer = null;
	let seq = 0;

	const esc = (s) =>
		String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

	function call(method, args, type) {
		return new Promise((resolve, reject) => {
			frappe.call({
				method: "prm_extension.api.accounts." + method,
				args: args,
				type: type || "POST",
				freeze: false,
				callback: (r) => resolve(r.message),
				error: (r) => reject(r),
			});
		});
	}

	function errorText(err) {
		try {
			const msgs = JSON.parse(err.responseJSON._server_messages || "[]");
			return msgs.map((m) => JSON.parse(m).message).join(" ");
		} catch (e) {
			return __("Something went wrong. Please try again.");
		}
	}

	function verdictHtml(v) {
		let html = `<div class="prm-verdict prm-verdict-${esc(v.status)}" data-status="${esc(v.status)}">`;
		if (v.customer_name) html += `<b>${esc(v.customer_name)}</b> <span class="text-muted small">${esc(v.territory || "")}</span><br>`;
		html += `<span class="prm-reason">${esc(v.reason)}</span>`;
		if (v.can_reserve) {
			html += ` <button class="btn btn-sm btn-primary prm-reserve" data-customer="${esc(v.customer)}" data-territory="${esc(v.territory || "")}" data-product-line="${esc(v.product_line || "")}">${__("Reserve")}</button>`;
		}
		html += "</div>";
		return html;
	}

	function show(v) {
		if (v.status === "ambiguous") {
			out.innerHTML =
				`<div class="prm-verdict prm-verdict-ambiguous" data-status="ambiguous">${esc(v.reason)}</div>` +
				(v.candidates || []).map(verdictHtml).join("");
		} else {
			out.innerHTML = verdictHtml(v);
		}
	}

	function check() {
		const q = input.value.trim();
		if (q.length < 2) {
			out.innerHTML = "";
			return;
		}
		const mine = ++seq;
		call("check_availability", { query: q, product_line: productLine() }, "GET")
			.then((v) => mine === seq && show(v))
			.catch((e) => mine === seq && (out.innerHTML = `<div class="prm-verdict prm-verdict-error">${esc(errorText(e))}</div>`));
	}

	if (lineSelect) lineSelect.addEventListener("change", check);
	input.addEventListener("input", () => {
		clearTimeout(timer);
		timer = setTimeout(check, 250);
	});
	form.addEventListener("submit", (e) => {
		e.preventDefault();
		clearTimeout(timer);
		check();
	});

	document.addEventListener("click", (e) => {
		const btn = e.target.closest("button");
		if (!btn) return;
		if (btn.classList.contains("prm-reserve")) {
			btn.disabled = true;
			call("reserve", { customer: btn.dataset.customer, territory: btn.dataset.territory || null, product_line: btn.dataset.productLine || null })
				.then((r) => {
					out.innerHTML = `<div class="prm-verdict prm-verdict-${r.ok ? "open" : "reserved_by_other"}" data-status="${r.ok ? "reserved" : "refused"}">${esc(
						r.ok ? __("Reserved until {0}.", [frappe.datetime ? frappe.datetime.str_to_user(r.expiry_date) : r.expiry_date]) + " " + (r.status === "Requested" ? __("Awaiting approval.") : "") : r.reason
					)}</div>`;
					setTimeout(() => window.location.reload(), 1200);
				})
				.catch((err) => {
					btn.disabled = false;
					out.innerHTML = `<div class="prm-verdict prm-verdict-error">${esc(errorText(err))}</div>`;
				});
		} else if (btn.classList.contains("prm-release")) {
			if (!window.confirm(__("Release this account? Other partners can then reserve it."))) return;
			btn.disabled = true;
			call("release", { reservation: btn.dataset.name })
				.then(() => window.location.reload())
				.catch((err) => { btn.disabled = false; window.alert(errorText(err)); });
		} else if (btn.classList.contains("prm-extend")) {
			const reason = window.prompt(__("Why should the reservation be extended?"));
			if (!reason) return;
			btn.disabled = true;
			call("extend", { reservation: btn.dataset.name, reason: reason })
				.then(() => window.location.reload())
				.catch((err) => { btn.disabled = false; window.alert(errorText(err)); });
		}
	});
})();
