"""Partner announcements: who sees which, and who has read which.

One condition (``visible_condition``) feeds the list condition (``permission_query_conditions``)
and the document check (``has_permission``), so the news list and the announcements a partner may
open cannot drift apart. A partner user sees an announcement when it is Published, its publish date
has come, it has not expired, and the partner matches every audience list that is filled in:

- tiers: the partner's tier is listed;
- partner types: the partner's type is listed;
- territories: one of the partner's territories lies inside a listed territory or above it (a
  partner for "Germany" gets news for "Europe", a partner for "Europe" gets news for "Germany");
  a partner without territories works everywhere and gets every territory's news.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime, nowdate

from prm_extension.security.permissions import UNRESTRICTED, partner_scope

ANN = "`tabPartner Announcement`"
NOTHING = "1 = 0"


def visible_condition(user: str | None = None) -> str:
	"""SQL condition on ``tabPartner Announcement`` rows the user may see ('' = unrestricted)."""
	scope = partner_scope(user)
	if scope is UNRESTRICTED:
		return ""
	if scope is None:
		return NOTHING
	partner = frappe.db.get_value("Channel Partner", scope, ["name", "tier", "partner_type"], as_dict=True)
	if not partner:
		return NOTHING
	esc = frappe.db.escape
	today = esc(nowdate())
	parts = [
		f"{ANN}.`status` = 'Published'",
		f"{ANN}.`publish_on` <= {today}",
		f"({ANN}.`expires_on` is null or {ANN}.`expires_on` >= {today})",
	]

	def audience(table: str, match: str) -> str:
		rows = f"select 1 from `tab{table}` a where a.`parent` = {ANN}.`name` and a.`parenttype` = 'Partner Announcement'"
		return f"(not exists ({rows}) or exists ({rows} and {match}))"

	parts.append(audience("Partner Announcement Tier", f"a.`tier` = {esc(partner.tier or '')}"))
	parts.append(
		audience("Partner Announcement Type", f"a.`partner_type` = {esc(partner.partner_type or '')}")
	)
	has_territories = frappe.db.exists(
		"Channel Partner Territory", {"parent": partner.name, "parenttype": "Channel Partner"}
	)
	if has_territories:
		# Overlap in the nested-set tree: one territory contains the other.
		overlap = (
			"exists (select 1 from `tabTerritory` t, `tabChannel Partner Territory` pt, `tabTerritory` p"
			f" where t.`name` = a.`territory` and pt.`parent` = {esc(partner.name)}"
			" and pt.`parenttype` = 'Channel Partner' and p.`name` = pt.`territory`"
			" and ((t.`lft` <= p.`lft` and p.`rgt` <= t.`rgt`) or (p.`lft` <= t.`lft` and t.`rgt` <= p.`rgt`)))"
		)
		parts.append(audience("Partner Announcement Territory", overlap))
	return "(" + " and ".join(parts) + ")"


def visible(fields=("name",), filters=None, order_by="publish_on desc, creation desc", limit=0):
	"""Announcements the session user may see (``frappe.get_list``: the condition above applies)."""
	return frappe.get_list(
		"Partner Announcement",
		fields=list(fields),
		filters=filters or {},
		order_by=order_by,
		limit_page_length=limit,
	)


def read_names(names, user: str | None = None) -> set[str]:
	"""Which of these announcements the user has read."""
	if not names:
		return set()
	return set(
		frappe.get_all(
			"Partner Announcement Read",
			filters={"user": user or frappe.session.user, "announcement": ("in", list(names))},
			pluck="announcement",
		)
	)


def unread_count(user: str | None = None) -> int:
	names = [r.name for r in visible()]
	return len(names) - len(read_names(names, user))


def get_visible(name) -> frappe.model.document.Document:
	"""The announcement if the session user may read it; the same "not found" otherwise."""
	if not isinstance(name, str) or not name or not frappe.db.exists("Partner Announcement", name):
		raise frappe.DoesNotExistError(_("This announcement was not found."))
	doc = frappe.get_doc("Partner Announcement", name)
	if not doc.has_permission("read"):
		raise frappe.DoesNotExistError(_("This announcement was not found."))
	return doc


def mark_read(name: str, user: str | None = None) -> bool:
	"""Record that the session user read the announcement (idempotent). True when newly read.

	Only partner users are recorded (a manager previewing the page is not a reader)."""
	user = user or frappe.session.user
	doc = get_visible(name)
	partner = partner_scope(user)
	if partner is UNRESTRICTED or not partner:
		return False
	if frappe.db.exists("Partner Announcement Read", {"announcement": doc.name, "user": user}):
		return False
	row = frappe.get_doc(
		{
			"doctype": "Partner Announcement Read",
			"announcement": doc.name,
			"user": user,
			"channel_partner": partner,
			"read_on": now_datetime(),
		}
	)
	# Partners have no permission on the read log (they cannot write or forge rows over REST); the
	# server records the fact after the read check above.
	row.flags.ignore_permissions = True
	try:
		row.insert()
	except (frappe.DuplicateEntryError, frappe.UniqueValidationError):
		return False  # a parallel request recorded it first
	return True
