"""Bridge between the database and the incentive money rules (``prm_extension.core.incentives``):
program facts, derived balances (with row locks on the write path), amounts computed from
submitted Sales Invoices and won registrations, and the claims already made. Payouts through
ERPNext accounting are ``services.payouts``."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import cint, flt, get_datetime, getdate, nowdate

from prm_extension.core import incentives as rules
from prm_extension.services.partners import tree_nodes

CLAIM_LIVE = ("Submitted", "Approved", "Partially Approved", "Paid")  # not Draft, Rejected, Cancelled


def D(value) -> Decimal:
	return Decimal(str(flt(value)))


def precision(currency: str | None) -> int:
	from frappe.utils import get_number_format_info

	fmt = frappe.db.get_value("Currency", currency, "number_format") if currency else None
	places = (
		frappe.db.get_value("Currency", currency, "smallest_currency_fraction_value") if currency else None
	)
	if places is not None and flt(places) >= 1:
		return 0
	if fmt:
		return get_number_format_info(fmt)[2]
	return 2


def program(name: str):
	doc = frappe.get_cached_doc("Incentive Program", name)
	facts = rules.ProgramFacts(
		name=doc.name,
		program_type=doc.program_type,
		active=doc.status == "Active",
		start=getdate(doc.start_date),
		end=getdate(doc.end_date),
		claim_deadline=getdate(doc.claim_deadline),
		currency=doc.currency,
		eligible_tiers=frozenset(r.tier for r in doc.eligible_tiers),
		eligible_partners=frozenset(r.channel_partner for r in doc.eligible_partners),
		product_lines=tuple(tree_nodes("Item Group", [r.item_group for r in doc.product_lines]).values()),
	)
	return doc, facts


def eligibility_problem(program_facts: rules.ProgramFacts, partner: str) -> str | None:
	row = frappe.db.get_value("Channel Partner", partner, ["status", "tier"], as_dict=True)
	if not row:
		frappe.throw(_("Channel Partner {0} does not exist.").format(partner), frappe.DoesNotExistError)
	return rules.eligibility(program_facts, partner, row.status, row.tier)


def allocation_for(program_name: str, partner: str, on) -> str:
	"""The partner's Fund Allocation of the program whose period contains ``on``."""
	alloc = frappe.qb.DocType("Fund Allocation")
	rows = (
		frappe.qb.from_(alloc)
		.select(alloc.name)
		.where(
			(alloc.program == program_name)
			& (alloc.channel_partner == partner)
			& (alloc.period_start <= on)
			& (alloc.period_end >= on)
		)
		.limit(1)
		.run()
	)
	if not rows:
		frappe.throw(
			_("Your partner company has no fund allocation in program {0} for {1}.").format(
				program_name, frappe.format(on, {"fieldtype": "Date"})
			),
			title=_("No allocation"),
		)
	return rows[0][0]


class AllocationBusy(frappe.ValidationError):
	"""A row this change must lock stayed locked by another change (or the two crossed): the
	change is refused and can be tried again; nothing of it is written."""


def _locked_row(query: str, name: str, label: str):
	"""``query`` (a ``for update`` read of one row): its current values, waiting for whoever holds
	the row. A lock wait that ends in a timeout or a deadlock is a refusal, not a server error."""
	try:
		rows = frappe.db.sql(query, name, as_dict=True)
	except (frappe.QueryTimeoutError, frappe.QueryDeadlockError):
		frappe.db.rollback()  # a timeout undoes only its statement: nothing of the change stays
		frappe.throw(
			_("{0} is being changed by someone else at this moment. Please try again.").format(label),
			AllocationBusy,
			title=_("Try again"),
		)
	return rows[0] if rows else None


def lock_allocation(name: str):
	"""Lock the allocation's row and return its current ``allocated_amount`` and ``program`` (None
	when it does not exist). Every change to an allocation's MDF requests and claims takes this lock
	first (``AllocationLocked``), so they queue up on it."""
	return _locked_row(
		"select name, allocated_amount, program from `tabFund Allocation` where name = %s for update",
		name,
		_("Fund Allocation {0}").format(name),
	)


def lock_mdf_request(name: str):
	"""Lock an MDF request's row (after its allocation's) and return its current values: the claims
	reimbursing one request queue up on it."""
	return _locked_row(
		"""select name, program, channel_partner, fund_allocation, status, docstatus, approved_amount
		from `tabMDF Request` where name = %s for update""",
		name,
		_("MDF Request {0}").format(name),
	)


