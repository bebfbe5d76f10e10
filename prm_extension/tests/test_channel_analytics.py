"""Channel analytics on a real site: the cards, charts, reports and the partner's own dashboard
against figures computed by hand on a known data set (three partners in two tiers made for the
test, so nothing else on the site falls in their scope)."""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.utils import nowdate

from prm_extension.api import dashboard
from prm_extension.api.accounts import reserve
from prm_extension.api.deals import decide
from prm_extension.prm.dashboard_chart_source.prm_channel_performance import (
	prm_channel_performance as chart_source,
)
from prm_extension.prm.report.channel_conflict_log import channel_conflict_log
from prm_extension.prm.report.channel_pipeline import channel_pipeline
from prm_extension.prm.report.partner_activity import partner_activity
from prm_extension.prm.report.partner_scorecard import partner_scorecard
from prm_extension.services import analytics, summaries
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
	reserve_as,
	user_of,
)

D = Decimal


def won_value(scope) -> Decimal:
	"""Reference for the deal summary's won value: the partner's registrations won in the period,
	in company currency, read straight from the registrations."""
	value = frappe.db.sql(
		f"""select sum({analytics.WON_BASE}) from `tabDeal Registration` dr
		where dr.status = 'Won' and dr.channel_partner = %(partner)s
		and dr.won_on between %(from_date)s and %(to_date)s""",
		{"partner": scope.partner, "from_date": scope.from_date, "to_date": scope.to_date},
	)[0][0]
	return Decimal(str(value or 0))


def make_tier(name: str, limit: int = 0) -> str:
	rank = int(frappe.db.sql("select ifnull(max(`rank`), 0) from `tabPartner Tier`")[0][0]) + 1
	return (
		frappe.get_doc(
			{
				"doctype": "Partner Tier",
				"tier_name": name,
				"rank": rank,
				"max_active_reservations": limit,
				"reservation_days": 90,
			}
		)
		.insert()
		.name
	)


