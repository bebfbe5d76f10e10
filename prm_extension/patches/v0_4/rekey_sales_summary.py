"""The PRM Sales Summary now shares the deal and claim summaries' mechanism (``services.summaries``):
its row key includes the Channel Partner. Recompute it from the submitted invoices, on the long
queue."""

import frappe


def execute():
	if frappe.db.count("PRM Sales Summary"):
		from prm_extension.services.summaries import enqueue_rebuild

		enqueue_rebuild("sales")
