"""Audience row of a Partner Announcement: a territory (with the territories inside it)."""

from frappe.model.document import Document


class PartnerAnnouncementTerritory(Document):
	pass
