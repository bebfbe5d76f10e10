"""Channel Conflict Log: every refused reservation request and every failed deal-registration check
in the period, with the rule, the reason the partner was given and the conflicting records
(managers only), newest first; a chart of conflicts by rule."""

import frappe
from frappe import _
from frappe.utils import add_days

from prm_extension import analytics

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
	params = {"from_date": scope.from_date, "to_next": add_days(scope.to_date, 1), "limit": MAX_ROWS}
	res_cond = ["r.status = 'Rejected'", "r.creation >= %(from_date)s", "r.creation < %(to_next)s"]
	if scope.partner:
		res_cond.append("r.channel_partner = %(partner)s")
		params["partner"] = scope.partner
	if rule:
		res_cond.append("r.decision_code = %(rule)s")
		params["rule"] = rule
	reservations = frappe.db.sql(
		f"""select r.creation as date, 'Account Reservation' as source, r.name as record,
			r.channel_partner, r.customer, ifnull(r.decision_code, '') as rule, 'Refused' as result,
			r.decision_reason as reason, r.decision_detail as conflicts
		from `tabAccount Reservation` r where {" and ".join(res_cond)}
		order by r.creation desc limit %(limit)s""",
		params,
		as_dict=True,
	)
	deal_params = {"limit": MAX_ROWS}
	where = analytics._deal_where(scope, deal_params)
	rule_cond = ""
	if rule:
		rule_cond = " and c.`check` = %(rule)s"
		deal_params["rule"] = rule
	checks = frappe.db.sql(
		f"""select dr.submitted_on as date, 'Deal Registration' as source, dr.name as record,
			dr.channel_partner, ifnull(dr.customer, dr.prospect_name) as customer, c.`check` as rule,
			c.result, c.reason, c.conflicts
		from `tabDeal Registration` dr
		join `tabDeal Registration Check` c on c.parent = dr.name and c.parenttype = 'Deal Registration'
		left join `tabChannel Partner` cp on cp.name = dr.channel_partner
		where c.result in ('Failed', 'Warning') and {where}{rule_cond}
		order by dr.submitted_on desc limit %(limit)s""",
		deal_params,
		as_dict=True,
	)
	return sorted(reservations + checks, key=lambda r: r.date or "", reverse=True)[:MAX_ROWS]


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
