"""Pre-aggregated summaries kept by deltas (prm_extension.core.summaries)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from prm_extension.core.summaries import (
	DEAL_GRAIN,
	DEAL_TOTAL_GRAIN,
	LINE_GRAIN,
	LINE_TOTAL_GRAIN,
	ClaimState,
	DealState,
	add,
	claim_contribution,
	deal_contribution,
	delta,
	month_of,
	total,
)

D = Decimal


def deal(**kw) -> DealState:
	base = dict(
		docstatus=1,
		status="Approved",
		submitted_on=datetime(2026, 3, 14, 9, 30),
		company="ACME",
		channel_partner="P1",
		territory="Germany",
		expected_value=D("1000"),
		base_expected_value=D("1100"),  # the deal is in a currency worth 1.1 of the company's
		decision_hours=24.0,
		lines=[("Servers", D("600")), ("Software", D("300")), ("Servers", D("100"))],
	)
	base.update(kw)
	return DealState(**base)


def test_month_of():
	assert month_of(datetime(2026, 3, 14, 23, 59)) == date(2026, 3, 1)
	assert month_of("2026-12-31") == date(2026, 12, 1)
	assert month_of(None) is None


def test_a_registration_counts_once_and_once_per_product_line():
	rows = deal_contribution(deal())
	head = (date(2026, 3, 1), None, "ACME", "P1", "Germany")
	assert rows[(DEAL_GRAIN, *head, None, "Approved", 1)] == (1, D("1100"), 0, 1, D("24.0"))
	# servers 700 and software 300 in the deal's currency, 770 and 330 in the company's
	assert rows[(LINE_GRAIN, *head, "Servers", "Approved", 1)] == (1, D("770"), 0, 1, D("24.0"))
	assert rows[(LINE_GRAIN, *head, "Software", "Approved", 1)] == (1, D("330"), 0, 1, D("24.0"))
	# and the same without the territory
	total = (date(2026, 3, 1), None, "ACME", "P1", None)
	assert rows[(DEAL_TOTAL_GRAIN, *total, None, "Approved", 1)] == (1, D("1100"), 0, 1, D("24.0"))
	assert rows[(LINE_TOTAL_GRAIN, *total, "Servers", "Approved", 1)] == (1, D("770"), 0, 1, D("24.0"))
	assert len(rows) == 6


def test_won_value_in_company_currency_is_split_over_the_lines():
	rows = deal_contribution(deal(status="Won", won_on=date(2026, 5, 2), won_amount=D("800")))
	head = (date(2026, 3, 1), date(2026, 5, 1), "ACME", "P1", "Germany")
	assert rows[(DEAL_GRAIN, *head, None, "Won", 1)][2] == D("880")
	assert rows[(LINE_GRAIN, *head, "Servers", "Won", 1)][2] == D("616")  # 880 x 700 / 1000
	assert rows[(LINE_GRAIN, *head, "Software", "Won", 1)][2] == D("264")


def test_drafts_cancelled_and_undecided():
	assert deal_contribution(deal(docstatus=0, status="Draft", submitted_on=None)) == {}
	assert deal_contribution(deal(docstatus=2, status="Approved")) == {}
	waiting = deal_contribution(deal(docstatus=0, status="Submitted", decision_hours=None, lines=[]))
	assert list(waiting.values()) == [(1, D("1100"), 0, 0, 0)] * 2  # with and without territory
	assert all(k[-1] == 0 for k in waiting)  # not approved


def test_claims_count_once_submitted():
	assert claim_contribution(ClaimState(docstatus=0, status="Draft", program="MDF")) == {}
	assert claim_contribution(ClaimState(docstatus=2, status="Cancelled", program="MDF")) == {}
	rows = claim_contribution(
		ClaimState(
			docstatus=1,
			status="Partially Approved",
			program="MDF",
			channel_partner="P1",
			decided_on=datetime(2026, 2, 3, 10, 0),
			claimed_amount=500,
			approved_amount=D("350.50"),
		)
	)
	assert rows == {("MDF", "P1", date(2026, 2, 1), "Partially Approved"): (1, D("500"), D("350.50"), 0)}


def test_delta_takes_away_what_changed_only():
	before = deal_contribution(deal())
	after = deal_contribution(deal(status="Won", won_on=date(2026, 4, 9), won_amount=D("1000")))
	d = delta(before, after)
	assert all(m[0] in (1, -1) for m in d.values())
	assert add(dict(before), d) == after
	assert delta(after, after) == {}


# --- the invariant: deltas applied along any history leave each document's last contribution ------

statuses = st.sampled_from(
	[
		(0, "Draft"),
		(0, "Submitted"),
		(0, "Returned"),
		(0, "Rejected"),
		(1, "Approved"),
		(1, "Won"),
		(1, "Lost"),
		(1, "Expired"),
		(2, "Approved"),
	]
)
money = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
states = st.builds(
	lambda ds, submitted, won_on, partner, territory, ev, rate, won, hours, lines: DealState(
		docstatus=ds[0],
		status=ds[1],
		submitted_on=None if ds[1] == "Draft" else submitted,
		won_on=won_on if ds[1] == "Won" else None,
		company="ACME",
		channel_partner=partner,
		territory=territory,
		expected_value=ev,
		base_expected_value=ev * rate,
		won_amount=won if ds[1] == "Won" else None,
		decision_hours=hours,
		lines=lines,
	),
	statuses,
	st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)),
	st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 6, 30)),
	st.sampled_from(["P1", "P2", "P3"]),
	st.sampled_from([None, "Germany", "France"]),
	money,
	st.sampled_from([D(1), D("1.1"), D("0.85")]),
	money,
	st.one_of(st.none(), st.floats(min_value=0, max_value=500, allow_nan=False)),
	st.lists(st.tuples(st.sampled_from([None, "Servers", "Software"]), money), max_size=4),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), states), min_size=1, max_size=25))
def test_following_every_change_equals_summarising_the_final_states(history):
	summary: dict = {}
	last: dict[int, DealState] = {}
	for deal_id, state in history:
		add(summary, delta(deal_contribution(last.get(deal_id)), deal_contribution(state)))
		last[deal_id] = state
	assert summary == total(deal_contribution(s) for s in last.values())
	# the registration grain counts every submitted, not cancelled registration once
	counted = [s for s in last.values() if s.submitted_on and s.docstatus != 2]
	assert sum(m[0] for k, m in summary.items() if k[0] == DEAL_GRAIN) == len(counted)
	# the all-territories grains hold the same figures, territory dropped
	for grain, total_grain in ((DEAL_GRAIN, DEAL_TOTAL_GRAIN), (LINE_GRAIN, LINE_TOTAL_GRAIN)):
		rolled: dict = {}
		add(
			rolled,
			{
				(total_grain, *k[1:5], None, *k[6:]): m
				for k, m in summary.items()
				if k[0] == grain and k[5] is None
			},
		)
		for k, m in summary.items():
			if k[0] == grain and k[5] is not None:
				add(rolled, {(total_grain, *k[1:5], None, *k[6:]): m})
		assert rolled == {k: m for k, m in summary.items() if k[0] == total_grain}
	# the product lines share out the registration's won value (lines with an amount)
	for s in counted:
		one = deal_contribution(s)
		whole = sum(m[2] for k, m in one.items() if k[0] == DEAL_GRAIN)
		lines = sum(m[2] for k, m in one.items() if k[0] == LINE_GRAIN)
		if any(a for _g, a in s.lines):
			# each line's share is rounded to the stored 9 decimals
			assert abs(whole - lines) <= D("1e-9") * len(s.lines)
		else:
			assert lines == 0


# --- partner sales ---------------------------------------------------------------------------

from prm_extension.core.summaries import (  # noqa: E402
	SALES_KEY,
	SALES_MEASURES,
	SALES_NAMED_BY,
	InvoiceState,
	SalesLine,
	sales_contribution,
)

sales_lines = st.lists(
	st.builds(
		SalesLine,
		st.sampled_from(["Servers", "Software", None]),
		st.decimals(min_value=-1000, max_value=100000, places=2),
		st.decimals(min_value=0, max_value=500, places=3),
		st.decimals(min_value=0, max_value=5000, places=4),
	),
	max_size=6,
)
invoices = st.builds(
	InvoiceState,
	st.sampled_from(["2026-01-15", "2026-02-01", "2026-02-28"]),
	st.just("ACME"),
	st.sampled_from(["SP One", "SP Two"]),
	st.sampled_from(["CP One", "CP Two", None]),
	st.sampled_from(["Germany", "", None]),
	sales_lines,
)


@given(st.lists(st.tuples(invoices, st.booleans()), max_size=8))
def test_sales_summary_holds_the_submitted_invoices_not_the_cancelled(history):
	"""Submitting adds an invoice's rows, cancelling takes exactly them away: the summary equals the
	invoices that stay submitted, per month, partner, territory and product line."""
	summary: dict = {}
	kept = []
	for invoice, cancelled in history:
		add(summary, sales_contribution(invoice))
		if cancelled:
			add(summary, sales_contribution(invoice), -1)
		else:
			kept.append(invoice)
	assert summary == total(sales_contribution(i) for i in kept)
	for key, measures in summary.items():
		assert len(key) == len(SALES_KEY) and len(measures) == len(SALES_MEASURES)
		assert key[0].day == 1 and key[-1] is not None  # month; always a channel partner
	if not any(i.channel_partner for i in kept):
		assert summary == {}
	lines = sum(len(i.lines) for i in kept if i.channel_partner)
	assert sum(m[0] for m in summary.values()) == lines
	assert 0 < SALES_NAMED_BY < len(SALES_KEY)
