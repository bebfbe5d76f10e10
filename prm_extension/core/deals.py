"""Deal registration rules: input checks, conflict checks, protection and closing. Pure Python.

A registration is checked against five rules; each check yields a verdict that is stored on the
registration (partner-safe code and parameters, plus the conflicting records for managers):

* ``house_account``      – the end customer is a house account;
* ``reservation``        – the account is reserved by another partner for an overlapping scope;
* ``registration``       – another open or approved registration for the same end customer shares
  a product line (the earlier one wins; later ones are refused or wait, per policy);
* ``direct_opportunity`` – the vendor's own sales team has an open Opportunity for the customer;
* ``authorisation``      – the partner is not Active or not authorised for the territory or a
  product line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from prm_extension.core.scope import Node, overlaps, within_any

# Workflow states
DRAFT = "Draft"
SUBMITTED = "Submitted"
RETURNED = "Returned"
APPROVED = "Approved"
REJECTED = "Rejected"
WON = "Won"
LOST = "Lost"
EXPIRED = "Expired"
OPEN_STATES = (SUBMITTED, RETURNED)  # waiting for a decision or for the partner
PROTECTED_STATES = (APPROVED,)
CLOSED_STATES = (REJECTED, WON, LOST, EXPIRED)

MAX_AMOUNT = Decimal("1e12")  # above this a value is a typo, not a deal
MAX_QTY = Decimal("1e7")
MAX_LINES = 200

# Conflict policy for a second registration on the same customer and product line
POLICY_REFUSE = "Refuse"
POLICY_WAIT = "Wait until the earlier one closes"


@dataclass(frozen=True)
class Line:
	item_group: Node  # the line's product line (Item Group) as a nested-set node
	qty: Decimal
	rate: Decimal
	item_code: str = ""

	@property
	def amount(self) -> Decimal:
		return self.qty * self.rate


@dataclass(frozen=True)
class InputError:
	code: str
	params: dict = field(default_factory=dict)


def check_input(
	lines: Sequence[Line],
	close_date: date | None,
	today: date,
	currency: str | None,
	allowed_currencies: Iterable[str],
	has_customer: bool,
) -> list[InputError]:
	"""Everything wrong with a registration's data, in a stable order (empty: fine)."""
	errors: list[InputError] = []
	if not has_customer:
		errors.append(InputError("customer_required"))
	if not lines:
		errors.append(InputError("products_required"))
	if len(lines) > MAX_LINES:
		errors.append(InputError("too_many_lines", {"max": MAX_LINES}))
	for idx, line in enumerate(lines, start=1):
		if line.qty <= 0:
			errors.append(InputError("qty_not_positive", {"row": idx}))
		elif line.qty > MAX_QTY:
			errors.append(InputError("qty_absurd", {"row": idx}))
		if line.rate < 0:
			errors.append(InputError("rate_negative", {"row": idx}))
		elif line.amount > MAX_AMOUNT:
			errors.append(InputError("amount_absurd", {"row": idx}))
	total = sum((line.amount for line in lines), Decimal(0))
	if total > MAX_AMOUNT:
		errors.append(InputError("value_absurd"))
	if close_date is None:
		errors.append(InputError("close_date_required"))
	elif close_date < today:
		errors.append(InputError("close_date_past", {"date": close_date}))
	elif close_date > today + timedelta(days=3 * 366):
		errors.append(InputError("close_date_far", {"date": close_date}))
	allowed = set(allowed_currencies)
	if currency and allowed and currency not in allowed:
		errors.append(InputError("currency_mismatch", {"currency": currency, "allowed": sorted(allowed)}))
	return errors


@dataclass(frozen=True)
class OtherRegistration:
	name: str
	partner: str
	state: str
	product_lines: tuple[Node, ...]
	submitted_on: datetime | None = None
	protection_until: date | None = None


@dataclass(frozen=True)
class Check:
	check: str
	passed: bool
	code: str
	params: dict = field(default_factory=dict)
	conflicts: tuple[str, ...] = ()
	blocking: bool = True  # a failed non-blocking check is a warning (the deal waits)


