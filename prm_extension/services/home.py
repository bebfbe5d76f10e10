"""The partner portal home's figures: what the session partner has open, expiring, available and
waiting for it, counted under the partner condition each DocType's permission query applies
(``security.permissions.partner_criterion``: never another partner's data; channel-wide for
managers) and only on DocTypes the caller may read. Kept per user for five minutes and dropped when
one of the partner's documents changes (``services.live.on_change``)."""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe.query_builder.functions import Count, Sum
from frappe.utils import add_days, cint, flt, getdate, nowdate

from prm_extension.core.summaries import DEAL_TOTAL_GRAIN
from prm_extension.security.permissions import partner_criterion
from prm_extension.services.incentives import open_programs
from prm_extension.services.partners import is_manager, partner_of

OPEN_DEAL_STATUSES = ("Submitted", "Approved")
DEALS_AWAITING_PARTNER = ("Draft", "Returned")
CLAIMS_AWAITING_PARTNER = ("Draft",)  # claims have no "Returned" state: a draft is the partner's to finish
EXPIRY_WINDOW_DAYS = 14


HOME_CACHE_SECONDS = 300
HOME_VERSIONS = "prm_home_figures_version"


def forget_home_figures(partner: str | None) -> None:
	"""A document of ``partner`` changed: its users' cached home figures (and the managers'
	channel-wide ones) are not used again."""
	token = frappe.generate_hash(length=10)
	for key in {partner or "*", "*"}:
		frappe.cache.hset(HOME_VERSIONS, key, token)


def cached_home_figures() -> dict:
	"""The session partner's figures (a manager gets the channel's), from the cache when it is current."""
	partner = partner_of()
	version = frappe.cache.hget(HOME_VERSIONS, partner or "*") or "-"
	key = f"prm_home_figures:{frappe.session.user}:{partner or '*'}:{version}"
	figures = frappe.cache.get_value(key)
	if figures is None:
		figures = counted_home_figures(partner)
		frappe.cache.set_value(key, figures, expires_in_sec=HOME_CACHE_SECONDS)
	return figures


def _scoped(doctype: str):
	"""``(table, condition)`` for counting the caller's rows of ``doctype`` (the condition is None
	when unrestricted), or ``(table, False)`` when the caller may not read the DocType at all."""
	table = frappe.qb.DocType(doctype)
	if not frappe.has_permission(doctype, "read"):
		return table, False
	return table, partner_criterion(doctype)


def _where(condition, criterion):
	return condition if criterion is None else condition & criterion


def counted_home_figures(partner: str | None) -> dict:
	from frappe.core.doctype.user_permission.user_permission import get_user_permissions

	if get_user_permissions():
		# User Permissions narrow what frappe.get_list returns: count through it for such users
		return listed_home_figures(partner)
	today = getdate(nowdate())
	pipeline = open_registrations(partner)
	expiring = []
	res, crit = _scoped("Account Reservation")
	if crit is not False:
		expiring = (
			frappe.qb.from_(res)
			.select(res.name, res.customer_name, res.expiry_date)
			.where(
				_where(
					(res.status == "Active")
					& res.expiry_date.between(today, getdate(add_days(today, EXPIRY_WINDOW_DAYS))),
					crit,
				)
			)
			.orderby(res.expiry_date)
			.orderby(res.name)
			.run(as_dict=True)
		)
	available = defaultdict(float)
	alloc, crit = _scoped("Fund Allocation")
	if partner and crit is not False:
		# what each allocation has left is stored on it (services.incentives.refresh_totals); programs
		# whose claim deadline passed cannot be spent any more (as services.incentives.open_programs)
		program = frappe.qb.DocType("Incentive Program")
		for currency, value in (
			frappe.qb.from_(alloc)
			.join(program)
			.on(program.name == alloc.program)
			.select(alloc.currency, Sum(alloc.available_amount))
			.where(
				_where(
					(alloc.channel_partner == partner)
					& (program.claim_deadline.isnull() | (program.claim_deadline >= today)),
					crit,
				)
			)
			.groupby(alloc.currency)
			.run()
		):
			if currency:
				available[currency] += flt(value)
	claims = 0
	claim, crit = _scoped("Incentive Claim")
	if crit is not False:
		# a draft claim is never submitted: the status alone reads the (channel_partner, status) index
		claims = (
			frappe.qb.from_(claim)
			.select(Count("*"))
			.where(_where(claim.status.isin(CLAIMS_AWAITING_PARTNER), crit))
			.run()[0][0]
		)
	awaiting_by_status = {}
	deal, crit = _scoped("Deal Registration")
	if crit is not False:
		awaiting_by_status = dict(
			frappe.qb.from_(deal)
			.select(deal.status, Count("*"))
			.where(_where(deal.status.isin(DEALS_AWAITING_PARTNER), crit))
			.groupby(deal.status)
			.run()
		)
	return _shape(partner, pipeline, expiring, available, claims, awaiting_by_status)


