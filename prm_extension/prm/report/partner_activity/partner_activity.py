"""Partner Activity: per active partner, its enabled portal users, the last portal login of any of
them and what it did in the period (registrations, reservations, claims, announcements read), so
channel managers see who engages and who has gone quiet."""

import frappe
from frappe import _
from frappe.utils import date_diff, getdate, nowdate

from prm_extension.services import analytics


@frappe.read_only()
def execute(filters=None):
	scope = analytics.Scope.from_filters(filters, default_months=3)
	today = getdate(nowdate())
	data = []
	for r in analytics.activity(scope):
		r.days_since_login = date_diff(today, r.last_login) if r.last_login else None
		r.actions = int(r.registrations or 0) + int(r.reservations or 0) + int(r.claims or 0)
		data.append(r)
	quiet = sum(1 for r in data if not r.actions)
	summary = [
		{"value": len(data), "label": _("Active partners"), "datatype": "Int"},
		{
			"value": quiet,
			"label": _("No activity in the period"),
			"datatype": "Int",
			"indicator": "Red" if quiet else "Green",
		},
	]
	return columns(), data, None, None, summary


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
		{"fieldname": "users", "label": _("Portal Users"), "fieldtype": "Int", "width": 100},
		{"fieldname": "last_login", "label": _("Last Portal Login"), "fieldtype": "Datetime", "width": 160},
		{"fieldname": "days_since_login", "label": _("Days Since"), "fieldtype": "Int", "width": 90},
		{"fieldname": "registrations", "label": _("Registrations"), "fieldtype": "Int", "width": 110},
		{"fieldname": "reservations", "label": _("Reservations"), "fieldtype": "Int", "width": 110},
		{"fieldname": "claims", "label": _("Claims"), "fieldtype": "Int", "width": 80},
		{"fieldname": "announcements_read", "label": _("News Read"), "fieldtype": "Int", "width": 90},
		{"fieldname": "actions", "label": _("Actions"), "fieldtype": "Int", "width": 80},
	]
