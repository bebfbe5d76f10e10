"""Helpers shared by ``bench_deals.py`` and ``bench_incentives.py``, on top of the reservation
benchmark's own helpers (``bench_reservations``, ``generate``).

* ``new_request``: the request-scoped state reset of ``bench_reservations.new_request``, plus the
  app's request memo of tree nodes (``frappe.local.prm_tree_nodes``), which a web request also
  starts without.
* ``bulk_insert``: multi-row INSERTs through pymysql ``executemany`` (see ``generate._insert``), or
  ``frappe.db.bulk_insert`` with ``generate.USE_FRAPPE_BULK_INSERT = True``.
* ``TableSwap``: 10k and 1M tables side by side, swapped with one atomic ``RENAME TABLE`` (several
  tables at once, e.g. a parent and its child table).
* ``ignored``: toggle an index with MariaDB's ``ALTER INDEX ... [NOT] IGNORED``, a metadata-only change,
  so that "with" and "without" an index can be interleaved like the table sizes.
* ``sql_trace``: SQL statements per call and their time.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_reservations as br  # noqa: E402
import frappe  # noqa: E402
import generate as gen  # noqa: E402

RESULTS_DIR = br.RESULTS_DIR
pct, summary, no_gravatar, log, fmt = br.pct, br.summary, br.no_gravatar, gen.log, br.fmt

# Non-stock items in the demo product lines (prm_extension.demo.channel.PRODUCT_LINES leaves).
BENCH_ITEMS = {
	"BENCH-SW-24": "Switches",
	"BENCH-SW-48": "Switches",
	"BENCH-FW-100": "Firewalls",
	"BENCH-FW-500": "Firewalls",
	"BENCH-ST-10T": "Storage",
	"BENCH-ST-50T": "Storage",
	"BENCH-CL-VM": "Cloud Services",
	"BENCH-CL-DB": "Cloud Services",
	"BENCH-SUP-STD": "Support Contracts",
	"BENCH-SUP-PRM": "Support Contracts",
}
ITEM_RATES = {code: 100 * (k + 1) for k, code in enumerate(BENCH_ITEMS)}


def new_request(user: str) -> None:
	"""As ``bench_reservations.new_request``, and the app's per-request tree-node memo too."""
	br.new_request(user)
	frappe.local.prm_tree_nodes = {}
	frappe.local.prm_money_defaults = None  # the portal's number format, read once per request
	frappe.local.prm_dates = None  # and its formatted dates


def ensure_items() -> None:
	frappe.set_user("Administrator")
	for code, group in BENCH_ITEMS.items():
		if not frappe.db.exists("Item", code):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": code,
					"item_name": code,
					"item_group": group,
					"stock_uom": "Nos",
					"is_stock_item": 0,
					"include_item_in_manufacturing": 0,
					"standard_rate": ITEM_RATES[code],
				}
			).insert(ignore_permissions=True)
	frappe.db.commit()


def items_within(lines: list[str]) -> list[str]:
	"""Bench items whose product line lies within one of ``lines`` (all items when empty)."""
	if not lines:
		return list(BENCH_ITEMS)
	nodes = {r.name: (r.lft, r.rgt) for r in frappe.get_all("Item Group", fields=["name", "lft", "rgt"])}
	out = []
	for code, group in BENCH_ITEMS.items():
		lft, rgt = nodes[group]
		if any(nodes[line][0] <= lft and rgt <= nodes[line][1] for line in lines):
			out.append(code)
	return out


def territory_covered(partner_territories: list[str], territory: str, nodes: dict) -> bool:
	if not partner_territories:
		return True
	lft, rgt = nodes.get(territory, (0, 0))
	return any(nodes[t][0] <= lft and rgt <= nodes[t][1] for t in partner_territories)


def bulk_insert(doctype: str, fields: list[str], rows: list[tuple], chunk: int = 5_000) -> None:
	"""Multi-row INSERT of ``rows`` (tuples in ``fields`` order) into ``tab<doctype>``."""
	if not rows:
		return
	if gen.USE_FRAPPE_BULK_INSERT:
		frappe.db.bulk_insert(doctype, fields, rows, chunk_size=chunk)
		return
	sql = "insert into `tab{}` ({}) values ({})".format(
		doctype, ", ".join(f"`{f}`" for f in fields), ", ".join(["%s"] * len(fields))
	)
	frappe.db.sql("select 1")  # connection and transaction open
	for k in range(0, len(rows), chunk):
		frappe.db._cursor.executemany(sql, rows[k : k + chunk])


