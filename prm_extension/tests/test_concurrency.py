"""Two partners request the same account at the same moment: exactly one wins.

Each request runs in its own thread with its own database connection and commits, as two web
workers would. The guarantee comes from the database: row locks on the partner and the family
root, a locking read of live reservations, and a unique index on the live claim.
"""

from __future__ import annotations

import threading

import frappe
from frappe.tests.test_api import FrappeAPITestCase

from prm_extension.tests.utils import (
	PRMTestCase,
	change_settings,
	ensure_channel,
	make_customer,
	purge,
	user_of,
)

BETA, GAMMA = "PRM Test Beta", "PRM Test Gamma"


def _in_thread(site, sites_path, user, fn, barrier, results, idx):
	"""One web worker: its own connection, starts with the others, commits or rolls back."""
	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()
	try:
		frappe.set_user(user)
		barrier.wait(timeout=30)
		outcome = fn()
		frappe.db.commit()
		results[idx] = ("won", outcome)
	except Exception as e:
		frappe.db.rollback()
		# a refusal the client can act on: a ValidationError (HTTP 4xx), not a deadlock (HTTP 500)
		results[idx] = ("refused", type(e).__name__, str(e), isinstance(e, frappe.ValidationError))
	finally:
		frappe.destroy()


def race(calls) -> list:
	"""Run ``calls`` — (user, function) pairs — at the same moment, each in its own thread."""
	barrier = threading.Barrier(len(calls))
	results = [None] * len(calls)
	threads = [
		threading.Thread(
			target=_in_thread,
			args=(frappe.local.site, frappe.local.sites_path, user, fn, barrier, results, i),
		)
		for i, (user, fn) in enumerate(calls)
	]
	for t in threads:
		t.start()
	for t in threads:
		t.join(60)
	return results


def _reserve(customer):
	return lambda: frappe.get_doc({"doctype": "Account Reservation", "customer": customer}).insert().name


def _decide_deal(name):
	def run():
		from prm_extension.api.deals import decide

		decide(name, "Approve")
		return name

	return run


def _decide_claim(name):
	def run():
		from prm_extension.api.incentives import decide_claim

		decide_claim(name, "Approve")
		return name

	return run


