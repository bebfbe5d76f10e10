"""Incentive benchmarks, on the reservation benchmark's site and world (``generate.py``):

(a) rebate computation: ``services.incentives.compute(claim)`` for a Volume Rebate program (brackets,
    product lines) and a partner with 100k submitted Sales Invoice lines in the claim's period,
    among other partners' invoices and other periods. Target: <= 2 s.
(b) balance lookup: ``services.incentives.balance(allocation)`` with 1M Incentive Claims on the site,
    for 500 allocations (p50 / p95 / p99). Target: p95 <= 20 ms. Also 10k vs 1M side by side: the
    claims of a set of allocations (about 10k claims) alone in the table, and the same allocations
    among 1M claims, swapped in turn with one atomic ``RENAME TABLE``.

Data (bulk-inserted, generation is not what is measured): Sales Invoices ``BENCH-SINV-...`` with
their lines as raw rows (docstatus 1 mostly; no GL entries: the computation does not read them),
Fund Allocations ``BENCH-FA-...`` and Incentive Claims ``BENCH-CLM-...`` in a realistic mix of
statuses. ``--try-index`` adds the sales indexes of ``setup.install.ensure_sales_indexes()`` and
a covering claim index when the site lacks them, and interleaves "without" and "with" them (MariaDB
``ALTER INDEX ... IGNORED``); the indexes it added are dropped again at the end.

Run from the bench's ``sites`` directory as user ``frappe`` (see benchmarks/README.md)::

    ../env/bin/python /work/main/benchmarks/bench_incentives.py --site prm-bench.localhost [--try-index]
"""

from __future__ import annotations

import argparse
import base64
import bisect
import contextlib
import datetime as dt
import hashlib
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib as bl  # noqa: E402
import frappe  # noqa: E402
import generate as gen  # noqa: E402

SI, SII, CLAIM, ALLOC = (
	"tabSales Invoice",
	"tabSales Invoice Item",
	"tabIncentive Claim",
	"tabFund Allocation",
)
SI_PREFIX, CLM_PREFIX, FA_PREFIX = "BENCH-SINV-", "BENCH-CLM-", "BENCH-FA-"
REBATE_PROGRAM = "BENCH Volume Rebate"
CLAIM_PROGRAMS = 20
PERIODS = 25  # allocations per program and partner: 25 consecutive months
CLAIM_STATUS = (  # status, docstatus, cumulative share
	("Draft", 0, 0.08),
	("Submitted", 0, 0.18),
	("Rejected", 0, 0.25),
	("Approved", 1, 0.60),
	("Partially Approved", 1, 0.65),
	("Paid", 1, 0.95),
	("Cancelled", 2, 1.0),
)
# Proposed indexes (see the README): (table, index name, columns)
REBATE_INDEXES = [
	(SI, "sales_partner_posting_date_index", ["sales_partner", "posting_date"]),
	(
		SII,
		"parent_item_group_item_code_index",
		["parent", "item_group", "item_code", "stock_qty", "base_net_amount", "net_amount"],
	),
]
BALANCE_INDEXES = [
	(
		CLAIM,
		"fund_allocation_balance_index",
		["fund_allocation", "docstatus", "status", "claimed_amount", "approved_amount", "paid_amount"],
	)
]
PROPOSED = REBATE_INDEXES + BALANCE_INDEXES

SI_FIELDS = [
	"name",
	"owner",
	"modified_by",
	"creation",
	"modified",
	"docstatus",
	"idx",
	"naming_series",
	"title",
	"customer",
	"customer_name",
	"company",
	"posting_date",
	"due_date",
	"currency",
	"conversion_rate",
	"selling_price_list",
	"price_list_currency",
	"plc_conversion_rate",
	"sales_partner",
	"territory",
	"net_total",
	"base_net_total",
	"grand_total",
	"base_grand_total",
	"outstanding_amount",
	"debit_to",
	"status",
]
SII_FIELDS = [
	"name",
	"owner",
	"modified_by",
	"creation",
	"modified",
	"docstatus",
	"idx",
	"parent",
	"parenttype",
	"parentfield",
	"item_code",
	"item_name",
	"item_group",
	"uom",
	"stock_uom",
	"conversion_factor",
	"qty",
	"stock_qty",
	"rate",
	"amount",
	"base_rate",
	"base_amount",
	"net_rate",
	"net_amount",
	"base_net_rate",
	"base_net_amount",
	"income_account",
	"cost_center",
]
FA_FIELDS = [
	"name",
	"owner",
	"modified_by",
	"creation",
	"modified",
	"docstatus",
	"idx",
	"program",
	"channel_partner",
	"program_type",
	"period_start",
	"period_end",
	"currency",
	"allocated_amount",
]
CLAIM_FIELDS = [
	"name",
	"owner",
	"modified_by",
	"creation",
	"modified",
	"docstatus",
	"idx",
	"program",
	"channel_partner",
	"program_type",
	"fund_allocation",
	"status",
	"claim_date",
	"currency",
	"claimed_amount",
	"approved_amount",
	"paid_amount",
	"submitted_on",
	"decided_on",
	"decided_by",
	"period_start",
	"period_end",
]


