"""A partner's team: its people, managed by the partner's own admins. Changes go through the
Channel Partner document and its controller, which keeps each member's website User (roles,
enabled) and Contact in step."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, validate_email_address

from prm_extension.services.partners import PARTNER_ROLES, is_manager, partner_of

ROLES = ("Partner User", "Partner Admin")


def own_partner() -> str:
	partner = partner_of()
	if not partner:
		frappe.throw(_("Your user is not a member of any channel partner."), frappe.PermissionError)
	return partner


def is_admin(partner: str) -> bool:
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
	if not is_admin(partner):
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


def session_team() -> dict:
	"""The session partner's people, and whether the caller may manage them."""
	partner = own_partner()
	return {"partner": partner, "can_manage": is_admin(partner), "members": team_rows(partner)}


def _clean_role(partner_role) -> str:
	if partner_role not in ROLES:
		frappe.throw(_("Choose Partner User or Partner Admin."))
	return partner_role


def invite(email: str, full_name: str, partner_role: str = "Partner User") -> dict:
	"""Add a person to the caller's partner: the controller creates the website User (with the
	partner roles) and the Contact."""
	partner = own_partner()
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


def set_enabled(email: str, enabled) -> dict:
	"""Deactivate (the website User is disabled: no login) or reactivate a member."""
	partner = own_partner()
	_require_admin(partner)
	doc = _partner_doc(partner)
	row = _member(doc, email)
	row.enabled = 1 if cint(enabled) else 0
	if _enabled_admins(doc) < 1:
		frappe.throw(_("Your partner needs at least one enabled admin: make someone else an admin first."))
	_save(doc)
	return {"members": team_rows(partner)}


def set_role(email: str, partner_role: str) -> dict:
	partner = own_partner()
	_require_admin(partner)
	partner_role = _clean_role(partner_role)
	doc = _partner_doc(partner)
	row = _member(doc, email)
	row.partner_role = partner_role
	if _enabled_admins(doc) < 1:
		frappe.throw(_("Your partner needs at least one enabled admin: make someone else an admin first."))
	_save(doc)
	return {"members": team_rows(partner)}
