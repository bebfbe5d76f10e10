"""Chart source: channel performance by partner, tier, territory or product line (the same queries
as the Channel Pipeline and Partner Scorecard reports), for PRM Managers."""

import frappe
from frappe import _

from prm_extension.security import payload
from prm_extension.services import analytics

METRICS = ("Revenue and Margin", "Pipeline", "Won", "Sell-Through", "Conflicts", "Incentive Spend")
TOP = 10


@frappe.whitelist()
@frappe.read_only()
def get(
	chart_name=None,
	chart=None,
	no_cache=None,
	filters=None,
	from_date=None,
	to_date=None,
	timespan=None,
	time_interval=None,
	heatmap_year=None,
) -> dict:
	f = frappe._dict(payload.json_arg(filters, _("Filters"), "filters") or {})
	metric = f.pop("metric", None) or "Revenue and Margin"
	group_by = f.pop("group_by", None) or "Partner"
	if metric not in METRICS:
		frappe.throw(_("Metric must be one of: {0}").format(", ".join(METRICS)))
	scope = analytics.manager_scope(f, f.get("period") or "Last 12 Months")
	if metric == "Revenue and Margin":
		rows = analytics.sales_by(scope, group_by, limit=TOP)
		return _chart(rows, {_("Revenue"): "revenue", _("Gross Margin"): "margin"})
	if metric == "Pipeline":
		rows = analytics.pipeline_by(scope, group_by)[:TOP]
		return _chart(
			rows,
			{_("Registered"): "registered_value", _("Approved"): "approved_value", _("Won"): "won_value"},
		)
	if metric == "Won":
		rows = analytics.pipeline_by(scope, group_by, status="Won")
		rows = sorted(rows, key=lambda r: -(r.won_value or 0))[:TOP]
		return _chart(rows, {_("Won"): "won_value"})
	if metric == "Sell-Through":
		rows = analytics.sell_through_by(scope, group_by, limit=TOP)
		return _chart(rows, {_("Units Sold Through"): "qty"})
	if metric == "Conflicts":
		rows = analytics.conflicts_by_rule(scope)[:TOP]
		return {
			"labels": [_(r["rule"]) for r in rows],
			"datasets": [{"name": _("Conflicts"), "values": [r["count"] for r in rows]}],
		}
	rows = analytics.incentive_spend(scope)[:TOP]
	return {
		"labels": [r.program for r in rows],
		"datasets": [
			{"name": _("Budget"), "values": [float(r.budget or 0) for r in rows]},
			{"name": _("Approved"), "values": [float(r.approved or 0) for r in rows]},
			{"name": _("Paid"), "values": [float(r.paid or 0) for r in rows]},
		],
	}


def _chart(rows, series: dict) -> dict:
	return {
		"labels": [r.grp or _("(none)") for r in rows],
		"datasets": [
			{"name": name, "values": [float(r.get(key) or 0) for r in rows]} for name, key in series.items()
		],
	}
