"""Fast suite: reservation decision core, scopes and hierarchies (no frappe)."""

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from prm_extension.core.reservations import (
	ACTIVE,
	EXPIRED,
	RELEASED,
	REQUESTED,
	AccountFacts,
	HouseRule,
	LiveReservation,
	PartnerFacts,
	Settings,
	availability,
	check_extension,
	decide,
	expiry_for,
	is_due_for_expiry,
	transition_allowed,
)
from prm_extension.core.scope import (
	Family,
	HierarchyError,
	HierarchyPolicy,
	Node,
	Scope,
	check_new_parent,
	contains,
	overlaps,
)

# A small Territory tree as a nested set:
# All(1,14) > Europe(2,7) > {Germany(3,4), France(5,6)}; Americas(8,13) > {USA(9,10), Canada(11,12)}
ALL, EUROPE, GERMANY, FRANCE = (
	Node(1, 14, "All"),
	Node(2, 7, "Europe"),
	Node(3, 4, "Germany"),
	Node(5, 6, "France"),
)
AMERICAS, USA, CANADA = Node(8, 13, "Americas"), Node(9, 10, "USA"), Node(11, 12, "Canada")
TERRITORIES = [ALL, EUROPE, GERMANY, FRANCE, AMERICAS, USA, CANADA]
# Item Groups: Products(1,8) > Hardware(2,5) > Servers(3,4); Software(6,7)
PRODUCTS, HARDWARE, SERVERS, SOFTWARE = (
	Node(1, 8, "Products"),
	Node(2, 5, "Hardware"),
	Node(3, 4, "Servers"),
	Node(6, 7, "Software"),
)

# Acme Group > Acme Germany > Acme Munich ; Acme Group > Acme France
FAMILY = Family(
	{
		"Acme Group": None,
		"Acme Germany": "Acme Group",
		"Acme Munich": "Acme Germany",
		"Acme France": "Acme Group",
	}
)
ACCOUNTS = list(FAMILY.parents) + ["Solo Ltd"]
TODAY = date(2026, 11, 27)


def partner(name="P1", **kw):
	return PartnerFacts(name=name, status=kw.pop("status", "Active"), **kw)


def account(name="Acme Germany", **kw):
	return AccountFacts(name=name, family=kw.pop("family", FAMILY), **kw)


def live(name, partner_name, account_name, territory=None, product_line=None, status=ACTIVE, days=30):
	return LiveReservation(
		name, partner_name, account_name, Scope(territory, product_line), TODAY + timedelta(days=days), status
	)


def test_tree_containment():
	assert contains(EUROPE, GERMANY) and not contains(GERMANY, EUROPE)
	assert contains(None, GERMANY) and not contains(GERMANY, None)
	assert overlaps(GERMANY, EUROPE) and overlaps(None, USA) and not overlaps(GERMANY, FRANCE)
	with pytest.raises(ValueError):
		Node(5, 5, "broken")


def test_open_account_is_allowed():
	d = decide(partner(), account(), Scope(GERMANY), [], Settings())
	assert d.allowed and d.code == "open" and availability(d) == "open"


@pytest.mark.parametrize("status", ["Applicant", "Suspended", "Terminated"])
def test_partner_must_be_active(status):
	d = decide(partner(status=status), account(), Scope(), [], Settings())
	assert (d.allowed, d.code, d.params) == (False, "partner_not_active", {"status": status})


def test_house_account_flag_rules_and_inheritance():
	acc = account("Acme Munich", house_flags=frozenset({"Acme Group"}))
	d = decide(partner(), acc, Scope(), [], Settings())
	assert (d.code, d.params["via"], availability(d)) == ("house_account", "parent_flag", "house")
	assert decide(partner(), acc, Scope(), [], Settings(house_inherits=False)).allowed
	# A rule on a customer group subtree
	enterprise, strategic = Node(1, 4, "Enterprise"), Node(2, 3, "Strategic")
	acc = account("Solo Ltd", family=Family({}), customer_group=strategic, territory=USA)
	rules = (HouseRule(customer_group=enterprise, label="Enterprise"),)
	assert decide(partner(), acc, Scope(), [], Settings(house_rules=rules)).code == "house_account"
	rules = (HouseRule(customer_group=enterprise, territory=EUROPE),)  # both criteria must hold
	assert decide(partner(), acc, Scope(), [], Settings(house_rules=rules)).allowed
	assert not HouseRule().matches(strategic, USA)  # an empty rule matches nothing


def test_territory_and_product_line_authorisation():
	p = partner(territories=(EUROPE,), product_lines=(HARDWARE,))
	assert decide(p, account(), Scope(GERMANY, SERVERS), [], Settings()).allowed
	assert decide(p, account(), Scope(USA, SERVERS), [], Settings()).code == "territory_not_authorised"
	assert decide(p, account(), Scope(None, SERVERS), [], Settings()).code == "territory_required"
	assert (
		decide(p, account(), Scope(GERMANY, SOFTWARE), [], Settings()).code == "product_line_not_authorised"
	)
	assert decide(p, account(), Scope(GERMANY, None), [], Settings()).code == "product_line_required"
	# No restrictions configured: authorised everywhere
	assert decide(partner(), account(), Scope(None, None), [], Settings()).allowed


