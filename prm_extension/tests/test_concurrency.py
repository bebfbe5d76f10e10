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


def _request(site, sites_path, user, customer, barrier, results, idx):
	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()
	try:
		frappe.set_user(user)
		barrier.wait(timeout=30)
		doc = frappe.get_doc({"doctype": "Account Reservation", "customer": customer}).insert()
		frappe.db.commit()
		results[idx] = ("won", doc.name)
	except Exception as e:
		frappe.db.rollback()
		results[idx] = ("refused", type(e).__name__, str(e))
	finally:
		frappe.destroy()


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
		barrier = threading.Barrier(len(customers))
		results = [None] * len(customers)
		threads = [
			threading.Thread(
				target=_request,
				args=(
					frappe.local.site,
					frappe.local.sites_path,
					users[i % 2],
					customers[i],
					barrier,
					results,
					i,
				),
			)
			for i in range(len(customers))
		]
		for t in threads:
			t.start()
		for t in threads:
			t.join(60)
		return results

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


def _approve(site, sites_path, name, barrier, results, idx):
	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		from prm_extension.api.deals import decide

		barrier.wait(timeout=30)
		decide(name, "Approve")
		frappe.db.commit()
		results[idx] = ("won", name)
	except Exception as e:
		frappe.db.rollback()
		results[idx] = ("refused", type(e).__name__, str(e))
	finally:
		frappe.destroy()


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
			barrier = threading.Barrier(2)
			results = [None, None]
			threads = [
				threading.Thread(
					target=_approve, args=(frappe.local.site, frappe.local.sites_path, n, barrier, results, i)
				)
				for i, n in enumerate((first.name, second.name))
			]
			for t in threads:
				t.start()
			for t in threads:
				t.join(60)
			self.assertEqual(sorted(r[0] for r in results), ["refused", "won"], results)
			statuses = frappe.get_all("Deal Registration", {"customer": cust}, pluck="status")
			self.assertEqual(sorted(statuses), ["Approved", "Submitted"])
		finally:
			purge([cust])
