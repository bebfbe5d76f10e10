"""Tier evaluation on a real site: measures from submitted Sales Invoices, won registrations and
certifications; proposals recorded for a PRM Manager; approval sets the tier; partners see their
own progress and reviews only."""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.utils import add_days, add_months, nowdate

from prm_extension.api import tiers as tiers_api
from prm_extension.api.deals import decide
from prm_extension.services import tiers as tiers
from prm_extension.services.partners import clear_partner_cache
from prm_extension.tests.test_portal_catalog import page
from prm_extension.tests.utils import (
	PRMTestCase,
	as_user,
	ensure_channel,
	make_customer,
	make_invoice,
	make_partner,
	register_as,
	user_of,
)

SILVER, GOLD = "PRM Test Silver", "PRM Test Gold"
THRESHOLDS = ("min_invoiced_revenue", "min_won_deals", "min_certifications")


def won_deal(partner: str, won_on=None) -> str:
	doc = register_as(user_of(partner), make_customer().name)
	decide(doc.name, "Approve")
	frappe.get_doc("Deal Registration", doc.name).close("Won", amount=1000)
	if won_on:
		frappe.db.set_value("Deal Registration", doc.name, "won_on", won_on)
	return doc.name


class TestTierEvaluation(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()
		cls.saved = {t.name: t for t in frappe.get_all("Partner Tier", fields=["name", *THRESHOLDS])}
		for name in cls.saved:
			# tiers of other tests are out of reach, so only Silver and Gold compete
			values = {"min_invoiced_revenue": 0, "min_won_deals": 10**6, "min_certifications": 0}
			if name == SILVER:
				values = {"min_invoiced_revenue": 0, "min_won_deals": 0, "min_certifications": 0}
			if name == GOLD:
				values = {"min_invoiced_revenue": 10000, "min_won_deals": 2, "min_certifications": 1}
			frappe.db.set_value("Partner Tier", name, values)
		frappe.db.set_single_value("PRM Settings", "tier_evaluation_months", 12)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		for name, row in cls.saved.items():
			frappe.db.set_value("Partner Tier", name, {f: row.get(f) or 0 for f in THRESHOLDS})
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		self.partner = make_partner(f"PRM Tier {frappe.generate_hash(length=6)}", tier=SILVER).name

	def tearDown(self):
		frappe.set_user("Administrator")
		clear_partner_cache()

	def _qualify_for_gold(self, partner: str):
		customer = make_customer().name
		make_invoice(customer, [("PRM-SRV-100", 6, 1000)], partner=partner)  # 6,000
		make_invoice(customer, [("PRM-SW-100", 5, 1000)], partner=partner)  # 5,000
		won_deal(partner)
		won_deal(partner)
		doc = frappe.get_doc("Channel Partner", partner)
		doc.append("certifications", {"certification": "Network Associate", "person": "A. Admin"})
		doc.save()

	def test_measures_count_only_the_window_and_the_partner(self):
		partner = self.partner
		self._qualify_for_gold(partner)
		customer = make_customer().name
		make_invoice(
			customer, [("PRM-SRV-100", 50, 1000)], partner=partner, posting_date=add_months(nowdate(), -13)
		)
		make_invoice(customer, [("PRM-SRV-100", 9, 1000)], partner=partner, submit=False)  # a draft
		other = make_partner(f"PRM Tier Else {frappe.generate_hash(length=6)}", tier=SILVER).name
		make_invoice(customer, [("PRM-SRV-100", 7, 1000)], partner=other)  # another partner
		won_deal(partner, won_on=add_days(nowdate(), -400))  # won before the window
		doc = frappe.get_doc("Channel Partner", partner)
		doc.append("certifications", {"certification": "Expired", "valid_until": add_days(nowdate(), -1)})
		doc.save()
		start, end = tiers.window()
		self.assertEqual(str(start), add_months(nowdate(), -12))
		m = tiers.measures([partner], start, end)[partner]
		self.assertEqual((m.revenue, m.won_deals, m.certifications), (Decimal("11000"), 2, 1))

	def test_promotion_is_proposed_once_and_approval_sets_the_tier(self):
		partner = self.partner
		self._qualify_for_gold(partner)
		counts = tiers.run_evaluation()
		self.assertGreaterEqual(counts["Promotion"], 1)
		tiers.run_evaluation()  # a rerun refreshes the open proposal
		reviews = frappe.get_all(
			"Partner Tier Review",
			filters={"channel_partner": partner},
			fields=[
				"name",
				"status",
				"current_tier",
				"proposed_tier",
				"direction",
				"invoiced_revenue",
				"won_deals",
			],
		)
		self.assertEqual(len(reviews), 1)
		review = reviews[0]
		self.assertEqual(
			(review.status, review.current_tier, review.proposed_tier, review.direction),
			("Proposed", SILVER, GOLD, "Promotion"),
		)
		self.assertEqual((review.invoiced_revenue, review.won_deals), (11000, 2))
		answer = tiers_api.decide(review.name, True)
		self.assertEqual((answer["status"], answer["tier"]), ("Approved", GOLD))
		self.assertEqual(frappe.db.get_value("Channel Partner", partner, "tier"), GOLD)
		doc = frappe.get_doc("Partner Tier Review", review.name)
		doc.status = "Rejected"
		doc.note = "changed my mind"
		with self.assertRaises(frappe.ValidationError):
			doc.save()
		# now Gold and still qualifying: nothing more to review
		tiers.run_evaluation()
		self.assertEqual(
			frappe.db.count("Partner Tier Review", {"channel_partner": partner, "status": "Proposed"}), 0
		)

	def test_demotion_and_withdrawal(self):
		partner = make_partner(f"PRM Tier Gold {frappe.generate_hash(length=6)}", tier=GOLD).name
		tiers.run_evaluation()
		review = frappe.get_value(
			"Partner Tier Review",
			{"channel_partner": partner, "status": "Proposed"},
			["name", "proposed_tier", "direction"],
			as_dict=True,
		)
		self.assertEqual((review.proposed_tier, review.direction), (SILVER, "Demotion"))
		self._qualify_for_gold(partner)
		tiers.run_evaluation()
		self.assertEqual(frappe.db.get_value("Partner Tier Review", review.name, "status"), "Withdrawn")
		self.assertEqual(frappe.db.get_value("Channel Partner", partner, "tier"), GOLD)

	def test_who_decides(self):
		partner = self.partner
		self._qualify_for_gold(partner)
		tiers.run_evaluation()
		name = frappe.db.get_value("Partner Tier Review", {"channel_partner": partner, "status": "Proposed"})
		with self.assertRaises(frappe.PermissionError):
			as_user(user_of(partner), tiers_api.decide, name, True)
		with self.assertRaises(frappe.MandatoryError):
			tiers_api.decide(name, False)
		# the partner's tier moved since the evaluation: the proposal is stale
		frappe.db.set_value("Channel Partner", partner, "tier", GOLD)
		with self.assertRaises(frappe.ValidationError):
			tiers_api.decide(name, True)
		frappe.db.set_value("Channel Partner", partner, "tier", SILVER)
		self.assertEqual(tiers_api.decide(name, False, "Not this quarter")["status"], "Rejected")
		self.assertEqual(frappe.db.get_value("Channel Partner", partner, "tier"), SILVER)

	def test_partner_sees_its_progress_and_only_its_reviews(self):
		partner = self.partner
		customer = make_customer().name
		make_invoice(customer, [("PRM-SRV-100", 4, 1000)], partner=partner)
		won_deal(partner)
		tiers.run_evaluation()
		other = make_partner(f"PRM Tier Other {frappe.generate_hash(length=6)}", tier=GOLD).name
		tiers.run_evaluation()
		self.assertTrue(frappe.db.exists("Partner Tier Review", {"channel_partner": other}))
		user = user_of(partner, "user")
		progress = as_user(user, tiers_api.my_progress)
		self.assertEqual((progress["tier"], progress["next_tier"]), (SILVER, GOLD))
		rows = {r["measure"]: r for r in progress["progress"]}
		self.assertEqual(
			(rows["revenue"]["have"], rows["revenue"]["need"]), (Decimal("4000"), Decimal("10000"))
		)
		self.assertEqual(rows["revenue"]["percent"], Decimal("40"))
		self.assertEqual((rows["won_deals"]["have"], rows["won_deals"]["need"]), (1, 2))
		self.assertEqual((rows["certifications"]["have"], rows["certifications"]["need"]), (0, 1))
		status, html = page("/partner", user)
		self.assertEqual(status, 200)
		self.assertIn('id="prm-tier-progress"', html)
		self.assertIn('data-measure="won_deals"', html)
		self.assertIn('aria-valuenow="40"', html)  # revenue 4,000 of 10,000
		admin = user_of(other)
		# the other partner holds Gold with nothing measured: its page says what keeps Gold
		keep = as_user(admin, tiers_api.my_progress)
		self.assertEqual((keep["tier"], keep["next_tier"], keep["keep"]), (GOLD, GOLD, True))
		status, html = page("/partner", admin)
		self.assertIn('id="prm-tier-keep"', html)
		seen = as_user(admin, frappe.get_list, "Partner Tier Review", pluck="channel_partner")
		self.assertEqual(set(seen), {other})
		mine = frappe.get_doc(
			"Partner Tier Review", frappe.db.get_value("Partner Tier Review", {"channel_partner": other})
		)
		foreign = frappe.get_all(
			"Partner Tier Review", filters={"channel_partner": ("!=", other)}, pluck="name", limit=1
		)
		self.assertTrue(as_user(admin, frappe.has_permission, "Partner Tier Review", "read", mine))
		self.assertFalse(as_user(admin, frappe.has_permission, "Partner Tier Review", "read", foreign[0]))
