"""Account identity: recognise one real-world company under its many spellings.

Pure Python (no frappe). Three keys identify a company:

* ``name_key``  – the legal name, normalised: accents folded, case folded, punctuation dropped,
  "&" read as "and", legal-form suffixes (Inc, LLC, Ltd, GmbH, S.A., Pvt Ltd, KK, ...) and a
  leading "The" removed;
* ``domain``    – the registrable web or e-mail domain; free-mail providers carry no signal;
* ``tax_key``   – the tax id with separators removed and upper-cased.

Every normaliser is idempotent: ``f(f(x)) == f(x)`` (checked by property tests).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

MAX_INPUT_LENGTH = 140

# Legal-form words, written as they look after punctuation is removed and single letters are
# joined ("S.A." -> "sa", "K.K." -> "kk", "Pvt. Ltd." -> "pvt ltd").  Multi-word forms are tuples.
LEGAL_SUFFIXES: tuple[tuple[str, ...], ...] = tuple(
	tuple(s.split())
	for s in (
		"inc incorporated corp corporation co company cos ltd limited llc llp lp plc pllc pc "
		"gmbh mbh ag kg ohg ug ev gbr "
		"sa sas sarl sasu sca snc spa srl sl slu sau "
		"bv nv vof cv "
		"oy oyj ab asa as aps "
		"kk yk "
		"pty pte bhd sdn "
		"sro spzoo zoo "
		"ooo oao zao pao "
		"se "
	).split()
) + (
	("pvt", "ltd"),
	("private", "limited"),
	("pty", "ltd"),
	("pte", "ltd"),
	("sdn", "bhd"),
	("co", "ltd"),
	("kabushiki", "kaisha"),
	("gmbh", "co", "kg"),
	("sp", "z", "oo"),
	("s", "de", "rl"),
	("de", "cv"),
)

# Longest forms first so "pvt ltd" is removed as one unit.
_SUFFIXES_BY_LENGTH = sorted(set(LEGAL_SUFFIXES), key=len, reverse=True)

FREE_MAIL_DOMAINS = frozenset(
	"""
	gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.co.in yahoo.fr yahoo.de ymail.com
	hotmail.com hotmail.co.uk hotmail.fr hotmail.de outlook.com live.com msn.com windowslive.com
	aol.com icloud.com me.com mac.com gmx.com gmx.de gmx.net web.de t-online.de freenet.de
	mail.com email.com protonmail.com proton.me pm.me tutanota.com zoho.com zohomail.com
	yandex.com yandex.ru mail.ru rambler.ru qq.com 163.com 126.com sina.com rediffmail.com
	laposte.net orange.fr free.fr wanadoo.fr libero.it virgilio.it naver.com daum.net
	hey.com fastmail.com hushmail.com inbox.com seznam.cz wp.pl o2.pl onet.pl
	""".split()
)

# Second-level labels under which registrations happen one level deeper (example.co.uk).
_PUBLIC_SECOND_LEVEL = frozenset("co com net org gov edu ac ltd plc gob gouv or ne go nic mil".split())

_DOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class IdentityError(ValueError):
	"""Input that cannot identify a company. ``code`` is stable, ``args[0]`` is an English message."""

	def __init__(self, code: str, message: str):
		super().__init__(message)
		self.code = code


def _fold(text: str) -> str:
	"""Unicode-fold to a fixed point: casefold, NFKD, drop combining marks."""
	previous = None
	while text != previous:
		previous = text
		text = unicodedata.normalize("NFKD", text.casefold().replace("ı", "i"))
		text = "".join(ch for ch in text if not unicodedata.combining(ch))
	return text


def _tokens(text: str) -> list[str]:
	text = _fold(text).replace("&", " and ").replace("+", " and ")
	# Apostrophes join ("McDonald's" -> "mcdonalds"); every other non-alphanumeric separates.
	text = re.sub(r"['’`´]", "", text)
	text = re.sub(r"[^\w]+|_", " ", text)
	return text.split()


def _join_single_letters(tokens: list[str]) -> list[str]:
	"""Join runs of one-letter tokens: ["s", "a"] -> ["sa"] ("S.A."), ["i", "b", "m"] -> ["ibm"]."""
	out: list[str] = []
	run: list[str] = []
	for tok in tokens:
		if len(tok) == 1 and tok.isalpha():
			run.append(tok)
			continue
		if run:
			out.append("".join(run))
			run = []
		out.append(tok)
	if run:
		out.append("".join(run))
	return out


def _strip_legal_suffixes(tokens: list[str]) -> list[str]:
	changed = True
	while changed and tokens:
		changed = False
		for suffix in _SUFFIXES_BY_LENGTH:
			n = len(suffix)
			if len(tokens) > n and tuple(tokens[-n:]) == suffix:
				tokens = tokens[:-n]
				changed = True
				break
		# "and co" / "and company" left behind by "Smith & Co"
		if len(tokens) > 1 and tokens[-1] == "and":
			tokens = tokens[:-1]
			changed = True
	return tokens


def normalize_name(name: str | None) -> str:
	"""Return the comparison key of a company name ("" when nothing distinctive is left).

	>>> normalize_name("ACME, Inc.")
	'acme'
	>>> normalize_name("Société Générale S.A.")
	'societe generale'
	"""
	if not name:
		return ""
	tokens = _tokens(name)
	previous = None
	# Iterate to a fixed point so that the result is idempotent.
	while tokens != previous:
		previous = tokens
		tokens = _join_single_letters(tokens)
		if len(tokens) > 1 and tokens[0] == "the":
			tokens = tokens[1:]
		tokens = _strip_legal_suffixes(tokens)
	key = " ".join(tokens)
	if key in ("and", "the"):
		return ""
	# A name that is only a legal form ("Inc.", "GmbH") identifies nothing.
	if len(tokens) == 1 and (key,) in LEGAL_SUFFIXES:
		return ""
	return key


def normalize_domain(value: str | None) -> str:
	"""Return the registrable domain of a URL, host name or e-mail address, or "".

	Free-mail providers return "" because an address there says nothing about the employer.

	>>> normalize_domain("https://www.Acme.co.uk/about")
	'acme.co.uk'
	>>> normalize_domain("jane@gmail.com")
	''
	"""
	if not value:
		return ""
	text = value.strip().casefold()
	if "@" in text:
		text = text.rsplit("@", 1)[1]
	text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
	text = re.split(r"[/?#]", text, maxsplit=1)[0]
	text = text.split(":", 1)[0].strip(".")
	try:
		text = text.encode("idna").decode("ascii") if text and not text.isascii() else text
	except UnicodeError:
		return ""
	labels = [label for label in text.split(".") if label]
	if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels):
		return ""
	if not re.search(r"[a-z]", labels[-1]):
		return ""  # an IP address is not a company domain
	while len(labels) > 2 and re.fullmatch(r"www\d*", labels[0]):
		labels = labels[1:]  # "www." names a web server, never the company ("www.or.de" is "or.de")
	keep = 3 if len(labels) >= 3 and labels[-2] in _PUBLIC_SECOND_LEVEL and len(labels[-1]) == 2 else 2
	domain = ".".join(labels[-keep:])
	if domain in FREE_MAIL_DOMAINS:
		return ""
	return domain


def normalize_tax_id(value: str | None) -> str:
	"""Upper-case alphanumerics of a tax id ("de 123.456-789" -> "DE123456789"); "" if too short."""
	if not value:
		return ""
	key = re.sub(r"[^0-9A-Za-z]", "", _fold(value)).upper()
	return key if len(key) >= 5 and any(ch.isdigit() for ch in key) else ""


@dataclass(frozen=True)
class AccountKeys:
	name_key: str = ""
	domain: str = ""
	tax_key: str = ""

	@property
	def empty(self) -> bool:
		return not (self.name_key or self.domain or self.tax_key)


def account_keys(
	name: str | None = None, domain: str | None = None, tax_id: str | None = None
) -> AccountKeys:
	"""Keys of one company record; any of the inputs may be missing."""
	return AccountKeys(normalize_name(name), normalize_domain(domain), normalize_tax_id(tax_id))


def parse_query(text: str | None = None, domain: str | None = None, tax_id: str | None = None) -> AccountKeys:
	"""Keys for a partner's search.

	``text`` may be a company name, a web address or an e-mail address. Raises ``IdentityError``
	when the input is too long or identifies nothing.
	"""
	for label, value in (("name", text), ("domain", domain), ("tax id", tax_id)):
		if value is not None and not isinstance(value, str):
			raise IdentityError("invalid_type", f"The {label} must be text.")
		if value and len(value) > MAX_INPUT_LENGTH:
			raise IdentityError("too_long", f"The {label} is longer than {MAX_INPUT_LENGTH} characters.")
	text = (text or "").strip()
	name_key = dom = ""
	looks_like_address = bool(
		re.match(r"^(\S+@\S+|[a-z][a-z0-9+.-]*://\S+|(www\.)?[\w-]+(\.[\w-]+)+/?)$", text, re.I)
	)
	if looks_like_address:
		dom = normalize_domain(text)
	else:
		name_key = normalize_name(text)
	if domain:
		dom = normalize_domain(domain) or dom
	keys = AccountKeys(name_key, dom, normalize_tax_id(tax_id))
	if keys.empty:
		if text or domain or tax_id:
			raise IdentityError(
				"nothing_to_match",
				"This input identifies no company: enter a company name, its web domain or its tax id.",
			)
		raise IdentityError("blank", "Enter a company name, web domain or tax id.")
	return keys


class MatchStrength:
	NONE = 0
	NAME = 1  # same normalised name
	DOMAIN = 2  # same company domain
	TAX_ID = 3  # same tax id


def match_strength(query: AccountKeys, candidate: AccountKeys) -> int:
	"""How strongly a candidate record matches the query (0 = not at all).

	Conflicting tax ids veto a name or domain match: two companies with different registered tax
	ids are different legal entities even if their names look alike.
	"""
	if query.tax_key and candidate.tax_key:
		return MatchStrength.TAX_ID if query.tax_key == candidate.tax_key else MatchStrength.NONE
	if query.domain and candidate.domain and query.domain == candidate.domain:
		return MatchStrength.DOMAIN
	if query.name_key and candidate.name_key and query.name_key == candidate.name_key:
		return MatchStrength.NAME
	return MatchStrength.NONE


@dataclass(frozen=True)
class Candidate:
	"""A record that may be the company searched for: ``kind`` is Customer, Prospect or Lead."""

	kind: str
	name: str
	keys: AccountKeys
	group: str = ""  # records in one group are one account (e.g. one corporate family member)


@dataclass(frozen=True)
class MatchResult:
	outcome: str  # "none", "one", "ambiguous"
	strength: int
	matches: tuple[Candidate, ...]


KIND_ORDER = {"Customer": 0, "Prospect": 1, "Lead": 2}


def classify(query: AccountKeys, candidates: Sequence[Candidate], max_matches: int = 20) -> MatchResult:
	"""Pick the records that are the company the query names.

	Only the strongest kind of match counts (a tax id beats a domain beats a name). Customers are
	preferred over prospects and leads. Several distinct records at the strongest level make the
	answer ambiguous; more than ``max_matches`` records at the weakest level (a common name) is
	noise and also ambiguous.
	"""
	scored = [(match_strength(query, c.keys), c) for c in candidates]
	scored = [(s, c) for s, c in scored if s > MatchStrength.NONE]
	if not scored:
		return MatchResult("none", MatchStrength.NONE, ())
	best = max(s for s, _ in scored)
	top = [c for s, c in scored if s == best]
	best_kind = min(KIND_ORDER.get(c.kind, 9) for c in top)
	top = sorted((c for c in top if KIND_ORDER.get(c.kind, 9) == best_kind), key=lambda c: (c.kind, c.name))
	distinct = {c.group or c.name for c in top}
	if len(distinct) == 1 and len(top) <= max_matches:
		return MatchResult("one", best, tuple(top[:1]))
	return MatchResult("ambiguous", best, tuple(top[:max_matches]))
