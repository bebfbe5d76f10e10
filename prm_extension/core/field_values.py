"""What a field's column accepts: types, lengths and ranges of Frappe's MariaDB columns. Pure Python
(no frappe).

Frappe maps field types to columns (``frappe/database/mariadb/database.py``): varchar(140) unless
the field sets ``length``, TEXT (65,535 bytes), LONGTEXT, int(11) (bigint when ``length`` > 11),
decimal(21, 9) (``length`` and ``precision`` change both), DATE, DATETIME(6), TIME(6). MariaDB runs
in strict mode, so a value outside the column is an SQL error (a 500) unless it is refused first.

``problem(fieldtype, value, ...)`` answers ``None`` for a value the column takes, or a ``Problem``
saying what is wrong; it never changes the value (Frappe's own conversions follow as before).
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

VARCHAR_LENGTH = 140
TEXT_BYTES = 65_535
INT_MAX = 2**31 - 1  # Frappe refuses abs(value) > this for int(11) columns
BIGINT_MAX = 2**63 - 1
DECIMAL_WIDTH = 21
DECIMAL_PRECISION = 9
TIME_HOURS = 838  # MariaDB TIME range: -838:59:59 .. 838:59:59

VARCHAR_TYPES = frozenset(
	{"Data", "Link", "Dynamic Link", "Select", "Read Only", "Color", "Icon", "Phone", "Autocomplete"}
)
TEXT_TYPES = frozenset({"Small Text", "Text", "Password", "Attach", "Attach Image"})
LONGTEXT_TYPES = frozenset(
	{
		"Long Text",
		"Code",
		"Text Editor",
		"Markdown Editor",
		"HTML Editor",
		"Signature",
		"Barcode",
		"Geolocation",
	}
)
INT_TYPES = frozenset({"Int", "Check", "Long Int"})
DECIMAL_TYPES = frozenset({"Float", "Currency", "Percent", "Duration"})
DATE_TYPES = frozenset({"Date", "Datetime", "Time"})
TABLE_TYPES = frozenset({"Table", "Table MultiSelect"})
NO_VALUE_TYPES = frozenset(
	{"Section Break", "Column Break", "Tab Break", "HTML", "Button", "Heading", "Fold", "Image"}
)
SCALARS = (str, int, float, Decimal)

_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(-)?(\d{1,3}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class Problem:
	"""Why a value does not fit: ``code`` is one of

	- ``not_scalar``: a list or an object where one value belongs;
	- ``not_text``: a value that is not text where a name belongs (Link, Dynamic Link; Select
	  also takes whole numbers);
	- ``too_long``: more than ``limit`` characters; ``too_many_bytes``: more than ``limit`` bytes;
	- ``not_number`` / ``not_whole_number``; ``out_of_range``: outside ``-limit .. limit``;
	- ``not_date`` / ``not_datetime`` / ``not_time``;
	- ``not_option``: not one of ``options``;
	- ``not_rows``: a table that is not a list; ``row_not_object``: a row that is not an object.
	"""

	code: str
	limit: object = None
	options: tuple = ()


def varchar_length(length: int | None) -> int:
	"""Characters a varchar field takes (its ``length``, else Frappe's 140)."""
	return int(length or 0) or VARCHAR_LENGTH


def int_limit(length: int | None = None, fieldtype: str = "Int") -> int:
	return BIGINT_MAX if fieldtype == "Long Int" or int(length or 0) > 11 else INT_MAX


def decimal_limit(length: int | None = None, precision: int | str | None = None) -> tuple[int, int]:
	"""(integer digits, decimals) of a decimal column: decimal(length or 21, precision or 9)."""
	width = int(length or 0) or DECIMAL_WIDTH
	places = DECIMAL_PRECISION if precision in (None, "") else int(precision)
	places = min(places, width)
	return width - places, places


def as_number(value) -> Decimal | None:
	"""The number a field of a numeric type gets from ``value`` (``None``: not a number). Text is
	read the way Frappe's ``flt`` reads it (thousands separators dropped); booleans are 0 and 1."""
	if isinstance(value, bool):
		return Decimal(int(value))
	if isinstance(value, int | Decimal):
		number = Decimal(value)
	elif isinstance(value, float):
		if not math.isfinite(value):
			return None
		number = Decimal(repr(value))
	elif isinstance(value, str):
		text = value.strip().replace(",", "")
		if not _NUMBER.fullmatch(text):
			return None
		try:
			number = Decimal(text)
		except InvalidOperation:
			return None
	else:
		return None
	if not number.is_finite():
		return None
	if number.adjusted() > 60:  # beyond every column; keeps later arithmetic in range
		return Decimal("1e61").copy_sign(number)
	return number


def _date_text(text: str) -> tuple[datetime.date | None, str]:
	match = _DATE.match(text)
	if not match:
		return None, text
	try:
		day = datetime.date(*(int(g) for g in match.groups()))
	except ValueError:
		return None, text
	return day, text[match.end() :]


def _time_text(text: str, max_hours: int = TIME_HOURS) -> bool:
	match = _TIME.fullmatch(text)
	if not match:
		return False
	sign, hours, minutes, seconds, _fraction = match.groups()
	if sign and max_hours < TIME_HOURS:
		return False
	return int(hours) <= max_hours and int(minutes) < 60 and int(seconds or 0) < 60


def as_date(value) -> datetime.date | None:
	"""The day of a value a DATE or DATETIME column takes, else ``None``: a date (or datetime), or
	text ``YYYY-MM-DD`` of a real day, optionally followed by `` HH:MM[:SS[.ffffff]]`` (or ``T``)
	of a real time of day."""
	if isinstance(value, datetime.datetime):
		return value.date()
	if isinstance(value, datetime.date):
		return value
	if not isinstance(value, str):
		return None
	day, rest = _date_text(value.strip())
	if day is None or (rest and not (rest[0] in " T" and _time_text(rest[1:], 23))):
		return None
	return day


def is_date(value) -> bool:
	return as_date(value) is not None


is_datetime = is_date


def is_time(value) -> bool:
	if isinstance(value, datetime.time | datetime.timedelta):
		return (
			not isinstance(value, datetime.timedelta) or abs(value.total_seconds()) < (TIME_HOURS + 1) * 3600
		)
	if not isinstance(value, str):
		return False
	text = value.strip()
	if " " in text or "T" in text:  # a datetime: MariaDB takes its time part
		day, rest = _date_text(text)
		return day is not None and bool(rest) and _time_text(rest[1:])
	return _time_text(text)


def problem(
	fieldtype: str,
	value,
	*,
	length: int | None = None,
	precision: int | str | None = None,
	options: str | None = None,
	check_options: bool = True,
) -> Problem | None:
	"""``None`` if a field of ``fieldtype`` can store ``value`` as given, else what is wrong.

	Empty values (``None``, ``""``) always fit. Table fields only get their shape checked here (a
	list of objects); their rows' values are checked against the child DocType by the caller."""
	if value is None:
		return None
	if fieldtype in TABLE_TYPES:
		if not isinstance(value, list | tuple):
			return Problem("not_rows")
		if not all(isinstance(row, dict) or hasattr(row, "doctype") for row in value):
			return Problem("row_not_object")
		return None
	if fieldtype in NO_VALUE_TYPES or fieldtype == "JSON":
		return None
	if isinstance(value, str) and not value.strip():
		return None
	if fieldtype in DATE_TYPES:
		if isinstance(value, list | tuple | dict | set):
			return Problem("not_scalar")
		check = {"Date": is_date, "Datetime": is_datetime, "Time": is_time}[fieldtype]
		code = {"Date": "not_date", "Datetime": "not_datetime", "Time": "not_time"}[fieldtype]
		return None if check(value) else Problem(code)
	if isinstance(value, bool):
		value = int(value)
	if not isinstance(value, SCALARS):
		return Problem("not_scalar")
	if isinstance(value, float) and not math.isfinite(value):
		return Problem("not_number")
	if fieldtype in INT_TYPES:
		number = as_number(value)
		if number is None:
			return Problem("not_whole_number")
		limit = int_limit(length, fieldtype)
		if abs(number) > limit:
			return Problem("out_of_range", limit)
		return None
	if fieldtype in DECIMAL_TYPES or fieldtype == "Rating":
		number = as_number(value)
		if number is None:
			return Problem("not_number")
		digits, places = (1, 2) if fieldtype == "Rating" else decimal_limit(length, precision)
		bound = Decimal(10) ** digits
		largest = bound - Decimal(1).scaleb(-places)
		if abs(number) >= bound:
			return Problem("out_of_range", largest)
		with localcontext() as context:  # the column rounds to its decimals
			context.prec = digits + places + 2
			if abs(number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)) >= bound:
				return Problem("out_of_range", largest)
		return None
	if fieldtype in ("Link", "Dynamic Link") and not isinstance(value, str):
		return Problem("not_text")  # names are text: Frappe's code and the app's compare them as such
	if fieldtype == "Select" and not isinstance(value, str | int):
		return Problem("not_text")
	text = value if isinstance(value, str) else str(value)
	if fieldtype in VARCHAR_TYPES:
		limit = varchar_length(length)
		if len(text) > limit:
			return Problem("too_long", limit)
		if fieldtype == "Select" and check_options and options:
			choices = tuple(o for o in options.split("\n"))
			if any(choices) and text.strip() not in choices:
				return Problem("not_option", options=tuple(c for c in choices if c))
		return None
	if fieldtype in TEXT_TYPES and len(text.encode("utf-8")) > TEXT_BYTES:
		return Problem("too_many_bytes", TEXT_BYTES)
	return None
