"""The availability check: one call that recognises a company however it is typed and answers
open / reserved by you / reserved by another partner / house / ambiguous / not found / prospect."""

from __future__ import annotations

import frappe

from prm_extension.api.accounts import check_availability, release, reserve
from prm_extension.tests.utils import PRMTestCase, ensure_channel, make_customer, reserve_as, user_of

BETA, GAMMA = "PRM Test Beta", "PRM Test Gamma"


class TestAvailability(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def setUp(self):
		frappe.set_user(user_of(BETA))

	def tearDown(self):
		frappe.set_user("Administrator")

	def _company(self, **values):
		frappe.set_user("Administrator")
		suffix = frappe.generate_hash(length=6)
		doc = make_customer("PRM Zed", **values)
		doc.customer_name = f"Zedcorp {suffix} Industries GmbH"
		doc.save()
		frappe.set_user(user_of(BETA))
		return doc, suffix

	def test_identity_keys_are_stored_on_customers(self):
		doc, suffix = self._company(website="https://www.zed-example.de/en", tax_id="DE 811.569.869")
		self.assertEqual(doc.prm_name_key, f"zedcorp {suffix} industries")
		self.assertEqual(doc.prm_domain, "zed-example.de")
		self.assertEqual(doc.prm_tax_key, "DE811569869")

	def test_name_variants_find_the_customer(self):
		doc, suffix = self._company()
		for typed in (
			f"ZEDCORP {suffix} INDUSTRIES",
			f"Zedcorp {suffix} Industries, Inc.",
			f"zedcorp-{suffix} industries ltd",
		):
			answer = check_availability(query=typed)
			self.assertEqual((answer["status"], answer["customer"]), ("open", doc.name), typed)
			self.assertTrue(answer["can_reserve"])

	def test_domain_and_tax_id_find_the_customer(self):
		domain = f"zed{frappe.generate_hash(length=6)}.example"
		doc, _suffix = self._company(website=f"{domain}.com", tax_id=f"FR{frappe.generate_hash(length=8)}9")
		self.assertEqual(check_availability(query=f"sales@{domain}.com")["customer"], doc.name)
		self.assertEqual(check_availability(query=f"https://{domain}.com/contact")["customer"], doc.name)
		self.assertEqual(check_availability(tax_id=doc.tax_id.lower())["customer"], doc.name)

	def test_statuses(self):
		doc, suffix = self._company()
		name = doc.customer_name
		self.assertEqual(check_availability(query=name)["status"], "open")
		res = reserve_as(user_of(BETA), doc.name)
		mine = check_availability(query=name)
		self.assertEqual((mine["status"], mine["reservation"]), ("reserved_by_you", res.name))
		frappe.set_user(user_of(GAMMA))
		other = check_availability(query=name)
		self.assertEqual(other["status"], "reserved_by_other")
		self.assertEqual(str(other["until"]), str(res.expiry_date))
		self.assertFalse(other["can_reserve"])
		frappe.set_user("Administrator")
		house, _ = self._company(prm_is_house_account=1)
		self.assertEqual(check_availability(query=house.customer_name)["status"], "house")

	def test_ambiguous_and_not_found_and_prospect(self):
		frappe.set_user("Administrator")
		word = f"Ambi{frappe.generate_hash(length=6)}"
		a = make_customer()
		a.customer_name = f"{word} Ltd"
		a.save()
		b = make_customer(territory="PRM France")
		b.customer_name = f"{word} S.A."
		b.save()
		frappe.set_user(user_of(BETA))
		answer = check_availability(query=word)
		self.assertEqual(answer["status"], "ambiguous")
		self.assertEqual({c["customer"] for c in answer["candidates"]}, {a.name, b.name})
		self.assertEqual(check_availability(query=f"Nobody {word} Co")["status"], "not_found")
		frappe.set_user("Administrator")
		lead_name = f"Prospecto {frappe.generate_hash(length=6)}"
		frappe.get_doc({"doctype": "Lead", "first_name": "Pat", "company_name": f"{lead_name} LLC"}).insert(
			ignore_permissions=True
		)
		frappe.set_user(user_of(BETA))
		self.assertEqual(check_availability(query=lead_name)["status"], "prospect")

	def test_junk_input_gets_clear_errors(self):
		for kwargs, fragment in (
			({"query": ""}, "Enter a company name"),
			({"query": "Inc."}, "identifies no company"),
			({"query": "someone@gmail.com"}, "free-mail"),
			({"query": "a" * 141}, "too long"),
			({"query": "acme", "territory": "Atlantis"}, "does not exist"),
		):
			with self.assertRaises(frappe.ValidationError) as ctx:
				check_availability(**kwargs)
			self.assertIn(fragment, str(ctx.exception), kwargs)

	def test_reserve_api_records_refusals(self):
		doc, _ = self._company()
		self.assertTrue(reserve(doc.name)["ok"])
		frappe.set_user(user_of(GAMMA))
		answer = reserve(doc.name)
		self.assertFalse(answer["ok"])
		self.assertIn("reserved by another partner", answer["reason"])
		logged = frappe.get_doc("Account Reservation", answer["reservation"])
		self.assertEqual(
			(logged.status, logged.channel_partner, logged.decision_code),
			("Rejected", GAMMA, "reserved_by_other"),
		)
		self.assertIsNone(logged.live_key)
		from prm_extension.api.dashboard import refused_requests_this_month

		self.assertGreaterEqual(refused_requests_this_month()["value"], 1)

	def test_manager_view_includes_conflicts(self):
		doc, _ = self._company()
		res = reserve_as(user_of(BETA), doc.name)
		frappe.set_user("Administrator")
		answer = check_availability(query=doc.customer_name, channel_partner=GAMMA)
		self.assertEqual(answer["status"], "reserved_by_other")
		self.assertEqual(answer["conflicts"], [res.name])


class TestAvailabilityFromCaches(PRMTestCase):
	"""The availability check reads the partner's facts, the trees and the rules from caches
	(services/partners.py): a handful of statements per call, and every change the answer depends
	on is seen by the next call."""

	@classmethod
	def setUpClass(cls):
		from prm_extension.tests.utils import make_partner

		super().setUpClass()
		ensure_channel()
		h = frappe.generate_hash(length=5)
		cls.tier = (
			frappe.get_doc(
				{
					"doctype": "Partner Tier",
					"tier_name": f"PRM Hot {h}",
					"rank": int(frappe.db.sql("select ifnull(max(`rank`), 0) from `tabPartner Tier`")[0][0])
					+ 1,
					"max_active_reservations": 2,
				}
			)
			.insert()
			.name
		)
		cls.partner = make_partner(f"PRM Hot Partner {h}", territories=["PRM Europe"], tier=cls.tier).name
		cls.user = user_of(cls.partner)
		cls.accounts = [make_customer("PRM Hot", territory="PRM Germany") for _i in range(4)]
		frappe.db.commit()

	def tearDown(self):
		frappe.set_user("Administrator")

	def ask(self, customer):
		frappe.set_user(self.user)
		try:
			return check_availability(query=customer.customer_name)
		finally:
			frappe.set_user("Administrator")

	def new_request(self):
		"""What a web request starts without (Frappe's request caches); Redis keeps its caches."""
		frappe.local.cache = {}
		frappe.local.prm_partner_of = {}
		frappe.db.value_cache.clear()

	def test_one_call_reads_the_account_its_family_and_their_reservations(self):
		a = self.accounts[0]
		self.assertEqual(self.ask(a)["status"], "open")  # fills the caches
		self.new_request()
		frappe.set_user(self.user)
		self.new_request()
		with self.assertQueryCount(3):  # the account by its name key, its family, their live reservations
			answer = check_availability(query=a.customer_name)
		frappe.set_user("Administrator")
		self.assertEqual((answer["status"], answer["can_reserve"]), ("open", True))

	def test_the_next_call_sees_every_change_it_depends_on(self):
		a, b, c, d = self.accounts
		self.assertTrue(self.ask(c)["can_reserve"])
		# the partner's live reservations against its tier's limit of 2
		reserve_as(self.user, a.name)
		held = reserve_as(self.user, b.name)
		self.assertEqual(self.ask(a)["status"], "reserved_by_you")
		self.assertEqual((self.ask(c)["status"], self.ask(c)["can_reserve"]), ("restricted", False))
		frappe.set_user(self.user)
		release(held.name)
		frappe.set_user("Administrator")
		self.assertTrue(self.ask(c)["can_reserve"])
		# the tier's limit
		tier = frappe.get_doc("Partner Tier", self.tier)
		tier.max_active_reservations = 1
		tier.save()
		self.assertFalse(self.ask(c)["can_reserve"])
		tier.max_active_reservations = 5
		tier.save()
		self.assertTrue(self.ask(c)["can_reserve"])
		# the partner's territories, and the territory tree
		partner = frappe.get_doc("Channel Partner", self.partner)
		partner.territories = []
		partner.append("territories", {"territory": "PRM Americas"})
		partner.save()
		self.assertEqual(self.ask(c)["status"], "restricted")
		region = frappe.get_doc(
			{
				"doctype": "Territory",
				"territory_name": f"PRM Hot Region {frappe.generate_hash(length=5)}",
				"parent_territory": "PRM Americas",
			}
		).insert()
		d.territory = region.name
		d.save()
		self.assertEqual(self.ask(d)["status"], "open")  # a territory created after the tree was read
		# the partner's status, and who its members are
		partner.reload()
		partner.status, partner.status_reason = "Suspended", "Unpaid invoices"
		partner.save()
		self.assertEqual(self.ask(d)["status"], "restricted")
		partner.reload()
		partner.status = "Active"
		partner.save()
		self.assertEqual(self.ask(d)["status"], "open")

	def test_a_rolled_back_change_leaves_nothing_cached(self):
		a = self.accounts[3]
		self.assertTrue(self.ask(a)["can_reserve"])
		frappe.db.commit()
		partner = frappe.get_doc("Channel Partner", self.partner)
		partner.status, partner.status_reason = "Suspended", "Unpaid invoices"
		partner.save()
		self.assertEqual(self.ask(a)["status"], "restricted")  # cached inside the transaction
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Channel Partner", self.partner, "status"), "Active")
		self.assertEqual(self.ask(a)["status"], "open")

	def test_a_reservation_keeps_the_context_and_drops_the_live_count(self):
		from prm_extension.services.partners import CONTEXT, LIVE

		frappe.db.rollback()
		a, b = self.accounts[0], self.accounts[1]
		self.assertTrue(self.ask(b)["can_reserve"])  # caches the context and the live count
		self.assertIsNotNone(frappe.cache.hget(CONTEXT, self.partner))
		self.assertIsNotNone(frappe.cache.hget(LIVE, self.partner))
		reserve_as(self.user, a.name)
		self.new_request()
		self.assertIsNotNone(frappe.cache.hget(CONTEXT, self.partner))
		self.assertIsNone(frappe.cache.hget(LIVE, self.partner))
		frappe.db.rollback()

	def test_the_write_path_trusts_the_cache_only_at_the_partners_current_row(self):
		from prm_extension.services.partners import CONTEXT

		frappe.db.rollback()
		a = self.accounts[2]
		self.assertTrue(self.ask(a)["can_reserve"])
		stale = frappe.cache.hget(CONTEXT, self.partner)
		self.assertIn("PRM Europe", stale.territories)
		partner = frappe.get_doc("Channel Partner", self.partner)
		partner.territories = []
		partner.append("territories", {"territory": "PRM Americas"})
		partner.save()
		# an invalidation that did not happen: the context of before the change is back in Redis
		frappe.cache.hset(CONTEXT, self.partner, stale)
		self.new_request()
		with self.assertRaises(frappe.ValidationError) as ctx:
			reserve_as(self.user, a.name)
		self.assertIn("territory", str(ctx.exception))
		frappe.db.rollback()
		frappe.cache.hdel(CONTEXT, self.partner)
		# read at the partner's current row, the cached territories are taken (one query less)
		self.assertTrue(self.ask(a)["can_reserve"])  # the change was rolled back: caches the current row
		for partner_territories_read in (False, True):
			if partner_territories_read:
				frappe.cache.hdel(CONTEXT, self.partner)
			self.new_request()
			seen = []
			original = frappe.db.__class__.sql

			def traced(db, *args, _seen=seen, _original=original, **kwargs):
				result = _original(db, *args, **kwargs)
				_seen.append(str(db.last_query))
				return result

			frappe.db.__class__.sql = traced
			try:
				self.assertEqual(reserve_as(self.user, a.name).status, "Active")
			finally:
				frappe.db.__class__.sql = original
			frappe.db.rollback()
			self.assertEqual(
				any("tabChannel Partner Territory" in q for q in seen), partner_territories_read, seen
			)

	def test_a_renamed_territory_is_not_read_from_a_stale_context(self):
		"""Frappe rewrites links to a renamed node with plain SQL (the partner's ``modified`` stays):
		a context naming the old territory would leave the partner with no territory it can
		resolve, which the rules read as "everywhere". (Frappe's rename clears the whole site
		cache; the app's tree hook clears the partners' contexts again after the commit.)"""
		from prm_extension.tests.utils import make_partner

		h = frappe.generate_hash(length=5)
		region = frappe.get_doc(
			{"doctype": "Territory", "territory_name": f"PRM Hot Far {h}", "parent_territory": "PRM Americas"}
		).insert()
		partner = make_partner(f"PRM Hot Far Partner {h}", territories=[region.name], tier=self.tier).name
		user = user_of(partner)
		account = make_customer("PRM Hot Far", territory="PRM Germany")
		frappe.db.commit()
		try:
			frappe.set_user(user)
			self.assertEqual(check_availability(query=account.customer_name)["status"], "restricted")
			frappe.set_user("Administrator")
			frappe.rename_doc("Territory", region.name, f"PRM Hot Far {h} Renamed")
			frappe.db.commit()
			self.new_request()
			frappe.set_user(user)
			self.assertEqual(check_availability(query=account.customer_name)["status"], "restricted")
			frappe.set_user("Administrator")
			with self.assertRaises(frappe.ValidationError):
				reserve_as(user, account.name)
		finally:
			frappe.set_user("Administrator")
			frappe.db.rollback()
