"""Version 0.4 gave the code a layout by layer (rules in ``core``, the database side in
``services``, scheduled jobs in ``jobs``). Scheduled Job Types name their method: follow the moves,
so a job a manager stopped stays stopped and its history stays attached (Frappe would otherwise
drop the old record and create a new one)."""

import frappe

MOVED = {
	"prm_extension.tasks.schedule_reservation_expiry": "prm_extension.jobs.schedule_reservation_expiry",
	"prm_extension.tasks.schedule_deal_expiry": "prm_extension.jobs.schedule_deal_expiry",
	"prm_extension.tier_engine.schedule_evaluation": "prm_extension.jobs.schedule_tier_evaluation",
}


def execute():
	for old, new in MOVED.items():
		if frappe.db.exists("Scheduled Job Type", {"method": new}):
			continue  # already synced: the old record is removed by Frappe's sync
		frappe.db.set_value("Scheduled Job Type", {"method": old}, "method", new, update_modified=False)