def test_reserved_by_other_hides_identity():
	r = live("RES-1", "P2", "Acme Germany", GERMANY)
	d = decide(partner(), account(), Scope(GERMANY), [r], Settings())
	assert d.code == "reserved_by_other" and availability(d) == "reserved_by_other"
	assert "P2" not in repr(d.params) and "RES-1" not in repr(d.params)
	assert d.conflicts == ("RES-1",)
	assert d.params["until"] == TODAY + timedelta(days=30)


def test_own_reservation_reported_as_yours():
	r = live("RES-1", "P1", "Acme Germany")
	d = decide(partner(), account(), Scope(GERMANY), [r], Settings())
	assert (d.code, d.params["reservation"]) == ("reserved_by_you", "RES-1")


def test_disjoint_territories_coexist_and_containment_conflicts():
	r = live("RES-1", "P2", "Acme Germany", FRANCE)
	assert decide(partner(), account(), Scope(GERMANY), [r], Settings()).allowed
	r = live("RES-1", "P2", "Acme Germany", EUROPE)
	assert decide(partner(), account(), Scope(GERMANY), [r], Settings()).code == "reserved_by_other"
	r = live("RES-1", "P2", "Acme Germany", None)  # everywhere
	assert decide(partner(), account(), Scope(USA), [r], Settings()).code == "reserved_by_other"


def test_disjoint_product_lines_coexist():
	r = live("RES-1", "P2", "Acme Germany", None, SOFTWARE)
	assert decide(partner(), account(), Scope(None, HARDWARE), [r], Settings()).allowed
	assert not decide(partner(), account(), Scope(None, None), [r], Settings()).allowed


@pytest.mark.parametrize(
	"policy, existing_on, expected",
	[
		(HierarchyPolicy.SUBTREE, "Acme Group", "reserved_by_other"),  # parent covers its subsidiaries
		(HierarchyPolicy.SUBTREE, "Acme Munich", "reserved_by_other"),  # a subsidiary blocks its parent
		(HierarchyPolicy.SUBTREE, "Acme France", "open"),  # siblings are independent
		(HierarchyPolicy.SEPARATE, "Acme Group", "open"),
		(HierarchyPolicy.SEPARATE, "Acme Germany", "reserved_by_other"),
		(HierarchyPolicy.FAMILY, "Acme France", "reserved_by_other"),
	],
)
def test_hierarchy_policies(policy, existing_on, expected):
	r = live("RES-1", "P2", existing_on)
	d = decide(partner(), account("Acme Germany"), Scope(), [r], Settings(hierarchy_policy=policy))
	assert availability(d) == expected


def test_taken_accounts_are_reported_even_to_unauthorised_partners():
	"""Authorisation is checked after conflicts: a partner restricted to other product lines or
	territories still learns that an account is taken, and an untaken one is 'restricted'."""
	p = partner(territories=(FRANCE,), product_lines=(SOFTWARE,))
	r = live("RES-1", "P2", "Acme Germany", GERMANY)
	assert availability(decide(p, account(), Scope(GERMANY, None), [r], Settings())) == "reserved_by_other"
	d = decide(p, account(), Scope(GERMANY, None), [], Settings())
	assert (d.code, availability(d)) == ("territory_not_authorised", "restricted")


def test_tier_limit_counts_live_reservations():
	p = partner(max_active_reservations=3, live_reservations=3)
	assert decide(p, account(), Scope(), [], Settings()).code == "tier_limit_reached"
	assert decide(
		partner(max_active_reservations=3, live_reservations=2), account(), Scope(), [], Settings()
	).allowed


def test_pending_request_holds_the_account():
	r = live("RES-1", "P2", "Acme Germany", status=REQUESTED)
	d = decide(partner(), account(), Scope(), [r], Settings())
	assert d.code == "reserved_by_other" and d.params["pending"] is True


def test_revalidation_excludes_itself():
	r = live("RES-1", "P1", "Acme Germany")
	assert decide(partner(), account(), Scope(), [r], Settings(), exclude="RES-1").allowed


def test_policy_parse():
	assert HierarchyPolicy.parse("Whole corporate family") is HierarchyPolicy.FAMILY
	assert HierarchyPolicy.parse("SEPARATE") is HierarchyPolicy.SEPARATE
	assert HierarchyPolicy.parse(None) is HierarchyPolicy.SUBTREE


