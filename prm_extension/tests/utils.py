"""Builders for integration tests: a small real channel on the test site.

Shared masters (territory and product trees, tiers, partners with portal users) are created once
and committed, so that parallel connections and REST requests (which run in other threads with
their own database connections) see them. Per-test customers carry a random suffix.
"""

from __future__ import annotations

import frappe
from frappe.tests.test_api import FrappeAPITestCase
from frappe.utils import get_test_client

try:  # v16+
	from frappe.tests import IntegrationTestCase as PRMTestCase  # noqa: F401
	from frappe.tests import change_settings  # noqa: F401
except ImportError:  # v15
	from frappe.tests.utils import FrappeTestCase as PRMTestCase  # noqa: F401
	from frappe.tests.utils import change_settings  # noqa: F401

TERRITORIES = {
	"PRM World": "All Territories",
	"PRM Europe": "PRM World",
	"PRM Germany": "PRM Europe",
	"PRM France": "PRM Europe",
	"PRM Americas": "PRM World",
	"PRM USA": "PRM Americas",
}
ITEM_GROUPS = {
	"PRM Products": "All Item Groups",
	"PRM Hardware": "PRM Products",
	"PRM Servers": "PRM Hardware",
	"PRM Software": "PRM Products",
}
ITEMS = {"PRM-SRV-100": "PRM Servers", "PRM-SRV-200": "PRM Servers", "PRM-SW-100": "PRM Software"}
CUSTOMER_GROUPS = {
	"PRM Enterprise": "All Customer Groups",
	"PRM Strategic": "PRM Enterprise",
	"PRM SMB": "All Customer Groups",
}
GROUPS = {"PRM World", "PRM Europe", "PRM Americas", "PRM Products", "PRM Hardware", "PRM Enterprise"}

PARTNERS = {
	# name: (status, territories, product lines, tier)
	"PRM Test Alpha": ("Active", ["PRM Europe"], ["PRM Hardware"], "PRM Test Silver"),
	"PRM Test Beta": ("Active", [], [], "PRM Test Gold"),
	"PRM Test Gamma": ("Active", [], [], "PRM Test Gold"),
}


def user_of(partner: str, role: str = "admin") -> str:
	slug = partner.lower().replace(" ", "-")
	return f"{role}@{slug}.example.com"


def _tree(doctype: str, field: str, parent_field: str, spec: dict) -> None:
	for name, parent in spec.items():
		if not frappe.db.exists(doctype, name):
			frappe.get_doc(
				{
					"doctype": doctype,
					field: name,
					parent_field: parent,
					"is_group": 1 if name in GROUPS else 0,
				}
			).insert(ignore_permissions=True)


def ensure_channel() -> None:
	"""Idempotent: masters every test module relies on. Commits."""
	if frappe.flags.prm_channel_ready:
		return
	_tree("Territory", "territory_name", "parent_territory", TERRITORIES)
	_tree("Item Group", "item_group_name", "parent_item_group", ITEM_GROUPS)
	_tree("Customer Group", "customer_group_name", "parent_customer_group", CUSTOMER_GROUPS)
	# ranks above the demo tiers' (1-4), which the demo-data test adds to the same site
	for tier, rank, limit in (("PRM Test Silver", 101, 3), ("PRM Test Gold", 102, 0)):
		if frappe.db.exists("Partner Tier", tier):
			frappe.db.set_value(
				"Partner Tier",
				tier,
				{"rank": rank, "deal_discount_percentage": 5 if rank == 102 else 0, "max_deal_extensions": 1},
			)
		else:
			frappe.get_doc(
				{
					"doctype": "Partner Tier",
					"tier_name": tier,
					"rank": rank,
					"max_active_reservations": limit,
					"reservation_days": 90,
					"max_extensions": 1,
					"extension_days": 30,
					"deal_discount_percentage": 5 if rank == 102 else 0,
					"max_deal_extensions": 1,
				}
			).insert()
	for name, (status, territories, lines, tier) in PARTNERS.items():
		if frappe.db.exists("Channel Partner", name):
			frappe.db.set_value("Channel Partner", name, "tier", tier)
			continue
		make_partner(name, status=status, territories=territories, product_lines=lines, tier=tier)
	for code, group in ITEMS.items():
		if not frappe.db.exists("Item", code):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": code,
					"item_name": code,
					"item_group": group,
					"stock_uom": "Nos",
					"is_stock_item": 0,
					"include_item_in_manufacturing": 0,
				}
			).insert(ignore_permissions=True)
	frappe.db.commit()
	frappe.flags.prm_channel_ready = True


