"""Incentive Claim: money a partner claims from a program, paid through ERPNext accounting.

Draft → Submitted (partner; every rule checked) → Approved / Partially Approved (PRM Manager;
submits the claim and books a Purchase Invoice or Journal Entry to the partner's Supplier) or
Rejected → Paid (from the ledger) ; cancelling reverses the payout.

MDF / co-op claims are the vendor's share of the activity's actual cost; rebates, SPIFFs and
registered-deal bonuses are computed by the app from submitted Sales Invoices and won
registrations, never typed by the partner."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, getdate, now_datetime, nowdate

from prm_extension.core import incentives as rules
from prm_extension.prm.doctype.mdf_request.mdf_request import claimed_on
from prm_extension.security.fields import PartnerWritable
from prm_extension.services import incentives as service
from prm_extension.services import live, payouts, summaries
from prm_extension.services.partners import is_manager, only_drafts_deleted, partner_of
from prm_extension.services.reasons import explain_incentive


class IncentiveClaim(PartnerWritable, service.AllocationLocked, Document):
	# What a partner may set (prm_extension/security/fields.py); every other field is server-owned.
	PARTNER_FIELDS = (
		"program",
		"channel_partner",
		"fund_allocation",  # which of its allocations a computed claim is for; the period follows
		"mdf_request",
		"activity_start",
		"activity_end",
		"actual_cost",
		"leads_generated",
		"pipeline_generated",
		"proofs",
	)
	PARTNER_ROWS = {"proofs": ("attachment", "description")}

	def before_validate(self):
		if self.is_new() and not self.channel_partner and not is_manager():
			self.channel_partner = partner_of()
		program = frappe.get_cached_doc("Incentive Program", self.program) if self.program else None
		if program and not self.currency:
			self.currency = program.currency
		if program and self.docstatus == 0:
			self.prepare(program)
		service.lock_rows_of(self)  # a new claim, or one moved to another allocation: before it is written

	def prepare(self, program):
		if program.program_type == rules.MDF:
			if self.mdf_request:
				req = frappe.db.get_value(
					"MDF Request",
					self.mdf_request,
					["start_date", "end_date", "program", "channel_partner"],
					as_dict=True,
				)
				if req and req.channel_partner == self.channel_partner:
					self.activity_start = self.activity_start or req.start_date
					self.activity_end = self.activity_end or req.end_date
			self.claimed_amount = float(
				rules.mdf_reimbursement(
					service.D(self.actual_cost),
					service.D(program.reimbursement_percentage),
					service.D(program.max_claim_amount) if flt(program.max_claim_amount) else None,
					service.D(10**15),
					service.precision(program.currency),
				)
			)
			self.set(
				"references",
				[
					{
						"reference_doctype": "MDF Request",
						"reference_name": self.mdf_request,
						"amount": self.actual_cost,
					}
				]
				if self.mdf_request
				else [],
			)
			on = self.activity_start or self.claim_date or nowdate()
			if not (getdate(program.start_date) <= getdate(on) <= getdate(program.end_date)):
				on = self.claim_date or nowdate()  # the activity dates are checked on submission
		else:
			# the period is the chosen allocation's (today's, if none is chosen), never the request's
			alloc = self.fund_allocation or service.allocation_for(
				self.program, self.channel_partner, self.claim_date or nowdate()
			)
			row = frappe.db.get_value(
				"Fund Allocation",
				alloc,
				["program", "channel_partner", "period_start", "period_end"],
				as_dict=True,
			)
			if not row or (row.program, row.channel_partner) != (self.program, self.channel_partner):
				frappe.throw(
					_("Fund allocation {0} is not one of your allocations in program {1}.").format(
						frappe.bold(alloc), frappe.bold(self.program)
					),
					title=_("Fund allocation"),
				)
			self.period_start, self.period_end = row.period_start, row.period_end
			amount, refs = service.compute(self)
			self.claimed_amount = float(amount)
			self.set("references", refs)
			on = self.period_start
		self.fund_allocation = service.allocation_for(self.program, self.channel_partner, on)

	def validate(self):
		manager = is_manager()
		if not manager and self.channel_partner != partner_of():
			frappe.throw(_("You can only claim for your own partner company."), frappe.PermissionError)
		previous = self.get_doc_before_save()
		old = previous.status if previous else "Draft"
		if not manager and previous and (previous.decision_reason or "") != (self.decision_reason or ""):
			frappe.throw(_("The decision is the channel manager's."), frappe.PermissionError)
		if old in ("Submitted", "Rejected") and self.status == old and not manager:
			frappe.throw(_("This claim is {0} and cannot be edited.").format(_(old)))
		if self.status not in ("Draft", "Submitted", "Rejected"):
			frappe.throw(_("A claim reaches {0} only by a decision.").format(_(self.status)))
		program_doc, facts = service.program(self.program)
		problem = service.eligibility_problem(facts, self.channel_partner)
		if problem:
			frappe.throw(explain_incentive(problem))
		if self.currency != program_doc.currency:
			frappe.throw(
				explain_incentive(
					"currency_mismatch", {"currency": self.currency, "expected": program_doc.currency}
				)
			)
		if self.status == "Submitted" and old != "Submitted":
			self.check_rules(program_doc, facts)
			self.submitted_on = now_datetime()
		if self.status == "Rejected" and old != "Rejected":
			if not manager:
				frappe.throw(_("Only a channel manager can reject a claim."), frappe.PermissionError)
			if not (self.decision_reason or "").strip():
				frappe.throw(_("Give the partner a reason for the rejection."), frappe.MandatoryError)
			self.decided_on, self.decided_by = now_datetime(), frappe.session.user

	def check_rules(self, program_doc, facts):
		preapproved = None
		duplicates: list[str] = []
		if program_doc.program_type == rules.MDF:
			if program_doc.requires_preapproval and not self.mdf_request:
				frappe.throw(
					_("Choose the pre-approved MDF request this claim is for."), frappe.MandatoryError
				)
			if self.mdf_request:
				# under the request's row lock, from current data: of two claims on one request
				# submitted at once, the second sees the first
				req = service.lock_mdf_request(self.mdf_request)
				if not req or req.channel_partner != self.channel_partner or req.program != self.program:
					frappe.throw(
						_("MDF request {0} is not one of yours in this program.").format(self.mdf_request)
					)
				if req.docstatus != 1 or req.status != "Approved":
					frappe.throw(_("MDF request {0} is not approved.").format(self.mdf_request))
				claimed = claimed_on(self.mdf_request, self.name, for_update=True)
				preapproved = service.D(req.approved_amount) - service.D(claimed)
				if claimed:
					duplicates.append(self.mdf_request)
		else:
			dup = frappe.db.get_value(
				"Incentive Claim",
				{
					"fund_allocation": self.fund_allocation,
					"name": ("!=", self.name),
					"status": ("in", service.CLAIM_LIVE),
					"period_start": ("<=", self.period_end),
					"period_end": (">=", self.period_start),
				},
				"name",
				for_update=True,  # current data, under the allocation's lock
			)
			if dup:
				duplicates.append(_("this period (claim {0})").format(dup))
			if program_doc.program_type == rules.DEAL_BONUS:
				taken = service.claimed_references(
					self.program, "Deal Registration", [r.reference_name for r in self.references], self.name
				)
				duplicates += sorted(taken)
		claim = rules.ClaimFacts(
			amount=service.D(self.claimed_amount),
			currency=self.currency,
			claim_date=getdate(self.claim_date),
			activity_start=getdate(self.activity_start) if self.activity_start else None,
			activity_end=getdate(self.activity_end) if self.activity_end else None,
			proof_count=len([p for p in self.proofs if p.attachment]),
			preapproved_remaining=preapproved,
			duplicate_references=tuple(duplicates),
		)
		problems = rules.check_claim(
			facts,
			claim,
			# locked: parallel submissions queue up, each sees what the others took
			service.balance(self.fund_allocation, for_update=True),
			bool(program_doc.proof_required) and program_doc.program_type == rules.MDF,
		)
		if problems:
			frappe.throw(
				"<br>".join(
					explain_incentive(p.code, {**p.params, "currency": self.currency}) for p in problems
				),
				title=_("The claim cannot be submitted"),
			)

	# --- approval: submit + payout -------------------------------------------------------------

	def before_submit(self):
		if self.status != "Submitted":
			frappe.throw(_("Only a submitted claim can be approved."))
		approved = service.D(self.approved_amount or self.claimed_amount)
		bal = service.balance(self.fund_allocation, for_update=True, exclude_claim=self.name)
		committed = bal.committed
		if self.mdf_request:
			# the request's pre-approved commitment turns into this claim: free it in the balance
			committed -= service.D(self.reimbursable_request().approved_amount)
		# An approval competes with money already approved or committed, not with other claims that
		# merely wait: whichever is approved first takes the money, the other is then refused.
		bal = rules.Balance(
			bal.allocated, max(rules.ZERO, committed), rules.ZERO, bal.approved, bal.paid, bal.expired
		)
		problems = rules.check_approval(service.D(self.claimed_amount), approved, bal)
		if problems:
			frappe.throw(
				"<br>".join(
					explain_incentive(p.code, {**p.params, "currency": self.currency}) for p in problems
				),
				title=_("Cannot approve"),
			)
		if approved < service.D(self.claimed_amount) and not (self.decision_reason or "").strip():
			frappe.throw(_("Say why less than claimed is approved."), frappe.MandatoryError)
		self.approved_amount = float(approved)
		self.status = "Partially Approved" if approved < service.D(self.claimed_amount) else "Approved"
		self.decided_on, self.decided_by = now_datetime(), frappe.session.user

	def reimbursable_request(self):
		"""The claim's MDF request, locked: it is reimbursed by one approved claim at most."""
		req = service.lock_mdf_request(self.mdf_request)
		if not req or req.docstatus != 1 or req.status != "Approved":
			frappe.throw(
				_("MDF request {0} is not approved, or has already been reimbursed.").format(
					self.mdf_request
				),
				title=_("Cannot approve"),
			)
		if frappe.db.sql(
			"""select name from `tabIncentive Claim`
			where mdf_request = %s and docstatus = 1 and name != %s limit 1 lock in share mode""",
			(self.mdf_request, self.name),
		):
			frappe.throw(
				_("MDF request {0} has already been reimbursed.").format(self.mdf_request),
				title=_("Cannot approve"),
			)
		return req

	def on_submit(self):
		doctype, name = payouts.make_payout(self)
		self.db_set({"payout_doctype": doctype, "payout_document": name, "paid_amount": 0})
		if self.mdf_request:
			frappe.db.set_value("MDF Request", self.mdf_request, "status", "Claimed")

	def before_cancel(self):
		# Refused before anything is written: a paid payout is reversed by cancelling its payment first.
		if self.payout_document and payouts.paid_amount(self.payout_doctype, self.payout_document) > 0:
			frappe.throw(
				_("{0} {1} has been paid: cancel the payment first.").format(
					_(self.payout_doctype), self.payout_document
				)
			)

	def on_trash(self):
		only_drafts_deleted(self)
		service.lock_rows_of(self)  # before the row is deleted and the totals refreshed

	def after_delete(self):
		service.follow_allocation(self, "after_delete")

	def on_change(self):
		summaries.follow_claim(self)  # every save, submit, cancel and db_set (payments) ends here
		service.follow_allocation(self)  # the allocation's stored totals
		live.on_change(self)

	def on_cancel(self):
		if (
			self.payout_document
			and frappe.db.get_value(self.payout_doctype, self.payout_document, "docstatus") == 1
		):
			payout = frappe.get_doc(self.payout_doctype, self.payout_document)
			payout.flags.ignore_permissions = True
			payout.cancel()
		self.db_set("status", "Cancelled")
		if self.mdf_request:
			frappe.db.set_value("MDF Request", self.mdf_request, "status", "Approved")


def on_doctype_update():
	# what a partner did in a period (Partner Activity report)
	frappe.db.add_index("Incentive Claim", ["channel_partner", "creation"])
	frappe.db.add_index("Incentive Claim", ["payout_doctype", "payout_document"])
	frappe.db.add_index("Incentive Claim", ["mdf_request"])
	# spend by period, read from the index only (workspace cards)
	frappe.db.add_index("Incentive Claim", ["status", "decided_on", "approved_amount"])
	frappe.db.add_index("Incentive Claim", ["docstatus", "decided_on", "approved_amount"])
	frappe.db.add_index("Incentive Claim", ["channel_partner", "status"])  # a partner's claims (portal)
	frappe.db.add_index("Incentive Claim", ["program", "status"])  # spend per program (dashboards)
	# balances of many allocations (portal lists) read the index only, not a million claim rows
	frappe.db.add_index(
		"Incentive Claim",
		[
			"fund_allocation",
			"docstatus",
			"status",
			"mdf_request",
			"claimed_amount",
			"approved_amount",
			"paid_amount",
		],
		"fund_allocation_balance_index",
	)
