frappe.query_reports["Incentive ROI"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company", default: frappe.defaults.get_user_default("Company"), reqd: 1 },
		{ fieldname: "program", label: __("Program"), fieldtype: "Link", options: "Incentive Program" },
		{ fieldname: "channel_partner", label: __("Channel Partner"), fieldtype: "Link", options: "Channel Partner" },
		{ fieldname: "program_type", label: __("Type"), fieldtype: "Select", options: "\nMDF / Co-op\nVolume Rebate\nSPIFF\nRegistered-Deal Bonus" },
	],
};
