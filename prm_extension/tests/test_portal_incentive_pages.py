"""The incentives page pages through a partner's fund balances (a partner with hundreds of
allocations got them all on one page), and still offers requests and claims from any page."""

from __future__ import annotations

import frappe

from prm_extension.tests.test_portal_catalog import page
from prm_extension.tests.utils import (
	PRMTestCase,
	allocate,
	ensure_channel,
	make_partner,
	make_program,
	user_of,
)


class TestIncentivePages(PRMTestCase):
	def test_balances_are_paged(self):
		ensure_channel()
		frappe.set_user("Administrator")
		partner = make_partner(f"PRM Inc Pages {frappe.generate_hash(length=5)}").name
		other = make_partner(f"PRM Inc Other {frappe.generate_hash(length=5)}").name
		programs = [make_program(budget=1000) for _ in range(25)]
		mine = {allocate(prog.name, partner, 10).name for prog in programs}
		theirs = allocate(programs[0].name, other, 10).name
		user = user_of(partner)

		status, first = page("/partner/incentives", user)
		self.assertEqual(status, 200)
		self.assertEqual(first.count('<tr data-name="'), 20)
		self.assertIn("fund_page=2", first)
		for html in (first,):
			self.assertIn('id="prm-new-claim"', html)  # open allocations, whatever the page
			self.assertIn('id="prm-new-mdf"', html)
		status, second = page("/partner/incentives?fund_page=2", user)
		self.assertEqual(status, 200)
		self.assertEqual(second.count('<tr data-name="'), 5)
		self.assertNotIn("fund_page=3", second)
		self.assertIn('id="prm-new-claim"', second)
		shown = [
			line.split('data-name="')[1].split('"')[0]
			for html in (first, second)
			for line in html.split("<tr ")
			if line.startswith('data-name="')
		]
		self.assertEqual(sorted(shown), sorted(mine))  # every allocation once
		self.assertNotIn(theirs, first + second)  # none of another partner's

	def test_dates_format_as_frappe_does(self):
		import datetime

		from frappe.utils import formatdate

		from prm_extension.services.formatting import date

		frappe.local.prm_dates = None  # as a new request starts
		for value in (
			None,
			"",
			"2026-02-28",
			datetime.date(2025, 12, 31),
			datetime.datetime(2026, 1, 5, 13, 4),
		):
			self.assertEqual(date(value), formatdate(value) if value else "", value)
			self.assertEqual(date(value), formatdate(value) if value else "", value)  # from the memo
		# another date format (a user's own setting) is another key, never a stale answer
		frappe.local.user_date_format = "dd.mm.yyyy"
		try:
			self.assertEqual(date("2026-02-28"), "28.02.2026")
		finally:
			frappe.local.user_date_format = None

	def test_money_formats_as_frappe_does(self):
		from frappe.utils import fmt_money

		from prm_extension.services.formatting import money

		for currency in ("USD", "EUR", "INR", "JPY", None):
			for value in (0, -1.5, 1234.5, 1234567.891, 0.005):
				frappe.local.prm_money_defaults = None  # as a new request starts
				expected = fmt_money(value, currency=currency) if currency else fmt_money(value)
				self.assertEqual(money(value, currency), expected, (currency, value))
