"""Test bootstrap: a real ERPNext site with its setup wizard completed (ERPNext's own helper)."""

import frappe


def before_tests():
	from erpnext.setup.utils import before_tests as erpnext_before_tests

	erpnext_before_tests()
	frappe.db.commit()
