"""Monthly sales through channel partners, pre-aggregated for the dashboards and reports.

Sales Invoices carry the partner's Sales Partner (ERPNext's own attribution). Summing their lines
for every chart would read millions of rows; instead each submitted invoice adds its lines to
``PRM Sales Summary`` (key: month, company, Sales Partner, territory, product line; the month is
stored as its first day in ``posting_date``) and a
cancelled one takes them away again, in the same transaction as the invoice. ``rebuild`` recomputes
the table from the invoices (after installing the app, or for a period) on the long queue.

Cost is the line's incoming rate (stock items delivered with the invoice) or else the item's
valuation rate, times the quantity in stock units.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

import frappe
from frappe.utils import add_days, add_months, flt, get_first_day, getdate, now

from prm_extension import live

TABLE = "tabPRM Sales Summary"
FIELDS = (
	"posting_date",
	"company",
	"sales_partner",
	"channel_partner",
	"territory",
	"item_group",
	"net_amount",
	"cost_amount",
	"qty",
	"lines",
)


def key_name(posting_date, company, sales_partner, territory, item_group) -> str:
	raw = "|".join(str(v or "") for v in (posting_date, company, sales_partner, territory, item_group))
	return hashlib.sha1(raw.encode()).hexdigest()[:20]


def partner_of_sales_partner(sales_partner: str | None) -> str | None:
	if not sales_partner:
		return None
	return frappe.db.get_value("Channel Partner", {"sales_partner": sales_partner}, "name")


def invoice_rows(si, sign: int) -> list[tuple]:
	"""The summary rows of one invoice (``sign`` -1 to take them away)."""
	partner = partner_of_sales_partner(si.sales_partner)
	if not partner:
		return []
	totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0])
	valuation = {}
	for item in si.items:
		rate = flt(item.incoming_rate)
		if not rate and item.item_code:
			if item.item_code not in valuation:
				valuation[item.item_code] = flt(
					frappe.get_cached_value("Item", item.item_code, "valuation_rate")
				)
			rate = valuation[item.item_code]
		t = totals[item.item_group or ""]
		t[0] += flt(item.base_net_amount)
		t[1] += flt(item.stock_qty) * rate
		t[2] += flt(item.stock_qty)
		t[3] += 1
	month = get_first_day(si.posting_date)
	return [
		(
			month,
			si.company,
			si.sales_partner,
			partner,
			si.territory,
			group or None,
			sign * net,
			sign * cost,
			sign * qty,
			sign * lines,
		)
		for group, (net, cost, qty, lines) in totals.items()
	]


def upsert(rows: list[tuple]) -> None:
	"""Add ``rows`` to the summary (one statement; existing keys are incremented)."""
	if not rows:
		return
	stamp, user = now(), frappe.session.user
	values = [(key_name(r[0], r[1], r[2], r[4], r[5]), stamp, stamp, user, user, *r) for r in rows]
	columns = ", ".join(f"`{c}`" for c in ("name", "creation", "modified", "owner", "modified_by", *FIELDS))
	row = "(" + ", ".join(["%s"] * (5 + len(FIELDS))) + ")"
	frappe.db.sql(
		f"""insert into `{TABLE}` ({columns}) values {", ".join([row] * len(values))}
		on duplicate key update
			net_amount = net_amount + values(net_amount),
			cost_amount = cost_amount + values(cost_amount),
			qty = qty + values(qty),
			`lines` = `lines` + values(`lines`),
			modified = values(modified)""",
		[v for value in values for v in value],
	)


def on_submit(doc, method=None):
	upsert(invoice_rows(doc, 1))
	live.publish("Sales Invoice")


def on_cancel(doc, method=None):
	upsert(invoice_rows(doc, -1))
	live.publish("Sales Invoice")


# --- rebuild ----------------------------------------------------------------------------------


def enqueue_rebuild(from_date=None) -> None:
	frappe.enqueue(
		"prm_extension.sales_summary.rebuild",
		queue="long",
		timeout=3600,
		job_id="prm_rebuild_sales_summary",
		deduplicate=True,
		enqueue_after_commit=True,
		from_date=from_date,
	)


def rebuild(from_date=None, to_date=None) -> int:
	"""Recompute the summary from submitted invoices, a month at a time (committed per month, with
	progress). Without dates: all of it. Returns the number of summary rows written."""
	bounds = frappe.db.sql(
		"""select min(posting_date), max(posting_date) from `tabSales Invoice`
		where docstatus = 1 and ifnull(sales_partner, '') != ''"""
	)[0]
	first = getdate(from_date or bounds[0]) if (from_date or bounds[0]) else None
	last = getdate(to_date or bounds[1]) if (to_date or bounds[1]) else None
	if from_date or to_date:
		frappe.db.sql(
			f"delete from `{TABLE}` where posting_date between %s and %s",
			(get_first_day(from_date or "1900-01-01"), to_date or "2999-12-31"),
		)
	else:
		frappe.db.sql(f"delete from `{TABLE}`")
	if not first or not last or first > last:
		return 0
	written = 0
	month = get_first_day(first)
	months = (last.year - month.year) * 12 + last.month - month.month + 1
	for i in range(months):
		# whole months: a month's summary rows hold all of its invoices
		start = getdate(add_months(month, i))
		end = getdate(add_days(add_months(month, i + 1), -1))
		written += _rebuild_range(start, end)
		if not frappe.flags.in_test:
			frappe.db.commit()
		frappe.publish_progress((i + 1) * 100 / months, title="PRM sales summary", description=str(start))
	return written


def _rebuild_range(start, end) -> int:
	"""Grouped INSERT … SELECT of one period (the table holds nothing for it yet)."""
	stamp = now()
	frappe.db.sql(
		f"""insert into `{TABLE}` (name, creation, modified, owner, modified_by, {", ".join(f"`{c}`" for c in FIELDS)})
		select
			left(sha1(concat_ws('|', date_format(si.posting_date, '%%Y-%%m-01'), si.company, si.sales_partner, ifnull(si.territory, ''), ifnull(sii.item_group, ''))), 20),
			%(stamp)s, %(stamp)s, 'Administrator', 'Administrator',
			date_format(si.posting_date, '%%Y-%%m-01'), si.company, si.sales_partner, cp.name, nullif(si.territory, ''), nullif(sii.item_group, ''),
			sum(sii.base_net_amount),
			sum(sii.stock_qty * if(ifnull(sii.incoming_rate, 0) > 0, sii.incoming_rate, ifnull(item.valuation_rate, 0))),
			sum(sii.stock_qty),
			count(*)
		from `tabSales Invoice` si
		join `tabChannel Partner` cp on cp.sales_partner = si.sales_partner
		join `tabSales Invoice Item` sii on sii.parent = si.name and sii.parenttype = 'Sales Invoice'
		left join `tabItem` item on item.name = sii.item_code
		where si.docstatus = 1 and si.posting_date between %(start)s and %(end)s
		group by date_format(si.posting_date, '%%Y-%%m-01'), si.company, si.sales_partner, cp.name, ifnull(si.territory, ''),
			ifnull(sii.item_group, '')""",
		{"stamp": stamp, "start": start, "end": end},
	)
	return frappe.db.sql(f"select count(*) from `{TABLE}` where posting_date = %s", (start,))[0][0]