@dataclass(frozen=True)
class DealFacts:
	partner: str
	partner_status: str
	partner_territories: tuple[Node, ...]
	partner_product_lines: tuple[Node, ...]
	territory: Node | None
	product_lines: tuple[Node, ...]
	submitted_on: datetime
	house_reason: str | None = None  # from the account rules (None: not a house account)
	reservation_holder_other: tuple[str, ...] = ()  # live reservations of other partners that overlap
	direct_opportunities: tuple[str, ...] = ()


def lines_overlap(a: Iterable[Node], b: Iterable[Node]) -> bool:
	b = tuple(b)
	return any(overlaps(x, y) for x in a for y in b)


def check_registration(
	facts: DealFacts,
	others: Sequence[OtherRegistration],
	policy: str = POLICY_REFUSE,
	name: str | None = None,
) -> list[Check]:
	"""Run every conflict check. ``others`` are the other open/approved registrations of the same
	end customer (any partner); ``name`` is this registration (excluded)."""
	checks: list[Check] = []

	# Authorisation
	if facts.partner_status != "Active":
		checks.append(Check("authorisation", False, "partner_not_active", {"status": facts.partner_status}))
	elif not within_any(facts.partner_territories, facts.territory):
		checks.append(
			Check(
				"authorisation",
				False,
				"territory_not_authorised",
				{"territory": facts.territory.name if facts.territory else ""},
			)
		)
	else:
		outside = [n.name for n in facts.product_lines if not within_any(facts.partner_product_lines, n)]
		if outside:
			checks.append(
				Check(
					"authorisation",
					False,
					"product_line_not_authorised",
					{"product_lines": sorted(set(outside))},
				)
			)
		else:
			checks.append(Check("authorisation", True, "ok"))

	# House account
	if facts.house_reason:
		checks.append(
			Check("house_account", False, "house_account", {"via": facts.house_reason.split(":", 1)[0]})
		)
	else:
		checks.append(Check("house_account", True, "ok"))

	# Reservation by another partner
	if facts.reservation_holder_other:
		checks.append(Check("reservation", False, "reserved_by_other", {}, facts.reservation_holder_other))
	else:
		checks.append(Check("reservation", True, "ok"))

	# Other registrations: same customer, a product line in common. The first approved wins;
	# among open ones the earlier submission wins.
	clashing = [
		o
		for o in others
		if o.name != name
		and (o.state in OPEN_STATES or o.state in PROTECTED_STATES)
		and lines_overlap(o.product_lines, facts.product_lines)
	]
	approved = [o for o in clashing if o.state in PROTECTED_STATES]
	earlier_open = [
		o
		for o in clashing
		if o.state in OPEN_STATES
		and o.submitted_on is not None
		and (o.submitted_on, o.name) < (facts.submitted_on, name or "")
	]
	blockers = approved + earlier_open
	if blockers:
		own = all(o.partner == facts.partner for o in blockers)
		wait = policy == POLICY_WAIT and not own
		checks.append(
			Check(
				"registration",
				False,
				"duplicate_own" if own else ("registered_by_other_wait" if wait else "registered_by_other"),
				{"until": min((o.protection_until for o in approved if o.protection_until), default=None)},
				tuple(o.name for o in blockers),
				blocking=not wait,
			)
		)
	else:
		checks.append(Check("registration", True, "ok"))

	# The vendor's own open opportunity
	if facts.direct_opportunities:
		# Not blocking: channel vs direct is the channel manager's call at approval.
		checks.append(
			Check(
				"direct_opportunity",
				False,
				"direct_opportunity",
				{},
				facts.direct_opportunities,
				blocking=False,
			)
		)
	else:
		checks.append(Check("direct_opportunity", True, "ok"))
	return checks


def verdict(checks: Sequence[Check]) -> str:
	"""'clear', 'wait' (only non-blocking failures) or 'refuse'."""
	failed = [c for c in checks if not c.passed]
	if not failed:
		return "clear"
	if all(not c.blocking for c in failed):
		return "wait"
	return "refuse"


