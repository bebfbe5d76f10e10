"""Scheduled jobs are idempotent (issue #12): each job run twice, or run again after a failure
inside one of its batches, leaves the same documents, statuses, summaries, comments, versions,
log rows, queued notifications and ended benefits as one clean run.

The jobs run on the real test site with their real batches (a small batch size, so a few records
make several batches). A run and its variant start from the same state: the first is undone with
a savepoint. A failure is injected by wrapping one app function so that it raises once its work
is done (the record is then half processed); the database is never mocked.

What a commit would hand on (background jobs queued with ``enqueue_after_commit``: the deals'
status e-mails) is read from Frappe's after-commit callbacks and run here, as a worker would, so
the e-mails and notification logs they make are compared as rows too.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from unittest.mock import patch

import frappe
from frappe.realtime import clear_realtime_log
from frappe.utils import CallbackManager, add_days, now, nowdate

from prm_extension import jobs
from prm_extension.api.deals import decide
from prm_extension.prm.doctype.deal_registration.deal_registration import DealRegistration
from prm_extension.prm.doctype.incentive_claim.incentive_claim import IncentiveClaim
from prm_extension.services import tiers as tiers
from prm_extension.tests.utils import (
	PRMTestCase,
	allocate,
	ensure_channel,
	make_customer,
	make_partner,
	make_program,
	register_as,
	reserve_as,
	user_of,
)

ALPHA, BETA, GAMMA = "PRM Test Alpha", "PRM Test Beta", "PRM Test Gamma"
GOLD = "PRM Test Gold"
LOG_TABLES = ("Comment", "Version", "Error Log", "Email Queue", "Notification Log")
# set afresh by any run (a clean run and a failed run plus its rerun differ only in these)
VOLATILE = {"modified", "creation", "evaluated_on", "submitted_on", "decided_on"}


class WorkerStopped(BaseException):
	"""The worker stops in the middle of a batch (killed, out of memory): no ``except Exception``
	in the job catches it, only the job runner sees it."""


def fails_after(original, key, victim, exc):
	"""``original`` does its work, then raises ``exc`` when ``key(*args)`` is ``victim``."""

	def wrapper(*args, **kwargs):
		result = original(*args, **kwargs)
		if key(*args, **kwargs) == victim:
			raise exc(f"injected failure at {victim}")
		return result

	return wrapper


def queued_jobs(manager: CallbackManager) -> list[tuple[str, dict]]:
	"""(method, kwargs) of the background jobs ``manager`` enqueues when it runs at the commit.

	Reads Frappe v15 internals: the callbacks queue (``CallbackManager._functions``) and the
	``enqueue_call`` closure of ``frappe.enqueue(..., enqueue_after_commit=True)``. A callback that
	runs another CallbackManager (a unit of work that succeeded) is followed into it."""
	jobs = []
	for fn in list(manager._functions):
		owner = getattr(fn, "__self__", None)
		if isinstance(owner, CallbackManager):
			jobs += queued_jobs(owner)
		elif getattr(fn, "__name__", "") == "enqueue_call":
			cells = dict(zip(fn.__code__.co_freevars, (c.cell_contents for c in fn.__closure__), strict=True))
			args = cells["queue_args"]
			jobs.append((args["method"], dict(args["kwargs"])))
	return jobs


def plain(value) -> str:
	return "" if value is None else str(value)


def relabel(snap: dict, labels: dict[str, str]) -> dict:
	"""The snapshot with each name in ``labels`` replaced by its label, and its lists re-sorted."""
	if not labels:
		return snap
	names = sorted(labels, key=len, reverse=True)

	def text(value: str) -> str:
		for name in names:
			value = value.replace(name, labels[name])
		return value

	out = {}
	for key, value in snap.items():
		if isinstance(value, list):
			value = [
				{k: text(v) for k, v in item.items()} if isinstance(item, dict) else tuple(map(text, item))
				for item in value
			]
			value.sort(key=lambda item: json.dumps(item, sort_keys=True))
		out[key] = value
	return out


class JobCase(PRMTestCase):
	"""A job's fixture, its runs and snapshots of what they leave behind."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()
		# The jobs log a record once. Error Log is a MyISAM table in Frappe, its rows outlive the
		# rollback of the test; the records of earlier runs were rolled back and their names come
		# again (naming series), so their Error Logs would hide this run's.
		for log in frappe.get_all(
			"Error Log",
			filters={"method": ("like", "PRM: %")},  # the titles of the jobs' Error Logs
			fields=["name", "reference_doctype", "reference_name"],
		):
			if not frappe.db.exists(log.reference_doctype, log.reference_name):
				frappe.db.delete("Error Log", {"name": log.name})

	def setUp(self):
		frappe.set_user("Administrator")
		self.started = now()
		self.delivered: list[tuple[str, str]] = []
		self.make_fixture()
		self.deliver()  # what the fixture queued (approvals' e-mails) is not the job's
		self.delivered.clear()
		self.since = now()

	def tearDown(self):
		frappe.db.delete("Error Log", {"creation": (">=", self.started)})  # not rolled back

	def make_fixture(self):
		raise NotImplementedError

	def run_job(self):
		raise NotImplementedError

	def state(self) -> dict[str, list[dict]]:
		"""The job's documents, whole rows."""
		raise NotImplementedError

	# --- what a commit would hand on -----------------------------------------------------------

	def deliver(self) -> None:
		"""Run the app's jobs queued for after the commit here, as a worker would after it (other
		jobs are only recorded), and drop the realtime messages."""
		for _round in range(3):  # a delivered job may queue another
			jobs = queued_jobs(frappe.db.after_commit)
			frappe.db.after_commit.reset()
			clear_realtime_log()
			if not jobs:
				return
			for method, kwargs in jobs:
				self.delivered.append((method, json.dumps(kwargs, sort_keys=True, default=str)))
				if method.startswith("prm_extension."):
					frappe.call(method, **kwargs)

	@contextmanager
	def undone(self):
		"""Everything done inside is undone at the end: database rows, queued and delivered work."""
		point = f"prm_test_{frappe.generate_hash(length=8)}"
		frappe.db.savepoint(point)
		delivered = len(self.delivered)
		try:
			yield
		finally:
			frappe.db.rollback(save_point=point)
			frappe.db.after_commit.reset()
			clear_realtime_log()
			del self.delivered[delivered:]

	# --- snapshots -----------------------------------------------------------------------------

	def snapshot(self, strict: bool = True) -> dict:
		"""Row counts of the log tables, the rows they gained since the fixture, the jobs handed on
		and the job's documents. ``strict``: with names and timestamps (a second run must not touch
		anything); otherwise without what any run sets afresh (a rerun after a failure is compared
		with a clean run made at another moment)."""
		self.deliver()
		snap: dict = {f"rows in tab{dt}": frappe.db.count(dt) for dt in LOG_TABLES}
		extra = ["name", "creation"] if strict else []

		def new_rows(doctype, fields):
			rows = frappe.get_all(
				doctype, filters={"creation": (">=", self.since)}, fields=fields + extra, order_by="name"
			)
			return sorted(tuple(plain(r[f]) for f in fields + extra) for r in rows)

		snap["comments"] = new_rows(
			"Comment", ["reference_doctype", "reference_name", "comment_type", "content"]
		)
		snap["error logs"] = new_rows("Error Log", ["method", "reference_doctype", "reference_name"])
		snap["e-mails"] = new_rows("Email Queue", ["reference_doctype", "reference_name", "status"])
		snap["notification logs"] = new_rows(
			"Notification Log", ["document_type", "document_name", "for_user", "subject"]
		)
		versions = []
		for v in frappe.get_all(
			"Version",
			filters={"creation": (">=", self.since)},
			fields=["name", "creation", "ref_doctype", "docname", "data"],
		):
			data = json.loads(v.data or "{}")
			changed = sorted(c[0] for c in data.get("changed", []) if c[0] not in VOLATILE)
			versions.append(
				(v.ref_doctype, v.docname, *changed, *((v.name, plain(v.creation), v.data) if strict else ()))
			)
		snap["versions"] = sorted(versions)
		snap["jobs handed on"] = sorted(self.delivered)
		for label, rows in self.state().items():
			snap[label] = [
				{k: plain(v) for k, v in sorted(row.items()) if strict or k not in VOLATILE} for row in rows
			]
		return snap if strict else relabel(snap, self.labels())

	def labels(self) -> dict[str, str]:
		"""Names of documents the job creates, by what they stand for: a record that failed gets its
		document from the rerun, after the others, so the naming series numbers them differently."""
		return {}

	def rows(self, doctype, names, fields=("*",)) -> list[dict]:
		return frappe.get_all(
			doctype, filters={"name": ("in", list(names) or [""])}, fields=list(fields), order_by="name"
		)

	def assert_same(self, actual: dict, expected: dict, msg: str = "") -> None:
		self.assertEqual(actual.keys(), expected.keys())
		for key in expected:
			self.assertEqual(actual[key], expected[key], f"{msg}: {key}")

	# --- the checks every job passes -------------------------------------------------------------

	def check_second_run(self) -> dict:
		before = self.snapshot()
		self.run_job()
		first = self.snapshot()
		self.assertNotEqual(first, before, "the first run has work to do")
		self.run_job()
		self.assert_same(self.snapshot(), first, "second run")
		return first

	def check_rerun_after_stop(self, victim, injection, done_before, undone, exc=WorkerStopped):
		"""The run stops at ``victim`` (half processed) in a later batch, ``exc`` escaping the job:
		that batch is undone (``undone``: the records processed before the victim in it), the
		earlier batches are kept (``done_before``: records of theirs), and a rerun ends exactly as
		one clean run."""
		before = self.snapshot(strict=False)
		with self.undone():
			self.run_job()
			clean = self.snapshot(strict=False)
		with injection(victim, exc), self.assertRaises(exc):
			self.run_job()
		stopped = self.snapshot(strict=False)
		for key in [*undone, victim]:
			self.assertEqual(self.record(stopped, key), self.record(before, key), key)
		for key in done_before:
			self.assertEqual(self.record(stopped, key), self.record(clean, key), key)
		self.run_job()
		self.assert_same(self.snapshot(strict=False), clean, "rerun after the run stopped")

	def check_rerun_after_record_failure(self, victim, injection, log_reference):
		"""The victim fails (half processed): it is left as it was, one Error Log names it, a rerun
		that fails on it again changes nothing, and a rerun that gets through ends as one clean run
		plus that Error Log."""
		before = self.snapshot(strict=False)
		with self.undone():
			self.run_job()
			clean = self.snapshot(strict=False)
		with injection(victim, frappe.ValidationError):
			self.run_job()
		failed = self.snapshot()
		left = self.record(self.snapshot(strict=False), victim)
		self.assertEqual({**left, "error logs": []}, self.record(before, victim), "left as it was")
		self.assertEqual([e[1:3] for e in failed["error logs"]], [tuple(log_reference)])
		with injection(victim, frappe.ValidationError):
			self.run_job()
		self.assert_same(self.snapshot(), failed, "rerun failing again")
		self.run_job()
		final = self.snapshot(strict=False)
		expected = dict(clean)
		expected["rows in tabError Log"] += 1
		expected["error logs"] = sorted(clean["error logs"] + [tuple(e[:3]) for e in failed["error logs"]])
		self.assert_same(final, expected, "rerun after a record failed")

	def record(self, snap, key):
		"""What the snapshot holds about one record of the job: rows naming it anywhere."""
		return {
			label: [row for row in rows if key in json.dumps(row)]
			for label, rows in snap.items()
			if isinstance(rows, list)
		}


