"""Partner Scorecard: per partner, revenue and gross margin through its Sales Partner, registered
and won pipeline, win rate, hours to decide, incentive spend and revenue per unit of spend."""

import frappe
from frappe import _

from prm_extension.services import analytics


@frappe.read_only()
def execute(filters=None):
	scope = analytics.Scope.from_filters(filters)
	data = analytics.scorecard(scope)
	top = data[:10]
	chart = (
		{
			"data": {
				"labels": [r.channel_partner for r in top],
				"datasets": [
					{"name": _("Revenue"), "values": [float(r.revenue) for r in top]},
					{"name": _("Gross Margin"), "values": [float(r.margin) for r in top]},
				],
			},
			"type": "bar",
			"fieldtype": "Currency",
		}
		if top
		else None
	)
	return columns(), data, analytics.months_note(scope), chart


def columns():
	return [
		{
			"fieldname": "channel_partner",
			"label": _("Channel Partner"),
			"fieldtype": "Link",
			"options": "Channel Partner",
			"width": 190,
		},
		{
			"fieldname": "tier",
			"label": _("Tier"),
			"fieldtype": "Link",
			"options": "Partner Tier",
			"width": 110,
		},
		{"fieldname": "revenue", "label": _("Revenue"), "fieldtype": "Currency", "width": 130},
		{"fieldname": "margin", "label": _("Gross Margin"), "fieldtype": "Currency", "width": 130},
		{"fieldname": "margin_percentage", "label": _("Margin %"), "fieldtype": "Percent", "width": 90},
		{"fieldname": "registered", "label": _("Registered"), "fieldtype": "Int", "width": 95},
		{
			"fieldname": "registered_value",
			"label": _("Registered Value"),
			"fieldtype": "Currency",
			"width": 130,
		},
		{"fieldname": "won", "label": _("Won"), "fieldtype": "Int", "width": 70},
		{"fieldname": "won_value", "label": _("Won Value"), "fieldtype": "Currency", "width": 130},
		{"fieldname": "win_rate", "label": _("Win Rate %"), "fieldtype": "Percent", "width": 95},
		{
			"fieldname": "avg_hours",
			"label": _("Hours to Decide"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 110,
		},
		{
			"fieldname": "incentive_spend",
			"label": _("Incentive Spend"),
			"fieldtype": "Currency",
			"width": 130,
		},
		{
			"fieldname": "revenue_per_spend",
			"label": _("Revenue per 1 Spent"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 130,
		},
	]
