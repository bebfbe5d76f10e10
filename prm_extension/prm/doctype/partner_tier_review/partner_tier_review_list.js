frappe.listview_settings["Partner Tier Review"] = {
	get_indicator(doc) {
		const colour = { Proposed: "orange", Approved: "green", Rejected: "red", Withdrawn: "gray" }[doc.status];
		return [__(doc.status), colour, `status,=,${doc.status}`];
	},
	onload(list) {
		if (!frappe.user.has_role("PRM Manager")) return;
		list.page.add_inner_button(__("Evaluate tiers now"), () =>
			frappe.call("prm_extension.api.tiers.evaluate_now").then(() =>
				frappe.show_alert({ message: __("Tier evaluation queued"), indicator: "blue" }),
			),
		);
	},
};