def child_name(invoice: int, line: int) -> str:
	"""A 10-character child-row name shaped like Frappe v15's ``make_autoname("hash")``: a 4-character
	prefix shared by the rows saved in one request (request id + time), then random characters. The
	lines of one invoice therefore sit together in the primary key, and invoices are scattered.
	Deterministic, so that regenerated rows are the same."""

	def b32(data: bytes, n: int) -> str:
		return base64.b32hexencode(data).decode().lower()[:n]

	prefix = b32(hashlib.blake2b(f"sinv:{invoice}".encode(), digest_size=5).digest(), 4)
	return prefix + b32(hashlib.blake2b(f"sii:{invoice}:{line}".encode(), digest_size=5).digest(), 6)


# --- programs ------------------------------------------------------------------------------------


def company_facts() -> frappe._dict:
	co = frappe.defaults.get_global_default("company") or frappe.get_all("Company", pluck="name")[0]
	expense = frappe.db.get_value(
		"Account", {"company": co, "account_name": "Marketing Expenses", "is_group": 0}
	) or frappe.db.get_value(
		"Account", {"company": co, "account_name": "Administrative Expenses", "is_group": 0}
	)
	return frappe._dict(
		company=co,
		currency=frappe.get_cached_value("Company", co, "default_currency"),
		expense_account=expense,
		cost_center=frappe.get_cached_value("Company", co, "cost_center"),
		debit_to=frappe.get_cached_value("Company", co, "default_receivable_account"),
		income_account=frappe.get_cached_value("Company", co, "default_income_account"),
		price_list=frappe.db.get_value("Price List", {"selling": 1}, "name") or "Standard Selling",
	)


def rebate_period(today: dt.date) -> tuple[dt.date, dt.date]:
	"""The last three full months."""
	first_this = today.replace(day=1)
	end = first_this - dt.timedelta(days=1)
	start = first_this
	for _ in range(3):
		start = (start - dt.timedelta(days=1)).replace(day=1)
	return start, end


def ensure_programs(co, today: dt.date) -> dict:
	"""The rebate program and the programs the claims belong to (through the controller)."""
	frappe.set_user("Administrator")
	start, end = rebate_period(today)
	common = {
		"doctype": "Incentive Program",
		"status": "Active",
		"company": co.company,
		"currency": co.currency,
		"expense_account": co.expense_account,
		"cost_center": co.cost_center,
	}
	if not frappe.db.exists("Incentive Program", REBATE_PROGRAM):
		frappe.get_doc(
			{
				**common,
				"program_name": REBATE_PROGRAM,
				"program_type": "Volume Rebate",
				"total_budget": 10**9,
				"start_date": start - dt.timedelta(days=365),
				"end_date": end + dt.timedelta(days=365),
				"claim_deadline": end + dt.timedelta(days=400),
				"bracket_mode": "Retroactive",
				"brackets": [
					{"threshold": 0, "rate_percent": 1},
					{"threshold": 1_000_000, "rate_percent": 2},
					{"threshold": 5_000_000, "rate_percent": 3},
				],
				"product_lines": [{"item_group": g} for g in ("Networking", "Storage", "Cloud Services")],
			}
		).insert()
	first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
	for _ in range(PERIODS - 2):
		first = (first - dt.timedelta(days=1)).replace(day=1)
	programs = []
	types = ["MDF / Co-op"] * 12 + ["Volume Rebate"] * 4 + ["SPIFF"] * 2 + ["Registered-Deal Bonus"] * 2
	for k in range(CLAIM_PROGRAMS):
		name = f"BENCH Program {k + 1:02d}"
		programs.append((name, types[k]))
		if frappe.db.exists("Incentive Program", name):
			continue
		extra = {
			"Volume Rebate": {"brackets": [{"threshold": 0, "rate_percent": 2}]},
			"SPIFF": {"spiff_rules": [{"item_group": "Networking", "amount_per_unit": 10}]},
			"Registered-Deal Bonus": {"bonus_per_deal": 100},
		}.get(types[k], {})
		frappe.get_doc(
			{
				**common,
				"program_name": name,
				"program_type": types[k],
				"total_budget": 10**10,
				"start_date": first,
				"end_date": first + dt.timedelta(days=31 * PERIODS + 31),
				"claim_deadline": first + dt.timedelta(days=31 * PERIODS + 120),
				**extra,
			}
		).insert()
	frappe.db.commit()
	return {"rebate_period": (start, end), "claim_programs": programs, "first_month": first}