# --- deal registrations -------------------------------------------------------------------------


class TestDealExpiry(JobCase):
	"""Approved registrations past their protection become Expired, their discount (Pricing Rule)
	ends, a comment says why and the partner gets the status e-mail, each exactly once.

	A second run changed nothing before issue #12 already; the failure tests failed then. The
	second-run test fails on a variant that closes registrations again whatever their status
	(checked locally, not committed: the refused closes add Error Log rows on the second run)."""

	def make_fixture(self):
		jobs.expire_deals()  # registrations of the site already due are not this test's
		self.deals = []
		for days_past in (4, 3, 2, 1, -30):  # the last one is still protected
			doc = register_as(user_of(GAMMA), make_customer().name)  # Gold: a 5 % deal discount
			decide(doc.name, "Approve")
			frappe.db.set_value(
				"Deal Registration", doc.name, "protection_until", add_days(nowdate(), -days_past)
			)
			self.deals.append(doc.name)
		self.assertTrue(all(self.rows("Deal Registration", self.deals, ["pricing_rule"])))

	def run_job(self):
		return jobs.expire_deals(batch_size=2)

	def state(self):
		deals = self.rows("Deal Registration", self.deals)
		return {
			"deal registrations": deals,
			"pricing rules": self.rows(
				"Pricing Rule",
				[d.pricing_rule for d in deals],
				["name", "title", "disable", "valid_upto", "modified"],
			),
			"deal summary": frappe.get_all(
				"PRM Deal Summary", filters={"channel_partner": GAMMA}, fields=["*"], order_by="name"
			),
		}

	@contextmanager
	def injection(self, victim, exc):
		with patch.object(
			DealRegistration,
			"end_benefits",  # the last step of the expiry: status, comment and e-mail are done
			fails_after(DealRegistration.end_benefits, lambda doc: doc.name, victim, exc),
		):
			yield

	def test_a_second_run_changes_nothing(self):
		self.check_second_run()
		snap = self.snapshot(strict=False)
		self.assertEqual([r["status"] for r in snap["deal registrations"]], ["Expired"] * 4 + ["Approved"])
		self.assertEqual([r["disable"] for r in snap["pricing rules"]], ["1"] * 4 + ["0"])
		notified = [
			json.loads(kwargs)
			for method, kwargs in snap["jobs handed on"]
			if method == "prm_extension.services.deals.send_status_notifications"
		]
		self.assertEqual(
			sorted((n["registration"], n["status"]) for n in notified),
			[(name, "Expired") for name in self.deals[:4]],
		)

	def test_a_rerun_after_a_failed_record_matches_a_clean_run(self):
		self.check_rerun_after_record_failure(
			self.deals[1], self.injection, ["Deal Registration", self.deals[1]]
		)

	def test_a_rerun_after_the_worker_stopped_half_way_matches_a_clean_run(self):
		# batches of two: [0, 1] [2, 3]; it stops at 3, once 2 is done
		self.check_rerun_after_stop(self.deals[3], self.injection, self.deals[:2], [self.deals[2]])


