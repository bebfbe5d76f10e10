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


def ensure_settings():
	settings = frappe.get_single("PRM Settings")
	if settings.default_reservation_days:
		return
	settings.update(
		{
			"default_reservation_days": 90,
			"default_max_extensions": 1,
			"default_extension_days": 30,
			"expiry_reminder_days": 14,
			"max_match_candidates": 20,
			"reservation_approval": settings.reservation_approval or "Automatic",
			"hierarchy_policy": settings.hierarchy_policy or "Parent covers subsidiaries",
			"house_inherits_to_subsidiaries": 1,
		}
	)
	settings.flags.ignore_permissions = True
	settings.save()


def ensure_manager_access(role: str = "PRM Manager"):
	for doctype, rights in MANAGER_ACCESS.items():
		if not frappe.db.exists("DocType", doctype):
			continue
		exists = frappe.db.exists("Custom DocPerm", {"parent": doctype, "role": role, "permlevel": 0, "if_owner": 0})
		if not exists:
			add_permission(doctype, role, 0)
		for right in rights:
			update_permission_property(doctype, role, 0, right, 1, validate=False)