class TestConcurrentReservations(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()
		cls.created = []

	@classmethod
	def tearDownClass(cls):
		purge(cls.created)
		super().tearDownClass()

	def race(self, customers: list[str]) -> list:
		frappe.db.commit()  # the other connections must see the customers
		users = [user_of(BETA), user_of(GAMMA)]
		return race([(users[i % 2], _reserve(c)) for i, c in enumerate(customers)])

	def test_same_account_same_scope_exactly_one_wins(self):
		for _round in range(5):
			cust = make_customer("PRM Race").name
			self.created.append(cust)
			results = self.race([cust, cust])
			won = [r for r in results if r and r[0] == "won"]
			refused = [r for r in results if r and r[0] == "refused"]
			self.assertEqual(len(won), 1, results)
			self.assertEqual(len(refused), 1, results)
			self.assertEqual(refused[0][1], "ReservationRefused", results)
			live = frappe.db.count(
				"Account Reservation", {"customer": cust, "status": ("in", ("Active", "Requested"))}
			)
			self.assertEqual(live, 1)

	def test_parent_and_subsidiary_at_once_exactly_one_wins(self):
		for _round in range(3):
			parent = make_customer("PRM Race Group", territory="PRM World").name
			child = make_customer("PRM Race Sub", parent=parent, territory="PRM Germany").name
			self.created += [child, parent]
			results = self.race([parent, child])
			self.assertEqual(sorted(r[0] for r in results), ["refused", "won"], results)

	def test_unique_index_refuses_an_identical_live_claim(self):
		"""Even a write that skipped the rules cannot create a second identical live claim."""
		cust = make_customer("PRM Dup").name
		self.created.append(cust)
		first = frappe.get_doc(
			{"doctype": "Account Reservation", "customer": cust, "channel_partner": BETA}
		).insert()
		clone = frappe.copy_doc(first)
		clone.channel_partner = GAMMA
		clone.status = "Active"
		clone.live_key = first.live_key
		clone.set_new_name()
		with self.assertRaises(frappe.ValidationError) as ctx:
			clone.db_insert()
		self.assertIn("a moment ago", str(ctx.exception))


class TestConcurrentApprovals(PRMTestCase):
	"""Two managers approve two conflicting registrations at the same moment: the first approved
	wins, the other is refused (locking reads under the customer's family lock)."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def test_exactly_one_of_two_conflicting_registrations_is_approved(self):
		from prm_extension.tests.utils import register_as

		cust = make_customer("PRM Race Deal").name
		# Under the "wait" policy both can be submitted; whichever is approved first wins.
		with change_settings(
			"PRM Settings", {"deal_conflict_policy": "Wait until the earlier one closes"}, commit=True
		):
			first = register_as(user_of(BETA), cust)
			second = register_as(user_of(GAMMA), cust)
		# Make neither the earlier submission, so only the approval order decides.
		frappe.db.set_value("Deal Registration", second.name, "submitted_on", first.submitted_on)
		frappe.db.set_value("Deal Registration", first.name, "submitted_on", first.submitted_on)
		frappe.db.commit()
		try:
			results = race([("Administrator", _decide_deal(n)) for n in (first.name, second.name)])
			self.assertEqual(sorted(r[0] for r in results), ["refused", "won"], results)
			statuses = frappe.get_all("Deal Registration", {"customer": cust}, pluck="status")
			self.assertEqual(sorted(statuses), ["Approved", "Submitted"])
		finally:
			purge([cust])


class TestConcurrentClaims(PRMTestCase):
	"""Two claims approved at the same moment against one allocation never overspend it."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def test_concurrent_approvals_never_overspend(self):
		from prm_extension.tests.utils import allocate, make_program

		prog = make_program(requires_preapproval=0, proof_required=0, budget=5000)
		alloc = allocate(prog.name, BETA, 1000)
		claims = []
		frappe.set_user(user_of(BETA))
		for _i in range(2):
			claims.append(
				frappe.get_doc({"doctype": "Incentive Claim", "program": prog.name, "actual_cost": 1200})
				.insert()
				.name
			)  # 50 % share: 600 each; together more than the 1,000 allocated
		frappe.set_user("Administrator")
		# A race at submission let both through (each checked the balance before the other was saved).
		for name in claims:
			frappe.db.set_value("Incentive Claim", name, "status", "Submitted")
		frappe.db.commit()
		try:
			results = race([("Administrator", _decide_claim(n)) for n in claims])
			self.assertEqual(sorted(r[0] for r in results), ["refused", "won"], results)
			approved = frappe.db.sql(
				"select sum(approved_amount) from `tabIncentive Claim` where fund_allocation = %s and docstatus = 1",
				alloc.name,
			)[0][0]
			self.assertEqual(approved, 600)
			refused = next(r for r in results if r[0] == "refused")
			self.assertIn("available balance", refused[2])
		finally:
			for name in claims:
				claim = frappe.get_doc("Incentive Claim", name)
				if claim.docstatus == 1:
					claim.cancel()
			frappe.db.delete("Incentive Claim Reference", {"parent": ("in", claims)})
			frappe.db.delete("Incentive Claim", {"name": ("in", claims)})
			frappe.db.delete("Fund Allocation", {"name": alloc.name})
			frappe.delete_doc("Incentive Program", prog.name, force=True)
			frappe.db.commit()


def _submit_claim(name):
	def run():
		from prm_extension.api.incentives import submit_claim

		submit_claim(name)
		return name

	return run


def _insert_claim(user: str, values: dict) -> str:
	current = frappe.session.user
	frappe.set_user(user)
	try:
		return frappe.get_doc({"doctype": "Incentive Claim", **values}).insert().name
	finally:
		frappe.set_user(current)


def _drop_program(prog: str) -> None:
	"""Delete a test program with its allocations, MDF requests and claims (payouts cancelled). Commits."""
	frappe.set_user("Administrator")
	claims = frappe.get_all("Incentive Claim", {"program": prog}, pluck="name")
	for name in claims:
		claim = frappe.get_doc("Incentive Claim", name)
		if claim.docstatus == 1:
			claim.cancel()
	for table in ("Incentive Claim Reference", "Incentive Claim Proof"):
		frappe.db.delete(table, {"parent": ("in", claims or [""])})
	frappe.db.delete("Incentive Claim", {"program": prog})
	frappe.db.delete("MDF Request", {"program": prog})
	frappe.db.delete("PRM Claim Summary", {"program": prog})
	frappe.db.delete("Fund Allocation", {"program": prog})
	frappe.delete_doc("Incentive Program", prog, force=True)
	frappe.db.commit()


def _documents_total(allocation: str) -> dict:
	"""What the allocation's documents add up to, summed here independently of the engine."""
	claims = frappe.db.sql(
		"""select
			coalesce(sum(case when docstatus = 0 and status = 'Submitted' and coalesce(mdf_request, '') = ''
				then claimed_amount end), 0),
			coalesce(sum(case when docstatus = 1 then approved_amount end), 0)
		from `tabIncentive Claim` where fund_allocation = %s""",
		allocation,
	)[0]
	committed = frappe.db.sql(
		"""select coalesce(sum(approved_amount), 0) from `tabMDF Request`
		where fund_allocation = %s and docstatus = 1 and status = 'Approved'""",
		allocation,
	)[0][0]
	return {"committed": float(committed), "requested": float(claims[0]), "approved": float(claims[1])}


def _stored_totals(allocation: str) -> dict:
	row = frappe.db.get_value(
		"Fund Allocation",
		allocation,
		["committed_amount", "requested_amount", "approved_amount", "allocated_amount", "available_amount"],
		as_dict=True,
	)
	return {
		"committed": float(row.committed_amount),
		"requested": float(row.requested_amount),
		"approved": float(row.approved_amount),
		"available": float(row.available_amount),
		"allocated": float(row.allocated_amount),
	}


class TestConcurrentClaimSubmissions(PRMTestCase):
	"""One partner's users submit claims at the same moment against one allocation: together they
	never hold more than it, the refused ones get a clear error, and the totals stored on the
	allocation (what lists and the portal show) equal what its documents add up to."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def test_parallel_submissions_never_commit_more_than_the_allocation(self):
		from prm_extension.tests.utils import allocate, make_program

		users = [user_of(BETA), user_of(BETA, "user")]
		for _round in range(5):
			prog = make_program(requires_preapproval=0, proof_required=0, budget=5000)
			try:
				alloc = allocate(prog.name, BETA, 1000).name
				# 50 % of 600: ten claims of 300 against 1,000
				claims = [
					_insert_claim(users[i % 2], {"program": prog.name, "actual_cost": 600}) for i in range(10)
				]
				frappe.db.commit()
				results = race([(users[i % 2], _submit_claim(n)) for i, n in enumerate(claims)])
				won = [r for r in results if r and r[0] == "won"]
				refused = [r for r in results if r and r[0] == "refused"]
				self.assertEqual((len(won), len(refused)), (3, 7), results)
				for r in refused:
					self.assertTrue(r[3], r)  # a ValidationError (HTTP 417), never a deadlock
					self.assertIn("available balance", r[2], r)
				docs = _documents_total(alloc)
				self.assertEqual(docs["requested"], 900)
				stored = _stored_totals(alloc)
				self.assertEqual(
					{k: stored[k] for k in docs}, docs, f"round {_round}: stored {stored}, documents {docs}"
				)
				self.assertEqual(stored["available"], 100)
			finally:
				_drop_program(prog.name)


class TestConcurrentMDFClaims(PRMTestCase):
	"""One approved MDF request is reimbursed at most once, however claims on it race."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def _approved_request(self, prog: str) -> str:
		from frappe.utils import add_days, nowdate

		from prm_extension.api.incentives import decide_mdf_request, submit_mdf_request

		frappe.set_user(user_of(BETA))
		try:
			name = (
				frappe.get_doc(
					{
						"doctype": "MDF Request",
						"program": prog,
						"activity_type": "Event",
						"activity_name": "Partner summit",
						"start_date": add_days(nowdate(), -10),
						"end_date": add_days(nowdate(), -9),
						"estimated_cost": 2000,
						"requested_amount": 1000,
						"plan": "Half-day summit",
					}
				)
				.insert()
				.name
			)
			submit_mdf_request(name)
		finally:
			frappe.set_user("Administrator")
		decide_mdf_request(name, "Approve")
		return name

	def test_two_claims_on_one_request_submitted_at_once(self):
		from prm_extension.tests.utils import allocate, make_program

		users = [user_of(BETA), user_of(BETA, "user")]
		for _round in range(3):
			prog = make_program(requires_preapproval=1, proof_required=0, budget=5000)
			try:
				alloc = allocate(prog.name, BETA, 3000).name
				req = self._approved_request(prog.name)
				claims = [
					_insert_claim(u, {"program": prog.name, "mdf_request": req, "actual_cost": 1000})
					for u in users
				]  # 500 each, both within the 1,000 pre-approved
				frappe.db.commit()
				results = race([(u, _submit_claim(n)) for u, n in zip(users, claims, strict=True)])
				self.assertEqual(sorted(r[0] for r in results), ["refused", "won"], results)
				refused = next(r for r in results if r[0] == "refused")
				self.assertTrue(refused[3], refused)
				self.assertIn("Already claimed", refused[2])
				live = frappe.db.count("Incentive Claim", {"mdf_request": req, "status": "Submitted"})
				self.assertEqual(live, 1)
				docs = _documents_total(alloc)
				self.assertEqual({k: v for k, v in _stored_totals(alloc).items() if k in docs}, docs)
			finally:
				_drop_program(prog.name)

	def test_two_live_claims_on_one_request_approved_at_once(self):
		from prm_extension.tests.utils import allocate, make_program

		for _round in range(3):
			prog = make_program(requires_preapproval=1, proof_required=0, budget=5000)
			try:
				alloc = allocate(prog.name, BETA, 3000).name
				req = self._approved_request(prog.name)
				claims = [
					_insert_claim(
						user_of(BETA), {"program": prog.name, "mdf_request": req, "actual_cost": 1000}
					)
					for _i in range(2)
				]
				# A write that skipped the submission rules let both wait for a decision.
				for name in claims:
					frappe.db.set_value("Incentive Claim", name, "status", "Submitted")
				frappe.db.commit()
				results = race([("Administrator", _decide_claim(n)) for n in claims])
				self.assertEqual(sorted(r[0] for r in results), ["refused", "won"], results)
				refused = next(r for r in results if r[0] == "refused")
				self.assertTrue(refused[3], refused)
				approved = frappe.get_all(
					"Incentive Claim", {"mdf_request": req, "docstatus": 1}, pluck="approved_amount"
				)
				self.assertEqual(approved, [500])
				self.assertEqual(frappe.db.get_value("MDF Request", req, "status"), "Claimed")
				docs = _documents_total(alloc)
				self.assertEqual({k: v for k, v in _stored_totals(alloc).items() if k in docs}, docs)
			finally:
				_drop_program(prog.name)


class TestConcurrentProspectApprovals(PRMTestCase):
	"""Two partners register the same new prospect (no customer yet); two managers approve both at
	the same moment: one is approved, the other refused with a clear error (no deadlock)."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def _drop(self, names: list[str]) -> None:
		frappe.set_user("Administrator")
		for d in frappe.get_all(
			"Deal Registration", {"name": ("in", names)}, ["name", "opportunity", "prospect", "pricing_rule"]
		):
			if d.pricing_rule:
				frappe.delete_doc("Pricing Rule", d.pricing_rule, force=True)
			if d.opportunity:
				frappe.db.delete("Opportunity Item", {"parent": d.opportunity})
				frappe.db.delete("Opportunity", {"name": d.opportunity})
			if d.prospect:
				frappe.delete_doc("Prospect", d.prospect, force=True)
			for table in ("Deal Registration Item", "Deal Registration Check", "Deal Registration Document"):
				frappe.db.delete(table, {"parent": d.name})
			frappe.db.delete("Deal Registration", {"name": d.name})
		frappe.db.commit()

	def test_exactly_one_of_two_conflicting_prospects_is_approved(self):
		from prm_extension.tests.utils import register_as

		for _round in range(3):
			prospect = f"PRM Race Prospect {frappe.generate_hash(length=8)}"
			values = {
				"prospect_name": prospect,
				"prospect_domain": f"{prospect.split()[-1]}.example.com",
				"deal_territory": "PRM Germany",
			}
			with change_settings(
				"PRM Settings", {"deal_conflict_policy": "Wait until the earlier one closes"}, commit=True
			):
				first = register_as(user_of(BETA), **values)
				second = register_as(user_of(GAMMA), **values)
			names = [first.name, second.name]
			try:
				frappe.db.set_value("Deal Registration", second.name, "submitted_on", first.submitted_on)
				frappe.db.commit()
				results = race([("Administrator", _decide_deal(n)) for n in names])
				for r in results:
					if r[0] == "refused":
						self.assertTrue(r[3], r)  # a clear refusal, not a deadlock (HTTP 500)
				if sorted(r[0] for r in results) == ["refused", "refused"]:
					# the database chose the registration that takes precedence as the deadlock's
					# victim, and the other one's checks then saw it still open: the victim's refusal
					# asks the manager to decide again, which approves it
					crossed = [n for n, r in zip(names, results, strict=True) if r[1] == "ApprovalConflict"]
					self.assertEqual(len(crossed), 1, results)
					frappe.db.rollback()
					self.assertEqual(_decide_deal(crossed[0])(), crossed[0])
					frappe.db.commit()
				else:
					self.assertEqual(sorted(r[0] for r in results), ["refused", "won"], results)
				statuses = frappe.get_all("Deal Registration", {"name": ("in", names)}, pluck="status")
				self.assertEqual(sorted(statuses), ["Approved", "Submitted"])
			finally:
				self._drop(names)


class TestSalesDocumentsSubmittedInOneCall(FrappeAPITestCase):
	"""A Sales Invoice created already submitted in one REST call (``docstatus: 1``, as
	integrations and Data Import do) is attributed to the registered deal's Sales Partner and
	linked to it, like one saved as a draft and submitted afterwards."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def test_invoice_inserted_submitted_over_rest_is_attributed(self):
		from frappe.utils import add_days, nowdate

		from prm_extension.api.deals import decide
		from prm_extension.tests.utils import company, register_as

		cust = make_customer("PRM One Call").name
		deal = register_as(user_of(BETA), cust).name
		decide(deal, "Approve")
		frappe.db.commit()
		invoice = None
		try:
			r = self.post(
				self.resource("Sales Invoice"),
				{
					"sid": self.sid,
					"customer": cust,
					"company": company(),
					"posting_date": nowdate(),
					"due_date": add_days(nowdate(), 30),
					"docstatus": 1,
					"items": [{"item_code": "PRM-SRV-100", "qty": 2, "rate": 900}],
				},
			)
			self.assertEqual(r.status_code, 200, r.text)
			invoice = r.json["data"]["name"]
			frappe.db.commit()  # read what the request committed, not this connection's snapshot
			si = frappe.db.get_value(
				"Sales Invoice",
				invoice,
				[
					"docstatus",
					"sales_partner",
					"prm_deal_registration",
					"commission_rate",
					"total_commission",
				],
				as_dict=True,
			)
			sales_partner = frappe.db.get_value("Channel Partner", BETA, "sales_partner")
			self.assertTrue(sales_partner)
			self.assertEqual(
				(si.docstatus, si.sales_partner, si.prm_deal_registration), (1, sales_partner, deal)
			)
			rate = frappe.db.get_value("Sales Partner", sales_partner, "commission_rate")
			self.assertEqual(si.commission_rate, rate)
			self.assertAlmostEqual(si.total_commission, 1800 * (rate or 0) / 100, places=2)
			reg = frappe.get_doc("Deal Registration", deal)
			self.assertEqual((reg.status, reg.won_amount), ("Won", 1800))
			self.assertEqual(
				[(d.document_type, d.document_name) for d in reg.documents], [("Sales Invoice", invoice)]
			)
		finally:
			frappe.db.rollback()
			if invoice and frappe.db.get_value("Sales Invoice", invoice, "docstatus") == 1:
				frappe.db.delete("Deal Registration Document", {"parent": deal})
				frappe.get_doc("Sales Invoice", invoice).cancel()
				frappe.db.commit()
			purge([cust])
