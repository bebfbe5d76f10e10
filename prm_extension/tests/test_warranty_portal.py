"""Warranty portal: serial registration, warranty claims and partner isolation on the real site."""

import frappe
from frappe.utils import add_days, getdate, nowdate

from prm_extension.api import warranty as api
from prm_extension.security import permissions
from prm_extension.services import warranty as service
from prm_extension.tests.utils import PRMTestCase, company, ensure_channel, make_customer, user_of

ALPHA, BETA = "PRM Test Alpha", "PRM Test Beta"
ITEM_SERVER = "PRM-WTY-SRV"  # PRM Servers: within Alpha's product line PRM Hardware
ITEM_SOFTWARE = "PRM-WTY-SW"  # PRM Software: outside Alpha's product lines


def ensure_items():
	for code, group, period in ((ITEM_SERVER, "PRM Servers", 365), (ITEM_SOFTWARE, "PRM Software", 0)):
		if not frappe.db.exists("Item", code):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": code,
					"item_name": f"{code} name",
					"item_group": group,
					"stock_uom": "Nos",
					"is_stock_item": 1,
					"has_serial_no": 1,
					"warranty_period": str(period) if period else "",
					"include_item_in_manufacturing": 0,
				}
			).insert(ignore_permissions=True)
	frappe.db.commit()


def make_serial(item=ITEM_SERVER, **values):
	return frappe.get_doc(
		{
			"doctype": "Serial No",
			"serial_no": f"WTY-{frappe.generate_hash(length=10).upper()}",
			"item_code": item,
			"company": company(),
			**values,
		}
	).insert(ignore_permissions=True)


def customer_of(partner):
	"""A fresh customer with an Active reservation of ``partner``."""
	customer = make_customer("PRM Wty Cust")
	frappe.get_doc(
		{
			"doctype": "Account Reservation",
			"customer": customer.name,
			"channel_partner": partner,
			"status": "Active",
			"start_date": nowdate(),
			"expiry_date": add_days(nowdate(), 30),
		}
	).db_insert()  # a fact for this test, not a reservation through its workflow
	return customer.name