# --- Workflow -----------------------------------------------------------------------------------
# The one definition of the registration's states and moves. The "Deal Registration Approval"
# workflow fixture is kept equal to it (the fast suite compares them), the controller checks every
# status change against it, and the moves the workflow does not carry (a submitted invoice wins
# the deal, the scheduler expires it) are the system's. Partners reach no workflow endpoint
# (security/gate.py): they mark a deal lost through ``api.deals.mark_lost``, which asks the reason;
# the workflow names them too so that the desk and the rules agree on who may.

PARTNER, MANAGER, SYSTEM = "partner", "manager", "system"
# who an actor is in the workflow's terms (its transitions name roles)
ROLES = {PARTNER: ("Partner Admin", "Partner User"), MANAGER: ("PRM Manager",)}


@dataclass(frozen=True)
class State:
	name: str
	docstatus: int  # 0 while it is being decided, 1 once approved (submitted) and after
	edited_by: str  # the actor who may edit the document in this state (the workflow's allow_edit)


STATES = (
	State(DRAFT, 0, PARTNER),
	State(SUBMITTED, 0, MANAGER),
	State(RETURNED, 0, PARTNER),
	State(REJECTED, 0, MANAGER),
	State(APPROVED, 1, MANAGER),
	State(WON, 1, MANAGER),
	State(LOST, 1, MANAGER),
	State(EXPIRED, 1, MANAGER),
)


@dataclass(frozen=True)
class Move:
	old: str
	new: str
	action: str | None  # the workflow action; None: made by the system only, outside the workflow
	by: tuple[str, ...]  # actors who may make it (the system may make every move)


MOVES = (
	Move(DRAFT, SUBMITTED, "Submit", (PARTNER, MANAGER)),
	Move(RETURNED, SUBMITTED, "Resubmit", (PARTNER, MANAGER)),
	Move(SUBMITTED, APPROVED, "Approve", (MANAGER,)),
	Move(SUBMITTED, REJECTED, "Reject", (MANAGER,)),
	Move(SUBMITTED, RETURNED, "Return", (MANAGER,)),
	Move(APPROVED, WON, "Mark Won", (MANAGER,)),  # and the system, from a submitted Sales Invoice
	Move(APPROVED, LOST, "Mark Lost", (PARTNER, MANAGER)),  # with a reason
	Move(APPROVED, EXPIRED, None, ()),  # the scheduler, when the protection ends
	Move(WON, APPROVED, None, ()),  # the winning invoice was cancelled, protection still running
	Move(WON, EXPIRED, None, ()),  # ... and the protection has ended
)
_MOVES = {(m.old, m.new): m for m in MOVES}


def may_move(old: str, new: str, actor: str) -> bool:
	"""May ``actor`` (partner, manager or system) move a registration from ``old`` to ``new``?
	Staying in the same state is always allowed."""
	if old == new:
		return True
	move = _MOVES.get((old, new))
	if move is None:
		return False
	return actor == SYSTEM or actor in move.by


def workflow_transitions() -> list[tuple[str, str, str, str]]:
	"""(state, action, next state, role) of every move the workflow carries, as the fixture holds
	them."""
	return [
		(m.old, m.action, m.new, role) for m in MOVES if m.action for actor in m.by for role in ROLES[actor]
	]


def protection_until(approved_on: date, days: int) -> date:
	if days <= 0:
		raise ValueError("protection must last at least one day")
	return approved_on + timedelta(days=days)


def hours_between(start: datetime, end: datetime) -> float:
	return round((end - start).total_seconds() / 3600.0, 2)


# --- Closing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SalesLine:
	item_group: Node
	amount: Decimal


def attributable_amount(deal_lines: Iterable[Node], sales_lines: Sequence[SalesLine]) -> Decimal:
	"""Amount of a sales document that falls in the deal's product lines (0: no match)."""
	deal_lines = tuple(deal_lines)
	return sum(
		(s.amount for s in sales_lines if any(overlaps(d, s.item_group) for d in deal_lines)),
		Decimal(0),
	)


def is_protected(state: str, until: date | None, on: date) -> bool:
	return state in PROTECTED_STATES and until is not None and on <= until
