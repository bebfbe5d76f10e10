frappe.listview_settings["Account Reservation"] = {
	add_fields: ["status", "expiry_date"],
	get_indicator(doc) {
		const colors = { Requested: "orange", Active: "green", Expired: "gray", Released: "blue", Rejected: "red" };
		return [__(doc.status), colors[doc.status] || "gray", `status,=,${doc.status}`];
	},
};
