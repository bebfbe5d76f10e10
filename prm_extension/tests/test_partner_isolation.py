"""A partner sees and changes only its own partner's data: lists, documents, REST and API answers.

REST requests run in another thread with their own database connection, so this class commits
its data and deletes it again afterwards.
"""

from __future__ import annotations

import json

import frappe

from prm_extension.api.deals import decide
from prm_extension.tests.utils import (
	PRMAPITestCase,
	api_token,
	deal_values,
	ensure_channel,
	make_customer,
	purge,
	register_as,
	reserve_as,
	user_of,
)

ALPHA, BETA, GAMMA = "PRM Test Alpha", "PRM Test Beta", "PRM Test Gamma"


class TestPartnerIsolation(PRMAPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()
		cls.customers = [make_customer("PRM Iso").name for _ in range(3)]
		cls.beta_res = reserve_as(user_of(BETA), cls.customers[0]).name
		cls.gamma_res = reserve_as(user_of(GAMMA), cls.customers[1]).name
		cls.beta_auth = {"Authorization": api_token(user_of(BETA, "user"))}
		cls.gamma_auth = {"Authorization": api_token(user_of(GAMMA))}
		# Deals: Gamma's approved registration on a customer of its own
		cls.deal_customer = make_customer("PRM Iso Deal").name
		cls.customers.append(cls.deal_customer)
		cls.gamma_deal = register_as(user_of(GAMMA), cls.deal_customer).name
		decide(cls.gamma_deal, "Approve")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		purge(cls.customers)
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")
		super().tearDown()

	# --- python API as the partner user --------------------------------------------------------

	def test_get_list_shows_only_own_partner(self):
		frappe.set_user(user_of(BETA, "user"))  # a Partner User, not only the admin
		rows = frappe.get_list("Account Reservation", fields=["name", "channel_partner"], limit_page_length=0)
		self.assertIn(self.beta_res, [r.name for r in rows])
		self.assertEqual({r.channel_partner for r in rows}, {BETA})
		self.assertEqual(frappe.get_list("Channel Partner", pluck="name"), [BETA])

	def test_get_doc_of_another_partner_is_refused(self):
		frappe.set_user(user_of(BETA))
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc("Account Reservation", self.gamma_res).check_permission("read")
		self.assertFalse(frappe.has_permission("Account Reservation", "read", self.gamma_res))
		self.assertTrue(frappe.has_permission("Account Reservation", "read", self.beta_res))
		self.assertFalse(frappe.has_permission("Channel Partner", "read", GAMMA))

	def test_release_of_another_partners_reservation_looks_like_missing(self):
		from prm_extension.api.accounts import release

		frappe.set_user(user_of(BETA))
		with self.assertRaises(frappe.DoesNotExistError) as ctx:
			release(self.gamma_res)
		with self.assertRaises(frappe.DoesNotExistError) as ctx2:
			release("RES-9999999")
		# Same answer whether the record exists for someone else or not at all.
		self.assertEqual(
			str(ctx.exception).replace(self.gamma_res, "X"), str(ctx2.exception).replace("RES-9999999", "X")
		)
		self.assertEqual(frappe.db.get_value("Account Reservation", self.gamma_res, "status"), "Active")

	def test_availability_never_reveals_the_holder(self):
		from prm_extension.api.accounts import check_availability

		frappe.set_user(user_of(BETA))
		name = frappe.db.get_value("Customer", self.customers[1], "customer_name")
		answer = check_availability(query=name)
		self.assertEqual(answer["status"], "reserved_by_other")
		dump = json.dumps(answer, default=str)
		for secret in (GAMMA, self.gamma_res, user_of(GAMMA)):
			self.assertNotIn(secret, dump)
		self.assertNotIn("conflicts", answer)
		self.assertEqual(
			check_availability(query=frappe.db.get_value("Customer", self.customers[0], "customer_name"))[
				"status"
			],
			"reserved_by_you",
		)

	def test_user_without_partner_sees_nothing(self):
		email = "orphan@prm-partner-less.example.com"
		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": "Orphan",
					"user_type": "Website User",
					"roles": [{"role": "Partner User"}],
				}
			).insert(ignore_permissions=True)
		frappe.set_user(email)
		self.assertEqual(frappe.get_list("Account Reservation"), [])
		from prm_extension.api.accounts import check_availability

		with self.assertRaises(frappe.PermissionError):
			check_availability(query="anything")

	# --- REST -----------------------------------------------------------------------------------

	def test_rest_list_is_scoped(self):
		r = self.get(
			self.resource("Account Reservation"),
			{"fields": json.dumps(["name", "channel_partner"]), "limit_page_length": 0},
			headers=self.beta_auth,
		)
		self.assertEqual(r.status_code, 200, r.text)
		rows = r.json["data"]
		self.assertIn(self.beta_res, [row["name"] for row in rows])
		self.assertEqual({row["channel_partner"] for row in rows}, {BETA})

	def test_rest_document_of_another_partner_is_forbidden(self):
		r = self.get(self.resource("Account Reservation", self.gamma_res), headers=self.beta_auth)
		self.assertEqual(r.status_code, 403)
		self.assertNotIn(GAMMA, r.text)
		r = self.put(
			self.resource("Account Reservation", self.gamma_res),
			{"notes": "mine now"},
			headers=self.beta_auth,
		)
		self.assertEqual(r.status_code, 403)
		self.assertNotEqual(frappe.db.get_value("Account Reservation", self.gamma_res, "notes"), "mine now")
		r = self.get(self.resource("Channel Partner", GAMMA), headers=self.beta_auth)
		self.assertEqual(r.status_code, 403)

	def test_rest_insert_for_another_partner_is_forbidden(self):
		r = self.post(
			self.resource("Account Reservation"),
			{"customer": self.customers[2], "channel_partner": GAMMA},
			headers=self.beta_auth,
		)
		self.assertEqual(r.status_code, 403, r.text)
		self.assertFalse(
			frappe.db.exists("Account Reservation", {"customer": self.customers[2], "channel_partner": GAMMA})
		)

	def test_rest_insert_obeys_the_rules(self):
		# Gamma's reserved customer cannot be taken by Beta through REST either.
		r = self.post(
			self.resource("Account Reservation"), {"customer": self.customers[1]}, headers=self.beta_auth
		)
		self.assertEqual(r.status_code, 417, r.text)
		self.assertIn("reserved by another partner", r.text)
		self.assertNotIn(GAMMA, r.text)

	def test_rest_wrong_types_are_refused_clearly(self):
		r = self.post(
			self.method("prm_extension.api.accounts.reserve"),
			{"customer": ["a", "b"]},
			headers=self.beta_auth,
		)
		self.assertEqual(r.status_code, 417, r.text)
		self.assertIn("customer", r.text)
		r = self.post(
			self.method("prm_extension.api.accounts.check_availability"),
			{"query": "x" * 500},
			headers=self.beta_auth,
		)
		self.assertEqual(r.status_code, 417, r.text)
		self.assertIn("too long", r.text)

	def test_anonymous_is_refused(self):
		r = self.get(self.resource("Account Reservation"))
		self.assertEqual(r.status_code, 403)
		r = self.post(self.method("prm_extension.api.accounts.check_availability"), {"query": "acme"})
		self.assertEqual(r.status_code, 403)

	# --- deal registration over REST (a partner's own CRM with API keys) ---------------------------

	def _deal_payload(self, customer, **extra):
		values = deal_values(customer, **extra)
		values.pop("doctype")
		return values

	def test_rest_deal_of_another_partner_is_forbidden(self):
		r = self.get(self.resource("Deal Registration", self.gamma_deal), headers=self.beta_auth)
		self.assertEqual(r.status_code, 403)
		self.assertNotIn(self.deal_customer, r.text)
		r = self.get(
			self.resource("Deal Registration"),
			{"fields": json.dumps(["name", "channel_partner"]), "limit_page_length": 0},
			headers=self.beta_auth,
		)
		self.assertEqual(r.status_code, 200)
		self.assertTrue(all(row["channel_partner"] == BETA for row in r.json["data"]))

	def test_rest_registration_obeys_the_rules(self):
		r = self.post(
			self.method("prm_extension.api.deals.register"),
			{"data": self._deal_payload(self.deal_customer)},
			headers=self.beta_auth,
		)
		self.assertEqual(r.status_code, 417, r.text)
		self.assertIn("registered a deal for this customer and product line first", r.text)
		self.assertNotIn(GAMMA, r.text)
		fresh = make_customer("PRM Iso Deal2").name
		self.customers.append(fresh)
		frappe.db.commit()
		r = self.post(
			self.method("prm_extension.api.deals.register"),
			{"data": self._deal_payload(fresh)},
			headers=self.beta_auth,
		)
		self.assertEqual(r.status_code, 200, r.text)
		self.assertEqual(r.json["message"]["status"], "Submitted")
		self.assertIsNone(r.json["message"]["opportunity"])

	def test_rest_registration_bad_input(self):
		r = self.post(
			self.method("prm_extension.api.deals.register"),
			{"data": {"customer": self.deal_customer, "bogus": 1}},
			headers=self.beta_auth,
		)
		self.assertEqual(r.status_code, 417, r.text)
		self.assertIn("Unknown fields: bogus", r.text)
		payload = self._deal_payload(self.customers[2], items=(("PRM-SRV-100", 1, -10),))
		r = self.post(
			self.method("prm_extension.api.deals.register"), {"data": payload}, headers=self.beta_auth
		)
		self.assertEqual(r.status_code, 417, r.text)
		self.assertIn("cannot be negative", r.text)
		self.assertFalse(frappe.db.exists("Deal Registration", {"customer": self.customers[2]}))
		r = self.post(
			self.method("prm_extension.api.deals.decide"),
			{"registration": self.gamma_deal, "action": "Approve"},
			headers=self.beta_auth,
		)
		self.assertEqual(r.status_code, 403, r.text)
