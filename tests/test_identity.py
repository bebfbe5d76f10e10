"""Fast suite: account identity normalisation and matching (no frappe)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prm_extension.core.identity import (
	AccountKeys,
	Candidate,
	IdentityError,
	MatchStrength,
	account_keys,
	classify,
	match_strength,
	normalize_domain,
	normalize_name,
	normalize_tax_id,
	parse_query,
)


@pytest.mark.parametrize(
	"raw, key",
	[
		("ACME, Inc.", "acme"),
		("Acme Incorporated", "acme"),
		("acme inc", "acme"),
		("ACME LLC", "acme"),
		("Acme Ltd.", "acme"),
		("Acme GmbH", "acme"),
		("Acme S.A.", "acme"),
		("Acme SA", "acme"),
		("Acme Pvt. Ltd.", "acme"),
		("Acme Private Limited", "acme"),
		("Acme K.K.", "acme"),
		("Acme Kabushiki Kaisha", "acme"),
		("Acme GmbH & Co. KG", "acme"),
		("The Acme Company", "acme"),
		("Société Générale S.A.", "societe generale"),
		("SOCIETE GENERALE", "societe generale"),
		("Müller Holding AG", "muller holding"),
		("Smith & Sons Ltd", "smith and sons"),
		("Smith and Sons", "smith and sons"),
		("I.B.M. Corp", "ibm"),
		("IBM", "ibm"),
		("McDonald's Corporation", "mcdonalds"),
		("  Tata   Consultancy  Services Pvt Ltd ", "tata consultancy services"),
	],
)
def test_normalize_name_variants(raw, key):
	assert normalize_name(raw) == key


@pytest.mark.parametrize("raw", ["", None, "Inc.", "GmbH", "  ...  ", "LLC", "& Co."])
def test_names_that_normalise_to_nothing(raw):
	assert normalize_name(raw) == ""


def test_distinct_companies_stay_distinct():
	assert normalize_name("Acme Industries") != normalize_name("Acme Logistics")
	assert normalize_name("General Motors") != normalize_name("General Mills")


@pytest.mark.parametrize(
	"raw, domain",
	[
		("https://www.acme.com/about?x=1", "acme.com"),
		("HTTP://ACME.COM", "acme.com"),
		("acme.com:8443", "acme.com"),
		("jane.doe@acme.com", "acme.com"),
		("jane@sales.eu.acme.com", "acme.com"),
		("www.acme.co.uk", "acme.co.uk"),
		("shop.acme.com.au", "acme.com.au"),
		("jane@gmail.com", ""),
		("JOHN@Outlook.com", ""),
		("192.168.1.10", ""),
		("localhost", ""),
		("not a domain", ""),
		("", ""),
		(None, ""),
	],
)
def test_normalize_domain(raw, domain):
	assert normalize_domain(raw) == domain


@pytest.mark.parametrize(
	"raw, key",
	[
		("DE 123.456-789", "DE123456789"),
		("de123456789", "DE123456789"),
		("27AAPFU0939F1ZV", "27AAPFU0939F1ZV"),
		("12", ""),
		("N/A", ""),
	],
)
def test_normalize_tax_id(raw, key):
	assert normalize_tax_id(raw) == key


names = st.text(alphabet=st.characters(categories=("L", "N", "P", "Zs", "S", "M")), max_size=60) | st.lists(
	st.sampled_from(
		[
			"acme",
			"the",
			"inc",
			"s",
			"a",
			"&",
			"co",
			".",
			"gmbh",
			"kk",
			"pvt",
			"ltd",
			"ü",
			"é",
			"ß",
			"İ",
			"and",
		]
	),
	max_size=8,
).map(" ".join)


@settings(max_examples=400)
@given(names)
def test_normalize_name_is_idempotent(raw):
	once = normalize_name(raw)
	assert normalize_name(once) == once


@settings(max_examples=300)
@given(names)
def test_normalize_name_ignores_case_and_surrounding_space(raw):
	assert normalize_name(raw.upper()) == normalize_name(raw.lower()) == normalize_name(f"  {raw} ")


@given(st.from_regex(r"[a-z]{1,10}(\.[a-z]{1,10}){0,3}\.(com|de|co\.uk|io)", fullmatch=True))
def test_normalize_domain_is_idempotent(raw):
	once = normalize_domain(raw)
	assert normalize_domain(once) == once
	assert normalize_domain(f"https://www.{raw}/x") == normalize_domain(raw)
	assert normalize_domain(f"someone@{raw}") == normalize_domain(raw)


@given(st.text(max_size=30))
def test_normalize_tax_id_is_idempotent(raw):
	once = normalize_tax_id(raw)
	assert normalize_tax_id(once) == once


def test_parse_query_reads_addresses_as_domains():
	assert parse_query("https://acme.com") == AccountKeys(domain="acme.com")
	assert parse_query("sales@acme.com") == AccountKeys(domain="acme.com")
	assert parse_query("Acme Inc") == AccountKeys(name_key="acme")
	assert parse_query("Acme", domain="acme.io", tax_id="US 12-3456789") == AccountKeys(
		"acme", "acme.io", "US123456789"
	)


@pytest.mark.parametrize(
	"kwargs, code",
	[
		({"text": ""}, "blank"),
		({"text": "   "}, "blank"),
		({"text": "Inc."}, "nothing_to_match"),
		({"text": "jane@gmail.com"}, "nothing_to_match"),
		({"text": "x" * 141}, "too_long"),
		({"text": 42}, "invalid_type"),
		({"text": None, "tax_id": "12"}, "nothing_to_match"),
	],
)
def test_parse_query_refuses_junk(kwargs, code):
	with pytest.raises(IdentityError) as err:
		parse_query(**kwargs)
	assert err.value.code == code


def test_match_strength_prefers_tax_id_and_lets_it_veto():
	q = account_keys("Acme Inc", "acme.com", "DE123456789")
	assert match_strength(q, account_keys("ACME GmbH", None, "de 123456789")) == MatchStrength.TAX_ID
	# Same name and domain but a different registered tax id: a different legal entity.
	assert match_strength(q, account_keys("Acme Inc", "acme.com", "FR99999999")) == MatchStrength.NONE
	assert match_strength(account_keys("Acme"), account_keys("ACME Ltd", "acme.com")) == MatchStrength.NAME
	assert (
		match_strength(AccountKeys(domain="acme.com"), account_keys("Other", "www.acme.com"))
		== MatchStrength.DOMAIN
	)


def test_classify_outcomes():
	q = AccountKeys(name_key="acme")
	c1 = Candidate("Customer", "CUST-1", account_keys("Acme Inc"))
	c2 = Candidate("Customer", "CUST-2", account_keys("ACME Ltd"))
	lead = Candidate("Lead", "LEAD-1", account_keys("Acme"))
	assert classify(q, []).outcome == "none"
	assert classify(q, [lead]).matches == (lead,)
	assert classify(q, [c1, lead]).matches == (c1,)  # a customer beats a lead
	assert classify(q, [c1, c2]).outcome == "ambiguous"
	# A stronger key disambiguates.
	c3 = Candidate("Customer", "CUST-3", account_keys("Acme", "acme.com"))
	res = classify(AccountKeys("acme", "acme.com"), [c1, c2, c3])
	assert (res.outcome, res.matches) == ("one", (c3,))
	# Records of one group (one account) are not ambiguous between themselves.
	g1 = Candidate("Customer", "A", account_keys("Acme"), group="F")
	g2 = Candidate("Customer", "B", account_keys("Acme"), group="F")
	assert classify(q, [g1, g2]).outcome == "one"


def test_classify_too_many_name_matches_is_noise():
	q = AccountKeys(name_key="acme")
	many = [Candidate("Customer", f"C{i}", account_keys("Acme"), group="F") for i in range(25)]
	res = classify(q, many, max_matches=20)
	assert res.outcome == "ambiguous" and len(res.matches) == 20


@given(
	st.lists(
		st.tuples(st.sampled_from(["acme", "acme inc", "beta"]), st.sampled_from(["", "acme.com", "b.com"])),
		max_size=8,
	)
)
def test_classify_matches_are_always_real_matches(rows):
	cands = [Candidate("Customer", f"C{i}", account_keys(n, d)) for i, (n, d) in enumerate(rows)]
	q = AccountKeys("acme", "acme.com")
	res = classify(q, cands)
	assert all(match_strength(q, c.keys) == res.strength for c in res.matches)
	assert (res.outcome == "none") == (not res.matches)


def test_www_is_never_part_of_the_registrable_domain():
	# found by hypothesis: "or" is a public second level under some country codes, so "www.or.de"
	# was kept whole while "or.de" was not
	assert normalize_domain("https://www.or.de/x") == normalize_domain("or.de") == "or.de"
	assert normalize_domain("www2.acme.co.uk") == "acme.co.uk"
