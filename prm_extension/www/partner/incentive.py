"""Partner portal: one MDF request or incentive claim (/partner/incentives/<name>), the MDF request
form (/partner/incentives/new-mdf) and the claim form (/partner/incentives/new-claim).

The route comes from ``website_route_rules`` in hooks.py (``/partner/incentives/<name>`` → this
page). Documents are created by the page's script through ``/api/resource`` and submitted through
``prm_extension.api.incentives``; every rule is the server's.
"""

from __future__ import annotations

from urllib.parse import quote

import frappe
from frappe import _
from frappe.utils import escape_html, flt, formatdate, get_datetime, nowdate

from prm_extension.portal.pages import portal_sidebar, require_portal_user
from prm_extension.prm.doctype.mdf_request.mdf_request import claimed_on
from prm_extension.services import incentives as service
from prm_extension.services.formatting import money, period_text, status_class
from prm_extension.www.partner.incentives import MDF, programs_by_name

no_cache = 1
NEW_MDF = "new-mdf"
NEW_CLAIM = "new-claim"
# Proof files: what the form accepts (the server's limits — file types for website users and the
# site's max_file_size — are authoritative).
PROOF_EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "csv", "xlsx", "docx")
PROOF_MAX_BYTES = 5 * 1024 * 1024
MAX_PROOFS = 10


def get_context(context):
	name = frappe.form_dict.get("name")
	path = f"/partner/incentives/{quote(name)}" if isinstance(name, str) and name else "/partner/incentives"
	partner = require_portal_user(path)
	context.show_sidebar = True
	context.sidebar_items = portal_sidebar()
	context.parents = [{"route": "/partner/incentives", "title": _("Incentives")}]
	context.partner = partner
	context.partner_status = frappe.db.get_value("Channel Partner", partner, "status") if partner else None
	context.view = None
	if name == NEW_MDF:
		mdf_form_context(context, partner)
	elif name == NEW_CLAIM:
		claim_form_context(context, partner)
	else:
		detail_context(context, name)
	return context


# --- what the partner may use ----------------------------------------------------------------------


def open_allocations(partner: str | None, program_type: str | None = None, mdf: bool | None = None):
	"""The partner's allocations in Active programs it is eligible for whose claim deadline has not
	passed, each with its balance."""
	if not partner:
		return []
	filters = {}
	if mdf is True:
		filters["program_type"] = MDF
	elif mdf is False:
		filters["program_type"] = ("!=", MDF)
	rows = frappe.get_list(
		"Fund Allocation",
		filters=filters,
		fields=["name", "program", "program_type", "period_start", "period_end", "currency"],
		order_by="period_start asc",
		limit_page_length=500,
	)
	programs = programs_by_name([r.program for r in rows])  # Active programs only
	balances = service.balances_for([r.name for r in rows if r.program in programs])  # stored totals
	out = []
	for r in rows:
		if r.program not in programs:
			continue
		doc, facts = service.program(r.program)
		if service.eligibility_problem(facts, partner):
			continue
		bal = balances[r.name]
		if bal.expired:
			continue
		r.program_doc = doc
		r.available = float(bal.available)
		out.append(r)
	return out


def program_option(doc) -> frappe._dict:
	return frappe._dict(
		name=doc.name,
		program_type=doc.program_type,
		currency=doc.currency,
		start=str(doc.start_date),
		end=str(doc.end_date),
		dates=period_text(doc.start_date, doc.end_date),
		claim_deadline=formatdate(doc.claim_deadline),
		share=flt(doc.reimbursement_percentage),
		cap=flt(doc.max_claim_amount),
		preapproval=1 if doc.requires_preapproval else 0,
		proof_required=1 if doc.proof_required else 0,
	)