# --- account reservations -----------------------------------------------------------------------


class TestReservationExpiry(JobCase):
	"""Active reservations past their expiry date become Expired and free their slot (the live key
	that holds the account), with one comment each.

	A second run changed nothing before issue #12 already (its batches relied on the job runner's
	rollback when they failed half-way, which the two failure tests show). The second-run test
	fails on a variant that touches expired rows again (checked locally, not committed: a run that
	sets ``modified`` of the expired reservations again fails it on the reservations' rows)."""

	def make_fixture(self):
		jobs.expire_reservations()  # reservations of the site already due are not this test's
		self.reservations = []
		for days_past in (4, 3, 2, 1, -10):  # the last one runs on
			res = reserve_as(user_of(BETA), make_customer().name)
			res.db_set("expiry_date", add_days(nowdate(), -days_past))
			self.reservations.append(res.name)

	def run_job(self):
		return jobs.expire_reservations(batch_size=2)

	def state(self):
		return {"reservations": self.rows("Account Reservation", self.reservations)}

	@contextmanager
	def injection(self, victim, exc):
		get_doc = frappe.get_doc

		def comment_of(*args, **kwargs):
			arg = args[0] if args else kwargs
			if isinstance(arg, dict) and arg.get("doctype") == "Comment":
				return arg.get("reference_name")

		def failing_get_doc(*args, **kwargs):
			# the victim's comment fails: its status is written, those before it are commented
			if comment_of(*args, **kwargs) == victim:
				raise exc(f"injected failure at {victim}")
			return get_doc(*args, **kwargs)

		with patch("frappe.get_doc", failing_get_doc):
			yield

	def test_a_second_run_changes_nothing(self):
		self.check_second_run()
		rows = self.snapshot()["reservations"]
		self.assertEqual(
			[(r["status"], r["live_key"]) for r in rows][:4], [("Expired", "")] * 4, "slots freed"
		)
		self.assertEqual(rows[4]["status"], "Active")

	def test_a_rerun_after_the_worker_stopped_half_way_matches_a_clean_run(self):
		# batches of two by expiry date: [0, 1] [2, 3]; it stops at 3's comment, once 2 is done
		self.check_rerun_after_stop(
			self.reservations[3], self.injection, self.reservations[:2], [self.reservations[2]]
		)

	def test_a_batch_that_fails_is_undone_and_the_rerun_finishes_it(self):
		# an error writing a comment (the database refuses it) fails the whole batch
		self.check_rerun_after_stop(
			self.reservations[3],
			self.injection,
			self.reservations[:2],
			[self.reservations[2]],
			exc=frappe.ValidationError,
		)


