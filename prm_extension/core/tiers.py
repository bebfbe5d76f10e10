"""Partner tier rules (no frappe): what a partner must reach in the evaluation window to hold a
tier, the promotion or demotion the evaluation proposes, and the distance to the next tier.

Amounts are Decimals in one currency (the company's); counts are ints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from prm_extension.core.analytics import HUNDRED, ZERO, rounded


@dataclass(frozen=True)
class TierRule:
	"""A tier and what a partner must reach in the evaluation window to hold it."""

	name: str
	rank: int
	min_revenue: Decimal = ZERO
	min_won_deals: int = 0
	min_certifications: int = 0


@dataclass(frozen=True)
class Measures:
	revenue: Decimal = ZERO
	won_deals: int = 0
	certifications: int = 0


@dataclass(frozen=True)
class TierProposal:
	current: str | None
	proposed: str | None
	direction: str  # "Promotion" | "Demotion" | "No change"
	unmet: dict = field(default_factory=dict)  # for ``next_tier``: measure -> (have, need)
	# the tier to work towards: the one above the current tier, or the current tier itself when
	# the measures fall short of it (``keep``: what it takes not to be moved down)
	next_tier: str | None = None
	keep: bool = False


def qualifies(rule: TierRule, m: Measures) -> bool:
	return (
		m.revenue >= rule.min_revenue
		and m.won_deals >= rule.min_won_deals
		and m.certifications >= rule.min_certifications
	)


def gaps(rule: TierRule, m: Measures) -> dict:
	"""What is missing to reach ``rule``: measure -> (have, need), only the unmet ones."""
	out = {}
	if m.revenue < rule.min_revenue:
		out["revenue"] = (m.revenue, rule.min_revenue)
	if m.won_deals < rule.min_won_deals:
		out["won_deals"] = (m.won_deals, rule.min_won_deals)
	if m.certifications < rule.min_certifications:
		out["certifications"] = (m.certifications, rule.min_certifications)
	return out


def evaluate_tier(current: str | None, tiers: list[TierRule], m: Measures) -> TierProposal:
	"""The highest-ranked tier whose every threshold the partner meets (the lowest tier when it
	meets none), compared with its current tier. Ties in rank are broken by name so the result does
	not depend on the order of ``tiers``."""
	if not tiers:
		return TierProposal(current, current, "No change")
	ordered = sorted(tiers, key=lambda t: (t.rank, t.name))
	reached = [t for t in ordered if qualifies(t, m)]
	proposed = reached[-1] if reached else ordered[0]
	rank_of = {t.name: t.rank for t in ordered}
	if current not in rank_of:
		direction = "Promotion"  # a partner without a (known) tier is given one
	elif proposed.name == current:
		direction = "No change"
	else:
		direction = (
			"Promotion" if (proposed.rank, proposed.name) > (rank_of[current], current) else "Demotion"
		)
	if direction == "Demotion":
		next_tier, keep = next(t for t in ordered if t.name == current), True
	else:
		above = [t for t in ordered if (t.rank, t.name) > (proposed.rank, proposed.name)]
		next_tier, keep = (above[0] if above else None), False
	return TierProposal(
		current=current,
		proposed=proposed.name,
		direction=direction,
		unmet=gaps(next_tier, m) if next_tier else {},
		next_tier=next_tier.name if next_tier else None,
		keep=keep,
	)


def progress(have, need) -> Decimal:
	"""Share of a threshold reached, 0–100."""
	need = Decimal(str(need))
	if need <= 0:
		return HUNDRED
	return min(HUNDRED, rounded(Decimal(str(have)) * HUNDRED / need, "1"))
