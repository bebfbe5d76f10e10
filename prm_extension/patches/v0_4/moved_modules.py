"""Version 0.4 gave the code a layout by layer (rules in ``core``, the database side in
``services``, scheduled jobs in ``jobs``). What a site stores under the old module paths follows
the moves:

* Scheduled Job Types name their method: a job a manager stopped stays stopped and its history
  stays attached (Frappe would otherwise drop the old record and create a new one);
* background jobs queued before the upgrade (status e-mails, a large feed import, a summary
  rebuild) name the function they run: they run it under its new name instead of failing.
"""

import frappe

SCHEDULED = {
	"prm_extension.tasks.schedule_reservation_expiry": "prm_extension.jobs.schedule_reservation_expiry",
	"prm_extension.tasks.schedule_deal_expiry": "prm_extension.jobs.schedule_deal_expiry",
	"prm_extension.tier_engine.schedule_evaluation": "prm_extension.jobs.schedule_tier_evaluation",
}
QUEUED = {
	"prm_extension.deal_engine.send_status_notifications": "prm_extension.services.deals.send_status_notifications",
	"prm_extension.feeds.import_report": "prm_extension.services.feeds.import_report",
	"prm_extension.incentive_engine.refresh_all_totals": "prm_extension.services.incentives.refresh_all_totals",
	"prm_extension.sales_summary.rebuild": "prm_extension.services.summaries.rebuild_sales",
	"prm_extension.summaries.rebuild_deals": "prm_extension.services.summaries.rebuild_deals",
	"prm_extension.summaries.rebuild_claims": "prm_extension.services.summaries.rebuild_claims",
	"prm_extension.tasks.compute_program_claims": "prm_extension.jobs.compute_program_claims",
	"prm_extension.tasks.expire_deals": "prm_extension.jobs.expire_deals",
	"prm_extension.tasks.expire_reservations": "prm_extension.jobs.expire_reservations",
	"prm_extension.tier_engine.run_evaluation": "prm_extension.services.tiers.run_evaluation",
}


def execute():
	for old, new in SCHEDULED.items():
		if frappe.db.exists("Scheduled Job Type", {"method": new}):
			continue  # already synced: the old record is removed by Frappe's sync
		frappe.db.set_value("Scheduled Job Type", {"method": old}, "method", new, update_modified=False)
	follow_queued_jobs()


def follow_queued_jobs() -> int:
	"""Point this site's queued jobs that name a moved function at its new name. Returns how many."""
	from frappe.utils.background_jobs import get_queues

	moved = 0
	try:
		queues = get_queues()
	except Exception:
		return 0  # no Redis during the migration: nothing can be queued either
	for queue in queues:
		for job in queue.get_jobs():
			kwargs = job.kwargs or {}
			method = kwargs.get("method")
			if kwargs.get("site") != frappe.local.site or not isinstance(method, str) or method not in QUEUED:
				continue
			job.kwargs = {**kwargs, "method": QUEUED[method]}
			job.save()
			moved += 1
	return moved
