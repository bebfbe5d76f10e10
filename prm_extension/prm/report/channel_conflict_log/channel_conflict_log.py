"""Channel Conflict Log: every refused reservation request and every failed deal-registration check
in the period, with the rule, the reason the partner was given and the conflicting records
(managers only), newest first; a chart of conflicts by rule."""

import frappe
from frappe import _

from prm_extension.services import analytics

MAX_ROWS = 10000


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	scope = analytics.Scope.from_filters(filters, default_months=3)
	rule = filters.get("rule")
	data = rows(scope, rule)
	counts = analytics.conflicts_by_rule(scope)
	chart = (
		{
			"data": {
				"labels": [f"{_(c['rule'])} ({_(c['source'])})" for c in counts[:12]],
				"datasets": [{"name": _("Conflicts"), "values": [c["count"] for c in counts[:12]]}],
			},
			"type": "bar",
		}
		if counts
		else None
	)
	message = _("Showing the newest {0} rows.").format(MAX_ROWS) if len(data) >= MAX_ROWS else None
	return columns(), data, message, chart


def rows(scope, rule=None):
	return analytics.conflict_log(scope, rule, MAX_ROWS)


def columns():
	return [
		{"fieldname": "date", "label": _("Date"), "fieldtype": "Datetime", "width": 160},
		{"fieldname": "source", "label": _("Type"), "fieldtype": "Data", "width": 140},
		{
			"fieldname": "record",
			"label": _("Record"),
			"fieldtype": "Dynamic Link",
			"options": "source",
			"width": 170,
		},
		{
			"fieldname": "channel_partner",
			"label": _("Channel Partner"),
			"fieldtype": "Link",
			"options": "Channel Partner",
			"width": 170,
		},
		{"fieldname": "customer", "label": _("Customer / Prospect"), "fieldtype": "Data", "width": 170},
		{"fieldname": "rule", "label": _("Rule"), "fieldtype": "Data", "width": 150},
		{"fieldname": "result", "label": _("Result"), "fieldtype": "Data", "width": 80},
		{"fieldname": "reason", "label": _("Reason Given"), "fieldtype": "Small Text", "width": 260},
		{
			"fieldname": "conflicts",
			"label": _("Conflicting Records"),
			"fieldtype": "Small Text",
			"width": 220,
		},
	]
