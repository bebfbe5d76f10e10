"""Leads the vendor passes to partners: routing, the answer deadline, the lead's states. Pure Python.

Routing (``route``) decides which partner a vendor's lead is offered to:

* a house account is never passed (``house``);
* a lead whose company a partner holds (a live reservation or an open or approved registration)
  goes to that partner first, if it is Active and has not already declined or let the lead time out;
* otherwise the routing rules are tried in their order. A rule applies to a lead whose territory
  (and product lines, if the rule names one) lie within the rule's; its eligible partners are the
  Active partners that cover the lead's territory and product lines, have the rule's partner type,
  minimum tier and certification, are below the rule's capacity of open passed leads, and have not
  declined the lead or let it time out. The first applicable rule with an eligible partner picks
  one of them by its strategy: ranked (highest tier, then fewest open leads), round robin (the
  longest without a lead), or weighted by tier (a draw weighted by the tier's weight);
* no eligible partner anywhere: the lead goes back to the channel manager (``manager``).

Every decision names the partners considered and, for each one left out, why: the routing history
stores it for channel managers. Partners never see it.

The answer deadline (``add_working_hours``) counts working hours only: the working days of the week,
between the day's start and end, skipping holidays.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from prm_extension.core.scope import Node, within_any

# --- routing --------------------------------------------------------------------------------------

RANKED = "Ranked"
ROUND_ROBIN = "Round Robin"
WEIGHTED = "Weighted by tier"
STRATEGIES = (RANKED, ROUND_ROBIN, WEIGHTED)

ACTIVE = "Active"

# why a partner was left out (codes; the desk shows them translated)
NOT_ACTIVE = "not_active"
EXCLUDED = "declined_or_timed_out"
TERRITORY = "territory_not_covered"
PRODUCT_LINE = "product_line_not_covered"
PARTNER_TYPE = "partner_type"
TIER = "tier_too_low"
CERTIFICATION = "certification_missing"
CAPACITY = "at_capacity"


@dataclass(frozen=True)
class Candidate:
	"""A partner as routing sees it."""

	name: str
	status: str = ACTIVE
	tier_rank: int = 0  # higher is better (Partner Tier.rank)
	tier_weight: float = 1.0  # the tier's weight for weighted routing (> 0)
	partner_type: str = ""
	territories: tuple[Node, ...] = ()  # empty: everywhere
	product_lines: tuple[Node, ...] = ()  # empty: every product line
	certifications: frozenset[str] = frozenset()
	open_leads: int = 0  # passed leads it holds open now (offered or accepted, not closed)
	last_offered: datetime | None = None  # when it was last offered a lead (round robin)


@dataclass(frozen=True)
class Rule:
	"""One routing rule, as the channel manager configures it (tried in ``priority`` order)."""

	name: str
	priority: int = 0
	territory: Node | None = None  # applies to leads within it (None: anywhere)
	product_line: Node | None = None  # applies to leads with a product line within it (None: any)
	partner_types: frozenset[str] = frozenset()  # empty: any type
	min_tier_rank: int | None = None
	certification: str | None = None
	capacity: int = 0  # most open passed leads a partner may hold under this rule (0: no limit)
	strategy: str = RANKED

	def __post_init__(self):
		if self.strategy not in STRATEGIES:
			raise ValueError(f"unknown routing strategy {self.strategy!r}")
		if self.capacity < 0:
			raise ValueError("capacity cannot be negative")


@dataclass(frozen=True)
class LeadFacts:
	territory: Node | None
	product_lines: tuple[Node, ...] = ()
	house_reason: str | None = None  # the account rules call the company a house account
	holder: str | None = None  # the partner holding the company (reservation or registration)
	excluded: frozenset[str] = frozenset()  # declined the lead or let it time out


@dataclass(frozen=True)
class Considered:
	partner: str
	eligible: bool
	reason: str | None = None  # why it was left out


@dataclass(frozen=True)
class Routing:
	outcome: str  # "partner" | "house" | "manager"
	partner: str | None = None
	reason: str = ""  # "holder" | "rule" | "house_account" | "no_eligible_partner"
	rule: str | None = None
	considered: tuple[Considered, ...] = ()
	params: dict = field(default_factory=dict)


def rule_applies(rule: Rule, lead: LeadFacts) -> bool:
	"""The lead lies within the rule's territory and, when the rule names a product line, one of the
	lead's product lines lies within it."""
	if rule.territory is not None and not within_any((rule.territory,), lead.territory):
		return False
	if rule.product_line is not None:
		return any(within_any((rule.product_line,), line) for line in lead.product_lines)
	return True


