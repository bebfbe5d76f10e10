"""Reservation benchmarks: availability-check latency at 10k and 1M reservations (same 100k
customers), and the cost of creating a reservation through every rule against inserting a
plain ERPNext Lead, in the same run.

Run from the bench's ``sites`` directory as user ``frappe`` (see benchmarks/README.md)::

    ../env/bin/python /work/main/benchmarks/bench_reservations.py --site prm-bench.localhost

Every measured call runs in-process (no HTTP) and is timed with ``time.perf_counter`` around the
call only. Before each call the request-scoped state is reset as a new web request would find it
(``frappe.set_user`` -> ``frappe.local.cache``, role and user-permission caches; the request
cache, the DB value cache, the partner-of-user cache) and the previous transaction is ended, so
no call profits from its predecessor's per-request caches; the Redis cache stays warm, as on a
running site.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import random
import re
import statistics
import sys
import time
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import frappe  # noqa: E402
import generate as gen  # noqa: E402

RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
LEAD_COMPANY_PREFIX = "Benchlead"


# --- helpers -------------------------------------------------------------------------------------


def new_request(user: str) -> None:
	"""Request-scoped state as a fresh web request has it (not timed)."""
	frappe.db.rollback()
	frappe.set_user(user)  # resets frappe.local.cache, role_permissions, user_perms, form_dict
	frappe.local.request_cache = defaultdict(dict)
	frappe.local.prm_partner_of = {}
	frappe.local.prm_tree_nodes = {}  # the app memoises tree nodes per request
	frappe.local.message_log = []
	frappe.db.value_cache = {}
	frappe.flags.prm_refusal_code = None


def pct(values: list[float], p: float) -> float:
	"""Percentile, linear interpolation between closest ranks (numpy's default)."""
	s = sorted(values)
	if not s:
		return float("nan")
	k = (len(s) - 1) * p / 100
	lo = int(k)
	hi = min(lo + 1, len(s) - 1)
	return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary(values: list[float]) -> dict:
	return {
		"n": len(values),
		"mean": statistics.fmean(values),
		"p50": pct(values, 50),
		"p95": pct(values, 95),
		"p99": pct(values, 99),
		"min": min(values),
		"max": max(values),
	}


def log(msg: str) -> None:
	gen.log(msg)


# --- workloads ----------------------------------------------------------------------------------


def availability_workload(world, n: int, seed: int) -> list[tuple[str, dict, str]]:
	"""``n`` (user, kwargs, category) triples, the same at every stage.

	45 % customers of open-pool families (no live reservation ever); 22.5 % the customers holding
	the first 1,000 live reservations (live from the 10k stage on, so reserved in both
	measurements) and 22.5 % any member of their families (parents are covered, siblings are
	not); 5 % house-account families; 5 % unknown companies. Searches rotate over
	name, web address and tax id; callers rotate over 8 partner admins (2 per tier)."""
	rng = random.Random(f"{seed}:availability")
	open_members = [m for root in world.open_roots[:1000] for m in world.families[root]]
	reserved_accounts = world.eligible[:1000]  # hold the first 1,000 live reservations
	reserved_roots = sorted({c.root for c in reserved_accounts})
	reserved_members = [m for root in reserved_roots for m in world.families[root]]
	house_members = [m for root in sorted(world.house_roots) for m in world.families[root]]
	users = []  # (user, tier)
	for tier in ("Registered", "Silver", "Gold", "Platinum"):
		users += [(p.admin, tier) for p in world.active_partners if p.tier == tier][:2]
	out = []
	for k in range(n):
		r = rng.random()
		if r < 0.45:
			cat, cust = "open_pool", rng.choice(open_members)
		elif r < 0.675:
			cat, cust = "reserved_account", rng.choice(reserved_accounts)
		elif r < 0.90:
			cat, cust = "reserved_family", rng.choice(reserved_members)
		elif r < 0.95:
			cat, cust = "house_family", rng.choice(house_members)
		else:
			cat, cust = "unknown", None
		mode = k % 3
		if cust is None:
			kwargs = {"query": f"Nonexistent {rng.choice(gen.LINES)} {rng.randrange(10**6):06d} Ltd"}
		elif mode == 0:
			kwargs = {"query": cust.customer_name}
		elif mode == 1:
			kwargs = {"query": cust.website}
		else:
			kwargs = {"tax_id": cust.tax_id}
		user, tier = users[k % len(users)]
		out.append((user, kwargs, f"{cat}|{tier}"))
	return out


def warm(workload) -> None:
	"""One untimed call per partner user of the workload: the app keeps each partner's context
	(status, tier, territories, live count) in Redis until the partner or one of its reservations
	changes, so a partner's checks after its first one read it from there. (Each stage's first pass
	and every table swap start with the caches cleared.)"""
	from prm_extension.api.accounts import check_availability

	first = {}
	for user, kwargs, _label in workload:
		first.setdefault(user, kwargs)
	for user, kwargs in first.items():
		new_request(user)
		with contextlib.suppress(Exception):
			check_availability(**kwargs)
	frappe.db.rollback()


def forget_app_caches() -> None:
	"""The reservations table changed under the app (bulk generation, a table swap): drop what it
	caches about partners, as its document hooks do for a change."""
	from prm_extension.services.partners import clear_partner_cache

	clear_partner_cache()


def run_availability(workload, warmup: int) -> list[tuple]:
	"""Time ``check_availability`` over the workload (after ``warmup`` untimed calls taken from its
	start, and one per partner user: see ``warm``). Returns one (ms, caller tier, category, answer
	status) record per call."""
	from prm_extension.api.accounts import check_availability

	warm(workload)
	records = []
	for i, (user, kwargs, label) in enumerate(workload[:warmup] + workload):
		new_request(user)
		t0 = time.perf_counter()
		try:
			answer = check_availability(**kwargs)
			status = answer["status"]
		except Exception as e:  # noqa: BLE001 - counted and reported
			status = f"error:{type(e).__name__}"
		elapsed = (time.perf_counter() - t0) * 1000
		if i >= warmup:
			category, tier = label.split("|")
			records.append((elapsed, tier, category, status))
	frappe.db.rollback()
	return records


def summarise(records: list[tuple]) -> dict:
	by_tier, by_category = defaultdict(list), defaultdict(list)
	for ms, tier, category, _status in records:
		by_tier[tier].append(ms)
		by_category[category].append(ms)
	return {
		"ms": summary([r[0] for r in records]),
		"by_caller_tier_ms": {k: summary(v) for k, v in by_tier.items()},
		"by_category_ms": {k: summary(v) for k, v in by_category.items()},
		"statuses": dict(Counter(r[3] for r in records)),
	}


# --- 10k and 1M side by side: atomic table swap ---------------------------------------------------

AR = "tabAccount Reservation"
SNAPSHOT = "_bench_ar_snapshot"  # copy of the first stage's table
PARKED = "_bench_ar_parked"  # the big table while the snapshot is swapped in


def _bench_tables() -> set[str]:
	return {t for t in frappe.db.sql_list("show tables") if t in (SNAPSHOT, PARKED)}


def take_snapshot() -> None:
	frappe.db.commit()
	frappe.db.sql(f"drop table if exists `{SNAPSHOT}`")
	frappe.db.sql(f"create table `{SNAPSHOT}` like `{AR}`")
	frappe.db.sql(f"insert into `{SNAPSHOT}` select * from `{AR}`")
	frappe.db.commit()
	frappe.db.sql(f"analyze table `{SNAPSHOT}`")


def swap_in(which: str) -> None:
	"""``small``: the snapshot becomes `tabAccount Reservation`; ``large``: back to normal.
	One atomic RENAME TABLE, between requests (DDL commits)."""
	frappe.db.rollback()
	tables = _bench_tables()
	if which == "small" and PARKED not in tables:
		frappe.db.sql(f"rename table `{AR}` to `{PARKED}`, `{SNAPSHOT}` to `{AR}`")
	elif which == "large" and PARKED in tables:
		frappe.db.sql(f"rename table `{AR}` to `{SNAPSHOT}`, `{PARKED}` to `{AR}`")
	forget_app_caches()


def drop_snapshot() -> None:
	swap_in("large")
	frappe.db.sql(f"drop table if exists `{SNAPSHOT}`")


def interleaved_availability(workload, rounds: int, warmup: int, variants: dict) -> dict:
	"""Run the workload under each variant (a context manager factory), in ``rounds`` blocks whose
	order alternates, so load on a shared machine hits every variant alike."""
	size = max(1, len(workload) // rounds)
	blocks = [workload[k : k + size] for k in range(0, len(workload), size)]
	records = {name: [] for name in variants}
	names = list(variants)
	for r, block in enumerate(blocks):
		for name in names if r % 2 == 0 else names[::-1]:
			with variants[name]():
				records[name] += run_availability(block, warmup)
	out = {name: summarise(recs) for name, recs in records.items()}
	return out


def creation_pool(world, n: int, seed: int) -> list[str]:
	"""One customer per open-pool family (the families are never reserved by the generator)."""
	rng = random.Random(f"{seed}:create")
	roots = world.open_roots[1000:]
	if n > len(roots):
		raise ValueError(f"at most {len(roots)} creations per stage")
	return [rng.choice(world.families[root]).name for root in roots[:n]]


def reserving_users(world) -> list[str]:
	"""Admins of active Platinum partners (no tier limit) authorised everywhere (no territory or
	product-line restriction): every open-pool customer can be reserved by them."""
	users = [
		p.admin for p in world.active_partners if p.tier == "Platinum" and not p.territories and not p.lines
	]
	if not users:
		raise RuntimeError("no unrestricted Platinum partner")
	return users


def cleanup_created() -> dict:
	"""Remove what the creation benchmark made (reservations not named BENCH-, bench Leads and the
	Contacts ERPNext auto-creates for them) so every stage starts from the generated data only."""
	frappe.db.rollback()
	counts = {}
	names = frappe.db.sql_list(
		"select name from `tabAccount Reservation` where name not like %s", (gen.PREFIX + "%",)
	)
	counts["reservations"] = len(names)
	if names:
		frappe.db.sql("delete from `tabAccount Reservation` where name in %(n)s", {"n": names})
		for dt in ("Version", "Comment"):
			frappe.db.sql(
				f"delete from `tab{dt}` where ref_doctype = 'Account Reservation' and docname in %(n)s"
				if dt == "Version"
				else f"delete from `tab{dt}` where reference_doctype = 'Account Reservation' and reference_name in %(n)s",
				{"n": names},
			)
	leads = frappe.db.sql_list(
		"select name from `tabLead` where company_name like %s", (LEAD_COMPANY_PREFIX + " %",)
	)
	counts["leads"] = len(leads)
	if leads:
		contacts = frappe.db.sql_list(
			"""select parent from `tabDynamic Link` where parenttype = 'Contact'
			and link_doctype = 'Lead' and link_name in %(l)s""",
			{"l": leads},
		)
		if contacts:
			for table in ("Contact Email", "Contact Phone", "Dynamic Link"):
				frappe.db.sql(
					f"delete from `tab{table}` where parenttype = 'Contact' and parent in %(c)s",
					{"c": contacts},
				)
			frappe.db.sql("delete from `tabContact` where name in %(c)s", {"c": contacts})
		counts["contacts"] = len(contacts)
		frappe.db.sql("delete from `tabLead` where name in %(l)s", {"l": leads})
		for dt, field, ref in (
			("Version", "ref_doctype", "docname"),
			("Comment", "reference_doctype", "reference_name"),
		):
			frappe.db.sql(f"delete from `tab{dt}` where {field} = 'Lead' and {ref} in %(l)s", {"l": leads})
	frappe.db.commit()
	return counts


@contextlib.contextmanager
def no_gravatar():
	"""ERPNext's Lead.validate and Contact.validate ask gravatar.com (HTTP, 5 s timeout) about every
	new e-mail address. That is network time, not server work, and in an offline sandbox it fails
	in ~1 ms but now and then hangs for the full 5 s. Made a no-op while Leads are timed, which
	makes the Lead baseline faster, i.e. the reservation/Lead ratio stricter."""
	import erpnext.crm.doctype.lead.lead as lead_module
	import frappe.contacts.doctype.contact.contact as contact_module

	saved = lead_module.has_gravatar, contact_module.has_gravatar
	lead_module.has_gravatar = contact_module.has_gravatar = lambda email: ""
	try:
		yield
	finally:
		lead_module.has_gravatar, contact_module.has_gravatar = saved


def run_creation(world, n: int, warmup: int, seed: int, stage: int) -> dict:
	"""Interleaved, one of each per round: Account Reservation ``insert()`` and ``reserve()`` (API
	path) as a Platinum partner admin (every rule, row locks, auto-approval), ERPNext Lead insert as a
	desk Sales User with the default CRM Settings (a Contact is created with the Lead) and with
	automatic Contact creation off (toggled outside the timed section). Each is committed after the
	insert, as a web request would be; the order reverses every round so drift hits all alike."""
	from prm_extension.api.accounts import reserve

	customers = creation_pool(world, 2 * (n + warmup), seed)
	users = reserving_users(world)
	# a partner reserves after checking the account (the portal's flow): its context is cached, as
	# it stays until the partner itself changes (a reservation only drops its live count)
	warm([(user, {"query": customers[k]}, "") for k, user in enumerate(users)])
	res_insert, res_total, lead_insert, lead_total, api_insert, api_total = [], [], [], [], [], []
	bare_insert, bare_total = [], []  # Lead with CRM Settings' automatic Contact creation off
	auto_contact = frappe.db.get_single_value("CRM Settings", "auto_creation_of_contact")
	codes, api_codes = Counter(), Counter()

	def reservation(i: int, customer: str, record: bool):
		new_request(users[i % len(users)])
		t0 = time.perf_counter()
		doc = frappe.get_doc({"doctype": "Account Reservation", "customer": customer}).insert()
		t1 = time.perf_counter()
		frappe.db.commit()
		t2 = time.perf_counter()
		if record:
			res_insert.append((t1 - t0) * 1000)
			res_total.append((t2 - t0) * 1000)
			codes[f"{doc.status}/{doc.decision_code}"] += 1

	def reservation_api(i: int, customer: str, record: bool):
		new_request(users[(i + 1) % len(users)])
		t0 = time.perf_counter()
		answer = reserve(customer)
		t1 = time.perf_counter()
		frappe.db.commit()
		t2 = time.perf_counter()
		if record:
			api_insert.append((t1 - t0) * 1000)
			api_total.append((t2 - t0) * 1000)
			api_codes["ok" if answer.get("ok") else "refused"] += 1

	def set_auto_contact(value) -> None:
		frappe.db.rollback()
		frappe.set_user("Administrator")
		frappe.db.set_single_value("CRM Settings", "auto_creation_of_contact", value)
		frappe.db.commit()

	def lead(i: int, record: bool, contact: bool = True):
		if not contact:
			set_auto_contact(0)
		new_request(gen.BENCH_SALES_USER)
		tag = f"{stage}-{i}" + ("" if contact else "-bare")
		t0 = time.perf_counter()
		frappe.get_doc(
			{
				"doctype": "Lead",
				"first_name": "Bench",
				"last_name": f"Person {tag}",
				"company_name": f"{LEAD_COMPANY_PREFIX} {tag} GmbH",
				"email_id": f"person{tag}@benchlead-{tag}.example",
				"website": f"https://www.benchlead-{tag}.example",
			}
		).insert()
		t1 = time.perf_counter()
		frappe.db.commit()
		t2 = time.perf_counter()
		if not contact:
			set_auto_contact(auto_contact)
		if record:
			(lead_insert if contact else bare_insert).append((t1 - t0) * 1000)
			(lead_total if contact else bare_total).append((t2 - t0) * 1000)

	try:
		with no_gravatar():
			for i in range(n + warmup):
				record = i >= warmup
				steps = [
					(reservation, (i, customers[2 * i], record)),
					(lead, (i, record)),
					(reservation_api, (i, customers[2 * i + 1], record)),
					(lead, (i, record, False)),
				]
				if i % 2:
					steps.reverse()
				for step, step_args in steps:
					step(*step_args)
	finally:
		set_auto_contact(auto_contact)

	def ratio(a, b):
		return {
			"median": statistics.median(a) / statistics.median(b),
			"mean": statistics.fmean(a) / statistics.fmean(b),
		}

	return {
		"reservation_insert_ms": summary(res_insert),
		"reservation_insert_commit_ms": summary(res_total),
		"reserve_api_ms": summary(api_insert),
		"reserve_api_commit_ms": summary(api_total),
		"lead_insert_ms": summary(lead_insert),
		"lead_insert_commit_ms": summary(lead_total),
		"lead_no_contact_insert_ms": summary(bare_insert),
		"lead_no_contact_insert_commit_ms": summary(bare_total),
		"ratio_insert": ratio(res_insert, lead_insert),
		"ratio_insert_vs_lead_no_contact": ratio(res_insert, bare_insert),
		"ratio_insert_commit": ratio(res_total, lead_total),
		"ratio_reserve_api_insert": ratio(api_insert, lead_insert),
		"reservation_outcomes": dict(codes),
		"reserve_api_outcomes": dict(api_codes),
		"lead_auto_creates_contact": bool(auto_contact),
	}


# --- diagnostics --------------------------------------------------------------------------------


def _normalise(sql: str) -> str:
	sql = re.sub(r"\s+", " ", sql).strip()
	sql = re.sub(r"'(?:[^'\\]|\\.)*'", "?", sql)
	sql = re.sub(r"\b\d+\b", "N", sql)
	sql = re.sub(r"\(\?(?:, ?\?)*\)", "(?...)", sql)
	return sql[:220]


def query_profile(workload, calls: int = 60) -> dict:
	"""SQL statements per availability call, and where their time goes (a separate, untimed pass)."""
	from prm_extension.api.accounts import check_availability

	db_class = type(frappe.local.db)
	original = db_class.sql
	stats: dict[str, list] = defaultdict(lambda: [0, 0.0])
	total_calls = 0

	def traced(self, query, *args, **kwargs):
		t0 = time.perf_counter()
		try:
			return original(self, query, *args, **kwargs)
		finally:
			key = _normalise(str(query))
			stats[key][0] += 1
			stats[key][1] += (time.perf_counter() - t0) * 1000

	warm(workload[:calls])
	per_call = []
	db_class.sql = traced
	try:
		for user, kwargs, _cat in workload[:calls]:
			new_request(user)
			before = sum(v[0] for v in stats.values())
			check_availability(**kwargs)
			per_call.append(sum(v[0] for v in stats.values()) - before)
			total_calls += 1
	finally:
		db_class.sql = original
		frappe.db.rollback()
	rows = sorted(
		(
			{"sql": k, "count_per_call": v[0] / total_calls, "ms_per_call": v[1] / total_calls}
			for k, v in stats.items()
		),
		key=lambda r: -r["ms_per_call"],
	)
	return {
		"queries_per_call": sum(r["count_per_call"] for r in rows),
		"max_queries_per_call": max(per_call, default=0),
		"sql_ms_per_call": sum(r["ms_per_call"] for r in rows),
		"top": rows[:15],
	}


def cprofile(workload, calls: int = 200, top: int = 25) -> str:
	from prm_extension.api.accounts import check_availability

	prof = cProfile.Profile()
	for user, kwargs, _cat in workload[:calls]:
		new_request(user)
		prof.enable()
		check_availability(**kwargs)
		prof.disable()
	frappe.db.rollback()
	out = io.StringIO()
	pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
	return out.getvalue()


def explains(world) -> dict:
	"""EXPLAIN of the reservation queries on the hot path, for a busy Platinum partner."""
	platinum = [p.name for p in world.active_partners if p.tier == "Platinum"]
	busiest = frappe.db.sql(
		"""select channel_partner, count(*) c from `tabAccount Reservation`
		where status in ('Requested', 'Active') group by channel_partner order by c desc limit 1"""
	)
	partner = busiest[0][0] if busiest else platinum[0]
	root = world.eligible[0].root
	queries = {
		"live_reservations(root)": (
			"""select name, channel_partner, customer, scope_territory as territory, product_line, expiry_date, status
			from `tabAccount Reservation` where root_customer = %(root)s and status in ('Requested', 'Active')""",
			{"root": root},
		),
		"live_count(partner)": (
			"""select count(*) from `tabAccount Reservation`
			where channel_partner = %(partner)s and status in ('Requested', 'Active') and name != ''""",
			{"partner": partner},
		),
		"family_of(root)": (
			"""select name, prm_parent_customer, prm_is_house_account from `tabCustomer`
			where prm_root_customer = %(root)s or name = %(root)s""",
			{"root": root},
		),
	}
	out = {"busiest_partner": partner, "busiest_partner_live": busiest[0][1] if busiest else 0}
	for label, (sql, values) in queries.items():
		plan = frappe.db.sql("explain " + sql, values, as_dict=True)
		t0 = time.perf_counter()
		for _ in range(50):
			frappe.db.sql(sql, values)
		out[label] = {
			"plan": [{k: r[k] for k in ("table", "type", "key", "rows", "Extra") if k in r} for r in plan],
			"ms": (time.perf_counter() - t0) * 1000 / 50,
		}
	frappe.db.rollback()
	return out


# --- main ---------------------------------------------------------------------------------------


def _git(*args) -> str:
	import subprocess

	app = os.path.dirname(os.path.dirname(os.path.abspath(gen.__file__)))
	try:
		return subprocess.run(
			["git", "-c", f"safe.directory={app}", "-C", app, *args],
			capture_output=True,
			text=True,
			timeout=10,
		).stdout.strip()
	except Exception:  # noqa: BLE001 - informative only
		return ""


def fmt(s: dict) -> str:
	return f"{s['p50']:7.2f} {s['p95']:7.2f} {s['p99']:7.2f} {s['mean']:7.2f}"


def main(argv=None):
	ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--site", default="prm-bench.localhost")
	ap.add_argument("--stages", default="10000,1000000", help="reservation counts to measure at")
	ap.add_argument("--calls", type=int, default=500, help="availability checks per stage and variant")
	ap.add_argument("--warmup", type=int, default=50)
	ap.add_argument(
		"--ab-calls",
		type=int,
		default=1000,
		help="availability checks per variant in the interleaved comparisons",
	)
	ap.add_argument("--rounds", type=int, default=20, help="blocks of the interleaved comparisons")
	ap.add_argument("--creates", type=int, default=300, help="reservations and Leads per stage")
	ap.add_argument("--create-warmup", type=int, default=20)
	ap.add_argument("--seed", type=int, default=gen.SEED)
	ap.add_argument(
		"--keep",
		action="store_true",
		help="do not truncate when the site holds more rows than the first stage",
	)
	ap.add_argument(
		"--try-fix",
		action="store_true",
		help="obsolete (the fix it timed is in the app)",
	)
	ap.add_argument("--profile", action="store_true", help="cProfile 200 availability checks per stage")
	ap.add_argument("--out", default=None, help="result JSON (default benchmarks/results/<timestamp>.json)")
	args = ap.parse_args(argv)
	stages = [int(s) for s in args.stages.split(",")]

	started = time.perf_counter()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	result = {
		"site": args.site,
		"started": time.strftime("%Y-%m-%d %H:%M:%S"),
		"host": {"cpus": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine()},
		"db": dict(
			zip(
				("version", "innodb_buffer_pool_mb", "flush_log_at_trx_commit"),
				frappe.db.sql(
					"select @@version, @@innodb_buffer_pool_size/1048576, @@innodb_flush_log_at_trx_commit"
				)[0],
				strict=True,
			)
		),
		"args": vars(args),
		"app_commit": _git("rev-parse", "HEAD"),
		"app_dirty_files": _git("status", "--porcelain", "--untracked-files=no").splitlines(),
		"stages": {},
	}
	try:
		swap_in("large")  # a previous run stopped mid-swap: put the big table back
		log("base data (masters, partners, customers) ...")
		result["base_timings_s"] = gen.ensure_base(seed=args.seed)
		world = gen.load_world(seed=args.seed)
		result["customers"] = len(world.customers)
		result["families"] = len(world.families)
		result["partners"] = len(world.partners)
		log(
			f"{len(world.customers):,} customers in {len(world.families):,} families, {len(world.partners)} partners"
		)
		cleanup_created()
		if gen.bench_count() > stages[0] and not args.keep:
			log(f"site holds {gen.bench_count():,} reservations > {stages[0]:,}: truncating")
			gen.truncate_reservations()
		workload = availability_workload(world, args.calls, args.seed)
		ab_workload = availability_workload(world, args.ab_calls, args.seed)
		generation_s = 0.0
		snapshot = None
		for stage in stages:
			stage_started = time.perf_counter()
			if gen.bench_count() < stage:
				log(f"growing to {stage:,} reservations ...")
				grown = gen.grow_reservations(stage, world, seed=args.seed)
				forget_app_caches()
				generation_s += grown["seconds"]
				log(f"  +{grown['inserted']:,} rows in {grown['seconds']:.0f} s")
			if snapshot is None and len(stages) > 1:
				take_snapshot()  # the first stage's table, for the side-by-side comparison
				snapshot = stage
			total = frappe.db.count("Account Reservation")
			out = {
				"reservations": total,
				"by_status": gen.reservation_stats(),
				"loadavg_before": os.getloadavg(),
			}
			log(f"[{stage:,}] availability: {args.calls} calls (+{args.warmup} warm-up) ...")
			out["availability"] = summarise(run_availability(workload, args.warmup))
			a = out["availability"]["ms"]
			log(
				f"  p50 {a['p50']:.2f}  p95 {a['p95']:.2f}  p99 {a['p99']:.2f} ms  {out['availability']['statuses']}"
			)
			log(
				f"[{stage:,}] creation: {args.creates} each of insert / reserve() / Lead / Lead without Contact ..."
			)
			out["creation"] = run_creation(world, args.creates, args.create_warmup, args.seed, stage)
			c = out["creation"]
			log(
				f"  reservation {c['reservation_insert_ms']['p50']:.2f} ms, Lead {c['lead_insert_ms']['p50']:.2f} ms (medians),"
				f" ratio {c['ratio_insert']['median']:.2f}; outcomes {c['reservation_outcomes']}"
			)
			out["cleanup"] = cleanup_created()
			out["queries"] = query_profile(workload)
			out["explain"] = explains(world)
			if args.profile:
				out["cprofile"] = cprofile(workload)
			out["loadavg_after"] = os.getloadavg()
			out["stage_seconds"] = time.perf_counter() - stage_started
			result["stages"][str(stage)] = out
		result["generation_s"] = generation_s

		fix = None
		if args.try_fix:
			raise SystemExit("--try-fix is obsolete: the bounded live count it timed is part of the app now")
		variants = {}
		if snapshot is not None:
			variants[str(snapshot)] = _variant("small")
			variants[str(stages[-1])] = _variant("large")
			if fix:
				variants[f"{snapshot} + fix"] = _variant("small", fix)
				variants[f"{stages[-1]} + fix"] = _variant("large", fix)
		elif fix:
			variants[str(stages[-1])] = _variant("large")
			variants[f"{stages[-1]} + fix"] = _variant("large", fix)
		if variants:
			log(
				f"interleaved availability: {', '.join(variants)}; {args.ab_calls} calls each in {args.rounds} rounds ..."
			)
			result["interleaved"] = interleaved_availability(ab_workload, args.rounds, 5, variants)
			result["interleaved"]["loadavg_after"] = os.getloadavg()
		if snapshot is not None:
			drop_snapshot()
	finally:
		with contextlib.suppress(Exception):
			swap_in("large")
		frappe.destroy()
	result["total_seconds"] = time.perf_counter() - started
	report(result)

	os.makedirs(RESULTS_DIR, exist_ok=True)
	path = args.out or os.path.join(RESULTS_DIR, time.strftime("bench-%Y%m%d-%H%M%S.json"))
	with open(path, "w") as f:
		json.dump(result, f, indent=1, default=str)
	print(f"Results: {path}")


def _variant(which: str, fix=None):
	"""A context manager factory: the ``small`` (first stage) or ``large`` table swapped in, with
	the proposed fix applied in-process or not."""

	@contextlib.contextmanager
	def variant():
		swap_in(which)
		with fix() if fix else contextlib.nullcontext():
			yield

	return variant


TIERS = ("Registered", "Silver", "Gold", "Platinum")


def _avail_rows(label_summaries: list[tuple[str, dict]]) -> None:
	print("  " + " " * 28 + "      p50     p95     p99    mean")
	for label, a in label_summaries:
		print(f"  {label:<32}{fmt(a['ms'])}")
	if len(label_summaries) < 2:
		return
	first, last = label_summaries[0][1], label_summaries[-1][1]
	print(
		f"  p95 ratio {label_summaries[-1][0]} / {label_summaries[0][0]}: {last['ms']['p95'] / first['ms']['p95']:.2f}"
	)
	for tier in TIERS:
		a, b = first["by_caller_tier_ms"].get(tier), last["by_caller_tier_ms"].get(tier)
		if a and b:
			print(
				f"    caller tier {tier:<10} p50 {a['p50']:6.2f} -> {b['p50']:6.2f}   p95 {a['p95']:6.2f} -> {b['p95']:6.2f}"
				f"   p95 ratio {b['p95'] / a['p95']:.2f}"
			)


def report(result: dict) -> None:
	keys = list(result["stages"])
	print(
		"\nAvailability check, ms (server-side, in-process). Targets: p95 <= 5 ms at 1M; p95 1M / 10k <= 1.2;"
		" <= 6 SQL statements a call"
	)
	inter = result.get("interleaved", {})
	first, last = keys[0], keys[-1]
	if first in inter and last in inter and first != last:
		print(
			" side by side (first and last stage's tables swapped in alternately, same calls, interleaved):"
		)
		_avail_rows([(f"{int(k):,} reservations", inter[k]) for k in (first, last)])
		result["availability_p95_ratio"] = inter[last]["ms"]["p95"] / inter[first]["ms"]["p95"]
		result["availability_p95_at_last_stage"] = inter[last]["ms"]["p95"]
	if f"{first} + fix" in inter and f"{last} + fix" in inter and first != last:
		print(" the same, with proposed_fix.py applied (interleaved with the above):")
		_avail_rows([(f"{int(k):,} reservations + fix", inter[f"{k} + fix"]) for k in (first, last)])
	if last in inter and f"{last} + fix" in inter:
		print(f" at {int(last):,}: current code vs proposed_fix.py (interleaved):")
		_avail_rows([("current", inter[last]), ("proposed fix", inter[f"{last} + fix"])])
	print(" sequential (each stage measured right after it was generated):")
	_avail_rows([(f"{int(k):,} reservations", result["stages"][k]["availability"]) for k in keys])
	print(" SQL per call (untimed pass over the workload's first calls, transaction statements included):")
	for k in keys:
		q = result["stages"][k]["queries"]
		print(
			f"  {int(k):,} reservations: {q['queries_per_call']:.2f} statements a call (at most"
			f" {q['max_queries_per_call']} queries, besides the transaction's START and rollback),"
			f" {q['sql_ms_per_call']:.2f} ms of SQL a call"
		)
	for k in keys:
		c = result["stages"][k]["creation"]
		print(
			f"\nCreate at {int(k):,} reservations, ms (target: <= 0.7 x Lead without Contact) p50     p95     p99    mean"
		)
		print(f"  Account Reservation insert                          {fmt(c['reservation_insert_ms'])}")
		print(
			f"  Account Reservation insert + commit                 {fmt(c['reservation_insert_commit_ms'])}"
		)
		print(f"  reserve() API (insert path)                         {fmt(c['reserve_api_ms'])}")
		print(f"  Lead insert (default: creates a Contact)            {fmt(c['lead_insert_ms'])}")
		print(f"  Lead insert + commit                                {fmt(c['lead_insert_commit_ms'])}")
		print(f"  Lead insert, automatic Contact creation off         {fmt(c['lead_no_contact_insert_ms'])}")
		print(
			f"  ratio reservation / Lead: insert median {c['ratio_insert']['median']:.2f}, mean {c['ratio_insert']['mean']:.2f};"
			f" with commit median {c['ratio_insert_commit']['median']:.2f}, mean {c['ratio_insert_commit']['mean']:.2f}"
		)
		r = c["ratio_insert_vs_lead_no_contact"]
		print(
			f"  ratio reservation / Lead without Contact: insert median {r['median']:.2f}, mean {r['mean']:.2f}"
		)
	print(f"\nTotal {result['total_seconds']:.0f} s (reservation generation {result['generation_s']:.0f} s)")


if __name__ == "__main__":
	sys.exit(main())
