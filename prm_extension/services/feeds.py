"""Sell-through and inventory feeds from partners and distributors: a CSV file (portal upload,
REST with API keys, or the desk) becomes a Sell-Through Report and its Sell-Through Lines.

The file is parsed by ``prm_extension.core.feeds`` (all or nothing, line-numbered errors); items
are mapped by the partner's own codes (Partner Item Mapping), the vendor's item codes or barcodes,
and end customers by the same account identity as reservations (name, domain, tax id). What cannot
be mapped is imported and flagged, never guessed. A line already reported (same fingerprint) is
a duplicate and ignored, so a replayed file imports nothing twice. Large files are imported on the
long queue; lines are bulk-inserted in chunks with progress.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import getdate, now, now_datetime, nowdate

from prm_extension.core import feeds as rules
from prm_extension.core.identity import AccountKeys, Candidate, account_keys, classify

QUEUE_FROM_LINES = 2000  # larger files are imported by a background job
CHUNK = 5000
LINE_FIELDS = (
	"report",
	"channel_partner",
	"report_type",
	"line_no",
	"report_date",
	"mapping_status",
	"partner_item_code",
	"item_code",
	"item_group",
	"qty",
	"amount",
	"currency",
	"end_customer",
	"customer_domain",
	"customer_tax_id",
	"customer",
	"location",
	"reference",
	"fingerprint",
)


def explain(line: int, code: str, params: dict) -> str:
	"""One error of the report, in the user's language."""
	p = frappe._dict(params)
	text = {
		"report_type": lambda: _("Unknown report type {0}.").format(p.value),
		"too_large": lambda: _(
			"The file is {0} MB; the limit is {1} MB. Split it into several files."
		).format(round(p.size / 1048576, 1), round(p.limit / 1048576)),
		"not_text": lambda: _("This is not a text (CSV) file."),
		"empty": lambda: _("The file is empty."),
		"no_lines": lambda: _("The file has a header but no lines."),
		"columns": lambda: " ".join(
			filter(
				None,
				[
					_("Missing columns: {0}.").format(", ".join(p.missing)) if p.missing else "",
					_("Columns given twice: {0}.").format(", ".join(p.duplicated)) if p.duplicated else "",
					_("Columns not used: {0}.").format(", ".join(p.unknown)) if p.unknown else "",
				],
			)
		),
		"width": lambda: _("{0} columns instead of {1}.").format(p.found, p.expected),
		"date": lambda: _("Date {0} is not YYYY-MM-DD.").format(frappe.bold(p.value or _("(empty)"))),
		"future_date": lambda: _("Date {0} is in the future.").format(p.value),
		"item_missing": lambda: _("The item is missing."),
		"qty": lambda: _("Quantity {0} is not a number.").format(frappe.bold(p.value or _("(empty)"))),
		"negative_stock": lambda: _("Stock on hand cannot be negative ({0}).").format(p.value),
		"amount": lambda: _("Amount {0} is not a number (use 1234.56).").format(frappe.bold(p.value)),
		"currency": lambda: _("Currency {0} is not a three-letter code.").format(frappe.bold(p.value)),
		"too_many_lines": lambda: _("More than {0} lines: split the file.").format(p.limit),
		"csv": lambda: _("The file cannot be read as CSV: {0}").format(p.detail),
	}.get(code, lambda: code)()
	return _("Line {0}: {1}").format(line, text) if line else text


