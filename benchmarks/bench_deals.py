"""Deal registration benchmarks, on the reservation benchmark's site and world (100k customers in
families, 40 partners; ``generate.py``):

(a) submitting a registration with all checks (``insert()`` + workflow ``Submit``, as a partner
    user; and the ``register()`` API) against inserting a plain ERPNext Opportunity, interleaved,
    committed after each, with 1M registrations on the site. Target: <= 2x the Opportunity.
(b) the conflict lookup (``deal_service.other_registrations``, and all of ``run_checks``) at 10k and
    at 1M registrations, the same calls, the two table sets swapped in turn with one atomic
    ``RENAME TABLE`` of ``tabDeal Registration`` and ``tabDeal Registration Item``.
    Target: p95 1M / p95 10k <= 1.5.

Registrations ``BENCH-DR-0000001`` ... are bulk-inserted (with 1–3 item rows each), in blocks of 10k
with a seed per block, so the first 10k rows are what a 10k site would hold; the 10k table set is
copied from them. Opportunities ``BENCH-OPP-...`` are bulk-inserted too (the direct-opportunity
check reads them). ``--try-index`` adds the proposed indexes and interleaves "current" and "with
the indexes" (MariaDB ``ALTER INDEX ... IGNORED``); the indexes it added are dropped again at the
end. The status e-mails are background jobs (queued after each commit): the request times include
queueing them; the jobs are then run in-process, timed, and reported apart.

Run from the bench's ``sites`` directory as user ``frappe`` (see benchmarks/README.md)::

    ../env/bin/python /work/main/benchmarks/bench_deals.py --site prm-bench.localhost [--try-index]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib as bl  # noqa: E402
import frappe  # noqa: E402
import generate as gen  # noqa: E402

from prm_extension.demo.channel import LEAVES  # noqa: E402

DR = "tabDeal Registration"
DRI = "tabDeal Registration Item"
PREFIX = "BENCH-DR-"
ITEM_PREFIX = "BENCH-DRI-"
OPP_PREFIX = "BENCH-OPP-"
OPP_TITLE = "Benchopp"  # title of the Opportunities the creation benchmark inserts
BLOCK = 10_000
LIVE_EVERY = 20  # one registration in 20 is open or approved (Submitted / Returned / Approved)
OPEN_TAIL = (
	360  # open_roots[1640:]: customers for the creation benchmark (bench_reservations uses up to [1000:1640])
)
LOOKUP_LIVE = 500  # eligible[:500] hold the live registrations of the first 10k rows
STATUS_HISTORY = (("Won", 0.22), ("Lost", 0.42), ("Expired", 0.60), ("Rejected", 0.75), ("Draft", 1.0))
SUBMITTED_DOCSTATUS = {"Approved": 1, "Won": 1, "Lost": 1, "Expired": 1}
STAGES = ("Qualification", "Needs Analysis", "Proposal", "Negotiation")

# The indexes of the deal checks (in the app since 7031c3e; see the README): (table, index, columns)
PROPOSED = [
	(DR, "name_key_status_index", ["name_key", "status"]),
	(DR, "domain_key_status_index", ["domain_key", "status"]),
	("tabOpportunity", "party_name_opportunity_from_index", ["party_name", "opportunity_from"]),
]

DR_FIELDS = [
	"name",
	"owner",
	"modified_by",
	"creation",
	"modified",
	"docstatus",
	"idx",
	"channel_partner",
	"status",
	"title",
	"stage",
	"customer",
	"customer_name",
	"deal_territory",
	"contact_name",
	"contact_email",
	"company",
	"currency",
	"expected_close_date",
	"expected_value",
	"base_expected_value",
	"verdict",
	"submitted_on",
	"decided_on",
	"decided_by",
	"protection_until",
	"extensions_used",
	"won_amount",
	"won_on",
	"lost_reason",
	"name_key",
	"domain_key",
]
ITEM_FIELDS = [
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
	"item_group",
	"item_name",
	"qty",
	"rate",
	"amount",
]
OPP_FIELDS = [
	"name",
	"owner",
	"modified_by",
	"creation",
	"modified",
	"docstatus",
	"idx",
	"naming_series",
	"opportunity_from",
	"party_name",
	"customer_name",
	"title",
	"opportunity_type",
	"status",
	"company",
	"currency",
	"conversion_rate",
	"transaction_date",
	"territory",
	"prm_deal_registration",
	"opportunity_amount",
	"base_opportunity_amount",
]


def dr_name(i: int) -> str:
	return f"{PREFIX}{i:07d}"


# --- the world ----------------------------------------------------------------------------------


def partner_scopes(world) -> None:
	"""Each partner's allowed bench items; each territory's covering active partners."""
	terr = {r.name: (r.lft, r.rgt) for r in frappe.get_all("Territory", fields=["name", "lft", "rgt"])}
	for p in world.partners:
		p.bench_items = bl.items_within(p.lines)
	world.territory_nodes = terr
	world.covering = {}
	for t in terr:
		world.covering[t] = [p for p in world.active_partners if bl.territory_covered(p.territories, t, terr)]
	world.company = (
		frappe.defaults.get_global_default("company") or frappe.get_all("Company", pluck="name")[0]
	)
	world.currency = frappe.get_cached_value("Company", world.company, "default_currency")
	open_set = set(world.open_roots)
	world.open_members = [m for root in world.open_roots for m in world.families[root]]
	world.eligible_set = {c.name for c in world.eligible}
	assert not any(c.root in open_set for c in world.eligible)


# --- generation ---------------------------------------------------------------------------------


def _block(block: int, start: int, stop: int, world, seed: int, today: dt.date):
	"""Registration rows start..stop-1 of block ``block`` and their item rows."""
	rng = random.Random(f"{seed}:deals:{block}")
	customers, eligible, partners = world.customers, world.eligible, world.partners
	now = dt.datetime.combine(today, dt.time(9, 0))
	parents, items = [], []
	for i in range(block * BLOCK + 1, (block + 1) * BLOCK + 1):
		r_state = rng.random()
		r_cust = rng.randrange(len(customers))
		r_part = rng.randrange(1 << 30)
		r_days = rng.randrange(30, 1100)
		r_items = [rng.randrange(1 << 30) for _ in range(3)]
		r_n = rng.random()
		r_qty = rng.randrange(1, 50)
		if i < start or i >= stop:
			continue
		name = dr_name(i)
		if i % LIVE_EVERY == 0:
			cust = eligible[(i // LIVE_EVERY - 1) % len(eligible)]
			covering = world.covering.get(cust.territory) or world.active_partners
			partner = covering[r_part % len(covering)]
			status = "Submitted" if r_state < 0.55 else ("Approved" if r_state < 0.95 else "Returned")
			created = now - dt.timedelta(days=r_days % 30)
			submitted = created + dt.timedelta(hours=1)
			decided = submitted + dt.timedelta(days=1) if status != "Submitted" else None
			protection = today + dt.timedelta(days=1 + r_days % 120) if status == "Approved" else None
			won_on = lost = None
			won_amount = 0.0
			verdict = "clear"
		else:
			cust = customers[r_cust]
			partner = partners[r_part % len(partners)]
			status = next(s for s, edge in STATUS_HISTORY if r_state < edge)
			created = now - dt.timedelta(days=r_days)
			submitted = None if status == "Draft" else created + dt.timedelta(hours=2)
			decided = None if status == "Draft" else submitted + dt.timedelta(days=2)
			protection = (
				decided.date() + dt.timedelta(days=90) if status in ("Won", "Lost", "Expired") else None
			)
			won_on = (created + dt.timedelta(days=30)).date() if status == "Won" else None
			lost = "Went with a competitor" if status == "Lost" else None
			verdict = "refuse" if status == "Rejected" else "clear"
			won_amount = 0.0
		n = 1 if r_n < 0.5 else (2 if r_n < 0.85 else 3)
		allowed = partner.bench_items
		total = 0.0
		for k in range(n):
			code = allowed[r_items[k] % len(allowed)]
			rate = float(bl.ITEM_RATES[code])
			qty = float(r_qty + k)
			total += qty * rate
			items.append(
				(
					f"{ITEM_PREFIX}{i:07d}-{k + 1}",
					partner.admin or "Administrator",
					partner.admin or "Administrator",
					created,
					created,
					SUBMITTED_DOCSTATUS.get(status, 0),
					k + 1,
					name,
					"Deal Registration",
					"items",
					code,
					bl.BENCH_ITEMS[code],
					code,
					qty,
					rate,
					qty * rate,
				)
			)
		if status == "Won":
			won_amount = total
		parents.append(
			(
				name,
				partner.admin or "Administrator",
				partner.admin or "Administrator",
				created,
				decided or created,
				SUBMITTED_DOCSTATUS.get(status, 0),
				0,
				partner.name,
				status,
				cust.customer_name,
				STAGES[r_days % len(STAGES)],
				cust.name,
				cust.customer_name,
				cust.territory,
				"Casey Buyer",
				"casey@buyer.example.com",
				world.company,
				world.currency,
				(created + dt.timedelta(days=60)).date(),
				total,
				total,
				verdict,
				submitted,
				decided,
				"Administrator" if decided else None,
				protection,
				0,
				won_amount,
				won_on,
				lost,
				cust.prm_name_key,
				cust.prm_domain,
			)
		)
	return parents, items


def grow_registrations(target: int, world, seed: int) -> dict:
	have = bl.max_number("Deal Registration", PREFIX)
	if have >= target:
		return {"inserted": 0, "seconds": 0.0, "have": have}
	today = dt.date.today()
	t = time.perf_counter()
	inserted = 0
	for block in range(have // BLOCK, (target + BLOCK - 1) // BLOCK):
		parents, items = _block(block, have + 1, target + 1, world, seed, today)
		bl.bulk_insert("Deal Registration", DR_FIELDS, parents)
		bl.bulk_insert("Deal Registration Item", ITEM_FIELDS, items)
		frappe.db.commit()
		inserted += len(parents)
		if block % 10 == 9:
			bl.log(f"  {have + inserted:,} registrations ({time.perf_counter() - t:.0f} s)")
	frappe.db.sql(f"analyze table `{DR}`")
	frappe.db.sql(f"analyze table `{DRI}`")
	return {"inserted": inserted, "seconds": time.perf_counter() - t}


def grow_opportunities(target: int, world, seed: int, registrations: int) -> dict:
	"""Opportunities of eligible customers (never of the open pool): 15 % Open direct ones, the rest
	closed (Converted / Lost / Closed), 60 % of all linked to a registration."""
	have = bl.max_number("Opportunity", OPP_PREFIX)
	if have >= target:
		return {"inserted": 0, "seconds": 0.0, "have": have}
	t = time.perf_counter()
	today = dt.date.today()
	now = dt.datetime.combine(today, dt.time(9, 0))
	rows = []
	for j in range(have + 1, target + 1):
		rng = random.Random(f"{seed}:opp:{j}")
		cust = world.eligible[rng.randrange(len(world.eligible))]
		r = rng.random()
		status = "Open" if r < 0.15 else ("Converted" if r < 0.45 else ("Lost" if r < 0.80 else "Closed"))
		linked = status != "Open" and rng.random() < 0.7
		created = now - dt.timedelta(days=rng.randrange(1, 1100))
		amount = float(rng.randrange(1, 500) * 100)
		rows.append(
			(
				f"{OPP_PREFIX}{j:07d}",
				"Administrator",
				"Administrator",
				created,
				created,
				0,
				0,
				"CRM-OPP-.YYYY.-",
				"Customer",
				cust.name,
				cust.customer_name,
				cust.customer_name,
				"Sales",
				status,
				world.company,
				world.currency,
				1.0,
				created.date(),
				cust.territory,
				dr_name(rng.randrange(1, registrations + 1)) if linked else None,
				amount,
				amount,
			)
		)
		if len(rows) >= 20_000:
			bl.bulk_insert("Opportunity", OPP_FIELDS, rows)
			frappe.db.commit()
			rows = []
	bl.bulk_insert("Opportunity", OPP_FIELDS, rows)
	frappe.db.commit()
	frappe.db.sql("analyze table `tabOpportunity`")
	return {"inserted": target - have, "seconds": time.perf_counter() - t}


def truncate_registrations() -> None:
	frappe.db.commit()
	frappe.db.sql(f"delete from `{DRI}` where parent like %s", (PREFIX + "%",))
	frappe.db.sql(f"delete from `{DR}` where name like %s", (PREFIX + "%",))
	frappe.db.commit()


def cleanup_created() -> dict:
	"""Remove what the creation benchmark made (registrations not named BENCH-DR-, the bench
	Opportunities) with their child rows, versions, comments and workflow actions."""
	frappe.db.rollback()
	counts = {}
	regs = frappe.db.sql_list(f"select name from `{DR}` where name not like %s", (PREFIX + "%",))
	counts["registrations"] = len(regs)
	for k in range(0, len(regs), 1000):
		names = regs[k : k + 1000]
		for table in ("Deal Registration Item", "Deal Registration Check", "Deal Registration Document"):
			frappe.db.sql(f"delete from `tab{table}` where parent in %(n)s", {"n": names})
		frappe.db.sql(f"delete from `{DR}` where name in %(n)s", {"n": names})
		_delete_traces("Deal Registration", names)
	# Without an outgoing e-mail account the deal notifications fail and log an error (referencing the
	# Notification, not the registration): those of this run.
	if RUN_STARTED:
		frappe.db.sql(
			"""delete from `tabError Log` where method = 'Failed to send Notification'
			and reference_doctype = 'Notification' and reference_name like 'Deal %%' and creation >= %s""",
			RUN_STARTED,
		)
	opps = frappe.db.sql_list("select name from `tabOpportunity` where title like %s", (OPP_TITLE + " %",))
	counts["opportunities"] = len(opps)
	for k in range(0, len(opps), 1000):
		names = opps[k : k + 1000]
		frappe.db.sql("delete from `tabOpportunity Item` where parent in %(n)s", {"n": names})
		frappe.db.sql("delete from `tabOpportunity` where name in %(n)s", {"n": names})
		_delete_traces("Opportunity", names)
	frappe.db.commit()
	return counts


def _delete_traces(doctype: str, names: list[str]) -> None:
	"""Versions, comments, workflow actions, notification e-mails (Communication, Email Queue),
	system notifications and error logs of ``names``."""
	v = {"dt": doctype, "n": names}
	frappe.db.sql("delete from `tabVersion` where ref_doctype = %(dt)s and docname in %(n)s", v)
	frappe.db.sql("delete from `tabComment` where reference_doctype = %(dt)s and reference_name in %(n)s", v)
	frappe.db.sql(
		"delete from `tabError Log` where reference_doctype = %(dt)s and reference_name in %(n)s", v
	)
	frappe.db.sql(
		"delete from `tabNotification Log` where document_type = %(dt)s and document_name in %(n)s", v
	)
	for table, child in (("Communication", "Communication Link"), ("Email Queue", "Email Queue Recipient")):
		rows = frappe.db.sql_list(
			f"select name from `tab{table}` where reference_doctype = %(dt)s and reference_name in %(n)s", v
		)
		if rows:
			frappe.db.sql(f"delete from `tab{child}` where parent in %(r)s", {"r": rows})
			frappe.db.sql(f"delete from `tab{table}` where name in %(r)s", {"r": rows})
	actions = frappe.db.sql_list(
		"select name from `tabWorkflow Action` where reference_doctype = %(dt)s and reference_name in %(n)s",
		{"dt": doctype, "n": names},
	)
	if actions:
		frappe.db.sql("delete from `tabWorkflow Action Permitted Role` where parent in %(a)s", {"a": actions})
		frappe.db.sql("delete from `tabWorkflow Action` where name in %(a)s", {"a": actions})


BENCH_EMAIL_ACCOUNT = "PRM Bench Outgoing"
RUN_STARTED = None  # site time at the start of the run


def ensure_outgoing_email_account() -> bool:
	"""A default outgoing Email Account (never used to send here: no worker runs for this site), so
	that the app's deal notifications queue their e-mails as on a production site. Without one,
	``frappe.sendmail`` raises and every notification writes an Error Log with a full traceback.
	Returns True when this run created it (it is removed at the end)."""
	if frappe.db.get_value("Email Account", {"default_outgoing": 1, "enable_outgoing": 1}):
		return False
	frappe.set_user("Administrator")
	frappe.local.flags.in_test = True  # skip the SMTP connection check of Email Account.validate
	try:
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": BENCH_EMAIL_ACCOUNT,
				"email_id": "prm-bench-outgoing@prm-bench.example",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "localhost",
				"smtp_port": 25,
				"no_smtp_authentication": 1,
			}
		).insert(ignore_permissions=True)
	finally:
		frappe.local.flags.in_test = False
	frappe.db.commit()
	return True


def remove_outgoing_email_account() -> None:
	frappe.db.rollback()
	if frappe.db.exists("Email Account", BENCH_EMAIL_ACCOUNT):
		frappe.delete_doc("Email Account", BENCH_EMAIL_ACCOUNT, ignore_permissions=True, force=True)
		frappe.db.commit()


def stats() -> dict:
	return dict(frappe.db.sql(f"select status, count(*) from `{DR}` group by status"))


# --- (a) submitting a registration vs inserting an Opportunity ----------------------------------


def creation_plan(world, n: int, seed: int, api_rounds: int = 0) -> list[dict]:
	"""Per round: an open-pool customer for insert+Submit (and, in the first ``api_rounds`` rounds,
	another for the ``register()`` API), each with a partner that covers its territory (rotating) and
	1–2 items of that partner's product lines; and an eligible customer for the Opportunity.
	Every customer is used once per run."""
	rng = random.Random(f"{seed}:deal-create")
	pool = [m for root in world.open_roots[-OPEN_TAIL:] for m in world.families[root]]
	if n + api_rounds > len(pool):
		raise ValueError(f"{n + api_rounds} open-pool customers needed, {len(pool)} available")
	rng.shuffle(pool)
	opp_pool = world.eligible[-n:]
	plan = []
	k = 0
	for i in range(n):
		entry = {"opportunity_customer": opp_pool[i].name}
		for key in ("insert", "api") if i < api_rounds else ("insert",):
			cust = pool[k]
			k += 1
			covering = [p for p in world.covering.get(cust.territory, []) if p.admin]
			partner = covering[(i + (key == "api")) % len(covering)]
			codes = rng.sample(partner.bench_items, k=min(len(partner.bench_items), 1 + (i % 2)))
			entry[key] = {
				"customer": cust.name,
				"user": partner.admin,
				"partner": partner.name,
				"items": tuple((code, 1 + rng.randrange(20), bl.ITEM_RATES[code]) for code in codes),
			}
		plan.append(entry)
	return plan


def run_creation(world, plan: list[dict], warmup: int, label: str, api: bool = True) -> dict:
	from frappe.model.workflow import apply_workflow

	from prm_extension.api.deals import register
	from prm_extension.tests.utils import deal_values

	rec = {k: [] for k in ("insert", "submit", "insert_submit", "insert_submit_commit", "api", "api_commit")}
	rec.update({"opp_insert": [], "opp_insert_commit": []})
	outcomes, api_outcomes = Counter(), Counter()

	def registration(entry, record):
		e = entry["insert"]
		bl.new_request(e["user"])
		t0 = time.perf_counter()
		doc = frappe.get_doc(deal_values(e["customer"], items=e["items"])).insert()
		t1 = time.perf_counter()
		doc = apply_workflow(doc, "Submit")
		t2 = time.perf_counter()
		frappe.db.commit()
		t3 = time.perf_counter()
		if record:
			rec["insert"].append((t1 - t0) * 1000)
			rec["submit"].append((t2 - t1) * 1000)
			rec["insert_submit"].append((t2 - t0) * 1000)
			rec["insert_submit_commit"].append((t3 - t0) * 1000)
			outcomes[f"{doc.status}/{doc.verdict}"] += 1

	def registration_api(entry, record):
		e = entry["api"]
		bl.new_request(e["user"])
		data = deal_values(e["customer"], items=e["items"])
		data.pop("doctype")
		t0 = time.perf_counter()
		answer = register(data)
		t1 = time.perf_counter()
		frappe.db.commit()
		t2 = time.perf_counter()
		if record:
			rec["api"].append((t1 - t0) * 1000)
			rec["api_commit"].append((t2 - t0) * 1000)
			api_outcomes[f"{answer['status']}/{answer['verdict']}"] += 1

	def opportunity(entry, record, i):
		bl.new_request(gen.BENCH_SALES_USER)
		code = list(bl.BENCH_ITEMS)[i % len(bl.BENCH_ITEMS)]
		t0 = time.perf_counter()
		frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": "Customer",
				"party_name": entry["opportunity_customer"],
				"company": world.company,
				"currency": world.currency,
				"title": f"{OPP_TITLE} {label}-{i}",
				"items": [{"item_code": code, "qty": 1 + i % 5, "rate": bl.ITEM_RATES[code]}],
			}
		).insert()
		t1 = time.perf_counter()
		frappe.db.commit()
		t2 = time.perf_counter()
		if record:
			rec["opp_insert"].append((t1 - t0) * 1000)
			rec["opp_insert_commit"].append((t2 - t0) * 1000)

	with bl.no_gravatar():
		for i, entry in enumerate(plan):
			record = i >= warmup
			steps = [(registration, (entry, record)), (opportunity, (entry, record, i))]
			if api:
				steps.append((registration_api, (entry, record)))
			if i % 2:
				steps.reverse()
			for step, args in steps:
				step(*args)
	frappe.db.rollback()
	rec["outcomes"] = dict(outcomes)
	rec["api_outcomes"] = dict(api_outcomes)
	return rec


def creation_summary(rec: dict) -> dict:
	out = {k: bl.summary(v) for k, v in rec.items() if isinstance(v, list) and v}
	out["ratio_insert_submit_vs_opportunity"] = bl.ratio(rec["insert_submit"], rec["opp_insert"])
	out["ratio_with_commit"] = bl.ratio(rec["insert_submit_commit"], rec["opp_insert_commit"])
	if rec["api"]:
		out["ratio_api_vs_opportunity"] = bl.ratio(rec["api"], rec["opp_insert"])
	out["outcomes"] = rec["outcomes"]
	out["api_outcomes"] = rec["api_outcomes"]
	return out


# --- (b) the conflict lookup at 10k and 1M ------------------------------------------------------


def lookup_workload(world, n: int, seed: int) -> list[dict]:
	"""45 % customers holding a live registration from the first 10k rows (live at both sizes),
	45 % customers of open-pool families (history only), 10 % new prospects (unknown keys).
	Callers rotate over the active partners (each with items of its own product lines)."""
	rng = random.Random(f"{seed}:deal-lookup")
	live = world.eligible[:LOOKUP_LIVE]
	open_members = [m for root in world.open_roots[:1000] for m in world.families[root]]
	partners = [p for p in world.active_partners if p.admin]
	out = []
	for k in range(n):
		r = rng.random()
		if r < 0.45:
			cat, cust = "live", rng.choice(live)
		elif r < 0.90:
			cat, cust = "history_only", rng.choice(open_members)
		else:
			cat, cust = "prospect", None
		partner = partners[k % len(partners)]
		codes = rng.sample(partner.bench_items, k=min(len(partner.bench_items), 1 + k % 2))
		values = {
			"doctype": "Deal Registration",
			"channel_partner": partner.name,
			"company": world.company,
			"currency": world.currency,
			"items": [
				{"item_code": c, "item_group": bl.BENCH_ITEMS[c], "qty": 1, "rate": 100} for c in codes
			],
		}
		if cust:
			values.update(
				customer=cust.name,
				customer_name=cust.customer_name,
				deal_territory=cust.territory,
				name_key=cust.prm_name_key,
				domain_key=cust.prm_domain,
			)
		else:
			tag = f"{rng.randrange(10**6):06d}"
			values.update(
				prospect_name=f"Nonexistent Prospect {tag} Ltd",
				deal_territory=rng.choice(LEAVES),
				name_key=f"nonexistent prospect {tag}",
				domain_key=f"nonexistent-prospect-{tag}.example",
			)
		out.append({"user": partner.admin, "values": values, "category": cat})
	return out


def run_lookups(calls: list[dict], warmup: int = 0) -> list[tuple]:
	"""(other_registrations ms, run_checks ms, category, conflicts found) per call; the two are timed
	in separate fresh requests, in an order that alternates."""
	from prm_extension.services import deals as deal_service

	records = []
	for i, call in enumerate(calls[:warmup] + calls):
		doc = frappe.get_doc(call["values"])
		times = {}
		for which in ("lookup", "checks") if i % 2 == 0 else ("checks", "lookup"):
			bl.new_request(call["user"])
			t0 = time.perf_counter()
			if which == "lookup":
				others = deal_service.other_registrations(doc)
			else:
				checks = deal_service.run_checks(doc)
			times[which] = (time.perf_counter() - t0) * 1000
		if i >= warmup:
			failed = ",".join(sorted(c.check for c in checks if not c.passed)) or "none"
			records.append((times["lookup"], times["checks"], call["category"], len(others), failed))
	frappe.db.rollback()
	return records


def lookup_summary(records: list[tuple]) -> dict:
	by_cat: dict[str, list] = {}
	for lookup, checks, cat, _n, _f in records:
		by_cat.setdefault(cat, []).append((lookup, checks))
	return {
		"lookup_ms": bl.summary([r[0] for r in records]),
		"run_checks_ms": bl.summary([r[1] for r in records]),
		"by_category": {
			cat: {
				"lookup_ms": bl.summary([v[0] for v in vals]),
				"run_checks_ms": bl.summary([v[1] for v in vals]),
			}
			for cat, vals in by_cat.items()
		},
		"registrations_found": dict(Counter(min(r[3], 5) for r in records)),
		"failed_checks": dict(Counter(r[4] for r in records)),
	}


def explains(world) -> dict:
	cust = world.eligible[0]
	live = "('Submitted', 'Returned', 'Approved')"
	queries = {
		"other_registrations(customer)": (
			f"select name, channel_partner, status, submitted_on, protection_until from `{DR}` "
			f"where customer = %(c)s and status in {live} and name != '' limit 500",
			{"c": cust.name},
		),
		"other_registrations(name_key)": (
			f"select name, channel_partner, status, submitted_on, protection_until from `{DR}` "
			f"where name_key = %(k)s and status in {live} and name != '' limit 500",
			{"k": cust.prm_name_key},
		),
		"other_registrations(domain_key)": (
			f"select name, channel_partner, status, submitted_on, protection_until from `{DR}` "
			f"where domain_key = %(k)s and status in {live} and name != '' limit 500",
			{"k": cust.prm_domain},
		),
		"registration items": (
			f"select parent, item_group from `{DRI}` where parent in %(p)s and parenttype = 'Deal Registration'",
			{"p": [dr_name(LIVE_EVERY * (k + 1)) for k in range(3)]},
		),
		"direct_opportunities(customer)": (
			"""select name from `tabOpportunity` where opportunity_from = 'Customer' and party_name = %(c)s
			and status in ('Open', 'Replied', 'Quotation') and docstatus < 2
			and (prm_deal_registration is null or prm_deal_registration = '') limit 20""",
			{"c": cust.name},
		),
	}
	out = {}
	for label, (sql, values) in queries.items():
		out[label] = bl.explain(sql, values)
	return out


def sql_per_call(calls: list[dict], n: int = 60) -> dict:
	from prm_extension.services import deals as deal_service

	with bl.sql_trace() as stats_:
		for call in calls[:n]:
			doc = frappe.get_doc(call["values"])
			bl.new_request(call["user"])
			deal_service.run_checks(doc)
	frappe.db.rollback()
	return bl.trace_summary(stats_, n)


def sql_per_submit(world, plan_entry: dict) -> dict:
	"""SQL statements of one insert + Submit (rolled back)."""
	from frappe.model.workflow import apply_workflow

	from prm_extension.tests.utils import deal_values

	e = plan_entry["insert"]
	bl.new_request(e["user"])
	with bl.sql_trace() as stats_:
		doc = frappe.get_doc(deal_values(e["customer"], items=e["items"])).insert()
		apply_workflow(doc, "Submit")
	frappe.db.rollback()
	return bl.trace_summary(stats_, 1, top=15)


def sql_per_register(world, plan_entry: dict) -> dict:
	"""SQL statements of one ``register()`` (rolled back)."""
	from prm_extension.api.deals import register
	from prm_extension.tests.utils import deal_values

	e = plan_entry.get("api") or plan_entry["insert"]  # rolled back: the customer stays free
	bl.new_request(e["user"])
	data = deal_values(e["customer"], items=e["items"])
	data.pop("doctype")
	with bl.sql_trace() as stats_:
		register(data)
	frappe.db.rollback()
	return bl.trace_summary(stats_, 1, top=15)


def sql_per_opportunity(world, plan_entry: dict) -> dict:
	"""SQL statements of one Opportunity insert (rolled back), the baseline."""
	bl.new_request(gen.BENCH_SALES_USER)
	code = next(iter(bl.BENCH_ITEMS))
	with bl.sql_trace() as stats_:
		frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": "Customer",
				"party_name": plan_entry["opportunity_customer"],
				"company": world.company,
				"currency": world.currency,
				"title": f"{OPP_TITLE} sql",
				"items": [{"item_code": code, "qty": 1, "rate": bl.ITEM_RATES[code]}],
			}
		).insert()
	frappe.db.rollback()
	return bl.trace_summary(stats_, 1, top=15)


# --- main ---------------------------------------------------------------------------------------


def drain_notification_jobs(run: bool = True) -> dict:
	"""The status e-mail jobs the creation rounds queued (after each commit) for this site: run each
	in-process as a worker would (timed), or only remove them. The e-mails go to the Email Queue
	and are deleted with the run's other traces."""
	from frappe.utils.background_jobs import get_queue

	from prm_extension.services import deals as deal_service

	method = "prm_extension.services.deals.send_status_notifications"
	times, statuses = [], Counter()
	for job in get_queue(deal_service.NOTIFICATION_QUEUE).get_jobs():
		args = job.kwargs or {}
		if args.get("site") != frappe.local.site or args.get("method") != method:
			continue
		if run:
			bl.new_request(args.get("user") or "Administrator")
			t0 = time.perf_counter()
			frappe.get_attr(method)(**args["kwargs"])
			frappe.db.commit()
			times.append((time.perf_counter() - t0) * 1000)
			statuses[args["kwargs"]["status"]] += 1
		job.delete()
	return {
		"jobs": sum(statuses.values()) if run else None,
		"by_status": dict(statuses),
		"job_ms": bl.summary(times) if times else None,
	}


