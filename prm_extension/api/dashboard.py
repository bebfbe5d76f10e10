"""Sources of the PRM workspace number cards. Read-only: they may run on a replica."""

import frappe
from frappe.query_builder.functions import Count
from frappe.utils import add_days, get_first_day, nowdate

from prm_extension.permissions import account_reservation_criterion, deal_registration_criterion
from prm_extension.security import payload


def _count(conditions) -> int:
	frappe.has_permission("Account Reservation", "read", throw=True)
	res = frappe.qb.DocType("Account Reservation")
	query = frappe.qb.from_(res).select(Count("*")).where(conditions)
	scope = account_reservation_criterion()
	if scope is not None:  # a partner sees its own figures only
		query = query.where(scope)
	return query.run()[0][0]


@frappe.whitelist()
@frappe.read_only()
def reservations_expiring_soon(filters: str | dict | None = None) -> dict:
	days = frappe.db.get_single_value("PRM Settings", "expiry_reminder_days") or 14
	res = frappe.qb.DocType("Account Reservation")
	today = nowdate()
	value = _count(
		(res.status == "Active") & (res.expiry_date >= today) & (res.expiry_date <= add_days(today, days))
	)
	return {"value": value, "fieldtype": "Int"}


@frappe.whitelist()
@frappe.read_only()
def refused_requests_this_month(filters: str | dict | None = None) -> dict:
	res = frappe.qb.DocType("Account Reservation")
	value = _count((res.status == "Rejected") & (res.creation >= get_first_day(nowdate())))
	return {"value": value, "fieldtype": "Int"}


@frappe.whitelist()
@frappe.read_only()
def deals_won_this_quarter(filters: str | dict | None = None) -> dict:
	from frappe.utils import get_quarter_start

	frappe.has_permission("Deal Registration", "read", throw=True)
	reg = frappe.qb.DocType("Deal Registration")
	query = (
		frappe.qb.from_(reg)
		.select(Count("*"))
		.where((reg.status == "Won") & (reg.won_on >= get_quarter_start(nowdate())))
	)
	scope = deal_registration_criterion()
	if scope is not None:
		query = query.where(scope)
	return {"value": query.run()[0][0], "fieldtype": "Int"}


# --- channel analytics cards and charts (PRM Managers; same queries as the reports) -----------------

PERIODS = ("This Month", "This Quarter", "This Year", "Last 30 Days", "Last 90 Days", "Last 12 Months")


def _manager_scope(filters, period: str | None = None):
	from frappe.utils import add_months, get_quarter_start, get_year_start, getdate

	from prm_extension import analytics
	from prm_extension.partners import is_manager

	if not is_manager():
		frappe.throw(frappe._("Channel analytics are for PRM Managers."), frappe.PermissionError)
	f = frappe._dict(payload.json_arg(filters, frappe._("Filters"), "filters") or {})
	period = f.pop("period", None) or period  # the card's or chart's own period wins over the default
	if period and not (f.get("from_date") or f.get("to_date")):
		if period not in PERIODS:
			frappe.throw(frappe._("Period must be one of: {0}").format(", ".join(PERIODS)))
		today = getdate(nowdate())
		start = {
			"This Month": get_first_day(today),
			"This Quarter": get_quarter_start(today),
			"This Year": get_year_start(today),
			"Last 30 Days": add_days(today, -30),
			"Last 90 Days": add_days(today, -90),
			"Last 12 Months": add_months(today, -12),
		}[period]
		f.from_date, f.to_date = start, today
	return analytics.Scope.from_filters(f)


@frappe.whitelist()
@frappe.read_only()
def partner_revenue(filters: str | dict | None = None) -> dict:
	from prm_extension import analytics

	total = analytics.sales_total(_manager_scope(filters, "This Quarter"))
	return {"value": float(total["revenue"]), "fieldtype": "Currency"}


@frappe.whitelist()
@frappe.read_only()
def partner_margin_percentage(filters: str | dict | None = None) -> dict:
	from prm_extension import analytics

	total = analytics.sales_total(_manager_scope(filters, "This Quarter"))
	value = total["margin_percentage"]
	return {"value": float(value) if value is not None else 0, "fieldtype": "Percent", "precision": 1}


@frappe.whitelist()
@frappe.read_only()
def win_rate(filters: str | dict | None = None) -> dict:
	from prm_extension import analytics

	value = analytics.outcomes(_manager_scope(filters, "Last 12 Months"))["win_rate"]
	return {"value": float(value) if value is not None else 0, "fieldtype": "Percent", "precision": 1}


@frappe.whitelist()
@frappe.read_only()
def incentive_spend(filters: str | dict | None = None) -> dict:
	from prm_extension import analytics

	return {
		"value": float(analytics.spend_total(_manager_scope(filters, "This Year"))),
		"fieldtype": "Currency",
	}


@frappe.whitelist()
@frappe.read_only()
def reservation_use(filters: str | dict | None = None) -> dict:
	from prm_extension import analytics

	use = analytics.reservation_use(_manager_scope(filters, "This Month"))
	return {"value": use["percentage"] or 0, "fieldtype": "Percent", "precision": 1}


@frappe.whitelist()
@frappe.read_only()
def conflicts(filters: str | dict | None = None) -> dict:
	from prm_extension import analytics

	rows = analytics.conflicts_by_rule(_manager_scope(filters, "This Month"))
	return {"value": sum(r["count"] for r in rows), "fieldtype": "Int"}