# --- computed program claims --------------------------------------------------------------------


class TestProgramClaims(JobCase):
	"""A registered-deal bonus program: one Submitted claim per allocation whose period ended with
	something earned, none where nothing was earned, never two."""

	def make_fixture(self):
		self.program = make_program("Registered-Deal Bonus", budget=20000, bonus_per_deal=100).name
		idle = make_partner(f"PRM Idem Idle {frappe.generate_hash(length=6)}", tier=GOLD).name
		period = {"period_start": add_days(nowdate(), -10), "period_end": add_days(nowdate(), -1)}
		# in name order: [Beta, idle] [Alpha, Gamma]
		self.partners = [BETA, idle, ALPHA, GAMMA]
		self.allocations = [allocate(self.program, p, 5000, **period).name for p in self.partners]
		for partner in (BETA, ALPHA, GAMMA):
			deal = register_as(user_of(partner), make_customer().name)
			decide(deal.name, "Approve")
			frappe.get_doc("Deal Registration", deal.name).close("Won", amount=1000)
			frappe.db.set_value("Deal Registration", deal.name, "won_on", add_days(nowdate(), -5))

	def run_job(self):
		return jobs.compute_program_claims(self.program, batch_size=2)

	def state(self):
		claims = frappe.get_all(
			"Incentive Claim", filters={"program": self.program}, fields=["*"], order_by="name"
		)
		return {
			"claims": claims,
			"claim references": frappe.get_all(
				"Incentive Claim Reference",
				filters={"parent": ("in", [c.name for c in claims] or [""])},
				fields=["parent", "idx", "reference_doctype", "reference_name", "qty", "amount"],
				order_by="parent, idx",
			),
			"allocations": self.rows("Fund Allocation", self.allocations),
			"claim summary": frappe.get_all(
				"PRM Claim Summary", filters={"program": self.program}, fields=["*"], order_by="name"
			),
		}

	def labels(self):
		return {
			c.name: f"claim of {c.fund_allocation}"
			for c in frappe.get_all("Incentive Claim", {"program": self.program}, ["name", "fund_allocation"])
		}

	@contextmanager
	def injection(self, victim, exc):
		with patch.object(
			IncentiveClaim,
			"check_rules",  # the claim is inserted and being submitted
			fails_after(IncentiveClaim.check_rules, lambda claim, *a: claim.fund_allocation, victim, exc),
		):
			yield

	def test_a_second_run_changes_nothing(self):
		self.check_second_run()
		claims = self.snapshot()["claims"]
		self.assertEqual(
			sorted((c["fund_allocation"], c["status"]) for c in claims),
			sorted((a, "Submitted") for i, a in enumerate(self.allocations) if i != 1),
			"one Submitted claim per allocation that earned something",
		)

	def test_a_rerun_after_a_failed_record_matches_a_clean_run(self):
		self.check_rerun_after_record_failure(
			self.allocations[0], self.injection, ["Fund Allocation", self.allocations[0]]
		)

	def test_a_rerun_after_the_worker_stopped_half_way_matches_a_clean_run(self):
		self.check_rerun_after_stop(
			self.allocations[3], self.injection, self.allocations[:2], [self.allocations[2]]
		)


