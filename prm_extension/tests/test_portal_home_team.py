"""Partner portal home figures, news read state and team management, on a fresh partner whose
figures are computed by hand."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, nowdate

from prm_extension.api import portal
from prm_extension.api.deals import decide
from prm_extension.prm.doctype.partner_announcement.test_partner_announcement import announce
from prm_extension.services import home
from prm_extension.services.partners import clear_partner_cache, partner_of
from prm_extension.tests.utils import (
	PRMTestCase,
	allocate,
	as_user,
	company,
	ensure_channel,
	make_customer,
	make_partner,
	make_program,
	register_as,
	reserve_as,
	user_of,
)

BETA = "PRM Test Beta"


class TestPortalHomeTeam(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def setUp(self):
		frappe.set_user("Administrator")
		clear_partner_cache()
		self.partner = make_partner(
			f"PRM Home {frappe.generate_hash(length=6)}", tier="PRM Test Gold"
		).name  # admin@… (Partner Admin) and user@… (Partner User); no territories or lines
		self.admin, self.user = user_of(self.partner, "admin"), user_of(self.partner, "user")

	def tearDown(self):
		frappe.set_user("Administrator")
		clear_partner_cache()

	# --- home -------------------------------------------------------------------------------------

	def test_home_figures_against_hand_computed_values(self):
		cur = frappe.get_cached_value("Company", company(), "default_currency")
		c = [make_customer("PRM Home").name for _ in range(6)]
		approved = register_as(self.admin, c[0], items=(("PRM-SRV-100", 2, 1000),)).name
		decide(approved, "Approve")
		register_as(self.admin, c[1], items=(("PRM-SRV-100", 3, 1000),))  # Submitted
		register_as(self.user, c[2], submit=False)  # Draft
		returned = register_as(self.admin, c[3]).name
		decide(returned, "Return", reason="Add the buyer's phone number")
		soon = reserve_as(self.admin, c[4]).name
		later = reserve_as(self.admin, c[5]).name
		frappe.db.set_value(
			"Account Reservation", soon, {"status": "Active", "expiry_date": add_days(nowdate(), 5)}
		)
		frappe.db.set_value(
			"Account Reservation", later, {"status": "Active", "expiry_date": add_days(nowdate(), 30)}
		)
		prog = make_program(budget=10000, reimbursement_percentage=50)
		allocate(prog.name, self.partner, 3000)
		frappe.set_user(self.admin)
		frappe.get_doc(
			{"doctype": "Incentive Claim", "program": prog.name, "actual_cost": 1600, "leads_generated": 3}
		).insert()
		frappe.set_user("Administrator")
		# an allocation in a program whose claim deadline has passed cannot be spent any more
		past = make_program(budget=5000, reimbursement_percentage=50)
		allocate(past.name, self.partner, 999)
		frappe.db.set_value("Incentive Program", past.name, "claim_deadline", add_days(nowdate(), -1))
		# Another partner's data in the same places must not count.
		other = make_customer("PRM Home Other").name
		register_as(user_of(BETA), other)
		allocate(prog.name, BETA, 2000)

		figures = as_user(self.user, portal.home_figures)  # a plain Partner User sees the partner's figures
		self.assertEqual(figures["partner"], self.partner)
		self.assertEqual(figures["open_deals"], 2)
		self.assertEqual(figures["pipeline"], [{"currency": cur, "value": 5000.0, "count": 2}])
		self.assertEqual(figures["deals_awaiting"], 2)
		self.assertEqual(figures["deals_awaiting_by_status"], {"Draft": 1, "Returned": 1})
		self.assertEqual(figures["expiring_reservations"], 1)
		self.assertEqual([r["name"] for r in figures["expiring"]], [soon])
		self.assertEqual(
			figures["funds_available"], [{"currency": cur, "value": 3000.0}]
		)  # drafts do not count
		self.assertEqual(figures["claims_awaiting"], 1)
		# the fast counts equal what frappe.get_list returns, for the partner and for a manager
		self.assertEqual(
			as_user(self.user, home.counted_home_figures, self.partner),
			as_user(self.user, home.listed_home_figures, self.partner),
		)
		self.assertEqual(
			as_user("Administrator", home.counted_home_figures, None),
			as_user("Administrator", home.listed_home_figures, None),
		)
		# a manager restricted by a User Permission to this partner counts as get_list does
		email = f"prm-home-mgr-{frappe.generate_hash(length=6)}@example.com"
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": "Limited", "roles": [{"role": "PRM Manager"}]}
		).insert(ignore_permissions=True)
		frappe.permissions.add_user_permission("Channel Partner", self.partner, email)
		limited = as_user(email, portal.home_figures)
		self.assertEqual(limited["deals_awaiting_by_status"], {"Draft": 1, "Returned": 1})
		self.assertEqual([r["name"] for r in limited["expiring"]], [soon])
		# kept for the next visit, and dropped as soon as one of the partner's documents changes
		self.assertEqual(as_user(self.user, portal.home_figures), figures)
		register_as(self.admin, make_customer("PRM Home Third").name, items=(("PRM-SRV-100", 1, 2500),))
		again = as_user(self.user, portal.home_figures)
		self.assertEqual((again["open_deals"], again["pipeline"][0]["value"]), (3, 7500.0))

	def test_home_figures_need_read_permission(self):
		"""A desk user who is no partner member and no manager is refused the home call, and the
		counts beneath it read nothing for a user whose roles cannot read deals, reservations or
		claims (managers get the channel's figures, partners their own)."""
		register_as(self.user, make_customer("PRM Home Perm").name, submit=False)  # a draft exists
		email = f"prm-noroles-{frappe.generate_hash(length=6)}@example.com"
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": "No Roles", "user_type": "System User"}
		).insert(ignore_permissions=True)
		with self.assertRaises(frappe.PermissionError):
			as_user(email, portal.home_figures)
		figures = as_user(email, home.cached_home_figures)  # the counts alone check read permission too
		self.assertEqual(
			(figures["deals_awaiting"], figures["claims_awaiting"], figures["expiring"], figures["pipeline"]),
			(0, 0, [], []),
		)
		manager = as_user("Administrator", portal.home_figures)
		self.assertGreaterEqual(manager["deals_awaiting"], 1)

	def test_home_page_and_unread_count(self):
		from prm_extension.www.partner import index

		frappe.set_user(self.admin)
		base = portal.home_figures()["unread_announcements"]
		frappe.set_user("Administrator")
		first, second = announce(title="PRM Home first").name, announce(title="PRM Home second").name
		announce(tiers=["PRM Test Silver"])  # not for a Gold partner
		frappe.set_user(self.admin)
		self.assertEqual(portal.home_figures()["unread_announcements"], base + 2)
		answer = portal.mark_announcement_read(first)
		self.assertTrue(answer["newly_read"])
		self.assertFalse(portal.mark_announcement_read(first)["newly_read"])
		self.assertEqual(portal.home_figures()["unread_announcements"], base + 1)
		news = {n.name: n.unread for n in index.latest_announcements(limit=50)}
		self.assertEqual((news.get(first), news.get(second)), (False, True))
		# read state is per user: the teammate has not read it
		frappe.set_user(self.user)
		self.assertEqual(portal.home_figures()["unread_announcements"], base + 2)

	# --- team -------------------------------------------------------------------------------------

	def test_invite_creates_user_with_roles(self):
		email = f"new-{frappe.generate_hash(length=6)}@{self.partner.lower().replace(' ', '-')}.example.com"
		frappe.set_user(self.admin)
		rows = portal.invite_member(email.upper(), "  Nia   Newcomer ", "Partner Admin")["members"]
		self.assertIn(email, [r["email"] for r in rows])
		frappe.set_user("Administrator")
		user = frappe.get_doc("User", email)
		self.assertEqual(user.user_type, "Website User")
		self.assertTrue(user.enabled)
		self.assertEqual(
			{r.role for r in user.roles} & {"Partner Admin", "Partner User"},
			{"Partner Admin", "Partner User"},
		)
		self.assertTrue(frappe.db.exists("Contact", {"email_id": email}))
		self.assertEqual(partner_of(email), self.partner)
		frappe.set_user(self.admin)
		plain = f"plain-{frappe.generate_hash(length=6)}@example.com"
		portal.invite_member(plain, "Pat Plain", "Partner User")
		self.assertEqual(set(frappe.get_roles(plain)) & {"Partner Admin", "Partner User"}, {"Partner User"})

	def test_invite_validation(self):
		frappe.set_user(self.admin)
		with self.assertRaises(frappe.ValidationError):
			portal.invite_member("not-an-email", "Somebody", "Partner User")
		with self.assertRaises(frappe.ValidationError):
			portal.invite_member("ok@example.com", "   ", "Partner User")
		with self.assertRaises(frappe.ValidationError):
			portal.invite_member("ok@example.com", "Somebody", "System Manager")
		with self.assertRaises(frappe.ValidationError):
			portal.invite_member(self.user, "Again", "Partner User")  # already in the team
		with self.assertRaises(frappe.ValidationError) as ctx:
			portal.invite_member(user_of(BETA, "user"), "Poached", "Partner User")
		self.assertIn("already belongs to another channel partner", str(ctx.exception))
		with self.assertRaises(frappe.ValidationError) as ctx:
			portal.invite_member("admin@example.com", "Desk Admin", "Partner User")  # Administrator's account
		self.assertIn("already has an account", str(ctx.exception))
		frappe.set_user("Administrator")
		self.assertEqual(partner_of(user_of(BETA, "user")), BETA)
		self.assertEqual(len(frappe.get_doc("Channel Partner", self.partner).members), 2)

	def test_deactivate_and_reactivate(self):
		frappe.set_user(self.admin)
		portal.set_member_enabled(self.user, 0)
		frappe.set_user("Administrator")
		clear_partner_cache()
		self.assertEqual(frappe.db.get_value("User", self.user, "enabled"), 0)
		self.assertIsNone(partner_of(self.user))
		frappe.set_user(self.admin)
		rows = portal.set_member_enabled(self.user, 1)["members"]
		self.assertEqual({r["email"]: r["enabled"] for r in rows}[self.user], 1)
		self.assertEqual(frappe.db.get_value("User", self.user, "enabled"), 1)

	def test_change_role(self):
		frappe.set_user(self.admin)
		portal.set_member_role(self.user, "Partner Admin")
		self.assertIn("Partner Admin", frappe.get_roles(self.user))
		portal.set_member_role(self.user, "Partner User")
		self.assertNotIn("Partner Admin", frappe.get_roles(self.user))
		self.assertIn("Partner User", frappe.get_roles(self.user))

	def test_last_enabled_admin_cannot_leave(self):
		frappe.set_user(self.admin)
		with self.assertRaises(frappe.ValidationError):
			portal.set_member_enabled(self.admin, 0)
		with self.assertRaises(frappe.ValidationError):
			portal.set_member_role(self.admin, "Partner User")
		self.assertEqual(frappe.db.get_value("User", self.admin, "enabled"), 1)
		self.assertIn("Partner Admin", frappe.get_roles(self.admin))
		# with a second admin, the first may step down
		portal.set_member_role(self.user, "Partner Admin")
		portal.set_member_role(self.admin, "Partner User")
		self.assertNotIn("Partner Admin", frappe.get_roles(self.admin))

	def test_partner_user_cannot_manage(self):
		frappe.set_user(self.user)
		self.assertFalse(portal.team()["can_manage"])
		self.assertEqual({r["email"] for r in portal.team()["members"]}, {self.admin, self.user})
		for call, args in (
			(portal.invite_member, ("x@example.com", "X", "Partner User")),
			(portal.set_member_enabled, (self.admin, 0)),
			(portal.set_member_role, (self.user, "Partner Admin")),
		):
			with self.assertRaises(frappe.PermissionError):
				call(*args)
		self.assertNotIn("Partner Admin", frappe.get_roles(self.user))

	def test_other_partners_people_are_untouchable(self):
		frappe.set_user(self.admin)
		self.assertTrue(portal.team()["can_manage"])
		self.assertNotIn(user_of(BETA), {r["email"] for r in portal.team()["members"]})
		messages = []
		for email in (user_of(BETA, "user"), user_of(BETA), "nobody-at-all@example.com", None, ["x"]):
			for call, args in (
				(portal.set_member_enabled, (email, 0)),
				(portal.set_member_role, (email, "Partner Admin")),
			):
				with self.assertRaises(frappe.DoesNotExistError) as ctx:
					call(*args)
				messages.append(str(ctx.exception))
		self.assertEqual(len(set(messages)), 1, "the same answer for another partner's people and nobody")
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("User", user_of(BETA, "user"), "enabled"), 1)
		self.assertNotIn("Partner Admin", frappe.get_roles(user_of(BETA, "user")))
		# Beta's admin cannot touch the new partner's people either
		frappe.set_user(user_of(BETA))
		with self.assertRaises(frappe.DoesNotExistError):
			portal.set_member_enabled(self.user, 0)

	def test_manager_without_partner_is_refused(self):
		with self.assertRaises(frappe.PermissionError):
			portal.invite_member("x@example.com", "X", "Partner User")