def count_like(doctype: str, prefix: str) -> int:
	return frappe.db.sql(f"select count(*) from `tab{doctype}` where name like %s", (prefix + "%",))[0][0]


def max_number(doctype: str, prefix: str) -> int:
	last = frappe.db.sql(f"select max(name) from `tab{doctype}` where name like %s", (prefix + "%",))[0][0]
	return int(last[len(prefix) :]) if last else 0


# --- side by side: several tables swapped at once ------------------------------------------------


class TableSwap:
	"""``tables`` (real names) each get a snapshot copy ``_bench_<tag>_<i>_small``; ``swap_in("small")``
	parks the big tables as ``..._large`` and puts the snapshots in their place, in one atomic
	``RENAME TABLE`` (DDL: it commits). ``swap_in("large")`` undoes it."""

	def __init__(self, tag: str, tables: list[str]):
		self.tables = tables
		self.small = [f"_bench_{tag}_{i}_small" for i in range(len(tables))]
		self.large = [f"_bench_{tag}_{i}_large" for i in range(len(tables))]

	def _existing(self) -> set[str]:
		names = set(self.small + self.large)
		return {t for t in frappe.db.sql_list("show tables") if t in names}

	def state(self) -> str:
		return "small" if set(self.large) & self._existing() else "large"

	def snapshot(self, selects: list[str]) -> dict:
		"""``selects[i]``: a ``select * from `<table i>` where ...`` giving the snapshot's rows."""
		self.swap_in("large")
		frappe.db.commit()
		counts = {}
		for table, small, select in zip(self.tables, self.small, selects, strict=True):
			frappe.db.sql(f"drop table if exists `{small}`")
			frappe.db.sql(f"create table `{small}` like `{table}`")
			frappe.db.sql(f"insert into `{small}` {select}")
			frappe.db.commit()
			frappe.db.sql(f"analyze table `{small}`")
			counts[table] = frappe.db.sql(f"select count(*) from `{small}`")[0][0]
		return counts

	def swap_in(self, which: str) -> None:
		frappe.db.rollback()
		parked = set(self.large) & self._existing()
		if which == "small" and not parked:
			pairs = [
				f"`{t}` to `{lg}`, `{s}` to `{t}`"
				for t, s, lg in zip(self.tables, self.small, self.large, strict=True)
			]
		elif which == "large" and parked:
			pairs = [
				f"`{t}` to `{s}`, `{lg}` to `{t}`"
				for t, s, lg in zip(self.tables, self.small, self.large, strict=True)
			]
		else:
			return
		frappe.db.sql("rename table " + ", ".join(pairs))

	def drop(self) -> None:
		self.swap_in("large")
		for small in self.small:
			frappe.db.sql(f"drop table if exists `{small}`")

	def variant(self, which: str):
		@contextlib.contextmanager
		def ctx():
			self.swap_in(which)
			yield

		return ctx


def interleave(blocks: list, variants: dict, run) -> dict:
	"""``run(block)`` -> list of records, under every variant (a context-manager factory), block after
	block, the variants' order alternating, so that load on a shared machine hits each alike."""
	out = {name: [] for name in variants}
	names = list(variants)
	for r, block in enumerate(blocks):
		for name in names if r % 2 == 0 else names[::-1]:
			with variants[name]():
				out[name] += run(block)
	return out


# --- indexes -------------------------------------------------------------------------------------


def index_exists(table: str, index: str) -> bool:
	return bool(frappe.db.sql(f"show index from `{table}` where Key_name = %s", index))


def add_index(table: str, index: str, columns: list[str]) -> float:
	"""The proposed index (on the bench site only, to measure it). Returns seconds taken."""
	frappe.db.commit()
	t = time.perf_counter()
	if not index_exists(table, index):
		frappe.db.sql(f"alter table `{table}` add index `{index}` ({', '.join(f'`{c}`' for c in columns)})")
	return time.perf_counter() - t


