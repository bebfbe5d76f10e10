"""The work each portal page and each workspace card or chart does, counted instead of timed: Python
function calls, SQL statements and Redis commands per call, after warm-up calls.

Timings of whole processes differ by up to about 15 % on this machine for the same code, so a
comparison of two code versions by time needs many turns (``ab.py``). These counts are the same in
every run of the same code on the same data, so one turn per version shows whether a change made a
page or a card do more: run it under ``ab.py`` with one turn::

    ../env/bin/python /work/main/benchmarks/ab.py --base 09a83b2 --turns 1 --limit 1.0 \\
        --metric 'counts.*.calls' --metric 'counts.*.sql' --metric 'counts.*.redis' \\
        -- work_counts.py --site prm-bench.localhost

Data: the deal benchmark's site (portal pages, see ``bench_portal.py``) and, for the cards, the
incentive data (``bench_analytics.py``).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_analytics as ba  # noqa: E402
import bench_portal as bp  # noqa: E402
import benchlib as bl  # noqa: E402
import frappe  # noqa: E402


def count(run, calls: int) -> dict:
	"""Function calls, SQL statements and Redis commands per call of ``run`` (no argument)."""
	import redis

	db_class = type(frappe.local.db)
	sql, commands = [0], [0]
	original_sql, original_redis = db_class.sql, redis.Redis.execute_command

	def traced_sql(self, *args, **kwargs):
		sql[0] += 1
		return original_sql(self, *args, **kwargs)

	def traced_redis(self, *args, **kwargs):
		commands[0] += 1
		return original_redis(self, *args, **kwargs)

	profile = cProfile.Profile()
	db_class.sql, redis.Redis.execute_command = traced_sql, traced_redis
	try:
		profile.enable()
		for _ in range(calls):
			run()
		profile.disable()
	finally:
		db_class.sql, redis.Redis.execute_command = original_sql, original_redis
		frappe.db.rollback()
	functions = sum(v[1] for v in pstats.Stats(profile).stats.values())
	return {"calls": functions / calls, "sql": sql[0] / calls, "redis": commands[0] / calls}


def main(argv=None):
	ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--site", default="prm-bench.localhost")
	ap.add_argument(
		"--calls", type=int, default=10, help="counted calls of each (after as many warm-up calls)"
	)
	ap.add_argument("--min-deals", type=int, default=10_000)
	ap.add_argument("--out", default=None)
	args = ap.parse_args(argv)

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	result = bl.env_info(args)
	counts: dict[str, dict] = {}
	try:
		partner, _deals, user = bp.pick_partner(args.min_deals)
		with bl.no_gravatar():
			for path in bp.pages_for(partner):
				if path == bp.BASELINE:
					continue

				def page(path=path):
					_ms, status, _size = bp.render(path, user)
					if status != 200:
						raise SystemExit(f"{path} answered {status}")

				for _ in range(args.calls):
					page()
				counts[f"page {path}"] = count(page, args.calls)
		for name, (fn, fn_args, fn_kwargs) in ba.workspace_calls().items():
			if name == ba.CONTROL:
				continue

			def widget(fn=fn, fn_args=fn_args, fn_kwargs=fn_kwargs):
				ba.timed(fn, *fn_args, **fn_kwargs)

			for _ in range(args.calls):
				widget()
			counts[name] = count(widget, args.calls)
	finally:
		frappe.destroy()
	result["counts"] = counts
	print(f"  {'per call':<60}  functions      SQL    Redis")
	for name, c in counts.items():
		print(f"  {name[:60]:<60}  {c['calls']:9.0f}  {c['sql']:7.1f}  {c['redis']:7.1f}")
	print(f"Results: {bl.write_result(result, 'counts', args.out)}")


if __name__ == "__main__":
	main()
