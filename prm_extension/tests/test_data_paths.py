"""Other ways in and out: Data Import obeys the rules, the workspace cards count the right rows,
and the demo command builds a channel."""

from __future__ import annotations

import json
import random

import frappe
from frappe.utils import add_days, nowdate

from prm_extension.tests.utils import PRMTestCase, ensure_channel, make_customer, purge, reserve_as, user_of

BETA, GAMMA = "PRM Test Beta", "PRM Test Gamma"


class TestDataImport(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def test_data_import_enforces_the_rules(self):
		taken = make_customer("PRM Imp")
		house = make_customer("PRM Imp House", prm_is_house_account=1)
		free = make_customer("PRM Imp Free")
		frappe.db.commit()  # the importer commits and rolls back per row
		csv = "\n".join(
			[
				"Channel Partner,Customer",
				f'"{BETA}","{taken.name}"',
				f'"{GAMMA}","{taken.name}"',
				f'"{GAMMA}","{house.name}"',
				f'"{GAMMA}","{free.name}"',
			]
		)
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"reservations-{frappe.generate_hash(length=6)}.csv",
				"content": csv,
				"is_private": 1,
			}
		).insert()
		data_import = frappe.get_doc(
			{
				"doctype": "Data Import",
				"import_type": "Insert New Records",
				"reference_doctype": "Account Reservation",
				"import_file": file.file_url,
			}
		).insert()
		frappe.db.commit()
		data_import.start_import()
		data_import.reload()
		self.assertEqual(data_import.status, "Partial Success")
		self.assertEqual(
			frappe.db.get_value(
				"Account Reservation", {"customer": taken.name, "status": "Active"}, "channel_partner"
			),
			BETA,
		)
		self.assertEqual(
			frappe.db.get_value("Account Reservation", {"customer": free.name}, "status"), "Active"
		)
		self.assertFalse(frappe.db.exists("Account Reservation", {"customer": house.name}))
		logs = frappe.get_all(
			"Data Import Log", {"data_import": data_import.name, "success": 0}, ["messages", "row_indexes"]
		)
		self.assertEqual(len(logs), 2)
		messages = " ".join(log.messages or "" for log in logs)
		self.assertIn("reserved by another partner", messages)
		self.assertIn("house account", messages)
		purge([taken.name, house.name, free.name])  # the importer committed


