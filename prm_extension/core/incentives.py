"""Incentive money rules: eligibility, balances, claim validation and the amounts the app computes
(MDF / co-op reimbursement, volume rebates, SPIFFs, registered-deal bonuses). Pure Python.

All money is ``Decimal`` and rounded per currency precision with ROUND_HALF_UP at the end of each
computation; a computed amount never exceeds what is left of the partner's allocation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from prm_extension.core.scope import Node, overlaps

MDF = "MDF / Co-op"
REBATE = "Volume Rebate"
SPIFF = "SPIFF"
DEAL_BONUS = "Registered-Deal Bonus"
PROGRAM_TYPES = (MDF, REBATE, SPIFF, DEAL_BONUS)

RETROACTIVE = "Retroactive"  # the whole revenue earns the rate of the bracket it reaches
MARGINAL = "Marginal"  # each slice of revenue earns its own bracket's rate

ZERO = Decimal(0)


def quantize(amount: Decimal, precision: int = 2, down: bool = False) -> Decimal:
	"""Round to the currency's precision (ROUND_HALF_UP, or ROUND_DOWN for caps)."""
	exp = Decimal(1).scaleb(-precision)
	return amount.quantize(exp, rounding=ROUND_DOWN if down else ROUND_HALF_UP)


# --- eligibility ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramFacts:
	name: str
	program_type: str
	active: bool
	start: date
	end: date
	claim_deadline: date
	currency: str
	eligible_tiers: frozenset[str] = frozenset()  # empty: every tier
	eligible_partners: frozenset[str] = frozenset()  # empty: every partner (of an eligible tier)
	product_lines: tuple[Node, ...] = ()  # empty: every product line


def eligibility(program: ProgramFacts, partner: str, partner_status: str, tier: str | None) -> str | None:
	"""None when the partner may take part, else a reason code."""
	if not program.active:
		return "program_inactive"
	if partner_status != "Active":
		return "partner_not_active"
	if program.eligible_partners and partner in program.eligible_partners:
		return None
	if program.eligible_tiers and (tier or "") not in program.eligible_tiers:
		return "tier_not_eligible"
	if program.eligible_partners and not program.eligible_tiers:
		return "partner_not_eligible"
	return None


# --- balances ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
	"""A partner's allocation in one program and period, derived from submitted documents."""

	allocated: Decimal
	committed: Decimal = ZERO  # pre-approved MDF not yet claimed
	requested: Decimal = ZERO  # claims waiting for a decision
	approved: Decimal = ZERO  # approved claims (paid or not)
	paid: Decimal = ZERO
	expired: bool = False

	@property
	def available(self) -> Decimal:
		"""What new requests and claims may still use; never negative. Claims waiting for a
		decision count against it, so two claims cannot both be submitted for the same money."""
		if self.expired:
			return ZERO
		return max(ZERO, self.allocated - self.committed - self.requested - self.approved)

	@property
	def unpaid(self) -> Decimal:
		return max(ZERO, self.approved - self.paid)


# --- claim validation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimFacts:
	amount: Decimal
	currency: str
	claim_date: date
	activity_start: date | None = None
	activity_end: date | None = None
	proof_count: int = 0
	preapproved_remaining: Decimal | None = None  # MDF: what is left of the pre-approved request
	duplicate_references: tuple[str, ...] = ()  # references already claimed elsewhere


@dataclass(frozen=True)
class Problem:
	code: str
	params: dict = field(default_factory=dict)


def check_claim(
	program: ProgramFacts, claim: ClaimFacts, balance: Balance, proof_required: bool
) -> list[Problem]:
	"""Everything wrong with a claim against a program and the partner's balance."""
	problems: list[Problem] = []
	if claim.amount <= 0:
		problems.append(Problem("amount_not_positive"))
	if claim.currency != program.currency:
		problems.append(
			Problem("currency_mismatch", {"currency": claim.currency, "expected": program.currency})
		)
	if claim.claim_date > program.claim_deadline:
		problems.append(Problem("past_deadline", {"deadline": program.claim_deadline}))
	if claim.activity_start and claim.activity_end and claim.activity_start > claim.activity_end:
		problems.append(Problem("activity_dates_reversed"))
	for day in (claim.activity_start, claim.activity_end):
		if day and not program.start <= day <= program.end:
			problems.append(Problem("activity_outside_program", {"start": program.start, "end": program.end}))
			break
	if proof_required and claim.proof_count < 1:
		problems.append(Problem("proof_required"))
	if claim.preapproved_remaining is not None and claim.amount > claim.preapproved_remaining:
		problems.append(Problem("over_preapproved", {"remaining": claim.preapproved_remaining}))
	if claim.duplicate_references:
		problems.append(Problem("already_claimed", {"references": claim.duplicate_references}))
	if claim.amount > balance.available:
		problems.append(Problem("over_balance", {"available": balance.available}))
	return problems