def lock_rows_of(doc) -> None:
	"""The row locks a change to an MDF request or a claim takes before anything else: its fund
	allocations (the stored one and the new one, in name order), then, for a claim, its MDF
	request(s). The same order on every path (save, submit, cancel, db_set, delete), so concurrent
	changes queue up instead of deadlocking."""
	fields = ["fund_allocation", "mdf_request"] if doc.doctype == "Incentive Claim" else ["fund_allocation"]
	stored = (
		(frappe.db.get_value(doc.doctype, doc.name, fields, as_dict=True) or {}) if not doc.is_new() else {}
	)
	for field, lock in (("fund_allocation", lock_allocation), ("mdf_request", lock_mdf_request)):
		if field in fields:
			for name in sorted({n for n in (doc.get(field), stored.get(field)) if n}):
				lock(name)


class AllocationLocked:
	"""Mixin of MDF Request and Incentive Claim (listed before ``Document``): the allocation's
	lock is taken before Frappe locks the document's own row (``load_doc_before_save`` is the
	locking read of ``save``, ``submit``, ``cancel`` and ``db_set``), the order approvals use."""

	def load_doc_before_save(self, *, raise_exception: bool = False):
		if not self.is_new():
			lock_rows_of(self)
		return super().load_doc_before_save(raise_exception=raise_exception)


def balance(allocation: str, for_update: bool = False, exclude_claim: str | None = None) -> rules.Balance:
	"""Balance derived from submitted documents. ``for_update``: lock the allocation first and read
	with locking reads (current data, not the transaction's snapshot), so concurrent submissions
	and approvals queue up and see each other's results.

	Claims awaiting a decision count against it, except those drawing on a pre-approved MDF
	request, whose amount is already committed."""
	lock = " lock in share mode" if for_update else ""
	if for_update:
		row = lock_allocation(allocation)
	else:
		row = frappe.db.get_value(
			"Fund Allocation", allocation, ["allocated_amount", "program"], as_dict=True
		)
	if not row:
		frappe.throw(_("Fund Allocation {0} does not exist.").format(allocation), frappe.DoesNotExistError)
	deadline = frappe.get_cached_value("Incentive Program", row.program, "claim_deadline")
	committed = frappe.db.sql(
		"""select coalesce(sum(approved_amount), 0) from `tabMDF Request`
		where fund_allocation = %s and docstatus = 1 and status = 'Approved'"""
		+ lock,
		allocation,
	)[0][0]
	sums = frappe.db.sql(
		"""select
			coalesce(sum(case when docstatus = 0 and status = 'Submitted' and coalesce(mdf_request, '') = ''
				then claimed_amount end), 0),
			coalesce(sum(case when docstatus = 1 then approved_amount end), 0),
			coalesce(sum(case when docstatus = 1 then paid_amount end), 0)
		from `tabIncentive Claim` where fund_allocation = %s and name != %s"""
		+ lock,
		(allocation, exclude_claim or ""),
	)[0]
	return rules.Balance(
		allocated=D(row.allocated_amount),
		committed=D(committed),
		requested=D(sums[0]),
		approved=D(sums[1]),
		paid=D(sums[2]),
		expired=bool(deadline and getdate(deadline) < getdate(nowdate())),
	)


def open_programs(partner: str) -> list[str]:
	"""The programs the partner holds an allocation in whose claim deadline has not passed (what
	it can still spend), through ``frappe.get_list`` (permissions apply)."""
	today = getdate(nowdate())
	# grouped and ordered by program: a loose scan of the (program, channel_partner) index
	programs = frappe.get_list(
		"Fund Allocation",
		filters={"channel_partner": partner},
		fields=["program"],
		group_by="program",
		order_by="program asc",
		pluck="program",
	)
	return [
		p
		for p in programs
		if not (deadline := frappe.get_cached_value("Incentive Program", p, "claim_deadline"))
		or getdate(deadline) >= today
	]


TOTALS = ("committed_amount", "requested_amount", "approved_amount", "paid_amount")


def refresh_totals(allocation: str | None) -> None:
	"""Store the allocation's committed, requested, approved, paid and available amounts as
	``balance`` derives them from its documents (the lists read them; decisions always derive them
	afresh)."""
	if not allocation or not lock_allocation(allocation):
		return
	# under the allocation's lock, from current data: whatever the interleaving of changes, the
	# last one to commit stores what all of them add up to
	b = balance(allocation, for_update=True)
	values = dict(zip(TOTALS, (b.committed, b.requested, b.approved, b.paid), strict=True))
	# what is left while the program accepts claims (readers check the deadline themselves)
	values["available_amount"] = dataclasses.replace(b, expired=False).available
	frappe.db.set_value("Fund Allocation", allocation, values, update_modified=False)


