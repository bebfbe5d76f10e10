"""The Deal Registrations kanban board was a fixture, re-inserted on every migrate; each insert
stored every registration's name in its column order. Empty the orders (cards keep their status;
the order is rebuilt as cards are moved)."""

import frappe


def execute():
	frappe.db.sql(
		"""update `tabKanban Board Column` set `order` = '[]'
		where parent = 'Deal Registrations' and parenttype = 'Kanban Board'"""
	)
