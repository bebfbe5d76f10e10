"""Lead routing, the answer deadline and the lead's states (prm_extension.core.leads), frappe-free."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from prm_extension.core import leads as L
from prm_extension.core.scope import Node, within_any

# a small territory tree: World > (Europe > (Germany, France), Americas > (USA))
WORLD = Node(1, 12, "World")
EUROPE = Node(2, 7, "Europe")
GERMANY = Node(3, 4, "Germany")
FRANCE = Node(5, 6, "France")
AMERICAS = Node(8, 11, "Americas")
USA = Node(9, 10, "USA")
TERRITORIES = (WORLD, EUROPE, GERMANY, FRANCE, AMERICAS, USA)
# product lines: All > (Hardware > (Servers), Software)
ALL = Node(1, 8, "All")
HARDWARE = Node(2, 5, "Hardware")
SERVERS = Node(3, 4, "Servers")
SOFTWARE = Node(6, 7, "Software")
LINES = (ALL, HARDWARE, SERVERS, SOFTWARE)

names = st.sampled_from([f"P{i}" for i in range(8)])
candidates_st = st.lists(
	st.builds(
		L.Candidate,
		name=names,
		status=st.sampled_from(["Active", "Active", "Active", "Suspended"]),
		tier_rank=st.integers(0, 4),
		tier_weight=st.sampled_from([0.0, 0.5, 1.0, 2.0, 5.0]),
		partner_type=st.sampled_from(["Reseller", "Distributor", "Referral"]),
		territories=st.lists(st.sampled_from(TERRITORIES), max_size=2).map(tuple),
		product_lines=st.lists(st.sampled_from(LINES), max_size=2).map(tuple),
		certifications=st.frozensets(st.sampled_from(["Cloud", "Security"]), max_size=2),
		open_leads=st.integers(0, 12),
		last_offered=st.one_of(st.none(), st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 1))),
	),
	max_size=8,
	unique_by=lambda c: c.name,
)
rules_st = st.lists(
	st.builds(
		L.Rule,
		name=st.sampled_from(["R1", "R2", "R3", "R4"]),
		priority=st.integers(0, 3),
		territory=st.one_of(st.none(), st.sampled_from(TERRITORIES)),
		product_line=st.one_of(st.none(), st.sampled_from(LINES)),
		partner_types=st.frozensets(st.sampled_from(["Reseller", "Distributor", "Referral"]), max_size=2),
		min_tier_rank=st.one_of(st.none(), st.integers(0, 4)),
		certification=st.one_of(st.none(), st.sampled_from(["Cloud", "Security"])),
		capacity=st.integers(0, 10),
		strategy=st.sampled_from(L.STRATEGIES),
	),
	max_size=4,
	unique_by=lambda r: r.name,
)
leads_st = st.builds(
	L.LeadFacts,
	territory=st.sampled_from((GERMANY, FRANCE, USA, EUROPE)),
	product_lines=st.lists(st.sampled_from((SERVERS, SOFTWARE, HARDWARE)), max_size=2).map(tuple),
	house_reason=st.sampled_from([None, None, None, "flag"]),
	holder=st.one_of(st.none(), names),
	excluded=st.frozensets(names, max_size=4),
)
draws = st.floats(0, 1, exclude_max=True)


def eligible_under(c: L.Candidate, rule: L.Rule, lead: L.LeadFacts) -> bool:
	"""Eligibility written out again, independently of the module's helpers."""
	return (
		c.status == "Active"
		and c.name not in lead.excluded
		and within_any(c.territories, lead.territory)
		and all(within_any(c.product_lines, line) for line in lead.product_lines)
		and (not rule.partner_types or c.partner_type in rule.partner_types)
		and (rule.min_tier_rank is None or c.tier_rank >= rule.min_tier_rank)
		and (not rule.certification or rule.certification in c.certifications)
		and (not rule.capacity or c.open_leads < rule.capacity)
	)


@settings(max_examples=400)
@given(leads_st, rules_st, candidates_st, draws)
def test_routing_never_picks_an_ineligible_partner(lead, rules, candidates, draw):
	result = L.route(lead, rules, candidates, draw)
	if lead.house_reason:
		assert result.outcome == "house" and result.partner is None
		return
	if result.outcome == "manager":
		# no applicable rule had an eligible partner, and no usable holder
		for rule in rules:
			if L.rule_applies(rule, lead):
				assert not any(eligible_under(c, rule, lead) for c in candidates)
		return
	assert result.outcome == "partner"
	chosen = next(c for c in candidates if c.name == result.partner)
	assert chosen.status == "Active" and chosen.name not in lead.excluded
	if result.reason == "holder":
		assert chosen.name == lead.holder
		return
	rule = next(r for r in rules if r.name == result.rule)
	assert L.rule_applies(rule, lead)
	assert eligible_under(chosen, rule, lead)
	# no rule tried before it had an eligible partner
	for earlier in sorted(rules, key=lambda r: (r.priority, r.name)):
		if earlier.name == rule.name:
			break
		if L.rule_applies(earlier, lead):
			assert not any(eligible_under(c, earlier, lead) for c in candidates)


