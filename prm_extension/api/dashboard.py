"""Sources of the PRM workspace number cards. Read-only: they may run on a replica."""

import frappe
from frappe.query_builder.functions import Count
from frappe.utils import add_days, get_first_day, nowdate

from prm_extension.security.permissions import account_reservation_criterion, deal_registration_criterion
from prm_extension.services import analytics


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


@frappe.whitelist()
@frappe.read_only()
def partner_revenue(filters: str | dict | None = None) -> dict:

	total = analytics.sales_total(analytics.manager_scope(filters, "This Quarter"))
	return {"value": float(total["revenue"]), "fieldtype": "Currency"}


@frappe.whitelist()
@frappe.read_only()
def partner_margin_percentage(filters: str | dict | None = None) -> dict:

	total = analytics.sales_total(analytics.manager_scope(filters, "This Quarter"))
	value = total["margin_percentage"]
	return {"value": float(value) if value is not None else 0, "fieldtype": "Percent", "precision": 1}


@frappe.whitelist()
@frappe.read_only()
def win_rate(filters: str | dict | None = None) -> dict:

	value = analytics.outcomes(analytics.manager_scope(filters, "Last 12 Months"))["win_rate"]
	return {"value": float(value) if value is not None else 0, "fieldtype": "Percent", "precision": 1}


@frappe.whitelist()
@frappe.read_only()
def incentive_spend(filters: str | dict | None = None) -> dict:

	return {
		"value": float(analytics.spend_total(analytics.manager_scope(filters, "This Year"))),
		"fieldtype": "Currency",
	}


@frappe.whitelist()
@frappe.read_only()
def reservation_use(filters: str | dict | None = None) -> dict:

	use = analytics.reservation_use(analytics.manager_scope(filters, "This Month"))
	return {"value": use["percentage"] or 0, "fieldtype": "Percent", "precision": 1}


@frappe.whitelist()
@frappe.read_only()
def conflicts(filters: str | dict | None = None) -> dict:

	rows = analytics.conflicts_by_rule(analytics.manager_scope(filters, "This Month"))
	return {"value": sum(r["count"] for r in rows), "fieldtype": "Int"}