def follow_allocation(doc, method=None) -> None:
	"""MDF Request and Incentive Claim changed (their controllers' on_change, after_delete): refresh the totals
	of the allocation the document draws on, and of the one it drew on before."""
	previous = doc.get_doc_before_save() if method != "after_delete" else None
	names = {doc.get("fund_allocation"), previous.get("fund_allocation") if previous else None}
	for name in sorted(n for n in names if n):  # in lock order
		refresh_totals(name)


def refresh_all_totals(batch_size: int = 500) -> int:
	"""Long-queue job (after upgrading): store every allocation's totals, committed per batch."""
	names = frappe.get_all("Fund Allocation", pluck="name", order_by="name")
	for i, name in enumerate(names, 1):
		refresh_totals(name)
		if i % batch_size == 0:
			if not frappe.flags.in_test:
				frappe.db.commit()
			frappe.publish_progress(i * 100 / len(names), title="Fund allocation totals")
	return len(names)


def allocation_balances(partner: str | None, start: int = 0, page_length: int = 200) -> list[dict]:
	"""The partner's allocations with their derived balances, newest period first (``start`` and
	``page_length``, at most 200, page through them). ``partner`` None: every allocation the
	caller may read (``frappe.get_list`` applies the partner condition)."""
	start, page_length = max(cint(start), 0), min(max(cint(page_length), 1), 200)
	filters = {"channel_partner": partner} if partner else {}
	out = []
	rows = frappe.get_list(
		"Fund Allocation",
		filters=filters,
		fields=[
			"name",
			"program",
			"channel_partner",
			"period_start",
			"period_end",
			"currency",
			"allocated_amount",
		],
		order_by="period_end desc, name desc",
		limit_start=start,
		limit_page_length=page_length,
	)
	computed = balances_for([a.name for a in rows])
	for a in rows:
		b = computed[a.name]
		out.append(
			{
				**a,
				**{
					k: float(getattr(b, k))
					for k in ("committed", "requested", "approved", "paid", "available", "unpaid")
				},
				"expired": b.expired,
			}
		)
	return out


def balances_for(allocations: list[str]) -> dict[str, rules.Balance]:
	"""Balances of many allocations at once, from the totals stored on them (``refresh_totals``);
	for lists, never for a decision."""
	if not allocations:
		return {}
	rows = frappe.get_all(
		"Fund Allocation",
		filters={"name": ("in", allocations)},
		fields=["name", "allocated_amount", "program", *TOTALS],
	)
	today = getdate(nowdate())
	deadlines: dict = {}
	out = {}
	for row in rows:
		if row.program not in deadlines:
			deadlines[row.program] = frappe.get_cached_value(
				"Incentive Program", row.program, "claim_deadline"
			)
		deadline = deadlines[row.program]
		out[row.name] = rules.Balance(
			allocated=D(row.allocated_amount),
			committed=D(row.committed_amount),
			requested=D(row.requested_amount),
			approved=D(row.approved_amount),
			paid=D(row.paid_amount),
			expired=bool(deadline and getdate(deadline) < today),
		)
	return out


# --- amounts from sales data -----------------------------------------------------------------


def _period_lines(program_doc, partner: str, start, end) -> tuple[list[rules.SalesLine], dict[str, int]]:
	"""The partner's submitted Sales Invoice lines in the period, summed per product line and item
	by the database (a few rows whatever the number of invoices), and the number of invoices per
	product line (from the ``WITH ROLLUP`` rows). Uses the (sales_partner, posting_date) index on
	Sales Invoice and the covering (parent, item_group, item_code, …) index on its items."""
	sales_partner = frappe.db.get_value("Channel Partner", partner, "sales_partner")
	if not sales_partner:
		return [], {}
	company_currency = frappe.get_cached_value("Company", program_doc.company, "default_currency")
	amount_col = "sii.base_net_amount" if program_doc.currency == company_currency else "sii.net_amount"
	currency_cond = "" if program_doc.currency == company_currency else " and si.currency = %(currency)s"
	rows = frappe.db.sql(
		f"""select ifnull(sii.item_group, '') as item_group, ifnull(sii.item_code, '') as item_code,
			count(distinct si.name) as invoices, sum(sii.stock_qty) as qty, sum({amount_col}) as amount
		from `tabSales Invoice` si join `tabSales Invoice Item` sii on sii.parent = si.name
		where si.docstatus = 1 and si.sales_partner = %(sp)s and si.company = %(company)s
			and si.posting_date between %(start)s and %(end)s{currency_cond}
		group by ifnull(sii.item_group, ''), ifnull(sii.item_code, '') with rollup""",
		{
			"sp": sales_partner,
			"company": program_doc.company,
			"start": start,
			"end": end,
			"currency": program_doc.currency,
		},
		as_dict=True,
	)
	nodes = tree_nodes("Item Group", {r.item_group for r in rows if r.item_group})
	lines = [
		rules.SalesLine("", r.item_code, nodes[r.item_group], D(r.qty), D(r.amount))
		for r in rows
		if r.item_code is not None and r.item_group in nodes
	]
	invoices = {r.item_group: r.invoices for r in rows if r.item_code is None and r.item_group}
	return lines, invoices


