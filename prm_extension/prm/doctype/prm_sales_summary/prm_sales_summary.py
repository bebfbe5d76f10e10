"""PRM Sales Summary: one row per month, company, partner, territory and product line with the net
revenue and cost of submitted Sales Invoices through channel partners. Written only by
``prm_extension.services.summaries`` (the Sales Invoice submit / cancel hooks and the rebuild job)."""

import frappe
from frappe.model.document import Document


class PRMSalesSummary(Document):
	pass


def on_doctype_update():
	frappe.db.add_index("PRM Sales Summary", ["posting_date", "channel_partner"])
	# the dashboards' revenue and margin read this index alone (no row look-ups)
	frappe.db.add_index(
		"PRM Sales Summary",
		[
			"posting_date",
			"channel_partner",
			"company",
			"territory",
			"item_group",
			"net_amount",
			"cost_amount",
			"qty",
			"`lines`",  # a reserved word; add_index writes the names as given
		],
		"sales_figures_index",
	)
	# a partner's own figures (portal home, tier progress) from the index alone
	frappe.db.add_index(
		"PRM Sales Summary",
		[
			"channel_partner",
			"posting_date",
			"company",
			"territory",
			"item_group",
			"net_amount",
			"cost_amount",
			"qty",
			"`lines`",
		],
		"partner_sales_figures_index",
	)