def make_partner(name, status="Active", territories=(), product_lines=(), tier=None, members=None):
	doc = frappe.get_doc(
		{
			"doctype": "Channel Partner",
			"partner_name": name,
			"partner_type": "Reseller",
			"status": "Applicant",
			"tier": tier,
			"home_territory": "PRM World",
			"commission_rate": 5,
			"territories": [{"territory": t} for t in territories],
			"product_lines": [{"item_group": g} for g in product_lines],
			"members": members
			if members is not None
			else [
				{
					"email": user_of(name, "admin"),
					"full_name": f"{name} Admin",
					"partner_role": "Partner Admin",
				},
				{"email": user_of(name, "user"), "full_name": f"{name} User", "partner_role": "Partner User"},
			],
		}
	).insert()
	if status != "Applicant":
		doc.status = status
		if status in ("Suspended", "Terminated"):
			doc.status = "Active"
			doc.save()
			doc.status = status
			doc.status_reason = "test"
		doc.save()
	return doc


def make_customer(prefix="PRM Cust", parent=None, territory="PRM Germany", group="PRM SMB", **values):
	name = f"{prefix} {frappe.generate_hash(length=6)}"
	doc = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": name,
			"customer_type": "Company",
			"customer_group": group,
			"territory": territory,
			"prm_parent_customer": parent,
			**values,
		}
	).insert(ignore_permissions=True)
	return doc


def reserve_as(user: str, customer: str, **values):
	"""Insert a reservation as a (portal) user through the normal document lifecycle."""
	if "territory" in values:
		values["scope_territory"] = values.pop("territory")
	current = frappe.session.user
	frappe.set_user(user)
	try:
		return frappe.get_doc({"doctype": "Account Reservation", "customer": customer, **values}).insert()
	finally:
		frappe.set_user(current)


def company() -> str:
	return (
		frappe.defaults.get_global_default("company") or frappe.get_all("Company", pluck="name", limit=1)[0]
	)


def deal_values(customer: str | None = None, items=(("PRM-SRV-100", 2, 1000),), **values) -> dict:
	from frappe.utils import add_days, nowdate

	return {
		"doctype": "Deal Registration",
		"customer": customer,
		"expected_close_date": add_days(nowdate(), 45),
		"contact_name": "Casey Buyer",
		"contact_email": "casey@buyer.example.com",
		"items": [{"item_code": code, "qty": qty, "rate": rate} for code, qty, rate in items],
		**values,
	}


def register_as(user: str, customer: str | None = None, submit: bool = True, **values):
	"""Create (and submit for approval) a registration as a portal user, through the workflow."""
	from frappe.model.workflow import apply_workflow

	current = frappe.session.user
	frappe.set_user(user)
	try:
		doc = frappe.get_doc(deal_values(customer, **values)).insert()
		if submit:
			doc = apply_workflow(doc, "Submit")
		return doc
	finally:
		frappe.set_user(current)


def purge(customers: list[str]) -> None:
	"""Delete committed test data of these customers: reservations, registrations (with their
	Opportunity and Pricing Rule) and the customers. Commits."""
	frappe.set_user("Administrator")
	frappe.db.delete("Account Reservation", {"customer": ("in", customers)})
	for d in frappe.get_all(
		"Deal Registration", {"customer": ("in", customers)}, ["name", "opportunity", "pricing_rule"]
	):
		if d.pricing_rule:
			frappe.delete_doc("Pricing Rule", d.pricing_rule, force=True)
		if d.opportunity:
			frappe.db.delete("Opportunity Item", {"parent": d.opportunity})
			frappe.db.delete("Opportunity", {"name": d.opportunity})
		for table in ("Deal Registration Item", "Deal Registration Check", "Deal Registration Document"):
			frappe.db.delete(table, {"parent": d.name})
		frappe.db.delete("Deal Registration", {"name": d.name})
	for name in reversed(customers):
		if frappe.db.exists("Customer", name):
			frappe.delete_doc("Customer", name, force=True)
	frappe.db.commit()


