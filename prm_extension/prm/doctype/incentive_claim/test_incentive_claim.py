"""Integration tests: incentive programs, allocations, MDF requests and claims on a real ERPNext
site — every validation, computed amounts from real submitted invoices and won deals, the
accounting documents and their reversal, isolation."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, flt, get_first_day, nowdate

from prm_extension.api.deals import decide
from prm_extension.api.incentives import (
	balances,
	decide_claim,
	decide_mdf_request,
	submit_claim,
	submit_mdf_request,
)
from prm_extension.jobs import compute_program_claims
from prm_extension.tests.utils import (
	PRMTestCase,
	allocate,
	company,
	ensure_channel,
	make_customer,
	make_partner,
	make_program,
	register_as,
	user_of,
)

ALPHA, BETA, GAMMA = "PRM Test Alpha", "PRM Test Beta", "PRM Test Gamma"
A, B, G = user_of(ALPHA), user_of(BETA), user_of(GAMMA)


def as_user(user, fn, *args, **kwargs):
	current = frappe.session.user
	frappe.set_user(user)
	try:
		return fn(*args, **kwargs)
	finally:
		frappe.set_user(current)


def insert_as(user, values):
	return as_user(user, lambda: frappe.get_doc(values).insert())


def proof_file() -> str:
	"""A private file uploaded by the session user (not yet attached to anything)."""
	f = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"proof-{frappe.generate_hash(length=6)}.txt",
			"content": "attendee list",
			"is_private": 1,
		}
	).insert()
	return f.file_url


def claim_summary(program: str) -> dict:
	"""The PRM Claim Summary of one program: {status: (claims, approved, paid)}."""
	rows = frappe.db.sql(
		"""select status, sum(claims), sum(approved_amount), sum(paid_amount)
		from `tabPRM Claim Summary` where program = %s group by status""",
		program,
	)
	return {r[0]: (int(r[1]), flt(r[2]), flt(r[3])) for r in rows}


class TestIncentives(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def setUp(self):
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")

	# --- programs and allocations --------------------------------------------------------------

	def test_allocations_never_exceed_the_budget(self):
		prog = make_program(budget=1000)
		allocate(prog.name, BETA, 600)
		with self.assertRaises(frappe.ValidationError) as ctx:
			allocate(prog.name, GAMMA, 500)
		self.assertIn("400", str(ctx.exception))
		allocate(prog.name, GAMMA, 400)
		with self.assertRaises(frappe.ValidationError):
			allocate(prog.name, BETA, 1, period_start=prog.start_date)  # overlapping period
		prog.total_budget = 900
		with self.assertRaises(frappe.ValidationError):
			prog.save()

	def test_ineligible_tier(self):
		prog = make_program(eligible_tiers=[{"tier": "PRM Test Gold"}])
		with self.assertRaises(frappe.ValidationError) as ctx:
			allocate(prog.name, ALPHA, 100)  # Alpha is Silver
		self.assertIn("tier is not eligible", str(ctx.exception))
		allocate(prog.name, BETA, 100)

	# --- MDF ----------------------------------------------------------------------------------------

	def _mdf_request(self, prog, amount=1000, cost=2000, user=B):
		doc = insert_as(
			user,
			{
				"doctype": "MDF Request",
				"program": prog.name,
				"activity_type": "Event",
				"activity_name": "Partner summit",
				"start_date": add_days(nowdate(), -10),
				"end_date": add_days(nowdate(), -9),
				"estimated_cost": cost,
				"requested_amount": amount,
				"plan": "Half-day summit for 40 IT buyers",
			},
		)
		as_user(user, submit_mdf_request, doc.name)
		return frappe.get_doc("MDF Request", doc.name)

	def _claim(self, prog, request=None, cost=1600, proofs=True, user=B, **values):
		return insert_as(
			user,
			{
				"doctype": "Incentive Claim",
				"program": prog.name,
				"mdf_request": request,
				"actual_cost": cost,
				"leads_generated": 12,
				# a partner attaches its own uploads (prm_extension/security/fields.py)
				"proofs": [{"attachment": as_user(user, proof_file), "description": "attendees"}]
				if proofs
				else [],
				**values,
			},
		)

	def test_mdf_request_claim_payout_and_reversal(self):
		prog = make_program(budget=5000, reimbursement_percentage=50, max_claim_amount=1500)
		alloc = allocate(prog.name, BETA, 2000)
		with self.assertRaises(frappe.ValidationError) as ctx:
			self._mdf_request(prog, amount=2500, cost=3000)
		self.assertIn("available balance", str(ctx.exception))
		req = self._mdf_request(prog, amount=1000)
		self.assertEqual(req.status, "Submitted")
		# Partial approval needs a reason.
		with self.assertRaises(frappe.MandatoryError):
			decide_mdf_request(req.name, "Approve", approved_amount=900)
		decide_mdf_request(req.name, "Approve", approved_amount=900, reason="Venue cost capped")
		req.reload()
		self.assertEqual((req.status, req.approved_amount, req.docstatus), ("Approved", 900, 1))
		bal = balances(BETA)
		mine = next(b for b in bal if b["name"] == alloc.name)
		self.assertEqual((mine["committed"], mine["available"]), (900, 1100))

		# The claim: 50 % of the 1,600 actual cost = 800, within the 900 pre-approved.
		with self.assertRaises(frappe.ValidationError) as ctx:
			as_user(B, submit_claim, self._claim(prog, req.name, proofs=False).name)
		self.assertIn("proof of performance", str(ctx.exception))
		claim = self._claim(prog, req.name)
		self.assertEqual(claim.claimed_amount, 800)
		as_user(B, submit_claim, claim.name)
		with self.assertRaises(frappe.ValidationError):
			decide_claim(claim.name, "Approve", approved_amount=850)  # more than claimed
		decide_claim(claim.name, "Approve")
		claim.reload()
		self.assertEqual(
			(claim.status, claim.approved_amount, claim.payout_doctype), ("Approved", 800, "Purchase Invoice")
		)
		self.assertEqual(frappe.db.get_value("MDF Request", req.name, "status"), "Claimed")
		self.assertEqual(claim_summary(prog.name), {"Approved": (1, 800, 0)})

		pi = frappe.get_doc("Purchase Invoice", claim.payout_document)
		supplier = frappe.db.get_value("Channel Partner", BETA, "supplier")
		self.assertEqual(
			(pi.docstatus, pi.supplier, pi.grand_total, pi.bill_no), (1, supplier, 800, claim.name)
		)
		self.assertEqual(
			(pi.items[0].expense_account, pi.items[0].cost_center), (prog.expense_account, prog.cost_center)
		)
		gl = frappe.get_all(
			"GL Entry", {"voucher_no": pi.name, "is_cancelled": 0}, ["account", "debit", "credit"]
		)
		self.assertIn((prog.expense_account, 800.0), [(g.account, flt(g.debit)) for g in gl])
		mine = next(b for b in balances(BETA) if b["name"] == alloc.name)
		self.assertEqual((mine["committed"], mine["approved"], mine["available"]), (0, 800, 1200))

		# Paid from the ledger.
		from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

		pe = get_payment_entry("Purchase Invoice", pi.name)
		pe.reference_no, pe.reference_date = "PRM-TEST", nowdate()
		pe.insert()
		pe.submit()
		claim.reload()
		self.assertEqual((claim.status, claim.paid_amount), ("Paid", 800))
		self.assertEqual(claim_summary(prog.name), {"Paid": (1, 800, 800)})  # paid through db_set
		with self.assertRaises(frappe.ValidationError) as ctx:
			claim.cancel()  # paid: cancel the payment first
		pe.cancel()
		claim.reload()
		self.assertEqual((claim.status, claim.paid_amount), ("Approved", 0))
		self.assertEqual(claim_summary(prog.name), {"Approved": (1, 800, 0)})
		claim.cancel()
		self.assertEqual(claim_summary(prog.name), {})  # a cancelled claim counts nowhere
		# the totals stored on the allocation (what balance lists read) followed every step
		from prm_extension.services import incentives as incentive_service

		stored = frappe.db.get_value("Fund Allocation", alloc.name, list(incentive_service.TOTALS))
		derived = incentive_service.balance(alloc.name)
		self.assertEqual(
			[flt(v) for v in stored],
			[flt(derived.committed), flt(derived.requested), flt(derived.approved), 0],
		)
		self.assertEqual(flt(derived.committed), 900)  # the MDF request is approved again
		self.assertEqual(
			flt(frappe.db.get_value("Fund Allocation", alloc.name, "available_amount")),
			flt(derived.available),
		)
		self.assertEqual(frappe.db.get_value("Purchase Invoice", pi.name, "docstatus"), 2)
		self.assertEqual(frappe.db.get_value("Incentive Claim", claim.name, "status"), "Cancelled")
		self.assertEqual(frappe.db.get_value("MDF Request", req.name, "status"), "Approved")

	def test_claim_validations(self):
		prog = make_program(budget=5000, requires_preapproval=0)
		allocate(prog.name, BETA, 1000)
		cases = [
			({"cost": 0}, "more than zero"),
			({"cost": 5000}, "available balance"),  # 50 % = 2,500 > 1,000
			(
				{"activity_start": add_days(nowdate(), -400), "activity_end": add_days(nowdate(), -399)},
				"within the program period",
			),
			({"currency": "EUR"}, "set by the rules"),  # the program's currency, never the partner's
		]
		for values, fragment in cases:
			with self.assertRaises(frappe.ValidationError, msg=values) as ctx:
				claim = self._claim(prog, **values)
				as_user(B, submit_claim, claim.name)
			self.assertIn(fragment, str(ctx.exception), values)
		# A claim after the deadline
		frappe.db.set_value("Incentive Program", prog.name, "claim_deadline", add_days(nowdate(), -1))
		frappe.clear_document_cache("Incentive Program", prog.name)
		with self.assertRaises(frappe.ValidationError) as ctx:
			as_user(B, submit_claim, self._claim(prog).name)
		self.assertIn("closed on", str(ctx.exception))

	def test_second_claim_for_the_same_activity_is_refused(self):
		prog = make_program(budget=5000)
		allocate(prog.name, BETA, 3000)
		req = self._mdf_request(prog, amount=1000)
		decide_mdf_request(req.name, "Approve")
		as_user(B, submit_claim, self._claim(prog, req.name, cost=1000).name)
		with self.assertRaises(frappe.ValidationError) as ctx:
			as_user(B, submit_claim, self._claim(prog, req.name, cost=800).name)
		self.assertIn("Already claimed", str(ctx.exception))

	def test_partner_cannot_claim_on_another_partners_allocation(self):
		prog = make_program()
		allocate(prog.name, GAMMA, 1000)
		with self.assertRaises(frappe.PermissionError):
			self._claim(prog, channel_partner=GAMMA)
		with self.assertRaises(frappe.ValidationError) as ctx:
			self._claim(prog)  # Beta has no allocation in this program
		self.assertIn("no fund allocation", str(ctx.exception))

	def test_journal_entry_payout(self):
		prog = make_program(budget=5000, requires_preapproval=0, payout_via="Journal Entry")
		allocate(prog.name, BETA, 1000)
		claim = self._claim(prog, cost=600)
		as_user(B, submit_claim, claim.name)
		decide_claim(claim.name, "Approve", approved_amount=250, reason="Only the venue is eligible")
		claim.reload()
		self.assertEqual(
			(claim.status, claim.approved_amount, claim.payout_doctype),
			("Partially Approved", 250, "Journal Entry"),
		)
		je = frappe.get_doc("Journal Entry", claim.payout_document)
		supplier = frappe.db.get_value("Channel Partner", BETA, "supplier")
		rows = {(a.account, a.party, flt(a.debit), flt(a.credit)) for a in je.accounts}
		payable = frappe.get_cached_value("Company", company(), "default_payable_account")
		self.assertEqual(rows, {(prog.expense_account, None, 250.0, 0.0), (payable, supplier, 0.0, 250.0)})
		claim.cancel()
		self.assertEqual(frappe.db.get_value("Journal Entry", je.name, "docstatus"), 2)

	def test_rejection_needs_a_reason_and_writes_no_ledger_entry(self):
		prog = make_program(requires_preapproval=0)
		allocate(prog.name, BETA, 1000)
		claim = self._claim(prog, cost=400)
		as_user(B, submit_claim, claim.name)
		with self.assertRaises(frappe.MandatoryError):
			decide_claim(claim.name, "Reject")
		decide_claim(claim.name, "Reject", reason="No proof of attendance")
		claim.reload()
		self.assertEqual((claim.status, claim.docstatus, claim.payout_document), ("Rejected", 0, None))
		self.assertFalse(frappe.db.exists("Purchase Invoice", {"bill_no": claim.name}))

	# --- computed programs -----------------------------------------------------------------------

	def _invoice(self, customer, items, partner=BETA, posting_date=None):
		si = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"customer": customer,
				"company": company(),
				"posting_date": posting_date or nowdate(),
				"set_posting_time": 1,
				"due_date": add_days(nowdate(), 30),
				"sales_partner": frappe.db.get_value("Channel Partner", partner, "sales_partner"),
				"items": [{"item_code": code, "qty": qty, "rate": rate} for code, qty, rate in items],
			}
		).insert()
		si.submit()
		return si

	def test_rebate_is_computed_from_submitted_invoices(self):
		prog = make_program(
			"Volume Rebate",
			budget=100000,
			bracket_mode="Retroactive",
			brackets=[{"threshold": 0, "rate_percent": 1}, {"threshold": 5000, "rate_percent": 3}],
			product_lines=[{"item_group": "PRM Hardware"}],
		)
		alloc = allocate(
			prog.name, BETA, 50000, period_start=add_days(nowdate(), -5), period_end=add_days(nowdate(), 5)
		)
		cust = make_customer().name
		self._invoice(
			cust, [("PRM-SRV-100", 3, 1000), ("PRM-SW-100", 10, 100)]
		)  # software is outside the program
		self._invoice(cust, [("PRM-SRV-200", 4, 1000)])
		self._invoice(cust, [("PRM-SRV-200", 5, 1000)], partner=GAMMA)  # another partner's revenue
		# What a partner types as the amount is refused; the rules compute it.
		with self.assertRaises(frappe.PermissionError) as ctx:
			insert_as(B, {"doctype": "Incentive Claim", "program": prog.name, "claimed_amount": 999999})
		self.assertIn("claimed_amount", str(ctx.exception))
		claim = insert_as(B, {"doctype": "Incentive Claim", "program": prog.name})
		# 7,000 of hardware revenue reaches the 3 % bracket: 210.
		self.assertEqual(claim.claimed_amount, 210)
		self.assertEqual(claim.fund_allocation, alloc.name)
		self.assertEqual([(r.reference_name, r.amount) for r in claim.references], [("PRM Servers", 7000)])
		as_user(B, submit_claim, claim.name)
		with self.assertRaises(frappe.ValidationError) as ctx:
			as_user(B, submit_claim, insert_as(B, {"doctype": "Incentive Claim", "program": prog.name}).name)
		self.assertIn("Already claimed", str(ctx.exception))

	def test_spiff_per_unit(self):
		prog = make_program(
			"SPIFF",
			budget=10000,
			spiff_rules=[
				{"item_code": "PRM-SRV-100", "amount_per_unit": 50},
				{"item_group": "PRM Software", "amount_per_unit": 5},
			],
		)
		allocate(
			prog.name, GAMMA, 5000, period_start=add_days(nowdate(), -5), period_end=add_days(nowdate(), 5)
		)
		# Other tests of this class invoice through the same partners in the same days: measure the increase.
		before = insert_as(G, {"doctype": "Incentive Claim", "program": prog.name}).claimed_amount
		cust = make_customer().name
		self._invoice(
			cust, [("PRM-SRV-100", 3, 1000), ("PRM-SW-100", 10, 100), ("PRM-SRV-200", 7, 10)], partner=GAMMA
		)
		claim = insert_as(G, {"doctype": "Incentive Claim", "program": prog.name})
		self.assertEqual(claim.claimed_amount - before, 3 * 50 + 10 * 5)

	def test_deal_bonus_from_won_registrations_and_rebate_run(self):
		prog = make_program("Registered-Deal Bonus", budget=10000, bonus_per_deal=100, bonus_percentage=2)
		# a partner of its own: other tests (and earlier runs on the same site) win deals for Beta
		partner = make_partner(f"PRM Bonus {frappe.generate_hash(length=6)}", tier="PRM Test Gold").name
		alloc = allocate(
			prog.name, partner, 5000, period_start=add_days(nowdate(), -5), period_end=add_days(nowdate(), -1)
		)
		deal = register_as(user_of(partner), make_customer().name)
		decide(deal.name, "Approve")
		deal.reload()
		deal.close("Won", "test", amount=3000)
		frappe.db.set_value("Deal Registration", deal.name, "won_on", add_days(nowdate(), -2))
		result = compute_program_claims(prog.name)
		self.assertEqual(result["created"], 1)
		claim = frappe.get_doc("Incentive Claim", {"fund_allocation": alloc.name})
		self.assertEqual((claim.status, claim.claimed_amount), ("Submitted", 100 + 60))
		self.assertEqual([r.reference_name for r in claim.references], [deal.name])
		self.assertEqual(compute_program_claims(prog.name), {"created": 0, "skipped": 1})  # idempotent

	def test_roi_report_against_hand_computed_figures(self):
		from prm_extension.prm.report.incentive_roi.incentive_roi import execute

		prog = make_program(requires_preapproval=0, budget=5000)
		alloc = allocate(
			prog.name, GAMMA, 2000, period_start=add_days(nowdate(), -3), period_end=add_days(nowdate(), 3)
		)
		claim = self._claim(prog, cost=1000, user=G)  # 50 % share: 500
		as_user(G, submit_claim, claim.name)
		decide_claim(claim.name, "Approve")
		cust = make_customer().name
		# the allocation's period counts the whole months it touches (the monthly sales summary)
		invoiced_before = frappe.db.sql(
			"""select coalesce(sum(base_net_total), 0) from `tabSales Invoice` where docstatus = 1 and sales_partner = %s
			and company = %s and posting_date between %s and %s""",
			(
				frappe.db.get_value("Channel Partner", GAMMA, "sales_partner"),
				company(),
				get_first_day(alloc.period_start),
				alloc.period_end,
			),
		)[0][0]
		self._invoice(cust, [("PRM-SRV-100", 4, 1000)], partner=GAMMA)
		_columns, rows = execute({"company": company(), "program": prog.name})
		self.assertEqual(len(rows), 1)
		row = rows[0]
		self.assertEqual(
			(row["channel_partner"], row["allocated"], row["approved"], row["paid"]), (GAMMA, 2000, 500, 0)
		)
		self.assertEqual(row["invoiced_revenue"], flt(invoiced_before) + 4000)
		self.assertAlmostEqual(row["roi"], round((flt(invoiced_before) + 4000) / 500, 2), places=2)
		# the workspace chart's figures for the program, from the claim summary
		from prm_extension.services import analytics

		scope = analytics.Scope.from_filters({"company": company(), "partner": GAMMA})
		spend = {r.program: r for r in analytics.incentive_spend(scope)}[prog.name]
		self.assertEqual((flt(spend.allocated), flt(spend.approved), flt(spend.paid)), (2000, 500, 0))
		# kept by every change, the summary equals one rebuilt from the claims
		from prm_extension.services import summaries

		before = frappe.db.sql(
			"select name, claims, approved_amount, paid_amount from `tabPRM Claim Summary` order by name"
		)
		summaries.rebuild_claims()
		after = frappe.db.sql(
			"select name, claims, approved_amount, paid_amount from `tabPRM Claim Summary` order by name"
		)
		self.assertEqual(before, after)

	# --- isolation -----------------------------------------------------------------------------

	def test_partners_see_only_their_own_money(self):
		prog = make_program(requires_preapproval=0)
		allocate(prog.name, BETA, 1000)
		gamma_alloc = allocate(prog.name, GAMMA, 1000)
		theirs = self._claim(prog, cost=200, user=G)
		frappe.set_user(B)
		self.assertNotIn(gamma_alloc.name, [b["name"] for b in balances()])
		self.assertNotIn(theirs.name, frappe.get_list("Incentive Claim", pluck="name", limit_page_length=0))
		self.assertFalse(frappe.has_permission("Fund Allocation", "read", gamma_alloc.name))
		with self.assertRaises(frappe.DoesNotExistError):
			submit_claim(theirs.name)
		with self.assertRaises(frappe.PermissionError):
			balances(GAMMA)
		self.assertIn(prog.name, frappe.get_list("Incentive Program", pluck="name", limit_page_length=0))
		# The partner reads its own claim, but not where the vendor booked the payout.
		frappe.set_user("Administrator")
		mine = self._claim(prog, cost=200)
		as_user(B, submit_claim, mine.name)
		decide_claim(mine.name, "Approve")
		frappe.set_user(B)
		own = frappe.get_doc("Incentive Claim", mine.name)
		own.apply_fieldlevel_read_permissions()
		self.assertEqual(
			(own.status, own.get("payout_document"), own.get("payout_doctype")), ("Approved", None, None)
		)
		# Drafts can be deleted by their partner; decided claims cannot.
		draft_claim = self._claim(prog, cost=100)
		frappe.delete_doc("Incentive Claim", draft_claim.name)
		self.assertFalse(frappe.db.exists("Incentive Claim", draft_claim.name))
		with self.assertRaises(frappe.ValidationError):
			frappe.delete_doc("Incentive Claim", mine.name)  # submitted: frappe refuses
		waiting = self._claim(prog, cost=100)
		submit_claim(waiting.name)
		with self.assertRaises(frappe.PermissionError):
			frappe.delete_doc("Incentive Claim", waiting.name)  # awaiting a decision: only drafts go
		draft = make_program_as_admin_draft()
		frappe.set_user(B)
		self.assertNotIn(draft, frappe.get_list("Incentive Program", pluck="name", limit_page_length=0))


def make_program_as_admin_draft() -> str:
	current = frappe.session.user
	frappe.set_user("Administrator")
	try:
		return make_program(status="Draft").name
	finally:
		frappe.set_user(current)
