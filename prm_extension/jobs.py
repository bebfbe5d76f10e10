"""Scheduled work: the daily expiry of account reservations and deal registrations, and the
computation of a program's claims (queued by a PRM Manager). Each runs on the long queue in
batches committed one by one, with progress, and is idempotent:

* a record is processed only while it is still due, re-read under its row lock, so a second run
  finds nothing left to do and changes nothing;
* a batch is one unit: if it stops half-way (the worker dies, the database fails), what it wrote
  is undone together with the work it queued for after the commit (status e-mails), and the next
  run does the batch again;
* a record that fails on its own (a rule refuses it) is undone alone and left as it was for the
  next run, and logged once: a run that fails on it again adds no second Error Log.
"""

from __future__ import annotations

import frappe
from frappe.query_builder.functions import Count
from frappe.utils import getdate, nowdate

from prm_extension.services import tiers
from prm_extension.services.batches import atomic, each_record, end_batch
from prm_extension.services.home import forget_home_figures
from prm_extension.services.partners import forget_live_count

BATCH_SIZE = 1000
# Error Log titles (one row per record and title, see log_once)
DEAL_EXPIRY_FAILED = "PRM: deal registration could not be expired"
CLAIM_FAILED = "PRM: program claim could not be computed"


# --- account reservations ---------------------------------------------------------------------


def schedule_reservation_expiry() -> None:
	"""Scheduler entry point: queue the sweep on the long queue (once, even if triggered twice)."""
	frappe.enqueue(
		"prm_extension.jobs.expire_reservations",
		queue="long",
		job_id="prm_expire_reservations",
		deduplicate=True,
		enqueue_after_commit=True,
	)


def expire_reservations(today: str | None = None, batch_size: int = BATCH_SIZE) -> int:
	"""Set every Active reservation whose expiry date has passed to Expired, which frees its slot
	(the live key that holds the account, and the tier's count of active reservations), with a
	comment on each. Returns how many. A batch's rows are locked, then updated and commented
	together (one unit); a rerun finds nothing left to do."""
	today = today or nowdate()
	res = frappe.qb.DocType("Account Reservation")
	due = (res.status == "Active") & (res.expiry_date < today)
	total = frappe.qb.from_(res).select(Count("*")).where(due).run()[0][0]
	done = 0
	while True:
		with atomic():
			rows = (
				frappe.qb.from_(res)
				.select(res.name, res.channel_partner)
				.where(due)
				.orderby(res.expiry_date)
				.orderby(res.name)
				.limit(batch_size)
				.for_update()  # released or extended meanwhile: not expired
				.run()
			)
			names = [r[0] for r in rows]
			if names:
				(
					frappe.qb.update(res)
					.set(res.status, "Expired")
					.set(res.live_key, None)
					.set(res.modified, frappe.utils.now())
					.where(res.name.isin(names) & due)
					.run()
				)
				for name in names:
					frappe.get_doc(
						{
							"doctype": "Comment",
							"comment_type": "Info",
							"reference_doctype": "Account Reservation",
							"reference_name": name,
							"content": frappe._("Expired: the protection period ended."),
						}
					).db_insert()
		if not names:
			break
		done += len(names)
		end_batch(done, total, frappe._("Expiring account reservations"))
		for partner in {r[1] for r in rows}:
			forget_home_figures(partner)  # the bulk update runs no document hooks
			forget_live_count(partner)  # nor does it drop the cached live count
	return done


# --- deal registrations -------------------------------------------------------------------------


def schedule_deal_expiry() -> None:
	frappe.enqueue(
		"prm_extension.jobs.expire_deals",
		queue="long",
		job_id="prm_expire_deals",
		deduplicate=True,
		enqueue_after_commit=True,
	)


