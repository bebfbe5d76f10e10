"""Channel Pipeline: deal registrations submitted in the period by partner, tier, territory or
product line: registered, approved, won, lost and rejected (counts and company-currency values),
win rate and hours to decide, with a chart of the largest groups."""

import frappe
from frappe import _

from prm_extension.services import analytics

LINKS = {
	"Partner": "Channel Partner",
	"Tier": "Partner Tier",
	"Territory": "Territory",
	"Product Line": "Item Group",
}


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	group_by = filters.get("group_by") or "Partner"
	scope = analytics.Scope.from_filters(filters)
	rows = analytics.pipeline_by(scope, group_by)
	data = [
		{
			"group": r.grp or _("(none)"),
			"registered": r.registered,
			"registered_value": r.registered_value,
			"approved": r.approved,
			"approved_value": r.approved_value,
			"won": r.won,
			"won_value": r.won_value,
			"lost": r.lost,
			"rejected": r.rejected,
			"win_rate": r.win_rate,
			"avg_hours": r.avg_hours,
		}
		for r in rows
	]
	return columns(group_by), data, analytics.months_note(scope), chart(data[:10])


def columns(group_by):
	return [
		{
			"fieldname": "group",
			"label": _(group_by),
			"fieldtype": "Link",
			"options": LINKS[analytics.group_by_field(group_by)],
			"width": 200,
		},
		{"fieldname": "registered", "label": _("Registered"), "fieldtype": "Int", "width": 100},
		{
			"fieldname": "registered_value",
			"label": _("Registered Value"),
			"fieldtype": "Currency",
			"width": 140,
		},
		{"fieldname": "approved", "label": _("Approved"), "fieldtype": "Int", "width": 90},
		{"fieldname": "approved_value", "label": _("Approved Value"), "fieldtype": "Currency", "width": 140},
		{"fieldname": "won", "label": _("Won"), "fieldtype": "Int", "width": 80},
		{"fieldname": "won_value", "label": _("Won Value"), "fieldtype": "Currency", "width": 140},
		{"fieldname": "lost", "label": _("Lost"), "fieldtype": "Int", "width": 80},
		{"fieldname": "rejected", "label": _("Rejected"), "fieldtype": "Int", "width": 90},
		{"fieldname": "win_rate", "label": _("Win Rate %"), "fieldtype": "Percent", "width": 100},
		{
			"fieldname": "avg_hours",
			"label": _("Hours to Decide"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 120,
		},
	]


def chart(rows):
	if not rows:
		return None
	return {
		"data": {
			"labels": [r["group"] for r in rows],
			"datasets": [
				{"name": _("Registered"), "values": [float(r["registered_value"] or 0) for r in rows]},
				{"name": _("Approved"), "values": [float(r["approved_value"] or 0) for r in rows]},
				{"name": _("Won"), "values": [float(r["won_value"] or 0) for r in rows]},
			],
		},
		"type": "bar",
		"fieldtype": "Currency",
	}
