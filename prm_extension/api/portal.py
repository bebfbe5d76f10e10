"""Partner portal calls: home figures, announcements read, and the partner's team.

Figures are counted under the partner condition that each DocType's permission query conditions
apply (``permissions.partner_criterion``: never another partner's data; channel-wide for managers)
and only on DocTypes the caller may read; the open pipeline comes from the deal summary narrowed
to the caller's own partner. Team changes go through the Channel Partner document and its
controller, which keeps each member's website User (roles, enabled) and Contact in step.
"""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum
from frappe.utils import add_days, cint, flt, getdate, nowdate, validate_email_address

from prm_extension import announcements
from prm_extension.incentive_engine import open_programs
from prm_extension.partners import PARTNER_ROLES, is_manager, partner_of
from prm_extension.permissions import partner_criterion

OPEN_DEAL_STATUSES = ("Submitted", "Approved")
DEALS_AWAITING_PARTNER = ("Draft", "Returned")
CLAIMS_AWAITING_PARTNER = ("Draft",)  # claims have no "Returned" state: a draft is the partner's to finish
EXPIRY_WINDOW_DAYS = 14
ROLES = ("Partner User", "Partner Admin")


# --- home -------------------------------------------------------------------------------------------


HOME_CACHE_SECONDS = 300
HOME_VERSIONS = "prm_home_figures_version"


def forget_home_figures(partner: str | None) -> None:
	"""A document of ``partner`` changed: its users' cached home figures (and the managers'
	channel-wide ones) are not used again."""
	token = frappe.generate_hash(length=10)
	for key in {partner or "*", "*"}:
		frappe.cache.hset(HOME_VERSIONS, key, token)


@frappe.whitelist()
@frappe.read_only()
def home_figures() -> dict:
	"""The session partner's figures (a manager gets the channel's figures, unfiltered). Kept per
	user for five minutes, and dropped whenever a deal, reservation, allocation, MDF request or
	claim of the partner changes (``live.on_change``); the unread count is always fresh. For
	partner members and channel managers (as the portal pages)."""
	if not partner_of() and not (set(PARTNER_ROLES) & set(frappe.get_roles())) and not is_manager():
		frappe.throw(_("The partner portal is for members of channel partners."), frappe.PermissionError)
	return {**cached_home_figures(), "unread_announcements": announcements.unread_count()}


def cached_home_figures() -> dict:
	"""``home_figures`` without the unread count (the home page counts it with its news list)."""
	partner = partner_of()
	version = frappe.cache.hget(HOME_VERSIONS, partner or "*") or "-"
	key = f"prm_home_figures:{frappe.session.user}:{partner or '*'}:{version}"
	figures = frappe.cache.get_value(key)
	if figures is None:
		figures = _home_figures(partner)
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


def _home_figures(partner: str | None) -> dict:
	from frappe.core.doctype.user_permission.user_permission import get_user_permissions

	if get_user_permissions():
		# User Permissions narrow what frappe.get_list returns: count through it for such users
		return _home_figures_listed(partner)
	today = getdate(nowdate())
	pipeline = open_pipeline(partner)
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
		# what each allocation has left is stored on it (incentive_engine.refresh_totals); programs
		# whose claim deadline passed cannot be spent any more (as incentive_engine.open_programs)
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
	return _figures(partner, pipeline, expiring, available, claims, awaiting_by_status)


def _home_figures_listed(partner: str | None) -> dict:
	"""The same figures through ``frappe.get_list`` (every permission rule Frappe applies, User
	Permissions included): for users restricted by User Permissions, and the reference the fast
	counts are tested against."""
	today = nowdate()
	pipeline = open_pipeline(partner)
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
	return _figures(
		partner, pipeline, expiring, available, claims[0].count if claims else 0, awaiting_by_status
	)


def _figures(partner, pipeline, expiring, available, claims, awaiting_by_status) -> dict:
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


def open_pipeline(partner: str | None) -> list[dict]:
	"""Registrations waiting for a decision or approved and open, whatever their date: count and
	value per company currency, from the deal summary (the partner's own rows; a manager gets the
	whole channel, anyone else nothing)."""
	from prm_extension.core.summaries import DEAL_TOTAL_GRAIN

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


@frappe.whitelist(methods=["POST"])
def mark_announcement_read(announcement: str) -> dict:
	newly = announcements.mark_read(announcement)
	return {"announcement": announcement, "newly_read": newly, "unread": announcements.unread_count()}


# --- team -------------------------------------------------------------------------------------------


def _own_partner() -> str:
	partner = partner_of()
	if not partner:
		frappe.throw(_("Your user is not a member of any channel partner."), frappe.PermissionError)
	return partner


def _is_admin(partner: str) -> bool:
	"""Is the caller an enabled Partner Admin member of ``partner``? (The roles alone are not
	enough: they say nothing about which partner.)"""
	row = frappe.db.get_value(
		"Channel Partner Member",
		{
			"parent": partner,
			"parenttype": "Channel Partner",
			"user": frappe.session.user,
			"enabled": 1,
		},
		"partner_role",
	)
	return row == "Partner Admin" and "Partner Admin" in frappe.get_roles()


def _require_admin(partner: str) -> None:
	if not _is_admin(partner):
		frappe.throw(_("Only your partner's admins can manage the team."), frappe.PermissionError)


def _partner_doc(partner: str):
	doc = frappe.get_doc("Channel Partner", partner)
	doc.check_permission("read")  # the partner scope (has_permission hook) agrees it is the caller's
	return doc


