"""Partner portal: the partner's incentives — fund balances, the programs it may use, its MDF
requests and its claims (each list with a status filter and pages)."""

from __future__ import annotations

from urllib.parse import urlencode

import frappe
from frappe import _

from prm_extension.portal.pages import portal_sidebar, require_portal_user
from prm_extension.services.formatting import date as portal_date
from prm_extension.services.formatting import money, page_number, period_text, status_class
from prm_extension.services.incentives import allocation_balances, open_programs
from prm_extension.services.partners import is_manager

no_cache = 1
PAGE_LENGTH = 20
MDF = "MDF / Co-op"
REQUEST_STATUSES = ("Draft", "Submitted", "Approved", "Rejected", "Claimed", "Cancelled")
CLAIM_STATUSES = ("Draft", "Submitted", "Approved", "Partially Approved", "Rejected", "Paid", "Cancelled")


# --- data ------------------------------------------------------------------------------------------


def partner_balances(partner: str | None, page: int = 1) -> list[dict]:
	"""One page of the partner's allocations with their balances (``services.incentives``;
	one row more than a page, to know there is a next one), plus program type and claim
	deadline."""
	if not partner:
		return []
	rows = allocation_balances(partner, start=(page - 1) * PAGE_LENGTH, page_length=PAGE_LENGTH + 1)
	meta = (
		{
			a.name: a
			for a in frappe.get_list(
				"Fund Allocation",
				filters={"name": ("in", [r["name"] for r in rows])},
				fields=["name", "program_type"],
				limit_page_length=0,
			)
		}
		if rows
		else {}
	)
	deadlines = programs_by_name([r["program"] for r in rows])
	out = []
	for r in rows:
		cur = r.get("currency")
		prog = deadlines.get(r["program"])
		out.append(
			frappe._dict(
				name=r["name"],
				program=r["program"],
				program_type=(meta.get(r["name"]) or {}).get("program_type")
				or (prog.program_type if prog else ""),
				period=period_text(r.get("period_start"), r.get("period_end")),
				period_start=portal_date(r["period_start"]) if r.get("period_start") else "",
				period_end=portal_date(r["period_end"]) if r.get("period_end") else "",
				closed=prog is None,  # partners read Active programs only
				claim_deadline=portal_date(prog.claim_deadline) if prog and prog.claim_deadline else "",
				allocated=money(r.get("allocated_amount"), cur),
				committed=money(r.get("committed"), cur),
				requested=money(r.get("requested"), cur),
				approved=money(r.get("approved"), cur),
				paid=money(r.get("paid"), cur),
				available=money(r.get("available"), cur),
				available_value=r.get("available") or 0,
				expired=bool(r.get("expired")),
			)
		)
	out.sort(key=lambda b: (b.closed, b.expired))  # what the partner can use first (stable sort)
	return out


def programs_by_name(names) -> dict:
	"""Active programs (the only ones partners may read) by name."""
	names = sorted({n for n in names if n})
	if not names:
		return {}
	return {
		p.name: p
		for p in frappe.get_list(
			"Incentive Program",
			filters={"name": ("in", names)},
			fields=["name", "program_type", "claim_deadline", "currency"],
			limit_page_length=0,
		)
	}


def usable_programs(partner: str | None) -> list[dict]:
	"""Active programs the partner is eligible for, with whether it has an allocation in them."""
	from prm_extension.services.promotions import eligible_programs

	return eligible_programs(partner)


def list_state(args, prefix: str, statuses) -> tuple[str | None, int]:
	status = args.get(f"{prefix}_status")
	return (status if status in statuses else None), page_number(args.get(f"{prefix}_page"))


