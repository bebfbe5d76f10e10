"""Partner isolation. One scope per user feeds both the list condition
(``permission_query_conditions``) and the document check (``has_permission``), so a partner's
lists and the documents it may open cannot drift apart.
"""

from __future__ import annotations

import frappe
from pypika.terms import Criterion

from prm_extension.services.partners import PARTNER_ROLES, is_manager, partner_of

UNRESTRICTED = object()


def partner_scope(user: str | None = None):
	"""``UNRESTRICTED`` for channel managers, the user's partner name for partner users,
	``None`` (nothing) for a partner-role user who belongs to no enabled partner."""
	user = user or frappe.session.user
	if is_manager(user):
		return UNRESTRICTED
	if not set(PARTNER_ROLES) & set(frappe.get_roles(user)):
		return UNRESTRICTED  # role permissions alone decide for other desk users
	return partner_of(user)


def _criterion(doctype: str, field: str, user: str | None) -> Criterion | None:
	scope = partner_scope(user)
	if scope is UNRESTRICTED:
		return None
	table = frappe.qb.DocType(doctype)
	if scope is None:
		return table[field].isnull() & table[field].notnull()  # matches nothing
	return table[field] == scope


def partner_criterion(
	doctype: str, field: str = "channel_partner", user: str | None = None
) -> Criterion | None:
	"""The partner condition of ``doctype`` as a query-builder criterion — the one its
	``permission_query_conditions`` apply (None: unrestricted; a partner-role user of no partner
	matches nothing)."""
	return _criterion(doctype, field, user)


def _allows(doc, field: str, user: str | None) -> bool | None:
	scope = partner_scope(user)
	if scope is UNRESTRICTED:
		return None  # no opinion: role permissions decide
	value = doc.get(field)
	if not value and doc.get("__islocal"):
		# A new document without a partner: the controller fills in the user's own partner.
		return bool(scope)
	return bool(scope) and value == scope


def _query(doctype: str, field: str, user: str | None) -> str:
	criterion = _criterion(doctype, field, user)
	return criterion.get_sql(quote_char="`", with_namespace=True) if criterion is not None else ""


def account_reservation_criterion(user: str | None = None) -> Criterion | None:
	"""The partner condition on Account Reservation as a query-builder criterion (None: unrestricted)."""
	return _criterion("Account Reservation", "channel_partner", user)


def account_reservation_query(user: str | None = None) -> str:
	return _query("Account Reservation", "channel_partner", user)


def account_reservation_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	return _allows(doc, "channel_partner", user)


def channel_partner_query(user: str | None = None) -> str:
	return _query("Channel Partner", "name", user)


def channel_partner_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	return _allows(doc, "name", user)


def deal_registration_criterion(user: str | None = None) -> Criterion | None:
	return _criterion("Deal Registration", "channel_partner", user)


def deal_registration_query(user: str | None = None) -> str:
	return _query("Deal Registration", "channel_partner", user)


def deal_registration_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	return _allows(doc, "channel_partner", user)


def fund_allocation_query(user: str | None = None) -> str:
	return _query("Fund Allocation", "channel_partner", user)


def fund_allocation_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	return _allows(doc, "channel_partner", user)


def mdf_request_query(user: str | None = None) -> str:
	return _query("MDF Request", "channel_partner", user)


def mdf_request_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	return _allows(doc, "channel_partner", user)


def incentive_claim_query(user: str | None = None) -> str:
	return _query("Incentive Claim", "channel_partner", user)


def incentive_claim_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	return _allows(doc, "channel_partner", user)


def incentive_program_query(user: str | None = None) -> str:
	"""Partners see Active programs, except those open only to named partners that do not name
	them (the core's eligibility: named partners take part whatever their tier; a program with no
	tier list and named partners is theirs alone). Who is named is not shown to partners
	(``eligible_partners`` is at permission level 1)."""
	scope = partner_scope(user)
	if scope is UNRESTRICTED:
		return ""
	if not scope:
		return "1=0"
	program = "`tabIncentive Program`.`name`"
	named = (
		"select 1 from `tabIncentive Program Partner` named where named.parent = "
		f"{program} and named.parenttype = 'Incentive Program'"
	)
	tiers = (
		"select 1 from `tabIncentive Program Tier` tier where tier.parent = "
		f"{program} and tier.parenttype = 'Incentive Program'"
	)
	return (
		"`tabIncentive Program`.`status` = 'Active' and ("
		f"not exists ({named}) or exists ({tiers})"
		f" or exists ({named} and named.channel_partner = {frappe.db.escape(scope)}))"
	)


def incentive_program_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	scope = partner_scope(user)
	if scope is UNRESTRICTED:
		return None
	named = {row.channel_partner for row in doc.get("eligible_partners") or []}
	only_named = bool(named) and not doc.get("eligible_tiers")
	return bool(scope) and doc.get("status") == "Active" and (not only_named or scope in named)


def partner_tier_review_query(user: str | None = None) -> str:
	return _query("Partner Tier Review", "channel_partner", user)


def partner_tier_review_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	return _allows(doc, "channel_partner", user)


def sell_through_report_query(user: str | None = None) -> str:
	return _query("Sell-Through Report", "channel_partner", user)


def sell_through_report_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	return _allows(doc, "channel_partner", user)


def sell_through_line_query(user: str | None = None) -> str:
	return _query("Sell-Through Line", "channel_partner", user)


def sell_through_line_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	return _allows(doc, "channel_partner", user)


# ERPNext's Serial No and Warranty Claim carry the partner in a custom field
WARRANTY_PARTNER_FIELD = "prm_channel_partner"


def serial_no_query(user: str | None = None) -> str:
	return _query("Serial No", WARRANTY_PARTNER_FIELD, user)


def serial_no_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	return _allows(doc, WARRANTY_PARTNER_FIELD, user)


def warranty_claim_query(user: str | None = None) -> str:
	return _query("Warranty Claim", WARRANTY_PARTNER_FIELD, user)


def warranty_claim_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	return _allows(doc, WARRANTY_PARTNER_FIELD, user)


def partner_announcement_query(user: str | None = None) -> str:
	"""Announcements are seen by audience (tier, territory tree, partner type, publish window):
	one condition for lists and documents (``services.announcements.visible_condition``)."""
	from prm_extension.services.announcements import visible_condition

	return visible_condition(user)


def partner_announcement_has_permission(
	doc, ptype: str | None = None, user: str | None = None
) -> bool | None:
	from prm_extension.services.announcements import ANN, NOTHING, visible_condition

	condition = visible_condition(user)
	if not condition:
		return None  # managers and other desk users: role permissions decide
	if condition == NOTHING or doc.get("__islocal") or ptype not in (None, "read", "print"):
		return False
	return bool(frappe.db.sql(f"select 1 from {ANN} where {ANN}.`name` = %s and {condition}", doc.name))
