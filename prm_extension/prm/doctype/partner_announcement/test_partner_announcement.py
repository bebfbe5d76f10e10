"""Partner Announcement: who sees which (tier, territory tree, partner type, publish window,
status), for lists and documents alike."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, nowdate

from prm_extension.services import announcements
from prm_extension.tests.utils import PRMTestCase, ensure_channel, user_of

ALPHA, BETA, GAMMA = "PRM Test Alpha", "PRM Test Beta", "PRM Test Gamma"
# Alpha: Silver, territories PRM Europe; Beta and Gamma: Gold, no territories (everywhere).


def announce(title=None, status="Published", publish_on=None, expires_on=None, **audience):
	return frappe.get_doc(
		{
			"doctype": "Partner Announcement",
			"title": title or f"PRM news {frappe.generate_hash(length=6)}",
			"status": status,
			"publish_on": publish_on or nowdate(),
			"expires_on": expires_on,
			"body": "<p>Hello partners</p>",
			"tiers": [{"tier": t} for t in audience.get("tiers", [])],
			"territories": [{"territory": t} for t in audience.get("territories", [])],
			"partner_types": [{"partner_type": t} for t in audience.get("types", [])],
		}
	).insert()


def seen_by(user: str) -> set[str]:
	current = frappe.session.user
	frappe.set_user(user)
	try:
		return set(frappe.get_list("Partner Announcement", pluck="name", limit_page_length=0))
	finally:
		frappe.set_user(current)


def can_open(user: str, name: str) -> bool:
	current = frappe.session.user
	frappe.set_user(user)
	try:
		return bool(frappe.has_permission("Partner Announcement", "read", name))
	finally:
		frappe.set_user(current)


class TestPartnerAnnouncement(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def setUp(self):
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")

	def assertAudience(self, name, expected: set[str]):
		"""List and document check agree, for admins and plain Partner Users of all three partners."""
		for partner in (ALPHA, BETA, GAMMA):
			for role in ("admin", "user"):
				user = user_of(partner, role)
				visible = partner in expected
				self.assertEqual(name in seen_by(user), visible, f"list of {user}")
				self.assertEqual(can_open(user, name), visible, f"document check of {user}")

	def test_everyone_when_no_audience(self):
		self.assertAudience(announce().name, {ALPHA, BETA, GAMMA})

	def test_tier(self):
		self.assertAudience(announce(tiers=["PRM Test Gold"]).name, {BETA, GAMMA})
		self.assertAudience(announce(tiers=["PRM Test Silver"]).name, {ALPHA})
		self.assertAudience(announce(tiers=["PRM Test Silver", "PRM Test Gold"]).name, {ALPHA, BETA, GAMMA})

	def test_territory_tree(self):
		# Alpha works in PRM Europe; Beta and Gamma everywhere.
		self.assertAudience(announce(territories=["PRM Europe"]).name, {ALPHA, BETA, GAMMA})
		self.assertAudience(
			announce(territories=["PRM World"]).name, {ALPHA, BETA, GAMMA}
		)  # Europe is inside
		self.assertAudience(announce(territories=["PRM Germany"]).name, {ALPHA, BETA, GAMMA})  # inside Europe
		self.assertAudience(announce(territories=["PRM USA"]).name, {BETA, GAMMA})
		self.assertAudience(announce(territories=["PRM Americas", "PRM France"]).name, {ALPHA, BETA, GAMMA})

	def test_partner_type(self):
		frappe.db.set_value("Channel Partner", GAMMA, "partner_type", "Distributor")
		try:
			self.assertAudience(announce(types=["Distributor"]).name, {GAMMA})
			self.assertAudience(announce(types=["Reseller"]).name, {ALPHA, BETA})
		finally:
			frappe.db.set_value("Channel Partner", GAMMA, "partner_type", "Reseller")

	def test_all_filled_lists_must_match(self):
		self.assertAudience(announce(tiers=["PRM Test Gold"], territories=["PRM Europe"]).name, {BETA, GAMMA})
		self.assertAudience(announce(tiers=["PRM Test Silver"], territories=["PRM USA"]).name, set())

	def test_draft_future_and_expired_are_invisible(self):
		self.assertAudience(announce(status="Draft").name, set())
		self.assertAudience(announce(publish_on=add_days(nowdate(), 1)).name, set())
		self.assertAudience(
			announce(publish_on=add_days(nowdate(), -10), expires_on=add_days(nowdate(), -1)).name, set()
		)
		# the expiry day itself is still shown
		self.assertAudience(
			announce(publish_on=add_days(nowdate(), -10), expires_on=nowdate()).name, {ALPHA, BETA, GAMMA}
		)

	def test_partners_cannot_write_and_managers_see_all(self):
		draft = announce(status="Draft", tiers=["PRM Test Silver"]).name
		self.assertIn(draft, seen_by("Administrator"))
		frappe.set_user(user_of(BETA))
		self.assertFalse(frappe.has_permission("Partner Announcement", "create"))
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc("Partner Announcement", draft).check_permission("read")
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc({"doctype": "Partner Announcement", "title": "x", "body": "y"}).insert()

	def test_user_of_no_partner_sees_nothing(self):
		name = announce().name
		email = f"orphan-{frappe.generate_hash(length=6)}@example.com"
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": "Orphan",
				"user_type": "Website User",
				"send_welcome_email": 0,
				"roles": [{"role": "Partner User"}],
			}
		).insert(ignore_permissions=True)
		self.assertNotIn(name, seen_by(user.name))
		self.assertFalse(can_open(user.name, name))

	def test_expiry_before_publish_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			announce(publish_on=nowdate(), expires_on=add_days(nowdate(), -1))

	def test_mark_read_is_idempotent(self):
		name = announce().name
		user = user_of(ALPHA, "user")
		frappe.set_user(user)
		before = announcements.unread_count()
		self.assertTrue(announcements.mark_read(name))
		self.assertFalse(announcements.mark_read(name))
		self.assertEqual(announcements.unread_count(), before - 1)
		frappe.set_user("Administrator")
		rows = frappe.get_all(
			"Partner Announcement Read", {"announcement": name}, ["user", "channel_partner"]
		)
		self.assertEqual([(r.user, r.channel_partner) for r in rows], [(user, ALPHA)])
		# the unique index refuses a second row even when written directly
		with self.assertRaises((frappe.UniqueValidationError, frappe.DuplicateEntryError)):
			frappe.get_doc(
				{
					"doctype": "Partner Announcement Read",
					"announcement": name,
					"user": user,
					"read_on": frappe.utils.now(),
				}
			).insert(ignore_permissions=True)

	def test_cannot_mark_an_invisible_one_read(self):
		name = announce(tiers=["PRM Test Silver"]).name
		frappe.set_user(user_of(BETA))
		with self.assertRaises(frappe.DoesNotExistError):
			announcements.mark_read(name)
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.exists("Partner Announcement Read", {"announcement": name}))