@given(leads_st, rules_st, candidates_st, draws)
def test_the_holder_comes_first_when_it_may_take_the_lead(lead, rules, candidates, draw):
	assume(not lead.house_reason and lead.holder)
	holder = next((c for c in candidates if c.name == lead.holder), None)
	result = L.route(lead, rules, candidates, draw)
	usable = holder is not None and holder.status == "Active" and holder.name not in lead.excluded
	assert (result.partner == lead.holder and result.reason == "holder") == usable


@given(leads_st, rules_st, candidates_st, draws)
def test_declined_and_timed_out_partners_are_skipped_until_the_manager_gets_it(lead, rules, candidates, draw):
	"""Timeouts advance strictly: each next routing excludes every partner tried before, so no
	partner is offered the lead twice and the chain ends with the manager."""
	assume(not lead.house_reason)
	tried: list[str] = []
	for _ in range(len(candidates) + 1):
		result = L.route(lead, rules, candidates, draw)
		if result.outcome == "manager":
			break
		assert result.partner not in tried
		tried.append(result.partner)
		lead = L.LeadFacts(
			lead.territory, lead.product_lines, None, lead.holder, lead.excluded | {result.partner}
		)
	else:
		pytest.fail("routing did not end with the channel manager")
	assert len(tried) <= len(candidates)


def test_strategies():
	a = L.Candidate("A", tier_rank=1, tier_weight=1, open_leads=0, last_offered=datetime(2026, 5, 1))
	b = L.Candidate("B", tier_rank=3, tier_weight=3, open_leads=5, last_offered=None)
	c = L.Candidate("C", tier_rank=3, tier_weight=0, open_leads=2, last_offered=datetime(2026, 4, 1))
	assert L.pick(L.RANKED, [a, b, c]).name == "C"  # highest tier, then fewest open leads
	assert L.pick(L.ROUND_ROBIN, [a, b, c]).name == "B"  # never offered one
	assert L.pick(L.ROUND_ROBIN, [a, c]).name == "C"  # the longest ago
	# weighted: A holds [0, 1/4), B [1/4, 1), C (weight 0) never
	assert [L.pick(L.WEIGHTED, [a, b, c], d).name for d in (0.0, 0.24, 0.25, 0.99)] == ["A", "A", "B", "B"]


@given(st.lists(st.sampled_from([0.0, 1.0, 2.0, 3.0]), min_size=1, max_size=5), draws)
def test_weighted_pick_lands_in_proportion(weights, draw):
	cands = [L.Candidate(f"P{i}", tier_weight=w) for i, w in enumerate(weights)]
	chosen = L.pick(L.WEIGHTED, cands, draw)
	total = sum(weights)
	if total == 0:
		assert chosen.name == "P0"
		return
	assert chosen.tier_weight > 0
	# the draw falls into the chosen partner's share of the line, partners in name order
	start = sum(w for c, w in zip(cands, weights, strict=True) if c.name < chosen.name)
	assert start / total <= draw < (start + chosen.tier_weight) / total + 1e-9


def test_house_accounts_are_never_passed():
	lead = L.LeadFacts(GERMANY, house_reason="rule", holder="A")
	result = L.route(lead, [L.Rule("R")], [L.Candidate("A")])
	assert (result.outcome, result.partner) == ("house", None)


def test_the_decision_names_who_was_left_out_and_why():
	lead = L.LeadFacts(GERMANY, (SERVERS,), excluded=frozenset({"D"}))
	rule = L.Rule("Europe", territory=EUROPE, min_tier_rank=2, capacity=3)
	cands = [
		L.Candidate("A", tier_rank=3, territories=(EUROPE,), open_leads=1),
		L.Candidate("B", tier_rank=1, territories=(EUROPE,)),
		L.Candidate("C", tier_rank=3, territories=(USA,)),
		L.Candidate("D", tier_rank=3),
		L.Candidate("E", tier_rank=3, open_leads=3),
		L.Candidate("F", tier_rank=3, product_lines=(SOFTWARE,)),
		L.Candidate("G", status="Suspended"),
	]
	result = L.route(lead, [rule], cands)
	assert (result.partner, result.rule) == ("A", "Europe")
	assert {c.partner: c.reason for c in result.considered} == {
		"A": None,
		"B": L.TIER,
		"C": L.TERRITORY,
		"D": L.EXCLUDED,
		"E": L.CAPACITY,
		"F": L.PRODUCT_LINE,
		"G": L.NOT_ACTIVE,
	}


def test_a_rule_without_eligible_partners_hands_over_to_the_next():
	lead = L.LeadFacts(FRANCE)
	first = L.Rule("Certified", priority=0, certification="Security")
	second = L.Rule("Anyone", priority=1, strategy=L.ROUND_ROBIN)
	result = L.route(
		lead, [second, first], [L.Candidate("A"), L.Candidate("B", last_offered=datetime(2026, 1, 1))]
	)
	assert (result.partner, result.rule) == ("A", "Anyone")
	assert L.route(lead, [first], [L.Candidate("A")]).outcome == "manager"


