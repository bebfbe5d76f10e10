"""Partner Announcement Read: a partner user opened an announcement (one row per announcement
and user, written by ``prm_extension.services.announcements.mark_read``)."""

import frappe
from frappe.model.document import Document


class PartnerAnnouncementRead(Document):
	pass


def on_doctype_update():
	# what a partner did in a period (Partner Activity report)
	frappe.db.add_index("Partner Announcement Read", ["channel_partner", "read_on"])
	frappe.db.add_unique(
		"Partner Announcement Read", ["announcement", "user"], constraint_name="unique_announcement_user"
	)
