"""Audience row of a Partner Announcement: a partner type."""

from frappe.model.document import Document


class PartnerAnnouncementType(Document):
	pass
