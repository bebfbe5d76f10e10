frappe.query_reports["Partner Scorecard"] = {
	filters: prm.channel_filters(),
};
