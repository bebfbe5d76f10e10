frappe.ui.form.on("Incentive Program", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Allocations"), () => frappe.set_route("List", "Fund Allocation", { program: frm.doc.name }), __("View"));
		frm.add_custom_button(__("Claims"), () => frappe.set_route("List", "Incentive Claim", { program: frm.doc.name }), __("View"));
		frm.add_custom_button(__("ROI"), () => frappe.set_route("query-report", "Incentive ROI", { program: frm.doc.name }), __("View"));
		if (frm.doc.program_type !== "MDF / Co-op" && frm.doc.status === "Active") {
			frm.add_custom_button(__("Compute Claims for Ended Periods"), () =>
				frappe.call({ method: "prm_extension.api.incentives.run_program_claims", args: { program: frm.doc.name } })
					.then(() => frappe.show_alert({ message: __("Queued: claims are computed in the background."), indicator: "blue" })));
		}
	},
});
