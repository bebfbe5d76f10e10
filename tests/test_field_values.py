"""What Frappe's MariaDB columns accept (prm_extension.core.field_values)."""

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from prm_extension.core.field_values import (
	INT_MAX,
	TEXT_BYTES,
	as_number,
	decimal_limit,
	is_date,
	is_datetime,
	is_time,
	problem,
)


def code(*args, **kwargs):
	found = problem(*args, **kwargs)
	return found.code if found else None


def test_empty_values_always_fit():
	for fieldtype in ("Data", "Int", "Currency", "Date", "Datetime", "Select", "Link", "Table", "Text"):
		assert problem(fieldtype, None) is None
		if fieldtype != "Table":
			assert problem(fieldtype, "") is None


def test_lists_and_objects_are_not_single_values():
	for fieldtype in ("Data", "Int", "Currency", "Small Text", "Text Editor", "Check"):
		assert code(fieldtype, {"a": 1}) == "not_scalar"
		assert code(fieldtype, ["a"]) == "not_scalar"
	assert code("Link", {"a": 1}) == "not_scalar"
	assert code("Date", ["2024-01-01"]) == "not_scalar"


def test_varchar_lengths():
	assert code("Data", "x" * 140) is None
	assert problem("Data", "x" * 141).limit == 140
	assert problem("Data", "x" * 41, length=40).limit == 40
	assert code("Link", "x" * 141) == "too_long"
	assert code("Data", 12345) is None  # stored as text
	assert code("Link", 1.5) == "not_text"
	assert code("Link", 12345) == "not_text"
	assert code("Select", 5, options="5\n6") is None


def test_text_columns_count_bytes():
	assert code("Small Text", "é" * (TEXT_BYTES // 2)) is None
	assert code("Small Text", "é" * (TEXT_BYTES // 2 + 1)) == "too_many_bytes"
	assert code("Text Editor", "x" * 200_000) is None  # LONGTEXT


def test_integers():
	assert code("Int", INT_MAX) is None
	assert code("Int", -INT_MAX) is None
	assert code("Int", INT_MAX + 1) == "out_of_range"
	assert code("Int", INT_MAX + 1, length=20) is None
	assert code("Int", "abc") == "not_whole_number"
	assert code("Int", "12") is None
	assert code("Int", float("inf")) == "not_number"
	assert code("Int", "1e999999999") == "out_of_range"  # no giant integer is built
	assert code("Check", True) is None
	assert code("Check", "yes") == "not_whole_number"


def test_decimals():
	assert decimal_limit() == (12, 9)
	assert decimal_limit(18, 6) == (12, 6)
	assert code("Currency", 999_999_999_999.5) is None
	assert code("Currency", 10**12) == "out_of_range"
	assert code("Currency", -(10**15)) == "out_of_range"
	assert code("Currency", Decimal("999999999999.9999999999")) == "out_of_range"  # rounds up
	assert code("Float", "1,234.5") is None
	assert code("Percent", "abc") == "not_number"
	assert code("Currency", float("nan")) == "not_number"
	assert code("Currency", "Infinity") == "not_number"
	assert problem("Currency", 10**13).limit == Decimal("999999999999.999999999")


def test_dates():
	assert is_date("2024-02-29") and is_date(datetime.date(2024, 1, 1)) and is_date("2024-1-5")
	assert not is_date("2023-02-29")
	assert not is_date("2024-13-45")
	assert not is_date("99999-01-01")
	assert not is_date("0000-00-00")
	assert not is_date(20240101)
	assert is_date("2024-01-01 10:00:00")
	assert not is_date("2024-01-01 garbage")
	assert is_datetime("2024-01-01 10:00:00.123456") and is_datetime("2024-01-01T10:00")
	assert not is_datetime("2024-02-30 25:61:00")
	assert not is_datetime("10000-01-01 00:00:00")
	assert not is_datetime("2024-01-01 24:00:00")
	assert is_time("838:59:59") and is_time("-01:00") and is_time(datetime.timedelta(hours=5))
	assert not is_time("25:99:99") and not is_time("839:00:00")
	assert code("Date", "2024-13-45") == "not_date"
	assert code("Datetime", "x") == "not_datetime"
	assert code("Time", "x") == "not_time"


def test_selects_and_tables():
	assert code("Select", "Gold", options="\nSilver\nGold") is None
	assert code("Select", " Gold ", options="Silver\nGold") is None
	found = problem("Select", "Platinum", options="Silver\nGold")
	assert found.code == "not_option" and found.options == ("Silver", "Gold")
	assert code("Select", "Platinum", options="Silver\nGold", check_options=False) is None
	assert code("Select", "anything", options="") is None
	assert code("Select", {"a": 1}, options="A") == "not_scalar"
	assert code("Table", "rows") == "not_rows"
	assert code("Table", {"a": 1}) == "not_rows"
	assert code("Table", ["row", 5]) == "row_not_object"
	assert code("Table MultiSelect", [{"x": 1}]) is None


@given(st.integers(min_value=-INT_MAX, max_value=INT_MAX))
def test_every_int_in_range_fits(n):
	assert problem("Int", n) is None
	assert problem("Int", str(n)) is None


@given(st.integers())
def test_int_bound_is_exact(n):
	assert (problem("Int", n) is None) == (abs(n) <= INT_MAX)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_floats_fit_iff_finite_and_in_range(x):
	found = problem("Currency", x)
	if x != x or x in (float("inf"), float("-inf")):
		assert found.code == "not_number"
	elif abs(x) < 999_999_999_999:
		assert found is None
	elif abs(x) >= 10**12:
		assert found.code == "out_of_range"


@given(st.dates())
def test_every_real_date_fits(day):
	assert is_date(day.isoformat())
	assert is_datetime(f"{day.isoformat()} 23:59:59.999999")


@given(st.text(max_size=30))
def test_text_is_a_number_iff_it_reads_as_one(text):
	found = problem("Float", text)
	if not text.strip():
		assert found is None
	elif as_number(text) is None:
		assert found.code == "not_number"
	else:
		assert as_number(text).is_finite()
		assert found is None or found.code == "out_of_range"
