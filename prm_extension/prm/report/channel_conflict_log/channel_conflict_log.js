frappe.query_reports["Channel Conflict Log"] = {
	filters: prm.channel_filters([
		{ fieldname: "rule", label: __("Rule"), fieldtype: "Data" },
	]).map((f) => (f.fieldname === "from_date" ? { ...f, default: frappe.datetime.add_months(frappe.datetime.get_today(), -3) } : f)),
};