def listed_home_figures(partner: str | None) -> dict:
	"""The same figures through ``frappe.get_list`` (every permission rule Frappe applies, User
	Permissions included): for users restricted by User Permissions, and the reference the fast
	counts are tested against."""
	today = nowdate()
	pipeline = open_registrations(partner)
	expiring = frappe.get_list(
		"Account Reservation",
		filters={
			"status": "Active",
			"expiry_date": ("between", [today, add_days(today, EXPIRY_WINDOW_DAYS)]),
		},
		fields=["name", "customer_name", "expiry_date"],
		order_by="expiry_date asc, name asc",
		limit_page_length=0,
	)
	available = defaultdict(float)
	programs = open_programs(partner) if partner else []
	if programs:
		for row in frappe.get_list(
			"Fund Allocation",
			filters={"channel_partner": partner, "program": ("in", programs)},
			fields=["currency", "sum(available_amount) as available"],
			group_by="currency",
			order_by="currency asc",
		):
			if row.currency:
				available[row.currency] += flt(row.available)
	claims = frappe.get_list(
		"Incentive Claim",
		filters={"status": ("in", CLAIMS_AWAITING_PARTNER)},
		fields=["count(name) as count"],
		order_by=None,
		limit_page_length=0,
	)
	awaiting = frappe.get_list(
		"Deal Registration",
		filters={"status": ("in", DEALS_AWAITING_PARTNER)},
		fields=["status", "count(name) as count"],
		group_by="status",
		order_by="status asc",
		limit_page_length=0,
	)
	awaiting_by_status = {r.status: cint(r.count) for r in awaiting}
	return _shape(
		partner, pipeline, expiring, available, claims[0].count if claims else 0, awaiting_by_status
	)


def _shape(partner, pipeline, expiring, available, claims, awaiting_by_status) -> dict:
	"""The home figures' shape, from either way of counting them."""
	return {
		"partner": partner,
		"open_deals": sum(p["count"] for p in pipeline),
		"pipeline": pipeline,
		"expiring_reservations": len(expiring),
		"expiring": [
			{"name": r.name, "customer_name": r.customer_name, "expiry_date": str(r.expiry_date)}
			for r in expiring[:5]
		],
		"funds_available": [{"currency": c, "value": v} for c, v in sorted(available.items())],
		"claims_awaiting": cint(claims),
		"deals_awaiting": sum(cint(v) for v in awaiting_by_status.values()),
		"deals_awaiting_by_status": {s: cint(awaiting_by_status.get(s, 0)) for s in DEALS_AWAITING_PARTNER},
	}


def open_registrations(partner: str | None) -> list[dict]:
	"""Registrations waiting for a decision or approved and open, whatever their date: count and
	value per company currency, from the deal summary (the partner's own rows; a manager gets the
	whole channel, anyone else nothing)."""
	if not partner and not is_manager():
		return []
	params = {"grain": DEAL_TOTAL_GRAIN, "statuses": OPEN_DEAL_STATUSES, "partner": partner}
	rows = frappe.db.sql(
		f"""select company, sum(registrations), sum(registered_value) from `tabPRM Deal Summary`
		where grain = %(grain)s and status in %(statuses)s
		{"and channel_partner = %(partner)s" if partner else ""}
		group by company""",
		params,
	)
	by_currency: dict[str, list] = defaultdict(lambda: [0, 0.0])
	for company, count, value in rows:
		currency = frappe.get_cached_value("Company", company, "default_currency") if company else None
		by_currency[currency or ""][0] += cint(count)
		by_currency[currency or ""][1] += flt(value)
	return [{"currency": c, "value": v, "count": n} for c, (n, v) in sorted(by_currency.items()) if n > 0]
