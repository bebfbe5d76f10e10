frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["PRM Channel Trend"] = {
	method: "prm_extension.prm.dashboard_chart_source.prm_channel_trend.prm_channel_trend.get",
	filters: [
		{
			fieldname: "period",
			label: __("Period"),
			fieldtype: "Select",
			options: ["This Quarter", "This Year", "Last 90 Days", "Last 12 Months"],
			default: "Last 12 Months",
		},
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
	],
};
