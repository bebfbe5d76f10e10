"""Store every Fund Allocation's committed, requested, approved and paid amounts (new fields the
balance lists read), on the long queue."""

import frappe


def execute():
	if frappe.db.count("Fund Allocation"):
		frappe.enqueue(
			"prm_extension.incentive_engine.refresh_all_totals",
			queue="long",
			timeout=3600,
			job_id="prm_fund_allocation_totals",
			deduplicate=True,
			enqueue_after_commit=True,
		)
