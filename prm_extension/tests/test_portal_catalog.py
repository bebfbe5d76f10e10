"""Products & pricing and Promotions: what each partner sees, through the scope functions, the
REST calls and the rendered portal pages (Frappe's website router, as real portal users)."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, nowdate, set_request
from frappe.website.serve import get_response

from prm_extension.api import catalog as catalog_api
from prm_extension.services.partners import clear_partner_cache
from prm_extension.tests.utils import (
	PRMTestCase,
	as_user,
	company,
	ensure_channel,
	make_partner,
	make_program,
	user_of,
)

PARTNER_LIST = "PRM Test Partner Prices"
TIER_LIST = "PRM Test Tier Prices"
BUYING_LIST = "PRM Test Buying"


def ensure_price_list(name, selling=1, buying=0):
	if not frappe.db.exists("Price List", name):
		frappe.get_doc(
			{
				"doctype": "Price List",
				"price_list_name": name,
				"currency": frappe.get_cached_value("Company", company(), "default_currency"),
				"selling": selling,
				"buying": buying,
				"enabled": 1,
			}
		).insert(ignore_permissions=True)
	return name


def blank_pdf() -> bytes:
	import io

	from pypdf import PdfWriter

	writer = PdfWriter()
	writer.add_blank_page(width=595, height=842)
	buffer = io.BytesIO()
	writer.write(buffer)
	return buffer.getvalue()


def set_price(item, price_list, rate, **values):
	name = frappe.db.get_value(
		"Item Price", {"item_code": item, "price_list": price_list, "uom": values.get("uom", "Nos")}
	)
	if name:
		frappe.db.set_value("Item Price", name, "price_list_rate", rate)
		return
	frappe.get_doc(
		{
			"doctype": "Item Price",
			"item_code": item,
			"price_list": price_list,
			"price_list_rate": rate,
			**values,
		}
	).insert(ignore_permissions=True)


def page(path, user):
	"""Render ``path`` through the website router as ``user``: (status code, html)."""
	current = frappe.session.user
	frappe.set_user(user)
	clear_partner_cache()
	try:
		set_request(method="GET", path=path)
		# as frappe.app does for a request: the query string is the form dict
		frappe.local.form_dict = frappe._dict(frappe.local.request.args.items())
		for hook in frappe.get_hooks("before_request"):  # as frappe.app does (compiled templates)
			frappe.call(hook)
		response = get_response()
		page.location = response.headers.get("Location")
		return response.status_code, frappe.safe_decode(response.get_data())
	finally:
		frappe.local.form_dict = frappe._dict()
		frappe.set_user(current)
		clear_partner_cache()


class TestPortalCatalog(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()
		cls.standard = frappe.db.get_single_value("Selling Settings", "selling_price_list")
		if not cls.standard:
			cls.standard = ensure_price_list("Standard Selling")
			frappe.db.set_single_value("Selling Settings", "selling_price_list", cls.standard)
		ensure_price_list(PARTNER_LIST)
		ensure_price_list(TIER_LIST)
		ensure_price_list(BUYING_LIST, selling=0, buying=1)
		set_price("PRM-SRV-100", cls.standard, 1000)
		set_price("PRM-SRV-100", PARTNER_LIST, 800)
		set_price("PRM-SRV-100", TIER_LIST, 900)
		set_price("PRM-SRV-200", cls.standard, 500)
		set_price("PRM-SW-100", cls.standard, 300)
		# an expired partner price must not be shown
		set_price(
			"PRM-SRV-200",
			PARTNER_LIST,
			1,
			valid_from=add_days(nowdate(), -30),
			valid_upto=add_days(nowdate(), -1),
		)
		hash_ = frappe.generate_hash(length=6)
		cls.hardware = make_partner(
			f"PRM Cat HW {hash_}", product_lines=["PRM Hardware"], tier="PRM Test Gold"
		)
		cls.hardware.db_set("price_list", PARTNER_LIST)
		cls.software = make_partner(
			f"PRM Cat SW {hash_}", product_lines=["PRM Software"], tier="PRM Test Silver"
		)
		if not frappe.db.exists("File", {"attached_to_doctype": "Item", "attached_to_name": "PRM-SRV-100"}):
			frappe.get_doc(
				{
					"doctype": "File",
					"file_name": "prm-srv-100-datasheet.pdf",
					"attached_to_doctype": "Item",
					"attached_to_name": "PRM-SRV-100",
					"is_private": 0,
					"content": blank_pdf(),
				}
			).insert(ignore_permissions=True)
		frappe.db.commit()
		cls.hw_user = user_of(cls.hardware.name)
		cls.sw_user = user_of(cls.software.name, "user")

	def tearDown(self):
		frappe.set_user("Administrator")
		clear_partner_cache()

	# --- products ------------------------------------------------------------------------------

	def test_products_are_the_partners_lines_with_its_prices(self):
		answer = as_user(self.hw_user, catalog_api.products)
		by_code = {p["item_code"]: p for p in answer["products"]}
		self.assertEqual(answer["price_list"], PARTNER_LIST)
		self.assertIn("PRM-SRV-100", by_code)
		self.assertIn("PRM-SRV-200", by_code)
		self.assertNotIn("PRM-SW-100", by_code)  # software is not this partner's line
		srv = by_code["PRM-SRV-100"]["price"]
		self.assertEqual((srv["your_rate"], srv["list_rate"], float(srv["discount"])), (800, 1000, 20.0))
		other = by_code["PRM-SRV-200"]["price"]
		self.assertIsNone(other["your_rate"])  # its partner price expired yesterday
		self.assertEqual(other["list_rate"], 500)
		self.assertEqual(
			[d["name"] for d in by_code["PRM-SRV-100"]["datasheets"]], ["prm-srv-100-datasheet.pdf"]
		)

	def test_tier_list_then_standard_list(self):
		frappe.db.set_value("Partner Tier", "PRM Test Silver", "price_list", TIER_LIST)
		try:
			answer = as_user(self.sw_user, catalog_api.products)
			self.assertEqual(answer["price_list"], TIER_LIST)
			sw = {p["item_code"]: p for p in answer["products"]}["PRM-SW-100"]["price"]
			self.assertEqual((sw["your_rate"], sw["list_rate"]), (None, 300))
		finally:
			frappe.db.set_value("Partner Tier", "PRM Test Silver", "price_list", None)
		answer = as_user(self.sw_user, catalog_api.products)
		self.assertEqual(answer["price_list"], self.standard)
		sw = {p["item_code"]: p for p in answer["products"]}["PRM-SW-100"]["price"]
		# the partner buys at list price: one price, no discount to show
		self.assertEqual((sw["your_rate"], sw["list_rate"], sw["discount"]), (300, None, None))

	def test_item_outside_the_lines_answers_as_missing(self):
		with self.assertRaises(frappe.DoesNotExistError) as outside:
			as_user(self.hw_user, catalog_api.product, "PRM-SW-100")
		with self.assertRaises(frappe.DoesNotExistError) as missing:
			as_user(self.hw_user, catalog_api.product, "PRM-NO-SUCH-ITEM")
		self.assertEqual(
			str(outside.exception).replace("PRM-SW-100", "X"),
			str(missing.exception).replace("PRM-NO-SUCH-ITEM", "X"),
		)
		detail = as_user(self.sw_user, catalog_api.product, "PRM-SW-100")
		self.assertEqual(detail["prices"][0]["your_rate"], 300)

	def test_search_and_product_line(self):
		found = as_user(self.hw_user, catalog_api.products, search="SRV-200")["products"]
		self.assertEqual([p["item_code"] for p in found], ["PRM-SRV-200"])
		self.assertEqual(as_user(self.hw_user, catalog_api.products, search="100%")["products"], [])
		servers = as_user(self.hw_user, catalog_api.products, product_line="PRM Servers")["products"]
		self.assertLessEqual({"PRM-SRV-100", "PRM-SRV-200"}, {p["item_code"] for p in servers})
		self.assertEqual({p["item_group"] for p in servers}, {"PRM Servers"})
		with self.assertRaises(frappe.ValidationError):
			as_user(self.hw_user, catalog_api.products, product_line="PRM Software")

	def test_partner_price_list_must_sell(self):
		doc = frappe.get_doc("Channel Partner", self.software.name)
		doc.price_list = BUYING_LIST
		with self.assertRaises(frappe.ValidationError):
			doc.save()
		tier = frappe.get_doc("Partner Tier", "PRM Test Silver")
		tier.price_list = BUYING_LIST
		with self.assertRaises(frappe.ValidationError):
			tier.save()

	def test_product_pages(self):
		status, html = page("/partner/products", self.hw_user)
		self.assertEqual(status, 200)
		self.assertIn('data-item="PRM-SRV-100"', html)
		self.assertNotIn('data-item="PRM-SW-100"', html)
		self.assertIn("prm-srv-100-datasheet.pdf", html)
		status, html = page("/partner/products/PRM-SRV-100", self.hw_user)
		self.assertEqual(status, 200)
		self.assertIn('id="prm-prices"', html)
		self.assertIn("20 %", html)
		# another line's product, or a made-up one: the same 404
		self.assertEqual(page("/partner/products/PRM-SW-100", self.hw_user)[0], 404)
		self.assertEqual(page("/partner/products/PRM-NOPE", self.hw_user)[0], 404)
		self.assertEqual(page("/partner/products/PRM-SW-100", self.sw_user)[0], 200)
		status, html = page("/partner/products?q=SRV-200", self.hw_user)
		self.assertIn('data-item="PRM-SRV-200"', html)
		self.assertNotIn('data-item="PRM-SRV-100"', html)

	def test_anonymous_is_sent_to_login(self):
		for path in ("/partner/products", "/partner/products/PRM-SRV-100", "/partner/promotions"):
			status, _html = page(path, "Guest")
			self.assertEqual(status, 302, path)
			self.assertIn("/login", page.location or "", path)

	def test_register_a_deal_from_a_product(self):
		_status, html = page("/partner/deals/new?item=PRM-SRV-100", self.hw_user)
		self.assertIn('data-preselect="item:PRM-SRV-100"', html)
		_status, html = page("/partner/deals/new?item=PRM-SW-100", self.hw_user)
		self.assertIn('data-preselect=""', html)

	# --- promotions ---------------------------------------------------------------------------

	def test_programs_by_eligibility_with_terms(self):
		gold = make_program(
			"Volume Rebate",
			eligible_tiers=[{"tier": "PRM Test Gold"}],
			bracket_mode="Retroactive",
			brackets=[{"threshold": 0, "rate_percent": 2}, {"threshold": 50000, "rate_percent": 4}],
		)
		spiff = make_program(
			"SPIFF", spiff_rules=[{"item_code": "PRM-SRV-100", "amount_per_unit": 25}], proof_required=1
		)
		hw = {p.name: p for p in as_user(self.hw_user, catalog_api.offers)["programs"]}
		sw = {p.name: p for p in as_user(self.sw_user, catalog_api.offers)["programs"]}
		self.assertIn(gold.name, hw)
		self.assertNotIn(gold.name, sw)  # Silver partner
		self.assertIn(spiff.name, sw)
		terms = hw[gold.name].terms
		self.assertTrue(any(t.startswith("2 % from") for t in terms), terms)
		self.assertTrue(any(t.startswith("4 % from") for t in terms), terms)
		self.assertTrue(any("PRM-SRV-100: " in t and "per unit sold" in t for t in sw[spiff.name].terms))
		status, html = page("/partner/promotions", self.sw_user)
		self.assertEqual(status, 200)
		self.assertIn(f'data-program="{spiff.name}"', html)
		self.assertNotIn(f'data-program="{gold.name}"', html)

	def test_promotional_pricing_for_the_partners_sales_partner(self):
		sales_partner = frappe.db.get_value("Channel Partner", self.hardware.name, "sales_partner")
		rule = frappe.get_doc(
			{
				"doctype": "Pricing Rule",
				"title": f"PRM partner promo {frappe.generate_hash(length=5)}",
				"apply_on": "Item Group",
				"item_groups": [{"item_group": "PRM Servers"}],
				"selling": 1,
				"applicable_for": "Sales Partner",
				"sales_partner": sales_partner,
				"company": company(),
				"rate_or_discount": "Discount Percentage",
				"discount_percentage": 10,
				"min_qty": 5,
				"valid_from": nowdate(),
				"valid_upto": add_days(nowdate(), 30),
			}
		).insert(ignore_permissions=True)
		hw = {o.name: o for o in as_user(self.hw_user, catalog_api.offers)["offers"]}
		self.assertIn(rule.name, hw)
		self.assertEqual(hw[rule.name].terms, "10 % off")
		self.assertEqual(hw[rule.name].on, "PRM Servers")
		self.assertIn("5 units", hw[rule.name].conditions)
		self.assertNotIn(rule.name, {o.name for o in as_user(self.sw_user, catalog_api.offers)["offers"]})
		_status, html = page("/partner/promotions", self.hw_user)
		self.assertIn(f'data-rule="{rule.name}"', html)
		_status, html = page("/partner/promotions", self.sw_user)
		self.assertNotIn(f'data-rule="{rule.name}"', html)
		rule.db_set("disable", 1)
		self.assertNotIn(rule.name, {o.name for o in as_user(self.hw_user, catalog_api.offers)["offers"]})

	def test_tier_benefits(self):
		tier = as_user(self.hw_user, catalog_api.offers)["tier"]
		self.assertEqual(tier.tier, "PRM Test Gold")
		self.assertTrue(any(b.startswith("5 % extra discount") for b in tier.benefits), tier.benefits)
