"""Channel analytics rules (ratios, ``core.analytics``) and tier evaluation (``core.tiers``)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm_extension.core.analytics import margin_percentage, win_rate
from prm_extension.core.tiers import Measures, TierRule, evaluate_tier, progress, qualifies

TIERS = [
	TierRule("Registered", 0),
	TierRule("Silver", 1, Decimal("100000"), 5, 1),
	TierRule("Gold", 2, Decimal("500000"), 20, 3),
	TierRule("Platinum", 3, Decimal("2000000"), 50, 5),
]


def test_ratios():
	assert win_rate(3, 1) == Decimal("75.0")
	assert win_rate(0, 0) is None
	assert win_rate(1, 2) == Decimal("33.3")
	with pytest.raises(ValueError):
		win_rate(-1, 2)
	assert margin_percentage(Decimal("1000"), Decimal("600")) == Decimal("40.0")
	assert margin_percentage(Decimal("0"), Decimal("10")) is None
	assert progress(50, 200) == Decimal("25")
	assert progress(500, 200) == Decimal("100")
	assert progress(3, 0) == Decimal("100")


def test_examples():
	gold = Measures(Decimal("600000"), 25, 3)
	p = evaluate_tier("Silver", TIERS, gold)
	assert (p.proposed, p.direction, p.next_tier) == ("Gold", "Promotion", "Platinum")
	assert p.unmet == {
		"revenue": (Decimal("600000"), Decimal("2000000")),
		"won_deals": (25, 50),
		"certifications": (3, 5),
	}
	# one threshold short of Gold: stays Silver (all thresholds must be met)
	p = evaluate_tier("Gold", TIERS, Measures(Decimal("600000"), 25, 2))
	assert (p.proposed, p.direction) == ("Silver", "Demotion")
	assert (p.next_tier, p.keep, p.unmet) == ("Gold", True, {"certifications": (2, 3)})
	# far below its tier: what it takes to keep Gold, not to reach the tier above what it meets
	p = evaluate_tier("Gold", TIERS, Measures())
	assert (p.proposed, p.direction, p.next_tier, p.keep) == ("Registered", "Demotion", "Gold", True)
	assert p.unmet["revenue"] == (Decimal("0"), Decimal("500000"))
	assert evaluate_tier("Silver", TIERS, gold).keep is False
	assert evaluate_tier("Platinum", TIERS, Measures(Decimal("3000000"), 80, 9)).direction == "No change"
	assert evaluate_tier(None, TIERS, Measures()).proposed == "Registered"
	assert evaluate_tier(None, TIERS, Measures()).direction == "Promotion"
	assert evaluate_tier("Silver", [], Measures()).direction == "No change"


measures = st.builds(
	Measures,
	revenue=st.decimals(min_value=0, max_value=5_000_000, places=2),
	won_deals=st.integers(0, 100),
	certifications=st.integers(0, 10),
)
tier_lists = st.lists(
	st.builds(
		TierRule,
		name=st.sampled_from(["A", "B", "C", "D", "E"]),
		rank=st.integers(0, 4),
		min_revenue=st.decimals(min_value=0, max_value=3_000_000, places=0),
		min_won_deals=st.integers(0, 60),
		min_certifications=st.integers(0, 6),
	),
	min_size=1,
	max_size=5,
	unique_by=lambda t: t.name,
)


@given(tier_lists, measures)
def test_proposal_is_qualified_and_highest(tiers, m):
	p = evaluate_tier(None, tiers, m)
	chosen = next(t for t in tiers if t.name == p.proposed)
	reached = [t for t in tiers if qualifies(t, m)]
	if reached:
		assert qualifies(chosen, m)
		assert all((t.rank, t.name) <= (chosen.rank, chosen.name) for t in reached)
	else:
		assert (chosen.rank, chosen.name) == min((t.rank, t.name) for t in tiers)


@given(
	tier_lists,
	measures,
	st.integers(0, 50),
	st.integers(0, 5),
	st.decimals(min_value=0, max_value=1_000_000, places=2),
)
def test_more_never_lowers_the_tier(tiers, m, more_deals, more_certs, more_revenue):
	better = Measures(m.revenue + more_revenue, m.won_deals + more_deals, m.certifications + more_certs)
	rank = {t.name: (t.rank, t.name) for t in tiers}
	assert rank[evaluate_tier(None, tiers, better).proposed] >= rank[evaluate_tier(None, tiers, m).proposed]


@given(tier_lists, measures)
def test_order_of_tiers_does_not_matter(tiers, m):
	assert evaluate_tier(None, tiers, m) == evaluate_tier(None, list(reversed(tiers)), m)


@given(tier_lists, measures)
def test_direction_matches_ranks(tiers, m):
	for current in tiers:
		p = evaluate_tier(current.name, tiers, m)
		new = next(t for t in tiers if t.name == p.proposed)
		expected = (
			"No change"
			if new.name == current.name
			else ("Promotion" if (new.rank, new.name) > (current.rank, current.name) else "Demotion")
		)
		assert p.direction == expected