def test_hierarchy_cycles_refused():
	with pytest.raises(HierarchyError) as e:
		check_new_parent("Acme Group", "Acme Munich", FAMILY)
	assert e.value.code == "cycle"
	with pytest.raises(HierarchyError):
		check_new_parent("Acme Group", "Acme Group", FAMILY)
	check_new_parent("Solo Ltd", "Acme Munich", FAMILY)
	# a corrupt (cyclic) map still terminates
	assert Family({"a": "b", "b": "a"}).ancestors("a") == ["a", "b"]


# --- property-based invariants ----------------------------------------------------------------

nodes = st.sampled_from([None, *TERRITORIES])
lines = st.sampled_from([None, PRODUCTS, HARDWARE, SERVERS, SOFTWARE])
policies = st.sampled_from(list(HierarchyPolicy))
accounts = st.sampled_from(ACCOUNTS)


@given(accounts, accounts, nodes, nodes, lines, lines, policies)
def test_conflict_is_symmetric(a, b, ta, tb, la, lb, policy):
	"""Whoever reserves first, two requests conflict in the same cases (hierarchy symmetry)."""
	settings = Settings(hierarchy_policy=policy)
	a_first = decide(partner("P2"), account(b), Scope(tb, lb), [live("R1", "P1", a, ta, la)], settings)
	b_first = decide(partner("P1"), account(a), Scope(ta, la), [live("R1", "P2", b, tb, lb)], settings)
	assert a_first.allowed == b_first.allowed


@given(accounts, accounts, policies)
def test_policies_are_ordered(a, b, policy):
	"""SEPARATE ⊆ SUBTREE ⊆ FAMILY: a broader policy never allows what a narrower one refuses."""
	sep = FAMILY.covers_overlap(a, b, HierarchyPolicy.SEPARATE)
	sub = FAMILY.covers_overlap(a, b, HierarchyPolicy.SUBTREE)
	fam = FAMILY.covers_overlap(a, b, HierarchyPolicy.FAMILY)
	assert (not sep or sub) and (not sub or fam)


@given(
	st.lists(st.tuples(st.sampled_from(["P1", "P2", "P3"]), accounts, nodes, lines), max_size=12), policies
)
def test_accepting_only_allowed_requests_never_creates_conflicts(requests, policy):
	"""Granting requests one by one whenever decide() allows leaves no two conflicting holders."""
	settings = Settings(hierarchy_policy=policy)
	held: list[LiveReservation] = []
	for i, (p, acc, terr, line) in enumerate(requests):
		if decide(partner(p), account(acc), Scope(terr, line), held, settings):
			held.append(live(f"R{i}", p, acc, terr, line))
	for i, x in enumerate(held):
		for y in held[i + 1 :]:
			assert not (x.scope.overlaps(y.scope) and FAMILY.covers_overlap(x.account, y.account, policy))


@given(nodes, nodes)
def test_scope_overlap_is_symmetric(a, b):
	assert overlaps(a, b) == overlaps(b, a)


def test_expiry_and_extension():
	assert expiry_for(TODAY, 90) == TODAY + timedelta(days=90)
	with pytest.raises(ValueError):
		expiry_for(TODAY, 0)
	exp = TODAY + timedelta(days=5)
	d = check_extension(ACTIVE, exp, TODAY, 0, 1, 30)
	assert d.allowed and d.params["until"] == exp + timedelta(days=30)
	assert check_extension(ACTIVE, exp, TODAY, 1, 1, 30).code == "extension_limit_reached"
	assert check_extension(EXPIRED, exp, TODAY, 0, 1, 30).code == "extension_not_active"
	assert check_extension(ACTIVE, TODAY - timedelta(days=1), TODAY, 0, 1, 30).code == "extension_not_active"
	assert check_extension(ACTIVE, exp, TODAY, 0, 1, 0).code == "extension_not_offered"
	assert is_due_for_expiry(ACTIVE, TODAY - timedelta(days=1), TODAY)
	assert not is_due_for_expiry(ACTIVE, TODAY, TODAY)
	assert not is_due_for_expiry(RELEASED, TODAY - timedelta(days=9), TODAY)


def test_transitions_by_actor():
	assert transition_allowed(None, REQUESTED, "partner")
	assert not transition_allowed(None, ACTIVE, "partner")
	assert transition_allowed(ACTIVE, RELEASED, "partner")
	assert not transition_allowed(RELEASED, ACTIVE, "partner")
	assert not transition_allowed(EXPIRED, ACTIVE, "partner")
	assert transition_allowed(EXPIRED, ACTIVE, "manager")
	assert transition_allowed(REQUESTED, "Rejected", "manager")
	assert not transition_allowed(ACTIVE, REQUESTED, "manager")


@given(st.integers(min_value=0, max_value=5), st.integers(min_value=0, max_value=5))
def test_extensions_never_exceed_limit(used, limit):
	assume(used <= limit + 1)
	d = check_extension(ACTIVE, TODAY, TODAY, used, limit, 30)
	assert d.allowed == (used < limit)