PAID_TOLERANCE = Decimal("0.005")  # payments are stored in floats: half a cent short still pays a claim


def status_after_payment(paid: Decimal, approved: Decimal, claimed: Decimal) -> str:
	"""A submitted claim's status once its payout document has ``paid`` allocated to it: Paid when
	the approved amount is covered, otherwise what the decision made it (Partially Approved when
	less than claimed was approved, else Approved)."""
	if paid >= approved - PAID_TOLERANCE:
		return "Paid"
	return "Partially Approved" if approved < claimed else "Approved"


def check_approval(claimed: Decimal, approved: Decimal, balance: Balance) -> list[Problem]:
	problems = []
	if approved <= 0:
		problems.append(Problem("amount_not_positive"))
	if approved > claimed:
		problems.append(Problem("approve_over_claim", {"claimed": claimed}))
	if approved > balance.available:
		problems.append(Problem("over_balance", {"available": balance.available}))
	return problems


# --- amounts the app computes ------------------------------------------------------------------


def mdf_reimbursement(
	cost: Decimal, share_percent: Decimal, cap: Decimal | None, available: Decimal, precision: int = 2
) -> Decimal:
	"""Vendor's share of an activity's cost, capped per claim and by what is left."""
	if cost <= 0:
		return ZERO
	amount = cost * share_percent / Decimal(100)
	if cap is not None and cap > 0:
		amount = min(amount, cap)
	return quantize(min(amount, max(ZERO, available)), precision, down=True)


@dataclass(frozen=True)
class Bracket:
	threshold: Decimal  # revenue from which the rate applies
	rate_percent: Decimal


def rebate(
	revenue: Decimal, brackets: Sequence[Bracket], mode: str = RETROACTIVE, precision: int = 2
) -> Decimal:
	"""Rebate on a period's revenue. Brackets are sorted by threshold; below the first none is due."""
	if revenue <= 0 or not brackets:
		return ZERO
	ordered = sorted(brackets, key=lambda b: b.threshold)
	if mode == RETROACTIVE:
		reached = [b for b in ordered if revenue >= b.threshold]
		return quantize(revenue * reached[-1].rate_percent / Decimal(100), precision) if reached else ZERO
	total = ZERO
	for i, b in enumerate(ordered):
		upper = ordered[i + 1].threshold if i + 1 < len(ordered) else None
		if revenue <= b.threshold:
			break
		slice_top = revenue if upper is None else min(revenue, upper)
		total += (slice_top - b.threshold) * b.rate_percent / Decimal(100)
	return quantize(total, precision)


@dataclass(frozen=True)
class SalesLine:
	reference: str  # the invoice
	item_code: str
	item_group: Node
	qty: Decimal
	amount: Decimal


@dataclass(frozen=True)
class SpiffRule:
	amount_per_unit: Decimal
	item_code: str = ""
	item_group: Node | None = None

	def matches(self, line: SalesLine) -> bool:
		if self.item_code:
			return line.item_code == self.item_code
		return self.item_group is None or overlaps(self.item_group, line.item_group)


def eligible_revenue(lines: Iterable[SalesLine], product_lines: Sequence[Node]) -> Decimal:
	return sum(
		(
			ln.amount
			for ln in lines
			if not product_lines or any(overlaps(p, ln.item_group) for p in product_lines)
		),
		ZERO,
	)


def spiff(lines: Iterable[SalesLine], rules: Sequence[SpiffRule], precision: int = 2) -> Decimal:
	"""Per-unit bonus: each line earns the first matching rule (item rules before group rules)."""
	ordered = sorted(rules, key=lambda r: 0 if r.item_code else 1)
	total = ZERO
	for line in lines:
		rule = next((r for r in ordered if r.matches(line)), None)
		if rule and line.qty > 0:
			total += line.qty * rule.amount_per_unit
	return quantize(total, precision)


def deal_bonus(
	won_amounts: Iterable[Decimal], per_deal: Decimal, percent: Decimal, precision: int = 2
) -> Decimal:
	total = ZERO
	for amount in won_amounts:
		if amount > 0:
			total += per_deal + amount * percent / Decimal(100)
	return quantize(total, precision)


def cap_to_available(amount: Decimal, available: Decimal, precision: int = 2) -> Decimal:
	return quantize(max(ZERO, min(amount, available)), precision, down=True)


def allocate_budget(budget: Decimal, requested: Sequence[Decimal], already: Decimal = ZERO) -> list[Decimal]:
	"""Accept allocations in order while the program's budget lasts (the last one is cut)."""
	left = max(ZERO, budget - already)
	out = []
	for amount in requested:
		give = max(ZERO, min(amount, left))
		out.append(give)
		left -= give
	return out


def roi(won_revenue: Decimal, spend: Decimal) -> Decimal | None:
	"""Revenue per unit of incentive spend (None when nothing was spent)."""
	if spend <= 0:
		return None
	return (won_revenue / spend).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