def create_report(partner: str, report_type: str, data: bytes, filename: str, source: str) -> str:
	"""A Sell-Through Report for the file ``data`` (kept as a private attachment), imported now when
	small, else queued. Returns its name."""
	if len(data) > rules.MAX_BYTES:
		frappe.throw(
			explain(0, "too_large", {"size": len(data), "limit": rules.MAX_BYTES}), frappe.ValidationError
		)
	if not data.strip():
		frappe.throw(explain(0, "empty", {}), frappe.ValidationError)
	doc = frappe.get_doc(
		{
			"doctype": "Sell-Through Report",
			"channel_partner": partner,
			"report_type": report_type,
			"source": source,
		}
	)
	doc.flags.prm_trusted_write = True  # the source is this service's to set (security/fields.py)
	doc.insert()  # the caller's permission on its own partner's reports is checked here
	safe = "".join(c for c in (filename or "report.csv") if c.isalnum() or c in "._- ")[:100] or "report.csv"
	if not safe.lower().endswith((".csv", ".txt", ".tsv")):
		safe += ".csv"
	f = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": safe,
			"attached_to_doctype": "Sell-Through Report",
			"attached_to_name": doc.name,
			"attached_to_field": "file",
			"is_private": 1,
			"content": data,
		}
	)
	f.flags.ignore_permissions = True  # the attachment of the report the caller may create (checked above)
	f.insert()
	doc.db_set("file", f.file_url)
	if data.count(b"\n") > QUEUE_FROM_LINES:
		frappe.enqueue(
			"prm_extension.services.feeds.import_report",
			queue="long",
			timeout=1800,
			enqueue_after_commit=True,
			report=doc.name,
		)
	else:
		import_report(doc.name)
	return doc.name


def file_bytes(file_url: str) -> bytes:
	name = frappe.db.get_value("File", {"file_url": file_url}, "name")
	if not name:
		frappe.throw(_("File {0} was not found.").format(frappe.bold(file_url)), frappe.DoesNotExistError)
	content = frappe.get_doc("File", name).get_content()
	return content if isinstance(content, bytes) else content.encode("utf-8")


def import_report(report: str) -> dict:
	"""Parse, map and insert the lines of ``report`` (idempotent: a processed report is left as is)."""
	doc = frappe.get_doc("Sell-Through Report", report)
	if doc.status != "Queued":
		return {"status": doc.status}
	data = file_bytes(doc.file)
	checksum = hashlib.sha256(data).hexdigest()
	parsed = rules.parse(data, doc.report_type, getdate(nowdate()))
	values = {"encoding": parsed.encoding, "checksum": checksum, "imported_on": now_datetime()}
	values["replay_of"] = frappe.db.get_value(
		"Sell-Through Report",
		{
			"channel_partner": doc.channel_partner,
			"checksum": checksum,
			"status": "Imported",
			"name": ("!=", doc.name),
		},
		"name",
	)
	if not parsed.ok:
		lines = [explain(line, code, params) for line, code, params in parsed.errors]
		if parsed.error_count > len(parsed.errors):
			lines.append(_("… and {0} more errors.").format(parsed.error_count - len(parsed.errors)))
		values.update(
			status="Rejected", error_count=parsed.error_count, error_report="\n".join(lines), imported=0
		)
		doc.db_set(values)
		return {"status": "Rejected", "errors": lines}
	counts = insert_lines(doc, parsed.lines)
	values.update(
		status="Imported",
		lines=len(parsed.lines),
		imported=counts["imported"],
		duplicates=len(parsed.lines) - counts["imported"],
		unmapped_items=counts["unmapped_items"],
		unmapped_customers=counts["unmapped_customers"],
		period_start=min(ln.report_date for ln in parsed.lines),
		period_end=max(ln.report_date for ln in parsed.lines),
		total_qty=float(sum(ln.qty for ln in parsed.lines)),
		error_count=0,
		error_report=None,
	)
	doc.db_set(values)
	from prm_extension.services import live

	live.publish("Sell-Through Report")
	return {"status": "Imported", **counts}


# --- mapping ----------------------------------------------------------------------------------


