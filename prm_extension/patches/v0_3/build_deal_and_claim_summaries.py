"""Fill the PRM Deal Summary and PRM Claim Summary (new in this version) from the registrations
and claims already on the site, on the long queue; drop the index the portal home no longer
reads (its figures come from the deal summary)."""

import frappe


def execute():
	from prm_extension.summaries import enqueue_rebuild

	if frappe.db.sql("select 1 from `tabDeal Registration` where submitted_on is not null limit 1"):
		enqueue_rebuild("deals")
	if frappe.db.sql("select 1 from `tabIncentive Claim` where docstatus = 1 limit 1"):
		enqueue_rebuild("claims")
	if frappe.db.sql("show index from `tabDeal Registration` where Key_name = 'partner_figures_index'"):
		frappe.db.sql_ddl("alter table `tabDeal Registration` drop index partner_figures_index")
