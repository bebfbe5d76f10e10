"""Partner portal calls: home figures, announcements read, and the partner's team.

The figures come from ``services.home`` (counted under each DocType's partner condition), the team
from ``services.team`` (changes go through the Channel Partner controller)."""

from __future__ import annotations

import frappe
from frappe import _

from prm_extension.services import announcements, home
from prm_extension.services import team as team_service
from prm_extension.services.partners import PARTNER_ROLES, is_manager, partner_of


@frappe.whitelist()
@frappe.read_only()
def home_figures() -> dict:
	"""The session partner's figures (a manager gets the channel's figures, unfiltered). Kept per
	user for five minutes, and dropped whenever a deal, reservation, allocation, MDF request or
	claim of the partner changes (``services.live.on_change``); the unread count is always fresh.
	For partner members and channel managers (as the portal pages)."""
	if not partner_of() and not (set(PARTNER_ROLES) & set(frappe.get_roles())) and not is_manager():
		frappe.throw(_("The partner portal is for members of channel partners."), frappe.PermissionError)
	return {**home.cached_home_figures(), "unread_announcements": announcements.unread_count()}


@frappe.whitelist(methods=["POST"])
def mark_announcement_read(announcement: str) -> dict:
	newly = announcements.mark_read(announcement)
	return {"announcement": announcement, "newly_read": newly, "unread": announcements.unread_count()}


@frappe.whitelist()
@frappe.read_only()
def team() -> dict:
	return team_service.session_team()


@frappe.whitelist(methods=["POST"])
def invite_member(email: str, full_name: str, partner_role: str = "Partner User") -> dict:
	"""Add a person to the caller's partner: the controller creates the website User (with the
	partner roles) and the Contact."""
	return team_service.invite(email, full_name, partner_role)


@frappe.whitelist(methods=["POST"])
def set_member_enabled(email: str, enabled) -> dict:
	"""Deactivate (the website User is disabled: no login) or reactivate a member."""
	return team_service.set_enabled(email, enabled)


@frappe.whitelist(methods=["POST"])
def set_member_role(email: str, partner_role: str) -> dict:
	return team_service.set_role(email, partner_role)
