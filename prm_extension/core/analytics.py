"""Channel analytics rules (no frappe): ratios the dashboards and reports show. (Return on
incentive spend is ``prm_extension.core.incentives.roi``; tier evaluation is ``core.tiers``.)

Amounts are Decimals in one currency (the company's); counts are ints.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def rounded(value: Decimal, places: str = "0.1") -> Decimal:
	"""Half-up to ``places`` (one decimal by default), as the dashboards show percentages."""
	return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def win_rate(won: int, lost: int) -> Decimal | None:
	"""Won as a percentage of the decided deals (won + lost); None before anything is decided.
	Expired registrations are not decided sales: they count in neither."""
	decided = won + lost
	if won < 0 or lost < 0:
		raise ValueError("counts cannot be negative")
	return rounded(Decimal(won) * HUNDRED / decided) if decided else None


def margin_percentage(revenue: Decimal, cost: Decimal) -> Decimal | None:
	"""Gross margin as a percentage of revenue; None without revenue."""
	if revenue <= 0:
		return None
	return rounded((revenue - cost) * HUNDRED / revenue)
