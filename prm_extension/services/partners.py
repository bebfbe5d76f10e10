"""Who is who: which Channel Partner a user acts for, and the plain facts the rules read.

The hot path (a partner checking an account, many times a day) reads these facts from caches
instead of the database:

* which partner a user belongs to: a Redis hash (``prm_partner_of``), dropped whenever a Channel
  Partner is saved (its members changed);
* a partner's context (status, tier, territories, product lines, and the partner row's
  ``modified``): a Redis hash (``prm_partner_context``), dropped for a partner whenever it changes;
* a partner's live reservations counted up to the tier's limit: a Redis hash
  (``prm_partner_live``), dropped whenever one of its reservations changes;
* the trees (Territory, Item Group, Customer Group bounds), the tier limits and the house-account
  rules: kept per worker process under one version token in Redis (``prm_rules_version``) that
  the tree hooks, Partner Tier and PRM Settings renew.

Each is dropped at once, again after the transaction commits and again if it rolls back, so a
read that raced the change, or cached what a rolled-back transaction wrote, is not kept. Write
paths (reserving, approving) read the database under row locks; of the cached context they only
take the territories and product lines, and only when it was read at the partner row's
``modified`` their own locking read of that row returns (every save of a partner, its territory
and product-line rows included, moves it).
"""

from __future__ import annotations

import frappe
from frappe import _

from prm_extension.core.reservations import PartnerFacts
from prm_extension.core.scope import Node

MANAGER_ROLES = ("PRM Manager", "System Manager")
PARTNER_ROLES = ("Partner Admin", "Partner User")
MEMBERS = "prm_partner_of"  # Redis hash: user -> partner ("" for none)
CONTEXT = "prm_partner_context"  # Redis hash: partner -> its context (see partner_context)
LIVE = "prm_partner_live"  # Redis hash: partner -> (live reservations counted up to limit, limit)
RULES_VERSION = "prm_rules_version"  # Redis key: token of the trees, tiers and settings kept per process
TREES = ("Territory", "Item Group", "Customer Group")
_process: dict = {"version": None}  # this worker's copy of what RULES_VERSION versions


def after_transaction(forget) -> None:
	"""Run ``forget`` now, after the commit and after a rollback of this transaction."""
	forget()
	frappe.db.after_commit.add(forget)
	frappe.db.after_rollback.add(forget)


def process_memo() -> dict:
	"""What this worker keeps under the current rules version (read once per request)."""
	token = frappe.cache.get_value(RULES_VERSION)  # memoised for the request by frappe.local.cache
	if token is None:
		token = frappe.generate_hash(length=10)
		frappe.cache.set_value(RULES_VERSION, token)
	if _process["version"] != token:
		_process.clear()
		_process["version"] = token
	return _process


def forget_rules() -> None:
	"""A tree, a tier or PRM Settings changed: every worker reloads what the version covers."""

	def renew():
		frappe.cache.set_value(RULES_VERSION, frappe.generate_hash(length=10))
		_process["version"] = None

	after_transaction(renew)


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
		partner = frappe.cache.hget(MEMBERS, user)
		if partner is None:
			rows = frappe.db.sql(
				"""select parent from `tabChannel Partner Member`
				where user = %s and enabled = 1 and parenttype = 'Channel Partner' limit 1""",
				user,
			)
			partner = rows[0][0] if rows else ""
			frappe.cache.hset(MEMBERS, user, partner)
		cache[user] = partner or None
	return cache[user]


def forget_partner(partner: str | None, members: bool = False) -> None:
	"""``partner`` changed: its cached context and live count are not used again; with
	``members``, neither is any user's partner."""

	def forget():
		if partner:
			frappe.cache.hdel(CONTEXT, partner)
			frappe.cache.hdel(LIVE, partner)
		if members:
			frappe.cache.delete_value(MEMBERS)
			frappe.local.prm_partner_of = {}

	after_transaction(forget)


def forget_live_count(partner: str | None) -> None:
	"""One of ``partner``'s reservations changed: its cached live count is not used again."""
	if partner:
		after_transaction(lambda: frappe.cache.hdel(LIVE, partner))


def clear_partner_cache() -> None:
	"""Forget every cached partner fact (after changing partners outside their documents)."""
	frappe.local.prm_partner_of = {}
	frappe.cache.delete_value([MEMBERS, CONTEXT, LIVE])
	frappe.cache.set_value(RULES_VERSION, frappe.generate_hash(length=10))
	frappe.local.prm_tree_nodes = {}


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


def tree(doctype: str) -> dict[str, Node | None]:
	"""Every node of a tree (Territory, Item Group, Customer Group) by name, kept per process under
	the rules version (the tree hooks renew it)."""
	trees = process_memo().setdefault("trees", {})
	nodes = trees.get(doctype)
	if nodes is None:
		if doctype not in TREES:
			raise ValueError(f"{doctype} is not a tree the rules read")
		nodes = {
			name: Node(lft, rgt, name) if lft is not None and rgt is not None and lft < rgt else None
			for name, lft, rgt in frappe.db.sql(f"select name, lft, rgt from `tab{doctype}`")
		}
		trees[doctype] = nodes
	return nodes


