"""PRM Claim Summary: Incentive Claims by program, partner, decision month and status. Written
only by ``prm_extension.services.summaries`` (the claim's on_change and the rebuild job)."""

import frappe
from frappe.model.document import Document


class PRMClaimSummary(Document):
	pass


def on_doctype_update():
	frappe.db.add_index("PRM Claim Summary", ["program", "status"])
	frappe.db.add_index("PRM Claim Summary", ["month", "status"])
	frappe.db.add_index("PRM Claim Summary", ["channel_partner", "month"])
