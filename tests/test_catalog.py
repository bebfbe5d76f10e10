"""Partner pricing arithmetic."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from prm_extension.core.catalog import discount_percentage

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)


def test_examples():
	assert discount_percentage(Decimal("1000"), Decimal("800")) == Decimal("20.0")
	assert discount_percentage(Decimal("3"), Decimal("2")) == Decimal("33.3")
	assert discount_percentage(Decimal("100"), Decimal("110")) == Decimal("-10.0")
	assert discount_percentage(Decimal("0"), Decimal("10")) is None
	assert discount_percentage(None, Decimal("10")) is None


@given(money, money)
def test_sign_and_bounds(list_rate, partner_rate):
	d = discount_percentage(list_rate, partner_rate)
	assert d <= 100
	assert (d > 0) == (partner_rate < list_rate - list_rate * Decimal("0.0005")) or abs(d) <= Decimal("0.1")
	if partner_rate == list_rate:
		assert d == 0


@given(money, money, money)
def test_a_lower_partner_price_never_shows_a_smaller_discount(list_rate, a, b):
	low, high = min(a, b), max(a, b)
	assert discount_percentage(list_rate, low) >= discount_percentage(list_rate, high)