# --- tier evaluation ----------------------------------------------------------------------------


class TestTierEvaluation(JobCase):
	"""Every Active partner evaluated; a proposal is recorded once and left alone while the
	evaluation finds the same figures."""

	def make_fixture(self):
		# Gold out of reach: Gold partners (these two among them) get a proposal
		frappe.db.set_value("Partner Tier", GOLD, "min_won_deals", 10**6)
		self.fresh = [
			make_partner(f"PRM Idem Tier {frappe.generate_hash(length=6)}", tier=GOLD).name for _ in range(2)
		]
		self.order = frappe.get_all(
			"Channel Partner", filters={"status": "Active"}, pluck="name", order_by="name asc"
		)
		self.victim = self.fresh[1] if self.order.index(self.fresh[1]) >= 2 else self.fresh[0]
		self.other = next(p for p in self.fresh if p != self.victim)
		position = self.order.index(self.victim)
		self.assertGreaterEqual(position, 2, self.order)
		# the victim is the second partner of the second batch
		self.batch_size = position - 1

	def run_job(self):
		return tiers.run_evaluation(batch_size=self.batch_size)

	def state(self):
		return {
			"tier reviews": frappe.get_all(
				"Partner Tier Review",
				filters={"channel_partner": ("in", self.order)},
				fields=["*"],
				order_by="name",
			),
			"partner tiers": frappe.get_all(
				"Channel Partner",
				filters={"name": ("in", self.order)},
				fields=["name", "tier", "modified"],
				order_by="name",
			),
		}

	def labels(self):
		reviews = frappe.get_all(
			"Partner Tier Review",
			filters={"creation": (">=", self.since)},
			fields=["name", "channel_partner"],
			order_by="name",
		)
		seen: dict[str, int] = {}
		out = {}
		for r in reviews:
			seen[r.channel_partner] = seen.get(r.channel_partner, 0) + 1
			out[r.name] = f"new review {seen[r.channel_partner]} of {r.channel_partner}"
		return out

	@contextmanager
	def injection(self, victim, exc):
		with patch.object(
			tiers,
			"record",  # the proposal is written
			fails_after(tiers.record, lambda proposal: proposal["channel_partner"], victim, exc),
		):
			yield

	def test_a_second_run_changes_nothing(self):
		self.check_second_run()
		reviews = self.snapshot()["tier reviews"]
		for partner in self.fresh:  # promoted instead where other tests left tiers above Gold
			self.assertIn(
				[(r["status"], r["direction"]) for r in reviews if r["channel_partner"] == partner],
				([("Proposed", "Demotion")], [("Proposed", "Promotion")]),
			)

	def test_a_rerun_after_a_failed_record_matches_a_clean_run(self):
		self.check_rerun_after_record_failure(self.other, self.injection, ["Channel Partner", self.other])

	def test_a_rerun_after_the_worker_stopped_half_way_matches_a_clean_run(self):
		position = self.order.index(self.victim)
		self.check_rerun_after_stop(
			self.victim, self.injection, self.order[: position - 1], [self.order[position - 1]]
		)