def mdf_programs(allocations) -> list[frappe._dict]:
	"""One option per MDF program, with the partner's allocation periods and what is available."""
	options: dict[str, frappe._dict] = {}
	for a in allocations:
		opt = options.get(a.program)
		if not opt:
			opt = options[a.program] = program_option(a.program_doc)
			opt.periods = []
		opt.periods.append(
			_("{0}: {1} available").format(
				period_text(a.period_start, a.period_end), money(a.available, a.currency)
			)
		)
	for opt in options.values():
		available = "; ".join(opt.periods)
		opt.request_hint = _("Program runs {0}; claims until {1}. {2}").format(
			opt.dates, opt.claim_deadline, available
		)
		share = _("{0} % of the actual cost").format(f"{opt.share:g}")
		if opt.cap:
			share += ", " + _("at most {0} per claim").format(money(opt.cap, opt.currency))
		opt.claim_hint = _("{0}. Claims until {1}. {2}").format(share, opt.claim_deadline, available)
	return list(options.values())


# --- the MDF request form --------------------------------------------------------------------------


def mdf_form_context(context, partner: str | None):
	context.view = "mdf-form"
	context.title = _("Request market development funds")
	context.programs = mdf_programs(open_allocations(partner, mdf=True))
	wanted = frappe.form_dict.get("program")
	context.selected_program = wanted if any(p.name == wanted for p in context.programs) else None
	field = frappe.get_meta("MDF Request").get_field("activity_type")
	context.activity_types = [o for o in (field.options or "").split("\n") if o]
	context.today = nowdate()


# --- the claim form --------------------------------------------------------------------------------


def claim_form_context(context, partner: str | None):
	context.view = "claim-form"
	context.title = _("New claim")
	context.mdf_programs = mdf_programs(open_allocations(partner, mdf=True))
	computed = open_allocations(partner, mdf=False)
	drafts = {}
	if computed:
		for d in frappe.get_list(
			"Incentive Claim",
			filters={
				"status": "Draft",
				"docstatus": 0,
				"fund_allocation": ("in", [a.name for a in computed]),
			},
			fields=["name", "fund_allocation", "period_start", "period_end"],
			order_by="modified desc",
			limit_page_length=500,
		):
			drafts.setdefault((d.fund_allocation, str(d.period_start), str(d.period_end)), d.name)
	context.computed = [
		frappe._dict(
			allocation=a.name,
			draft=drafts.get((a.name, str(a.period_start), str(a.period_end))),
			program=a.program,
			program_type=a.program_type,
			currency=a.currency,
			period_start=str(a.period_start),
			period_end=str(a.period_end),
			label=f"{a.program} · {period_text(a.period_start, a.period_end)}",
			hint=_("{0}: computed for {1}; {2} available.").format(
				_(a.program_type), period_text(a.period_start, a.period_end), money(a.available, a.currency)
			),
		)
		for a in computed
	]
	names = {p.name for p in context.mdf_programs}
	requests = (
		frappe.get_list(
			"MDF Request",
			filters={"docstatus": 1, "status": "Approved", "program": ("in", sorted(names))},
			fields=[
				"name",
				"program",
				"activity_name",
				"start_date",
				"end_date",
				"approved_amount",
				"currency",
			],
			order_by="start_date desc",
			limit_page_length=200,
		)
		if names
		else []
	)
	context.requests = []
	for r in requests:
		remaining = flt(r.approved_amount) - claimed_on(r.name)
		if remaining <= 0:
			continue  # its claim is waiting for a decision
		context.requests.append(
			frappe._dict(
				name=r.name,
				program=r.program,
				label=f"{r.activity_name} ({r.name})",
				start=str(r.start_date),
				end=str(r.end_date),
				remaining=remaining,
				remaining_text=money(remaining, r.currency),
			)
		)
	wanted = frappe.form_dict.get("mdf_request")
	chosen = next((r for r in context.requests if r.name == wanted), None)
	context.selected_request = chosen.name if chosen else None
	wanted_program = frappe.form_dict.get("program")
	context.selected_program = (
		chosen.program
		if chosen
		else (wanted_program if any(p.name == wanted_program for p in context.mdf_programs) else None)
	)
	context.proof_accept = ",".join("." + e for e in PROOF_EXTENSIONS)
	context.proof_extensions = " ".join(PROOF_EXTENSIONS)
	context.proof_max_bytes = PROOF_MAX_BYTES
	context.max_proofs = MAX_PROOFS
	context.today = nowdate()


# --- one request or claim --------------------------------------------------------------------------


