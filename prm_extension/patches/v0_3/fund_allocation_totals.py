"""Store every Fund Allocation's committed, requested, approved, paid and available amounts (new
fields the balance lists and the portal home read), on the long queue."""

import frappe


def execute():
	if frappe.db.count("Fund Allocation"):
		frappe.enqueue(
			"prm_extension.services.incentives.refresh_all_totals",
			queue="long",
			timeout=3600,
			job_id="prm_fund_allocation_totals",
			deduplicate=True,
			enqueue_after_commit=True,
		)
