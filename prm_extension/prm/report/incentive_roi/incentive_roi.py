"""Incentive ROI: per program and partner, what the vendor spent (approved and paid claims)
against the revenue that partner brought in the allocation's period (the whole months it touches):
won registered deals (company currency) and submitted Sales Invoices carrying the partner's Sales
Partner, from the monthly summaries."""

from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import flt

from prm_extension.core.incentives import roi


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
	names = tuple(r.allocation for r in rows)
	# Three grouped queries for all rows (no per-row look-ups). Spend reads the claims through a
	# covering index; revenue comes from the monthly summaries, so an allocation's period counts
	# the whole months it touches.
	spend = {
		r.name: r
		for r in frappe.db.sql(
			"""select fund_allocation as name, sum(approved_amount) as approved, sum(paid_amount) as paid
			from `tabIncentive Claim` where docstatus = 1 and fund_allocation in %(names)s group by fund_allocation""",
			{"names": names},
			as_dict=True,
		)
	}
	won = dict(
		frappe.db.sql(
			"""select a.name, sum(d.won_value) from `tabFund Allocation` a
			join (select channel_partner, won_month, sum(won_value) as won_value from `tabPRM Deal Summary`
				where grain = 'Registration' and status = 'Won' and company = %(company)s
				group by channel_partner, won_month) d
				on d.channel_partner = a.channel_partner
				and d.won_month between date_format(a.period_start, '%%Y-%%m-01') and a.period_end
			where a.name in %(names)s group by a.name""",
			{"names": names, "company": filters.company},
		)
	)
	invoiced = dict(
		frappe.db.sql(
			"""select a.name, sum(s.net_amount) from `tabFund Allocation` a
			join (select channel_partner, posting_date, sum(net_amount) as net_amount from `tabPRM Sales Summary`
				where company = %(company)s group by channel_partner, posting_date) s
				on s.channel_partner = a.channel_partner
				and s.posting_date between date_format(a.period_start, '%%Y-%%m-01') and a.period_end
			where a.name in %(names)s group by a.name""",
			{"names": names, "company": filters.company},
		)
	)
	out = []
	for r in rows:
		s = spend.get(r.allocation) or frappe._dict(approved=0, paid=0)
		revenue = flt(invoiced.get(r.allocation))
		ratio = roi(Decimal(str(revenue)), Decimal(str(flt(s.approved))))
		out.append(
			{
				"program": r.program,
				"program_type": r.program_type,
				"channel_partner": r.channel_partner,
				"allocated": r.allocated_amount,
				"approved": flt(s.approved),
				"paid": flt(s.paid),
				"won_revenue": flt(won.get(r.allocation)),
				"invoiced_revenue": revenue,
				"roi": float(ratio) if ratio is not None else None,
			}
		)
	return out