# --- states and answers ----------------------------------------------------------------------------


def test_moves():
	assert L.may_move(L.OFFERED, L.ACCEPTED, "partner")
	assert not L.may_move(L.OFFERED, L.ACCEPTED, "manager")  # only the partner accepts
	assert not L.may_move(L.NEW, L.ACCEPTED, "partner")  # never without an offer
	assert not L.may_move(L.LOST, L.ACCEPTED, "partner")
	assert L.may_move(L.OFFERED, L.NEW, "system")  # timed out
	assert not L.may_move(L.NEW, L.OFFERED, "partner")  # a partner never passes a lead
	for (old, new), actors in L.MOVES.items():
		assert old in L.STATES and new in L.STATES and actors <= {"partner", "manager", "system"}


def test_decline_and_accept_checks():
	assert L.check_decline(None, None) == "decline_reason_required"
	assert L.check_decline("Other", "  ") == "decline_detail_required"
	assert L.check_decline("Other", "we only sell to schools") is None
	assert L.check_decline("Spam", None) is None
	now = datetime(2026, 12, 7, 10)
	assert L.check_accept(L.OFFERED, "A", "A", now, now + timedelta(hours=1)) is None
	assert L.check_accept(L.OFFERED, "A", "B", now, None) == "not_offered_to_you"
	assert L.check_accept(L.ACCEPTED, "A", "A", now, None) == "not_offered_to_you"
	assert L.check_accept(L.OFFERED, "A", "A", now, now - timedelta(seconds=1)) == "deadline_passed"


# --- working hours ------------------------------------------------------------------------------------

calendars = st.builds(
	L.WorkCalendar,
	days=st.frozensets(st.integers(0, 6), min_size=1),
	start=st.sampled_from([time(0, 0), time(8, 0), time(9, 30)]),
	end=st.sampled_from([time(12, 0), time(17, 0), time(23, 59)]),
	holidays=st.frozensets(st.dates(date(2026, 12, 1), date(2027, 1, 31)), max_size=6),
)
moments = st.datetimes(datetime(2026, 12, 1), datetime(2026, 12, 31, 23, 59))
hours_st = st.floats(0, 60).map(lambda h: round(h, 2))


def brute_working_minutes(a: datetime, b: datetime, cal: L.WorkCalendar) -> int:
	"""Working minutes from a to b, counted minute by minute (whole minutes only)."""
	count, t = 0, a
	while t < b:
		if cal.is_working_day(t.date()) and cal.start <= t.time() < cal.end:
			count += 1
		t += timedelta(minutes=1)
	return count


@settings(max_examples=150, deadline=None)
@given(moments.map(lambda d: d.replace(second=0, microsecond=0)), st.integers(0, 1200), calendars)
def test_the_deadline_is_exactly_that_much_working_time_later(start, minutes, cal):
	deadline = L.add_working_hours(start, minutes / 60, cal)
	assert deadline >= start
	assert L.working_time_between(start, deadline, cal) == timedelta(minutes=minutes)
	assert brute_working_minutes(start, deadline, cal) == minutes


@given(moments, hours_st, hours_st, calendars)
def test_more_hours_never_end_sooner(start, h1, h2, cal):
	a, b = sorted((h1, h2))
	assert L.add_working_hours(start, a, cal) <= L.add_working_hours(start, b, cal)


@given(moments, hours_st.filter(lambda h: h > 0), calendars)
def test_the_deadline_lies_in_working_time(start, hours, cal):
	deadline = L.add_working_hours(start, hours, cal)
	assert deadline > start
	assert cal.is_working_day(deadline.date())
	assert cal.start < deadline.time() <= cal.end or deadline.time() == cal.end


def test_working_week():
	cal = L.WorkCalendar(holidays=frozenset({date(2026, 12, 25)}))
	friday_4pm = datetime(2026, 12, 4, 16, 0)
	assert L.add_working_hours(friday_4pm, 2, cal) == datetime(2026, 12, 7, 10, 0)  # Monday 10:00
	assert L.add_working_hours(datetime(2026, 12, 5, 12), 1, cal) == datetime(2026, 12, 7, 10, 0)  # Saturday
	assert L.add_working_hours(datetime(2026, 12, 24, 16), 2, cal) == datetime(2026, 12, 28, 10, 0)  # holiday
	assert L.add_working_hours(datetime(2026, 12, 7, 7), 16, cal) == datetime(2026, 12, 8, 17, 0)
	assert L.reminder_at(friday_4pm, 16, 4, cal) == datetime(2026, 12, 8, 12, 0)
	assert L.reminder_at(friday_4pm, 2, 4, cal) is None
	with pytest.raises(ValueError):
		L.add_working_hours(friday_4pm, -1, cal)
	with pytest.raises(ValueError):
		L.WorkCalendar(start=time(17), end=time(9))
