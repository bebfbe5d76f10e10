"""Sell-through and inventory feeds (no frappe): decode and parse a partner's CSV into clean lines,
or reject the whole file with line-numbered errors; fingerprints that make a replayed line a
duplicate.

A file is all or nothing: one bad line rejects it, so nothing is half-imported and the partner
fixes the file and sends it again (lines already imported are then recognised as duplicates).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

MAX_BYTES = 25 * 1024 * 1024
MAX_LINES = 200_000
MAX_ERRORS = 100
SALE, INVENTORY = "Sell-Through", "Inventory"

# column -> accepted header spellings (compared case-insensitively, spaces/underscores/dashes ignored)
COLUMNS = {
	"date": ("date", "saledate", "invoicedate", "reportdate", "stockdate", "asof"),
	"item": ("item", "itemcode", "sku", "partnumber", "product", "productcode"),
	"qty": ("qty", "quantity", "units", "onhand", "qtyonhand"),
	"amount": ("amount", "netamount", "value", "salesamount", "revenue"),
	"currency": ("currency", "curr"),
	"customer": ("customer", "endcustomer", "customername", "account"),
	"customer_domain": ("customerdomain", "domain", "website", "customeremail", "email"),
	"customer_tax_id": ("customertaxid", "taxid", "vat", "vatid"),
	"location": ("location", "warehouse", "store", "site"),
	"reference": ("reference", "ref", "invoice", "invoiceno", "lineref", "documentno", "orderno"),
}
REQUIRED = {SALE: ("date", "item", "qty"), INVENTORY: ("date", "item", "qty")}
NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


@dataclass(frozen=True)
class Line:
	line_no: int
	report_date: date
	item: str
	qty: Decimal
	amount: Decimal | None = None
	currency: str = ""
	customer: str = ""
	customer_domain: str = ""
	customer_tax_id: str = ""
	location: str = ""
	reference: str = ""


@dataclass
class Parsed:
	lines: list[Line] = field(default_factory=list)
	errors: list[tuple[int, str, dict]] = field(default_factory=list)  # (line, code, params)
	error_count: int = 0
	encoding: str = ""
	columns: dict[str, int] = field(default_factory=dict)

	@property
	def ok(self) -> bool:
		return not self.error_count


def _norm(header: str) -> str:
	return re.sub(r"[\s_\-./]+", "", (header or "").strip().lower())


def decode(data: bytes) -> tuple[str | None, str]:
	"""Text and encoding of a file: UTF-8 (with or without BOM), UTF-16 with a BOM, else
	Windows-1252. None for what is not text (NUL bytes in an 8-bit file)."""
	if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
		try:
			return data.decode("utf-16"), "utf-16"
		except UnicodeDecodeError:
			return None, "utf-16"
	if b"\x00" in data:
		return None, ""
	try:
		return data.decode("utf-8-sig"), "utf-8"
	except UnicodeDecodeError:
		pass
	try:
		return data.decode("cp1252"), "windows-1252"
	except UnicodeDecodeError:
		return None, ""


def parse_number(text: str) -> Decimal | None:
	"""``1234.5``, ``1,234.50``, ``-3``: a Decimal; anything else (``1.234,5``, ``12abc``): None."""
	t = (text or "").strip().replace(" ", "")
	if not NUMBER.match(t):
		return None
	try:
		return Decimal(t.replace(",", ""))
	except InvalidOperation:
		return None


def parse_date(text: str) -> date | None:
	"""ISO dates only (``2026-11-27``, or ``2026/11/27``): day-first and month-first dates cannot be
	told apart, so they are refused rather than guessed."""
	m = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", (text or "").strip())
	if not m:
		return None
	try:
		return date(int(m[1]), int(m[2]), int(m[3]))
	except ValueError:
		return None


def map_columns(header: list[str]) -> tuple[dict[str, int], list[str], list[str]]:
	"""(column -> index, unknown headers, duplicated columns)."""
	found: dict[str, int] = {}
	unknown, duplicated = [], []
	lookup = {alias: col for col, aliases in COLUMNS.items() for alias in aliases}
	for i, h in enumerate(header):
		col = lookup.get(_norm(h))
		if col is None:
			if (h or "").strip():
				unknown.append(h.strip())
			continue
		if col in found:
			duplicated.append(h.strip())
			continue
		found[col] = i
	return found, unknown, duplicated


def parse(data: bytes, report_type: str, today: date, max_lines: int = MAX_LINES) -> Parsed:
	"""Parse a CSV file of ``report_type`` (Sell-Through or Inventory)."""
	out = Parsed()

	def error(line: int, code: str, **params):
		out.error_count += 1
		if len(out.errors) < MAX_ERRORS:
			out.errors.append((line, code, params))

	if report_type not in REQUIRED:
		error(0, "report_type", value=report_type)
		return out
	if len(data) > MAX_BYTES:
		error(0, "too_large", size=len(data), limit=MAX_BYTES)
		return out
	text, out.encoding = decode(data)
	if text is None:
		error(0, "not_text")
		return out
	if not text.strip():
		error(0, "empty")
		return out
	first_line = text.split("\n", 1)[0]
	delimiter = (
		max((",", ";", "\t", "|"), key=first_line.count) if any(d in first_line for d in ",;\t|") else ","
	)
	reader = csv.reader(io.StringIO(text), delimiter=delimiter)
	try:
		header = next(reader)
	except (StopIteration, csv.Error):
		error(0, "empty")
		return out
	columns, unknown, duplicated = map_columns(header)
	missing = [c for c in REQUIRED[report_type] if c not in columns]
	if missing or duplicated:
		error(1, "columns", missing=missing, duplicated=duplicated, unknown=unknown)
		return out
	out.columns = columns
	width = len(header)
	count = 0
	try:
		for line_no, row in enumerate(reader, start=2):
			if not any((c or "").strip() for c in row):
				continue  # blank line
			count += 1
			if count > max_lines:
				error(line_no, "too_many_lines", limit=max_lines)
				break
			if len(row) != width:
				error(line_no, "width", found=len(row), expected=width)
				continue

			def cell(col: str, row=row) -> str:
				i = columns.get(col)
				return (row[i] or "").strip() if i is not None else ""

			day = parse_date(cell("date"))
			if day is None:
				error(line_no, "date", value=cell("date")[:40])
				continue
			if day > today:
				error(line_no, "future_date", value=day.isoformat())
				continue
			item = cell("item")
			if not item:
				error(line_no, "item_missing")
				continue
			qty = parse_number(cell("qty"))
			if qty is None:
				error(line_no, "qty", value=cell("qty")[:40])
				continue
			if report_type == INVENTORY and qty < 0:
				error(line_no, "negative_stock", value=str(qty))
				continue
			amount = None
			if cell("amount"):
				amount = parse_number(cell("amount"))
				if amount is None:
					error(line_no, "amount", value=cell("amount")[:40])
					continue
			currency = cell("currency").upper()
			if currency and not re.fullmatch(r"[A-Z]{3}", currency):
				error(line_no, "currency", value=currency[:10])
				continue
			out.lines.append(
				Line(
					line_no=line_no,
					report_date=day,
					item=item[:140],
					qty=qty,
					amount=amount,
					currency=currency,
					customer=cell("customer")[:140],
					customer_domain=cell("customer_domain")[:140],
					customer_tax_id=cell("customer_tax_id")[:140],
					location=cell("location")[:140],
					reference=cell("reference")[:140],
				)
			)
	except csv.Error as e:
		error(reader.line_num, "csv", detail=str(e)[:200])
	if not out.lines and not out.error_count:
		error(0, "no_lines")
	if out.error_count:
		out.lines = []  # all or nothing
	return out


def fingerprint(partner: str, report_type: str, line: Line) -> str:
	"""Identity of a reported line: the same line sent again (in the same or another file) has the
	same fingerprint and is ignored. With a reference column, two otherwise equal lines of
	different documents stay apart."""
	parts = (
		partner,
		report_type,
		line.report_date.isoformat(),
		line.item.casefold(),
		str(line.qty.normalize()),
		str(line.amount.normalize()) if line.amount is not None else "",
		line.currency,
		line.customer.casefold(),
		line.customer_domain.casefold(),
		line.customer_tax_id.casefold(),
		line.location.casefold(),
		line.reference.casefold(),
	)
	return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()