def tree_nodes(doctype: str, names) -> dict[str, Node]:
	"""Nested-set nodes of Territory / Item Group / Customer Group records by name (unknown names
	are left out)."""
	names = [n for n in names if n]
	if not names:
		return {}  # no node asked for: not even the version token is read
	nodes = tree(doctype)
	found = {n: nodes.get(n) for n in names}
	missing = [n for n, node in found.items() if n not in nodes]
	if missing:  # created in this transaction, after the tree was read: read those
		for name, lft, rgt in frappe.db.sql(
			f"select name, lft, rgt from `tab{doctype}` where name in %(names)s", {"names": missing}
		):
			found[name] = Node(lft, rgt, name) if lft is not None and rgt is not None and lft < rgt else None
	return {n: node for n, node in found.items() if node is not None}


def tier_settings(tier: str | None) -> dict:
	"""Reservation limits for a tier, PRM Settings defaults filling what the tier leaves at 0 (kept
	per process under the rules version)."""
	tiers = process_memo().setdefault("tiers", {})
	if tier not in tiers:
		tiers[tier] = _tier_settings(tier)
	return tiers[tier]


def _tier_settings(tier: str | None) -> dict:
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


PARTNER_ROW = "select name, status, tier, modified from `tabChannel Partner` where name = %s"


def partner_context(partner: str, cached: bool = True, row: list | None = None) -> frappe._dict:
	"""A partner's status, tier, territories and product lines (names), cached per partner until
	it changes (``forget_partner``). ``cached=False`` reads the database; ``row`` is the partner's
	``PARTNER_ROW`` read by the caller (the write path's locking read): its status and tier are
	taken from it, and the cached territories and product lines only if the cache was read at the
	row's ``modified``."""
	context = frappe.cache.hget(CONTEXT, partner) if cached or row else None
	if row:
		if context is not None and context.modified == row[0].modified:
			return frappe._dict(context, status=row[0].status, tier=row[0].tier)
		context = None
	if context is None:
		locked = row is not None  # the caller holds the partner row's lock: read what it commits
		if row is None:
			row = frappe.db.sql(PARTNER_ROW, partner, as_dict=True)
		if not row:
			frappe.throw(
				_("Channel Partner {0} does not exist.").format(frappe.bold(partner)),
				frappe.DoesNotExistError,
			)
		territories, lines = [], []
		lock = " lock in share mode" if locked else ""
		for table, value in frappe.db.sql(
			f"""(select 'territory', territory from `tabChannel Partner Territory`
				where parent = %(p)s and parenttype = 'Channel Partner'{lock})
			union all (select 'line', item_group from `tabChannel Partner Product Line`
				where parent = %(p)s and parenttype = 'Channel Partner'{lock})""",
			{"p": partner},
		):
			(territories if table == "territory" else lines).append(value)
		context = frappe._dict(
			status=row[0].status,
			tier=row[0].tier,
			modified=row[0].modified,
			territories=territories,
			product_lines=lines,
		)
		if cached:
			frappe.cache.hset(CONTEXT, partner, context)
	return context


def partner_facts(partner: str, live_count, cached: bool = False, context=None) -> PartnerFacts:
	"""Plain facts about a partner. ``live_count`` is its number of live reservations, or a function
	``limit -> count`` that is only called when the tier has a limit (and need count no further).
	``cached``: from the partner's cached context (the availability check); the write paths read
	the database (under their locks)."""
	context = context or partner_context(partner, cached)
	limits = tier_settings(context.tier)
	limit = limits.max_active_reservations
	if callable(live_count):
		known = frappe.cache.hget(LIVE, partner) if cached and limit else None
		if not limit:
			live_count = 0
		elif known and known[1] == limit:
			live_count = known[0]
		else:
			live_count = live_count(limit)
			if cached:
				frappe.cache.hset(LIVE, partner, (live_count, limit))
	return PartnerFacts(
		name=partner,
		status=context.status,
		territories=tuple(tree_nodes("Territory", context.territories).values()),
		product_lines=tuple(tree_nodes("Item Group", context.product_lines).values()),
		max_active_reservations=limit,
		live_reservations=live_count,
	)


def clear_tree_cache() -> None:
	"""A tree changed (nested-set bounds move on every insert): every worker reads it again."""
	forget_rules()


def only_drafts_deleted(doc, method=None) -> None:
	"""Partners may delete their own drafts, nothing else (the controllers' ``on_trash``)."""
	if is_manager():
		return
	if doc.docstatus != 0 or (doc.get("status") or "Draft") != "Draft":
		frappe.throw(_("Only a draft can be deleted."), frappe.PermissionError)