def covers(candidate: Candidate, lead: LeadFacts) -> str | None:
	"""Why ``candidate`` may not work the lead at all (None: it may): status, exclusion, authorisation."""
	if candidate.status != ACTIVE:
		return NOT_ACTIVE
	if candidate.name in lead.excluded:
		return EXCLUDED
	if not within_any(candidate.territories, lead.territory):
		return TERRITORY
	if not all(within_any(candidate.product_lines, line) for line in lead.product_lines):
		return PRODUCT_LINE
	return None


def left_out(candidate: Candidate, rule: Rule, lead: LeadFacts) -> str | None:
	"""Why ``candidate`` is not eligible under ``rule`` (None: eligible)."""
	reason = covers(candidate, lead)
	if reason:
		return reason
	if rule.partner_types and candidate.partner_type not in rule.partner_types:
		return PARTNER_TYPE
	if rule.min_tier_rank is not None and candidate.tier_rank < rule.min_tier_rank:
		return TIER
	if rule.certification and rule.certification not in candidate.certifications:
		return CERTIFICATION
	if rule.capacity and candidate.open_leads >= rule.capacity:
		return CAPACITY
	return None


def pick(strategy: str, eligible: Sequence[Candidate], draw: float = 0.0) -> Candidate:
	"""One of ``eligible`` (not empty) by ``strategy``; ``draw`` in [0, 1) decides a weighted pick."""
	if not eligible:
		raise ValueError("no eligible partner to pick from")
	if strategy == RANKED:
		return min(eligible, key=lambda c: (-c.tier_rank, c.open_leads, c.name))
	if strategy == ROUND_ROBIN:
		return min(
			eligible, key=lambda c: (c.last_offered is not None, c.last_offered or datetime.min, c.name)
		)
	if not 0.0 <= draw < 1.0:
		raise ValueError("draw must lie in [0, 1)")
	ordered = sorted(eligible, key=lambda c: c.name)
	weights = [max(c.tier_weight, 0.0) for c in ordered]
	total = math.fsum(weights)
	if total <= 0:
		return ordered[0]
	point, running = draw * total, 0.0
	for candidate, weight in zip(ordered, weights, strict=True):
		running += weight
		if point < running and weight > 0:
			return candidate
	return next(c for c, w in zip(reversed(ordered), reversed(weights), strict=True) if w > 0)


def route(
	lead: LeadFacts, rules: Iterable[Rule], candidates: Iterable[Candidate], draw: float = 0.0
) -> Routing:
	"""Where the lead goes (see the module docstring). ``draw`` in [0, 1) decides weighted picks."""
	candidates = sorted(candidates, key=lambda c: c.name)
	if lead.house_reason:
		return Routing("house", reason="house_account", params={"via": lead.house_reason})
	by_name = {c.name: c for c in candidates}
	if lead.holder:
		holder = by_name.get(lead.holder)
		reason = covers(holder, lead) if holder else NOT_ACTIVE
		if reason in (None, TERRITORY, PRODUCT_LINE):
			# the account is its own: authorisation limits what it may reserve, not what it may be told
			return Routing("partner", holder.name, "holder", considered=(Considered(holder.name, True),))
	considered: dict[str, Considered] = {}
	for rule in sorted(rules, key=lambda r: (r.priority, r.name)):
		if not rule_applies(rule, lead):
			continue
		eligible = []
		for c in candidates:
			why = left_out(c, rule, lead)
			if why is None:
				eligible.append(c)
			considered.setdefault(c.name, Considered(c.name, why is None, why))
		if eligible:
			chosen = pick(rule.strategy, eligible, draw)
			considered[chosen.name] = Considered(chosen.name, True)
			return Routing(
				"partner", chosen.name, "rule", rule=rule.name, considered=tuple(considered.values())
			)
	return Routing("manager", reason="no_eligible_partner", considered=tuple(considered.values()))


# --- the lead's states ------------------------------------------------------------------------------

NEW = "New"  # with the channel manager, not passed (or back from the last partner)
OFFERED = "Offered"  # passed to a partner, waiting for its answer
ACCEPTED = "Accepted"
CONTACTED = "Contacted"
QUALIFIED = "Qualified"
CONVERTED = "Converted"  # a deal registration was made from it
LOST = "Lost"
STATES = (NEW, OFFERED, ACCEPTED, CONTACTED, QUALIFIED, CONVERTED, LOST)
OPEN_STATES = (OFFERED, ACCEPTED, CONTACTED, QUALIFIED)  # count against a partner's capacity
WORKED_STATES = (ACCEPTED, CONTACTED, QUALIFIED)  # the partner may see the contact details

