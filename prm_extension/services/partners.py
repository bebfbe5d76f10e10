"""Who is who: which Channel Partner a user acts for, and the plain facts the rules read."""

from __future__ import annotations

import frappe
from frappe import _

from prm_extension.core.reservations import PartnerFacts
from prm_extension.core.scope import Node

MANAGER_ROLES = ("PRM Manager", "System Manager")
PARTNER_ROLES = ("Partner Admin", "Partner User")


def is_manager(user: str | None = None) -> bool:
	user = user or frappe.session.user
	if user == "Administrator":
		return True
	return bool(set(MANAGER_ROLES) & set(frappe.get_roles(user)))


def partner_of(user: str | None = None) -> str | None:
	"""The Channel Partner whose enabled member ``user`` is (cached for the request)."""
	user = user or frappe.session.user
	cache = getattr(frappe.local, "prm_partner_of", None)
	if cache is None:
		cache = frappe.local.prm_partner_of = {}
	if user not in cache:
		member = frappe.qb.DocType("Channel Partner Member")
		rows = (
			frappe.qb.from_(member)
			.select(member.parent)
			.where((member.user == user) & (member.enabled == 1) & (member.parenttype == "Channel Partner"))
			.limit(1)
			.run()
		)
		cache[user] = rows[0][0] if rows else None
	return cache[user]


def clear_partner_cache() -> None:
	frappe.local.prm_partner_of = {}


def require_partner(user: str | None = None) -> str:
	"""The calling partner user's Channel Partner; a clear error for anybody else."""
	partner = partner_of(user)
	if not partner:
		frappe.throw(_("Your user is not a member of any channel partner."), frappe.PermissionError)
	return partner


def resolve_acting_partner(channel_partner: str | None) -> str | None:
	"""The partner a call acts for. Partners act for their own partner only; managers name one."""
	if is_manager():
		if channel_partner and not frappe.db.exists("Channel Partner", channel_partner):
			frappe.throw(
				_("Channel Partner {0} does not exist.").format(frappe.bold(channel_partner)),
				frappe.DoesNotExistError,
			)
		return channel_partner or None
	own = require_partner()
	if channel_partner and channel_partner != own:
		frappe.throw(_("You can only act for your own partner company."), frappe.PermissionError)
	return own


def tree_nodes(doctype: str, names) -> dict[str, Node]:
	"""Nested-set nodes of Territory / Item Group / Customer Group records by name, memoised for
	the request (one availability check would otherwise read the same territory several times)."""
	names = {n for n in names if n}
	if not names:
		return {}
	cache = getattr(frappe.local, "prm_tree_nodes", None)
	if cache is None:
		cache = frappe.local.prm_tree_nodes = {}
	known = cache.setdefault(doctype, {})
	missing = [n for n in names if n not in known]
	if missing:
		table = frappe.qb.DocType(doctype)
		rows = (
			frappe.qb.from_(table)
			.select(table.name, table.lft, table.rgt)
			.where(table.name.isin(missing))
			.run()
		)
		for name, lft, rgt in rows:
			known[name] = Node(lft, rgt, name) if lft is not None and rgt is not None and lft < rgt else None
		for name in missing:
			known.setdefault(name, None)
	return {n: known[n] for n in names if known.get(n) is not None}


def tier_settings(tier: str | None) -> dict:
	"""Reservation limits for a tier, PRM Settings defaults filling what the tier leaves at 0."""
	settings = frappe.get_cached_doc("PRM Settings")
	values = (
		frappe.get_cached_value(
			"Partner Tier",
			tier,
			["max_active_reservations", "reservation_days", "max_extensions", "extension_days"],
			as_dict=True,
		)
		if tier
		else None
	) or frappe._dict()
	return frappe._dict(
		max_active_reservations=values.max_active_reservations or 0,
		reservation_days=values.reservation_days or settings.default_reservation_days or 90,
		max_extensions=values.max_extensions if tier and values else (settings.default_max_extensions or 0),
		extension_days=values.extension_days or settings.default_extension_days or 30,
	)


def partner_facts(partner: str, live_count) -> PartnerFacts:
	"""Plain facts about a partner. ``live_count`` is its number of live reservations, or a function
	``limit -> count`` that is only called when the tier has a limit (and need count no further)."""
	row = frappe.db.get_value("Channel Partner", partner, ["name", "status", "tier"], as_dict=True)
	if not row:
		frappe.throw(
			_("Channel Partner {0} does not exist.").format(frappe.bold(partner)), frappe.DoesNotExistError
		)
	territories = frappe.get_all(
		"Channel Partner Territory", {"parent": partner, "parenttype": "Channel Partner"}, pluck="territory"
	)
	lines = frappe.get_all(
		"Channel Partner Product Line",
		{"parent": partner, "parenttype": "Channel Partner"},
		pluck="item_group",
	)
	limits = tier_settings(row.tier)
	limit = limits.max_active_reservations
	if callable(live_count):
		live_count = live_count(limit) if limit else 0
	return PartnerFacts(
		name=partner,
		status=row.status,
		territories=tuple(tree_nodes("Territory", territories).values()),
		product_lines=tuple(tree_nodes("Item Group", lines).values()),
		max_active_reservations=limit,
		live_reservations=live_count,
	)


def clear_tree_cache() -> None:
	"""A tree changed (nested-set bounds move on every insert): forget the memoised nodes."""
	frappe.local.prm_tree_nodes = {}


def only_drafts_deleted(doc, method=None) -> None:
	"""Partners may delete their own drafts, nothing else (the controllers' ``on_trash``)."""
	if is_manager():
		return
	if doc.docstatus != 0 or (doc.get("status") or "Draft") != "Draft":
		frappe.throw(_("Only a draft can be deleted."), frappe.PermissionError)