def make_program(program_type: str = "MDF / Co-op", budget: float = 10000, **values):
	"""An Active incentive program of the test company, paid from Marketing (or Administrative) expenses."""
	from frappe.utils import add_days, get_first_day, get_last_day, nowdate

	co = company()
	expense = frappe.db.get_value(
		"Account", {"company": co, "account_name": "Marketing Expenses", "is_group": 0}
	) or frappe.db.get_value(
		"Account", {"company": co, "account_name": "Administrative Expenses", "is_group": 0}
	)
	doc = frappe.get_doc(
		{
			"doctype": "Incentive Program",
			"program_name": f"PRM {program_type} {frappe.generate_hash(length=6)}",
			"program_type": program_type,
			"status": "Active",
			"company": co,
			"currency": frappe.get_cached_value("Company", co, "default_currency"),
			"total_budget": budget,
			"start_date": get_first_day(add_days(nowdate(), -40)),
			"end_date": get_last_day(add_days(nowdate(), 60)),
			"claim_deadline": add_days(get_last_day(add_days(nowdate(), 60)), 30),
			"expense_account": expense,
			"cost_center": frappe.get_cached_value("Company", co, "cost_center"),
			**values,
		}
	)
	return doc.insert()


def allocate(program: str, partner: str, amount: float, **values):
	return frappe.get_doc(
		{
			"doctype": "Fund Allocation",
			"program": program,
			"channel_partner": partner,
			"allocated_amount": amount,
			**values,
		}
	).insert()


def make_invoice(customer: str, items, partner: str | None = None, posting_date=None, submit: bool = True):
	"""A Sales Invoice of the test company (submitted unless ``submit`` is false); ``partner``: the
	Channel Partner whose Sales Partner it carries; ``items``: (item_code, qty, rate) tuples."""
	from frappe.utils import add_days, nowdate

	si = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": customer,
			"company": company(),
			"posting_date": posting_date or nowdate(),
			"set_posting_time": 1,
			"due_date": add_days(posting_date or nowdate(), 30),
			"sales_partner": frappe.db.get_value("Channel Partner", partner, "sales_partner")
			if partner
			else None,
			"items": [{"item_code": code, "qty": qty, "rate": rate} for code, qty, rate in items],
		}
	).insert()
	if submit:
		si.submit()
	return si


def as_user(user: str, fn, *args, **kwargs):
	"""Call ``fn`` as ``user`` (a real website or desk user), with the partner memo reset before and
	after, and the previous user restored whatever happens."""
	from prm_extension.services.partners import clear_partner_cache

	current = frappe.session.user
	frappe.set_user(user)
	clear_partner_cache()
	try:
		return fn(*args, **kwargs)
	finally:
		frappe.set_user(current)
		clear_partner_cache()


class PRMAPITestCase(FrappeAPITestCase):
	"""``FrappeAPITestCase`` with a test client of its own that keeps no cookies: every request
	says who it is (an API key or an explicit session cookie), so a session cookie that another
	test class's requests left in Frappe's shared client never turns one user into another."""

	TEST_CLIENT = get_test_client(use_cookies=False)


def api_token(user: str) -> str:
	"""A fresh API key and secret of ``user``, as an Authorization header value."""
	doc = frappe.get_doc("User", user)
	secret = frappe.generate_hash(length=16)
	if not doc.api_key:
		doc.api_key = frappe.generate_hash(length=15)
	doc.api_secret = secret
	doc.flags.ignore_permissions = True
	doc.save()
	return f"token {doc.api_key}:{secret}"
