"""Account reservation rules: who may reserve which account, for which scope, for how long.

Pure Python (no frappe). The frappe layer gathers plain facts with indexed queries, calls
``decide`` and turns the returned ``Decision`` (a stable code plus parameters) into a
translated sentence. A decision never carries another partner's identity in its partner-facing
parameters; the names of conflicting reservations travel separately in ``conflicts`` for
channel managers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from prm_extension.core.scope import Family, HierarchyPolicy, Node, Scope, within_any

# Reservation statuses
REQUESTED = "Requested"
ACTIVE = "Active"
EXPIRED = "Expired"
RELEASED = "Released"
REJECTED = "Rejected"
STATUSES = (REQUESTED, ACTIVE, EXPIRED, RELEASED, REJECTED)
LIVE_STATUSES = (REQUESTED, ACTIVE)  # statuses that hold an account

ACTIVE_PARTNER = "Active"


@dataclass(frozen=True)
class PartnerFacts:
	name: str
	status: str
	territories: tuple[Node, ...] = ()  # empty: every territory
	product_lines: tuple[Node, ...] = ()  # empty: every product line
	max_active_reservations: int = 0  # 0: unlimited
	live_reservations: int = 0


@dataclass(frozen=True)
class HouseRule:
	"""House-account criterion: every customer of this group and/or territory (subtrees included)."""

	customer_group: Node | None = None
	territory: Node | None = None
	label: str = ""

	def matches(self, customer_group: Node | None, territory: Node | None) -> bool:
		if self.customer_group is None and self.territory is None:
			return False
		if self.customer_group is not None and (
			customer_group is None or not within_any((self.customer_group,), customer_group)
		):
			return False
		if self.territory is not None and (territory is None or not within_any((self.territory,), territory)):
			return False
		return True


@dataclass(frozen=True)
class AccountFacts:
	name: str
	family: Family
	house_flags: frozenset[str] = frozenset()  # accounts of the family flagged as house accounts
	customer_group: Node | None = None
	territory: Node | None = None
	disabled: bool = False


@dataclass(frozen=True)
class LiveReservation:
	name: str
	partner: str
	account: str
	scope: Scope
	expiry_date: date | None = None
	status: str = ACTIVE


@dataclass(frozen=True)
class Settings:
	hierarchy_policy: HierarchyPolicy = HierarchyPolicy.SUBTREE
	house_inherits: bool = True  # a subsidiary of a house account is a house account
	house_rules: tuple[HouseRule, ...] = ()


@dataclass(frozen=True)
class Decision:
	allowed: bool
	code: str
	params: dict = field(default_factory=dict)  # safe to show the requesting partner
	conflicts: tuple[str, ...] = ()  # reservation names; for channel managers only

	def __bool__(self) -> bool:
		return self.allowed


def house_reason(account: AccountFacts, settings: Settings) -> str | None:
	"""Why ``account`` is a house account ("flag", "parent_flag", "rule:<label>"), or None."""
	if account.name in account.house_flags:
		return "flag"
	if settings.house_inherits and any(
		a in account.house_flags for a in account.family.ancestors(account.name)
	):
		return "parent_flag"
	for rule in settings.house_rules:
		if rule.matches(account.customer_group, account.territory):
			return f"rule:{rule.label}"
	return None


def find_conflicts(
	account: str,
	scope: Scope,
	live: Iterable[LiveReservation],
	family: Family,
	policy: HierarchyPolicy,
	exclude: str | None = None,
) -> list[LiveReservation]:
	"""Live reservations whose covered accounts and scope overlap the requested ones."""
	return [
		r
		for r in live
		if r.name != exclude
		and r.status in LIVE_STATUSES
		and r.scope.overlaps(scope)
		and family.covers_overlap(account, r.account, policy)
	]


def decide(
	partner: PartnerFacts,
	account: AccountFacts,
	scope: Scope,
	live: Sequence[LiveReservation],
	settings: Settings,
	exclude: str | None = None,
) -> Decision:
	"""Decide whether ``partner`` may hold ``account`` for ``scope``.

	``live`` are the live reservations of the account's family (other partners' and the
	partner's own); ``exclude`` is the reservation being re-validated, if any.
	Checks run in a fixed order and the first refusal wins, so the reason is deterministic.
	"""
	if partner.status != ACTIVE_PARTNER:
		return Decision(False, "partner_not_active", {"status": partner.status})
	if account.disabled:
		return Decision(False, "account_disabled")
	reason = house_reason(account, settings)
	if reason:
		return Decision(False, "house_account", {"via": reason.split(":", 1)[0]})
	conflicts = find_conflicts(account.name, scope, live, account.family, settings.hierarchy_policy, exclude)
	own = [r for r in conflicts if r.partner == partner.name]
	others = [r for r in conflicts if r.partner != partner.name]
	if others:
		first = min(others, key=lambda r: (r.expiry_date or date.max, r.name))
		return Decision(
			False,
			"reserved_by_other",
			{
				"until": first.expiry_date,
				"via": account.family.relation(account.name, first.account),
				"pending": first.status == REQUESTED,
			},
			tuple(r.name for r in others),
		)
	if own:
		first = min(own, key=lambda r: (r.expiry_date or date.max, r.name))
		return Decision(
			False,
			"reserved_by_you",
			{"until": first.expiry_date, "reservation": first.name, "pending": first.status == REQUESTED},
			tuple(r.name for r in own),
		)
	# Authorisation after conflicts: a partner learns that an account is taken even when it could
	# not have taken it itself.
	if not within_any(partner.territories, scope.territory):
		if scope.territory is None:
			return Decision(False, "territory_required")
		return Decision(False, "territory_not_authorised", {"territory": scope.territory.name})
	if not within_any(partner.product_lines, scope.product_line):
		if scope.product_line is None:
			return Decision(False, "product_line_required")
		return Decision(False, "product_line_not_authorised", {"product_line": scope.product_line.name})
	if partner.max_active_reservations and partner.live_reservations >= partner.max_active_reservations:
		return Decision(False, "tier_limit_reached", {"limit": partner.max_active_reservations})
	return Decision(True, "open")


# --- Availability --------------------------------------------------------------------------------

AVAILABILITY = (
	"open",
	"restricted",
	"reserved_by_you",
	"reserved_by_other",
	"house",
	"ambiguous",
	"not_found",
	"prospect",
)


def availability(decision: Decision) -> str:
	"""Map a decision on an identified customer to the availability a partner is shown:
	``restricted`` is an account nobody holds that this partner may not reserve (territory,
	product line, tier limit, partner status)."""
	if decision.code == "house_account":
		return "house"
	if decision.code in ("reserved_by_you", "reserved_by_other"):
		return decision.code
	return "open" if decision.allowed else "restricted"


# --- Lifecycle -----------------------------------------------------------------------------------


def expiry_for(start: date, days: int) -> date:
	if days <= 0:
		raise ValueError("a reservation period must be at least one day")
	return start + timedelta(days=days)


def check_extension(
	status: str, expiry: date | None, today: date, extensions_used: int, max_extensions: int, days: int
) -> Decision:
	"""May an Active reservation be extended once more, and to when."""
	if status != ACTIVE or (expiry is not None and expiry < today):
		return Decision(False, "extension_not_active", {"status": status})
	if extensions_used >= max_extensions:
		return Decision(False, "extension_limit_reached", {"limit": max_extensions})
	if days <= 0:
		return Decision(False, "extension_not_offered")
	base = expiry or today
	return Decision(True, "extended", {"until": base + timedelta(days=days)})


def is_due_for_expiry(status: str, expiry: date | None, today: date) -> bool:
	"""An Active reservation expires the day after its expiry date."""
	return status == ACTIVE and expiry is not None and expiry < today


# Who may move a reservation from one status to another. None is "not saved yet".
_PARTNER_TRANSITIONS = {
	(None, REQUESTED),
	(REQUESTED, RELEASED),
	(ACTIVE, RELEASED),
}
_MANAGER_TRANSITIONS = _PARTNER_TRANSITIONS | {
	(None, ACTIVE),
	(REQUESTED, ACTIVE),
	(REQUESTED, REJECTED),
	(ACTIVE, EXPIRED),
	(EXPIRED, ACTIVE),  # reinstate: an override, needs a reason
	(RELEASED, ACTIVE),  # reinstate: an override, needs a reason
	(REJECTED, ACTIVE),  # overrule a refusal: an override, needs a reason
}
_SYSTEM_TRANSITIONS = _MANAGER_TRANSITIONS | {(None, REJECTED), (REQUESTED, EXPIRED)}
OVERRIDE_TRANSITIONS = {(EXPIRED, ACTIVE), (RELEASED, ACTIVE), (REJECTED, ACTIVE)}


def transition_allowed(old: str | None, new: str, actor: str) -> bool:
	"""``actor`` is "partner", "manager" or "system" (scheduler, approval automation)."""
	if old == new:
		return True
	table = {"partner": _PARTNER_TRANSITIONS, "manager": _MANAGER_TRANSITIONS, "system": _SYSTEM_TRANSITIONS}[
		actor
	]
	return (old, new) in table
