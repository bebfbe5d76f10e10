"""Benchmark data: 100k customers in corporate families, channel partners and a growing pile of
Account Reservations (10k -> 1M), on a dedicated site (default ``prm-bench.localhost``).

Customers and partners come from the demo helpers (``prm_extension.demo.channel``), so keys and
family roots are exactly what the Customer hooks compute. Reservations are bulk-inserted straight
into ``tabAccount Reservation`` (generation is not what is measured):

* row ``BENCH-0000001`` ... ``BENCH-nnnnnnn``; every ``LIVE_EVERY``-th row (10 %) is live
  (Active 85 % / Requested 15 %) with a unique ``live_key`` and the customer's family root, the
  others are history (Expired / Released / Rejected, ``live_key`` NULL);
* rows are generated in fixed blocks of 10k with a per-block seed, so growing 10k -> 1M gives the
  same customers, statuses and dates as generating 1M at once (only the partner of a live row
  depends on the partners' live counts at the time);
* live rows never touch the *open pool* (2,000 families kept free for the availability "open"
  samples and for the reservation-creation benchmark) nor house-account families; non-Platinum
  partners stay under 80 % of their tier limit, the rest of the live load goes to Platinum
  partners (unlimited), as the rules would force;
* history rows are spread over every customer and partner.

Run standalone (from the bench's ``sites`` directory, as user ``frappe``)::

    ../env/bin/python /work/main/benchmarks/generate.py --site prm-bench.localhost --reservations 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time

import frappe

SEED = 20241127
CUSTOMERS = 100_000
PARTNERS = 40
OPEN_POOL_FAMILIES = 2_000
BLOCK = 10_000
LIVE_EVERY = 10  # one row in ten is live (Active/Requested)
PREFIX = "BENCH-"
DEMO_GROUPS = ("PRM Demo Enterprise", "PRM Demo Commercial")
LINES = ("Networking", "Switches", "Firewalls", "Storage", "Cloud Services", "Support Contracts")
BENCH_SALES_USER = "bench-sales@prm-bench.example"
USE_FRAPPE_BULK_INSERT = False  # True: frappe.db.bulk_insert (same rows, ~3x slower)

FIELDS = [
	"name",
	"owner",
	"modified_by",
	"creation",
	"modified",
	"docstatus",
	"idx",
	"channel_partner",
	"customer",
	"customer_name",
	"status",
	"scope_territory",
	"product_line",
	"requested_by",
	"start_date",
	"expiry_date",
	"extensions_used",
	"released_on",
	"decision_code",
	"decision_reason",
	"root_customer",
	"live_key",
]


def log(msg: str) -> None:
	print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def bench_name(i: int) -> str:
	return f"{PREFIX}{i:07d}"


# --- masters, partners, customers ------------------------------------------------------------


def ensure_base(customers: int = CUSTOMERS, partners: int = PARTNERS, seed: int = SEED) -> dict:
	"""Masters, partners (with portal users), ``customers`` customers, a desk Sales User. Idempotent."""
	from prm_extension.demo.channel import customer_rows, insert_customers, make_masters, make_partners

	timings = {}
	frappe.set_user("Administrator")
	t = time.perf_counter()
	make_masters()
	frappe.db.commit()
	# make_partners is only called on an empty site: it draws partner names from the rng and skips
	# existing ones *before* its other draws, so a second call with the same seed invents new names.
	if frappe.db.count("Channel Partner") < partners:
		make_partners(partners, random.Random(seed))
		frappe.db.commit()
	timings["masters_partners_s"] = time.perf_counter() - t

	t = time.perf_counter()
	existing = frappe.db.count("Customer", {"customer_group": ("in", DEMO_GROUPS)})
	if existing < customers:
		rows = customer_rows(customers - existing, random.Random(seed + 1), start=existing * 10)
		insert_customers(rows)
		frappe.db.commit()
	timings["customers_s"] = time.perf_counter() - t

	if not frappe.db.exists("User", BENCH_SALES_USER):
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": BENCH_SALES_USER,
				"first_name": "Bench Sales",
				"send_welcome_email": 0,
				"roles": [{"role": "Sales User"}],
			}
		)
		user.flags.no_welcome_mail = True
		frappe.flags.in_import = True  # frappe throttles user creation (60 a minute)
		try:
			user.insert(ignore_permissions=True)
		finally:
			frappe.flags.in_import = False
		frappe.db.commit()
	return timings


def load_world(seed: int = SEED) -> frappe._dict:
	"""Customers, families and partners as plain data, plus the deterministic pools."""
	rows = frappe.db.sql(
		"""select name, customer_name, territory, prm_root_customer, prm_parent_customer,
			prm_is_house_account, prm_name_key, prm_domain, tax_id, website
		from `tabCustomer` where customer_group in %(groups)s order by name""",
		{"groups": DEMO_GROUPS},
		as_dict=True,
	)
	families: dict[str, list] = {}
	for r in rows:
		r.root = r.prm_root_customer or r.name
		families.setdefault(r.root, []).append(r)
	house_roots = {root for root, members in families.items() if any(m.prm_is_house_account for m in members)}
	roots = sorted(families)
	rng = random.Random(seed + 2)
	candidates = [r for r in roots if r not in house_roots]
	rng.shuffle(candidates)
	open_roots = candidates[:OPEN_POOL_FAMILIES]
	open_set = set(open_roots)
	eligible = [r for r in rows if r.root not in open_set and r.root not in house_roots]
	rng.shuffle(eligible)

	partner_rows = frappe.db.sql(
		"""select p.name, p.status, p.tier, t.max_active_reservations as tier_limit
		from `tabChannel Partner` p left join `tabPartner Tier` t on t.name = p.tier
		order by p.creation, p.name""",
		as_dict=True,
	)
	for p in partner_rows:
		p.admin = frappe.db.get_value(
			"Channel Partner Member", {"parent": p.name, "partner_role": "Partner Admin"}, "user"
		)
		p.territories = frappe.get_all("Channel Partner Territory", {"parent": p.name}, pluck="territory")
		p.lines = frappe.get_all("Channel Partner Product Line", {"parent": p.name}, pluck="item_group")
	return frappe._dict(
		customers=rows,
		by_name={r.name: r for r in rows},
		families=families,
		house_roots=house_roots,
		open_roots=open_roots,  # [:1000] availability "open" samples, [1000:] reservation creation
		eligible=eligible,
		partners=partner_rows,
		active_partners=[p for p in partner_rows if p.status == "Active"],
	)


# --- reservations ------------------------------------------------------------------------------


def bench_count() -> int:
	last = frappe.db.sql(
		"select max(name) from `tabAccount Reservation` where name like %s", (PREFIX + "%",)
	)[0][0]
	return int(last[len(PREFIX) :]) if last else 0


def truncate_reservations() -> None:
	frappe.db.commit()
	frappe.db.sql("truncate table `tabAccount Reservation`")
	frappe.db.sql("truncate table `tabAccount Reservation Extension`")
	frappe.db.commit()


def _live_partner_picker(world, rng):
	"""Round-robin over active partners under 80 % of their tier limit (Platinum: unlimited)."""
	counts = dict(
		frappe.db.sql(
			"""select channel_partner, count(*) from `tabAccount Reservation`
			where status in ('Active', 'Requested') group by channel_partner"""
		)
	)
	caps = {p.name: (int(p.tier_limit * 0.8) if p.tier_limit else None) for p in world.active_partners}
	order = [p.name for p in world.active_partners]

	def pick():
		for _ in range(len(order)):
			name = order[pick.i % len(order)]
			pick.i += 1
			if caps[name] is None or counts.get(name, 0) < caps[name]:
				counts[name] = counts.get(name, 0) + 1
				return name
		raise RuntimeError("no partner has capacity left")

	pick.i = rng.randrange(len(order))
	return pick


def _block_rows(block: int, start: int, stop: int, world, pick_live, seed: int, today: dt.date):
	"""Rows with absolute numbers start..stop-1 (1-based) of block ``block``."""
	rng = random.Random(f"{seed}:{block}")
	customers = world.customers
	eligible = world.eligible
	partners = world.partners
	admins = {p.name: p.admin for p in partners}
	now = dt.datetime.combine(today, dt.time(9, 0))
	rows = []
	for i in range(block * BLOCK + 1, (block + 1) * BLOCK + 1):
		# draw the same numbers whatever part of the block is generated
		r_hist = rng.random()
		r_cust = rng.randrange(len(customers))
		r_part = rng.randrange(len(partners))
		r_days = rng.randrange(30, 1100)
		r_line = rng.randrange(len(LINES) + 1)
		r_ext = rng.randrange(3)
		if i < start or i >= stop:
			continue
		name = bench_name(i)
		if i % LIVE_EVERY == 0:
			ordinal = i // LIVE_EVERY - 1
			cust = eligible[ordinal % len(eligible)]
			slot = ordinal // len(eligible)
			line = LINES[slot - 1] if slot else None
			partner = pick_live()
			requested = r_hist < 0.15
			start_date = None if requested else today - dt.timedelta(days=r_days % 60)
			expiry = None if requested else start_date + dt.timedelta(days=90)
			status = "Requested" if requested else "Active"
			code, reason = "open", "Open: nobody holds this account for the scope."
			live_key = "|".join((cust.name, cust.territory or "*", line or "*"))
			released = None
			ext = 0
		else:
			cust = customers[r_cust]
			partner = partners[r_part].name
			line = LINES[r_line - 1] if r_line else None
			start_date = today - dt.timedelta(days=r_days)
			expiry = start_date + dt.timedelta(days=90)
			live_key = None
			released = None
			ext = 0
			if r_hist < 0.45:
				status, code, reason = "Expired", "open", "Expired."
				ext = r_ext
			elif r_hist < 0.80:
				status, code, reason = "Released", "open", "Released by the partner."
				released = start_date + dt.timedelta(days=r_days % 90)
			else:
				status, code, reason = "Rejected", "reserved_by_other", "Another partner holds this account."
				start_date = expiry = None
		created = now - dt.timedelta(days=r_days)
		rows.append(
			(
				name,
				admins.get(partner) or "Administrator",
				admins.get(partner) or "Administrator",
				created,
				created,
				0,
				0,
				partner,
				cust.name,
				cust.customer_name,
				status,
				cust.territory,
				line,
				admins.get(partner) or "Administrator",
				start_date,
				expiry,
				ext,
				released,
				code,
				reason,
				cust.root,
				live_key,
			)
		)
	return rows


INSERT_SQL = "insert into `tabAccount Reservation` ({}) values ({})".format(
	", ".join(f"`{f}`" for f in FIELDS), ", ".join(["%s"] * len(FIELDS))
)


def _insert(rows: list[tuple]) -> None:
	"""Multi-row INSERTs. ``frappe.db.bulk_insert`` renders every value through pypika, which costs
	~0.25 ms a row (4 of the 5 minutes for 1M rows); pymysql's ``executemany`` batches the same
	statement into ~1 MB multi-row INSERTs at a fraction of that. Same SQL, same transaction."""
	if USE_FRAPPE_BULK_INSERT:
		frappe.db.bulk_insert("Account Reservation", FIELDS, rows)
		return
	frappe.db.sql("select 1")  # make sure the connection and transaction are open
	frappe.db._cursor.executemany(INSERT_SQL, rows)


def grow_reservations(target: int, world, seed: int = SEED, chunk: int = 5_000) -> dict:
	"""Bulk-insert BENCH rows until there are ``target`` of them."""
	have = bench_count()
	if have > target:
		raise ValueError(f"site already has {have} BENCH reservations (> {target}); truncate first")
	rng = random.Random(f"{seed}:picker:{have}")
	pick_live = _live_partner_picker(world, rng)
	today = dt.date.today()
	t = time.perf_counter()
	inserted = 0
	for block in range(have // BLOCK, (target + BLOCK - 1) // BLOCK):
		rows = _block_rows(block, have + 1, target + 1, world, pick_live, seed, today)
		for k in range(0, len(rows), chunk):
			_insert(rows[k : k + chunk])
		frappe.db.commit()
		inserted += len(rows)
		if block % 10 == 9:
			log(f"  {have + inserted:,} reservations ({time.perf_counter() - t:.0f} s)")
	frappe.db.sql("analyze table `tabAccount Reservation`")
	return {"inserted": inserted, "seconds": time.perf_counter() - t}


def reservation_stats() -> dict:
	return dict(frappe.db.sql("select status, count(*) from `tabAccount Reservation` group by status"))


def main(argv=None):
	ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--site", default="prm-bench.localhost")
	ap.add_argument("--reservations", type=int, default=10_000)
	ap.add_argument("--truncate", action="store_true", help="drop all reservations first")
	args = ap.parse_args(argv)
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	try:
		log(f"base: {ensure_base()}")
		world = load_world()
		if args.truncate:
			truncate_reservations()
		log(f"grow: {grow_reservations(args.reservations, world)}")
		log(f"reservations by status: {reservation_stats()}")
	finally:
		frappe.destroy()


if __name__ == "__main__":
	sys.exit(main())