def load(name):
	"""The MDF request or claim if this user may read it. Another partner's document is answered
	exactly like one that does not exist (404), so its existence is not confirmed."""
	if not isinstance(name, str) or not name or len(name) > 140:
		raise frappe.PageDoesNotExistError
	for doctype in ("MDF Request", "Incentive Claim"):
		if frappe.db.exists(doctype, name):
			doc = frappe.get_doc(doctype, name)
			if not frappe.has_permission(doctype, "read", doc):
				raise frappe.PageDoesNotExistError
			doc.apply_fieldlevel_read_permissions()
			return doc
	raise frappe.PageDoesNotExistError


def when(value) -> str:
	return formatdate(value) + get_datetime(value).strftime(" %H:%M") if value else ""


def detail_context(context, name):
	doc = load(name)
	saved = frappe.form_dict.get("saved")
	context.saved = saved if saved in ("draft", "submitted") else None
	context.status_class = status_class(doc.status)
	context.doc_name = doc.name
	context.status = doc.status
	context.decision_reason = doc.decision_reason
	context.can_write = bool(doc.docstatus == 0 and doc.status == "Draft" and doc.has_permission("write"))
	context.can_recalculate = False
	if doc.doctype == "MDF Request":
		request_context(context, doc)
	else:
		claim_context(context, doc)


def request_context(context, doc):
	cur = doc.currency
	context.view = "mdf"
	context.title = escape_html(doc.activity_name or doc.name)
	context.heading = doc.activity_name or doc.name
	context.facts = [
		(_("Program"), doc.program),
		(_("Activity type"), _(doc.activity_type) if doc.activity_type else ""),
		(_("Activity dates"), period_text(doc.start_date, doc.end_date)),
		(_("Estimated cost"), money(doc.estimated_cost, cur)),
		(_("Requested amount"), money(doc.requested_amount, cur)),
		(
			_("Approved amount"),
			money(doc.approved_amount, cur)
			if doc.docstatus == 1 or doc.status in ("Approved", "Claimed")
			else "–",
		),
		(_("Expected leads"), str(doc.expected_leads or 0)),
		(_("Expected pipeline"), money(doc.expected_pipeline, cur)),
		(_("Submitted on"), when(doc.submitted_on) or "–"),
		(_("Decided on"), when(doc.decided_on) or "–"),
	]
	context.plan = doc.plan
	context.claims = [
		frappe._dict(
			name=c.name,
			claim_date=formatdate(c.claim_date) if c.claim_date else "",
			claimed=money(c.claimed_amount, c.currency),
			status=c.status,
			status_class=status_class(c.status),
		)
		for c in frappe.get_list(
			"Incentive Claim",
			filters={"mdf_request": doc.name},
			fields=["name", "claim_date", "claimed_amount", "currency", "status"],
			order_by="creation desc",
			limit_page_length=50,
		)
	]
	remaining = flt(doc.approved_amount) - claimed_on(doc.name) if doc.docstatus == 1 else 0
	context.can_claim = bool(
		context.partner and doc.docstatus == 1 and doc.status == "Approved" and remaining > 0
	)
	context.remaining = money(remaining, cur) if doc.docstatus == 1 else ""
	context.submit_method = "prm_extension.api.incentives.submit_mdf_request"
	context.submit_arg = "request"


def proof_link(url: str | None) -> str | None:
	"""Only the site's own files (and plain web links) become links."""
	if not url:
		return None
	if url.startswith(("/private/files/", "/files/", "https://", "http://")):
		return url
	return None


