"""Channel analytics and feeds benchmark (issue 6): with 1M deal registrations and 2M Sales Invoice
lines on the site,

(a) every PRM workspace number card and chart (target: <= 300 ms each),
(b) every channel report with its default filters (target: <= 2 s each),
(c) importing a 100k-line sell-through file (target: <= 60 s), and the same file again (all
    duplicates).

Each call starts from a fresh request state (``benchlib.new_request``) as Administrator (a PRM
Manager). Cards and charts run the same code as the desk widgets: a Custom card's method, a
Document Type card through ``number_card.get_result``, a Custom chart's source ``get``. The calls
are interleaved in rounds so that load on the machine falls on all of them alike.

Data: ``bench_deals.py --generate-only`` (1M registrations) and
``bench_incentives.py --generate-only --other-invoices 950000`` (10k x 10 + 950k x 2 = 2M invoice
lines, inserted as raw rows like the registrations and claims, so the PRM Sales, Deal and Claim
Summaries are rebuilt here first; each rebuild is timed).

Run from the bench's ``sites`` directory as user ``frappe`` (see benchmarks/README.md)::

    ../env/bin/python /work/main/benchmarks/bench_analytics.py --site prm-bench.localhost
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib as bl  # noqa: E402
import frappe  # noqa: E402
import generate as gen  # noqa: E402

CARD_MS, CHART_MS, REPORT_MS, IMPORT_S = 300, 300, 2000, 60
CONTROL = "control: Frappe's get_list of 20 Users"
REPORTS = [
	("Channel Pipeline", {"group_by": "Partner"}),
	("Channel Pipeline", {"group_by": "Product Line"}),
	("Partner Scorecard", {}),
	("Channel Conflict Log", {}),
	("Partner Activity", {}),
	("Incentive ROI", {}),
]


def timed(fn, *args, **kwargs) -> float:
	bl.new_request("Administrator")
	t0 = time.perf_counter()
	fn(*args, **kwargs)
	return (time.perf_counter() - t0) * 1000


def workspace_calls() -> dict:
	from frappe.desk.doctype.number_card.number_card import get_result

	ws = frappe.get_doc("Workspace", "PRM")
	calls = {}
	for row in ws.number_cards:
		card = frappe.get_doc("Number Card", row.number_card_name)
		if card.type == "Custom":
			calls[f"card: {card.name}"] = (frappe.get_attr(card.method), (), {"filters": "{}"})
		else:
			calls[f"card: {card.name}"] = (get_result, (card.as_dict(), card.filters_json or "[]"), {})
	for row in ws.charts:
		chart = frappe.get_doc("Dashboard Chart", row.chart_name)
		source = frappe.get_doc("Dashboard Chart Source", chart.source)
		module = frappe.scrub(source.module)
		method = f"prm_extension.{module}.dashboard_chart_source.{frappe.scrub(source.name)}.{frappe.scrub(source.name)}.get"
		calls[f"chart: {chart.name}"] = (
			frappe.get_attr(method),
			(),
			{"chart_name": chart.name, "filters": chart.filters_json},
		)
	# no code of the app: the same process's speed, for comparisons between runs (benchmarks/ab.py)
	calls[CONTROL] = (frappe.get_list, ("User",), {"fields": ["name", "full_name"], "limit": 20})
	return calls


def report_call(name: str, extra: dict, company: str):
	from frappe.utils import add_months, nowdate

	module = frappe.get_attr(f"prm_extension.prm.report.{frappe.scrub(name)}.{frappe.scrub(name)}.execute")
	filters = {"company": company, "from_date": add_months(nowdate(), -12), "to_date": nowdate(), **extra}
	return module, (filters,), {}


def measure(calls: dict, reps: int, rounds: int) -> dict:
	times = {k: [] for k in calls}
	per = max(1, reps // rounds)
	keys = list(calls)
	for k in keys:  # warm-up
		fn, args, kwargs = calls[k]
		timed(fn, *args, **kwargs)
	for r in range(rounds):
		for k in keys if r % 2 == 0 else keys[::-1]:
			fn, args, kwargs = calls[k]
			for _ in range(per):
				times[k].append(timed(fn, *args, **kwargs))
	frappe.db.rollback()
	return {k: bl.summary(v) for k, v in times.items()}


def feed_file(world, partner: str, lines: int, seed: int) -> bytes:
	"""A sell-through CSV: a third the partner's own codes (mapped), a third our codes, some
	unknown; customers by name (known) or invented (unknown)."""
	rng = random.Random(seed)
	codes = list(bl.BENCH_ITEMS)
	for i, code in enumerate(codes):
		key = f"P-{i:03d}"
		if not frappe.db.exists(
			"Partner Item Mapping", {"channel_partner": partner, "partner_item_code": key}
		):
			frappe.get_doc(
				{
					"doctype": "Partner Item Mapping",
					"channel_partner": partner,
					"partner_item_code": key,
					"item_code": code,
				}
			).insert()
	frappe.db.commit()
	from frappe.utils import add_days, nowdate

	out = ["date,sku,qty,amount,customer,reference"]
	for n in range(lines):
		r = rng.random()
		k = rng.randrange(len(codes))
		sku = f"P-{k:03d}" if r < 0.34 else codes[k] if r < 0.67 else f"UNKNOWN-{rng.randrange(500)}"
		cust = (
			world.customers[rng.randrange(len(world.customers))].customer_name
			if rng.random() < 0.8
			else f"Walk-in {rng.randrange(10000)}"
		)
		qty = 1 + rng.randrange(20)
		out.append(
			f'{add_days(nowdate(), -rng.randrange(90))},{sku},{qty},{qty * 100}.00,"{cust}",INV-{seed}-{n}'
		)
	return ("\n".join(out) + "\n").encode("utf-8")


def feed_import(world, partner: str, lines: int, seed: int) -> dict:
	from prm_extension.services import feeds

	data = feed_file(world, partner, lines, seed)
	results = {}
	names = []
	for label in ("first", "replay"):
		frappe.set_user("Administrator")
		doc = frappe.get_doc(
			{
				"doctype": "Sell-Through Report",
				"channel_partner": partner,
				"report_type": "Sell-Through",
				"source": "Desk",
			}
		).insert()
		f = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "bench.csv",
				"attached_to_doctype": "Sell-Through Report",
				"attached_to_name": doc.name,
				"is_private": 1,
				"content": data,
			}
		).insert()
		doc.db_set("file", f.file_url)
		frappe.db.commit()
		names.append(doc.name)
		t0 = time.perf_counter()
		answer = feeds.import_report(doc.name)
		frappe.db.commit()
		results[label] = {"seconds": time.perf_counter() - t0, **answer}
		bl.log(f"  feed import ({label}): {results[label]}")
	results["bytes"] = len(data)
	results["lines"] = lines
	results["reports"] = names
	return results


def cleanup_feeds(names: list[str]) -> None:
	for name in names:
		frappe.db.delete("Sell-Through Line", {"report": name})
		frappe.delete_doc("Sell-Through Report", name, force=True, ignore_permissions=True)
	frappe.db.commit()


def main(argv=None):
	ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--site", default="prm-bench.localhost")
	ap.add_argument("--reps", type=int, default=20, help="calls per card and chart")
	ap.add_argument("--report-reps", type=int, default=5, help="runs per report")
	ap.add_argument("--rounds", type=int, default=5)
	ap.add_argument("--feed-lines", type=int, default=100_000)
	ap.add_argument("--skip-rebuild", action="store_true", help="the summaries are already built")
	ap.add_argument(
		"--skip-sales-rebuild", action="store_true", help="rebuild the deal and claim summaries only"
	)
	ap.add_argument("--skip-feed", action="store_true")
	ap.add_argument("--skip-widgets", action="store_true", help="only the feed import (and the rebuild)")
	ap.add_argument("--keep-feed", action="store_true", help="leave the imported feed lines on the site")
	ap.add_argument("--seed", type=int, default=gen.SEED)
	ap.add_argument("--out", default=None)
	args = ap.parse_args(argv)

	started = time.perf_counter()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	result = bl.env_info(args)
	feed_reports: list[str] = []
	try:
		result["site"] = {
			"registrations": frappe.db.count("Deal Registration"),
			"invoice_lines": frappe.db.sql("select count(*) from `tabSales Invoice Item`")[0][0],
			"invoices": frappe.db.count("Sales Invoice"),
			"claims": frappe.db.count("Incentive Claim"),
			"reservations": frappe.db.count("Account Reservation"),
		}
		bl.log(f"site: {result['site']}")
		company = (
			frappe.db.get_single_value("Global Defaults", "default_company")
			or frappe.get_all("Company", pluck="name")[0]
		)
		if not args.skip_rebuild:
			from prm_extension.services import summaries

			result["rebuilds"] = {}
			for label, fn in (
				("PRM Sales Summary", summaries.rebuild_sales),
				("PRM Deal Summary", summaries.rebuild_deals),
				("PRM Claim Summary", summaries.rebuild_claims),
			):
				if args.skip_sales_rebuild and label == "PRM Sales Summary":
					continue
				t0 = time.perf_counter()
				rows = fn()
				frappe.db.commit()
				result["rebuilds"][label] = {"seconds": time.perf_counter() - t0, "rows": rows}
				bl.log(f"{label} rebuilt: {result['rebuilds'][label]}")
		result["summary_rows"] = {
			d: frappe.db.count(d) for d in ("PRM Sales Summary", "PRM Deal Summary", "PRM Claim Summary")
		}
		if not args.skip_widgets:
			bl.log("cards and charts ...")
			result["widgets"] = measure(workspace_calls(), args.reps, args.rounds)
			bl.log("reports ...")
			reports = {
				f"report: {n}{' ' + str(x) if x else ''}": report_call(n, x, company) for n, x in REPORTS
			}
			result["reports"] = measure(reports, args.report_reps, 1)
		if not args.skip_feed:
			world = gen.load_world(seed=args.seed)
			partner = world.active_partners[0].name
			bl.log(f"feed import: {args.feed_lines:,} lines for {partner} ...")
			result["feed"] = feed_import(world, partner, args.feed_lines, args.seed)
			feed_reports = result["feed"]["reports"]
		result["loadavg"] = os.getloadavg()
	finally:
		if feed_reports and not args.keep_feed:
			cleanup_feeds(feed_reports)
		frappe.destroy()
	result["total_seconds"] = time.perf_counter() - started
	report(result)
	print(f"Results: {bl.write_result(result, 'analytics', args.out)}")


def report(result: dict) -> None:
	s = result["site"]
	print(
		f"\nSite: {s['registrations']:,} registrations, {s['invoice_lines']:,} invoice lines in {s['invoices']:,} invoices,"
		f" {s['claims']:,} claims; summary rows {result['summary_rows']}"
	)
	for label, r in result.get("rebuilds", {}).items():
		print(f"{label} rebuild: {r['seconds']:.1f} s, {r['rows']:,} rows")
	print(f"\n{'':<52}    p50     p95     p99    mean   target")
	if "widgets" not in result:
		result["widgets"], result["reports"] = {}, {}
	worst_widget = 0.0
	for name, m in result["widgets"].items():
		if name == CONTROL:
			print(f"  {name[:50]:<50}{bl.fmt(m)}")
			continue
		target = CARD_MS if name.startswith("card") else CHART_MS
		worst_widget = max(worst_widget, m["p95"])
		print(f"  {name[:50]:<50}{bl.fmt(m)}  {'ok' if m['p95'] <= target else 'OVER'}")
	worst_report = 0.0
	for name, m in result["reports"].items():
		worst_report = max(worst_report, m["max"])
		print(f"  {name[:50]:<50}{bl.fmt(m)}  {'ok' if m['max'] <= REPORT_MS else 'OVER'}")
	print(
		f"  worst card/chart p95 {worst_widget:.1f} ms (<= 300); slowest report run {worst_report:.0f} ms (<= 2000)"
	)
	if "feed" in result:
		f = result["feed"]
		print(
			f"  feed import of {f['lines']:,} lines ({f['bytes'] / 1048576:.1f} MB): {f['first']['seconds']:.1f} s"
			f" (imported {f['first'].get('imported')}, unknown items {f['first'].get('unmapped_items')},"
			f" unknown customers {f['first'].get('unmapped_customers')}); same file again {f['replay']['seconds']:.1f} s"
			f" (imported {f['replay'].get('imported')}) (target <= {IMPORT_S} s)"
		)


if __name__ == "__main__":
	main()