def rebate_partner(world) -> frappe._dict:
	"""An active, unrestricted Platinum partner with a Sales Partner."""
	for p in sorted(world.active_partners, key=lambda p: p.name):
		if p.tier == "Platinum" and not p.lines and not p.territories:
			p.sales_partner = frappe.db.get_value("Channel Partner", p.name, "sales_partner")
			if p.sales_partner:
				return p
	raise RuntimeError("no unrestricted Platinum partner with a Sales Partner")


# --- invoices ----------------------------------------------------------------------------------


def grow_invoices(
	world, co, partner, period, target_invoices: int, lines: int, other: int, seed: int
) -> dict:
	"""``target_invoices`` submitted invoices of ``partner`` in ``period`` with ``lines`` lines each, then
	``other`` invoices (2 lines each) of any partner or none, over the last two years, 95 % submitted."""
	have = bl.max_number("Sales Invoice", SI_PREFIX)
	total = target_invoices + other
	if have == total:
		return {"inserted": 0, "seconds": 0.0, "have": have}
	if have:
		raise SystemExit(f"the site holds {have:,} BENCH invoices, not {total:,}: run with --truncate")
	t = time.perf_counter()
	partners = [frappe.db.get_value("Channel Partner", p.name, "sales_partner") for p in world.partners]
	codes = list(bl.BENCH_ITEMS)
	start, end = period
	days = (end - start).days + 1
	today = dt.date.today()
	heads, rows = [], []

	def flush():
		bl.bulk_insert("Sales Invoice", SI_FIELDS, heads)
		bl.bulk_insert("Sales Invoice Item", SII_FIELDS, rows)
		frappe.db.commit()
		heads.clear()
		rows.clear()

	for n in range(have + 1, total + 1):
		rng = random.Random(f"{seed}:sinv:{n}")
		cust = world.customers[rng.randrange(len(world.customers))]
		if n <= target_invoices:
			sales_partner, docstatus, count = partner.sales_partner, 1, lines
			posting = start + dt.timedelta(days=rng.randrange(days))
		else:
			r = rng.random()
			sales_partner = None if r < 0.2 else partners[rng.randrange(len(partners))]
			docstatus = 1 if rng.random() < 0.95 else rng.choice((0, 2))
			count = 2
			posting = today - dt.timedelta(days=rng.randrange(730))
		created = dt.datetime.combine(posting, dt.time(10, 0))
		name = f"{SI_PREFIX}{n:07d}"
		net = 0.0
		for k in range(count):
			code = codes[rng.randrange(len(codes))]
			qty = float(1 + rng.randrange(20))
			rate = float(bl.ITEM_RATES[code])
			amount = qty * rate
			net += amount
			rows.append(
				(
					child_name(n, k),
					"Administrator",
					"Administrator",
					created,
					created,
					docstatus,
					k + 1,
					name,
					"Sales Invoice",
					"items",
					code,
					code,
					bl.BENCH_ITEMS[code],
					"Nos",
					"Nos",
					1.0,
					qty,
					qty,
					rate,
					amount,
					rate,
					amount,
					rate,
					amount,
					rate,
					amount,
					co.income_account,
					co.cost_center,
				)
			)
		heads.append(
			(
				name,
				"Administrator",
				"Administrator",
				created,
				created,
				docstatus,
				0,
				"ACC-SINV-.YYYY.-",
				cust.customer_name,
				cust.name,
				cust.customer_name,
				co.company,
				posting,
				posting + dt.timedelta(days=30),
				co.currency,
				1.0,
				co.price_list,
				co.currency,
				1.0,
				sales_partner,
				cust.territory,
				net,
				net,
				net,
				net,
				0.0 if docstatus == 1 else net,
				co.debit_to,
				{0: "Draft", 1: "Paid", 2: "Cancelled"}[docstatus],
			)
		)
		if len(rows) >= 20_000:
			flush()
	flush()
	frappe.db.sql(f"analyze table `{SI}`")
	frappe.db.sql(f"analyze table `{SII}`")
	return {"inserted": total - have, "seconds": time.perf_counter() - t}


# --- allocations and claims ------------------------------------------------------------------------


def truncate(invoices_only: bool = False) -> None:
	"""Delete the BENCH invoices, allocations and claims (or only the invoices)."""
	frappe.db.commit()
	frappe.db.sql(f"delete from `{SII}` where parent like %s", (SI_PREFIX + "%",))
	frappe.db.sql(f"delete from `{SI}` where name like %s", (SI_PREFIX + "%",))
	frappe.db.commit()
	if invoices_only:
		return
	frappe.db.sql(f"delete from `{CLAIM}` where name like %s", (CLM_PREFIX + "%",))
	frappe.db.sql(f"delete from `{ALLOC}` where name like %s", (FA_PREFIX + "%",))
	frappe.db.commit()


