"""What one document adds to a pre-aggregated summary, and how a summary follows a document that
changes (no frappe here).

The dashboards read monthly summaries instead of millions of rows. A summary is a map from a key
(the dimensions: month, partner, territory, …) to measures (counts and amounts). Each document
*contributes* a few rows; when it changes, the summary receives ``delta(before, after)``: the new
contribution minus the old one. Applying the deltas of every change, in any order of changes,
leaves exactly the contribution of each document's last state (the invariant the fast suite checks
with hypothesis), so no path (form, workflow, REST, scheduler, Data Import) needs its own rule.

Amounts are ``Decimal`` so that adding and taking away is exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

Key = tuple
Measures = tuple
Summary = dict[Key, Measures]

ZERO = Decimal(0)


def dec(value) -> Decimal:
	if value in (None, ""):
		return ZERO
	if isinstance(value, Decimal):
		return value
	return Decimal(str(value))


STORED = Decimal("1e-9")  # the summary tables' amounts are decimal(21, 9)


def stored(value: Decimal) -> Decimal:
	"""An amount as the summary table keeps it. Contributions are rounded to it so that adding and
	taking them away is exact (28-digit quotients such as a won amount split over lines would
	otherwise leave rounding residues behind)."""
	return value.quantize(STORED)


def month_of(value) -> date | None:
	"""The first day of the month ``value`` (a date, datetime or ISO string) falls in."""
	if value in (None, ""):
		return None
	if isinstance(value, datetime):
		value = value.date()
	elif isinstance(value, str):
		value = date.fromisoformat(value[:10])
	return value.replace(day=1)


def add(summary: Summary, rows: Mapping[Key, Measures], sign: int = 1) -> Summary:
	"""Add ``rows`` (times ``sign``) into ``summary`` in place; keys whose measures all reach zero
	are dropped."""
	for key, measures in rows.items():
		current = summary.get(key)
		new = tuple((current[i] if current else 0) + sign * m for i, m in enumerate(measures))
		if any(new):
			summary[key] = new
		else:
			summary.pop(key, None)
	return summary


def delta(before: Mapping[Key, Measures], after: Mapping[Key, Measures]) -> Summary:
	"""``after - before``, without the keys that do not change."""
	out: Summary = {}
	add(out, after)
	add(out, before, -1)
	return out


def total(contributions: Iterable[Mapping[Key, Measures]]) -> Summary:
	out: Summary = {}
	for rows in contributions:
		add(out, rows)
	return out


# --- deal registrations -----------------------------------------------------------------------

DEAL_GRAIN = "Registration"
LINE_GRAIN = "Product Line"
# the same two grains without the territory: 15 times fewer rows to read when no territory is
# asked for (the workspace charts, most reports)
DEAL_TOTAL_GRAIN = "Registration (all territories)"
LINE_TOTAL_GRAIN = "Product Line (all territories)"
ROLLUP = {DEAL_GRAIN: DEAL_TOTAL_GRAIN, LINE_GRAIN: LINE_TOTAL_GRAIN}
DEAL_KEY = (
	"grain",
	"month",
	"won_month",
	"company",
	"channel_partner",
	"territory",
	"item_group",
	"status",
	"approved",
)
DEAL_MEASURES = ("registrations", "registered_value", "won_value", "decided", "decision_hours")


@dataclass
class DealState:
	"""What the summary needs from one Deal Registration (amounts as stored: ``expected_value``
	and ``won_amount`` in the deal's currency, ``base_expected_value`` in the company's)."""

	docstatus: int = 0
	status: str = "Draft"
	submitted_on: date | datetime | str | None = None
	won_on: date | str | None = None
	company: str | None = None
	channel_partner: str | None = None
	territory: str | None = None
	expected_value: Decimal | float | None = None
	base_expected_value: Decimal | float | None = None
	won_amount: Decimal | float | None = None
	decision_hours: float | None = None
	lines: list[tuple[str | None, Decimal | float | None]] = field(default_factory=list)


def deal_contribution(deal: DealState | None) -> Summary:
	"""The rows one registration adds: one at the registration grain (counted once, its whole
	value) and one per product line it names (its lines' amounts in that line), each also without
	its territory (the "all territories" grains). Drafts never submitted and cancelled
	registrations add nothing. Rows are keyed by the month it was
	submitted in and, once won, the month it was won in. Values are in company currency: a deal's
	own-currency amounts are converted at its ``base_expected_value / expected_value`` rate; the won
	amount is split over the lines in proportion to their amounts."""
	if deal is None or int(deal.docstatus or 0) == 2 or not deal.submitted_on:
		return {}
	expected, base = dec(deal.expected_value), dec(deal.base_expected_value)

	def in_company_currency(amount: Decimal) -> Decimal:
		return stored(amount * base / expected) if expected else stored(amount)

	won = deal.status == "Won"
	won_base = in_company_currency(dec(deal.won_amount)) if won else ZERO
	won_month = month_of(deal.won_on) if won else None
	decided = 1 if deal.decision_hours is not None else 0
	hours = stored(dec(deal.decision_hours)) if decided else ZERO
	head = (
		month_of(deal.submitted_on),
		won_month,
		deal.company,
		deal.channel_partner,
		deal.territory or None,
	)
	tail = (deal.status, 1 if int(deal.docstatus or 0) == 1 else 0)
	rows: Summary = {(DEAL_GRAIN, *head, None, *tail): (1, stored(base), won_base, decided, hours)}
	by_line: dict[str | None, Decimal] = {}
	for group, amount in deal.lines:
		by_line[group or None] = by_line.get(group or None, ZERO) + dec(amount)
	line_total = sum(by_line.values(), ZERO)
	for group, amount in by_line.items():
		value = in_company_currency(amount)
		share = stored(won_base * amount / line_total) if (won and line_total) else ZERO
		rows[(LINE_GRAIN, *head, group, *tail)] = (1, value, share, decided, hours)
	for key, measures in list(rows.items()):
		# key: grain, month, won_month, company, channel_partner, territory, item_group, status, approved
		rows[(ROLLUP[key[0]], *key[1:5], None, *key[6:])] = measures
	return rows


# --- incentive claims ---------------------------------------------------------------------------

CLAIM_KEY = ("program", "channel_partner", "month", "status")
CLAIM_MEASURES = ("claims", "claimed_amount", "approved_amount", "paid_amount")


@dataclass
class ClaimState:
	docstatus: int = 0
	status: str = "Draft"
	program: str | None = None
	channel_partner: str | None = None
	decided_on: date | datetime | str | None = None
	claimed_amount: Decimal | float | None = None
	approved_amount: Decimal | float | None = None
	paid_amount: Decimal | float | None = None


def claim_contribution(claim: ClaimState | None) -> Summary:
	"""One row per claim that reached a decision or waits for one (drafts and cancelled claims add
	nothing), keyed by program, partner, the month it was decided in (none while it waits) and
	status."""
	if claim is None or int(claim.docstatus or 0) != 1 or claim.status in ("Draft", "Cancelled"):
		return {}
	key = (claim.program, claim.channel_partner, month_of(claim.decided_on), claim.status)
	return {
		key: (
			1,
			stored(dec(claim.claimed_amount)),
			stored(dec(claim.approved_amount)),
			stored(dec(claim.paid_amount)),
		)
	}


# --- partner sales (Sales Invoices) -------------------------------------------------------------

SALES_KEY = ("posting_date", "company", "sales_partner", "territory", "item_group", "channel_partner")
SALES_NAMED_BY = 5  # the row's name hashes the first five: a Sales Partner has one Channel Partner
SALES_MEASURES = ("lines", "net_amount", "cost_amount", "qty")


@dataclass(frozen=True)
class SalesLine:
	"""One invoice line as the sales summary reads it: company-currency net amount, quantity in
	stock units and the cost rate (incoming rate, else the item's valuation rate)."""

	item_group: str | None
	base_net_amount: Decimal
	stock_qty: Decimal
	cost_rate: Decimal


@dataclass(frozen=True)
class InvoiceState:
	posting_date: date | str
	company: str
	sales_partner: str
	channel_partner: str | None  # the Channel Partner of the Sales Partner; None: not a partner sale
	territory: str | None
	lines: list[SalesLine] = field(default_factory=list)


def sales_contribution(invoice: InvoiceState | None) -> Summary:
	"""The rows one submitted Sales Invoice adds to the monthly partner sales: per product line,
	its line count, net amount, cost (quantity × cost rate) and quantity. An invoice without a
	channel partner behind its Sales Partner adds nothing; a cancelled one takes its rows away
	(``add(..., sign=-1)``)."""
	if invoice is None or not invoice.channel_partner:
		return {}
	head = (month_of(invoice.posting_date), invoice.company, invoice.sales_partner, invoice.territory or None)
	rows: Summary = {}
	for line in invoice.lines:
		qty = dec(line.stock_qty)
		measures = (1, stored(dec(line.base_net_amount)), stored(qty * dec(line.cost_rate)), stored(qty))
		add(rows, {(*head, line.item_group or None, invoice.channel_partner): measures})
	return rows
