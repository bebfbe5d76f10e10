"""Fast suite: deal registration rules (no frappe)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from prm_extension.core.deals import (
	APPROVED,
	DRAFT,
	EXPIRED,
	LOST,
	POLICY_REFUSE,
	POLICY_WAIT,
	REJECTED,
	RETURNED,
	SUBMITTED,
	WON,
	DealFacts,
	Line,
	OtherRegistration,
	SalesLine,
	attributable_amount,
	check_input,
	check_registration,
	hours_between,
	is_protected,
	may_move,
	protection_until,
	verdict,
)
from prm_extension.core.scope import Node

# Item Groups: Products(1,10) > Networking(2,7) > {Switches(3,4), Firewalls(5,6)}; Storage(8,9)
PRODUCTS, NETWORKING, SWITCHES, FIREWALLS, STORAGE = (
	Node(1, 10, "Products"),
	Node(2, 7, "Networking"),
	Node(3, 4, "Switches"),
	Node(5, 6, "Firewalls"),
	Node(8, 9, "Storage"),
)
EUROPE, GERMANY, USA = Node(2, 7, "Europe"), Node(3, 4, "Germany"), Node(9, 10, "USA")
TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 10, 0)


def facts(**kw):
	base = dict(
		partner="P1",
		partner_status="Active",
		partner_territories=(),
		partner_product_lines=(),
		territory=GERMANY,
		product_lines=(SWITCHES,),
		submitted_on=NOW,
	)
	base.update(kw)
	return DealFacts(**base)


def other(
	name, partner="P2", state=APPROVED, lines=(SWITCHES,), minutes=-60, until=TODAY + timedelta(days=30)
):
	return OtherRegistration(name, partner, state, lines, NOW + timedelta(minutes=minutes), until)


def by_check(checks):
	return {c.check: c for c in checks}


def test_input_checks():
	ok = [Line(SWITCHES, Decimal(2), Decimal(100))]
	assert check_input(ok, TODAY + timedelta(days=30), TODAY, "USD", ["USD"], True) == []
	codes = lambda errs: [e.code for e in errs]  # noqa: E731
	assert codes(check_input([], None, TODAY, "USD", ["USD"], False)) == [
		"customer_required",
		"products_required",
		"close_date_required",
	]
	assert codes(check_input([Line(SWITCHES, Decimal(0), Decimal(1))], TODAY, TODAY, None, [], True)) == [
		"qty_not_positive"
	]
	assert codes(check_input([Line(SWITCHES, Decimal(1), Decimal(-5))], TODAY, TODAY, None, [], True)) == [
		"rate_negative"
	]
	assert "amount_absurd" in codes(
		check_input([Line(SWITCHES, Decimal(1000), Decimal("1e10"))], TODAY, TODAY, None, [], True)
	)
	assert codes(check_input(ok, TODAY - timedelta(days=1), TODAY, None, [], True)) == ["close_date_past"]
	assert codes(check_input(ok, TODAY + timedelta(days=2000), TODAY, None, [], True)) == ["close_date_far"]
	assert codes(check_input(ok, TODAY, TODAY, "EUR", ["USD"], True)) == ["currency_mismatch"]


def test_clean_registration_is_clear():
	checks = check_registration(facts(), [])
	assert verdict(checks) == "clear"
	assert all(c.passed for c in checks)
	assert [c.check for c in checks] == [
		"authorisation",
		"house_account",
		"reservation",
		"registration",
		"direct_opportunity",
	]


def test_each_rule_refuses():
	assert (
		by_check(check_registration(facts(partner_status="Suspended"), []))["authorisation"].code
		== "partner_not_active"
	)
	assert (
		by_check(check_registration(facts(partner_territories=(USA,)), []))["authorisation"].code
		== "territory_not_authorised"
	)
	c = by_check(
		check_registration(facts(partner_product_lines=(STORAGE,), product_lines=(SWITCHES, STORAGE)), [])
	)["authorisation"]
	assert (c.code, c.params["product_lines"]) == ("product_line_not_authorised", ["Switches"])
	assert (
		by_check(check_registration(facts(house_reason="flag"), []))["house_account"].code == "house_account"
	)
	c = by_check(check_registration(facts(reservation_holder_other=("RES-1",)), []))["reservation"]
	assert (c.passed, c.conflicts, c.params) == (False, ("RES-1",), {})
	checks = check_registration(facts(direct_opportunities=("OPP-1",)), [])
	c = by_check(checks)["direct_opportunity"]
	assert (c.passed, c.conflicts, c.blocking, verdict(checks)) == (False, ("OPP-1",), False, "wait")


def test_first_approved_wins_shared_product_line_only():
	checks = check_registration(facts(), [other("DR-1")])
	c = by_check(checks)["registration"]
	assert (c.code, c.conflicts, verdict(checks)) == ("registered_by_other", ("DR-1",), "refuse")
	assert "P2" not in repr(c.params)
	# No product line in common: no conflict
	assert verdict(check_registration(facts(), [other("DR-1", lines=(STORAGE,))])) == "clear"
	# A parent product line overlaps its children
	assert verdict(check_registration(facts(), [other("DR-1", lines=(NETWORKING,))])) == "refuse"
	# Closed registrations do not block
	for state in (REJECTED, WON, LOST, EXPIRED, DRAFT):
		assert verdict(check_registration(facts(), [other("DR-1", state=state)])) == "clear"


def test_earlier_open_submission_wins_later_one_waits_under_wait_policy():
	earlier = other("DR-1", state=SUBMITTED, minutes=-5)
	later = other("DR-3", state=SUBMITTED, minutes=+5)
	assert verdict(check_registration(facts(), [later])) == "clear"
	assert verdict(check_registration(facts(), [earlier], POLICY_REFUSE)) == "refuse"
	checks = check_registration(facts(), [earlier], POLICY_WAIT)
	assert verdict(checks) == "wait"
	assert by_check(checks)["registration"].code == "registered_by_other_wait"


def test_own_duplicate_is_reported_as_duplicate():
	c = by_check(check_registration(facts(), [other("DR-1", partner="P1")], POLICY_WAIT))["registration"]
	assert (c.code, c.blocking) == ("duplicate_own", True)


def test_self_is_excluded():
	assert verdict(check_registration(facts(), [other("DR-9", state=APPROVED)], name="DR-9")) == "clear"


@given(
	st.lists(
		st.tuples(
			st.sampled_from(["P1", "P2", "P3"]),
			st.sampled_from([SWITCHES, FIREWALLS, STORAGE, NETWORKING]),
			st.integers(0, 100),
		),
		max_size=10,
	)
)
def test_at_most_one_partner_holds_a_product_line(requests):
	"""Approving only clear registrations, in submission order, never leaves two partners holding
	overlapping product lines of one customer."""
	approved: list[OtherRegistration] = []
	for i, (partner, line, minute) in enumerate(sorted(requests, key=lambda r: r[2])):
		f = facts(partner=partner, product_lines=(line,), submitted_on=NOW + timedelta(minutes=minute))
		if verdict(check_registration(f, approved, name=f"DR-{i}")) == "clear":
			approved.append(other(f"DR-{i}", partner=partner, lines=(line,)))
	for i, a in enumerate(approved):
		for b in approved[i + 1 :]:
			assert not (
				a.product_lines[0].lft <= b.product_lines[0].lft <= a.product_lines[0].rgt
				or b.product_lines[0].lft <= a.product_lines[0].lft <= b.product_lines[0].rgt
			)


def test_workflow_moves():
	assert may_move(DRAFT, SUBMITTED, "partner")
	assert may_move(RETURNED, SUBMITTED, "partner")
	assert not may_move(SUBMITTED, APPROVED, "partner")
	assert may_move(SUBMITTED, APPROVED, "manager")
	assert may_move(APPROVED, LOST, "partner")
	assert not may_move(APPROVED, WON, "partner")
	assert may_move(APPROVED, EXPIRED, "system")
	assert not may_move(WON, APPROVED, "manager")
	assert not may_move(REJECTED, SUBMITTED, "partner")


def test_protection_and_attribution():
	assert protection_until(TODAY, 90) == TODAY + timedelta(days=90)
	assert is_protected(APPROVED, TODAY, TODAY) and not is_protected(
		APPROVED, TODAY - timedelta(days=1), TODAY
	)
	assert not is_protected(WON, TODAY, TODAY)
	sales = [
		SalesLine(SWITCHES, Decimal(100)),
		SalesLine(STORAGE, Decimal(50)),
		SalesLine(FIREWALLS, Decimal(25)),
	]
	assert attributable_amount((NETWORKING,), sales) == Decimal(125)
	assert attributable_amount((SWITCHES,), sales) == Decimal(100)
	assert attributable_amount((Node(20, 21, "Other"),), sales) == 0
	assert hours_between(NOW, NOW + timedelta(hours=30)) == 30.0


@given(
	st.lists(st.tuples(st.sampled_from([SWITCHES, FIREWALLS, STORAGE]), st.integers(0, 10**6)), max_size=12)
)
def test_attributable_amount_is_bounded(rows):
	sales = [SalesLine(g, Decimal(a)) for g, a in rows]
	total = sum((s.amount for s in sales), Decimal(0))
	assert 0 <= attributable_amount((NETWORKING,), sales) <= total
	assert attributable_amount((PRODUCTS,), sales) == total


# --- one state machine: the workflow fixture is the core's ------------------------------------


def fixture_workflow():
	import json
	from pathlib import Path

	path = Path(__file__).resolve().parents[1] / "prm_extension" / "fixtures" / "workflow.json"
	return next(w for w in json.loads(path.read_text()) if w["name"] == "Deal Registration Approval")


def test_the_workflow_fixture_carries_exactly_the_cores_moves():
	from prm_extension.core.deals import workflow_transitions

	fixture = sorted(
		(t["state"], t["action"], t["next_state"], t["allowed"]) for t in fixture_workflow()["transitions"]
	)
	assert fixture == sorted(workflow_transitions())


def test_the_workflow_fixture_has_the_cores_states():
	from prm_extension.core.deals import ROLES, STATES

	fixture = sorted(
		(s["state"], int(s["doc_status"]), s["allow_edit"]) for s in fixture_workflow()["states"]
	)
	# the workflow names one role per state: the actor's first role that every member holds
	edit_role = {"partner": "Partner User", "manager": ROLES["manager"][0]}
	assert fixture == sorted((s.name, s.docstatus, edit_role[s.edited_by]) for s in STATES)
	assert "Partner User" in ROLES["partner"]


def test_may_move_follows_the_moves():
	from prm_extension.core.deals import MOVES, STATES

	names = [s.name for s in STATES]
	moves = {(m.old, m.new): m for m in MOVES}
	for old in names:
		for new in names:
			for actor in ("partner", "manager", "system"):
				move = moves.get((old, new))
				expected = old == new or (move is not None and (actor == "system" or actor in move.by))
				assert may_move(old, new, actor) == expected, (old, new, actor)
	# the case the three definitions once disagreed on: a partner may mark its approved deal lost
	assert may_move(APPROVED, LOST, "partner") and may_move(APPROVED, LOST, "manager")
	assert not may_move(APPROVED, EXPIRED, "manager") and may_move(APPROVED, EXPIRED, "system")
