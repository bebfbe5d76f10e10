"""Sell-through / inventory feed parsing: all or nothing, line-numbered errors, encodings,
duplicates by fingerprint."""

import csv
import io
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from prm_extension.core.feeds import INVENTORY, SALE, decode, fingerprint, parse, parse_date, parse_number

TODAY = date(2026, 11, 27)


def csv_bytes(rows, header=("Date", "SKU", "Qty", "Amount", "Customer"), delimiter=",", encoding="utf-8"):
	buf = io.StringIO()
	w = csv.writer(buf, delimiter=delimiter)
	w.writerow(header)
	w.writerows(rows)
	return buf.getvalue().encode(encoding)


def test_a_good_file():
	p = parse(
		csv_bytes(
			[("2026-11-02", "SRV-1", "3", "1,500.00", "Müller GmbH"), ("2026-11-03", "SW-9", "1", "99.5", "")]
		),
		SALE,
		TODAY,
	)
	assert p.ok and p.encoding == "utf-8"
	assert [(ln.line_no, ln.item, ln.qty, ln.amount, ln.customer) for ln in p.lines] == [
		(2, "SRV-1", Decimal("3"), Decimal("1500.00"), "Müller GmbH"),
		(3, "SW-9", Decimal("1"), Decimal("99.5"), ""),
	]


def test_header_aliases_delimiters_and_blank_lines():
	data = csv_bytes(
		[("2026-11-02", "A", "2"), (), ("2026/11/05", "B", "-1")],
		header=("Sale Date", "Item Code", "Quantity"),
		delimiter=";",
	)
	p = parse(data, SALE, TODAY)
	assert p.ok, p.errors
	assert [(ln.line_no, ln.report_date, ln.qty) for ln in p.lines] == [
		(2, date(2026, 11, 2), Decimal("2")),
		(4, date(2026, 11, 5), Decimal("-1")),
	]


def test_one_bad_line_rejects_the_file_with_its_number():
	rows = [
		("2026-11-02", "A", "2", "10", ""),
		("02/11/2026", "B", "1", "10", ""),
		("2026-11-02", "C", "x", "10", ""),
		("2026-12-01", "D", "1", "", ""),
	]
	p = parse(csv_bytes(rows), SALE, TODAY)
	assert not p.ok and p.lines == []
	assert [(line, code) for line, code, _ in p.errors] == [(3, "date"), (4, "qty"), (5, "future_date")]


def test_wrong_columns():
	p = parse(csv_bytes([("2026-11-02", "3")], header=("Date", "Qty")), SALE, TODAY)
	assert [(line, code) for line, code, _ in p.errors] == [(1, "columns")]
	assert p.errors[0][2]["missing"] == ["item"]
	p = parse(csv_bytes([("2026-11-02", "A", "B", "1")], header=("Date", "SKU", "Item", "Qty")), SALE, TODAY)
	assert p.errors[0][2]["duplicated"] == ["Item"]


def test_rows_of_the_wrong_width_and_not_text():
	p = parse(b"Date,SKU,Qty\n2026-11-02,A\n", SALE, TODAY)
	assert [(line, code) for line, code, _ in p.errors] == [(2, "width")]
	assert parse(b"\x89PNG\x00\x00\x01", SALE, TODAY).errors[0][1] == "not_text"
	assert parse(b"", SALE, TODAY).errors[0][1] == "empty"
	assert parse(b"Date,SKU,Qty\n", SALE, TODAY).errors[0][1] == "no_lines"


def test_encodings():
	data = csv_bytes([("2026-11-02", "A", "1", "", "Société Générale")], encoding="cp1252")
	p = parse(data, SALE, TODAY)
	assert p.encoding == "windows-1252" and p.lines[0].customer == "Société Générale"
	data = csv_bytes([("2026-11-02", "A", "1", "", "Ærø ApS")], encoding="utf-16")
	p = parse(data, SALE, TODAY)
	assert p.encoding == "utf-16" and p.lines[0].customer == "Ærø ApS"
	assert decode("x".encode("utf-8-sig"))[1] == "utf-8"


def test_inventory_cannot_be_negative():
	p = parse(csv_bytes([("2026-11-02", "A", "-4")], header=("As Of", "SKU", "On Hand")), INVENTORY, TODAY)
	assert p.errors[0][1] == "negative_stock"


def test_too_many_lines():
	rows = [("2026-11-02", f"A{i}", "1") for i in range(12)]
	p = parse(csv_bytes(rows, header=("Date", "SKU", "Qty")), SALE, TODAY, max_lines=10)
	assert p.errors[0][1] == "too_many_lines" and p.errors[0][0] == 12  # the 11th data row


def test_numbers_and_dates():
	assert parse_number("1,234.50") == Decimal("1234.50")
	assert parse_number("-3") == Decimal("-3")
	for bad in ("1.234,50", "12abc", "", "1,23", "--1"):
		assert parse_number(bad) is None, bad
	assert parse_date("2026-02-29") is None
	assert parse_date("27.11.2026") is None
	assert parse_date("2024-02-29") == date(2024, 2, 29)


lines = st.lists(
	st.tuples(
		st.dates(min_value=date(2020, 1, 1), max_value=TODAY),
		st.text(
			alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters="-_."),
			min_size=1,
			max_size=12,
		),
		st.decimals(min_value=-1000, max_value=100000, places=2),
		st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20).map(str.strip),
	),
	min_size=1,
	max_size=30,
)


@settings(max_examples=60)
@given(lines, st.sampled_from([",", ";", "\t"]))
def test_round_trip(rows, delimiter):
	data = csv_bytes(
		[(d.isoformat(), item, str(q), "", cust) for d, item, q, cust in rows], delimiter=delimiter
	)
	p = parse(data, SALE, TODAY)
	assert p.ok, p.errors[:3]
	assert [(ln.report_date, ln.item, ln.qty, ln.customer) for ln in p.lines] == [
		(d, i.strip(), q, c) for d, i, q, c in rows
	]


@settings(max_examples=60)
@given(lines, st.data())
def test_any_corrupted_line_rejects_the_file_and_is_named(rows, data):
	bad = data.draw(st.integers(0, len(rows) - 1))
	table = [[d.isoformat(), item, str(q), "", cust] for d, item, q, cust in rows]
	table[bad][data.draw(st.sampled_from([0, 2]))] = "n/a"
	p = parse(csv_bytes(table), SALE, TODAY)
	assert not p.ok and p.lines == []
	assert bad + 2 in [line for line, _code, _ in p.errors]


@given(lines)
def test_fingerprints_repeat_exactly_for_repeated_lines(rows):
	p = parse(csv_bytes([(d.isoformat(), item, str(q), "", cust) for d, item, q, cust in rows]), SALE, TODAY)
	prints = [fingerprint("P1", SALE, ln) for ln in p.lines]
	again = [
		fingerprint("P1", SALE, ln)
		for ln in parse(
			csv_bytes([(d.isoformat(), item, str(q), "", cust) for d, item, q, cust in rows]), SALE, TODAY
		).lines
	]
	assert prints == again
	assert all(fingerprint("P2", SALE, ln) not in prints for ln in p.lines)
	keys = {
		(ln.report_date, ln.item.casefold(), ln.qty.normalize(), ln.customer.casefold()) for ln in p.lines
	}
	assert len(set(prints)) == len(keys)