class TestWorkspaceCards(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def test_cards_count_what_they_say(self):
		from prm_extension.api.dashboard import refused_requests_this_month, reservations_expiring_soon

		before = reservations_expiring_soon()["value"]
		soon = reserve_as(user_of(BETA), make_customer().name)
		soon.db_set("expiry_date", add_days(nowdate(), 5))
		later = reserve_as(user_of(BETA), make_customer().name)
		later.db_set("expiry_date", add_days(nowdate(), 40))
		self.assertEqual(reservations_expiring_soon()["value"], before + 1)

		from prm_extension.api.accounts import reserve

		refused_before = refused_requests_this_month()["value"]
		frappe.set_user(user_of(GAMMA))
		self.assertFalse(reserve(soon.customer)["ok"])
		frappe.set_user("Administrator")
		self.assertEqual(refused_requests_this_month()["value"], refused_before + 1)

	def test_partner_sees_only_its_own_figures(self):
		from prm_extension.api.dashboard import reservations_expiring_soon

		res = reserve_as(user_of(GAMMA), make_customer().name)
		res.db_set("expiry_date", add_days(nowdate(), 3))
		frappe.set_user(user_of(BETA))
		beta_view = reservations_expiring_soon()["value"]
		frappe.set_user(user_of(GAMMA))
		gamma_view = reservations_expiring_soon()["value"]
		frappe.set_user("Administrator")
		total = reservations_expiring_soon()["value"]
		own = frappe.db.count(
			"Account Reservation",
			{
				"channel_partner": BETA,
				"status": "Active",
				"expiry_date": ("between", [nowdate(), add_days(nowdate(), 14)]),
			},
		)
		self.assertEqual(beta_view, own)
		self.assertGreaterEqual(total, beta_view + gamma_view)
		self.assertGreaterEqual(gamma_view, 1)

	def test_workspace_and_cards_are_installed(self):
		ws = frappe.get_doc("Workspace", "PRM")
		cards = {c.number_card_name for c in ws.number_cards}
		self.assertEqual(
			cards,
			{
				"Active Reservations",
				"Reservations Expiring in 14 Days",
				"Refused Requests This Month",
				"Active Channel Partners",
				"Deals Awaiting Approval",
				"Approved Pipeline Value",
				"Deals Won This Quarter",
				"Average Hours to Decide",
				"Claims Awaiting Approval",
				"Incentives Approved",
				"Partner Revenue This Quarter",
				"Partner Gross Margin This Quarter",
				"Deal Win Rate 12 Months",
				"Incentive Spend This Year",
				"Reservation Use",
				"Conflicts This Month",
			},
		)
		for card in cards:
			self.assertTrue(frappe.db.exists("Number Card", card))
		self.assertTrue(frappe.db.exists("Kanban Board", "Deal Registrations"))
		charts = {c.chart_name for c in ws.charts}
		self.assertEqual(len(charts), 8)
		for chart in charts:
			self.assertEqual(frappe.db.get_value("Dashboard Chart", chart, "chart_type"), "Custom")
		content = json.loads(ws.content)
		self.assertEqual(
			{b["data"]["number_card_name"] for b in content if b["type"] == "number_card"}, cards
		)
		self.assertEqual({b["data"]["chart_name"] for b in content if b["type"] == "chart"}, charts)


class TestDemoData(PRMTestCase):
	def test_demo_activities_lie_inside_their_program_whatever_the_date(self):
		from frappe.utils import getdate

		from prm_extension.demo.activity import activity_window

		# a program of the calendar year; on 7 December an activity three weeks ahead would end
		# in January, outside it, and the MDF request would be refused
		start, end = getdate("2026-01-01"), getdate("2026-12-31")
		for today, expected in (
			("2026-06-01", ("2026-06-21", "2026-06-26")),
			("2026-12-06", ("2026-12-26", "2026-12-31")),
			("2026-12-07", ("2026-12-26", "2026-12-31")),
			("2026-12-30", ("2026-12-30", "2026-12-31")),
			("2026-12-31", ("2026-12-31", "2026-12-31")),
			("2027-01-05", ("2026-12-31", "2026-12-31")),  # a program an earlier run made, ended
		):
			first, last = activity_window(start, end, today)
			self.assertEqual((str(first), str(last)), expected, today)
			self.assertTrue(start <= first <= last <= end, today)
		# a program that starts later than three weeks ahead: the activity waits for it
		self.assertEqual(
			activity_window("2026-08-01", "2026-12-31", "2026-06-01"),
			(getdate("2026-08-01"), getdate("2026-08-06")),
		)

	def test_demo_channel_builds_every_state(self):
		from prm_extension.demo.channel import customer_rows, make_demo

		rows = customer_rows(200, random.Random(1), start=10**6)
		names = {r["name"] for r in rows}
		children = [r for r in rows if r["prm_parent_customer"]]
		self.assertTrue(children, "families expected")
		self.assertTrue(all(r["prm_parent_customer"] in names for r in children))
		self.assertTrue(all(r["prm_root_customer"] in names for r in rows))

		result = make_demo(
			customers=frappe.db.count("Customer") + 300, partners=6, reservations=40, deals=40, seed=3
		)
		counts = result["reservations"]
		for status in ("Active", "Requested", "Expired", "Released", "Rejected"):
			self.assertGreater(counts[status], 0, status)
		self.assertEqual(len(result["partners"]), 6)
		# Same seed, same channel: a second run creates no partner.
		partners_before = frappe.db.count("Channel Partner")
		from prm_extension.demo.channel import make_partners

		self.assertEqual(make_partners(6, random.Random(3)), result["partners"])
		self.assertEqual(frappe.db.count("Channel Partner"), partners_before)
		for partner in result["partners"]:
			admin = frappe.db.get_value(
				"Channel Partner Member", {"partner_role": "Partner Admin", "parent": partner}, "user"
			)
			self.assertIn("Partner Admin", frappe.get_roles(admin))

		# activity through the real lifecycle: deals in several states, won ones invoiced with the
		# partner's Sales Partner, the summaries rebuilt, MDF requests, claims and announcements
		deals = result["activity"]["deals"]
		self.assertGreaterEqual(len(deals), 4, deals)
		self.assertGreater(deals.get("Won", 0), 0, deals)
		won = frappe.get_all(
			"Deal Registration",
			filters={"channel_partner": ("in", result["partners"]), "status": "Won"},
			fields=["name", "channel_partner", "won_on", "won_amount"],
		)
		self.assertTrue(won)
		for deal in won:
			invoices = frappe.get_all(
				"Deal Registration Document",
				filters={"parent": deal.name, "document_type": "Sales Invoice"},
				pluck="document_name",
			)
			self.assertTrue(invoices, deal.name)
			si = frappe.db.get_value(
				"Sales Invoice", invoices[0], ["docstatus", "sales_partner", "posting_date"], as_dict=True
			)
			self.assertEqual(si.docstatus, 1)
			self.assertEqual(
				si.sales_partner,
				frappe.db.get_value("Channel Partner", deal.channel_partner, "sales_partner"),
			)
			self.assertEqual(str(si.posting_date), str(deal.won_on))
			self.assertGreater(deal.won_amount, 0)
		self.assertTrue(
			frappe.db.exists("PRM Deal Summary", {"channel_partner": won[0].channel_partner, "status": "Won"})
		)
		self.assertTrue(frappe.db.exists("PRM Sales Summary", {"channel_partner": won[0].channel_partner}))
		self.assertGreater(result["activity"]["mdf_requests"], 0)
		# bonus claims computed from the won registrations (a second run on the same site finds the
		# period claimed already: the rules refuse a claim over the same deals again)
		claims = frappe.get_all(
			"Incentive Claim",
			filters={
				"channel_partner": ("in", result["partners"]),
				"program": ("like", "PRM Demo Deal Bonus%"),
			},
			fields=["status", "claimed_amount"],
		)
		self.assertTrue(claims)
		self.assertTrue(all(c.claimed_amount > 0 for c in claims), claims)
		self.assertTrue(
			frappe.db.exists("Item Price", {"item_code": "DEMO-ST-10", "price_list": "PRM Demo Gold"})
		)


class TestManagerAccess(PRMTestCase):
	def test_prm_manager_reaches_what_the_forms_need(self):
		email = "channel.manager@prm-vendor.example.com"
		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": "Channel",
					"roles": [{"role": "PRM Manager"}],
				}
			).insert(ignore_permissions=True)
		cust = make_customer()
		frappe.set_user(email)
		try:
			self.assertTrue(frappe.has_permission("Customer", "write", cust.name))
			self.assertTrue(frappe.has_permission("Territory", "read"))
			self.assertTrue(frappe.has_permission("Account Reservation", "create"))
			res = frappe.get_doc(
				{"doctype": "Account Reservation", "customer": cust.name, "channel_partner": BETA}
			).insert()
			self.assertEqual(res.status, "Active")
			self.assertIn(res.name, frappe.get_list("Account Reservation", pluck="name", limit_page_length=0))
		finally:
			frappe.set_user("Administrator")
