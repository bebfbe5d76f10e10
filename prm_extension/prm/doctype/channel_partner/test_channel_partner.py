"""Channel Partner: Sales Partner link, portal users and their roles, status lifecycle."""

from __future__ import annotations

import frappe

from prm_extension.tests.utils import PRMTestCase, ensure_channel, make_partner


class TestChannelPartner(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def _new(self, **kw):
		name = f"PRM Partner {frappe.generate_hash(length=6)}"
		slug = name.lower().replace(" ", "")
		members = kw.pop(
			"members",
			[
				{
					"email": f"boss@{slug}.example.com",
					"full_name": "Bo Boss",
					"partner_role": "Partner Admin",
				},
				{"email": f"rep@{slug}.example.com", "full_name": "Ray Rep", "partner_role": "Partner User"},
			],
		)
		return make_partner(name, members=members, **kw), slug

	def test_sales_partner_is_created_and_linked(self):
		partner, _slug = self._new(territories=["PRM Europe"])
		self.assertTrue(partner.sales_partner)
		sp = frappe.get_doc("Sales Partner", partner.sales_partner)
		self.assertEqual(
			(sp.partner_name, sp.territory, sp.commission_rate), (partner.partner_name, "PRM World", 5)
		)
		self.assertEqual(sp.prm_channel_partner, partner.name)

	def test_members_become_website_users_with_partner_roles(self):
		partner, slug = self._new()
		boss = frappe.get_doc("User", f"boss@{slug}.example.com")
		self.assertEqual(boss.user_type, "Website User")
		self.assertIn("Partner Admin", [r.role for r in boss.roles])
		self.assertIn("Partner User", [r.role for r in boss.roles])  # every member is a Partner User
		rep = frappe.get_doc("User", f"rep@{slug}.example.com")
		self.assertEqual({"Partner Admin", "Partner User"} & {r.role for r in rep.roles}, {"Partner User"})
		self.assertTrue(all(m.contact for m in partner.members))
		# Promote the rep, remove the boss.
		partner.reload()
		partner.members[1].partner_role = "Partner Admin"
		partner.remove(partner.members[0])
		partner.save()
		rep.reload()
		self.assertEqual(
			{"Partner Admin", "Partner User"} & {r.role for r in rep.roles}, {"Partner Admin", "Partner User"}
		)
		boss.reload()
		self.assertFalse({"Partner Admin", "Partner User"} & {r.role for r in boss.roles})

	def test_a_person_belongs_to_one_partner_only(self):
		_partner, slug = self._new()
		with self.assertRaises(frappe.ValidationError) as ctx:
			self._new(
				members=[
					{
						"email": f"rep@{slug}.example.com",
						"full_name": "Ray Rep",
						"partner_role": "Partner User",
					}
				]
			)
		self.assertIn("another channel partner", str(ctx.exception))

	def test_bad_member_email(self):
		with self.assertRaises(frappe.ValidationError) as ctx:
			self._new(members=[{"email": "not-an-email", "full_name": "X", "partner_role": "Partner User"}])
		self.assertIn("not a valid e-mail", str(ctx.exception))

	def test_status_lifecycle(self):
		partner, _slug = self._new(status="Active")
		partner.status = "Suspended"
		with self.assertRaises(frappe.ValidationError):
			partner.save()  # needs a reason
		partner.reload()
		partner.status = "Suspended"
		partner.status_reason = "Contract under review"
		partner.save()
		partner.status = "Terminated"
		partner.save()
		partner.status = "Active"
		with self.assertRaises(frappe.ValidationError) as ctx:
			partner.save()
		self.assertIn("Terminated", str(ctx.exception))
		partner.reload()
		# Terminated partners' people can no longer log in.
		self.assertFalse(frappe.db.get_value("User", partner.members[0].user, "enabled"))

	def test_a_desk_user_is_never_adopted_as_partner_member(self):
		email = f"desk.{frappe.generate_hash(length=6)}@vendor.example.com"
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": "Desk",
				"user_type": "System User",
				"roles": [{"role": "Sales User"}],
			}
		).insert(ignore_permissions=True)
		with self.assertRaises(frappe.ValidationError) as ctx:
			self._new(members=[{"email": email, "full_name": "Desk Person", "partner_role": "Partner Admin"}])
		self.assertIn("desk user", str(ctx.exception))
		self.assertEqual(frappe.db.get_value("User", email, "enabled"), 1)