class TestChannelAnalytics(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()
		frappe.set_user("Administrator")
		h = frappe.generate_hash(length=5)
		cls.tier_a = make_tier(f"PRM An A {h}", limit=10)
		cls.tier_b = make_tier(f"PRM An B {h}")
		cls.p1 = make_partner(f"PRM An One {h}", tier=cls.tier_a).name
		cls.p2 = make_partner(f"PRM An Two {h}", tier=cls.tier_b).name
		cls.p3 = make_partner(f"PRM An Three {h}", tier=cls.tier_a).name
		for code, rate in (("PRM-SRV-100", 600), ("PRM-SW-100", 100), ("PRM-SRV-200", 250)):
			frappe.db.set_value("Item", code, "valuation_rate", rate)
		frappe.clear_cache(doctype="Item")
		cust = make_customer().name
		# P1: servers 2 x 1000 (cost 2 x 600) and software 1 x 500 (cost 100): 2,500 revenue, 1,300 cost
		make_invoice(cust, [("PRM-SRV-100", 2, 1000), ("PRM-SW-100", 1, 500)], partner=cls.p1)
		make_invoice(cust, [("PRM-SRV-100", 7, 1111)], partner=cls.p1, submit=False)  # a draft: nothing
		# P2: 3 x 400 (cost 3 x 250): 1,200 revenue, 750 cost
		make_invoice(cust, [("PRM-SRV-200", 3, 400)], partner=cls.p2)
		# P3: submitted, then cancelled: nothing left
		make_invoice(cust, [("PRM-SRV-100", 9, 1111)], partner=cls.p3).cancel()
		# P1 deals: won (1,500), lost, rejected, and one waiting; 2,000 registered each
		u1 = user_of(cls.p1)
		won = register_as(u1, make_customer().name)
		decide(won.name, "Approve")
		frappe.get_doc("Deal Registration", won.name).close("Won", amount=1500)
		lost = register_as(u1, make_customer().name)
		decide(lost.name, "Approve")
		frappe.get_doc("Deal Registration", lost.name).close("Lost", reason="Budget cut", actor="partner")
		rejected = register_as(u1, make_customer().name)
		decide(rejected.name, "Reject", reason="Duplicate of a direct deal")
		register_as(u1, make_customer().name)
		# P1 holds two reservations; P3 is refused a house account
		reserve_as(u1, make_customer().name)
		reserve_as(u1, make_customer().name)
		house = make_customer(prm_is_house_account=1).name
		cls.refusal = as_user(user_of(cls.p3), reserve, house)
		frappe.db.commit()
		cls.today = nowdate()

	def setUp(self):
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")
		clear_partner_cache()

	def scope(self, **kw):
		return analytics.Scope.from_filters({"from_date": self.today, "to_date": self.today, **kw})

	# --- sales -------------------------------------------------------------------------------------

	def test_revenue_cost_and_margin_by_partner(self):
		rows = {r.grp: r for r in analytics.sales_by(self.scope(tier=self.tier_a), "Partner")}
		self.assertEqual((D(str(rows[self.p1].revenue)), D(str(rows[self.p1].cost))), (D("2500"), D("1300")))
		self.assertEqual(rows[self.p1].margin_percentage, D("48.0"))
		self.assertEqual(D(str(rows.get(self.p3).revenue if self.p3 in rows else 0)), D("0"))  # cancelled
		self.assertNotIn(self.p2, rows)  # other tier
		lines = {
			r.grp: D(str(r.revenue)) for r in analytics.sales_by(self.scope(partner=self.p1), "Product Line")
		}
		self.assertEqual(lines, {"PRM Servers": D("2000"), "PRM Software": D("500")})
		tiers = {r.grp: D(str(r.revenue)) for r in analytics.sales_by(self.scope(partner=self.p2), "Tier")}
		self.assertEqual(tiers, {self.tier_b: D("1200")})
		total = analytics.sales_total(self.scope(partner=self.p2))
		self.assertEqual(
			(total["revenue"], total["margin"], total["margin_percentage"]), (D("1200"), D("450"), D("37.5"))
		)

	def test_rebuild_gives_the_same_summary(self):
		def ours():
			return {
				(p, r.grp): (D(str(r.revenue)), D(str(r.cost)))
				for p in (self.p1, self.p2, self.p3)
				for r in analytics.sales_by(self.scope(partner=p), "Product Line")
			}

		before = ours()
		written = summaries.rebuild_sales(from_date=self.today, to_date=self.today)
		self.assertGreater(written, 0)
		after = ours()
		# the rebuild drops the zero rows a cancellation leaves; every figure is the same
		self.assertEqual(
			{k: v for k, v in before.items() if v != (0, 0)}, {k: v for k, v in after.items() if v != (0, 0)}
		)

	# --- deals ---------------------------------------------------------------------------------------

	def test_pipeline_counts_values_and_win_rate(self):
		rows = analytics.pipeline_by(self.scope(partner=self.p1), "Partner")
		self.assertEqual(len(rows), 1)
		r = rows[0]
		self.assertEqual((r.registered, r.approved, r.won, r.lost, r.rejected), (4, 2, 1, 1, 1))
		self.assertEqual(
			(D(str(r.registered_value)), D(str(r.approved_value)), D(str(r.won_value))),
			(D("8000"), D("4000"), D("1500")),
		)
		self.assertEqual(r.win_rate, D("50.0"))
		self.assertEqual(won_value(self.scope(partner=self.p1)), D("1500"))
		self.assertEqual(analytics.won_total(self.scope(partner=self.p1)), D("1500"))  # the summary
		by_line = analytics.pipeline_by(self.scope(partner=self.p1), "Product Line")
		self.assertEqual([(x.grp, x.registered) for x in by_line], [("PRM Servers", 4)])

	def test_deal_summary_follows_every_path_and_equals_a_rebuild(self):

		summaries.rebuild_deals()  # from what the site holds now; then every change below follows it
		partner = make_partner(f"PRM An Paths {frappe.generate_hash(length=5)}").name

		def figures():
			return analytics.pipeline_total(self.scope(partner=partner))

		base = figures()["registered"]
		u2 = user_of(partner)
		# returned to the partner (submitted once, counted), then deleted by a manager
		returned = register_as(u2, make_customer().name)
		decide(returned.name, "Return", reason="Add the decision maker")
		self.assertEqual(figures()["registered"], base + 1)
		with self.assertRaises(frappe.PermissionError):  # partners delete drafts only
			as_user(u2, frappe.delete_doc, "Deal Registration", returned.name)
		frappe.delete_doc("Deal Registration", returned.name)
		self.assertEqual(figures()["registered"], base)
		# won, then the invoice behind it cancelled: back to Approved through db_set
		deal = register_as(u2, make_customer().name)
		decide(deal.name, "Approve")
		frappe.get_doc("Deal Registration", deal.name).close("Won", amount=900)
		self.assertEqual((figures()["won"], won_value(self.scope(partner=partner))), (1, D("900")))
		doc = frappe.get_doc("Deal Registration", deal.name)
		doc.db_set({"status": "Approved", "won_on": None, "won_amount": 0})
		self.assertEqual(figures()["won"], 0)
		# cancelled: counted nowhere
		doc = frappe.get_doc("Deal Registration", deal.name)
		doc.flags.ignore_permissions = True
		doc.cancel()
		self.assertEqual(figures()["registered"], base)

		def table():
			return frappe.db.sql(
				"""select name, registrations, registered_value, won_value, decided, decision_hours
				from `tabPRM Deal Summary` order by name"""
			)

		before = table()
		self.assertGreater(summaries.rebuild_deals(), 0)
		self.assertEqual(before, table())

	# --- conflicts, reservations, activity ----------------------------------------------------------

	def test_conflicts_reservation_use_and_activity(self):
		self.assertFalse(self.refusal["ok"])
		self.assertEqual(
			analytics.conflicts_by_rule(self.scope(partner=self.p3)),
			[{"source": "Account Reservation", "rule": "house_account", "count": 1}],
		)
		use = analytics.reservation_use(self.scope(tier=self.tier_a))
		self.assertEqual((use["capacity"], use["live"], use["percentage"]), (20, 2, 10.0))
		act = {r.channel_partner: r for r in analytics.activity(self.scope(tier=self.tier_a))}
		self.assertEqual(
			(act[self.p1].registrations, act[self.p1].reservations, act[self.p1].users), (4, 2, 2)
		)
		self.assertEqual((act[self.p3].registrations, act[self.p3].reservations), (0, 1))

	def test_conflicts_and_spend_follow_tier_and_territory(self):
		"""Refused reservations get the deal checks' scope (partner, tier, territory, product line):
		a tier- or territory-filtered conflict log, its chart and card never mix in other tiers'
		or territories' refusals; incentive spend follows the partner's tier and home territory."""
		from prm_extension.tests.utils import allocate, make_program

		france = make_customer(territory="PRM France", prm_is_house_account=1).name
		refused = as_user(user_of(self.p2), reserve, france)  # tier B, an account in France
		self.assertFalse(refused["ok"])
		mine, theirs = refused["reservation"], self.refusal["reservation"]  # theirs: tier A, Germany

		def log(**kw):
			return {
				r.record
				for r in analytics.conflict_log(self.scope(**kw))
				if r.source == "Account Reservation"
			}

		self.assertEqual(log(tier=self.tier_b), {mine})
		self.assertIn(theirs, log(tier=self.tier_a))
		self.assertNotIn(mine, log(tier=self.tier_a))
		self.assertIn(mine, log(territory="PRM France"))
		self.assertNotIn(theirs, log(territory="PRM France"))
		self.assertEqual(log(tier=self.tier_b, territory="PRM Europe"), {mine})
		self.assertEqual(log(tier=self.tier_b, territory="PRM Americas"), set())
		self.assertEqual(
			analytics.conflicts_by_rule(self.scope(tier=self.tier_b)),
			[{"source": "Account Reservation", "rule": "house_account", "count": 1}],
		)
		# the report, the workspace card and chart read the same scope
		filters = {"from_date": self.today, "to_date": self.today}
		_cols, data, _msg, chart = channel_conflict_log.execute({**filters, "tier": self.tier_b})[:4]
		self.assertEqual([r.record for r in data], [mine])
		self.assertEqual(chart["data"]["datasets"][0]["values"], [1])
		_cols, data = channel_conflict_log.execute(
			{**filters, "tier": self.tier_b, "territory": "PRM Americas"}
		)[:2]
		self.assertEqual(data, [])
		self.assertEqual(dashboard.conflicts({**filters, "tier": self.tier_b})["value"], 1)
		self.assertEqual(
			dashboard.conflicts({**filters, "tier": self.tier_b, "territory": "PRM USA"})["value"], 0
		)
		data = chart_source.get(filters={"metric": "Conflicts", **filters, "tier": self.tier_b})
		self.assertEqual((data["labels"], data["datasets"][0]["values"]), (["house_account"], [1]))

		program = make_program(budget=5000).name
		allocate(program, self.p1, 1200)  # tier A, home territory PRM World

		def allocated(**kw):
			rows = {r.program: r for r in analytics.incentive_spend(self.scope(**kw))}
			return D(str(rows[program].allocated or 0))

		self.assertEqual(allocated(), D("1200"))
		self.assertEqual(allocated(tier=self.tier_a), D("1200"))
		self.assertEqual(allocated(tier=self.tier_b), D("0"))
		self.assertEqual(allocated(territory="PRM World"), D("1200"))
		self.assertEqual(allocated(territory="PRM Europe"), D("0"))

	# --- reports, cards, charts ---------------------------------------------------------------------

	def test_reports(self):
		filters = {"from_date": self.today, "to_date": self.today, "tier": self.tier_a}
		cols, data, _msg, chart = channel_pipeline.execute({**filters, "group_by": "Partner"})[:4]
		self.assertEqual([(r["group"], r["registered"], r["won"]) for r in data], [(self.p1, 4, 1)])
		self.assertEqual(chart["data"]["datasets"][2]["values"], [1500.0])
		_cols, data, _msg, chart = partner_scorecard.execute(filters)[:4]
		rows = {r.channel_partner: r for r in data}
		self.assertEqual(set(rows), {self.p1, self.p3})
		self.assertEqual(
			(rows[self.p1].revenue, rows[self.p1].margin, rows[self.p1].win_rate),
			(D("2500"), D("1200"), D("50.0")),
		)
		_cols, data, _msg, chart = channel_conflict_log.execute({**filters, "partner": self.p3})[:4]
		self.assertEqual([(r.record, r.rule) for r in data], [(self.refusal["reservation"], "house_account")])
		_cols, data, _msg, _chart, summary = partner_activity.execute(filters)
		self.assertEqual({r.channel_partner for r in data}, {self.p1, self.p3})
		self.assertEqual(summary[0]["value"], 2)

	def test_cards_and_charts(self):
		f = {"partner": self.p1}
		self.assertEqual(dashboard.partner_revenue(f)["value"], 2500.0)
		self.assertEqual(dashboard.partner_margin_percentage(f)["value"], 48.0)
		self.assertEqual(dashboard.win_rate(f)["value"], 50.0)
		self.assertEqual(dashboard.reservation_use({"tier": self.tier_a})["value"], 10.0)
		self.assertEqual(dashboard.conflicts({"partner": self.p3})["value"], 1)
		data = chart_source.get(
			filters={
				"metric": "Revenue and Margin",
				"group_by": "Partner",
				"tier": self.tier_a,
				"from_date": self.today,
				"to_date": self.today,
			}
		)
		values = dict(zip(data["labels"], data["datasets"][0]["values"], strict=True))
		self.assertEqual(values[self.p1], 2500.0)
		data = chart_source.get(filters={"metric": "Pipeline", "group_by": "Tier", "partner": self.p1})
		self.assertEqual(data["labels"], [self.tier_a])

	def test_bad_filters(self):
		for bad in (
			{"from_date": "yesterday-ish"},
			{"partner": "No Such Partner"},
			{"tier": ["x"]},
			{"from_date": "2026-02-01", "to_date": "2026-01-01"},
		):
			with self.assertRaises(frappe.ValidationError, msg=str(bad)):
				analytics.Scope.from_filters(bad)
		with self.assertRaises(frappe.ValidationError):
			analytics.sales_by(self.scope(), "Customer; drop table x")
		with self.assertRaises(frappe.ValidationError):
			chart_source.get(filters={"metric": "Everything"})
		with self.assertRaises(frappe.ValidationError):
			dashboard.win_rate({"period": "Forever"})

	# --- isolation -------------------------------------------------------------------------------------

	def test_partners_get_only_their_own_figures(self):
		u2 = user_of(self.p2)
		for fn in (dashboard.partner_revenue, dashboard.win_rate, dashboard.conflicts):
			with self.assertRaises(frappe.PermissionError):
				as_user(u2, fn, {"partner": self.p1})
		with self.assertRaises(frappe.PermissionError):
			as_user(u2, chart_source.get, filters={"metric": "Pipeline"})
		status, html = page("/partner", user_of(self.p1, "user"))
		self.assertEqual(status, 200)
		self.assertIn('id="prm-perf-registered" data-value="4"', html)
		self.assertIn('id="prm-perf-won" data-value="1"', html)
		self.assertIn("50 %", html)
		status, html = page("/partner", u2)
		self.assertIn('id="prm-perf-registered" data-value="0"', html)
		self.assertNotIn("2,500", html)

	def test_changes_are_published_to_desk_users(self):
		if hasattr(frappe.local, "_realtime_log"):
			del frappe.local._realtime_log  # what earlier tests left unflushed
		other = make_partner(f"PRM An Live {frappe.generate_hash(length=5)}").name
		doc = register_as(user_of(other), make_customer().name, submit=False)
		events = [entry for entry in frappe.local._realtime_log if entry[0] == "prm_channel_update"]
		self.assertTrue(events)
		event, message, room = events[-1][:3]
		self.assertEqual(message, {"doctype": "Deal Registration"})
		self.assertEqual(room, "all")  # the site room: System Users only, never portal users
		self.assertTrue(doc.name)