def allocation_rows(world, co, programs, first: dt.date) -> list[tuple]:
	rows = []
	n = 0
	now = dt.datetime.combine(first, dt.time(8, 0))
	for program, ptype in programs:
		for p in sorted(world.partners, key=lambda p: p.name):
			month = first
			for _k in range(PERIODS):
				nxt = (month + dt.timedelta(days=32)).replace(day=1)
				n += 1
				rows.append(
					(
						f"{FA_PREFIX}{n:06d}",
						"Administrator",
						"Administrator",
						now,
						now,
						0,
						0,
						program,
						p.name,
						ptype,
						month,
						nxt - dt.timedelta(days=1),
						co.currency,
						float(10_000 + (n * 7919) % 90_000),
					)
				)
				month = nxt
	return rows


def ensure_allocations(world, co, programs, first) -> list[tuple]:
	rows = allocation_rows(world, co, programs, first)
	have = bl.count_like("Fund Allocation", FA_PREFIX)
	if have < len(rows):
		frappe.db.sql(f"delete from `{ALLOC}` where name like %s", (FA_PREFIX + "%",))
		bl.bulk_insert("Fund Allocation", FA_FIELDS, rows)
		frappe.db.commit()
		frappe.db.sql(f"analyze table `{ALLOC}`")
	return rows


def claim_weights(n_alloc: int, seed: int) -> list[float]:
	"""Cumulative pick weights: each allocation's weight is log-normal (sigma 0.8), so a few busy
	allocations get many claims (the busiest ~20x the mean) and most get a few dozen at 1M."""
	rng = random.Random(f"{seed}:alloc-weights")
	total, cum = 0.0, []
	for _ in range(n_alloc):
		total += rng.lognormvariate(0, 0.8)
		cum.append(total)
	return cum