def drop_index(table: str, index: str) -> None:
	frappe.db.commit()
	if index_exists(table, index):
		frappe.db.sql(f"alter table `{table}` drop index `{index}`")


def set_ignored(table: str, index: str, ignored: bool) -> None:
	frappe.db.rollback()
	state = "ignored" if ignored else "not ignored"
	frappe.db.sql(f"alter table `{table}` alter index `{index}` {state}, algorithm=instant")


def ignored(indexes: list[tuple[str, str]], value: bool):
	"""A context-manager factory: the (table, index) pairs ignored by the optimizer, or not."""

	@contextlib.contextmanager
	def ctx():
		for table, index in indexes:
			set_ignored(table, index, value)
		yield

	return ctx


def explain(sql: str, values=None, repeat: int = 20) -> dict:
	plan = frappe.db.sql("explain " + sql, values, as_dict=True)
	t0 = time.perf_counter()
	for _ in range(repeat):
		frappe.db.sql(sql, values)
	ms = (time.perf_counter() - t0) * 1000 / repeat
	frappe.db.rollback()
	return {
		"plan": [{k: r.get(k) for k in ("table", "type", "key", "key_len", "rows", "Extra")} for r in plan],
		"ms": ms,
	}


def plan_text(e: dict) -> str:
	return "; ".join(
		f"{p['table']}: {p['type']} on {p['key'] or '-'} ({p['rows']} rows{', ' + p['Extra'] if p['Extra'] else ''})"
		for p in e["plan"]
	)


# --- SQL per call ------------------------------------------------------------------------------


def _normalise(sql: str) -> str:
	return br._normalise(sql)


@contextlib.contextmanager
def sql_trace():
	"""Yields a dict normalised SQL -> [count, ms] filled while the block runs."""
	db_class = type(frappe.local.db)
	original = db_class.sql
	stats: dict[str, list] = defaultdict(lambda: [0, 0.0])

	def traced(self, query, *args, **kwargs):
		t0 = time.perf_counter()
		try:
			return original(self, query, *args, **kwargs)
		finally:
			key = _normalise(str(query))
			stats[key][0] += 1
			stats[key][1] += (time.perf_counter() - t0) * 1000

	db_class.sql = traced
	try:
		yield stats
	finally:
		db_class.sql = original


def trace_summary(stats: dict, calls: int, top: int = 12) -> dict:
	rows = sorted(
		({"sql": k, "count_per_call": v[0] / calls, "ms_per_call": v[1] / calls} for k, v in stats.items()),
		key=lambda r: -r["ms_per_call"],
	)
	return {
		"queries_per_call": sum(r["count_per_call"] for r in rows),
		"sql_ms_per_call": sum(r["ms_per_call"] for r in rows),
		"top": rows[:top],
	}


def env_info(args) -> dict:
	return {
		"site": args.site,
		"started": time.strftime("%Y-%m-%d %H:%M:%S"),
		"host": {"cpus": os.cpu_count()},
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
		"app_commit": br._git("rev-parse", "HEAD"),
		"app_dirty_files": br._git("status", "--porcelain", "--untracked-files=no").splitlines(),
		"loadavg_start": os.getloadavg(),
	}


def table_mb(table: str) -> dict:
	row = frappe.db.sql(
		"""select round(data_length/1048576), round(index_length/1048576), table_rows
		from information_schema.tables where table_schema = database() and table_name = %s""",
		table,
	)
	return dict(zip(("data_mb", "index_mb", "rows_estimate"), row[0], strict=True)) if row else {}


def ratio(a: list[float], b: list[float]) -> dict:
	import statistics

	return {
		"median": statistics.median(a) / statistics.median(b),
		"mean": statistics.fmean(a) / statistics.fmean(b),
		"p95": pct(a, 95) / pct(b, 95),
	}


def write_result(result: dict, prefix: str, path: str | None = None) -> str:
	import json

	os.makedirs(RESULTS_DIR, exist_ok=True)
	path = path or os.path.join(RESULTS_DIR, time.strftime(f"{prefix}-%Y%m%d-%H%M%S.json"))
	with open(path, "w") as f:
		json.dump(result, f, indent=1, default=str)
	return path
