"""Integration tests: every reservation rule on a real ERPNext site, enforced by the lifecycle."""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.utils import add_days, getdate, nowdate

from prm_extension.jobs import expire_reservations
from prm_extension.prm.doctype.account_reservation.account_reservation import ReservationRefused
from prm_extension.tests.utils import (
	PRMTestCase,
	change_settings,
	ensure_channel,
	make_customer,
	reserve_as,
	user_of,
)

ALPHA, BETA, GAMMA = "PRM Test Alpha", "PRM Test Beta", "PRM Test Gamma"
A_ADMIN, B_ADMIN, G_ADMIN = user_of(ALPHA), user_of(BETA), user_of(GAMMA)


class TestAccountReservation(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def setUp(self):
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")

	# --- the happy path -------------------------------------------------------------------------

	def test_partner_reserves_open_account(self):
		cust = make_customer()
		res = reserve_as(A_ADMIN, cust.name, product_line="PRM Servers")
		self.assertEqual(res.channel_partner, ALPHA)
		self.assertEqual(res.status, "Active")
		self.assertEqual(res.scope_territory, "PRM Germany")  # defaulted from the customer
		self.assertEqual(getdate(res.start_date), getdate(nowdate()))
		self.assertEqual(getdate(res.expiry_date), getdate(nowdate()) + timedelta(days=90))
		self.assertEqual(res.root_customer, cust.name)
		self.assertEqual(res.live_key, f"{cust.name}|PRM Germany|PRM Servers")
		self.assertEqual(res.decision_code, "granted")
		self.assertEqual(res.requested_by, A_ADMIN)

	# --- house accounts -----------------------------------------------------------------------

	def test_house_account_flag_is_refused(self):
		cust = make_customer(prm_is_house_account=1)
		with self.assertRaises(ReservationRefused) as ctx:
			reserve_as(B_ADMIN, cust.name)
		self.assertIn("house account", str(ctx.exception))
		self.assertFalse(frappe.db.exists("Account Reservation", {"customer": cust.name}))

	def test_subsidiary_of_house_account_is_house(self):
		parent = make_customer(prm_is_house_account=1)
		child = make_customer(parent=parent.name)
		with self.assertRaises(ReservationRefused):
			reserve_as(B_ADMIN, child.name)
		with change_settings("PRM Settings", {"house_inherits_to_subsidiaries": 0}):
			self.assertEqual(reserve_as(B_ADMIN, child.name).status, "Active")

	def test_house_account_rule_by_customer_group_subtree(self):
		cust = make_customer(group="PRM Strategic")
		settings = frappe.get_single("PRM Settings")
		settings.append(
			"house_account_rules", {"customer_group": "PRM Enterprise", "description": "Enterprise"}
		)
		settings.save()
		try:
			with self.assertRaises(ReservationRefused):
				reserve_as(B_ADMIN, cust.name)
		finally:
			settings.reload()
			settings.house_account_rules = []
			settings.save()
		self.assertEqual(reserve_as(B_ADMIN, cust.name).status, "Active")

	# --- one live reservation per account and scope ---------------------------------------------

	def test_second_partner_is_refused_without_learning_who(self):
		cust = make_customer()
		first = reserve_as(B_ADMIN, cust.name)
		with self.assertRaises(ReservationRefused) as ctx:
			reserve_as(G_ADMIN, cust.name)
		message = str(ctx.exception)
		self.assertIn("reserved by another partner", message)
		self.assertNotIn(BETA, message)
		self.assertNotIn(first.name, message)
		self.assertNotIn(B_ADMIN, message)

	def test_same_partner_cannot_hold_twice(self):
		cust = make_customer()
		reserve_as(B_ADMIN, cust.name)
		with self.assertRaises(ReservationRefused) as ctx:
			reserve_as(B_ADMIN, cust.name)
		self.assertIn("already hold", str(ctx.exception))

	def test_disjoint_territories_coexist_nested_ones_conflict(self):
		cust = make_customer(territory="PRM Europe")
		reserve_as(B_ADMIN, cust.name, territory="PRM Germany")
		self.assertEqual(reserve_as(G_ADMIN, cust.name, territory="PRM France").status, "Active")
		with self.assertRaises(ReservationRefused):
			reserve_as(G_ADMIN, cust.name, territory="PRM Europe")  # contains Germany

	def test_disjoint_product_lines_coexist(self):
		cust = make_customer()
		reserve_as(B_ADMIN, cust.name, product_line="PRM Software")
		self.assertEqual(reserve_as(G_ADMIN, cust.name, product_line="PRM Hardware").status, "Active")
		with self.assertRaises(ReservationRefused):
			reserve_as(G_ADMIN, cust.name, product_line="PRM Products")

	# --- hierarchies -------------------------------------------------------------------------------

	def _family(self):
		group = make_customer("PRM Group")
		de = make_customer("PRM Group DE", parent=group.name)
		munich = make_customer("PRM Group Munich", parent=de.name)
		fr = make_customer("PRM Group FR", parent=group.name, territory="PRM France")
		return group, de, munich, fr

	def test_family_root_is_maintained(self):
		group, de, munich, fr = self._family()
		self.assertEqual(frappe.db.get_value("Customer", munich.name, "prm_root_customer"), group.name)
		# Re-parenting a subtree moves the whole subtree to the new family.
		other = make_customer("PRM Other Group")
		de.reload()
		de.prm_parent_customer = other.name
		de.save()
		self.assertEqual(frappe.db.get_value("Customer", munich.name, "prm_root_customer"), other.name)
		self.assertEqual(frappe.db.get_value("Customer", fr.name, "prm_root_customer"), group.name)

	def test_hierarchy_cycle_refused(self):
		group, de, munich, _fr = self._family()
		group.reload()
		group.prm_parent_customer = munich.name
		with self.assertRaises(frappe.ValidationError) as ctx:
			group.save()
		self.assertIn("circular", str(ctx.exception))

	def test_parent_reservation_covers_subsidiaries(self):
		group, de, munich, fr = self._family()
		reserve_as(B_ADMIN, group.name, territory="PRM World")
		with self.assertRaises(ReservationRefused) as ctx:
			reserve_as(G_ADMIN, munich.name)
		self.assertIn("parent company", str(ctx.exception))

	def test_subsidiary_reservation_blocks_parent_not_sibling(self):
		group, de, munich, fr = self._family()
		reserve_as(B_ADMIN, munich.name)
		with self.assertRaises(ReservationRefused) as ctx:
			reserve_as(G_ADMIN, group.name, territory="PRM World")
		self.assertIn("subsidiaries", str(ctx.exception))
		self.assertEqual(reserve_as(G_ADMIN, fr.name).status, "Active")

	def test_hierarchy_policies_are_configurable(self):
		group, de, munich, fr = self._family()
		reserve_as(B_ADMIN, munich.name)
		with change_settings("PRM Settings", {"hierarchy_policy": "Each account separately"}):
			self.assertEqual(reserve_as(G_ADMIN, de.name).status, "Active")
		with change_settings("PRM Settings", {"hierarchy_policy": "Whole corporate family"}):
			# France and Germany are disjoint territories: both may be held ...
			self.assertEqual(reserve_as(G_ADMIN, fr.name).status, "Active")
			# ... but a Europe-wide claim anywhere in the family overlaps Munich's.
			other = make_customer("PRM Group IT", parent=group.name)
			with self.assertRaises(ReservationRefused):
				reserve_as(G_ADMIN, other.name, territory="PRM Europe")

	# --- partner rules -------------------------------------------------------------------------

	def test_partner_must_be_authorised_for_territory_and_product_line(self):
		us = make_customer(territory="PRM USA")
		with self.assertRaises(ReservationRefused) as ctx:
			reserve_as(A_ADMIN, us.name, product_line="PRM Servers")
		self.assertIn("PRM USA", str(ctx.exception))
		de = make_customer()
		with self.assertRaises(ReservationRefused) as ctx:
			reserve_as(A_ADMIN, de.name, product_line="PRM Software")
		self.assertIn("product line", str(ctx.exception))
		with self.assertRaises(ReservationRefused):
			reserve_as(A_ADMIN, de.name)  # all product lines: more than Alpha may sell
		self.assertEqual(reserve_as(A_ADMIN, de.name, product_line="PRM Hardware").status, "Active")

	def test_suspended_partner_is_refused(self):
		partner = frappe.get_doc("Channel Partner", GAMMA)
		partner.status = "Suspended"
		partner.status_reason = "overdue certification"
		partner.save()
		try:
			with self.assertRaises(ReservationRefused) as ctx:
				reserve_as(G_ADMIN, make_customer().name)
			self.assertIn("Suspended", str(ctx.exception))
		finally:
			partner.reload()
			partner.status = "Active"
			partner.save()

	def test_tier_limit_of_active_reservations(self):
		# Alpha's tier (Silver) allows 3 live reservations.
		live = frappe.db.count(
			"Account Reservation", {"channel_partner": ALPHA, "status": ("in", ("Active", "Requested"))}
		)
		for _i in range(max(0, 3 - live)):
			reserve_as(A_ADMIN, make_customer().name, product_line="PRM Hardware")
		with self.assertRaises(ReservationRefused) as ctx:
			reserve_as(A_ADMIN, make_customer().name, product_line="PRM Hardware")
		self.assertIn("tier allows 3", str(ctx.exception))

	def test_partner_cannot_act_for_another_partner(self):
		cust = make_customer()
		with self.assertRaises(frappe.PermissionError):
			reserve_as(A_ADMIN, cust.name, channel_partner=BETA)
		self.assertFalse(frappe.db.exists("Account Reservation", {"customer": cust.name}))

	def test_partner_cannot_activate_or_edit_dates(self):
		cust = make_customer()
		with self.assertRaises(frappe.ValidationError):
			reserve_as(B_ADMIN, cust.name, status="Active")
		res = reserve_as(B_ADMIN, cust.name)
		frappe.set_user(B_ADMIN)
		res.expiry_date = add_days(res.expiry_date, 400)
		with self.assertRaises(frappe.PermissionError):
			res.save()

	# --- lifecycle ----------------------------------------------------------------------------

	def test_release_frees_the_account(self):
		cust = make_customer()
		res = reserve_as(B_ADMIN, cust.name)
		frappe.set_user(B_ADMIN)
		res.release()
		self.assertEqual((res.status, res.live_key), ("Released", None))
		self.assertEqual(str(res.released_on), nowdate())
		self.assertEqual(reserve_as(G_ADMIN, cust.name).status, "Active")

	def test_extension_limit(self):
		res = reserve_as(B_ADMIN, make_customer().name)
		before = getdate(res.expiry_date)
		frappe.set_user(B_ADMIN)
		res.extend("customer asked for a second demo")
		self.assertEqual(getdate(res.expiry_date), before + timedelta(days=30))
		self.assertEqual(res.extensions_used, 1)
		self.assertEqual(len(res.extensions), 1)
		with self.assertRaises(ReservationRefused) as ctx:
			res.extend("again")
		self.assertIn("all 1 extensions", str(ctx.exception))

	def test_expired_reservation_cannot_be_extended(self):
		res = reserve_as(B_ADMIN, make_customer().name)
		res.db_set("expiry_date", add_days(nowdate(), -1))
		expire_reservations()
		res.reload()
		frappe.set_user(B_ADMIN)
		with self.assertRaises(ReservationRefused):
			res.extend("too late")

	def test_expiry_job_is_idempotent_and_frees_accounts(self):
		cust = make_customer()
		res = reserve_as(B_ADMIN, cust.name)
		keep = reserve_as(B_ADMIN, make_customer().name)
		res.db_set("expiry_date", add_days(nowdate(), -1))
		keep.db_set("expiry_date", nowdate())  # expires tomorrow, not today
		self.assertGreaterEqual(expire_reservations(), 1)
		self.assertEqual(
			frappe.db.get_value("Account Reservation", res.name, ["status", "live_key"]), ("Expired", None)
		)
		self.assertEqual(frappe.db.get_value("Account Reservation", keep.name, "status"), "Active")
		self.assertEqual(expire_reservations(), 0)
		self.assertEqual(reserve_as(G_ADMIN, cust.name).status, "Active")

	def test_manual_approval_holds_the_account(self):
		cust = make_customer()
		with change_settings("PRM Settings", {"reservation_approval": "PRM Manager approval"}):
			res = reserve_as(B_ADMIN, cust.name)
			self.assertEqual(res.status, "Requested")
			self.assertIsNone(res.expiry_date)
			with self.assertRaises(ReservationRefused) as ctx:
				reserve_as(G_ADMIN, cust.name)
			self.assertIn("pending request", str(ctx.exception))
			from prm_extension.api.accounts import approve

			approve(res.name)
			res.reload()
			self.assertEqual(res.status, "Active")
			self.assertEqual(getdate(res.expiry_date), getdate(nowdate()) + timedelta(days=90))

	def test_a_new_scope_on_a_live_reservation_runs_every_rule(self):
		held = make_customer()
		reserve_as(G_ADMIN, held.name)
		res = reserve_as(B_ADMIN, make_customer().name)
		# a partner moves to another account or territory by releasing and reserving anew
		frappe.set_user(B_ADMIN)
		for field, value in (("customer", held.name), ("scope_territory", "PRM France")):
			doc = frappe.get_doc("Account Reservation", res.name)
			doc.set(field, value)
			with self.assertRaises(frappe.PermissionError, msg=field):
				doc.save()
		frappe.set_user("Administrator")
		# a manager's move is decided by the rules: onto a held account it is refused
		doc = frappe.get_doc("Account Reservation", res.name)
		doc.customer = held.name
		with self.assertRaises(ReservationRefused):
			doc.save()
		self.assertNotEqual(frappe.db.get_value("Account Reservation", res.name, "customer"), held.name)

	def test_approval_checks_the_rules_again(self):
		cust = make_customer()
		with change_settings("PRM Settings", {"reservation_approval": "PRM Manager approval"}):
			res = reserve_as(B_ADMIN, cust.name)
			self.assertEqual(res.status, "Requested")
			frappe.db.set_value("Customer", cust.name, "prm_is_house_account", 1)  # since requested
			from prm_extension.api.accounts import approve

			with self.assertRaises(ReservationRefused) as ctx:
				approve(res.name)
			self.assertIn("house account", str(ctx.exception))
			self.assertEqual(frappe.db.get_value("Account Reservation", res.name, "status"), "Requested")

	def test_manager_override_needs_a_reason(self):
		cust = make_customer()
		reserve_as(B_ADMIN, cust.name)
		values = {
			"doctype": "Account Reservation",
			"customer": cust.name,
			"channel_partner": GAMMA,
			"status": "Active",
		}
		with self.assertRaises(ReservationRefused):
			frappe.get_doc(values).insert()
		doc = frappe.get_doc({**values, "override_reason": "Customer's written preference"}).insert()
		self.assertEqual((doc.status, doc.decision_code), ("Active", "manager_override"))
		self.assertIn("Conflicts with", doc.decision_detail)
		# The overruled reservation is released, with a reason that names nobody.
		old = frappe.get_doc("Account Reservation", {"customer": cust.name, "channel_partner": BETA})
		self.assertEqual((old.status, old.decision_code, old.live_key), ("Released", "superseded", None))
		self.assertNotIn(GAMMA, old.decision_reason)
		self.assertTrue(
			frappe.db.exists(
				"Comment", {"reference_name": doc.name, "content": ("like", "%written preference%")}
			)
		)

	def test_partner_cannot_reinstate(self):
		res = reserve_as(B_ADMIN, make_customer().name)
		frappe.set_user(B_ADMIN)
		res.release()
		res.status = "Active"
		with self.assertRaises(frappe.ValidationError):
			res.save()

	def test_bad_input_names_the_problem(self):
		with self.assertRaises(frappe.ValidationError) as ctx:
			reserve_as(B_ADMIN, "No Such Customer 123")
		self.assertIn("No Such Customer 123", str(ctx.exception))
		cust = make_customer()
		with self.assertRaises(frappe.ValidationError) as ctx:
			reserve_as(B_ADMIN, cust.name, notes="x" * 2500)
		self.assertIn("2000", str(ctx.exception))
		self.assertFalse(frappe.db.exists("Account Reservation", {"customer": cust.name}))
