"""Fill the PRM Deal Summary and PRM Claim Summary (new in this version) from the registrations
and claims already on the site, on the long queue."""

import frappe


def execute():
	from prm_extension.services.summaries import enqueue_rebuild

	if frappe.db.sql("select 1 from `tabDeal Registration` where submitted_on is not null limit 1"):
		enqueue_rebuild("deals")
	if frappe.db.sql("select 1 from `tabIncentive Claim` where docstatus = 1 limit 1"):
		enqueue_rebuild("claims")
