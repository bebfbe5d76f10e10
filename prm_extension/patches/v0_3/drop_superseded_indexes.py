"""Drop indexes nothing needs any more: the portal home's figures come from the deal summary, and
``(fund_allocation, docstatus)`` on claims is the start of ``fund_allocation_balance_index``, as
``(channel_partner, posting_date)`` on the sales summary is of ``partner_sales_figures_index``."""

import frappe


def execute():
	for table, index in (
		("Deal Registration", "partner_figures_index"),
		("Incentive Claim", "fund_allocation_docstatus_index"),
		("PRM Sales Summary", "channel_partner_posting_date_index"),  # partner_sales_figures_index
	):
		if frappe.db.sql(f"show index from `tab{table}` where Key_name = %s", index):
			frappe.db.sql_ddl(f"alter table `tab{table}` drop index `{index}`")
