"""Incentive calls for the portal and the desk: balances, MDF requests and claims.

Writes go through the documents' lifecycle; these functions only shape requests and answers."""

import frappe
from frappe import _
from frappe.utils import flt

from prm_extension.services import incentives as service
from prm_extension.services.partners import is_manager, resolve_acting_partner

MANAGERS = ("PRM Manager", "System Manager")


def _get(doctype: str, name: str, ptype: str = "write"):
	if not isinstance(name, str) or not frappe.db.exists(doctype, name):
		frappe.throw(
			_("{0} {1} does not exist.").format(_(doctype), frappe.bold(str(name))), frappe.DoesNotExistError
		)
	doc = frappe.get_doc(doctype, name)
	if not doc.has_permission(ptype):
		frappe.throw(
			_("{0} {1} does not exist.").format(_(doctype), frappe.bold(name)), frappe.DoesNotExistError
		)
	return doc


@frappe.whitelist()
@frappe.read_only()
def balances(channel_partner: str | None = None, start: int = 0, page_length: int = 200) -> list[dict]:
	"""The partner's allocations with their derived balances, newest period first (``start`` and
	``page_length``, at most 200, page through them)."""
	return service.allocation_balances(resolve_acting_partner(channel_partner), start, page_length)


def _submit(doctype: str, name: str):
	"""A partner sends its draft MDF request or claim for a decision (all rules run on save)."""
	doc = _get(doctype, name)
	if doc.status != "Draft":
		frappe.throw(_("{0} {1} is {2}, not a draft.").format(_(doctype), doc.name, _(doc.status)))
	doc.status = "Submitted"
	doc.flags.prm_trusted_write = True  # the status is this service's to set (security/fields.py)
	doc.save()
	return doc


def _decide(doctype: str, name: str, action: str, approved_amount: float | None, reason: str | None):
	"""Approve (possibly less, with a reason; submits the document) or reject (reason required)."""
	frappe.only_for(MANAGERS)
	doc = _get(doctype, name)
	if doc.status != "Submitted" or doc.docstatus != 0:
		frappe.throw(
			_("{0} {1} is {2}, not waiting for a decision.").format(_(doctype), doc.name, _(doc.status))
		)
	doc.decision_reason = (reason or "").strip()[:1000] or None
	if action == "Approve":
		# The allocation lock first, before frappe locks this document's row: concurrent
		# approvals on one allocation queue up instead of deadlocking.
		service.lock_allocation(doc.fund_allocation)
		if approved_amount is not None:
			doc.approved_amount = flt(approved_amount)
		doc.submit()
	elif action == "Reject":
		doc.status = "Rejected"
		doc.save()
	else:
		frappe.throw(_("Unknown action {0}.").format(frappe.bold(action)))
	return doc


@frappe.whitelist(methods=["POST"])
def submit_mdf_request(request: str) -> dict:
	doc = _submit("MDF Request", request)
	return {"name": doc.name, "status": doc.status}


@frappe.whitelist(methods=["POST"])
def decide_mdf_request(
	request: str, action: str, approved_amount: float | None = None, reason: str | None = None
) -> dict:
	doc = _decide("MDF Request", request, action, approved_amount, reason)
	return {"name": doc.name, "status": doc.status, "approved_amount": doc.approved_amount}


@frappe.whitelist(methods=["POST"])
def submit_claim(claim: str) -> dict:
	doc = _submit("Incentive Claim", claim)
	return {"name": doc.name, "status": doc.status, "claimed_amount": doc.claimed_amount}


@frappe.whitelist(methods=["POST"])
def decide_claim(
	claim: str, action: str, approved_amount: float | None = None, reason: str | None = None
) -> dict:
	doc = _decide("Incentive Claim", claim, action, approved_amount, reason)
	return {
		"name": doc.name,
		"status": doc.status,
		"approved_amount": doc.approved_amount,
		"payout_document": doc.payout_document if is_manager() else None,
	}


@frappe.whitelist(methods=["POST"])
def run_program_claims(program: str) -> dict:
	"""Queue the computation of rebate / SPIFF / bonus claims for every allocation of a program."""
	frappe.only_for(MANAGERS)
	frappe.get_doc("Incentive Program", program).check_permission("write")
	job = frappe.enqueue(
		"prm_extension.jobs.compute_program_claims",
		queue="long",
		job_id=f"prm_program_claims::{program}",
		deduplicate=True,
		program=program,
		enqueue_after_commit=True,
	)
	return {"queued": bool(job)}