class TestMovedModules(PRMTestCase):
	"""An upgraded site's stored method names follow the 0.4 layout (patches/v0_4/moved_modules.py)."""

	def test_queued_jobs_and_scheduled_job_types_follow_the_moves(self):
		from frappe.utils.background_jobs import get_queue

		from prm_extension.patches.v0_4 import moved_modules

		for old, new in {**moved_modules.QUEUED, **moved_modules.SCHEDULED}.items():
			frappe.get_attr(new)  # every new name exists
			self.assertNotEqual(old, new)
		# a status e-mail job queued by the old code, before the upgrade
		old = "prm_extension.deal_engine.send_status_notifications"
		job = frappe.enqueue(old, queue="short", registration="DR-NONE", status="Approved")
		try:
			with self.assertRaises(ModuleNotFoundError):
				frappe.get_attr(old)  # it would fail in the worker
			self.assertGreaterEqual(moved_modules.follow_queued_jobs(), 1)
			again = get_queue("short").fetch_job(job.id)
			self.assertEqual(again.kwargs["method"], moved_modules.QUEUED[old])
			self.assertEqual(again.kwargs["kwargs"], {"registration": "DR-NONE", "status": "Approved"})
			self.assertEqual(moved_modules.follow_queued_jobs(), 0)  # nothing left to move
		finally:
			job.delete()
		# a Scheduled Job Type stored under the old name keeps its record (and a stopped job stays stopped)
		new = "prm_extension.jobs.schedule_deal_expiry"
		name = frappe.db.get_value("Scheduled Job Type", {"method": new})
		frappe.db.set_value(
			"Scheduled Job Type", name, {"method": "prm_extension.tasks.schedule_deal_expiry", "stopped": 1}
		)
		moved_modules.execute()
		self.assertEqual(frappe.db.get_value("Scheduled Job Type", name, ["method", "stopped"]), (new, 1))
		frappe.db.set_value("Scheduled Job Type", name, "stopped", 0)