def map_items(partner: str, codes: set[str]) -> dict[str, tuple[str, str]]:
	"""Partner code -> (item code, item group): the partner's mappings first, then the vendor's
	item codes, then barcodes (case-insensitive)."""
	out: dict[str, tuple[str, str]] = {}
	if not codes:
		return out
	folded = {c.casefold(): c for c in codes}
	chunks = [list(codes)[i : i + 1000] for i in range(0, len(codes), 1000)]
	for chunk in chunks:
		for code, item in frappe.get_all(
			"Partner Item Mapping",
			filters={"channel_partner": partner, "partner_item_code": ("in", chunk)},
			fields=["partner_item_code", "item_code"],
			as_list=True,
		):
			out.setdefault(folded.get(code.casefold(), code), (item, None))
	rest = [c for c in codes if c not in out]
	for i in range(0, len(rest), 1000):
		for name in frappe.get_all(
			"Item", filters={"name": ("in", rest[i : i + 1000]), "disabled": 0}, pluck="name"
		):
			out.setdefault(folded.get(name.casefold(), name), (name, None))
	rest = [c for c in codes if c not in out]
	for i in range(0, len(rest), 1000):
		for barcode, item in frappe.get_all(
			"Item Barcode",
			filters={"barcode": ("in", rest[i : i + 1000])},
			fields=["barcode", "parent"],
			as_list=True,
		):
			out.setdefault(folded.get(barcode.casefold(), barcode), (item, None))
	groups = dict(
		frappe.get_all(
			"Item",
			filters={"name": ("in", list({v[0] for v in out.values()}) or [""])},
			fields=["name", "item_group"],
			as_list=True,
		)
	)
	return {code: (item, groups.get(item)) for code, (item, _g) in out.items()}


def map_customers(triples: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], str | None]:
	"""(name, domain, tax id) as reported -> the one Customer it is, by the account identity keys
	(None when unknown or ambiguous)."""
	keys = {t: account_keys(*t) for t in triples}
	wanted = defaultdict(set)
	for k in keys.values():
		if k.tax_key:
			wanted["prm_tax_key"].add(k.tax_key)
		if k.domain:
			wanted["prm_domain"].add(k.domain)
		if k.name_key:
			wanted["prm_name_key"].add(k.name_key)
	rows = {}
	for field, values in wanted.items():
		values = list(values)
		for i in range(0, len(values), 1000):
			for r in frappe.get_all(
				"Customer",
				filters={field: ("in", values[i : i + 1000]), "disabled": 0},
				fields=["name", "prm_name_key", "prm_domain", "prm_tax_key"],
			):
				rows[r.name] = r
	by_key = defaultdict(list)
	for r in rows.values():
		cand = Candidate(
			"Customer",
			r.name,
			AccountKeys(r.prm_name_key or "", r.prm_domain or "", r.prm_tax_key or ""),
			group=r.name,
		)
		for v in (r.prm_tax_key, r.prm_domain, r.prm_name_key):
			if v:
				by_key[v].append(cand)
	out = {}
	for t, k in keys.items():
		if k.empty:
			out[t] = None
			continue
		cands = {c.name: c for v in (k.tax_key, k.domain, k.name_key) if v for c in by_key.get(v, [])}
		result = classify(k, list(cands.values()))
		out[t] = result.matches[0].name if result.outcome == "one" else None
	return out


