"""Fast suite: incentive money rules (no frappe)."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm_extension.core.incentives import (
	MARGINAL,
	MDF,
	RETROACTIVE,
	Balance,
	Bracket,
	ClaimFacts,
	ProgramFacts,
	SalesLine,
	SpiffRule,
	allocate_budget,
	cap_to_available,
	check_approval,
	check_claim,
	deal_bonus,
	eligibility,
	eligible_revenue,
	mdf_reimbursement,
	quantize,
	rebate,
	roi,
	spiff,
	status_after_payment,
)
from prm_extension.core.scope import Node

START, END = date(2026, 1, 1), date(2026, 12, 31)
NETWORKING, SWITCHES, STORAGE = Node(2, 7, "Networking"), Node(3, 4, "Switches"), Node(8, 9, "Storage")


def program(**kw):
	base = dict(
		name="P",
		program_type=MDF,
		active=True,
		start=START,
		end=END,
		claim_deadline=date(2027, 1, 31),
		currency="USD",
	)
	base.update(kw)
	return ProgramFacts(**base)


def claim(**kw):
	base = dict(amount=D(100), currency="USD", claim_date=date(2026, 6, 1), proof_count=1)
	base.update(kw)
	return ClaimFacts(**base)


def codes(problems):
	return [p.code for p in problems]


def test_eligibility():
	assert eligibility(program(), "A", "Active", "Gold") is None
	assert eligibility(program(active=False), "A", "Active", "Gold") == "program_inactive"
	assert eligibility(program(), "A", "Suspended", "Gold") == "partner_not_active"
	p = program(eligible_tiers=frozenset({"Gold"}))
	assert eligibility(p, "A", "Active", "Silver") == "tier_not_eligible"
	assert eligibility(p, "A", "Active", None) == "tier_not_eligible"
	p = program(eligible_tiers=frozenset({"Gold"}), eligible_partners=frozenset({"A"}))
	assert eligibility(p, "A", "Active", "Silver") is None  # listed by name
	assert (
		eligibility(program(eligible_partners=frozenset({"B"})), "A", "Active", "Gold")
		== "partner_not_eligible"
	)


def test_balance_is_derived_and_never_negative():
	b = Balance(allocated=D(1000), committed=D(300), approved=D(500), paid=D(200))
	assert (b.available, b.unpaid) == (D(200), D(300))
	assert Balance(allocated=D(100), approved=D(150)).available == 0
	assert Balance(allocated=D(100), expired=True).available == 0


def test_claim_checks():
	bal = Balance(allocated=D(1000))
	assert check_claim(program(), claim(), bal, True) == []
	assert codes(check_claim(program(), claim(amount=D(0)), bal, False)) == ["amount_not_positive"]
	assert codes(check_claim(program(), claim(currency="EUR"), bal, False)) == ["currency_mismatch"]
	assert codes(check_claim(program(), claim(claim_date=date(2027, 2, 1)), bal, False)) == ["past_deadline"]
	assert codes(
		check_claim(
			program(), claim(activity_start=date(2025, 12, 1), activity_end=date(2026, 1, 5)), bal, False
		)
	) == ["activity_outside_program"]
	assert codes(
		check_claim(
			program(), claim(activity_start=date(2026, 3, 5), activity_end=date(2026, 3, 1)), bal, False
		)
	) == ["activity_dates_reversed"]
	assert codes(check_claim(program(), claim(proof_count=0), bal, True)) == ["proof_required"]
	assert codes(check_claim(program(), claim(preapproved_remaining=D(50)), bal, False)) == [
		"over_preapproved"
	]
	assert codes(check_claim(program(), claim(duplicate_references=("SINV-1",)), bal, False)) == [
		"already_claimed"
	]
	assert codes(check_claim(program(), claim(amount=D(1001)), bal, False)) == ["over_balance"]


def test_approval_checks():
	bal = Balance(allocated=D(1000), approved=D(900))
	assert check_approval(D(100), D(80), bal) == []
	assert codes(check_approval(D(100), D(120), Balance(allocated=D(1000)))) == ["approve_over_claim"]
	assert codes(check_approval(D(200), D(150), bal)) == ["over_balance"]
	assert codes(check_approval(D(100), D(0), bal)) == ["amount_not_positive"]


def test_mdf_reimbursement():
	assert mdf_reimbursement(D(10000), D(50), D(3000), D(100000)) == D(3000)
	assert mdf_reimbursement(D(4000), D(50), D(3000), D(100000)) == D(2000)
	assert mdf_reimbursement(D(4000), D(50), None, D(500)) == D(500)
	assert mdf_reimbursement(D(333), D("33.333"), None, D(1000)) == D(
		"110.99"
	)  # rounded down: never more than due
	assert mdf_reimbursement(D(-5), D(50), None, D(100)) == 0


BRACKETS = [Bracket(D(0), D(1)), Bracket(D(100000), D(2)), Bracket(D(500000), D(3))]


def test_rebate_modes():
	assert rebate(D(50000), BRACKETS, RETROACTIVE) == D(500)
	assert rebate(D(200000), BRACKETS, RETROACTIVE) == D(4000)
	assert rebate(D(200000), BRACKETS, MARGINAL) == D(1000) + D(2000)
	assert rebate(D(600000), BRACKETS, MARGINAL) == D(1000) + D(8000) + D(3000)
	assert rebate(D(50), [Bracket(D(100), D(5))], RETROACTIVE) == 0
	assert rebate(D(0), BRACKETS) == 0


def test_rounding_per_currency():
	assert quantize(D("10.005"), 2) == D("10.01")
	assert quantize(D("1234.5"), 0) == D(1235)  # JPY
	assert rebate(D(12345), [Bracket(D(0), D("1.5"))], precision=0) == D(185)
	assert quantize(D("10.009"), 2, down=True) == D("10.00")


def test_spiff_and_revenue():
	lines = [
		SalesLine("SINV-1", "SW-24", SWITCHES, D(10), D(5000)),
		SalesLine("SINV-1", "NAS-1", STORAGE, D(2), D(3000)),
		SalesLine("SINV-2", "SW-48", SWITCHES, D(1), D(900)),
	]
	rules = [SpiffRule(D(25), item_code="SW-24"), SpiffRule(D(10), item_group=NETWORKING)]
	assert spiff(lines, rules) == D(10 * 25 + 1 * 10)
	assert eligible_revenue(lines, [NETWORKING]) == D(5900)
	assert eligible_revenue(lines, []) == D(8900)


def test_deal_bonus_and_roi():
	assert deal_bonus([D(1000), D(0), D(500)], D(100), D(2)) == D(100 + 20 + 100 + 10)
	assert roi(D(50000), D(2000)) == D(25)
	assert roi(D(50000), D(0)) is None


amounts = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)


@given(st.lists(amounts, max_size=20), amounts, amounts)
def test_allocations_never_exceed_budget(requests, budget, already):
	given_out = allocate_budget(budget, requests, already)
	assert sum(given_out, D(0)) <= max(D(0), budget - already)
	assert all(0 <= g <= r for g, r in zip(given_out, requests, strict=True))


@given(amounts, amounts)
def test_capped_amounts_never_exceed_what_is_left(amount, available):
	assert 0 <= cap_to_available(amount, available) <= available


@given(st.lists(amounts, min_size=1, max_size=10), amounts, amounts)
def test_sequential_claims_never_overspend(claims, allocated, already):
	"""Approving claims one after another, each checked against the derived balance, never takes
	the approved total above the allocation."""
	approved = D(0)
	for amount in claims:
		bal = Balance(allocated=allocated, approved=approved)
		if amount > 0 and not check_approval(amount, amount, bal):
			approved += amount
	assert approved <= allocated


@given(amounts, st.sampled_from([RETROACTIVE, MARGINAL]))
def test_rebate_is_monotonic_and_bounded(revenue, mode):
	r = rebate(revenue, BRACKETS, mode)
	assert 0 <= r <= quantize(revenue * D(3) / D(100), 2) + D("0.01")
	assert rebate(revenue + D(1000), BRACKETS, mode) >= r
	assert rebate(revenue, BRACKETS, MARGINAL) <= rebate(revenue, BRACKETS, RETROACTIVE)


@pytest.mark.parametrize("precision", [0, 2, 3])
@given(amounts)
def test_quantize_precision(precision, amount):
	q = quantize(amount, precision)
	assert q.as_tuple().exponent == -precision
	assert abs(q - amount) <= D(1).scaleb(-precision) / 2


money = st.decimals(min_value=D("0.01"), max_value=D("1e9"), places=2)


@given(money, money, st.data())
def test_status_after_payment(claimed, approved, data):
	"""Paid exactly when the approved amount is covered (to half a cent); otherwise the decision's
	status, and paying more never makes a claim less paid."""
	paid = data.draw(st.decimals(min_value=D(0), max_value=approved * 2, places=2))
	decided = "Partially Approved" if approved < claimed else "Approved"
	status = status_after_payment(paid, approved, claimed)
	assert status == ("Paid" if paid >= approved - D("0.005") else decided)
	assert status_after_payment(approved, approved, claimed) == "Paid"
	assert status_after_payment(approved - D("0.01"), approved, claimed) == decided
	if status == "Paid":
		assert status_after_payment(paid + D("0.01"), approved, claimed) == "Paid"
