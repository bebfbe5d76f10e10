"""Partner portal page benchmark: server time of every portal page for a partner with at least
10k deal registrations (target: p95 <= 150 ms per page).

Each page is rendered in-process through Frappe's website router (``frappe.website.serve.
get_response``), as the partner's Partner Admin, from a fresh request state each time — the work a
web request does between reading the request and writing the response (routing, ``get_context``,
permission queries, Jinja, the page's HTML). The pages are interleaved in blocks so that load on
the machine falls on all of them alike. What the browser downloads on a first visit (HTML, CSS,
scripts, fonts) is measured by ``portal_weight.mjs`` in a real Chromium.

Data: the deal benchmark's site (``bench_deals.py --generate-only``: 1M registrations over 40
partners); this script picks the partner with the most registrations and reports its counts.

Run from the bench's ``sites`` directory as user ``frappe`` (see benchmarks/README.md)::

    ../env/bin/python /work/main/benchmarks/bench_portal.py --site prm-bench.localhost
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib as bl  # noqa: E402
import frappe  # noqa: E402

TARGET_MS = 150
# the home page right after one of the partner's documents changed: its figures are computed
# afresh (they are otherwise kept per user for five minutes, see services/home.py)
UNCACHED_HOME = "/partner (figures not cached)"
# Frappe's own portal page for a logged-in website user, rendered the same way: what any Frappe v15
# page costs here (routing, the base template's ~320 KB; with this app installed its templates'
# compiled code is kept per process too, see prm_extension/portal/templating.py).
BASELINE = "/me"


def pick_partner(min_deals: int) -> tuple[str, int, str]:
	rows = frappe.db.sql(
		"""select channel_partner, count(*) from `tabDeal Registration`
		group by channel_partner order by count(*) desc limit 1"""
	)
	if not rows or rows[0][1] < min_deals:
		raise SystemExit(
			f"no partner with {min_deals:,} registrations: run bench_deals.py --generate-only first"
		)
	partner, deals = rows[0]
	user = frappe.db.get_value(
		"Channel Partner Member",
		{"parent": partner, "parenttype": "Channel Partner", "partner_role": "Partner Admin", "enabled": 1},
		"email",
	)
	return partner, deals, user


def pages_for(partner: str) -> list[str]:
	deal = frappe.db.get_value(
		"Deal Registration", {"channel_partner": partner, "status": "Approved"}, "name"
	) or frappe.db.get_value("Deal Registration", {"channel_partner": partner}, "name")
	item = frappe.db.get_value("Item", {"disabled": 0, "is_sales_item": 1, "has_variants": 0}, "name")
	paths = [
		BASELINE,
		"/partner",
		UNCACHED_HOME,
		"/partner/accounts",
		"/partner/deals",
		"/partner/deals?status=Approved",
		"/partner/deals?q=a",
		"/partner/deals?page=50",
		f"/partner/deals/{deal}",
		"/partner/deals/new",
		"/partner/incentives",
		"/partner/products",
		"/partner/promotions",
		"/partner/warranty",
		"/partner/news",
		"/partner/team",
	]
	if item:
		paths.insert(paths.index("/partner/promotions"), f"/partner/products/{item}")
	return paths


def render(path: str, user: str) -> tuple[float, int, int]:
	from frappe.utils import set_request
	from frappe.website.serve import get_response

	bl.new_request(user)
	if path == UNCACHED_HOME:
		from prm_extension.services.home import forget_home_figures
		from prm_extension.services.partners import partner_of

		forget_home_figures(partner_of())  # untimed: as a change to one of its documents does
		frappe.db.rollback()
		frappe.local.prm_partner_of = {}  # the request starts without it
		path = "/partner"
	set_request(method="GET", path=path)
	frappe.local.form_dict = frappe._dict(frappe.local.request.args.items())
	t0 = time.perf_counter()
	for hook in frappe.get_hooks("before_request"):  # as frappe.app does for every request
		frappe.call(hook)
	response = get_response()
	elapsed = (time.perf_counter() - t0) * 1000
	return elapsed, response.status_code, len(response.get_data())


def main(argv=None):
	ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--site", default="prm-bench.localhost")
	ap.add_argument("--min-deals", type=int, default=10_000)
	ap.add_argument("--calls", type=int, default=100, help="renders per page")
	ap.add_argument("--warmup", type=int, default=5, help="renders per page before measuring")
	ap.add_argument("--rounds", type=int, default=10, help="interleaved blocks")
	ap.add_argument("--out", default=None)
	args = ap.parse_args(argv)

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	result = bl.env_info(args)
	try:
		partner, deals, user = pick_partner(args.min_deals)
		result["partner"] = {
			"name": partner,
			"registrations": deals,
			"user": user,
			"reservations": frappe.db.count("Account Reservation", {"channel_partner": partner}),
			"claims": frappe.db.count("Incentive Claim", {"channel_partner": partner}),
			"items": frappe.db.count("Item", {"disabled": 0}),
		}
		bl.log(f"partner {partner}: {result['partner']}")
		paths = pages_for(partner)
		times: dict[str, list[float]] = {p: [] for p in paths}
		meta: dict[str, tuple[int, int]] = {}
		with bl.no_gravatar():
			for p in paths:
				for _ in range(args.warmup):
					_ms, status, size = render(p, user)
				meta[p] = (status, size)
				if status != 200:
					raise SystemExit(f"{p} answered {status}")
			per_round = max(1, args.calls // args.rounds)
			for r in range(args.rounds):
				order = paths if r % 2 == 0 else paths[::-1]
				for p in order:
					for _ in range(per_round):
						ms, _status, _size = render(p, user)
						times[p].append(ms)
		frappe.db.rollback()
		result["pages"] = {
			p: {**bl.summary(v), "status": meta[p][0], "html_bytes": meta[p][1]} for p, v in times.items()
		}
		ours = {p: s for p, s in result["pages"].items() if p != BASELINE}
		result["worst_p95"] = max(s["p95"] for s in ours.values())
		base = result["pages"][BASELINE]["p95"]
		result["worst_p95_ratio_to_baseline"] = result["worst_p95"] / base
		result["loadavg"] = os.getloadavg()
	finally:
		frappe.destroy()
	print(f"\nPortal pages for {partner} ({deals:,} registrations), server time in ms:")
	print(f"  {'page':<44}    p50     p95     p99    mean   HTML KB")
	for p, s in result["pages"].items():
		print(f"  {p[:44]:<44}{bl.fmt(s)} {s['html_bytes'] / 1024:8.1f}")
	verdict = "met" if result["worst_p95"] <= TARGET_MS else "NOT met"
	print(
		f"  worst p95 {result['worst_p95']:.1f} ms (target <= {TARGET_MS} ms): {verdict};"
		f" {result['worst_p95_ratio_to_baseline']:.2f} x Frappe's own {BASELINE}"
	)
	print(f"Results: {bl.write_result(result, 'portal', args.out)}")


if __name__ == "__main__":
	main()
