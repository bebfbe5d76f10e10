frappe.ui.form.on("MDF Request", {
	refresh(frm) {
		const manager = frappe.user.has_role("PRM Manager") || frappe.user.has_role("System Manager");
		const call = (method, args) =>
			frappe.call({ method: `prm_extension.api.incentives.${method}`, args, freeze: true }).then(() => frm.reload_doc());
		if (frm.is_new()) return;
		if (frm.doc.status === "Draft" && !frm.is_dirty()) {
			frm.add_custom_button(__("Submit for Approval"), () => call("submit_mdf_request", { request: frm.doc.name }));
		}
		if (manager && frm.doc.status === "Submitted" && frm.doc.docstatus === 0) {
			frm.add_custom_button(__("Approve"), () =>
				frappe.prompt(
					[
						{ fieldname: "approved_amount", fieldtype: "Currency", label: __("Approved Amount"), default: frm.doc.requested_amount, reqd: 1 },
						{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason (required when approving less)") },
					],
					(v) => call("decide_mdf_request", { request: frm.doc.name, action: "Approve", approved_amount: v.approved_amount, reason: v.reason }),
					__("Approve MDF Request")
				), __("Decide"));
			frm.add_custom_button(__("Reject"), () =>
				frappe.prompt({ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
					(v) => call("decide_mdf_request", { request: frm.doc.name, action: "Reject", reason: v.reason }), __("Reject")), __("Decide"));
		}
	},
});
