"""Sell-Through Report: one file of sell-through or inventory lines from a partner. The result
fields are written by ``prm_extension.services.feeds`` only; a report is never edited afterwards."""

import frappe
from frappe import _
from frappe.model.document import Document

from prm_extension.security.fields import PartnerWritable
from prm_extension.services.partners import is_manager, partner_of

RESULT_FIELDS = (
	"status",
	"imported_on",
	"encoding",
	"checksum",
	"replay_of",
	"lines",
	"imported",
	"duplicates",
	"unmapped_items",
	"unmapped_customers",
	"period_start",
	"period_end",
	"total_qty",
	"error_count",
	"error_report",
)


class SellThroughReport(PartnerWritable, Document):
	# What a partner may set (prm_extension/security/fields.py); every other field is server-owned.
	PARTNER_FIELDS = ("channel_partner", "report_type", "file")

	def before_insert(self):
		if not self.channel_partner and not is_manager():
			self.channel_partner = partner_of()
		for field in RESULT_FIELDS:
			self.set(field, None)
		self.status = "Queued"
		if not is_manager() and self.source not in ("Portal", "REST"):
			self.source = "REST"

	def validate(self):
		if not self.is_new():
			frappe.throw(_("A sell-through report is not changed once sent; send a corrected file instead."))
		if not frappe.db.exists("Channel Partner", self.channel_partner):
			frappe.throw(_("Channel Partner {0} does not exist.").format(frappe.bold(self.channel_partner)))

	def on_trash(self):
		if self.status == "Imported" and not is_manager():
			frappe.throw(_("Only a PRM Manager can delete an imported report."), frappe.PermissionError)
		frappe.db.delete("Sell-Through Line", {"report": self.name})
