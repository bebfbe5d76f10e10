"""Channel analytics: the queries behind the PRM workspace cards and charts, the channel reports
and the partner's own portal dashboard. One ``Scope`` (company, period, partner, tier, territory
and product-line subtrees) narrows every query the same way; the portal passes the partner's own
scope, so a partner can only ever get its own figures.

Periods of sales, pipeline and spend count the whole months they touch: they come from monthly
summaries kept in the same transaction as their documents (``PRM Sales Summary``, ``PRM Deal
Summary``, ``PRM Claim Summary``; see ``summaries``). The number cards that need exact dates read
Deal Registration and Incentive Claim through covering indexes; conflicts come from refused
reservations and failed deal checks. Amounts are in company currency.
Group-by and metric names come from fixed lists, never from user text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import add_days, add_months, get_first_day, getdate, nowdate

from prm_extension.core.analytics import margin_percentage, win_rate
from prm_extension.core.incentives import roi
from prm_extension.core.summaries import DEAL_GRAIN, LINE_GRAIN, ROLLUP

GROUPS = ("Partner", "Tier", "Territory", "Product Line")
APPROVED_CLAIM = ("Approved", "Partially Approved", "Paid")
APPROVED_SQL = "('Approved', 'Partially Approved', 'Paid')"
LIVE_RESERVATION = ("Active", "Requested")


@dataclass
class Scope:
	from_date: date
	to_date: date
	company: str | None = None
	partner: str | None = None
	tier: str | None = None
	territory: str | None = None
	product_line: str | None = None

	@classmethod
	def from_filters(
		cls, filters: dict | None, default_months: int = 12, partner: str | None = None
	) -> Scope:
		"""Validated scope from report / chart / card filters (junk answers with a clear error)."""
		f = frappe._dict(frappe.parse_json(filters) if isinstance(filters, str) else (filters or {}))
		to_date = _date(f.get("to_date"), _("To Date")) or getdate(nowdate())
		from_date = _date(f.get("from_date"), _("From Date")) or getdate(add_months(to_date, -default_months))
		if from_date > to_date:
			frappe.throw(_("From Date must be before To Date."))
		scope = cls(from_date, to_date)
		for field, doctype in (
			("company", "Company"),
			("partner", "Channel Partner"),
			("tier", "Partner Tier"),
			("territory", "Territory"),
			("product_line", "Item Group"),
		):
			value = f.get(field) or f.get("channel_partner" if field == "partner" else field)
			if value in (None, ""):
				continue
			if not isinstance(value, str) or not frappe.db.exists(doctype, value):
				frappe.throw(_("{0} {1} does not exist.").format(_(doctype), frappe.bold(str(value))))
			setattr(scope, field, value)
		if partner is not None:
			scope.partner = partner  # the portal: always the caller's own partner
		return scope


PERIODS = ("This Month", "This Quarter", "This Year", "Last 30 Days", "Last 90 Days", "Last 12 Months")


def manager_scope(filters, period: str | None = None) -> Scope:
	"""The scope of a workspace card or chart: PRM Managers only; a named period (the card's own
	unless the filters give dates) becomes from / to dates."""
	from frappe.utils import get_quarter_start, get_year_start

	from prm_extension.security import payload
	from prm_extension.services.partners import is_manager

	if not is_manager():
		frappe.throw(frappe._("Channel analytics are for PRM Managers."), frappe.PermissionError)
	f = frappe._dict(payload.json_arg(filters, frappe._("Filters"), "filters") or {})
	period = f.pop("period", None) or period  # the card's or chart's own period wins over the default
	if period and not (f.get("from_date") or f.get("to_date")):
		if period not in PERIODS:
			frappe.throw(frappe._("Period must be one of: {0}").format(", ".join(PERIODS)))
		today = getdate(nowdate())
		start = {
			"This Month": get_first_day(today),
			"This Quarter": get_quarter_start(today),
			"This Year": get_year_start(today),
			"Last 30 Days": add_days(today, -30),
			"Last 90 Days": add_days(today, -90),
			"Last 12 Months": add_months(today, -12),
		}[period]
		f.from_date, f.to_date = start, today
	return Scope.from_filters(f)


def months_note(scope: Scope) -> str:
	"""The report message for figures read from the monthly summaries."""
	return _("Figures cover whole months: {0} to {1}.").format(
		frappe.utils.formatdate(get_first_day(scope.from_date)), frappe.utils.formatdate(scope.to_date)
	)


def _date(value, label):
	if value in (None, ""):
		return None
	try:
		return getdate(value)
	except Exception:
		frappe.throw(_("{0} is not a date: {1}").format(label, frappe.bold(str(value)[:40])))


def subtree(doctype: str, name: str | None) -> list[str] | None:
	if not name:
		return None
	lft, rgt = frappe.db.get_value(doctype, name, ["lft", "rgt"])
	return frappe.get_all(doctype, filters={"lft": (">=", lft), "rgt": ("<=", rgt)}, pluck="name")


def group_by_field(group_by: str) -> str:
	"""``group_by`` if it is one of GROUPS, else a clear error."""
	if group_by not in GROUPS:
		frappe.throw(_("Group by one of: {0}").format(", ".join(_(g) for g in GROUPS)))
	return group_by


def _in(values: list[str], params: dict, key: str) -> str:
	names = []
	for i, v in enumerate(values or [""]):
		params[f"{key}{i}"] = v
		names.append(f"%({key}{i})s")
	return "(" + ", ".join(names) + ")"


# --- sales through partners -------------------------------------------------------------------


def _narrow(
	scope: Scope, params: dict, cond: list, *, company=None, partner=None, territory=None, item_group=None
) -> None:
	"""Append the scope's company, partner, tier, territory-subtree and product-line-subtree
	conditions on the given columns (``None``: the query has no such column). The tier is always
	``cp.tier`` (the query joins Channel Partner as ``cp``). Column names come from this module."""
	if scope.company and company:
		cond.append(f"{company} = %(company)s")
		params["company"] = scope.company
	if scope.partner and partner:
		cond.append(f"{partner} = %(partner)s")
		params["partner"] = scope.partner
	if scope.tier:
		cond.append("cp.tier = %(tier)s")
		params["tier"] = scope.tier
	if scope.territory and territory:
		cond.append(f"{territory} in {_in(subtree('Territory', scope.territory), params, 't')}")
	if scope.product_line and item_group:
		cond.append(f"{item_group} in {_in(subtree('Item Group', scope.product_line), params, 'g')}")


def _sales_where(scope: Scope, params: dict, alias: str = "s") -> str:
	# sales are summarised by month: a period counts the whole months it touches
	cond = [f"{alias}.posting_date between %(from_month)s and %(to_date)s"]
	params.update(from_month=get_first_day(scope.from_date), to_date=scope.to_date)
	_narrow(
		scope,
		params,
		cond,
		company=f"{alias}.company",
		partner=f"{alias}.channel_partner",
		territory=f"{alias}.territory",
		item_group=f"{alias}.item_group",
	)
	return " and ".join(cond)


SALES_GROUP = {
	"Partner": "s.channel_partner",
	"Tier": "ifnull(cp.tier, '')",
	"Territory": "ifnull(s.territory, '')",
	"Product Line": "ifnull(s.item_group, '')",
}


def sales_by(scope: Scope, group_by: str = "Partner", limit: int | None = None) -> list[dict]:
	"""Net revenue, cost and gross margin through partners, by group, largest first."""
	params: dict = {}
	expr = SALES_GROUP[group_by_field(group_by)]
	rows = frappe.db.sql(
		f"""select {expr} as grp, sum(s.net_amount) as revenue, sum(s.cost_amount) as cost,
			sum(s.qty) as qty, sum(s.`lines`) as `lines`
		from `tabPRM Sales Summary` s
		left join `tabChannel Partner` cp on cp.name = s.channel_partner
		where {_sales_where(scope, params)}
		group by grp order by revenue desc {"limit %(limit)s" if limit else ""}""",
		{**params, "limit": limit},
		as_dict=True,
	)
	for r in rows:
		revenue, cost = Decimal(str(r.revenue or 0)), Decimal(str(r.cost or 0))
		r.margin = revenue - cost
		r.margin_percentage = margin_percentage(revenue, cost)
	return rows


def sales_total(scope: Scope) -> dict:
	params: dict = {}
	row = frappe.db.sql(
		f"""select sum(s.net_amount), sum(s.cost_amount) from `tabPRM Sales Summary` s
		left join `tabChannel Partner` cp on cp.name = s.channel_partner
		where {_sales_where(scope, params)}""",
		params,
	)[0]
	revenue, cost = Decimal(str(row[0] or 0)), Decimal(str(row[1] or 0))
	return {
		"revenue": revenue,
		"cost": cost,
		"margin": revenue - cost,
		"margin_percentage": margin_percentage(revenue, cost),
	}


# --- deal pipeline ---------------------------------------------------------------------------

# company-currency value of what was won (won_amount is in the deal's currency)
WON_BASE = "dr.won_amount * if(dr.expected_value, dr.base_expected_value / dr.expected_value, 1)"


def _deal_where(scope: Scope, params: dict, date_field: str = "dr.submitted_on") -> str:
	"""Row-level conditions on Deal Registration (exact dates): the cards and the conflict log."""
	cond = [f"{date_field} >= %(from_date)s", f"{date_field} < %(to_next)s", "dr.docstatus < 2"]
	params.update(from_date=scope.from_date, to_next=add_days(scope.to_date, 1))
	_narrow(
		scope, params, cond, company="dr.company", partner="dr.channel_partner", territory="dr.deal_territory"
	)
	if scope.product_line:
		groups = _in(subtree("Item Group", scope.product_line), params, "g")
		cond.append(
			f"exists (select 1 from `tabDeal Registration Item` x where x.parent = dr.name and x.parenttype = 'Deal Registration' and x.item_group in {groups})"
		)
	return " and ".join(cond)


def _summary_where(scope: Scope, params: dict, grain: str, month: str = "d.month") -> str:
	"""Conditions on the PRM Deal Summary: whole months (a period counts the months it touches,
	as for sales), at the registration grain or, to look at product lines, the line grain."""
	cond = ["d.grain = %(grain)s", f"{month} between %(from_month)s and %(to_date)s"]
	params.update(grain=grain, from_month=get_first_day(scope.from_date), to_date=scope.to_date)
	_narrow(
		scope,
		params,
		cond,
		company="d.company",
		partner="d.channel_partner",
		territory="d.territory",
		item_group="d.item_group",
	)
	return " and ".join(cond)


def _grain(scope: Scope, group_by: str | None = None) -> str:
	# a registration counts once at its whole value; by product line (or within one), once per
	# line it names, with those lines' amounts; without a territory asked for, from the grain
	# that leaves territories out (far fewer rows)
	grain = LINE_GRAIN if group_by == "Product Line" or scope.product_line else DEAL_GRAIN
	if group_by == "Territory" or scope.territory:
		return grain
	return ROLLUP[grain]


DEAL_GROUP = {
	"Partner": "d.channel_partner",
	"Tier": "ifnull(cp.tier, '')",
	"Territory": "ifnull(d.territory, '')",
	"Product Line": "ifnull(d.item_group, '')",
}

PIPELINE_MEASURES = """sum(d.registrations) as registered, sum(d.registered_value) as registered_value,
	sum(if(d.approved, d.registrations, 0)) as approved,
	sum(if(d.approved, d.registered_value, 0)) as approved_value,
	sum(if(d.status = 'Won', d.registrations, 0)) as won, sum(d.won_value) as won_value,
	sum(if(d.status = 'Lost', d.registrations, 0)) as lost,
	sum(if(d.status = 'Rejected', d.registrations, 0)) as rejected,
	sum(d.decision_hours) / nullif(sum(d.decided), 0) as avg_hours"""


def pipeline_by(
	scope: Scope, group_by: str = "Partner", limit: int | None = None, status: str | None = None
) -> list[dict]:
	"""Registrations submitted in the period (whole months), by group: registered, approved, won,
	lost, rejected (counts and company-currency values), win rate and average hours to decide.
	By product line a registration counts once in each line it names, with that line's amount.
	``status``: only the registrations in that status (read through the status index)."""
	params: dict = {}
	group_by = group_by_field(group_by)
	where = _summary_where(scope, params, _grain(scope, group_by))
	if status:
		where += " and d.status = %(status)s"
		params["status"] = status
	rows = frappe.db.sql(
		f"""select {DEAL_GROUP[group_by]} as grp, {PIPELINE_MEASURES}
		from `tabPRM Deal Summary` d
		left join `tabChannel Partner` cp on cp.name = d.channel_partner
		where {where}
		group by grp order by registered_value desc {"limit %(limit)s" if limit else ""}""",
		{**params, "limit": limit},
		as_dict=True,
	)
	for r in rows:
		r.win_rate = win_rate(int(r.won or 0), int(r.lost or 0))
	return rows


def pipeline_total(scope: Scope) -> dict:
	params: dict = {}
	row = frappe.db.sql(
		f"""select {PIPELINE_MEASURES}
		from `tabPRM Deal Summary` d left join `tabChannel Partner` cp on cp.name = d.channel_partner
		where {_summary_where(scope, params, _grain(scope))}""",
		params,
		as_dict=True,
	)[0]
	won, lost = int(row.won or 0), int(row.lost or 0)
	return {
		"registered": int(row.registered or 0),
		"registered_value": Decimal(str(row.registered_value or 0)),
		"won": won,
		"lost": lost,
		"win_rate": win_rate(won, lost),
		"avg_hours": round(float(row.avg_hours), 1) if row.avg_hours is not None else None,
	}


def won_total(scope: Scope) -> Decimal:
	"""Company-currency value of registrations won in the months of the period (deal summary)."""
	params: dict = {}
	value = frappe.db.sql(
		f"""select sum(d.won_value) from `tabPRM Deal Summary` d
		left join `tabChannel Partner` cp on cp.name = d.channel_partner
		where d.status = 'Won' and {_summary_where(scope, params, _grain(scope), "d.won_month")}""",
		params,
	)[0][0]
	return Decimal(str(value or 0))


# --- trends -----------------------------------------------------------------------------------


def months(scope: Scope) -> list[date]:
	first = get_first_day(scope.from_date)
	out = []
	while first <= scope.to_date:
		out.append(first)
		first = getdate(add_months(first, 1))
	return out


def monthly(scope: Scope) -> dict:
	"""Per month: registered value (by submission month), won value (by the month it was won in),
	partner revenue; all from the monthly summaries."""
	buckets = months(scope)
	keys = [b.strftime("%Y-%m") for b in buckets]
	grain = _grain(scope)
	params: dict = {}
	registered = dict(
		frappe.db.sql(
			f"""select date_format(d.month, '%%Y-%%m'), sum(d.registered_value)
			from `tabPRM Deal Summary` d left join `tabChannel Partner` cp on cp.name = d.channel_partner
			where {_summary_where(scope, params, grain)} group by 1""",
			params,
		)
	)
	params = {}
	won = dict(
		frappe.db.sql(
			f"""select date_format(d.won_month, '%%Y-%%m'), sum(d.won_value)
			from `tabPRM Deal Summary` d left join `tabChannel Partner` cp on cp.name = d.channel_partner
			where d.status = 'Won' and {_summary_where(scope, params, grain, "d.won_month")} group by 1""",
			params,
		)
	)
	params = {}
	revenue = dict(
		frappe.db.sql(
			f"""select date_format(s.posting_date, '%%Y-%%m'), sum(s.net_amount)
			from `tabPRM Sales Summary` s left join `tabChannel Partner` cp on cp.name = s.channel_partner
			where {_sales_where(scope, params)} group by 1""",
			params,
		)
	)
	return {
		"months": keys,
		"registered": [float(registered.get(k) or 0) for k in keys],
		"won": [float(won.get(k) or 0) for k in keys],
		"revenue": [float(revenue.get(k) or 0) for k in keys],
	}


# --- conflicts ----------------------------------------------------------------------------------


def _reservation_where(scope: Scope, params: dict) -> str:
	"""Conditions on refused reservation requests (``r``, joined with Channel Partner ``cp`` and
	Customer ``cu``) in the period, narrowed as the deal checks are: partner, tier, territory (the
	territory the request was for, else the account's) and product line (the line requested; a
	request for the whole account concerns every line). Reservations belong to no company: a
	company filter leaves them as they are."""
	cond = ["r.status = 'Rejected'", "r.creation >= %(from_date)s", "r.creation < %(to_next)s"]
	params.update(from_date=scope.from_date, to_next=add_days(scope.to_date, 1))
	_narrow(
		scope, params, cond, partner="r.channel_partner", territory="ifnull(r.scope_territory, cu.territory)"
	)
	if scope.product_line:
		groups = _in(subtree("Item Group", scope.product_line), params, "g")
		cond.append(f"(ifnull(r.product_line, '') = '' or r.product_line in {groups})")
	return " and ".join(cond)


RESERVATION_JOINS = """left join `tabChannel Partner` cp on cp.name = r.channel_partner
	left join `tabCustomer` cu on cu.name = r.customer"""
CHECK_JOINS = """join `tabDeal Registration` dr on dr.name = c.parent and c.parenttype = 'Deal Registration'
	left join `tabChannel Partner` cp on cp.name = dr.channel_partner"""


def conflicts_by_rule(scope: Scope) -> list[dict]:
	"""Refused reservation requests (by decision code) and failed deal checks (by check) in the
	scope, most frequent first (the conflict log's chart, the workspace card and chart)."""
	params: dict = {}
	reservations = frappe.db.sql(
		f"""select ifnull(r.decision_code, ''), count(*) from `tabAccount Reservation` r
		{RESERVATION_JOINS}
		where {_reservation_where(scope, params)} group by 1""",
		params,
	)
	params = {}
	checks = frappe.db.sql(
		f"""select c.`check`, count(*) from `tabDeal Registration Check` c {CHECK_JOINS}
		where c.result = 'Failed' and {_deal_where(scope, params)} group by 1""",
		params,
	)
	out = [{"source": "Account Reservation", "rule": code or "other", "count": n} for code, n in reservations]
	out += [{"source": "Deal Registration", "rule": check, "count": n} for check, n in checks]
	return sorted(out, key=lambda r: -r["count"])


def conflict_log(scope: Scope, rule: str | None = None, limit: int = 10000) -> list[dict]:
	"""The conflict log's rows in the scope, newest first: refused reservation requests and failed
	(or warning) deal checks, with the reason the partner was given and the conflicting records."""
	params: dict = {"limit": limit}
	rule_cond = ""
	if rule:
		rule_cond = " and r.decision_code = %(rule)s"
		params["rule"] = rule
	reservations = frappe.db.sql(
		f"""select r.creation as date, 'Account Reservation' as source, r.name as record,
			r.channel_partner, r.customer, ifnull(r.decision_code, '') as rule, 'Refused' as result,
			r.decision_reason as reason, r.decision_detail as conflicts
		from `tabAccount Reservation` r {RESERVATION_JOINS}
		where {_reservation_where(scope, params)}{rule_cond}
		order by r.creation desc limit %(limit)s""",
		params,
		as_dict=True,
	)
	params = {"limit": limit}
	rule_cond = ""
	if rule:
		rule_cond = " and c.`check` = %(rule)s"
		params["rule"] = rule
	checks = frappe.db.sql(
		f"""select dr.submitted_on as date, 'Deal Registration' as source, dr.name as record,
			dr.channel_partner, ifnull(dr.customer, dr.prospect_name) as customer, c.`check` as rule,
			c.result, c.reason, c.conflicts
		from `tabDeal Registration Check` c {CHECK_JOINS}
		where c.result in ('Failed', 'Warning') and {_deal_where(scope, params)}{rule_cond}
		order by dr.submitted_on desc limit %(limit)s""",
		params,
		as_dict=True,
	)
	return sorted(reservations + checks, key=lambda r: r.date or "", reverse=True)[:limit]


# --- incentives -------------------------------------------------------------------------------


def _partners_where(scope: Scope, params: dict, column: str) -> str:
	"""Conditions on a partner column of incentive rows (allocations, claims): the partner, and the
	partner's tier and home territory (incentive money belongs to a partner, not to a territory or
	product line of its own). Empty when the scope names none of them."""
	cond = []
	if scope.partner:
		cond.append(f"{column} = %(partner)s")
		params["partner"] = scope.partner
	if scope.tier or scope.territory:
		inner = ["cp.name = " + column]
		if scope.tier:
			inner.append("cp.tier = %(tier)s")
			params["tier"] = scope.tier
		if scope.territory:
			inner.append(f"cp.home_territory in {_in(subtree('Territory', scope.territory), params, 't')}")
		cond.append(f"exists (select 1 from `tabChannel Partner` cp where {' and '.join(inner)})")
	return "".join(f" and {c}" for c in cond)


def incentive_spend(scope: Scope) -> list[dict]:
	"""Per program active in the period: budget, allocated, approved spend and paid (from the PRM
	Claim Summary: every approved claim of the program, whatever month it was decided in), for the
	scope's partners (partner, tier, home territory)."""
	params = {"from_date": scope.from_date, "to_date": scope.to_date}
	cond = ["p.start_date <= %(to_date)s", "p.end_date >= %(from_date)s", "p.status != 'Draft'"]
	if scope.company:
		cond.append("p.company = %(company)s")
		params["company"] = scope.company
	allocations = _partners_where(scope, params, "a.channel_partner")
	claims = _partners_where(scope, params, "c.channel_partner")
	return frappe.db.sql(
		f"""select p.name as program, p.program_type, p.total_budget as budget,
			(select sum(a.allocated_amount) from `tabFund Allocation` a where a.program = p.name
				{allocations}) as allocated,
			s.approved, s.paid
		from `tabIncentive Program` p
		left join (select c.program, sum(c.approved_amount) as approved, sum(c.paid_amount) as paid
			from `tabPRM Claim Summary` c where c.status in {APPROVED_SQL} {claims}
			group by c.program) s on s.program = p.name
		where {" and ".join(cond)}
		order by s.approved desc""",
		params,
		as_dict=True,
	)


def spend_total(scope: Scope) -> Decimal:
	"""Approved incentive claims decided in the period, for the scope's company and partners."""
	params = {"from_date": scope.from_date, "to_next": add_days(scope.to_date, 1)}
	cond = [
		"c.status in ('Approved', 'Partially Approved', 'Paid')",
		"c.decided_on >= %(from_date)s",
		"c.decided_on < %(to_next)s",
	]
	if scope.company:
		cond.append(
			"c.program in (select p.name from `tabIncentive Program` p where p.company = %(company)s)"
		)
		params["company"] = scope.company
	value = frappe.db.sql(
		f"""select sum(c.approved_amount) from `tabIncentive Claim` c
		where {" and ".join(cond)}{_partners_where(scope, params, "c.channel_partner")}""",
		params,
	)[0][0]
	return Decimal(str(value or 0))


# --- reservations ---------------------------------------------------------------------------------


def reservation_use(scope: Scope) -> dict:
	"""Live reservations against the capacity the tiers allow (partners with a limit)."""
	params: dict = {}
	cond = ["cp.status = 'Active'"]
	if scope.partner:
		cond.append("cp.name = %(partner)s")
		params["partner"] = scope.partner
	if scope.tier:
		cond.append("cp.tier = %(tier)s")
		params["tier"] = scope.tier
	row = frappe.db.sql(
		f"""select sum(t.max_active_reservations),
			sum((select count(*) from `tabAccount Reservation` r where r.channel_partner = cp.name
				and r.status in ('Active', 'Requested')))
		from `tabChannel Partner` cp join `tabPartner Tier` t on t.name = cp.tier
		where t.max_active_reservations > 0 and {" and ".join(cond)}""",
		params,
	)[0]
	capacity, live = int(row[0] or 0), int(row[1] or 0)
	return {
		"capacity": capacity,
		"live": live,
		"percentage": round(live * 100 / capacity, 1) if capacity else None,
	}


# --- partner activity -------------------------------------------------------------------------------


def activity(scope: Scope) -> list[dict]:
	"""Per active partner: portal users (enabled), last portal login, and what it did in the period."""
	params = {"from_date": scope.from_date, "to_next": add_days(scope.to_date, 1)}
	cond = ["cp.status = 'Active'"]
	if scope.partner:
		cond.append("cp.name = %(partner)s")
		params["partner"] = scope.partner
	if scope.tier:
		cond.append("cp.tier = %(tier)s")
		params["tier"] = scope.tier
	return frappe.db.sql(
		f"""select cp.name as channel_partner, cp.tier,
			(select count(*) from `tabChannel Partner Member` m where m.parent = cp.name
				and m.parenttype = 'Channel Partner' and m.enabled = 1) as users,
			(select max(u.last_login) from `tabChannel Partner Member` m join `tabUser` u on u.name = m.user
				where m.parent = cp.name and m.parenttype = 'Channel Partner') as last_login,
			(select count(*) from `tabDeal Registration` d where d.channel_partner = cp.name
				and d.creation >= %(from_date)s and d.creation < %(to_next)s) as registrations,
			(select count(*) from `tabAccount Reservation` r where r.channel_partner = cp.name
				and r.creation >= %(from_date)s and r.creation < %(to_next)s) as reservations,
			(select count(*) from `tabIncentive Claim` c where c.channel_partner = cp.name
				and c.creation >= %(from_date)s and c.creation < %(to_next)s) as claims,
			(select count(*) from `tabPartner Announcement Read` a where a.channel_partner = cp.name
				and a.read_on >= %(from_date)s and a.read_on < %(to_next)s) as announcements_read
		from `tabChannel Partner` cp where {" and ".join(cond)}
		order by last_login desc""",
		params,
		as_dict=True,
	)


def scorecard(scope: Scope) -> list[dict]:
	"""Per partner: revenue and margin, pipeline and win rate, decision time, incentive spend and
	revenue per unit of spend."""
	sales = {r.grp: r for r in sales_by(scope, "Partner")}
	deals = {r.grp: r for r in pipeline_by(scope, "Partner")}
	# claims decided in the months of the period, as for sales (PRM Claim Summary)
	params = {"from_month": get_first_day(scope.from_date), "to_date": scope.to_date}
	spend = dict(
		frappe.db.sql(
			f"""select c.channel_partner, sum(c.approved_amount) from `tabPRM Claim Summary` c
			where c.status in {APPROVED_SQL} and c.month between %(from_month)s and %(to_date)s
			group by 1""",
			params,
		)
	)
	filters = {"status": ("!=", "Applicant")}
	if scope.partner:
		filters["name"] = scope.partner
	if scope.tier:
		filters["tier"] = scope.tier
	partners = frappe.get_all(
		"Channel Partner", filters=filters, fields=["name", "tier", "status"], order_by="name"
	)
	out = []
	for p in partners:
		s, d = sales.get(p.name), deals.get(p.name)
		revenue = Decimal(str(s.revenue or 0)) if s else Decimal(0)
		spent = Decimal(str(spend.get(p.name) or 0))
		out.append(
			frappe._dict(
				channel_partner=p.name,
				tier=p.tier,
				status=p.status,
				revenue=revenue,
				margin=s.margin if s else Decimal(0),
				margin_percentage=s.margin_percentage if s else None,
				registered=int(d.registered) if d else 0,
				registered_value=Decimal(str(d.registered_value or 0)) if d else Decimal(0),
				won=int(d.won or 0) if d else 0,
				won_value=Decimal(str(d.won_value or 0)) if d else Decimal(0),
				win_rate=d.win_rate if d else None,
				avg_hours=round(float(d.avg_hours), 1) if d and d.avg_hours is not None else None,
				incentive_spend=spent,
				revenue_per_spend=roi(revenue, spent),
			)
		)
	return sorted(out, key=lambda r: -r.revenue)


# --- sell-through (partner feeds) ---------------------------------------------------------------

SELL_THROUGH_GROUP = {
	"Partner": "l.channel_partner",
	"Tier": "ifnull(cp.tier, '')",
	"Territory": "ifnull(c.territory, '')",
	"Product Line": "ifnull(l.item_group, '')",
}


def sell_through_by(scope: Scope, group_by: str = "Partner", limit: int | None = None) -> list[dict]:
	"""Units and amounts partners reported selling to their customers (sell-through feeds), by group;
	lines with an unknown item count under "(none)" for product lines."""
	params = {"from_date": scope.from_date, "to_date": scope.to_date}
	cond = ["l.report_type = 'Sell-Through'", "l.report_date between %(from_date)s and %(to_date)s"]
	_narrow(
		scope, params, cond, partner="l.channel_partner", territory="c.territory", item_group="l.item_group"
	)
	expr = SELL_THROUGH_GROUP[group_by_field(group_by)]
	return frappe.db.sql(
		f"""select {expr} as grp, sum(l.qty) as qty, sum(ifnull(l.amount, 0)) as amount, count(*) as `lines`
		from `tabSell-Through Line` l
		left join `tabChannel Partner` cp on cp.name = l.channel_partner
		left join `tabCustomer` c on c.name = l.customer
		where {" and ".join(cond)}
		group by grp order by qty desc {"limit %(limit)s" if limit else ""}""",
		{**params, "limit": limit},
		as_dict=True,
	)


def outcomes(scope: Scope) -> dict:
	"""Won and lost registrations submitted in the period, and the win rate: an index-only count
	(``submitted_on, status``) when no partner, tier or company narrows it."""
	params = {"from_date": scope.from_date, "to_next": add_days(scope.to_date, 1)}
	cond = [
		"dr.submitted_on >= %(from_date)s",
		"dr.submitted_on < %(to_next)s",
		"dr.status in ('Won', 'Lost')",
	]
	join = ""
	if scope.company:
		cond.append("dr.company = %(company)s")
		params["company"] = scope.company
	if scope.partner:
		cond.append("dr.channel_partner = %(partner)s")
		params["partner"] = scope.partner
	if scope.tier:
		join = "join `tabChannel Partner` cp on cp.name = dr.channel_partner"
		cond.append("cp.tier = %(tier)s")
		params["tier"] = scope.tier
	counts = dict(
		frappe.db.sql(
			f"select dr.status, count(*) from `tabDeal Registration` dr {join} where {' and '.join(cond)} group by dr.status",
			params,
		)
	)
	won, lost = int(counts.get("Won") or 0), int(counts.get("Lost") or 0)
	return {"won": won, "lost": lost, "win_rate": win_rate(won, lost)}
