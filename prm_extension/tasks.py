"""Scheduled work. The daily sweep runs on the RQ workers in batches, idempotently."""

from __future__ import annotations

import frappe
from frappe.query_builder.functions import Count
from frappe.utils import nowdate

from prm_extension.api.portal import forget_home_figures

BATCH_SIZE = 1000


def schedule_reservation_expiry() -> None:
	"""Scheduler entry point: queue the sweep on the long queue (once, even if triggered twice)."""
	frappe.enqueue(
		"prm_extension.tasks.expire_reservations",
		queue="long",
		job_id="prm_expire_reservations",
		deduplicate=True,
		enqueue_after_commit=True,
	)


def expire_reservations(today: str | None = None, batch_size: int = BATCH_SIZE) -> int:
	"""Set every Active reservation whose expiry date has passed to Expired. Returns how many.

	Batches of ``batch_size`` are committed one by one, with progress published to System
	Managers; a rerun finds nothing left to do.
	"""
	today = today or nowdate()
	res = frappe.qb.DocType("Account Reservation")
	total = (
		frappe.qb.from_(res)
		.select(Count("*"))
		.where((res.status == "Active") & (res.expiry_date < today))
		.run()[0][0]
	)
	done = 0
	while True:
		rows = (
			frappe.qb.from_(res)
			.select(res.name, res.channel_partner)
			.where((res.status == "Active") & (res.expiry_date < today))
			.orderby(res.expiry_date)
			.limit(batch_size)
			.run()
		)
		names = [r[0] for r in rows]
		if not names:
			break
		for partner in {r[1] for r in rows}:
			forget_home_figures(partner)  # the bulk update runs no document hooks
		(
			frappe.qb.update(res)
			.set(res.status, "Expired")
			.set(res.live_key, None)
			.set(res.modified, frappe.utils.now())
			.where(res.name.isin(names) & (res.status == "Active"))
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
		done += len(names)
		if not frappe.flags.in_test:
			frappe.db.commit()
		frappe.publish_progress(
			done * 100 / max(total, 1),
			title=frappe._("Expiring account reservations"),
			description=f"{done}/{total}",
		)
	return done


def schedule_deal_expiry() -> None:
	frappe.enqueue(
		"prm_extension.tasks.expire_deals",
		queue="long",
		job_id="prm_expire_deals",
		deduplicate=True,
		enqueue_after_commit=True,
	)


def expire_deals(today: str | None = None, batch_size: int = BATCH_SIZE) -> int:
	"""Approved registrations whose protection ended become Expired (their discount ends too)."""
	today = today or nowdate()
	reg = frappe.qb.DocType("Deal Registration")
	done = 0
	while True:
		names = [
			r[0]
			for r in frappe.qb.from_(reg)
			.select(reg.name)
			.where((reg.status == "Approved") & (reg.docstatus == 1) & (reg.protection_until < today))
			.limit(batch_size)
			.run()
		]
		if not names:
			break
		for name in names:
			try:
				frappe.get_doc("Deal Registration", name).close(
					"Expired", frappe._("The protection period ended.")
				)
			except Exception:
				frappe.db.rollback()
				frappe.log_error(f"Could not expire deal registration {name}")
				# db_set, not set_value: on_change keeps the deal summary and notifications right
				frappe.get_doc("Deal Registration", name).db_set("status", "Expired", notify=True)
		done += len(names)
		if not frappe.flags.in_test:
			frappe.db.commit()
		frappe.publish_progress(100, title=frappe._("Expiring deal registrations"), description=str(done))
	return done


def compute_program_claims(program: str, batch_size: int = 200) -> dict:
	"""Create the computed claims (rebate, SPIFF, deal bonus) of a program, one per allocation
	whose period has ended and has no live claim yet; they wait as Submitted for a PRM Manager.
	Runs on the long queue, committing per batch with progress; a rerun creates nothing twice."""
	from prm_extension.incentive_engine import CLAIM_LIVE

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
	created = skipped = 0
	for i, alloc in enumerate(allocations, start=1):
		if frappe.db.exists("Incentive Claim", {"fund_allocation": alloc.name, "status": ("in", CLAIM_LIVE)}):
			skipped += 1
			continue
		try:
			claim = frappe.get_doc(
				{
					"doctype": "Incentive Claim",
					"program": program,
					"channel_partner": alloc.channel_partner,
					"claim_date": nowdate(),
					"period_start": alloc.period_start,
					"period_end": alloc.period_end,
				}
			)
			claim.insert(ignore_permissions=True)  # created by the system on the program's behalf
			if claim.claimed_amount > 0:
				claim.status = "Submitted"
				claim.save(ignore_permissions=True)
			created += 1
		except frappe.ValidationError:
			frappe.db.rollback()
			frappe.log_error(f"Could not compute the claim of {alloc.name}")
			skipped += 1
		if i % batch_size == 0:
			if not frappe.flags.in_test:
				frappe.db.commit()
			frappe.publish_progress(
				i * 100 / len(allocations), title=frappe._("Computing claims"), description=program
			)
	return {"created": created, "skipped": skipped}