class TestWarrantyPortal(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()
		ensure_items()

	def setUp(self):
		frappe.set_user("Administrator")
		self.alpha_customer = customer_of(ALPHA)
		self.beta_customer = customer_of(BETA)

	def tearDown(self):
		frappe.set_user("Administrator")

	def as_user(self, partner, fn, *args, **kwargs):
		frappe.set_user(user_of(partner))
		try:
			return fn(*args, **kwargs)
		finally:
			frappe.set_user("Administrator")

	def register(self, partner, serial, customer, **kw):
		return self.as_user(partner, api.register_serial, serial, customer, **kw)

	def test_register_sets_partner_customer_and_expiry(self):
		serial = make_serial()
		row = self.register(ALPHA, serial.name, self.alpha_customer)
		doc = frappe.get_doc("Serial No", serial.name)
		self.assertEqual(doc.prm_channel_partner, ALPHA)
		self.assertEqual(doc.customer, self.alpha_customer)
		self.assertEqual(getdate(doc.warranty_expiry_date), getdate(add_days(nowdate(), 365)))
		self.assertEqual(doc.maintenance_status, "Under Warranty")
		self.assertEqual(row.status, "Under Warranty")
		# A set expiry date is kept.
		fixed = make_serial(warranty_expiry_date=add_days(nowdate(), -1))
		row = self.register(ALPHA, fixed.name, self.alpha_customer)
		self.assertEqual(
			getdate(frappe.db.get_value("Serial No", fixed.name, "warranty_expiry_date")),
			getdate(add_days(nowdate(), -1)),
		)
		self.assertEqual(row.status, "Out of Warranty")

	def test_sale_date_sets_start(self):
		serial = make_serial()
		self.register(ALPHA, serial.name, self.alpha_customer, sale_date=add_days(nowdate(), -100))
		self.assertEqual(
			getdate(frappe.db.get_value("Serial No", serial.name, "warranty_expiry_date")),
			getdate(add_days(nowdate(), 265)),
		)
		with self.assertRaises(frappe.ValidationError):
			self.register(ALPHA, make_serial().name, self.alpha_customer, sale_date=add_days(nowdate(), 3))

	def test_refusals_do_not_leak(self):
		serial = make_serial()
		self.register(BETA, serial.name, self.beta_customer)
		with self.assertRaises(frappe.ValidationError) as ctx:
			self.register(ALPHA, serial.name, self.alpha_customer)
		message = str(ctx.exception)
		self.assertIn("another partner", message)
		for secret in (BETA, self.beta_customer, user_of(BETA)):
			self.assertNotIn(secret, message)
		self.assertEqual(frappe.db.get_value("Serial No", serial.name, "prm_channel_partner"), BETA)
		# Unknown serial
		with self.assertRaises(frappe.DoesNotExistError):
			self.register(ALPHA, "NO-SUCH-SERIAL-XYZ", self.alpha_customer)
		# Twice by the same partner
		own = make_serial()
		self.register(ALPHA, own.name, self.alpha_customer)
		with self.assertRaises(frappe.ValidationError):
			self.register(ALPHA, own.name, self.alpha_customer)
		# Not one of Alpha's customers (Beta's customer)
		with self.assertRaises(frappe.ValidationError):
			self.register(ALPHA, make_serial().name, self.beta_customer)
		# Product line Alpha is not authorised for
		with self.assertRaises(frappe.ValidationError):
			self.register(ALPHA, make_serial(ITEM_SOFTWARE).name, self.alpha_customer)
		# Delivered to another customer
		delivered = make_serial(customer=self.beta_customer)
		with self.assertRaises(frappe.ValidationError):
			self.register(ALPHA, delivered.name, self.alpha_customer)
		# Bad input
		for bad in ("", "   ", "x" * 141, None):
			with self.assertRaises(frappe.ValidationError):
				self.register(ALPHA, bad, self.alpha_customer)

	def test_claim_filed_with_partner_and_customer(self):
		serial = make_serial()
		self.register(ALPHA, serial.name, self.alpha_customer)
		row = self.as_user(ALPHA, api.file_claim, serial.name, "Fan <b>noise</b>\nafter 2 days")
		claim = frappe.get_doc("Warranty Claim", row.name)
		self.assertEqual(claim.prm_channel_partner, ALPHA)
		self.assertEqual(claim.customer, self.alpha_customer)
		self.assertEqual(claim.serial_no, serial.name)
		self.assertEqual(claim.item_code, ITEM_SERVER)
		self.assertEqual(claim.status, "Open")
		self.assertIn("&lt;b&gt;noise&lt;/b&gt;", claim.complaint)  # the partner's text, escaped
		self.assertEqual(row.complaint, "Fan <b>noise</b>\nafter 2 days")
		# Resolution becomes visible to the partner once closed.
		claim.status = "Closed"
		claim.resolution_details = "Fan replaced."
		claim.save()
		rows = self.as_user(ALPHA, service.list_claims)
		mine = next(r for r in rows if r.name == claim.name)
		self.assertEqual((mine.status, mine.resolution), ("Closed", "Fan replaced."))
		# Missing text; another partner's or unknown serial
		with self.assertRaises(frappe.ValidationError):
			self.as_user(ALPHA, api.file_claim, serial.name, "  ")
		with self.assertRaises(frappe.DoesNotExistError) as ctx:
			self.as_user(BETA, api.file_claim, serial.name, "broken")
		self.assertNotIn(ALPHA, str(ctx.exception))
		with self.assertRaises(frappe.DoesNotExistError):
			self.as_user(ALPHA, api.file_claim, "NO-SUCH-SERIAL-XYZ", "broken")

	def test_portal_lists_are_isolated(self):
		serial = make_serial()
		self.register(ALPHA, serial.name, self.alpha_customer)
		claim = self.as_user(ALPHA, api.file_claim, serial.name, "Does not boot")
		alpha_serials = {r.serial_no for r in self.as_user(ALPHA, service.list_serials, 0, 500)}
		self.assertIn(serial.name, alpha_serials)
		self.assertIn(claim.name, {r.name for r in self.as_user(ALPHA, service.list_claims, 0, 500)})
		self.assertNotIn(serial.name, {r.serial_no for r in self.as_user(BETA, service.list_serials, 0, 500)})
		self.assertNotIn(claim.name, {r.name for r in self.as_user(BETA, service.list_claims, 0, 500)})
		# Managers see every registration.
		self.assertIn(serial.name, {r.serial_no for r in service.list_serials(0, 500)})

	def test_document_permissions_for_partner_users(self):
		"""Without role permissions partners get nothing; with them (granted by a manager in the Role
		Permission Manager), the hooks keep each partner to its own rows. Desk users keep access."""
		serial = make_serial()
		self.register(ALPHA, serial.name, self.alpha_customer)
		claim = self.as_user(ALPHA, api.file_claim, serial.name, "Does not boot")
		from frappe.api.v1 import read_doc

		for partner in (ALPHA, BETA):
			frappe.set_user(user_of(partner))
			for doctype, name in (("Serial No", serial.name), ("Warranty Claim", claim.name)):
				with self.assertRaises(frappe.PermissionError):
					read_doc(doctype, name)  # GET /api/resource/<doctype>/<name>
				with self.assertRaises(frappe.PermissionError):
					frappe.get_list(doctype)
		frappe.set_user("Administrator")

		from frappe.permissions import add_permission

		try:
			for doctype in ("Serial No", "Warranty Claim"):
				add_permission(doctype, "Partner User", 0)
				frappe.clear_cache(doctype=doctype)
			frappe.set_user(user_of(BETA))
			self.assertEqual(frappe.get_list("Serial No", filters={"name": serial.name}), [])
			self.assertEqual(frappe.get_list("Warranty Claim", filters={"name": claim.name}), [])
			self.assertFalse(frappe.has_permission("Serial No", "read", serial.name))
			with self.assertRaises(frappe.PermissionError):
				read_doc("Warranty Claim", claim.name)
			frappe.set_user(user_of(ALPHA))
			self.assertEqual(
				frappe.get_list("Serial No", filters={"name": serial.name}, pluck="name"), [serial.name]
			)
			self.assertEqual(
				frappe.get_list("Warranty Claim", filters={"name": claim.name}, pluck="name"), [claim.name]
			)
			self.assertEqual(read_doc("Warranty Claim", claim.name).name, claim.name)
			self.assertTrue(
				all(
					r.prm_channel_partner == ALPHA
					for r in frappe.get_list("Serial No", fields=["prm_channel_partner"], limit=0)
				)
			)
		finally:
			frappe.set_user("Administrator")
			frappe.db.rollback()  # drops the custom permissions (and this test's data)
			for doctype in ("Serial No", "Warranty Claim"):
				frappe.clear_cache(doctype=doctype)

	def test_desk_users_unrestricted(self):
		from prm_extension.security.permissions import UNRESTRICTED, partner_scope

		self.assertIs(partner_scope("Administrator"), UNRESTRICTED)
		self.assertEqual(permissions.serial_no_query("Administrator"), "")
		self.assertEqual(permissions.warranty_claim_query("Administrator"), "")
		self.assertIn("PRM Test Alpha", permissions.warranty_claim_query(user_of(ALPHA)))
		self.assertIsNone(
			permissions.serial_no_has_permission(
				frappe._dict(prm_channel_partner=None), "read", "Administrator"
			)
		)

	def test_customer_search_offers_own_customers_only(self):
		own = frappe.db.get_value("Customer", self.alpha_customer, "customer_name")
		other = frappe.db.get_value("Customer", self.beta_customer, "customer_name")
		found = self.as_user(ALPHA, api.search_customers, own[-6:])
		self.assertIn(self.alpha_customer, [r["name"] for r in found])
		self.assertEqual(self.as_user(ALPHA, api.search_customers, other[-6:]), [])
		self.assertTrue(service.is_partner_customer(ALPHA, self.alpha_customer))
		self.assertFalse(service.is_partner_customer(ALPHA, self.beta_customer))
		self.assertIn(self.alpha_customer, [r.name for r in service.partner_customers(ALPHA)])
		with self.assertRaises(frappe.ValidationError):
			self.register(ALPHA, make_serial().name, self.beta_customer)
