"""Incentive ROI: per program and partner, what the vendor spent (approved and paid claims)
against the revenue that partner brought in the allocation's period (the whole months it touches):
won registered deals (company currency) and submitted Sales Invoices carrying the partner's Sales
Partner, from the monthly summaries."""

from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import flt, get_first_day, getdate

from prm_extension.core.incentives import roi
from prm_extension.core.summaries import DEAL_TOTAL_GRAIN


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	if not filters.company:
		frappe.throw(_("Choose a company."))
	return columns(), data(filters)


def columns():
	return [
		{
			"fieldname": "program",
			"label": _("Program"),
			"fieldtype": "Link",
			"options": "Incentive Program",
			"width": 200,
		},
		{"fieldname": "program_type", "label": _("Type"), "fieldtype": "Data", "width": 140},
		{
			"fieldname": "channel_partner",
			"label": _("Channel Partner"),
			"fieldtype": "Link",
			"options": "Channel Partner",
			"width": 180,
		},
		{"fieldname": "allocated", "label": _("Allocated"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "approved", "label": _("Approved Spend"), "fieldtype": "Currency", "width": 130},
		{"fieldname": "paid", "label": _("Paid"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "won_revenue", "label": _("Won Deal Revenue"), "fieldtype": "Currency", "width": 140},
		{
			"fieldname": "invoiced_revenue",
			"label": _("Invoiced Revenue"),
			"fieldtype": "Currency",
			"width": 140,
		},
		{
			"fieldname": "roi",
			"label": _("Revenue per Unit Spent"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 140,
		},
	]


def data(filters):
	prog = frappe.qb.DocType("Incentive Program")
	alloc = frappe.qb.DocType("Fund Allocation")
	query = (
		frappe.qb.from_(alloc)
		.join(prog)
		.on(prog.name == alloc.program)
		.select(
			alloc.name.as_("allocation"),
			alloc.program,
			prog.program_type,
			alloc.channel_partner,
			alloc.allocated_amount,
			alloc.approved_amount.as_(
				"approved"
			),  # stored by the claims (services.incentives.refresh_totals)
			alloc.paid_amount.as_("paid"),
			alloc.period_start,
			alloc.period_end,
		)
		.where(prog.company == filters.company)
	)
	for field in ("program", "channel_partner"):
		if filters.get(field):
			query = query.where(alloc[field] == filters.get(field))
	if filters.program_type:
		query = query.where(prog.program_type == filters.program_type)
	rows = query.orderby(alloc.program).orderby(alloc.channel_partner).limit(5000).run(as_dict=True)
	if not rows:
		return []
	# Revenue from the monthly summaries (an allocation's period counts the whole months it
	# touches), added up per allocation here; spend is stored on the allocation.
	won = _per_allocation(
		rows,
		frappe.db.sql(
			"""select channel_partner, won_month, sum(won_value) from `tabPRM Deal Summary`
			where grain = %(grain)s and status = 'Won' and company = %(company)s
			group by channel_partner, won_month""",
			{"grain": DEAL_TOTAL_GRAIN, "company": filters.company},
		),
	)
	invoiced = _per_allocation(
		rows,
		frappe.db.sql(
			"""select channel_partner, posting_date, sum(net_amount) from `tabPRM Sales Summary`
			where company = %(company)s group by channel_partner, posting_date""",
			{"company": filters.company},
		),
	)
	out = []
	for r in rows:
		revenue = flt(invoiced.get(r.allocation))
		ratio = roi(Decimal(str(revenue)), Decimal(str(flt(r.approved))))
		out.append(
			{
				"program": r.program,
				"program_type": r.program_type,
				"channel_partner": r.channel_partner,
				"allocated": r.allocated_amount,
				"approved": flt(r.approved),
				"paid": flt(r.paid),
				"won_revenue": flt(won.get(r.allocation)),
				"invoiced_revenue": revenue,
				"roi": float(ratio) if ratio is not None else None,
			}
		)
	return out


def _per_allocation(rows, monthly) -> dict:
	"""Sum (partner, month, amount) rows over each allocation's months (the whole months its
	period touches): a few thousand summary rows, added up here rather than joined per allocation."""
	by_partner: dict = {}
	for partner, month, amount in monthly:
		if month:
			by_partner.setdefault(partner, []).append((getdate(month), flt(amount)))
	out = {}
	for r in rows:
		first = get_first_day(r.period_start)
		out[r.allocation] = sum(
			amount
			for month, amount in by_partner.get(r.channel_partner, ())
			if first <= month <= getdate(r.period_end)
		)
	return out