def insert_lines(doc, lines: list[rules.Line]) -> dict:
	partner = doc.channel_partner
	items = map_items(partner, {ln.item for ln in lines})
	triples = {
		(ln.customer, ln.customer_domain, ln.customer_tax_id)
		for ln in lines
		if ln.customer or ln.customer_domain or ln.customer_tax_id
	}
	customers = map_customers(triples)
	stamp, user = now(), frappe.session.user
	imported = unmapped_items = unmapped_customers = 0
	rows = []
	for ln in lines:
		item, group = items.get(ln.item, (None, None))
		triple = (ln.customer, ln.customer_domain, ln.customer_tax_id)
		customer = customers.get(triple) if triple in customers else None
		customer_unknown = triple in customers and customer is None
		status = (
			"Unknown Item and Customer"
			if not item and customer_unknown
			else "Unknown Item"
			if not item
			else "Unknown Customer"
			if customer_unknown
			else "Mapped"
		)
		fp = rules.fingerprint(partner, doc.report_type, ln)
		rows.append(
			(
				frappe.generate_hash(length=12),
				stamp,
				stamp,
				user,
				user,
				doc.name,
				partner,
				doc.report_type,
				ln.line_no,
				ln.report_date,
				status,
				ln.item,
				item,
				group,
				float(ln.qty),
				float(ln.amount) if ln.amount is not None else None,
				ln.currency or None,
				ln.customer or None,
				ln.customer_domain or None,
				ln.customer_tax_id or None,
				customer,
				ln.location or None,
				ln.reference or None,
				fp,
			)
		)
	columns = ", ".join(
		f"`{c}`" for c in ("name", "creation", "modified", "owner", "modified_by", *LINE_FIELDS)
	)
	placeholder = "(" + ", ".join(["%s"] * (5 + len(LINE_FIELDS))) + ")"
	total = len(rows)
	for i in range(0, total, CHUNK):
		chunk = rows[i : i + CHUNK]
		# a line already reported (same fingerprint) is a duplicate: INSERT IGNORE skips it
		frappe.db.sql(
			f"insert ignore into `tabSell-Through Line` ({columns}) values {', '.join([placeholder] * len(chunk))}",
			[v for r in chunk for v in r],
		)
		frappe.publish_progress(
			min(i + CHUNK, total) * 100 / total, title=_("Importing {0}").format(doc.name)
		)
	counted = frappe.db.sql(
		"""select count(*), sum(mapping_status in ('Unknown Item', 'Unknown Item and Customer')),
			sum(mapping_status in ('Unknown Customer', 'Unknown Item and Customer'))
		from `tabSell-Through Line` where report = %s""",
		doc.name,
	)[0]
	imported, unmapped_items, unmapped_customers = (int(v or 0) for v in counted)
	return {"imported": imported, "unmapped_items": unmapped_items, "unmapped_customers": unmapped_customers}


def remap(partner: str | None = None) -> int:
	"""Map the flagged lines again (after a manager added Partner Item Mappings or customers)."""
	filters = {"mapping_status": ("!=", "Mapped")}
	if partner:
		filters["channel_partner"] = partner
	lines = frappe.get_all(
		"Sell-Through Line",
		filters=filters,
		fields=[
			"name",
			"channel_partner",
			"partner_item_code",
			"item_code",
			"end_customer",
			"customer_domain",
			"customer_tax_id",
			"customer",
		],
		limit_page_length=0,
	)
	by_partner = defaultdict(list)
	for ln in lines:
		by_partner[ln.channel_partner].append(ln)
	changed = 0
	for p, rows in by_partner.items():
		items = map_items(p, {r.partner_item_code for r in rows if not r.item_code})
		customers = map_customers(
			{
				(r.end_customer or "", r.customer_domain or "", r.customer_tax_id or "")
				for r in rows
				if not r.customer and (r.end_customer or r.customer_domain or r.customer_tax_id)
			}
		)
		for r in rows:
			item, group = (r.item_code, None) if r.item_code else items.get(r.partner_item_code, (None, None))
			triple = (r.end_customer or "", r.customer_domain or "", r.customer_tax_id or "")
			customer = r.customer or customers.get(triple)
			customer_unknown = not customer and any(triple)
			status = (
				"Unknown Item and Customer"
				if not item and customer_unknown
				else "Unknown Item"
				if not item
				else "Unknown Customer"
				if customer_unknown
				else "Mapped"
			)
			values = {"mapping_status": status, "item_code": item, "customer": customer}
			if group:
				values["item_group"] = group
			frappe.db.set_value("Sell-Through Line", r.name, values, update_modified=False)
			changed += status == "Mapped"
	return changed