def compute(claim) -> tuple[Decimal, list[dict]]:
	"""Amount and references of a rebate, SPIFF or deal-bonus claim, from the database."""
	program_doc, facts = program(claim.program)
	places = precision(program_doc.currency)
	start, end = claim.period_start, claim.period_end
	if program_doc.program_type in (rules.REBATE, rules.SPIFF):
		period_lines, invoice_counts = _period_lines(program_doc, claim.channel_partner, start, end)
		lines = [
			ln
			for ln in period_lines
			if not facts.product_lines or any(rules.overlaps(p, ln.item_group) for p in facts.product_lines)
		]
		if program_doc.program_type == rules.REBATE:
			revenue = rules.eligible_revenue(lines, facts.product_lines)
			amount = rules.rebate(
				revenue,
				[rules.Bracket(D(b.threshold), D(b.rate_percent)) for b in program_doc.brackets],
				program_doc.bracket_mode or rules.RETROACTIVE,
				places,
			)
		else:
			spiff_rules = [
				rules.SpiffRule(
					D(r.amount_per_unit),
					r.item_code or "",
					tree_nodes("Item Group", [r.item_group]).get(r.item_group) if r.item_group else None,
				)
				for r in program_doc.spiff_rules
			]
			amount = rules.spiff(lines, spiff_rules, places)
		per_group: dict[str, list] = {}
		for ln in lines:
			entry = per_group.setdefault(ln.item_group.name, [Decimal(0), Decimal(0)])
			entry[0] += ln.qty
			entry[1] += ln.amount
		refs = [
			{
				"reference_doctype": "Item Group",
				"reference_name": group,
				"description": _("{0} invoices").format(invoice_counts.get(group, 0)),
				"qty": float(qty),
				"amount": float(total),
			}
			for group, (qty, total) in sorted(per_group.items())
		]
		return amount, refs
	if program_doc.program_type == rules.DEAL_BONUS:
		deals = frappe.get_all(
			"Deal Registration",
			filters={
				"channel_partner": claim.channel_partner,
				"status": "Won",
				"won_on": ("between", [start, end]),
			},
			fields=["name", "won_amount", "title"],
			limit_page_length=0,
		)
		taken = claimed_references(claim.program, "Deal Registration", [d.name for d in deals], claim.name)
		deals = [d for d in deals if d.name not in taken]
		amount = rules.deal_bonus(
			[D(d.won_amount) for d in deals],
			D(program_doc.bonus_per_deal),
			D(program_doc.bonus_percentage),
			places,
		)
		refs = [
			{
				"reference_doctype": "Deal Registration",
				"reference_name": d.name,
				"description": d.title,
				"qty": 1,
				"amount": flt(d.won_amount),
			}
			for d in deals
		]
		return amount, refs
	return Decimal(0), []


def claimed_references(program_name: str, doctype: str, names, exclude: str | None) -> set[str]:
	"""References already used by a live claim of the same program."""
	if not names:
		return set()
	ref = frappe.qb.DocType("Incentive Claim Reference")
	claim = frappe.qb.DocType("Incentive Claim")
	rows = (
		frappe.qb.from_(ref)
		.join(claim)
		.on(ref.parent == claim.name)
		.select(ref.reference_name)
		.where(
			(ref.reference_doctype == doctype)
			& ref.reference_name.isin(list(names))
			& (claim.program == program_name)
			& claim.status.isin(CLAIM_LIVE)
			& (claim.name != (exclude or ""))
		)
		.run()
	)
	return {r[0] for r in rows}


def now():
	return get_datetime()
