"""Before and after in one run: a benchmark run in turns against this checkout's code and an earlier
commit's, so that "nothing else got slower" is a ratio measured under the same load.

The earlier commit is checked out (``git worktree``, detached, outside the repository) and put first
on ``PYTHONPATH`` for its turns: ``import prm_extension`` then loads that commit's package, and
Frappe takes the app's hooks, templates and controllers from it (it finds an app's files through its
module). The benchmark script itself is this checkout's, in every turn; it must run against both
versions (those in ``benchmarks/`` only use names both versions have). The two versions share the
site, its database and Redis, which is fine for code that changes no schema between them.

The turns alternate, base first then head, then head first (ABBA ...), each a whole run of the script
writing its own JSON. For every figure the ``--metric`` patterns select (dotted paths into the JSON,
``*`` matching any key), the report gives the median over each version's turns and the ratio head /
base; ``--limit`` is the largest ratio accepted.

Whole processes differ in speed by up to about 15 % on this machine, for the same code (memory
layout, hash seeds, what else runs): with ``--control`` naming a figure group that runs no app code
(Frappe's own ``/me`` page in ``bench_portal.py``, Frappe's ``get_list`` in ``bench_analytics.py``),
each turn's figures are first divided by the control's same statistic in that turn.

Run from the bench's ``sites`` directory as user ``frappe``::

    ../env/bin/python /work/main/benchmarks/ab.py --base 09a83b2 --turns 3 \\
        --metric 'pages.*.p95' -- bench_portal.py --site prm-bench.localhost --calls 60
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RESULTS_DIR = os.path.join(HERE, "results")


def git(*args: str) -> str:
	return subprocess.run(
		["git", "-C", REPO, *args], check=True, capture_output=True, text=True
	).stdout.strip()


def select(data, pattern: str) -> dict[str, float]:
	"""Figures of ``data`` at the dotted ``pattern`` (``*`` matches any key at its level)."""
	found: dict[str, float] = {}

	def walk(node, parts, path):
		if not parts:
			if isinstance(node, int | float) and not isinstance(node, bool):
				found[".".join(path)] = float(node)
			return
		if not isinstance(node, dict):
			return
		head, rest = parts[0], parts[1:]
		for key, value in node.items():
			if fnmatch.fnmatchcase(str(key), head):
				walk(value, rest, [*path, str(key)])

	walk(data, pattern.split("."), [])
	return found


def environment(version: str, base_tree: str) -> dict:
	env = dict(os.environ)
	if version == "base":
		env["PYTHONPATH"] = os.pathsep.join(p for p in (base_tree, env.get("PYTHONPATH")) if p)
	return env


def loaded_from(version: str, base_tree: str) -> str:
	"""Where ``import prm_extension`` finds the app in a turn of ``version`` (checked, not assumed)."""
	return subprocess.run(
		[sys.executable, "-c", "import os, prm_extension; print(os.path.dirname(prm_extension.__file__))"],
		env=environment(version, base_tree),
		check=True,
		capture_output=True,
		text=True,
	).stdout.strip()


def run_turn(version: str, base_tree: str, script: list[str], turn: int, stamp: str) -> dict:
	out = os.path.join(RESULTS_DIR, f"ab-{stamp}-{turn:02d}-{version}.json")
	env = environment(version, base_tree)
	path = script[0] if os.path.isabs(script[0]) else os.path.join(HERE, script[0])
	cmd = [sys.executable, path, *script[1:], "--out", out]
	t0 = time.perf_counter()
	proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
	if proc.returncode:
		sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
		raise SystemExit(f"turn {turn} ({version}) failed with exit code {proc.returncode}")
	print(
		f"  turn {turn:2d} {version:<4} {time.perf_counter() - t0:6.1f} s  {os.path.basename(out)}",
		flush=True,
	)
	with open(out) as f:
		return json.load(f)


def main(argv=None):
	ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--base", required=True, help="the earlier commit (any git revision)")
	ap.add_argument("--turns", type=int, default=3, help="runs per version")
	ap.add_argument("--metric", action="append", required=True, help="dotted path pattern, repeatable")
	ap.add_argument("--limit", type=float, default=1.05, help="largest head / base ratio accepted")
	ap.add_argument(
		"--control",
		default=None,
		help="dotted path of a figure group measuring no app code (e.g. 'pages./me'): each turn's"
		" figures are divided by the control's same statistic before the medians are taken",
	)
	ap.add_argument("--out", default=None)
	ap.add_argument("script", nargs=argparse.REMAINDER, help="-- benchmark script and its arguments")
	args = ap.parse_args(argv)
	script = [a for a in args.script if a != "--"] if args.script[:1] == ["--"] else args.script
	if not script:
		ap.error("give the benchmark after --")

	base_rev = git("rev-parse", args.base)
	head_rev = git("rev-parse", "HEAD")
	dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
	os.makedirs(RESULTS_DIR, exist_ok=True)
	stamp = time.strftime("%Y%m%d-%H%M%S")
	base_tree = tempfile.mkdtemp(prefix="prm-ab-base-")
	git("worktree", "add", "--detach", base_tree, base_rev)
	print(
		f"base {base_rev[:10]} in {base_tree}; head {head_rev[:10]}{' + uncommitted changes' if dirty else ''}"
	)
	paths = {version: loaded_from(version, base_tree) for version in ("base", "head")}
	if not paths["base"].startswith(base_tree) or paths["head"].startswith(base_tree):
		git("worktree", "remove", "--force", base_tree)
		raise SystemExit(f"the turns would not load the two versions: {paths}")
	print(f"  base turns load {paths['base']}, head turns {paths['head']}")
	runs: dict[str, list[dict]] = {"base": [], "head": []}
	try:
		order = []
		for k in range(args.turns):
			order += ["base", "head"] if k % 2 == 0 else ["head", "base"]
		for turn, version in enumerate(order, start=1):
			runs[version].append(run_turn(version, base_tree, script, turn, stamp))
	finally:
		git("worktree", "remove", "--force", base_tree)

	figures: dict[str, dict] = {}
	for pattern in args.metric:
		for version, results in runs.items():
			for result in results:
				for key, value in select(result, pattern).items():
					if args.control:
						if key.startswith(args.control + "."):
							continue  # the control itself
						statistic = key.rsplit(".", 1)[-1]
						control = select(result, f"{args.control}.{statistic}")
						if not control:
							raise SystemExit(f"no control figure {args.control}.{statistic}")
						value = value / next(iter(control.values()))
					figures.setdefault(key, {"base": [], "head": []})[version].append(value)
	rows = {}
	for key, values in figures.items():
		if not values["base"] or not values["head"]:
			continue
		base, head = statistics.median(values["base"]), statistics.median(values["head"])
		rows[key] = {
			"base": base,
			"head": head,
			"ratio": head / base if base else None,
			"base_turns": values["base"],
			"head_turns": values["head"],
		}
	if not rows:
		raise SystemExit(f"no figure matched {args.metric}")
	worst = max((r["ratio"] for r in rows.values() if r["ratio"] is not None), default=None)
	width = max(len(k) for k in rows)
	if args.control:
		print(f"\n  figures as multiples of {args.control} in the same turn (process speed taken out)")
	print(f"\n  {'figure':<{width}}      base      head   head/base")
	for key, r in rows.items():
		print(f"  {key:<{width}}  {r['base']:8.3f}  {r['head']:8.3f}   {r['ratio']:.3f}")
	verdict = "met" if worst is not None and worst <= args.limit else "NOT met"
	print(f"  worst ratio {worst:.3f} (limit {args.limit}): {verdict}")
	summary = {
		"base": base_rev,
		"head": head_rev,
		"head_uncommitted_changes": dirty,
		"script": script,
		"turns": args.turns,
		"order": order,
		"loaded_from": paths,
		"figures": rows,
		"worst_ratio": worst,
		"limit": args.limit,
		"control": args.control,
		"loadavg": os.getloadavg(),
	}
	out = args.out or os.path.join(RESULTS_DIR, f"ab-{stamp}.json")
	with open(out, "w") as f:
		json.dump(summary, f, indent=1, default=str)
	print(f"Results: {out}")


if __name__ == "__main__":
	main()
