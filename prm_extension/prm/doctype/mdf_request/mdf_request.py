"""MDF Request: a partner asks the vendor to pre-approve a marketing activity and its cost.

Draft → Submitted (partner) → Approved, possibly for less (PRM Manager; submits the document) or
Rejected (reason required) → Claimed (when its claim is approved)."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, getdate, now_datetime

from prm_extension.core import incentives as rules
from prm_extension.security.fields import PartnerWritable
from prm_extension.services import incentives as service
from prm_extension.services import live
from prm_extension.services.partners import is_manager, only_drafts_deleted, partner_of
from prm_extension.services.reasons import explain_incentive


class MDFRequest(PartnerWritable, service.AllocationLocked, Document):
	# What a partner may set (prm_extension/security/fields.py); every other field is server-owned.
	PARTNER_FIELDS = (
		"program",
		"channel_partner",
		"requested_amount",
		"activity_type",
		"activity_name",
		"start_date",
		"end_date",
		"estimated_cost",
		"expected_leads",
		"expected_pipeline",
		"plan",
	)

	def before_validate(self):
		if self.is_new() and not self.channel_partner and not is_manager():
			self.channel_partner = partner_of()

	def validate(self):
		manager = is_manager()
		if not manager and self.channel_partner != partner_of():
			frappe.throw(
				_("You can only request funds for your own partner company."), frappe.PermissionError
			)
		previous = self.get_doc_before_save()
		old = previous.status if previous else "Draft"
		if old in ("Submitted", "Rejected") and self.status == old and not manager:
			frappe.throw(_("This request is {0} and cannot be edited.").format(_(old)))
		if not manager and previous and (previous.decision_reason or "") != (self.decision_reason or ""):
			frappe.throw(_("The decision is the channel manager's."), frappe.PermissionError)
		_doc, facts = service.program(self.program)
		if facts.program_type != rules.MDF:
			frappe.throw(_("{0} is not an MDF / co-op program.").format(self.program))
		problem = service.eligibility_problem(facts, self.channel_partner)
		if problem:
			frappe.throw(explain_incentive(problem))
		if getdate(self.start_date) > getdate(self.end_date):
			frappe.throw(explain_incentive("activity_dates_reversed"))
		if not (facts.start <= getdate(self.start_date) and getdate(self.end_date) <= facts.end):
			frappe.throw(
				explain_incentive("activity_outside_program", {"start": facts.start, "end": facts.end})
			)
		if flt(self.requested_amount) <= 0:
			frappe.throw(explain_incentive("amount_not_positive"))
		if flt(self.requested_amount) > flt(self.estimated_cost):
			frappe.throw(_("The requested amount cannot be more than the estimated cost."))
		self.fund_allocation = service.allocation_for(self.program, self.channel_partner, self.start_date)
		service.lock_rows_of(self)  # a new request, or one moved to another allocation: before it is written
		if self.status == "Submitted" and old != "Submitted":
			# locked, from current data: the same view of the allocation its approvals have
			available = service.balance(self.fund_allocation, for_update=True).available
			if service.D(self.requested_amount) > available:
				frappe.throw(
					explain_incentive("over_balance", {"available": available, "currency": self.currency})
				)
			self.submitted_on = now_datetime()
		if self.status == "Rejected" and old != "Rejected":
			if not manager:
				frappe.throw(_("Only a channel manager can reject a request."), frappe.PermissionError)
			if not (self.decision_reason or "").strip():
				frappe.throw(_("Give the partner a reason for the rejection."), frappe.MandatoryError)
			self.decided_on, self.decided_by = now_datetime(), frappe.session.user

	def before_submit(self):
		if self.status != "Submitted":
			frappe.throw(_("Only a submitted request can be approved."))
		approved = service.D(self.approved_amount or self.requested_amount)
		bal = service.balance(self.fund_allocation, for_update=True)
		problems = rules.check_approval(service.D(self.requested_amount), approved, bal)
		if problems:
			frappe.throw(
				"<br>".join(
					explain_incentive(p.code, {**p.params, "currency": self.currency}) for p in problems
				),
				title=_("Cannot approve"),
			)
		if approved < service.D(self.requested_amount) and not (self.decision_reason or "").strip():
			frappe.throw(_("Say why less than requested is approved."), frappe.MandatoryError)
		self.approved_amount = float(approved)
		self.status = "Approved"
		self.decided_on, self.decided_by = now_datetime(), frappe.session.user

	def on_cancel(self):
		self.db_set("status", "Cancelled")

	def on_change(self):
		service.follow_allocation(self)  # the allocation's stored totals
		live.on_change(self)

	def on_trash(self):
		only_drafts_deleted(self)
		service.lock_rows_of(self)  # before the row is deleted and the totals refreshed

	def after_delete(self):
		service.follow_allocation(self, "after_delete")


def claimed_on(request: str, exclude_claim: str | None = None, for_update: bool = False) -> float:
	"""What live claims claim on the request; ``for_update``: a locking read (current data), for
	the caller holding the request's row lock."""
	return flt(
		frappe.db.sql(
			"""select sum(claimed_amount) from `tabIncentive Claim`
			where mdf_request = %s and status in ('Submitted', 'Approved', 'Partially Approved', 'Paid') and name != %s"""
			+ (" lock in share mode" if for_update else ""),
			(request, exclude_claim or ""),
		)[0][0]
	)


def on_doctype_update():
	frappe.db.add_index("MDF Request", ["fund_allocation", "docstatus"])
