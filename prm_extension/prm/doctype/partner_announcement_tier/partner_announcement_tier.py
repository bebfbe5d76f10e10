"""Audience row of a Partner Announcement: a partner tier."""

from frappe.model.document import Document


class PartnerAnnouncementTier(Document):
	pass
