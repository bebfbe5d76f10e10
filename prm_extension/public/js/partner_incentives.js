// Partner portal: MDF request form (/partner/incentives/new-mdf), claim form
// (/partner/incentives/new-claim) and the submit action on one draft (/partner/incentives/<name>).
//
// Documents are created as drafts through /api/resource (the server fills in the partner), proof
// files are uploaded to the draft claim (/api/method/upload_file, private), then the draft is
// submitted through prm_extension.api.incentives. Every rule is checked on the server; this script
// collects the input, checks the obvious, asks, and shows the answer next to the form.
// Shared helpers (call, errorText, esc, showError) come from prm_portal.js.
(function () {
	const { __, esc, CallError, call, errorText, showError } = window.prm;
	const API = "prm_extension.api.incentives";

	function csrfHeaders(extra) {
		return { Accept: "application/json", "X-Frappe-CSRF-Token": (window.frappe && frappe.csrf_token) || "", ...(extra || {}) };
	}

	async function answer(response) {
		let body = null;
		try {
			body = await response.json();
		} catch (e) {
			body = null;
		}
		if (response.ok && body) return body;
		throw new CallError(response.status, body);
	}

	/** POST / PUT a document through /api/resource; the saved document comes back. */
	async function resource(method, doctype, name, data) {
		const url = `/api/resource/${encodeURIComponent(doctype)}${name ? "/" + encodeURIComponent(name) : ""}`;
		let response;
		try {
			response = await fetch(url, {
				method,
				credentials: "same-origin",
				headers: csrfHeaders({ "Content-Type": "application/json" }),
				body: JSON.stringify(data),
			});
		} catch (e) {
			throw new CallError(0, null);
		}
		return (await answer(response)).data;
	}

	/** Upload one proof file, private, attached to the draft claim; its file_url comes back. */
	async function upload(file, claim) {
		const form = new FormData();
		form.append("file", file, file.name);
		form.append("is_private", "1");
		form.append("doctype", "Incentive Claim");
		form.append("docname", claim);
		let response;
		try {
			response = await fetch("/api/method/upload_file", { method: "POST", credentials: "same-origin", headers: csrfHeaders(), body: form });
		} catch (e) {
			throw new CallError(0, null);
		}
		return (await answer(response)).message.file_url;
	}

	/** The server's message as text; a few statuses get words for these pages. */
	function messageOf(err) {
		const hasMessages = err && err.body && err.body._server_messages;
		if (!hasMessages && err.status === 404) return __("Not found: it may have been deleted, or it is not yours.");
		if (!hasMessages && err.status === 413) return __("The file is larger than the server accepts.");
		return errorText(err);
	}

	function money(value, currency) {
		const n = Number(value) || 0;
		try {
			return new Intl.NumberFormat(undefined, currency ? { style: "currency", currency } : { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n);
		} catch (e) {
			return n.toFixed(2);
		}
	}

	const num = (el) => {
		const v = parseFloat(el && el.value);
		return Number.isFinite(v) ? v : null;
	};
	const text = (el) => (el && el.value.trim() ? el.value.trim() : null);
	const goTo = (name, saved) => (window.location.href = `/partner/incentives/${encodeURIComponent(name)}${saved ? "?saved=" + saved : ""}`);

	/** Busy state of a form: every submit button disabled, a label on the one clicked. */
	function busyForm(form) {
		const buttons = () => [...form.querySelectorAll("button[type=submit]")];
		let busy = false;
		let label = null;
		let btn = null;
		return {
			get busy() {
				return busy;
			},
			start(button, busyLabel) {
				busy = true;
				btn = button;
				label = button.textContent;
				buttons().forEach((b) => (b.disabled = true));
				form.setAttribute("aria-busy", "true");
				button.textContent = busyLabel;
			},
			step(busyLabel) {
				if (btn) btn.textContent = busyLabel;
			},
			stop() {
				buttons().forEach((b) => (b.disabled = false));
				if (btn) btn.textContent = label;
				form.removeAttribute("aria-busy");
				busy = false;
			},
		};
	}

	function clean(data) {
		for (const k of Object.keys(data)) if (data[k] == null) delete data[k];
		return data;
	}

	// --- MDF request form ----------------------------------------------------------------------

	function initMdfForm(form) {
		const $ = (sel) => form.querySelector(sel);
		const errorBox = document.getElementById("prm-form-error");
		const program = $("#prm-program");
		const hint = $("#prm-program-hint");
		const start = $("#prm-start");
		const end = $("#prm-end");
		const state = busyForm(form);
		let draft = null; // a draft saved by an earlier attempt whose submission was refused

		function onProgram() {
			const opt = program.selectedOptions[0];
			hint.textContent = (opt && opt.dataset.hint) || "";
			for (const input of [start, end]) {
				input.min = (opt && opt.dataset.start) || "";
				input.max = (opt && opt.dataset.end) || "";
			}
			$("#prm-currency-note").textContent = opt && opt.dataset.currency ? __("Amounts in {0}.", [opt.dataset.currency]) : "";
		}
		program.addEventListener("change", onProgram);
		onProgram();
		start.addEventListener("change", () => {
			if (start.value && (!end.value || end.value < start.value)) end.value = start.value;
		});

		function collect() {
			return clean({
				program: program.value || null,
				activity_type: text($("#prm-activity-type")),
				activity_name: text($("#prm-activity-name")),
				start_date: text(start),
				end_date: text(end),
				estimated_cost: num($("#prm-estimated-cost")),
				requested_amount: num($("#prm-requested-amount")),
				expected_leads: num($("#prm-expected-leads")),
				expected_pipeline: num($("#prm-expected-pipeline")),
				plan: text($("#prm-plan")),
			});
		}

		function problems(d) {
			const out = [];
			if (!d.program) out.push(__("Choose the program."));
			if (!d.activity_name) out.push(__("Name the activity."));
			if (!d.start_date || !d.end_date) out.push(__("Give the activity's start and end dates."));
			else if (d.end_date < d.start_date) out.push(__("The activity ends before it starts."));
			if (!(d.estimated_cost > 0)) out.push(__("Give the estimated cost."));
			if (!(d.requested_amount > 0)) out.push(__("Give the requested amount."));
			else if (d.estimated_cost > 0 && d.requested_amount > d.estimated_cost) out.push(__("The requested amount cannot be more than the estimated cost."));
			if (!d.plan) out.push(__("Describe the plan."));
			return out;
		}

		form.addEventListener("submit", async (e) => {
			e.preventDefault();
			if (state.busy) return;
			const data = collect();
			const local = problems(data);
			if (local.length) {
				showError(errorBox, local.join("\n"));
				return;
			}
			showError(errorBox, "");
			state.start($("#prm-submit"), __("Submitting…"));
			try {
				const doc = draft ? await resource("PUT", "MDF Request", draft, data) : await resource("POST", "MDF Request", null, data);
				draft = doc.name;
				await call(`${API}.submit_mdf_request`, { request: draft });
				goTo(draft, "submitted");
			} catch (err) {
				let msg = messageOf(err);
				if (draft) msg += "\n" + __("Saved as draft {0}, not submitted: correct the form and submit again.", [draft]);
				showError(errorBox, msg);
				state.stop();
			}
		});
	}

	// --- claim form ----------------------------------------------------------------------------

	function initClaimForm(form) {
		const $ = (sel) => form.querySelector(sel);
		const errorBox = document.getElementById("prm-form-error");
		const proofError = $("#prm-proof-error");
		const program = $("#prm-claim-program");
		const request = $("#prm-claim-request");
		const noneOption = request.querySelector("option[data-none]");
		const mdfSection = $("#prm-mdf-section");
		const computedSection = $("#prm-computed-section");
		const submitBtn = $("#prm-submit");
		const calcBtn = $("#prm-calculate");
		const actualCost = $("#prm-actual-cost");
		const estimate = $("#prm-estimate");
		const fileInput = $("#prm-proof-input");
		const list = $("#prm-proof-list");
		const extensions = (form.dataset.proofExtensions || "").split(/\s+/).filter(Boolean);
		const maxBytes = Number(form.dataset.proofMaxBytes) || 5 * 1024 * 1024;
		const maxProofs = Number(form.dataset.maxProofs) || 10;
		const state = busyForm(form);
		const proofs = []; // {file, url, row}
		let draft = null; // the draft claim of an earlier, refused attempt (MDF)

		const chosen = () => program.selectedOptions[0] || null;
		const kind = () => (chosen() && chosen().dataset.kind) || null;

		function onProgram() {
			const opt = chosen();
			const k = kind();
			mdfSection.hidden = k !== "mdf";
			computedSection.hidden = k !== "computed";
			submitBtn.hidden = k === "computed";
			calcBtn.hidden = k !== "computed";
			$("#prm-claim-hint").textContent = (opt && opt.dataset.hint) || "";
			if (k === "mdf") {
				const name = opt.dataset.program;
				const preapproval = opt.dataset.preapproval === "1";
				let firstMatch = null;
				for (const o of request.options) {
					if (o.dataset.none) continue;
					o.hidden = o.disabled = o.dataset.program !== name;
					if (!o.hidden && !firstMatch) firstMatch = o;
				}
				noneOption.hidden = noneOption.disabled = preapproval;
				noneOption.textContent = preapproval ? __("Choose the pre-approved request") : __("No pre-approved request");
				const current = request.selectedOptions[0];
				if (!current || current.disabled) request.value = firstMatch ? firstMatch.value : "";
				if (preapproval && !firstMatch) {
					noneOption.hidden = noneOption.disabled = false;
					request.value = "";
				}
				for (const input of [$("#prm-activity-start"), $("#prm-activity-end")]) {
					input.min = opt.dataset.start || "";
					input.max = opt.dataset.end || "";
				}
				onRequest();
			}
			refreshEstimate();
		}

		function onRequest() {
			const opt = request.selectedOptions[0];
			const hint = $("#prm-request-hint");
			const prog = chosen();
			if (opt && opt.value) {
				$("#prm-activity-start").value = opt.dataset.start || "";
				$("#prm-activity-end").value = opt.dataset.end || "";
				hint.textContent = __("Pre-approved amount left: {0}.", [opt.dataset.remainingText || ""]);
			} else if (prog && prog.dataset.preapproval === "1") {
				hint.textContent = __("This program pays only for pre-approved activities: request MDF first.");
			} else {
				hint.textContent = "";
			}
			refreshEstimate();
		}

		function refreshEstimate() {
			const opt = chosen();
			if (kind() !== "mdf") {
				estimate.textContent = "";
				return;
			}
			const cost = num(actualCost);
			if (!(cost > 0)) {
				estimate.textContent = "";
				return;
			}
			const share = Number(opt.dataset.share) || 0;
			const cap = Number(opt.dataset.cap) || 0;
			let amount = Math.floor(((cost * share) / 100) * 100 + 1e-6) / 100;
			if (cap > 0) amount = Math.min(amount, cap);
			estimate.textContent = __("You claim about {0} ({1} % of the actual cost); the server computes the exact amount.", [money(amount, opt.dataset.currency), share]);
			estimate.dataset.amount = amount.toFixed(2);
		}

		// proofs
		function fileProblem(file) {
			const ext = (file.name.split(".").pop() || "").toLowerCase();
			if (!file.name.includes(".") || !extensions.includes(ext)) {
				return __("{0}: this file type is not accepted (use {1}).", [file.name, extensions.join(", ")]);
			}
			if (file.size > maxBytes) return __("{0} is larger than {1} MB.", [file.name, Math.round(maxBytes / 1048576)]);
			if (file.size === 0) return __("{0} is empty.", [file.name]);
			return null;
		}

		function addFiles(files) {
			const refused = [];
			for (const file of files) {
				if (proofs.length >= maxProofs) {
					refused.push(__("At most {0} files per claim.", [maxProofs]));
					break;
				}
				const problem = fileProblem(file);
				if (problem) {
					refused.push(problem);
					continue;
				}
				const row = document.createElement("li");
				const size = file.size >= 1048576 ? `${(file.size / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(file.size / 1024))} KB`;
				row.innerHTML =
					`<span class="prm-proof-name">${esc(file.name)} <small>${esc(size)}</small> <span class="prm-uploaded" hidden>${esc(__("uploaded"))}</span></span>` +
					`<input class="form-control form-control-sm prm-proof-desc" maxlength="140" placeholder="${esc(__("What it shows (optional)"))}" aria-label="${esc(__("Description of {0}", [file.name]))}">` +
					`<button type="button" class="btn btn-xs btn-default prm-proof-remove" aria-label="${esc(__("Remove {0}", [file.name]))}" title="${esc(__("Remove"))}">&times;</button>`;
				const entry = { file, url: null, row };
				row.querySelector(".prm-proof-remove").addEventListener("click", () => {
					if (state.busy) return;
					proofs.splice(proofs.indexOf(entry), 1);
					row.remove();
				});
				list.appendChild(row);
				proofs.push(entry);
			}
			showError(proofError, refused.join("\n"));
		}
		fileInput.addEventListener("change", () => {
			addFiles([...fileInput.files]);
			fileInput.value = ""; // the same file can be chosen again after removing it
		});

		program.addEventListener("change", onProgram);
		request.addEventListener("change", onRequest);
		actualCost.addEventListener("input", refreshEstimate);
		onProgram();

		function collectMdf() {
			const opt = chosen();
			return clean({
				program: opt.dataset.program,
				mdf_request: request.value || null,
				activity_start: text($("#prm-activity-start")),
				activity_end: text($("#prm-activity-end")),
				actual_cost: num(actualCost),
				leads_generated: num($("#prm-leads")),
				pipeline_generated: num($("#prm-pipeline")),
			});
		}

		function mdfProblems(d) {
			const opt = chosen();
			const out = [];
			if (opt.dataset.preapproval === "1" && !d.mdf_request) out.push(__("Choose the pre-approved MDF request this claim is for."));
			if (!(d.actual_cost > 0)) out.push(__("Give the activity's actual cost."));
			if (d.activity_start && d.activity_end && d.activity_end < d.activity_start) out.push(__("The activity ends before it starts."));
			if (opt.dataset.proofRequired === "1" && !proofs.length) out.push(__("Attach proof of performance (invoices, photos, attendee lists)."));
			return out;
		}

		async function submitMdf() {
			const data = collectMdf();
			const local = mdfProblems(data);
			if (local.length) {
				showError(errorBox, local.join("\n"));
				return;
			}
			showError(errorBox, "");
			state.start(submitBtn, __("Saving…"));
			try {
				if (!draft) draft = (await resource("POST", "Incentive Claim", null, { ...data, proofs: [] })).name;
				let i = 0;
				for (const p of proofs) {
					i += 1;
					if (p.url) continue;
					state.step(__("Uploading {0} of {1}…", [i, proofs.length]));
					try {
						p.url = await upload(p.file, draft);
					} catch (err) {
						err.fileName = p.file.name;
						// no message: the server could not read the file (e.g. a damaged PDF)
						if (err.status >= 500 && !(err.body && err.body._server_messages)) err.unreadable = true;
						throw err;
					}
					p.row.querySelector(".prm-uploaded").hidden = false;
				}
				state.step(__("Submitting…"));
				const rows = proofs.map((p) => clean({ attachment: p.url, description: text(p.row.querySelector(".prm-proof-desc")) }));
				await resource("PUT", "Incentive Claim", draft, { ...data, mdf_request: data.mdf_request || null, proofs: rows });
				await call(`${API}.submit_claim`, { claim: draft });
				goTo(draft, "submitted");
			} catch (err) {
				let msg = err.unreadable ? __("the server could not read it; check that the file opens.") : messageOf(err);
				if (err.fileName) msg = __("{0} could not be uploaded: {1}", [err.fileName, msg]);
				if (draft) msg += "\n" + __("Saved as draft {0}, not submitted: correct the form and submit again.", [draft]);
				showError(errorBox, msg);
				state.stop();
			}
		}

		async function calculate() {
			const opt = chosen();
			showError(errorBox, "");
			state.start(calcBtn, __("Calculating…"));
			try {
				// the partner's draft for this allocation period is calculated again (saving recomputes it)
				const doc = opt.dataset.draft
					? await resource("PUT", "Incentive Claim", opt.dataset.draft, {})
					: await resource("POST", "Incentive Claim", null, {
							program: opt.dataset.program,
							fund_allocation: opt.dataset.allocation,
						});
				goTo(doc.name, "draft");
			} catch (err) {
				showError(errorBox, messageOf(err));
				state.stop();
			}
		}

		form.addEventListener("submit", (e) => {
			e.preventDefault();
			if (state.busy) return;
			if (!kind()) {
				showError(errorBox, __("Choose what you claim."));
				return;
			}
			if (kind() === "computed") calculate();
			else submitMdf();
		});
	}

	// --- one draft: submit -----------------------------------------------------------------------

	function initDetail(root) {
		const errorBox = document.getElementById("prm-action-error");
		const name = root.dataset.name;
		let busy = false;
		const actions = {
			submit: {
				label: __("Submitting…"),
				run: () => call(root.dataset.submitMethod, { [root.dataset.submitArg]: name }),
				then: "submitted",
			},
			// saving a computed draft computes its amount and basis again
			recalculate: { label: __("Calculating…"), run: () => resource("PUT", "Incentive Claim", name, {}), then: "draft" },
		};
		root.addEventListener("click", async (e) => {
			const btn = e.target.closest("button.prm-action");
			const action = btn && actions[btn.dataset.action];
			if (!action || busy) return;
			busy = true;
			const all = [...root.querySelectorAll("button.prm-action")];
			all.forEach((b) => (b.disabled = true));
			const label = btn.textContent;
			btn.textContent = action.label;
			showError(errorBox, "");
			try {
				await action.run();
				goTo(name, action.then);
			} catch (err) {
				showError(errorBox, messageOf(err));
				all.forEach((b) => (b.disabled = false));
				btn.textContent = label;
				busy = false;
			}
		});
	}

	const mdfForm = document.getElementById("prm-mdf-form");
	if (mdfForm) initMdfForm(mdfForm);
	const claimForm = document.getElementById("prm-claim-form");
	if (claimForm) initClaimForm(claimForm);
	const detail = document.getElementById("prm-incentive");
	if (detail && detail.dataset.submitMethod) initDetail(detail);
})();
