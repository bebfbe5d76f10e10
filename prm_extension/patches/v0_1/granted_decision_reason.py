"""Reservations granted before 0.1 stored the availability sentence ("The account is open: you can
reserve it.") as their reason; give them the sentence of a granted reservation."""

import frappe

from prm_extension.services.reasons import explain


def execute():
	res = frappe.qb.DocType("Account Reservation")
	(
		frappe.qb.update(res)
		.set(res.decision_code, "granted")
		.set(res.decision_reason, explain(frappe._dict(code="granted", params={})))
		.where(res.decision_code == "open")
		.run()
	)
