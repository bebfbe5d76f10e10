"""Bridge between the database and the reservation rules core.

Fetches candidates with indexed queries (customer keys, ``prm_root_customer``,
``(root_customer, status)`` on reservations), hands plain data to
``prm_extension.core.reservations.decide`` and returns its ``Decision``.

The availability check is the hot path: it reads the account and its candidates in one indexed
query per key, the family and its live reservations in one query each, and everything else (the
partner's context, the trees, tier limits, house rules) from the caches of ``services.partners``.
Plain SQL, no ORM documents on the way. The write path reads the same facts under row locks.
"""

from __future__ import annotations

import frappe
from frappe import _

from prm_extension.core.identity import AccountKeys, Candidate
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
from prm_extension.services.partners import (
	PARTNER_ROW,
	partner_context,
	partner_facts,
	process_memo,
	tree_nodes,
)

CUSTOMER_FIELDS = (
	"name, customer_name, disabled, customer_group, territory, prm_root_customer, prm_parent_customer, "
	"prm_name_key, prm_domain, prm_tax_key"
)


def find_accounts(keys: AccountKeys, limit: int) -> tuple[list[Candidate], dict]:
	"""Customers (else prospects and leads) sharing a key with ``keys``, by one indexed lookup per
	key (an OR would defeat the indexes), and the customers' rows by name."""
	out: list[Candidate] = []
	rows: dict = {}
	lookups = [("prm_name_key", keys.name_key), ("prm_domain", keys.domain), ("prm_tax_key", keys.tax_key)]
	for field, value in lookups:
		if not value:
			continue
		for r in frappe.db.sql(
			f"""select {CUSTOMER_FIELDS} from `tabCustomer`
			where `{field}` = %(value)s and disabled = 0 limit %(limit)s""",
			{"value": value, "limit": limit + 1},
			as_dict=True,
		):
			if r.name not in rows:
				r.root = r.prm_root_customer or r.name
				rows[r.name] = r
				keys_of = AccountKeys(r.prm_name_key or "", r.prm_domain or "", r.prm_tax_key or "")
				out.append(Candidate("Customer", r.name, keys_of, group=r.name))
	if out:
		return out, rows  # a customer match makes prospects and leads irrelevant
	for doctype in ("Prospect", "Lead"):
		seen = set()
		for field, value in lookups[:2]:
			if not value:
				continue
			for name, name_key, domain in frappe.db.sql(
				f"""select name, prm_name_key, prm_domain from `tab{doctype}`
				where `{field}` = %(value)s limit %(limit)s""",
				{"value": value, "limit": limit + 1},
			):
				if name not in seen:
					seen.add(name)
					out.append(
						Candidate(doctype, name, AccountKeys(name_key or "", domain or "", ""), group=name)
					)
	return out, rows


def rule_settings() -> Settings:
	"""The reservation rules of PRM Settings (kept per process under the rules version)."""
	memo = process_memo()
	if "rule_settings" not in memo:
		memo["rule_settings"] = _rule_settings()
	return memo["rule_settings"]


def approval_mode() -> str:
	"""PRM Settings' reservation approval ("Automatic" or by a manager), kept like the rules."""
	memo = process_memo()
	if "approval" not in memo:
		memo["approval"] = frappe.get_cached_doc("PRM Settings").reservation_approval or "Automatic"
	return memo["approval"]


def _rule_settings() -> Settings:
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
	rows = frappe.db.sql(
		f"select {CUSTOMER_FIELDS} from `tabCustomer` where name = %s", customer, as_dict=True
	)
	row = rows[0] if rows else None
	if not row:
		frappe.throw(
			_("Customer {0} does not exist.").format(frappe.bold(customer)), frappe.DoesNotExistError
		)
	row.root = row.prm_root_customer or row.name
	return row


def family_of(root: str) -> tuple[Family, frozenset[str]]:
	"""Parent map and house-flagged members of the corporate family under ``root``."""
	rows = frappe.db.sql(
		"""select name, prm_parent_customer, prm_is_house_account from `tabCustomer`
		where prm_root_customer = %(root)s
		union select name, prm_parent_customer, prm_is_house_account from `tabCustomer` where name = %(root)s""",
		{"root": root},
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


def lock_for_reservation(partner: str, root: str) -> list:
	"""Serialise competing requests: lock the partner row (its tier limit), then the family's root
	customer row (every conflict lies inside one family). Always in this order: no deadlock.
	Returns the partner's row (``partners.PARTNER_ROW``), read by the locking read itself."""
	row = frappe.db.sql(f"{PARTNER_ROW} for update", partner, as_dict=True)
	frappe.db.sql("select name from `tabCustomer` where name = %s for update", root)
	return row


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
	cached: bool = False,
) -> tuple[Decision, object]:
	"""Decide whether ``partner`` may hold ``customer`` for the scope. Returns (decision, customer row).

	With ``lock`` the facts are read under row locks, for the write path; the availability check
	reads without locks, with the partner's facts from its cached context (``cached``).
	"""
	row = row or customer_row(customer)
	partner_row = lock_for_reservation(partner, row.root) if lock else None
	cached = cached and not lock and not exclude
	context = partner_context(partner, cached, row=partner_row)
	row.partner_tier = context.tier or ""
	facts = partner_facts(
		partner, lambda limit: live_count(partner, exclude, for_update=lock, limit=limit), cached, context
	)
	decision = decide(
		facts,
		account_facts(row),
		scope_of(territory, product_line),
		live_reservations(row.root, for_update=lock),
		rule_settings(),
		exclude=exclude,
	)
	return decision, row