# (from, to) -> who may make the move; "system" is the SLA sweep and the routing itself
MOVES: dict[tuple[str, str], frozenset[str]] = {
	(NEW, OFFERED): frozenset({"manager", "system"}),
	(OFFERED, ACCEPTED): frozenset({"partner"}),
	(OFFERED, NEW): frozenset({"partner", "manager", "system"}),  # declined / taken back / timed out
	(OFFERED, OFFERED): frozenset({"manager", "system"}),  # passed on to the next partner
	(ACCEPTED, CONTACTED): frozenset({"partner"}),
	(ACCEPTED, QUALIFIED): frozenset({"partner"}),
	(CONTACTED, QUALIFIED): frozenset({"partner"}),
	(ACCEPTED, CONVERTED): frozenset({"partner", "system"}),
	(CONTACTED, CONVERTED): frozenset({"partner", "system"}),
	(QUALIFIED, CONVERTED): frozenset({"partner", "system"}),
	(ACCEPTED, LOST): frozenset({"partner", "manager"}),
	(CONTACTED, LOST): frozenset({"partner", "manager"}),
	(QUALIFIED, LOST): frozenset({"partner", "manager"}),
	(ACCEPTED, NEW): frozenset({"manager"}),  # the manager takes a worked lead back
	(CONTACTED, NEW): frozenset({"manager"}),
	(QUALIFIED, NEW): frozenset({"manager"}),
}


def may_move(old: str, new: str, actor: str) -> bool:
	return actor in MOVES.get((old, new), frozenset())


DECLINE_REASONS = ("No capacity", "Not our region", "Existing customer of ours", "Spam", "Other")
LOST_REASONS = ("No budget", "No response", "Chose a competitor", "Not a real project", "Other")


def check_decline(reason: str | None, detail: str | None) -> str | None:
	"""Why a decline is refused (None: fine): a reason from the fixed list, "Other" with words."""
	if reason not in DECLINE_REASONS:
		return "decline_reason_required"
	if reason == "Other" and not (detail or "").strip():
		return "decline_detail_required"
	return None


def check_accept(state: str, offered_to: str | None, partner: str, now: datetime, deadline: datetime | None):
	"""Why ``partner`` may not accept now (None: it may)."""
	if state != OFFERED or offered_to != partner:
		return "not_offered_to_you"
	if deadline is not None and now > deadline:
		return "deadline_passed"
	return None


# --- working hours ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkCalendar:
	"""Working days (0 = Monday), the working day's hours and holidays."""

	days: frozenset[int] = frozenset(range(5))
	start: time = time(9, 0)
	end: time = time(17, 0)
	holidays: frozenset[date] = frozenset()

	def __post_init__(self):
		if not self.days or not self.days <= frozenset(range(7)):
			raise ValueError("working days must be some of 0..6")
		if self.start >= self.end:
			raise ValueError("the working day must end after it starts")

	def is_working_day(self, day: date) -> bool:
		return day.weekday() in self.days and day not in self.holidays

	def window(self, day: date) -> tuple[datetime, datetime]:
		return datetime.combine(day, self.start), datetime.combine(day, self.end)


MAX_SLA_HOURS = 24 * 365  # a year of working hours: anything more is a typo


def add_working_hours(start: datetime, hours: float, calendar: WorkCalendar) -> datetime:
	"""The moment ``hours`` working hours after ``start`` (counting only working time)."""
	if hours < 0:
		raise ValueError("hours cannot be negative")
	if hours > MAX_SLA_HOURS:
		raise ValueError("too many hours")
	remaining = timedelta(hours=hours)
	moment = start
	day = start.date()
	# a calendar with holidays on every working day for years would never end: bound the walk
	for _ in range(366 * 20):
		if calendar.is_working_day(day):
			opens, closes = calendar.window(day)
			begin = max(moment, opens)
			if begin < closes:
				available = closes - begin
				if remaining <= available:
					return begin + remaining
				remaining -= available
		day += timedelta(days=1)
		moment = datetime.combine(day, time.min)
	raise ValueError("the calendar has no working time")


def working_time_between(a: datetime, b: datetime, calendar: WorkCalendar) -> timedelta:
	"""Working time from ``a`` to ``b`` (zero when ``b`` is not after ``a``)."""
	total = timedelta(0)
	if b <= a:
		return total
	day = a.date()
	while day <= b.date():
		if calendar.is_working_day(day):
			opens, closes = calendar.window(day)
			lo, hi = max(a, opens), min(b, closes)
			if lo < hi:
				total += hi - lo
		day += timedelta(days=1)
	return total


def reminder_at(offered: datetime, hours: float, before: float, calendar: WorkCalendar) -> datetime | None:
	"""When to remind the partner: ``before`` working hours ahead of the deadline (None when the
	whole allowance is shorter than that)."""
	if before <= 0 or before >= hours:
		return None
	return add_working_hours(offered, hours - before, calendar)
