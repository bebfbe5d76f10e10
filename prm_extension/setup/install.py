"""Install and migrate hooks (idempotent)."""

import frappe
from frappe.permissions import add_permission, update_permission_property

# What a channel manager must reach in the desk besides the app's own DocTypes.
MANAGER_ACCESS = {
	"Customer": ("read", "write"),
	"Customer Group": ("read",),
	"Territory": ("read",),
	"Item Group": ("read",),
	"Sales Partner": ("read", "write"),
	"Contact": ("read",),
	"Lead": ("read",),
	"Prospect": ("read",),
}


def after_install():
	after_migrate()


def after_migrate():
	ensure_settings()
	ensure_manager_access()
	ensure_kanban_board()
	ensure_sales_indexes()
	ensure_doctype_indexes()


def ensure_sales_indexes() -> None:
	"""Indexes on ERPNext's tables that the app's hot look-ups need (after migrate): the direct
	sales team's open Opportunities of a customer (deal checks), and a partner's invoice lines in
	a period (rebates and SPIFFs)."""
	frappe.db.add_index("Opportunity", ["party_name", "opportunity_from"])
	frappe.db.add_index("Sales Invoice", ["sales_partner", "posting_date"])
	frappe.db.add_index(
		"Sales Invoice Item",
		["parent", "item_group", "item_code", "stock_qty", "base_net_amount", "net_amount"],
		index_name="parent_item_group_item_code_index",
	)


def ensure_doctype_indexes():
	"""Run every PRM DocType's ``on_doctype_update`` (its indexes) on each migrate. Frappe runs it
	only when the DocType's JSON changed, so an index added in a new version would otherwise be
	missing on upgraded sites. ``add_index`` does nothing when the index exists."""
	from frappe.modules import load_doctype_module

	for doctype in frappe.get_all(
		"DocType", filters={"module": "PRM", "istable": 0, "issingle": 0}, pluck="name"
	):
		module = load_doctype_module(doctype, "PRM")
		if hasattr(module, "on_doctype_update"):
			module.on_doctype_update()


def ensure_settings():
	"""Give every PRM Settings field that was never saved its default (new fields of an update
	included); values a manager has set are kept."""
	meta = frappe.get_meta("PRM Settings")
	stored = set(frappe.db.sql_list("select field from `tabSingles` where doctype = 'PRM Settings'"))
	missing = {
		df.fieldname: df.default
		for df in meta.fields
		if df.default is not None and df.fieldname not in stored
	}
	if not missing:
		return
	settings = frappe.get_single("PRM Settings")
	for fieldname, default in missing.items():
		settings.set(
			fieldname,
			frappe.utils.cint(default)
			if meta.get_field(fieldname).fieldtype in ("Int", "Check")
			else default,
		)
	settings.flags.ignore_permissions = True
	settings.save()


def ensure_manager_access(role: str = "PRM Manager"):
	for doctype, rights in MANAGER_ACCESS.items():
		if not frappe.db.exists("DocType", doctype):
			continue
		exists = frappe.db.exists(
			"Custom DocPerm", {"parent": doctype, "role": role, "permlevel": 0, "if_owner": 0}
		)
		if not exists:
			add_permission(doctype, role, 0)
		for right in rights:
			update_permission_property(doctype, role, 0, right, 1, validate=False)


KANBAN_COLUMNS = (
	("Draft", "Gray"),
	("Submitted", "Orange"),
	("Returned", "Yellow"),
	("Approved", "Green"),
	("Won", "Blue"),
	("Lost", "Darkgrey"),
	("Rejected", "Red"),
	("Expired", "Gray"),
)


def ensure_kanban_board():
	"""The "Deal Registrations" kanban board by status, created once. Not a fixture: a fixture is
	re-inserted on every migrate, and Kanban Board.before_insert lists every document of each column
	(on a site with a million registrations, minutes of migrate and megabytes of column order)."""
	if frappe.db.exists("Kanban Board", "Deal Registrations"):
		return
	board = frappe.get_doc(
		{
			"doctype": "Kanban Board",
			"kanban_board_name": "Deal Registrations",
			"reference_doctype": "Deal Registration",
			"field_name": "status",
			"filters": "[]",
			"private": 0,
			"show_labels": 1,
			"columns": [
				{"column_name": name, "indicator": colour, "order": "[]", "status": "Active"}
				for name, colour in KANBAN_COLUMNS
			],
		}
	)
	board.set_new_name()
	board.set_parent_in_children()
	board.db_insert()  # without before_insert: the cards order themselves as they are moved
	for column in board.columns:
		column.db_insert()