def grow_claims(target: int, allocs: list[tuple], seed: int, block: int = 10_000) -> dict:
	"""Claims over the allocations, in time order (allocations interleaved, as real claims are):
	each claim picks an allocation with a skew (a few busy allocations, a long tail)."""
	have = bl.max_number("Incentive Claim", CLM_PREFIX)
	if have >= target:
		return {"inserted": 0, "seconds": 0.0, "have": have}
	t = time.perf_counter()
	cum = claim_weights(len(allocs), seed)
	n_alloc = len(allocs)
	admins = {}
	for row in frappe.db.sql(
		"""select parent, user from `tabChannel Partner Member` where partner_role = 'Partner Admin'"""
	):
		admins.setdefault(row[0], row[1])
	start_day = dt.datetime.combine(dt.date.today() - dt.timedelta(days=800), dt.time(8, 0))
	for b in range(have // block, (target + block - 1) // block):
		rng = random.Random(f"{seed}:claims:{b}")
		rows = []
		for i in range(b * block + 1, (b + 1) * block + 1):
			r_alloc = rng.random()
			r_status = rng.random()
			r_amount = rng.randrange(100, 20_000)
			if i <= have or i > target:
				continue
			a = allocs[min(n_alloc - 1, bisect.bisect_left(cum, r_alloc * cum[-1]))]
			status, docstatus = next((s, d) for s, d, edge in CLAIM_STATUS if r_status < edge)
			claimed = float(r_amount)
			approved = (
				claimed
				if status in ("Approved", "Paid", "Cancelled")
				else (round(claimed * 0.6, 2) if status == "Partially Approved" else 0.0)
			)
			paid = approved if status == "Paid" else 0.0
			created = start_day + dt.timedelta(minutes=i * 800 * 1440 // max(target, 1))
			submitted = None if status == "Draft" else created + dt.timedelta(hours=1)
			decided = created + dt.timedelta(days=3) if status not in ("Draft", "Submitted") else None
			user = admins.get(a[8], "Administrator")
			rows.append(
				(
					f"{CLM_PREFIX}{i:07d}",
					user,
					user,
					created,
					decided or created,
					docstatus,
					0,
					a[7],
					a[8],
					a[9],
					a[0],
					status,
					created.date(),
					a[12],
					claimed,
					approved,
					paid,
					submitted,
					decided,
					"Administrator" if decided else None,
					a[10] if a[9] != "MDF / Co-op" else None,
					a[11] if a[9] != "MDF / Co-op" else None,
				)
			)
		bl.bulk_insert("Incentive Claim", CLAIM_FIELDS, rows)
		frappe.db.commit()
		if b % 10 == 9:
			bl.log(f"  {min(target, (b + 1) * block):,} claims ({time.perf_counter() - t:.0f} s)")
	frappe.db.sql(f"analyze table `{CLAIM}`")
	return {"inserted": target - have, "seconds": time.perf_counter() - t}


# --- measurements --------------------------------------------------------------------------------


def rebate_claim(partner, period):
	return frappe.get_doc(
		{
			"doctype": "Incentive Claim",
			"program": REBATE_PROGRAM,
			"channel_partner": partner.name,
			"period_start": period[0],
			"period_end": period[1],
		}
	)


def run_rebate(partner, period) -> tuple[float, str, list]:
	"""One ``compute(claim)`` in a fresh request as the partner's admin: (ms, amount, references)."""
	from prm_extension.services import incentives as incentive_service

	claim = rebate_claim(partner, period)
	bl.new_request(partner.admin)
	t0 = time.perf_counter()
	amount, refs = incentive_service.compute(claim)
	ms = (time.perf_counter() - t0) * 1000
	frappe.db.rollback()
	return ms, str(amount), refs


def rebate_queries(partner, period) -> dict:
	"""The app's invoice-lines query (since 78ba83f: summed per product line and item by the database,
	``WITH ROLLUP`` for the distinct invoices per product line) and the one before it (one row per
	invoice and item, 65k rows here), each timed server-side (wrapped so that one row travels)."""
	co = company_facts()
	where = """from `tabSales Invoice` si join `tabSales Invoice Item` sii on sii.parent = si.name
		where si.docstatus = 1 and si.sales_partner = %(sp)s and si.company = %(company)s
			and si.posting_date between %(start)s and %(end)s"""
	before = f"""select si.name, sii.item_code, sii.item_group, sum(sii.stock_qty) as qty,
		sum(sii.base_net_amount) as amount {where} group by si.name, sii.item_code, sii.item_group"""
	app = f"""select sii.item_group, ifnull(sii.item_code, '') as item_code,
		count(distinct si.name) as invoices, sum(sii.stock_qty) as qty, sum(sii.base_net_amount) as amount
		{where} group by sii.item_group, ifnull(sii.item_code, '') with rollup"""
	values = {"sp": partner.sales_partner, "company": co.company, "start": period[0], "end": period[1]}
	return {
		"app (per product line and item, WITH ROLLUP)": (app, values),
		"before 78ba83f (per invoice and item)": (before, values),
	}


def time_server_side(sql: str, values: dict, reps: int = 3) -> dict:
	wrapped = f"select count(*) from ({sql}) t"
	times = []
	for _ in range(reps):
		t0 = time.perf_counter()
		frappe.db.sql(wrapped, values)
		times.append((time.perf_counter() - t0) * 1000)
	frappe.db.rollback()
	return {"median": statistics.median(times), "all": times}


def balance_calls(allocs: list[str], n: int, seed: int, tag: str) -> list[str]:
	rng = random.Random(f"{seed}:balance:{tag}")
	return [rng.choice(allocs) for _ in range(n)]


def run_balances(calls: list[str], user: str = "Administrator", warmup: int = 0) -> list[float]:
	from prm_extension.services import incentives as incentive_service

	out = []
	for i, alloc in enumerate(calls[:warmup] + calls):
		bl.new_request(user)
		t0 = time.perf_counter()
		incentive_service.balance(alloc)
		if i >= warmup:
			out.append((time.perf_counter() - t0) * 1000)
	frappe.db.rollback()
	return out


def balance_explain(alloc: str) -> dict:
	return bl.explain(
		f"""select
			coalesce(sum(case when docstatus = 0 and status = 'Submitted' then claimed_amount end), 0),
			coalesce(sum(case when docstatus = 1 then approved_amount end), 0),
			coalesce(sum(case when docstatus = 1 then paid_amount end), 0)
		from `{CLAIM}` where fund_allocation = %s and name != %s""",
		(alloc, ""),
	)


def main(argv=None):
	ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--site", default="prm-bench.localhost")
	ap.add_argument(
		"--rebate-invoices", type=int, default=10_000, help="the partner's invoices in the period"
	)
	ap.add_argument("--lines", type=int, default=10, help="lines per rebate invoice")
	ap.add_argument("--other-invoices", type=int, default=50_000, help="other invoices (2 lines each)")
	ap.add_argument("--claims", type=int, default=1_000_000)
	ap.add_argument("--small", type=int, default=10_000, help="claims in the small table (side by side)")
	ap.add_argument("--reps", type=int, default=10, help="rebate computations (per variant)")
	ap.add_argument("--balances", type=int, default=500, help="balance lookups at the full size")
	ap.add_argument("--ab-balances", type=int, default=1000, help="balance lookups per variant, side by side")
	ap.add_argument("--rounds", type=int, default=20)
	ap.add_argument("--try-index", action="store_true", help="also measure with the proposed indexes")
	ap.add_argument("--keep-index", action="store_true")
	ap.add_argument("--generate-only", action="store_true")
	ap.add_argument(
		"--truncate", action="store_true", help="delete the BENCH invoices, allocations and claims first"
	)
	ap.add_argument("--truncate-invoices", action="store_true", help="delete the BENCH invoices first")
	ap.add_argument("--seed", type=int, default=gen.SEED)
	ap.add_argument("--out", default=None)
	args = ap.parse_args(argv)

	started = time.perf_counter()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	result = bl.env_info(args)
	swap = bl.TableSwap("clm", [CLAIM])
	added: list[tuple[str, str]] = []  # indexes this run created (dropped at the end)
	try:
		swap.swap_in("large")
		for table, index, _cols in PROPOSED:
			if bl.index_exists(table, index):
				bl.set_ignored(table, index, False)
		bl.log("base data ...")
		gen.ensure_base(seed=args.seed)
		bl.ensure_items()
		world = gen.load_world(seed=args.seed)
		if args.truncate or args.truncate_invoices:
			truncate(invoices_only=not args.truncate)
		co = company_facts()
		today = dt.date.today()
		progs = ensure_programs(co, today)
		period = progs["rebate_period"]
		partner = rebate_partner(world)
		result["rebate_partner"] = partner.name
		result["rebate_period"] = period
		t = time.perf_counter()
		bl.log(
			f"invoices: {args.rebate_invoices:,} x {args.lines} lines for {partner.name} in {period[0]}..{period[1]},"
			f" {args.other_invoices:,} others ..."
		)
		gen_out = {
			"invoices": grow_invoices(
				world, co, partner, period, args.rebate_invoices, args.lines, args.other_invoices, args.seed
			)
		}
		bl.log(f"  {gen_out['invoices']}")
		allocs = ensure_allocations(world, co, progs["claim_programs"], progs["first_month"])
		bl.log(f"claims: growing to {args.claims:,} over {len(allocs):,} allocations ...")
		gen_out["claims"] = grow_claims(args.claims, allocs, args.seed)
		bl.log(f"  {gen_out['claims']}")
		result["generation"] = gen_out
		result["generation_s"] = time.perf_counter() - t
		result["tables"] = {t_: bl.table_mb(t_) for t_ in (SI, SII, CLAIM, ALLOC)}
		result["claims_by_status"] = dict(
			frappe.db.sql(f"select status, count(*) from `{CLAIM}` group by status")
		)
		per_alloc = sorted(
			frappe.db.sql_list(
				f"select count(*) from `{CLAIM}` where name like %s group by fund_allocation",
				CLM_PREFIX + "%",
			)
		)
		result["claims_per_allocation"] = {
			"allocations_with_claims": len(per_alloc),
			"allocations": len(allocs),
			"p50": bl.pct(per_alloc, 50),
			"p95": bl.pct(per_alloc, 95),
			"p99": bl.pct(per_alloc, 99),
			"max": per_alloc[-1] if per_alloc else 0,
		}
		result["rebate_lines"] = frappe.db.sql(
			f"""select count(*), count(distinct si.name) from `{SI}` si join `{SII}` sii on sii.parent = si.name
			where si.docstatus = 1 and si.sales_partner = %s and si.posting_date between %s and %s""",
			(partner.sales_partner, period[0], period[1]),
		)[0]
		bl.log(
			f"  rebate partner {partner.name}: {result['rebate_lines'][0]:,} lines in {result['rebate_lines'][1]:,} invoices"
		)
		if args.generate_only:
			return

		result["indexes_already_on_site"] = [i for t_, i, _c in PROPOSED if bl.index_exists(t_, i)]
		for table, index, cols in PROPOSED if args.try_index else ():
			if index in result["indexes_already_on_site"]:
				continue
			secs = bl.add_index(table, index, cols)
			added.append((table, index))
			result.setdefault("index_build_s", {})[index] = secs
			bl.log(f"  proposed index {index} on {table}: {secs:.1f} s")
		# without --try-index the indexes stay as the site has them
		rebate_idx = (
			[(t_, i_) for t_, i_, _c in REBATE_INDEXES if bl.index_exists(t_, i_)] if args.try_index else []
		)
		balance_idx = (
			[(t_, i_) for t_, i_, _c in BALANCE_INDEXES if bl.index_exists(t_, i_)] if args.try_index else []
		)

		# (a) rebate
		if args.try_index:
			variants = {
				"without the indexes": bl.ignored(rebate_idx, True),
				"with the indexes": bl.ignored(rebate_idx, False),
			}
		else:
			variants = {"as the site is": contextlib.nullcontext}
		queries = rebate_queries(partner, period)
		result["rebate_explain"], result["rebate_queries_ms"] = {}, {}
		for name, ctx in variants.items():
			with ctx():
				result["rebate_explain"][name] = bl.explain(*next(iter(queries.values())), repeat=1)
				result["rebate_queries_ms"][name] = {q: time_server_side(*sv) for q, sv in queries.items()}
		bl.log(f"rebate: {args.reps} computations per variant {list(variants)}, 1 warm-up ...")
		with next(iter(variants.values()))():
			run_rebate(partner, period)  # warm-up
		recs = {name: {"ms": [], "amounts": set()} for name in variants}
		for k in range(args.reps):
			for name in list(variants) if k % 2 == 0 else list(variants)[::-1]:
				with variants[name]():
					ms, amount, refs = run_rebate(partner, period)
				recs[name]["ms"].append(ms)
				recs[name]["amounts"].add(amount)
				recs[name]["refs"] = refs
		result["rebate"] = {
			name: {
				"compute_ms": {
					"median": statistics.median(r["ms"]),
					"min": min(r["ms"]),
					"max": max(r["ms"]),
					"all": r["ms"],
				},
				"amount": sorted(r["amounts"]),
				"refs": r["refs"],
			}
			for name, r in recs.items()
		}
		for name, r in result["rebate"].items():
			bl.log(
				f"  [{name}] compute median {r['compute_ms']['median']:.0f} ms, max {r['compute_ms']['max']:.0f} ms"
			)
		reference = next(iter(result["rebate"].values()))
		result["rebate_same_result"] = all(
			r["amount"] == reference["amount"] and r["refs"] == reference["refs"]
			for r in result["rebate"].values()
		)
		# the SQL inside one computation
		from prm_extension.services import incentives as incentive_service

		for name, ctx in variants.items():
			with ctx():
				bl.new_request(partner.admin)
				with bl.sql_trace() as st:
					t0 = time.perf_counter()
					incentive_service.compute(rebate_claim(partner, period))
					total = (time.perf_counter() - t0) * 1000
				trace = bl.trace_summary(st, 1, top=6)
				trace["compute_ms"] = total
				result.setdefault("rebate_sql", {})[name] = trace
				frappe.db.rollback()

		# (b) balances at 1M
		with_claims = sorted(
			frappe.db.sql_list(
				f"select distinct fund_allocation from `{CLAIM}` where name like %s", (CLM_PREFIX + "%",)
			)
		)
		calls = balance_calls(with_claims, args.balances, args.seed, "full")
		if args.try_index:
			bvariants = {
				"without the index": bl.ignored(balance_idx, True),
				"with the index": bl.ignored(balance_idx, False),
			}
		else:
			bvariants = {"as the site is": contextlib.nullcontext}
		bl.log(f"balance: {args.balances} lookups at {args.claims:,} claims, variants {list(bvariants)} ...")
		with next(iter(bvariants.values()))():
			run_balances(calls[:50])  # warm-up
		size = max(1, len(calls) // args.rounds)
		full = bl.interleave(
			[calls[k : k + size] for k in range(0, len(calls), size)],
			bvariants,
			lambda blk: run_balances(blk, warmup=2),
		)
		result["balance_full"] = {name: bl.summary(v) for name, v in full.items()}
		busiest = frappe.db.sql(
			f"select fund_allocation from `{CLAIM}` group by fund_allocation order by count(*) desc limit 1"
		)[0][0]
		result["balance_explain"] = {}
		for name, ctx in bvariants.items():
			with ctx():
				result["balance_explain"][name] = {
					"typical": balance_explain(calls[0]),
					"busiest": balance_explain(busiest),
				}
		b = next(iter(result["balance_full"].values()))
		bl.log(f"  p50 {b['p50']:.2f}  p95 {b['p95']:.2f}  p99 {b['p99']:.2f} ms")

		# (b') side by side: random allocations until they hold ~10k claims, alone in the table, and
		# among all 1M claims
		alloc_names = [a[0] for a in allocs]
		order = list(range(len(allocs)))
		random.Random(f"{args.seed}:small-set").shuffle(order)
		counts = dict(
			frappe.db.sql(
				f"select fund_allocation, count(*) from `{CLAIM}` where name like %s group by fund_allocation",
				CLM_PREFIX + "%",
			)
		)
		chosen, total = [], 0
		for k in order:
			name = alloc_names[k]
			if counts.get(name):
				chosen.append(name)
				total += counts[name]
			if total >= args.small:
				break
		result["small_table"] = {"allocations": len(chosen), "claims": total}
		swap.snapshot(
			[
				f"select * from `{CLAIM}` where fund_allocation in ({', '.join(frappe.db.escape(c) for c in chosen)})"
			]
		)
		ab_calls = balance_calls(chosen, args.ab_balances, args.seed, "ab")
		size = max(1, len(ab_calls) // args.rounds)
		blocks = [ab_calls[k : k + size] for k in range(0, len(ab_calls), size)]

		def bvariant(which: str, with_index: bool):
			@contextlib.contextmanager
			def ctx():
				swap.swap_in(which)
				for table, index in balance_idx:
					bl.set_ignored(table, index, not with_index)
				yield

			return ctx

		small_key, large_key = f"{total}", f"{args.claims}"
		ab_variants = {small_key: bvariant("small", False), large_key: bvariant("large", False)}
		if args.try_index:
			ab_variants[f"{small_key} + index"] = bvariant("small", True)
			ab_variants[f"{large_key} + index"] = bvariant("large", True)
		bl.log(f"balance side by side: {len(chosen)} allocations, {list(ab_variants)} ...")
		recs_ab = bl.interleave(blocks, ab_variants, lambda blk: run_balances(blk, warmup=3))
		result["balance_side_by_side"] = {k: bl.summary(v) for k, v in recs_ab.items()}
		sbs = result["balance_side_by_side"]
		result["balance_p95_ratio"] = sbs[large_key]["p95"] / sbs[small_key]["p95"]
		if args.try_index:
			result["balance_p95_ratio_with_index"] = (
				sbs[f"{large_key} + index"]["p95"] / sbs[f"{small_key} + index"]["p95"]
			)
		result["loadavg_end"] = os.getloadavg()
	finally:
		with contextlib.suppress(Exception):
			swap.drop()
		for table, index, _cols in PROPOSED:
			with contextlib.suppress(Exception):
				if bl.index_exists(table, index):
					bl.set_ignored(table, index, False)
					if (table, index) in added and not args.keep_index:
						bl.drop_index(table, index)
		frappe.destroy()
	result["total_seconds"] = time.perf_counter() - started
	report(result, args)
	print(f"Results: {bl.write_result(result, 'incentives', args.out)}")


def report(result: dict, args) -> None:
	if "rebate" not in result:
		print(f"generated: {result.get('generation')}, {result.get('generation_s', 0):.0f} s")
		return
	lines, invoices = result["rebate_lines"]
	print(
		f"\n(a) Rebate computation: {lines:,} submitted invoice lines in {invoices:,} invoices of"
		f" {result['rebate_partner']} in {result['rebate_period'][0]}..{result['rebate_period'][1]} (target <= 2 s)"
	)
	for name, r in result["rebate"].items():
		c = r["compute_ms"]
		trace = result["rebate_sql"][name]
		print(
			f"  [{name}] compute(): median {c['median']:.0f} ms, min {c['min']:.0f}, max {c['max']:.0f} ms"
			f" ({len(c['all'])} runs); amount {r['amount']}; SQL {trace['sql_ms_per_call']:.0f} of {trace['compute_ms']:.0f} ms"
		)
		if name in result["rebate_explain"]:
			print(f"    EXPLAIN: {bl.plan_text(result['rebate_explain'][name])}")
			for q, t in result["rebate_queries_ms"][name].items():
				print(f"    server-side, {q}: {t['median']:.0f} ms")
	print(f"  same amount and references in every variant: {result['rebate_same_result']}")
	print(
		f"\n(b) Balance at {args.claims:,} claims, {args.balances} lookups, ms (target p95 <= 20 ms)      p50     p95     p99    mean"
	)
	for name, b in result["balance_full"].items():
		print(f"  [{name:<14}]{' ' * 48}{bl.fmt(b)}")
	print(f"  claims per allocation: {result['claims_per_allocation']}")
	for name, e in result["balance_explain"].items():
		print(
			f"  [{name}] EXPLAIN: {bl.plan_text(e['typical'])} {e['typical']['ms']:.2f} ms;"
			f" busiest allocation: {bl.plan_text(e['busiest'])} {e['busiest']['ms']:.2f} ms"
		)
	print(
		f"  side by side: the {result['small_table']['allocations']} allocations of the small table, same calls, interleaved:"
	)
	for name, s in result["balance_side_by_side"].items():
		print(f"    {name:>20} claims  {bl.fmt(s)}")
	print(f"    p95 ratio 1M / 10k: {result['balance_p95_ratio']:.2f}", end="")
	if "balance_p95_ratio_with_index" in result:
		print(f"; with the proposed index {result['balance_p95_ratio_with_index']:.2f}")
	else:
		print()
	print(f"\nTotal {result['total_seconds']:.0f} s (generation {result.get('generation_s', 0):.0f} s)")


if __name__ == "__main__":
	sys.exit(main())
