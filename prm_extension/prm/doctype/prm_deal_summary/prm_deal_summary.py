"""PRM Deal Summary: Deal Registrations by month, partner, territory, product line and status.
Written only by ``prm_extension.services.summaries`` (the registration's on_change / on_trash and the rebuild
job)."""

import frappe
from frappe.model.document import Document


class PRMDealSummary(Document):
	pass


def on_doctype_update():
	frappe.db.add_index("PRM Deal Summary", ["grain", "month", "channel_partner"])
	frappe.db.add_index("PRM Deal Summary", ["grain", "won_month"])
	frappe.db.add_index("PRM Deal Summary", ["grain", "status", "month"])  # won deals by group
	frappe.db.add_index("PRM Deal Summary", ["channel_partner", "grain", "month"])