def expire_deals(today: str | None = None, batch_size: int = BATCH_SIZE) -> int:
	"""Approved registrations whose protection ended become Expired through ``close``: with it
	their discount (Pricing Rule) ends, a comment says why, the summary follows and the partner's
	status e-mail is queued. Returns how many expired. A registration that fails stays Approved,
	with its benefits, for the next run (logged once)."""
	today = today or nowdate()
	reg = frappe.qb.DocType("Deal Registration")
	due = (reg.status == "Approved") & (reg.docstatus == 1) & (reg.protection_until < today)
	total = frappe.qb.from_(reg).select(Count("*")).where(due).run()[0][0]
	done, after = 0, ""
	while True:
		# in name order from the last one read: one that failed is not read again in this run
		names = [
			r[0]
			for r in frappe.qb.from_(reg)
			.select(reg.name)
			.where(due & (reg.name > after))
			.orderby(reg.name)
			.limit(batch_size)
			.run()
		]
		if not names:
			break
		after = names[-1]
		with atomic():
			done += each_record(
				names, lambda name: _expire_deal(name, today), "Deal Registration", DEAL_EXPIRY_FAILED
			)
		end_batch(done, total, frappe._("Expiring deal registrations"))
	return done


def _expire_deal(name: str, today: str) -> bool:
	doc = frappe.get_doc("Deal Registration", name, for_update=True)
	if doc.docstatus != 1 or doc.status != "Approved" or getdate(doc.protection_until) >= getdate(today):
		return False  # closed or extended since it was read
	doc.close("Expired", frappe._("The protection period ended."))
	return True


# --- computed program claims --------------------------------------------------------------------


def compute_program_claims(program: str, batch_size: int = 200) -> dict:
	"""Create the computed claims (rebate, SPIFF, deal bonus) of a program, one per allocation
	whose period has ended, that has no live claim yet and earned something; they wait as
	Submitted for a PRM Manager. Runs on the long queue, committing per batch with progress; a
	rerun creates nothing twice, and a claim the rules refuse is tried again by the next run."""
	from prm_extension.services.incentives import CLAIM_LIVE, compute

	prog = frappe.get_doc("Incentive Program", program)
	if prog.program_type == "MDF / Co-op":
		return {"created": 0, "skipped": 0}
	allocations = frappe.get_all(
		"Fund Allocation",
		filters={"program": program, "period_end": ("<", nowdate())},
		fields=["name", "channel_partner", "period_start", "period_end"],
		order_by="name",
		limit_page_length=0,
	)

	def claim_for(alloc) -> bool:
		if frappe.db.exists("Incentive Claim", {"fund_allocation": alloc.name, "status": ("in", CLAIM_LIVE)}):
			return False
		claim = frappe.get_doc(
			{
				"doctype": "Incentive Claim",
				"program": program,
				"channel_partner": alloc.channel_partner,
				"fund_allocation": alloc.name,  # the claim's period is its allocation's
				"claim_date": nowdate(),
				"period_start": alloc.period_start,
				"period_end": alloc.period_end,
			}
		)
		if compute(claim)[0] <= 0:
			return False  # nothing earned: no claim (a zero draft would be made again by every run)
		claim.insert(ignore_permissions=True)  # created by the system on the program's behalf
		claim.status = "Submitted"
		claim.save(ignore_permissions=True)
		return True

	created = 0
	for start in range(0, len(allocations), batch_size):
		with atomic():
			created += each_record(
				allocations[start : start + batch_size],
				claim_for,
				"Fund Allocation",
				CLAIM_FAILED,
				key=lambda alloc: alloc.name,
			)
		end_batch(min(start + batch_size, len(allocations)), len(allocations), frappe._("Computing claims"))
	return {"created": created, "skipped": len(allocations) - created}


# --- tier evaluation --------------------------------------------------------------------------


def schedule_tier_evaluation() -> None:
	"""Monthly scheduler entry point (PRM Settings can switch it off)."""
	if not frappe.db.get_single_value("PRM Settings", "tier_evaluation_enabled"):
		return
	tiers.enqueue_evaluation()
