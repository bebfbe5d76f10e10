// Filters shared by the PRM channel reports (period, company, partner, tier, territory, product line).
frappe.provide("prm");
prm.channel_filters = function (extra = []) {
	return [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -12),
			reqd: 1,
		},
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today(), reqd: 1 },
		{ fieldname: "partner", label: __("Channel Partner"), fieldtype: "Link", options: "Channel Partner" },
		{ fieldname: "tier", label: __("Tier"), fieldtype: "Link", options: "Partner Tier" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "product_line", label: __("Product Line"), fieldtype: "Link", options: "Item Group" },
		...extra,
	];
};

// Live channel figures: the server publishes "prm_channel_update" (site room, desk users only)
// after every committed change to deals, reservations, claims, MDF requests and partner sales.
// An open PRM workspace re-renders its cards and charts, an open PRM report re-runs (debounced).
(function () {
	const REPORTS = ["Channel Pipeline", "Partner Scorecard", "Channel Conflict Log", "Partner Activity", "Incentive ROI"];
	let timer = null;
	function refresh_open_views() {
		const route = frappe.get_route() || [];
		if (route[0] === "query-report" && REPORTS.includes(route[1]) && frappe.query_report) {
			frappe.query_report.refresh();
		} else if (
			route[0] === "Workspaces" &&
			frappe.workspace &&
			frappe.workspace.is_read_only !== false &&
			frappe.workspace.current_page &&
			frappe.workspace.current_page.name === "PRM"
		) {
			frappe.workspace.show();
		}
	}
	$(document).on("app_ready", function () {
		frappe.realtime.on("prm_channel_update", () => {
			clearTimeout(timer);
			timer = setTimeout(refresh_open_views, 2000);
		});
	});
})();
