// Partner portal: availability as you type, reserve, extend, release.
// Every decision is made on the server; this script only asks and shows the answer.
// Shared helpers (call, errorText, esc) come from prm_portal.js.
(function () {
	const form = document.getElementById("prm-check-form");
	if (!form || !window.prm) return;
	const { __, esc, call, errorText } = window.prm;
	const input = document.getElementById("prm-query");
	const out = document.getElementById("prm-result");
	const lineSelect = document.getElementById("prm-product-line");
	const productLine = () => (lineSelect ? lineSelect.value : null);
	const api = (method) => "prm_extension.api.accounts." + method;
	let timer = null;
	let seq = 0;

	function verdictHtml(v) {
		let html = `<div class="prm-verdict prm-verdict-${esc(v.status)}" data-status="${esc(v.status)}">`;
		if (v.customer_name) html += `<b>${esc(v.customer_name)}</b> <span class="text-muted small">${esc(v.territory || "")}</span><br>`;
		html += `<span class="prm-reason">${esc(v.reason)}</span>`;
		if (v.can_reserve) {
			html += ` <button type="button" class="btn btn-sm btn-primary prm-reserve" data-customer="${esc(v.customer)}" data-territory="${esc(v.territory || "")}" data-product-line="${esc(v.product_line || "")}">${esc(__("Reserve"))}</button>`;
		}
		return html + "</div>";
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

	function showError(err) {
		out.innerHTML = `<div class="prm-verdict prm-verdict-error" data-status="error">${esc(errorText(err))}</div>`;
	}

	function check() {
		const q = input.value.trim();
		if (q.length < 2) {
			out.innerHTML = "";
			return;
		}
		const mine = ++seq;
		call(api("check_availability"), { query: q, product_line: productLine() }, "GET")
			.then((v) => mine === seq && show(v))
			.catch((e) => mine === seq && showError(e));
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

	function act(btn, method, args) {
		btn.disabled = true;
		return call(api(method), args)
			.then((r) => {
				window.location.reload();
				return r;
			})
			.catch((err) => {
				btn.disabled = false;
				window.alert(errorText(err));
			});
	}

	document.addEventListener("click", (e) => {
		const btn = e.target.closest("button");
		if (!btn || btn.disabled) return;
		if (btn.classList.contains("prm-reserve")) {
			btn.disabled = true;
			call(api("reserve"), {
				customer: btn.dataset.customer,
				territory: btn.dataset.territory || null,
				product_line: btn.dataset.productLine || null,
			})
				.then((r) => {
					const text = r.ok
						? __("Reserved until {0}.", [r.expiry_date || ""]) + (r.status === "Requested" ? " " + __("Awaiting approval.") : "")
						: r.reason;
					out.innerHTML = `<div class="prm-verdict prm-verdict-${r.ok ? "open" : "reserved_by_other"}" data-status="${r.ok ? "reserved" : "refused"}">${esc(text)}</div>`;
					setTimeout(() => window.location.reload(), 1200);
				})
				.catch((err) => {
					btn.disabled = false;
					showError(err);
				});
		} else if (btn.classList.contains("prm-release")) {
			if (!window.confirm(__("Release this account? Other partners can then reserve it."))) return;
			act(btn, "release", { reservation: btn.dataset.name });
		} else if (btn.classList.contains("prm-extend")) {
			const reason = window.prompt(__("Why should the reservation be extended?"));
			if (!reason) return;
			act(btn, "extend", { reservation: btn.dataset.name, reason: reason });
		}
	});
})();
