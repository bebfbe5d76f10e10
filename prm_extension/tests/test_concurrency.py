"""Two partners request the same account at the same moment: exactly one wins.

Each request runs in its own thread with its own database connection and commits, as two web
workers would. The guarantee comes from the database: row locks on the partner and the family
root, a locking read of live reservations, and a unique index on the live claim.
"""

from __future__ import annotations

import threading

import frappe

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
		results[idx] = ("refused", type(e).__name__, str(e))
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
