frappe.query_reports["Channel Pipeline"] = {
	filters: prm.channel_filters([
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: ["Partner", "Tier", "Territory", "Product Line"],
			default: "Partner",
			reqd: 1,
		},
	]),
};
