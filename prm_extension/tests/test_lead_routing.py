"""Routing a vendor's Lead to a partner on a real site: rules from Lead Routing Rule records,
partners from Channel Partner, house accounts and holders from the reservation rules."""

from __future__ import annotations

import frappe

from prm_extension.api.leads import routing_preview
from prm_extension.tests.utils import (
	PRMTestCase,
	ensure_channel,
	make_customer,
	make_partner,
	reserve_as,
	user_of,
)


class TestLeadRouting(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()
		h = frappe.generate_hash(length=5)
		cls.cert = f"PRM Lead Cert {h}"  # only this class's partners hold it: other partners stay out
		top = int(frappe.db.sql("select ifnull(max(`rank`), 0) from `tabPartner Tier`")[0][0])
		cls.low = (
			frappe.get_doc({"doctype": "Partner Tier", "tier_name": f"PRM Lead Low {h}", "rank": top + 1})
			.insert()
			.name
		)
		cls.high = (
			frappe.get_doc({"doctype": "Partner Tier", "tier_name": f"PRM Lead High {h}", "rank": top + 2})
			.insert()
			.name
		)
		cls.europe_low = cls.partner(f"PRM Lead EU Low {h}", ["PRM Europe"], cls.low)
		cls.europe_high = cls.partner(f"PRM Lead EU High {h}", ["PRM Europe"], cls.high)
		cls.americas = cls.partner(f"PRM Lead AM {h}", ["PRM Americas"], cls.high)
		# this class's rule is the only enabled one while it runs (others are switched back on after)
		cls.switched_off = frappe.get_all("Lead Routing Rule", {"enabled": 1}, pluck="name")
		for name in cls.switched_off:
			frappe.db.set_value("Lead Routing Rule", name, "enabled", 0)
		cls.rule = frappe.get_doc(
			{
				"doctype": "Lead Routing Rule",
				"rule_name": f"PRM Lead Rule {h}",
				"priority": 0,
				"strategy": "Ranked",
				"certification": cls.cert,
			}
		).insert()
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.delete_doc("Lead Routing Rule", cls.rule.name, force=True)
		for name in cls.switched_off:
			frappe.db.set_value("Lead Routing Rule", name, "enabled", 1)
		frappe.db.commit()
		super().tearDownClass()

	@classmethod
	def partner(cls, name, territories, tier):
		doc = make_partner(name, territories=territories, tier=tier)
		doc.append("certifications", {"certification": cls.cert})
		doc.save()
		return doc.name

	def tearDown(self):
		frappe.set_user("Administrator")

	def lead(self, company, territory="PRM Germany", **values):
		return frappe.get_doc(
			{
				"doctype": "Lead",
				"first_name": "Casey",
				"company_name": company,
				"territory": territory,
				**values,
			}
		).insert(ignore_permissions=True)

	def test_the_rule_picks_the_highest_tier_covering_the_territory(self):
		answer = routing_preview(self.lead(f"Leadco {frappe.generate_hash(length=6)}").name)
		self.assertEqual(
			(answer["outcome"], answer["partner"], answer["rule"]),
			("partner", self.europe_high, self.rule.name),
		)
		reasons = {c["partner"]: c["reason"] for c in answer["considered"]}
		self.assertEqual(reasons[self.americas], "territory_not_covered")
		self.assertIsNone(reasons[self.europe_low])  # eligible, ranked below
		ours = (self.europe_low, self.europe_high, self.americas)
		self.assertFalse([c for c in answer["considered"] if c["partner"] not in ours and c["eligible"]])

	def test_a_lead_of_a_reserved_company_goes_to_the_holder(self):
		customer = make_customer("PRM Leadheld", territory="PRM Germany")
		reserve_as(user_of(self.europe_low), customer.name)
		answer = routing_preview(self.lead(customer.customer_name).name)
		self.assertEqual((answer["partner"], answer["reason"]), (self.europe_low, "holder"))

	def test_a_house_account_is_never_passed(self):
		customer = make_customer("PRM Leadhouse", territory="PRM Germany", prm_is_house_account=1)
		answer = routing_preview(self.lead(customer.customer_name).name)
		self.assertEqual((answer["outcome"], answer["partner"]), ("house", None))

	def test_no_eligible_partner_leaves_the_lead_with_the_manager(self):
		answer = routing_preview(
			self.lead(f"Leadco {frappe.generate_hash(length=6)}", territory="PRM World").name
		)
		self.assertEqual((answer["outcome"], answer["partner"]), ("manager", None))

	def test_partners_may_not_preview_and_rules_refuse_bad_numbers(self):
		lead = self.lead(f"Leadco {frappe.generate_hash(length=6)}")
		frappe.set_user(user_of(self.europe_high))
		with self.assertRaises(frappe.PermissionError):
			routing_preview(lead.name)
		frappe.set_user("Administrator")
		with self.assertRaises(frappe.DoesNotExistError):
			routing_preview("PRM-NO-SUCH-LEAD")
		bad = frappe.get_doc(
			{
				"doctype": "Lead Routing Rule",
				"rule_name": f"PRM Bad {frappe.generate_hash(length=5)}",
				"capacity": -1,
			}
		)
		with self.assertRaises(frappe.ValidationError) as ctx:
			bad.insert()
		self.assertIn("Open Passed Leads per Partner", str(ctx.exception))
