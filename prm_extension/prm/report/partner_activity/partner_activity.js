frappe.query_reports["Partner Activity"] = {
	filters: prm.channel_filters().map((f) =>
		f.fieldname === "from_date" ? { ...f, default: frappe.datetime.add_months(frappe.datetime.get_today(), -3) } : f,
	),
};
