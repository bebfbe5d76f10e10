"""Sell-through and inventory feeds: partners (and distributors) send a CSV file through REST with
API keys or the portal; channel managers map what could not be mapped."""

from __future__ import annotations

import base64
import binascii

import frappe
from frappe import _

from prm_extension.core.feeds import REQUIRED
from prm_extension.services import feeds
from prm_extension.services.partners import is_manager, resolve_acting_partner


@frappe.whitelist(methods=["POST"])
def submit_report(
	report_type: str = "Sell-Through",
	csv: str | None = None,
	content_base64: str | None = None,
	filename: str | None = None,
	channel_partner: str | None = None,
	source: str = "REST",
) -> dict:
	"""Send one file: ``csv`` as text, or ``content_base64`` (the file's bytes, any encoding).
	Columns: date (YYYY-MM-DD), item (your code or ours), qty; optional amount, currency, customer,
	customer_domain, customer_tax_id, location, reference. One bad line rejects the whole file
	with line-numbered errors; lines sent before are ignored as duplicates."""
	if report_type not in REQUIRED:
		frappe.throw(_("Report type must be one of: {0}").format(", ".join(REQUIRED)))
	if (csv is None) == (content_base64 is None):
		frappe.throw(_("Send the file as csv (text) or as content_base64, one of the two."))
	if content_base64 is not None:
		try:
			data = base64.b64decode(content_base64, validate=True)
		except (binascii.Error, ValueError):
			frappe.throw(_("content_base64 is not valid base64."))
	else:
		data = csv.encode("utf-8")
	partner = resolve_acting_partner(channel_partner)
	if not partner:
		frappe.throw(_("Choose the channel partner whose report this is."), frappe.MandatoryError)
	name = feeds.create_report(
		partner, report_type, data, filename or "report.csv", "Portal" if source == "Portal" else "REST"
	)
	return report_status(name)


@frappe.whitelist(methods=["GET"])
def report_status(report: str) -> dict:
	if not isinstance(report, str) or not frappe.db.exists("Sell-Through Report", report):
		frappe.throw(
			_("Report {0} does not exist.").format(frappe.bold(str(report))), frappe.DoesNotExistError
		)
	doc = frappe.get_doc("Sell-Through Report", report)
	if not doc.has_permission("read"):
		frappe.throw(_("Report {0} does not exist.").format(frappe.bold(report)), frappe.DoesNotExistError)
	return {
		k: doc.get(k)
		for k in (
			"name",
			"report_type",
			"status",
			"lines",
			"imported",
			"duplicates",
			"unmapped_items",
			"unmapped_customers",
			"period_start",
			"period_end",
			"error_count",
			"error_report",
			"replay_of",
		)
	}


@frappe.whitelist(methods=["POST"])
def remap_lines(channel_partner: str | None = None) -> dict:
	"""Map flagged lines again after adding Partner Item Mappings or customers (PRM Managers)."""
	if not is_manager():
		frappe.throw(_("Only a PRM Manager can do this."), frappe.PermissionError)
	return {"mapped": feeds.remap(channel_partner)}
