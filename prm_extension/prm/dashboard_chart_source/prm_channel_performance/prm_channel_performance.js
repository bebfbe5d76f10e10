frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["PRM Channel Performance"] = {
	method: "prm_extension.prm.dashboard_chart_source.prm_channel_performance.prm_channel_performance.get",
	filters: [
		{
			fieldname: "metric",
			label: __("Metric"),
			fieldtype: "Select",
			options: ["Revenue and Margin", "Pipeline", "Won", "Sell-Through", "Conflicts", "Incentive Spend"],
			default: "Revenue and Margin",
		},
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: ["Partner", "Tier", "Territory", "Product Line"],
			default: "Partner",
		},
		{
			fieldname: "period",
			label: __("Period"),
			fieldtype: "Select",
			options: ["This Month", "This Quarter", "This Year", "Last 30 Days", "Last 90 Days", "Last 12 Months"],
			default: "Last 12 Months",
		},
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
	],
};
