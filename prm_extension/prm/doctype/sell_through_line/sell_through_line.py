"""Sell-Through Line: one reported line, bulk-inserted by ``prm_extension.services.feeds``."""

import frappe
from frappe.model.document import Document


class SellThroughLine(Document):
	pass


def on_doctype_update():
	frappe.db.add_index("Sell-Through Line", ["channel_partner", "report_date"])
	frappe.db.add_index("Sell-Through Line", ["report_date", "item_group"])
	frappe.db.add_index("Sell-Through Line", ["report", "mapping_status"])