def creation_benchmark(world, args, variants: dict) -> dict:
	"""Rounds of (insert+Submit, register(), Opportunity) under each variant, in blocks whose order
	alternates; every variant gets its own customers (a customer is registered once per run)."""
	per = args.creates + args.create_warmup
	plan = creation_plan(world, per * len(variants) + len(variants), args.seed, api_rounds=per)
	block = max(1, per // args.rounds)
	names = list(variants)
	chunks = {
		name: [plan[k * per : (k + 1) * per][j : j + block] for j in range(0, per, block)]
		for k, name in enumerate(names)
	}
	recs: dict[str, dict] = {}
	for b in range(len(chunks[names[0]])):
		for name in names if b % 2 == 0 else names[::-1]:
			with variants[name]():
				warm = max(0, min(block, args.create_warmup - b * block))
				r = run_creation(
					world, chunks[name][b], warm, f"v{names.index(name)}b{b}", api=name == names[0]
				)
			if name not in recs:
				recs[name] = r
				continue
			for key, val in r.items():
				if isinstance(val, list):
					recs[name][key] += val
				else:
					recs[name][key] = dict(Counter(recs[name][key]) + Counter(val))
	out = {name: creation_summary(r) for name, r in recs.items()}
	# SQL of one more insert + Submit (rolled back), warm
	for k, name in enumerate(names):
		with variants[name]():
			entry = plan[per * len(names) + k]
			with bl.no_gravatar():
				out[name]["sql_per_submit"] = sql_per_submit(world, entry)
				out[name]["sql_per_register"] = sql_per_register(world, entry)
				out[name]["sql_per_opportunity"] = sql_per_opportunity(world, entry)
	return out


def main(argv=None):
	ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--site", default="prm-bench.localhost")
	ap.add_argument("--registrations", type=int, default=1_000_000)
	ap.add_argument("--small", type=int, default=10_000, help="size of the small table set")
	ap.add_argument("--opportunities", type=int, default=100_000, help="BENCH Opportunities on the site")
	ap.add_argument("--creates", type=int, default=150, help="creation rounds (per variant)")
	ap.add_argument("--create-warmup", type=int, default=10)
	ap.add_argument("--lookups", type=int, default=500, help="lookups per variant, side by side")
	ap.add_argument("--rounds", type=int, default=10, help="blocks of the interleaved comparisons")
	ap.add_argument("--try-index", action="store_true", help="also measure with the proposed indexes")
	ap.add_argument("--keep-index", action="store_true", help="leave the proposed indexes on the site")
	ap.add_argument(
		"--no-email-account",
		action="store_true",
		help="do not add a default outgoing Email Account for the run (notifications then fail and log errors)",
	)
	ap.add_argument("--skip-creation", action="store_true")
	ap.add_argument("--skip-lookups", action="store_true")
	ap.add_argument("--generate-only", action="store_true")
	ap.add_argument("--truncate", action="store_true", help="delete the BENCH registrations first")
	ap.add_argument("--seed", type=int, default=gen.SEED)
	ap.add_argument("--out", default=None)
	args = ap.parse_args(argv)

	started = time.perf_counter()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	result = bl.env_info(args)
	global RUN_STARTED
	RUN_STARTED = frappe.utils.now_datetime() - dt.timedelta(seconds=5)
	swap = bl.TableSwap("dr", [DR, DRI])
	created_account = False
	added: list[tuple[str, str]] = []  # indexes this run created (dropped at the end)
	try:
		swap.swap_in("large")  # a previous run stopped mid-swap
		for table, index, _cols in PROPOSED:
			if bl.index_exists(table, index):
				bl.set_ignored(table, index, False)  # a previous run stopped while it was ignored
		bl.log("base data (masters, partners, customers) ...")
		gen.ensure_base(seed=args.seed)
		bl.ensure_items()
		world = gen.load_world(seed=args.seed)
		partner_scopes(world)
		result["cleanup_before"] = cleanup_created()
		if args.truncate:
			truncate_registrations()
		t = time.perf_counter()
		bl.log(f"registrations: growing to {args.registrations:,} ...")
		result["generation"] = {"registrations": grow_registrations(args.registrations, world, args.seed)}
		bl.log(f"  {result['generation']['registrations']}")
		bl.log(f"opportunities: growing to {args.opportunities:,} ...")
		result["generation"]["opportunities"] = grow_opportunities(
			args.opportunities, world, args.seed, args.registrations
		)
		result["generation_s"] = time.perf_counter() - t
		result["registrations_by_status"] = stats()
		result["opportunities"] = frappe.db.count("Opportunity")
		result["tables"] = {t_: bl.table_mb(t_) for t_ in (DR, DRI, "tabOpportunity")}
		bl.log(f"  {result['registrations_by_status']}; {result['opportunities']:,} Opportunities")
		if args.generate_only:
			return
		if not args.no_email_account:
			created_account = ensure_outgoing_email_account()
		result["outgoing_email_account"] = bool(
			frappe.db.get_value("Email Account", {"default_outgoing": 1, "enable_outgoing": 1})
		)
		result["indexes_already_on_site"] = [i for t_, i, _c in PROPOSED if bl.index_exists(t_, i)]
		for table, index, cols in PROPOSED if args.try_index else ():
			if index in result["indexes_already_on_site"]:
				continue
			secs = bl.add_index(table, index, cols)
			added.append((table, index))
			result.setdefault("index_build_s", {})[index] = secs
			bl.log(f"  proposed index {index} on {table}: {secs:.1f} s")

		bl.log(f"small table set: the first {args.small:,} registrations ...")
		last = dr_name(args.small)
		result["small_tables"] = swap.snapshot(
			[
				f"select * from `{DR}` where name like '{PREFIX}%' and name <= '{last}'",
				f"select * from `{DRI}` where parent like '{PREFIX}%' and parent <= '{last}'",
			]
		)

		def variant(size: str, with_index: bool | None):
			"""``with_index`` None: the indexes as the site has them."""

			@contextlib.contextmanager
			def ctx():
				swap.swap_in(size)
				for table, index, _c in PROPOSED if with_index is not None else ():
					if bl.index_exists(table, index):
						bl.set_ignored(table, index, not with_index)
				yield

			return ctx

		large = f"{args.registrations}"
		if not args.skip_creation:
			# with --try-index the indexes are on (added if the site lacked them) unless a variant is "without"
			on = True if args.try_index else None
			label = "with the indexes" if args.try_index else "as the site is"
			create_variants = {label: variant("large", on)}
			if args.try_index:
				create_variants["without the indexes"] = variant("large", False)
			bl.log(
				f"creation at {args.registrations:,}: {args.creates} rounds (+{args.create_warmup} warm-up) of"
				f" insert+Submit / register() / Opportunity per variant {list(create_variants)} ..."
			)
			drain_notification_jobs(run=False)  # jobs a previous run left behind
			result["creation"] = creation_benchmark(world, args, create_variants)
			bl.log("status e-mail jobs the rounds queued, run in-process as a worker would ...")
			result["notification_jobs"] = drain_notification_jobs(run=True)
			bl.log(
				f"  {result['notification_jobs']['by_status']}, job p50 {(result['notification_jobs']['job_ms'] or {}).get('p50')}"
			)
			result["cleanup_after_creation"] = cleanup_created()
			for name, c in result["creation"].items():
				bl.log(
					f"  [{name}] insert+Submit p50 {c['insert_submit']['p50']:.1f} ms, Opportunity p50"
					f" {c['opp_insert']['p50']:.1f} ms, ratio median {c['ratio_insert_submit_vs_opportunity']['median']:.2f};"
					f" {c['outcomes']}"
				)
		if not args.skip_lookups:
			calls = lookup_workload(world, args.lookups, args.seed)
			on = True if args.try_index else None
			variants = {f"{args.small}": variant("small", on), large: variant("large", on)}
			if args.try_index:
				variants[f"{large} without the indexes"] = variant("large", False)
			size = max(1, len(calls) // args.rounds)
			blocks = [calls[k : k + size] for k in range(0, len(calls), size)]
			bl.log(
				f"lookups side by side: {list(variants)}, {len(calls)} calls each in {len(blocks)} blocks ..."
			)
			records = bl.interleave(blocks, variants, lambda blk: run_lookups(blk, warmup=5))
			result["lookups"] = {name: lookup_summary(r) for name, r in records.items()}
			small_s, large_s = result["lookups"][f"{args.small}"], result["lookups"][large]
			result["lookup_p95_ratio"] = large_s["lookup_ms"]["p95"] / small_s["lookup_ms"]["p95"]
			result["run_checks_p95_ratio"] = large_s["run_checks_ms"]["p95"] / small_s["run_checks_ms"]["p95"]
			if args.try_index:
				without = result["lookups"][f"{large} without the indexes"]
				result["lookup_p95_ratio_without_indexes"] = (
					without["lookup_ms"]["p95"] / small_s["lookup_ms"]["p95"]
				)
				result["run_checks_p95_ratio_without_indexes"] = (
					without["run_checks_ms"]["p95"] / small_s["run_checks_ms"]["p95"]
				)
			result["loadavg_after_lookups"] = os.getloadavg()
			bl.log(
				f"  p95 ratio other_registrations {result['lookup_p95_ratio']:.2f}, run_checks {result['run_checks_p95_ratio']:.2f}"
			)
			diag = {}
			for name, ctx in variants.items():
				with ctx():
					diag[name] = {"explain": explains(world), "sql_per_run_checks": sql_per_call(calls)}
			result["diagnostics"] = diag
	finally:
		with contextlib.suppress(Exception):
			swap.drop()
		for table, index, _cols in PROPOSED:
			with contextlib.suppress(Exception):
				if bl.index_exists(table, index):
					bl.set_ignored(table, index, False)
					if (table, index) in added and not args.keep_index:
						bl.drop_index(table, index)
		with contextlib.suppress(Exception):
			cleanup_created()
		if created_account:
			with contextlib.suppress(Exception):
				remove_outgoing_email_account()
		frappe.destroy()
	result["total_seconds"] = time.perf_counter() - started
	report(result, args)
	print(f"Results: {bl.write_result(result, 'deals', args.out)}")


def report(result: dict, args) -> None:
	if "creation" not in result and "lookups" not in result:
		print(f"generated: {result.get('generation')}, {result.get('generation_s', 0):.0f} s")
		return
	print(
		f"\nSite: {sum(result['registrations_by_status'].values()):,} registrations, {result['opportunities']:,}"
		f" Opportunities, outgoing e-mail account: {result.get('outgoing_email_account')}"
	)
	if "creation" in result:
		print(
			f"\n(a) Submitting a registration vs inserting an Opportunity, at {args.registrations:,} registrations,"
			" ms (targets: register() <= 1.5 x Opportunity insert; insert, then Submit <= 2 x)"
		)
		print("  " + " " * 44 + "    p50     p95     p99    mean")
		for name, c in result["creation"].items():
			print(f" [{name}]")
			for key, label in (
				("insert", "registration insert()"),
				("submit", "workflow Submit"),
				("insert_submit", "insert + Submit"),
				("insert_submit_commit", "insert + Submit + commit"),
				("api", "register() API"),
				("opp_insert", "Opportunity insert()"),
				("opp_insert_commit", "Opportunity insert() + commit"),
			):
				if key in c:
					print(f"  {label:<44}{bl.fmt(c[key])}")
			r = c["ratio_insert_submit_vs_opportunity"]
			api = c.get("ratio_api_vs_opportunity")
			print(
				f"  ratio insert+Submit / Opportunity: median {r['median']:.2f}, mean {r['mean']:.2f}, p95 {r['p95']:.2f};"
				f" with commit median {c['ratio_with_commit']['median']:.2f}"
				+ (f"; register() median {api['median']:.2f}" if api else "")
			)
			print(f"  outcomes {c['outcomes']} / API {c['api_outcomes']}")
			q = c["sql_per_submit"]
			print(
				f"  one insert+Submit: {q['queries_per_call']:.0f} SQL statements, {q['sql_ms_per_call']:.1f} ms; top:"
			)
			for row in q["top"][:3]:
				print(f"    {row['ms_per_call']:6.2f} ms x{row['count_per_call']:.0f}  {row['sql'][:110]}")
			for key, label in (
				("sql_per_register", "one register()"),
				("sql_per_opportunity", "one Opportunity insert"),
			):
				if key in c:
					q = c[key]
					print(
						f"  {label}: {q['queries_per_call']:.0f} SQL statements, {q['sql_ms_per_call']:.1f} ms"
					)
	if result.get("notification_jobs"):
		j = result["notification_jobs"]
		print(f"  status e-mail jobs (background, after the commit): {j['by_status']}")
		if j["job_ms"]:
			print(f"  {'one job, run in-process':<44}{bl.fmt(j['job_ms'])}")
	if "lookups" in result:
		print(
			"\n(b) Conflict lookup, side by side (same calls, interleaved), ms     p50     p95     p99    mean"
		)
		for name, s in result["lookups"].items():
			print(f"  other_registrations at {name:<30}{bl.fmt(s['lookup_ms'])}")
			print(f"  run_checks          at {name:<30}{bl.fmt(s['run_checks_ms'])}")
		print(
			f"  p95 ratio 1M / 10k: other_registrations {result['lookup_p95_ratio']:.2f},"
			f" run_checks {result['run_checks_p95_ratio']:.2f} (target <= 1.2)"
		)
		if "lookup_p95_ratio_without_indexes" in result:
			print(
				f"  1M without the indexes / 10k: other_registrations {result['lookup_p95_ratio_without_indexes']:.2f},"
				f" run_checks {result['run_checks_p95_ratio_without_indexes']:.2f}"
			)
		for name, d in result["diagnostics"].items():
			q = d["sql_per_run_checks"]
			print(
				f"  [{name}] SQL per run_checks: {q['queries_per_call']:.1f} statements, {q['sql_ms_per_call']:.2f} ms"
			)
			for label, e in d["explain"].items():
				print(f"    {label}: {bl.plan_text(e)}; {e['ms']:.2f} ms")
	print(f"\nTotal {result['total_seconds']:.0f} s (generation {result.get('generation_s', 0):.0f} s)")


if __name__ == "__main__":
	sys.exit(main())
