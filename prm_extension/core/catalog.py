"""Partner pricing arithmetic (no frappe)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def discount_percentage(list_rate: Decimal, partner_rate: Decimal) -> Decimal | None:
	"""The partner's discount off the list price, in percent with one decimal (negative when the
	partner pays more). None when there is no positive list price to compare with."""
	if list_rate is None or partner_rate is None or list_rate <= 0:
		return None
	return ((list_rate - partner_rate) * 100 / list_rate).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