def _member(doc, email) -> frappe.model.document.Document:
	email = (email or "").strip().lower() if isinstance(email, str) else ""
	for row in doc.members:
		if email and row.email == email:
			return row
	# Same answer whether the person belongs to another partner or does not exist at all.
	frappe.throw(_("This person is not a member of your partner."), frappe.DoesNotExistError)


def _enabled_admins(doc) -> int:
	return sum(1 for r in doc.members if r.enabled and r.partner_role == "Partner Admin")


def _save(doc) -> None:
	"""Save the partner's member list through the Channel Partner controller (validation, website
	User roles and enabled flag, Contact).

	Why ignore_permissions: Partner Admins only *read* their Channel Partner (write would let them
	change tier, status, territories and product lines over REST). The callers have checked that the
	session user is an enabled Partner Admin of this very partner and changed nothing but its
	``members`` rows; everything else is the document as stored."""
	before = frappe.get_doc("Channel Partner", doc.name)
	for field in ("status", "tier", "partner_type", "home_territory", "commission_rate", "partner_name"):
		if doc.get(field) != before.get(field):  # defensive: only the members may differ
			frappe.throw(_("Only the team can be changed here."), frappe.PermissionError)
	doc.flags.ignore_permissions = True
	doc.save()


def team_rows(partner: str) -> list[dict]:
	"""The partner's people with their last login (read server-side for this partner only)."""
	members = frappe.get_all(
		"Channel Partner Member",
		filters={"parent": partner, "parenttype": "Channel Partner"},
		fields=["email", "full_name", "partner_role", "enabled", "user"],
		order_by="idx asc",
	)
	users = {
		u.name: u
		for u in frappe.get_all(
			"User",
			filters={"name": ("in", [m.user for m in members if m.user] or [""])},
			fields=["name", "last_login", "enabled"],
		)
	}
	out = []
	for m in members:
		u = users.get(m.user)
		out.append(
			{
				"email": m.email,
				"full_name": m.full_name,
				"partner_role": m.partner_role,
				"enabled": cint(m.enabled),
				"last_login": str(u.last_login) if u and u.last_login else None,
				"is_you": bool(m.user and m.user == frappe.session.user),
			}
		)
	return out


@frappe.whitelist()
@frappe.read_only()
def team() -> dict:
	partner = _own_partner()
	return {"partner": partner, "can_manage": _is_admin(partner), "members": team_rows(partner)}


def _clean_role(partner_role) -> str:
	if partner_role not in ROLES:
		frappe.throw(_("Choose Partner User or Partner Admin."))
	return partner_role


@frappe.whitelist(methods=["POST"])
def invite_member(email: str, full_name: str, partner_role: str = "Partner User") -> dict:
	"""Add a person to the caller's partner: the controller creates the website User (with the
	partner roles) and the Contact."""
	partner = _own_partner()
	_require_admin(partner)
	email = (email or "").strip().lower() if isinstance(email, str) else ""
	full_name = " ".join((full_name or "").split()) if isinstance(full_name, str) else ""
	partner_role = _clean_role(partner_role)
	if not email or not validate_email_address(email):
		frappe.throw(_("{0} is not a valid e-mail address.").format(frappe.bold(email or _("(blank)"))))
	if not full_name:
		frappe.throw(_("Enter the person's full name."))
	if len(full_name) > 140:
		frappe.throw(_("The name is too long."))
	doc = _partner_doc(partner)
	if any(r.email == email for r in doc.members):
		frappe.throw(_("{0} is already in your team.").format(frappe.bold(email)))
	existing = frappe.db.get_value("User", {"email": email}, ["name", "user_type"], as_dict=True)
	if existing and not frappe.db.exists(
		"Channel Partner Member", {"email": email, "parenttype": "Channel Partner"}
	):
		# An account that is not a partner member (a desk user, a customer): attaching it here would
		# let the partner's admins disable that account. The channel manager decides.
		roles = set(frappe.get_roles(existing.name)) - {"All", "Guest", *PARTNER_ROLES}
		if existing.user_type != "Website User" or roles or is_manager(existing.name):
			frappe.throw(
				_(
					"{0} already has an account on this site. Ask your channel manager to add this person."
				).format(frappe.bold(email))
			)
	doc.append(
		"members", {"email": email, "full_name": full_name, "partner_role": partner_role, "enabled": 1}
	)
	_save(doc)  # the controller refuses a person of another partner ("already belongs to another …")
	return {"members": team_rows(partner)}


@frappe.whitelist(methods=["POST"])
def set_member_enabled(email: str, enabled) -> dict:
	"""Deactivate (the website User is disabled: no login) or reactivate a member."""
	partner = _own_partner()
	_require_admin(partner)
	doc = _partner_doc(partner)
	row = _member(doc, email)
	row.enabled = 1 if cint(enabled) else 0
	if _enabled_admins(doc) < 1:
		frappe.throw(_("Your partner needs at least one enabled admin: make someone else an admin first."))
	_save(doc)
	return {"members": team_rows(partner)}


@frappe.whitelist(methods=["POST"])
def set_member_role(email: str, partner_role: str) -> dict:
	partner = _own_partner()
	_require_admin(partner)
	partner_role = _clean_role(partner_role)
	doc = _partner_doc(partner)
	row = _member(doc, email)
	row.partner_role = partner_role
	if _enabled_admins(doc) < 1:
		frappe.throw(_("Your partner needs at least one enabled admin: make someone else an admin first."))
	_save(doc)
	return {"members": team_rows(partner)}
