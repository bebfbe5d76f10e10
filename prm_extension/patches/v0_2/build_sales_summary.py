"""Fill the PRM Sales Summary (new in this version) from the Sales Invoices already submitted
through channel partners, on the long queue."""

import frappe


def execute():
	if frappe.db.sql(
		"select 1 from `tabSales Invoice` si join `tabChannel Partner` cp on cp.sales_partner = si.sales_partner where si.docstatus = 1 limit 1"
	):
		from prm_extension.services.summaries import enqueue_rebuild

		enqueue_rebuild("sales")
