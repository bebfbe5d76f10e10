frappe.ui.form.on("Incentive Claim", {
	setup(frm) {
		frm.set_query("mdf_request", () => ({
			filters: { channel_partner: frm.doc.channel_partner, program: frm.doc.program, status: "Approved", docstatus: 1 },
		}));
	},
	refresh(frm) {
		const manager = frappe.user.has_role("PRM Manager") || frappe.user.has_role("System Manager");
		const call = (method, args) =>
			frappe.call({ method: `prm_extension.api.incentives.${method}`, args, freeze: true }).then(() => frm.reload_doc());
		if (frm.is_new()) return;
		if (frm.doc.status === "Draft" && !frm.is_dirty()) {
			frm.add_custom_button(__("Submit for Approval"), () => call("submit_claim", { claim: frm.doc.name }));
		}
		if (manager && frm.doc.status === "Submitted" && frm.doc.docstatus === 0) {
			frm.add_custom_button(__("Approve"), () =>
				frappe.prompt(
					[
						{ fieldname: "approved_amount", fieldtype: "Currency", label: __("Approved Amount"), default: frm.doc.claimed_amount, reqd: 1 },
						{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason (required when approving less)") },
					],
					(v) => call("decide_claim", { claim: frm.doc.name, action: "Approve", approved_amount: v.approved_amount, reason: v.reason }),
					__("Approve Claim")
				), __("Decide"));
			frm.add_custom_button(__("Reject"), () =>
				frappe.prompt({ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
					(v) => call("decide_claim", { claim: frm.doc.name, action: "Reject", reason: v.reason }), __("Reject")), __("Decide"));
		}
		if (frm.doc.payout_document) {
			frm.add_custom_button(__(frm.doc.payout_doctype), () => frappe.set_route("Form", frm.doc.payout_doctype, frm.doc.payout_document), __("View"));
		}
	},
});
