"""Partner applications: the public call's validation, duplicates, and the manager's decisions."""

import frappe

from prm_extension.api import applications as api
from prm_extension.tests.utils import PRMTestCase, ensure_channel, user_of


def form(**values):
	suffix = frappe.generate_hash(length=8)
	base = {
		"company_name": f"Applicant Works {suffix}",
		"website": f"https://applicant-{suffix}.example.com",
		"tax_id": "",
		"country": frappe.db.get_value("Country", {}, "name") or "Germany",
		"territory": "PRM Germany",
		"partner_type": "Reseller",
		"applicant_name": "Ada Applicant",
		"email": f"ada-{suffix}@applicant-{suffix}.example.com",
		"phone": "+49 30 1234567",
		"product_lines": ["PRM Hardware"],
		"business_description": "We sell servers.\nMostly to SMBs.",
		"consent": 1,
	}
	base.update(values)
	return base


class TestPartnerApplication(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def setUp(self):
		frappe.set_user("Guest")

	def tearDown(self):
		frappe.set_user("Administrator")

	def apply(self, **values):
		return api.apply(**form(**values))

	def test_guest_application_is_submitted(self):
		answer = self.apply(company_name="Brand New Partner Co Ltd")
		self.assertTrue(answer["received"])
		frappe.set_user("Administrator")
		doc = frappe.get_last_doc("Partner Application", {"company_name": "Brand New Partner Co Ltd"})
		self.assertEqual(doc.status, "Submitted")
		self.assertEqual(doc.name_key, "brand new partner")
		self.assertEqual([r.item_group for r in doc.product_lines], ["PRM Hardware"])
		self.assertFalse(doc.channel_partner)
		self.assertFalse(frappe.db.exists("User", doc.email))

	def test_validation_errors(self):
		for values, fragment in (
			({"company_name": ""}, "Company name"),
			({"applicant_name": "  "}, "Your name"),
			({"email": "not-an-email"}, "not a valid e-mail"),
			({"company_name": "x" * 141}, "too long"),
			({"business_description": "y" * 2001}, "too long"),
			({"fax_number": "http://spam.example"}, "could not be accepted"),
			({"consent": 0}, "agree"),
			({"product_lines": []}, "product line"),
			({"product_lines": ["Not A Line"]}, "from the list"),
			({"country": "Atlantis"}, "country"),
			({"territory": "All Territories"}, "territory"),
			({"partner_type": "Overlord"}, "partner type"),
			({"website": "javascript:alert(1)"}, "web address"),
			({"company_name": "<script>x</script>"}, "not allowed"),
			({"company_name": ["a"]}, "enter text"),
		):
			with self.subTest(values=values):
				before = frappe.db.count("Partner Application")
				with self.assertRaises(frappe.ValidationError) as ctx:
					self.apply(**values)
				self.assertIn(fragment.lower(), str(ctx.exception).lower())
				self.assertEqual(frappe.db.count("Partner Application"), before)

	def test_duplicate_company_is_received_but_flagged(self):
		first = self.apply(company_name="Duplicate Dynamics GmbH", website="https://www.dupdyn.example.com")
		second = self.apply(company_name="duplicate dynamics", website="")
		# The applicant's answer never mentions the other company or application.
		self.assertTrue(second["received"])
		self.assertNotIn("PA-", second["message"])
		self.assertEqual(set(first), set(second))
		known = self.apply(company_name="PRM Test Alpha Inc.")
		self.assertNotIn("Alpha", known["message"].replace("PRM Test Alpha Inc.", ""))
		frappe.set_user("Administrator")
		dup = frappe.get_last_doc("Partner Application", {"company_name": "duplicate dynamics"})
		self.assertTrue(dup.possible_duplicate)
		self.assertIn("Duplicate Dynamics GmbH", dup.duplicate_matches)
		alpha = frappe.get_last_doc("Partner Application", {"company_name": "PRM Test Alpha Inc."})
		self.assertTrue(alpha.possible_duplicate)
		self.assertIn("Channel Partner PRM Test Alpha", alpha.duplicate_matches)
		fresh = frappe.get_last_doc("Partner Application", {"name_key": ("like", "applicant works%")})
		self.assertFalse(fresh.possible_duplicate)

	def test_approve_creates_active_partner_with_admin_user(self):
		values = form()
		api.apply(**values)
		frappe.set_user("Administrator")
		name = frappe.db.get_value("Partner Application", {"email": values["email"]}, "name")
		partner = api.approve(name, tier="PRM Test Silver")
		cp = frappe.get_doc("Channel Partner", partner)
		self.assertEqual(cp.status, "Active")
		self.assertEqual(cp.home_territory, "PRM Germany")
		self.assertEqual([t.territory for t in cp.territories], ["PRM Germany"])
		self.assertEqual([p.item_group for p in cp.product_lines], ["PRM Hardware"])
		self.assertEqual(cp.members[0].email, values["email"])
		self.assertEqual(cp.members[0].partner_role, "Partner Admin")
		self.assertTrue(cp.sales_partner and frappe.db.exists("Sales Partner", cp.sales_partner))
		user = frappe.get_doc("User", cp.members[0].user)
		self.assertEqual(user.user_type, "Website User")
		self.assertTrue({"Partner Admin", "Partner User"} <= set(frappe.get_roles(user.name)))
		app = frappe.get_doc("Partner Application", name)
		self.assertEqual(
			(app.status, app.channel_partner, app.decided_by), ("Approved", partner, "Administrator")
		)
		with self.assertRaises(frappe.ValidationError):
			api.approve(name)  # decided already
		with self.assertRaises(frappe.ValidationError):
			api.reject(name, "late")

	def test_reject_needs_reason_and_mails_applicant(self):
		values = form()
		api.apply(**values)
		frappe.set_user("Administrator")
		name = frappe.db.get_value("Partner Application", {"email": values["email"]}, "name")
		with self.assertRaises(frappe.ValidationError):
			api.reject(name, "   ")
		self.assertEqual(frappe.db.get_value("Partner Application", name, "status"), "Submitted")
		api.reject(name, "We have enough resellers in your region.")
		app = frappe.get_doc("Partner Application", name)
		self.assertEqual(app.status, "Rejected")
		self.assertEqual(app.rejection_reason, "We have enough resellers in your region.")
		self.assertFalse(frappe.db.exists("Channel Partner", {"partner_name": values["company_name"]}))
		mail = frappe.get_last_doc(
			"Email Queue", {"reference_doctype": "Partner Application", "reference_name": name}
		)
		self.assertIn("enough resellers", mail.message)
		self.assertIn(values["email"], [r.recipient for r in mail.recipients])

	def test_status_only_changes_through_decisions(self):
		values = form()
		api.apply(**values)
		frappe.set_user("Administrator")
		doc = frappe.get_last_doc("Partner Application", {"email": values["email"]})
		doc.status = "Approved"
		with self.assertRaises(frappe.ValidationError):
			doc.save()

	def test_guest_and_partner_cannot_decide(self):
		values = form()
		api.apply(**values)
		name = frappe.db.get_value("Partner Application", {"email": values["email"]}, "name")
		# Guests cannot call the (non-guest) whitelisted methods at all …
		from frappe.handler import execute_cmd

		frappe.local.form_dict = frappe._dict(name=name)
		with self.assertRaises(frappe.PermissionError):
			execute_cmd("prm_extension.api.applications.approve")
		# … and a partner user cannot read or decide applications.
		frappe.set_user(user_of("PRM Test Alpha"))
		with self.assertRaises(frappe.PermissionError):
			api.approve(name, home_territory="PRM Germany")
		with self.assertRaises(frappe.PermissionError):
			api.reject(name, "no")
		try:
			self.assertEqual(frappe.get_list("Partner Application"), [])
		except frappe.PermissionError:
			pass
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Partner Application", name, "status"), "Submitted")

	def test_guest_call_is_whitelisted_and_rate_limited(self):
		self.assertIn(api.apply, frappe.guest_methods)
		self.assertTrue(hasattr(api.apply, "__wrapped__"))  # the rate-limit wrapper
		self.assertNotIn(api.approve, frappe.guest_methods)
