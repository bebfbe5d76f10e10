"""Scheduled work. The daily sweep runs on the RQ workers in batches, idempotently."""

from __future__ import annotations

import frappe
from frappe.query_builder.functions import Count
from frappe.utils import nowdate

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
		names = [
			r[0]
			for r in frappe.qb.from_(res)
			.select(res.name)
			.where((res.status == "Active") & (res.expiry_date < today))
			.orderby(res.expiry_date)
			.limit(batch_size)
			.run()
		]
		if not names:
			break
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
				frappe.db.set_value("Deal Registration", name, "status", "Expired")
		done += len(names)
		if not frappe.flags.in_test:
			frappe.db.commit()
		frappe.publish_progress(100, title=frappe._("Expiring deal registrations"), description=str(done))
	return done