def claim_context(context, doc):
	cur = doc.currency
	is_mdf = doc.program_type == MDF or bool(doc.mdf_request)
	decided = doc.docstatus == 1
	context.view = "claim"
	context.title = escape_html(f"{doc.program} · {doc.name}")
	context.heading = doc.program
	context.is_mdf = is_mdf
	context.program_type = doc.program_type
	approved = flt(doc.approved_amount)
	paid = flt(doc.paid_amount)
	if not decided:
		pay_state = ""
	elif doc.status == "Cancelled":
		pay_state = _("Cancelled")
	elif paid >= approved - 0.005 and approved > 0:
		pay_state = _("Paid")
	elif paid > 0:
		pay_state = _("Partly paid: {0} of {1}").format(money(paid, cur), money(approved, cur))
	else:
		pay_state = _("Not paid yet")
	context.pay_state = pay_state
	context.amounts = [
		(_("Claimed amount") if is_mdf else _("Computed amount"), money(doc.claimed_amount, cur), "claimed"),
		(_("Approved amount"), money(approved, cur) if decided else "–", "approved"),
		(_("Paid amount"), money(paid, cur) if decided else "–", "paid"),
	]
	facts = [
		(_("Program type"), _(doc.program_type) if doc.program_type else ""),
		(_("Claim date"), formatdate(doc.claim_date)),
	]
	if is_mdf:
		facts += [
			(_("MDF request"), doc.mdf_request or _("none")),
			(_("Activity dates"), period_text(doc.activity_start, doc.activity_end) or "–"),
			(_("Actual cost"), money(doc.actual_cost, cur)),
			(_("Leads generated"), str(doc.leads_generated or 0)),
			(_("Pipeline generated"), money(doc.pipeline_generated, cur)),
		]
	else:
		facts.append((_("Period"), period_text(doc.period_start, doc.period_end)))
	facts += [
		(_("Submitted on"), when(doc.submitted_on) or "–"),
		(_("Decided on"), when(doc.decided_on) or "–"),
	]
	context.facts = facts
	context.mdf_request = doc.mdf_request
	refs = []
	for r in doc.get("references") or []:
		description = r.description or ""
		if r.reference_doctype == "MDF Request":
			url = f"/partner/incentives/{quote(r.reference_name or '')}"
			label = _("MDF request")
			description = description or _("Actual cost of the activity")
		elif r.reference_doctype == "Deal Registration":
			url = f"/partner/deals/{quote(r.reference_name or '')}"
			label = _("Won deal")
		else:
			url = None
			label = _("Product line") if r.reference_doctype == "Item Group" else _(r.reference_doctype or "")
		refs.append(
			frappe._dict(
				kind=label,
				name=r.reference_name,
				url=url if r.reference_name else None,
				description=description,
				qty=f"{flt(r.qty):.3f}".rstrip("0").rstrip(".") if r.qty else "",
				amount=money(r.amount, cur) if r.amount is not None else "",
			)
		)
	context.references = refs
	context.basis_note = basis_note(doc)
	context.basis_calc = mdf_calculation(doc) if is_mdf else ""
	# a computed draft with nothing to claim: the server would refuse it, so no Submit button
	context.nothing_to_claim = bool(not is_mdf and doc.docstatus == 0 and flt(doc.claimed_amount) <= 0)
	context.can_recalculate = bool(not is_mdf and context.can_write)
	if context.nothing_to_claim:
		context.can_write = False
	context.proofs = [
		frappe._dict(
			url=proof_link(p.attachment),
			file_name=(p.attachment or "").rsplit("/", 1)[-1],
			description=p.description or "",
		)
		for p in doc.get("proofs") or []
	]
	context.submit_method = "prm_extension.api.incentives.submit_claim"
	context.submit_arg = "claim"


def mdf_calculation(doc) -> str:
	"""``$1,600.00 × 50 % = $800.00`` (the program's share; caps explain a smaller amount)."""
	program = frappe.get_cached_doc("Incentive Program", doc.program)
	share = flt(program.reimbursement_percentage)
	cur = doc.currency
	text = f"{money(doc.actual_cost, cur)} × {share:g} % = {money(doc.claimed_amount, cur)}"
	if flt(doc.claimed_amount) + 0.01 < flt(doc.actual_cost) * share / 100:
		text += " " + _("(capped at {0} per claim)").format(money(program.max_claim_amount, cur))
	return text


def basis_note(doc) -> str:
	if doc.program_type == MDF or doc.mdf_request:
		return _("The vendor's share of the activity's actual cost, computed by the server.")
	if doc.program_type == "Volume Rebate":
		return _("Your revenue from submitted sales invoices in the period, per product line.")
	if doc.program_type == "SPIFF":
		return _("Units sold on submitted sales invoices in the period, per product line.")
	if doc.program_type == "Registered-Deal Bonus":
		return _("Your registered deals won in the period that no other claim has used.")
	return ""
