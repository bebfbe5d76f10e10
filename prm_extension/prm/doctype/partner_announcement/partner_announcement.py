"""Partner Announcement: news for partners, written by channel managers in the desk.

Who sees one is decided in ``prm_extension.services.announcements`` (one condition for lists and documents).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cstr, getdate


class PartnerAnnouncement(Document):
	def validate(self):
		self.title = cstr(self.title).strip()
		if not self.title:
			frappe.throw(_("Enter a title."), frappe.MandatoryError)
		if self.expires_on and self.publish_on and getdate(self.expires_on) < getdate(self.publish_on):
			frappe.throw(_("The expiry date cannot be before the publish date."))
		self.dedupe("tiers", "tier")
		self.dedupe("territories", "territory")
		self.dedupe("partner_types", "partner_type")

	def dedupe(self, table: str, field: str):
		seen = set()
		for row in list(self.get(table)):
			key = cstr(row.get(field))
			if key in seen:
				self.remove(row)
			seen.add(key)

	def on_trash(self):
		frappe.db.delete("Partner Announcement Read", {"announcement": self.name})
