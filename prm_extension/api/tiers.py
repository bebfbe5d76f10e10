"""Tier evaluation calls: a PRM Manager runs the evaluation and decides proposals; a partner reads
its own progress to the next tier."""

from __future__ import annotations

import frappe
from frappe import _

from prm_extension.services import tiers as service
from prm_extension.services.partners import is_manager, require_partner


def _require_manager() -> None:
	if not is_manager():
		frappe.throw(_("Only a PRM Manager can do this."), frappe.PermissionError)


@frappe.whitelist(methods=["POST"])
def evaluate_now() -> dict:
	"""Queue the evaluation of every active partner (long queue; progress is published)."""
	_require_manager()
	service.enqueue_evaluation()
	return {"queued": True}


@frappe.whitelist(methods=["POST"])
def decide(review: str, approve: bool, note: str | None = None) -> dict:
	_require_manager()
	if not isinstance(review, str) or not frappe.db.exists("Partner Tier Review", review):
		frappe.throw(
			_("Tier review {0} does not exist.").format(frappe.bold(str(review))), frappe.DoesNotExistError
		)
	doc = frappe.get_doc("Partner Tier Review", review)
	doc.check_permission("write")
	if doc.status != service.OPEN:
		frappe.throw(_("This review was already {0}.").format(_(doc.status).lower()))
	doc.status = "Approved" if frappe.utils.sbool(approve) else "Rejected"
	if note:
		doc.note = note
	doc.save()
	return {
		"name": doc.name,
		"status": doc.status,
		"tier": frappe.db.get_value("Channel Partner", doc.channel_partner, "tier"),
	}


@frappe.whitelist(methods=["GET"])
def my_progress() -> dict:
	"""The caller's partner: its measures over the evaluation window and what the next tier needs."""
	return service.partner_progress(require_partner())