def get_context(context):
	partner = require_portal_user("/partner/incentives")
	args = frappe.form_dict
	req_status, req_page = list_state(args, "req", REQUEST_STATUSES)
	claim_status, claim_page = list_state(args, "claim", CLAIM_STATUSES)
	fund_page = page_number(args.get("fund_page"))
	state = {
		"fund_page": fund_page,
		"req_status": req_status,
		"req_page": req_page,
		"claim_status": claim_status,
		"claim_page": claim_page,
	}

	def url(anchor: str, **changes) -> str:
		params = {**state, **changes}
		query = {k: v for k, v in params.items() if v and not (k.endswith("_page") and v == 1)}
		return "/partner/incentives" + ("?" + urlencode(query) if query else "") + f"#{anchor}"

	# frappe.get_list applies the partner permission conditions: only this partner's documents.
	requests = frappe.get_list(
		"MDF Request",
		fields=[
			"name",
			"program",
			"activity_type",
			"activity_name",
			"start_date",
			"end_date",
			"currency",
			"requested_amount",
			"approved_amount",
			"status",
			"decision_reason",
		],
		filters={"status": req_status} if req_status else {},
		order_by="modified desc",
		start=(req_page - 1) * PAGE_LENGTH,
		page_length=PAGE_LENGTH + 1,
	)
	claims = frappe.get_list(
		"Incentive Claim",
		fields=[
			"name",
			"program",
			"program_type",
			"claim_date",
			"mdf_request",
			"period_start",
			"period_end",
			"currency",
			"claimed_amount",
			"approved_amount",
			"paid_amount",
			"status",
			"decision_reason",
		],
		filters={"status": claim_status} if claim_status else {},
		order_by="modified desc",
		start=(claim_page - 1) * PAGE_LENGTH,
		page_length=PAGE_LENGTH + 1,
	)

	context.requests = [
		frappe._dict(
			name=r.name,
			activity=r.activity_name or r.name,
			activity_type=r.activity_type,
			program=r.program,
			start=portal_date(r.start_date) if r.start_date else "",
			end=portal_date(r.end_date) if r.end_date else "",
			requested=money(r.requested_amount, r.currency),
			approved=money(r.approved_amount, r.currency) if r.status in ("Approved", "Claimed") else "",
			status=r.status,
			status_class=status_class(r.status),
			decision_reason=r.decision_reason if r.status in ("Approved", "Rejected", "Claimed") else "",
		)
		for r in requests[:PAGE_LENGTH]
	]
	context.claims = [
		frappe._dict(
			name=c.name,
			program=c.program,
			program_type=c.program_type,
			basis=(
				c.mdf_request
				if c.mdf_request
				else (period_text(c.period_start, c.period_end) if c.program_type != MDF else "")
			),
			claim_date=portal_date(c.claim_date) if c.claim_date else "",
			claimed=money(c.claimed_amount, c.currency),
			approved=money(c.approved_amount, c.currency)
			if c.status in ("Approved", "Partially Approved", "Paid")
			else "",
			paid=money(c.paid_amount, c.currency)
			if c.status in ("Approved", "Partially Approved", "Paid")
			else "",
			status=c.status,
			status_class=status_class(c.status),
			decision_reason=c.decision_reason if c.status not in ("Draft", "Submitted") else "",
		)
		for c in claims[:PAGE_LENGTH]
	]
	context.req_prev = url("prm-mdf", req_page=req_page - 1) if req_page > 1 else None
	context.req_next = url("prm-mdf", req_page=req_page + 1) if len(requests) > PAGE_LENGTH else None
	context.claim_prev = url("prm-claims", claim_page=claim_page - 1) if claim_page > 1 else None
	context.claim_next = url("prm-claims", claim_page=claim_page + 1) if len(claims) > PAGE_LENGTH else None
	context.req_filters = [(_("All"), url("prm-mdf", req_status=None, req_page=1), not req_status)] + [
		(_(s), url("prm-mdf", req_status=s, req_page=1), req_status == s) for s in REQUEST_STATUSES
	]
	context.claim_filters = [
		(_("All"), url("prm-claims", claim_status=None, claim_page=1), not claim_status)
	] + [(_(s), url("prm-claims", claim_status=s, claim_page=1), claim_status == s) for s in CLAIM_STATUSES]
	context.req_status = req_status
	context.claim_status = claim_status
	balances = partner_balances(partner, fund_page)
	context.balances = balances[:PAGE_LENGTH]
	context.fund_prev = url("prm-balances-card", fund_page=fund_page - 1) if fund_page > 1 else None
	context.fund_next = (
		url("prm-balances-card", fund_page=fund_page + 1) if len(balances) > PAGE_LENGTH else None
	)
	context.programs = usable_programs(partner)
	context.partner = partner
	context.is_manager = is_manager()
	# what the partner can still spend, on any page of its balances
	open_types = (
		{frappe.get_cached_value("Incentive Program", p, "program_type") for p in open_programs(partner)}
		if partner
		else set()
	)
	context.can_request = MDF in open_types
	context.can_claim = bool(open_types)
	context.partner_status = frappe.db.get_value("Channel Partner", partner, "status") if partner else None
	context.title = _("Incentives")
	context.show_sidebar = True
	context.sidebar_items = portal_sidebar()
	return context
