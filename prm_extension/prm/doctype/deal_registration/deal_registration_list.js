frappe.listview_settings["Deal Registration"] = {
	add_fields: ["status", "verdict", "protection_until"],
	has_indicator_for_draft: true,
	get_indicator(doc) {
		const colors = { Draft: "gray", Submitted: "orange", Returned: "yellow", Approved: "green", Rejected: "red", Won: "blue", Lost: "darkgrey", Expired: "gray" };
		return [__(doc.status), colors[doc.status] || "gray", `status,=,${doc.status}`];
	},
};
