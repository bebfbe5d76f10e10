// Deal Registration form: decisions with reasons, the conflict panel, and partner actions.
frappe.ui.form.on("Deal Registration", {
	setup(frm) {
		frm.set_query("deal_territory", () => ({ filters: { is_group: 0 } }));
	},
	refresh(frm) {
		const manager = frappe.user.has_role("PRM Manager") || frappe.user.has_role("System Manager");
		const call = (method, args) =>
			frappe.call({ method: `prm_extension.api.deals.${method}`, args, freeze: true }).then(() => frm.reload_doc());
		const ask = (title, fields, fn) => frappe.prompt(fields, fn, title);

		if (frm.doc.checks && frm.doc.checks.length) {
			const failed = frm.doc.checks.filter((c) => c.result !== "Passed");
			const color = { clear: "green", wait: "orange", refuse: "red" }[frm.doc.verdict] || "gray";
			const lines = failed.map((c) => `<div>${frappe.utils.escape_html(c.reason)}${manager && c.conflicts ? ` <span class="text-muted">(${frappe.utils.escape_html(c.conflicts)})</span>` : ""}</div>`);
			frm.dashboard.set_headline_alert(
				`<div><span class="indicator ${color}">${__("Checks")}: ${__(frm.doc.verdict || "")}</span>${lines.join("")}</div>`
			);
		}
		if (frm.is_new()) return;
		if (manager && frm.doc.status === "Submitted") {
			frm.add_custom_button(__("Return for Information"), () =>
				ask(__("Return to the partner"), [{ fieldname: "reason", fieldtype: "Small Text", label: __("What is missing?"), reqd: 1 }],
					(v) => call("decide", { registration: frm.doc.name, action: "Return", reason: v.reason })), __("Decide"));
			frm.add_custom_button(__("Reject"), () =>
				ask(__("Reject"), [{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 }],
					(v) => call("decide", { registration: frm.doc.name, action: "Reject", reason: v.reason })), __("Decide"));
			frm.add_custom_button(__("Approve"), () => {
				if (frm.doc.verdict === "clear") return call("decide", { registration: frm.doc.name, action: "Approve" });
				ask(__("Approve despite failed checks"), [{ fieldname: "override_reason", fieldtype: "Small Text", label: __("Override reason"), reqd: 1 }],
					(v) => call("decide", { registration: frm.doc.name, action: "Approve", override_reason: v.override_reason }));
			}, __("Decide"));
		}
		if (["Draft", "Returned"].includes(frm.doc.status) && !frm.is_dirty()) {
			frm.add_custom_button(__("Submit for Approval"), () => call("submit_for_approval", { registration: frm.doc.name }));
		}
		if (frm.doc.status === "Approved") {
			frm.add_custom_button(__("Request Extension"), () =>
				ask(__("Extend protection"), [{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 }],
					(v) => call("request_extension", { registration: frm.doc.name, reason: v.reason })), __("Actions"));
			frm.add_custom_button(__("Mark as Lost"), () =>
				ask(__("Lost"), [{ fieldname: "reason", fieldtype: "Small Text", label: __("Why was it lost?"), reqd: 1 }],
					(v) => call("mark_lost", { registration: frm.doc.name, reason: v.reason })), __("Actions"));
			if (frm.doc.opportunity) {
				frm.add_custom_button(__("Opportunity"), () => frappe.set_route("Form", "Opportunity", frm.doc.opportunity), __("View"));
			}
		}
	},
});

frappe.ui.form.on("Deal Registration Item", {
	qty: (frm, cdt, cdn) => set_amount(frm, cdt, cdn),
	rate: (frm, cdt, cdn) => set_amount(frm, cdt, cdn),
});

function set_amount(frm, cdt, cdn) {
	const row = locals[cdt][cdn];
	frappe.model.set_value(cdt, cdn, "amount", flt(row.qty) * flt(row.rate));
	frm.set_value("expected_value", (frm.doc.items || []).reduce((s, r) => s + flt(r.amount), 0));
}
