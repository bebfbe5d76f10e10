"""Monthly summaries behind the PRM dashboards and reports, kept up to date in the same
transaction as the documents they summarise.

* ``PRM Sales Summary``: Sales Invoices through channel partners, by month (stored as its first
  day in ``posting_date``), company, Sales Partner, territory and product line. Each submitted
  invoice adds its lines, a cancelled one takes them away, in the same transaction. Cost is the
  line's incoming rate (stock items delivered with the invoice) or else the item's valuation
  rate, times the quantity in stock units.
* ``PRM Deal Summary``: Deal Registrations by submission month, won month, company, partner,
  territory, product line and status.
* ``PRM Claim Summary``: Incentive Claims by program, partner, decision month and status.

A registration's or claim's ``on_change`` (every save, submit, cancel and ``db_set``: form, workflow, REST, Data
Import, the scheduler) hands the summary the difference between its previous and its new
contribution (``core.summaries``); ``on_trash`` takes the contribution away. ``rebuild_*``
recomputes a summary from its documents on the long queue (after installing, or if the table was
touched by hand), a month at a time with progress.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

import frappe
from frappe.utils import add_months, flt, get_first_day, getdate, now

from prm_extension.core import summaries as core
from prm_extension.services import live


def key_name(key, named_by: int | None = None) -> str:
	"""Primary key of a summary row: a hash of its dimensions, or of the first ``named_by`` of them
	when the others follow from those (the rebuild computes the same hash in SQL:
	``concat_ws('|', ifnull(…, ''), …)``)."""
	raw = "|".join("" if v is None else str(v) for v in key[:named_by])
	return hashlib.sha1(raw.encode()).hexdigest()[:20]


def upsert(doctype: str, key_fields, measure_fields, rows: dict, named_by: int | None = None) -> None:
	"""Add ``rows`` ({key: measures}) to the summary table in one statement (existing rows are
	incremented), then drop the rows whose count fell to zero."""
	if not rows:
		return
	stamp, user = now(), frappe.session.user
	columns = ("name", "creation", "modified", "owner", "modified_by", *key_fields, *measure_fields)
	values = []
	for key, measures in rows.items():
		values.append((key_name(key, named_by), stamp, stamp, user, user, *key, *(_db(m) for m in measures)))
	row = "(" + ", ".join(["%s"] * len(columns)) + ")"
	updates = ", ".join(f"`{m}` = `{m}` + values(`{m}`)" for m in measure_fields)
	frappe.db.sql(
		f"""insert into `tab{doctype}` ({", ".join(f"`{c}`" for c in columns)})
		values {", ".join([row] * len(values))}
		on duplicate key update {updates}, modified = values(modified)""",
		[v for value in values for v in value],
	)
	count = measure_fields[0]
	if any(m[0] < 0 for m in rows.values()):
		frappe.db.sql(
			f"delete from `tab{doctype}` where name in %(names)s and `{count}` <= 0",
			{"names": [key_name(k, named_by) for k, m in rows.items() if m[0] < 0]},
		)


def _db(value):
	return float(value) if isinstance(value, Decimal) else value


def follow(doc, contribution, state, doctype: str, key_fields, measure_fields, trashed=False) -> None:
	"""Apply a document's change to its summary: what it contributes now minus what it contributed.

	What it contributed is the state before this save (Frappe loads it afresh for every save,
	submit and cancel, and for a ``db_set`` on an object that has none). A ``db_set`` after a
	``save`` on the same object sees that save's stale before-state again: then the contribution
	remembered after the save is used, so the save is not counted twice. A deleted document
	contributes nothing any more."""
	if doc.flags.in_delete and not trashed:
		return  # delete_doc runs on_change after on_trash: the document is already taken away
	previous = doc if trashed else (None if doc.flags.in_insert else doc.get_doc_before_save())
	memo = doc.flags.prm_summary_memo
	if memo is not None and memo[0] is previous and not trashed:
		before = memo[1]
	else:
		before = contribution(state(previous)) if previous else {}
	after = {} if trashed else contribution(state(doc))
	upsert(doctype, key_fields, measure_fields, core.delta(before, after))
	doc.flags.prm_summary_memo = (previous, after)


# --- deal registrations ---------------------------------------------------------------------------

DEALS = "PRM Deal Summary"


def deal_state(doc) -> core.DealState | None:
	if doc is None:
		return None
	return core.DealState(
		docstatus=doc.docstatus,
		status=doc.status,
		submitted_on=doc.submitted_on,
		won_on=doc.won_on,
		company=doc.company,
		channel_partner=doc.channel_partner,
		territory=doc.deal_territory,
		expected_value=doc.expected_value,
		base_expected_value=doc.base_expected_value,
		won_amount=doc.won_amount,
		decision_hours=doc.decision_hours if doc.decided_on or doc.decision_hours else None,
		lines=[(d.item_group, d.amount) for d in doc.get("items") or []],
	)


def follow_deal(doc, method=None) -> None:
	follow(doc, core.deal_contribution, deal_state, DEALS, core.DEAL_KEY, core.DEAL_MEASURES)


def forget_deal(doc, method=None) -> None:
	follow(doc, core.deal_contribution, deal_state, DEALS, core.DEAL_KEY, core.DEAL_MEASURES, trashed=True)


# --- incentive claims -----------------------------------------------------------------------------

CLAIMS = "PRM Claim Summary"


def claim_state(doc) -> core.ClaimState | None:
	if doc is None:
		return None
	return core.ClaimState(
		docstatus=doc.docstatus,
		status=doc.status,
		program=doc.program,
		channel_partner=doc.channel_partner,
		decided_on=doc.decided_on,
		claimed_amount=doc.claimed_amount,
		approved_amount=doc.approved_amount,
		paid_amount=doc.paid_amount,
	)


def follow_claim(doc, method=None) -> None:
	follow(doc, core.claim_contribution, claim_state, CLAIMS, core.CLAIM_KEY, core.CLAIM_MEASURES)


# --- partner sales ----------------------------------------------------------------------------

SALES = "PRM Sales Summary"


def invoice_state(si) -> core.InvoiceState:
	partner = (
		frappe.db.get_value("Channel Partner", {"sales_partner": si.sales_partner}, "name")
		if si.sales_partner
		else None
	)
	valuation: dict[str, float] = {}
	lines = []
	for item in si.items if partner else ():
		rate = flt(item.incoming_rate)
		if not rate and item.item_code:
			if item.item_code not in valuation:
				valuation[item.item_code] = flt(
					frappe.get_cached_value("Item", item.item_code, "valuation_rate")
				)
			rate = valuation[item.item_code]
		lines.append(
			core.SalesLine(
				item.item_group, core.dec(item.base_net_amount), core.dec(item.stock_qty), core.dec(rate)
			)
		)
	return core.InvoiceState(si.posting_date, si.company, si.sales_partner, partner, si.territory, lines)


def follow_invoice(doc, sign: int) -> None:
	"""A Sales Invoice was submitted (``sign`` 1) or cancelled (-1): its rows go in or out."""
	rows = core.add({}, core.sales_contribution(invoice_state(doc)), sign)
	upsert(SALES, core.SALES_KEY, core.SALES_MEASURES, rows, named_by=core.SALES_NAMED_BY)
	live.publish("Sales Invoice")


# --- rebuild --------------------------------------------------------------------------------------


def enqueue_rebuild(summary: str, **kwargs) -> None:
	"""Queue ``rebuild_<summary>`` (deals, claims or sales) on the long queue, once."""
	frappe.enqueue(
		f"prm_extension.services.summaries.rebuild_{summary}",
		queue="long",
		timeout=3600,
		job_id=f"prm_rebuild_{summary}_summary",
		deduplicate=True,
		enqueue_after_commit=True,
		**kwargs,
	)


def _months(first, last):
	month = get_first_day(first)
	count = (last.year - month.year) * 12 + last.month - month.month + 1
	for i in range(count):
		start = getdate(add_months(month, i))
		yield i, count, start, getdate(add_months(month, i + 1))


def _stamp() -> dict:
	return {"stamp": now(), "user": frappe.session.user}


def _hash(*parts: str) -> str:
	return "left(sha1(concat_ws('|', " + ", ".join(f"ifnull({p}, '')" for p in parts) + ")), 20)"


DEAL_KEY_SQL = ("month", "won_month", "company", "channel_partner", "territory")


def rebuild_deals() -> int:
	"""Recompute the PRM Deal Summary from every submitted registration, a submission month at a
	time (committed per month). Returns the rows written."""
	frappe.db.sql(f"delete from `tab{DEALS}`")
	first, last = frappe.db.sql(
		"select min(submitted_on), max(submitted_on) from `tabDeal Registration` where docstatus < 2"
	)[0]
	if not first:
		return 0
	written = 0
	for i, count, start, end in _months(getdate(first), getdate(last)):
		params = {**_stamp(), "start": start, "end": end}
		head = """date_format(dr.submitted_on, '%%Y-%%m-01') as month,
			if(dr.status = 'Won', date_format(dr.won_on, '%%Y-%%m-01'), null) as won_month,
			dr.company, dr.channel_partner, nullif(dr.deal_territory, '') as territory,
			dr.status, if(dr.docstatus = 1, 1, 0) as approved,
			if(dr.decided_on is not null or ifnull(dr.decision_hours, 0) != 0, 1, 0) as decided,
			if(dr.decided_on is not null or ifnull(dr.decision_hours, 0) != 0, ifnull(dr.decision_hours, 0), 0) as hours,
			if(dr.status = 'Won', if(dr.expected_value, dr.won_amount * dr.base_expected_value / dr.expected_value, dr.won_amount), 0) as won_base"""
		where = "dr.docstatus < 2 and dr.submitted_on >= %(start)s and dr.submitted_on < %(end)s"
		columns = ", ".join(
			f"`{c}`"
			for c in (
				"name",
				"creation",
				"modified",
				"owner",
				"modified_by",
				*core.DEAL_KEY,
				*core.DEAL_MEASURES,
			)
		)
		frappe.db.sql(
			f"""insert into `tab{DEALS}` ({columns})
			select {_hash("'Registration'", *DEAL_KEY_SQL, "null", "status", "approved")},
				%(stamp)s, %(stamp)s, %(user)s, %(user)s,
				'Registration', {", ".join(DEAL_KEY_SQL)}, null, status, approved,
				count(*), sum(base), sum(won_base), sum(decided), sum(hours)
			from (select {head}, ifnull(dr.base_expected_value, 0) as base
				from `tabDeal Registration` dr where {where}) d
			group by {", ".join(DEAL_KEY_SQL)}, status, approved""",
			params,
		)
		frappe.db.sql(
			f"""insert into `tab{DEALS}` ({columns})
			select {_hash("'Product Line'", *DEAL_KEY_SQL, "item_group", "status", "approved")},
				%(stamp)s, %(stamp)s, %(user)s, %(user)s,
				'Product Line', {", ".join(DEAL_KEY_SQL)}, item_group, status, approved,
				count(*), sum(line_value), sum(line_won), sum(decided), sum(hours)
			from (select {head}, nullif(dri.item_group, '') as item_group,
					if(dr.expected_value, sum(dri.amount) * dr.base_expected_value / dr.expected_value, sum(dri.amount)) as line_value,
					if(dr.status = 'Won' and lt.total, (if(dr.expected_value, dr.won_amount * dr.base_expected_value / dr.expected_value, dr.won_amount)) * sum(dri.amount) / lt.total, 0) as line_won
				from `tabDeal Registration` dr
				join `tabDeal Registration Item` dri on dri.parent = dr.name and dri.parenttype = 'Deal Registration'
				join (select x.parent, sum(x.amount) as total from `tabDeal Registration Item` x
					join `tabDeal Registration` dr on dr.name = x.parent
					where x.parenttype = 'Deal Registration' and {where} group by x.parent) lt on lt.parent = dr.name
				where {where}
				group by dr.name, nullif(dri.item_group, '')) d
			group by {", ".join(DEAL_KEY_SQL)}, item_group, status, approved""",
			params,
		)
		# the same figures without the territory
		for grain, total in core.ROLLUP.items():
			frappe.db.sql(
				f"""insert into `tab{DEALS}` ({columns})
				select {_hash("%(total)s", "month", "won_month", "company", "channel_partner", "null", "item_group", "status", "approved")},
					%(stamp)s, %(stamp)s, %(user)s, %(user)s,
					%(total)s, month, won_month, company, channel_partner, null, item_group, status, approved,
					sum(registrations), sum(registered_value), sum(won_value), sum(decided), sum(decision_hours)
				from `tab{DEALS}` where grain = %(grain)s and month = %(start)s
				group by month, won_month, company, channel_partner, item_group, status, approved""",
				{**params, "grain": grain, "total": total},
			)
		written += frappe.db.sql(f"select count(*) from `tab{DEALS}` where month = %s", start)[0][0]
		if not frappe.flags.in_test:
			frappe.db.commit()
		frappe.publish_progress((i + 1) * 100 / count, title="PRM deal summary", description=str(start))
	return written


def rebuild_claims() -> int:
	"""Recompute the PRM Claim Summary from every submitted claim. Returns the rows written."""
	frappe.db.sql(f"delete from `tab{CLAIMS}`")
	columns = ", ".join(
		f"`{c}`"
		for c in (
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			*core.CLAIM_KEY,
			*core.CLAIM_MEASURES,
		)
	)
	programs = frappe.get_all("Incentive Program", pluck="name")
	for i, program in enumerate(programs):
		frappe.db.sql(
			f"""insert into `tab{CLAIMS}` ({columns})
			select {_hash("program", "channel_partner", "month", "status")},
				%(stamp)s, %(stamp)s, %(user)s, %(user)s, program, channel_partner, month, status,
				count(*), sum(claimed_amount), sum(approved_amount), sum(paid_amount)
			from (select c.program, c.channel_partner, date_format(c.decided_on, '%%Y-%%m-01') as month,
					c.status, ifnull(c.claimed_amount, 0) as claimed_amount,
					ifnull(c.approved_amount, 0) as approved_amount, ifnull(c.paid_amount, 0) as paid_amount
				from `tabIncentive Claim` c
				where c.program = %(program)s and c.docstatus = 1 and c.status not in ('Draft', 'Cancelled')) d
			group by program, channel_partner, month, status""",
			{**_stamp(), "program": program},
		)
		if not frappe.flags.in_test:
			frappe.db.commit()
		frappe.publish_progress((i + 1) * 100 / len(programs), title="PRM claim summary", description=program)
	return frappe.db.count(CLAIMS)


def rebuild_sales(from_date=None, to_date=None) -> int:
	"""Recompute the PRM Sales Summary from submitted invoices, a month at a time (committed per
	month, with progress). Without dates: all of it. Returns the number of summary rows written."""
	bounds = frappe.db.sql(
		"""select min(posting_date), max(posting_date) from `tabSales Invoice`
		where docstatus = 1 and ifnull(sales_partner, '') != ''"""
	)[0]
	first = getdate(from_date or bounds[0]) if (from_date or bounds[0]) else None
	last = getdate(to_date or bounds[1]) if (to_date or bounds[1]) else None
	if from_date or to_date:
		frappe.db.sql(
			f"delete from `tab{SALES}` where posting_date between %s and %s",
			(get_first_day(from_date or "1900-01-01"), to_date or "2999-12-31"),
		)
	else:
		frappe.db.sql(f"delete from `tab{SALES}`")
	if not first or not last or first > last:
		return 0
	columns = ", ".join(
		f"`{c}`"
		for c in (
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			*core.SALES_KEY,
			*core.SALES_MEASURES,
		)
	)
	month = "date_format(si.posting_date, '%%Y-%%m-01')"
	written = 0
	for i, count, start, end in _months(first, last):
		# whole months: a month's summary rows hold all of its invoices
		frappe.db.sql(
			f"""insert into `tab{SALES}` ({columns})
			select {_hash(month, "si.company", "si.sales_partner", "si.territory", "sii.item_group")},
				%(stamp)s, %(stamp)s, %(user)s, %(user)s,
				{month}, si.company, si.sales_partner, nullif(si.territory, ''), nullif(sii.item_group, ''), cp.name,
				count(*), sum(sii.base_net_amount),
				sum(sii.stock_qty * if(ifnull(sii.incoming_rate, 0) > 0, sii.incoming_rate, ifnull(item.valuation_rate, 0))),
				sum(sii.stock_qty)
			from `tabSales Invoice` si
			join `tabChannel Partner` cp on cp.sales_partner = si.sales_partner
			join `tabSales Invoice Item` sii on sii.parent = si.name and sii.parenttype = 'Sales Invoice'
			left join `tabItem` item on item.name = sii.item_code
			where si.docstatus = 1 and si.posting_date >= %(start)s and si.posting_date < %(end)s
			group by {month}, si.company, si.sales_partner, cp.name, ifnull(si.territory, ''),
				ifnull(sii.item_group, '')""",
			{**_stamp(), "start": start, "end": end},
		)
		written += frappe.db.sql(f"select count(*) from `tab{SALES}` where posting_date = %s", (start,))[0][0]
		if not frappe.flags.in_test:
			frappe.db.commit()
		frappe.publish_progress((i + 1) * 100 / count, title="PRM sales summary", description=str(start))
	return written
