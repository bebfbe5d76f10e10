"""Bridge between the database and the reservation rules core.

Fetches candidates with indexed queries (customer keys, ``prm_root_customer``,
``(root_customer, status)`` on reservations), hands plain data to
``prm_extension.core.reservations.decide`` and returns its ``Decision``.
"""

from __future__ import annotations

import frappe
from frappe import _

from prm_extension.core.reservations import (
	LIVE_STATUSES,
	AccountFacts,
	Decision,
	HouseRule,
	LiveReservation,
	Settings,
	decide,
)
from prm_extension.core.scope import Family, HierarchyPolicy, Scope
from prm_extension.services.partners import partner_facts, tree_nodes


def rule_settings() -> Settings:
	s = frappe.get_cached_doc("PRM Settings")
	groups = tree_nodes("Customer Group", [r.customer_group for r in s.house_account_rules])
	territories = tree_nodes("Territory", [r.territory for r in s.house_account_rules])
	rules = tuple(
		HouseRule(
			customer_group=groups.get(r.customer_group),
			territory=territories.get(r.territory),
			label=r.description or r.customer_group or r.territory or "",
		)
		for r in s.house_account_rules
		if groups.get(r.customer_group) or territories.get(r.territory)
	)
	return Settings(
		hierarchy_policy=HierarchyPolicy.parse(s.hierarchy_policy),
		house_inherits=bool(s.house_inherits_to_subsidiaries),
		house_rules=rules,
	)


def customer_row(customer: str):
	row = frappe.db.get_value(
		"Customer",
		customer,
		[
			"name",
			"customer_name",
			"disabled",
			"customer_group",
			"territory",
			"prm_root_customer",
			"prm_parent_customer",
		],
		as_dict=True,
	)
	if not row:
		frappe.throw(
			_("Customer {0} does not exist.").format(frappe.bold(customer)), frappe.DoesNotExistError
		)
	row.root = row.prm_root_customer or row.name
	return row


def family_of(root: str) -> tuple[Family, frozenset[str]]:
	"""Parent map and house-flagged members of the corporate family under ``root``."""
	cust = frappe.qb.DocType("Customer")
	rows = (
		frappe.qb.from_(cust)
		.select(cust.name, cust.prm_parent_customer, cust.prm_is_house_account)
		.where((cust.prm_root_customer == root) | (cust.name == root))
		.run()
	)
	parents = {name: parent or None for name, parent, _house in rows}
	house = frozenset(name for name, _parent, flag in rows if flag)
	return Family(parents), house


def account_facts(row) -> AccountFacts:
	family, house = family_of(row.root)
	nodes = tree_nodes("Territory", [row.territory])
	groups = tree_nodes("Customer Group", [row.customer_group])
	return AccountFacts(
		name=row.name,
		family=family,
		house_flags=house,
		customer_group=groups.get(row.customer_group),
		territory=nodes.get(row.territory),
		disabled=bool(row.disabled),
	)


def live_reservations(root: str, for_update: bool = False) -> list[LiveReservation]:
	"""Live reservations in a corporate family. ``for_update`` makes it a locking read, which sees
	rows committed by concurrent transactions (a plain read sees the transaction's snapshot)."""
	rows = frappe.db.sql(
		"""select name, channel_partner, customer, scope_territory as territory, product_line, expiry_date, status
		from `tabAccount Reservation`
		where root_customer = %(root)s and status in %(live)s"""
		+ (" for update" if for_update else ""),
		{"root": root, "live": LIVE_STATUSES},
		as_dict=True,
	)
	territories = tree_nodes("Territory", [r.territory for r in rows])
	lines = tree_nodes("Item Group", [r.product_line for r in rows])
	return [
		LiveReservation(
			name=r.name,
			partner=r.channel_partner,
			account=r.customer,
			scope=Scope(territories.get(r.territory), lines.get(r.product_line)),
			expiry_date=r.expiry_date,
			status=r.status,
		)
		for r in rows
	]


def live_count(
	partner: str, exclude: str | None = None, for_update: bool = False, limit: int | None = None
) -> int:
	"""The partner's live reservations, counted up to ``limit`` when given: the tier check only asks
	whether the limit is reached, and a bounded read costs O(limit) however many a partner holds."""
	values = {"partner": partner, "live": LIVE_STATUSES, "exclude": exclude or ""}
	where = "channel_partner = %(partner)s and status in %(live)s and name != %(exclude)s"
	lock = " lock in share mode" if for_update else ""
	if not limit:
		return frappe.db.sql(f"select count(*) from `tabAccount Reservation` where {where}{lock}", values)[0][
			0
		]
	values["limit"] = int(limit)
	return len(
		frappe.db.sql(
			f"select name from `tabAccount Reservation` where {where} limit %(limit)s{lock}", values
		)
	)


def lock_for_reservation(partner: str, root: str) -> None:
	"""Serialise competing requests: lock the partner row (its tier limit), then the family's root
	customer row (every conflict lies inside one family). Always in this order: no deadlock."""
	frappe.db.sql("select name from `tabChannel Partner` where name = %s for update", partner)
	frappe.db.sql("select name from `tabCustomer` where name = %s for update", root)


def scope_of(territory: str | None, product_line: str | None) -> Scope:
	return Scope(
		tree_nodes("Territory", [territory]).get(territory) if territory else None,
		tree_nodes("Item Group", [product_line]).get(product_line) if product_line else None,
	)


def evaluate(
	partner: str,
	customer: str,
	territory: str | None,
	product_line: str | None,
	exclude: str | None = None,
	lock: bool = False,
	row=None,
) -> tuple[Decision, object]:
	"""Decide whether ``partner`` may hold ``customer`` for the scope. Returns (decision, customer row).

	With ``lock`` the facts are read under row locks, for the write path; the availability check
	reads without locks.
	"""
	row = row or customer_row(customer)
	if lock:
		lock_for_reservation(partner, row.root)
	facts = partner_facts(partner, lambda limit: live_count(partner, exclude, for_update=lock, limit=limit))
	decision = decide(
		facts,
		account_facts(row),
		scope_of(territory, product_line),
		live_reservations(row.root, for_update=lock),
		rule_settings(),
		exclude=exclude,
	)
	return decision, row
