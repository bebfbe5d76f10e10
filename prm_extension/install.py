"""Install and migrate hooks."""

import frappe


def after_install():
	after_migrate()


def after_migrate():
	# Single DocTypes get their defaults when first saved: make them visible to the rules at once.
	settings = frappe.get_single("PRM Settings")
	if not settings.default_reservation_days:
		settings.default_reservation_days = 90
		settings.default_max_extensions = 1
		settings.default_extension_days = 30
		settings.expiry_reminder_days = 14
		settings.max_match_candidates = 20
		settings.reservation_approval = settings.reservation_approval or "Automatic"
		settings.hierarchy_policy = settings.hierarchy_policy or "Parent covers subsidiaries"
		settings.house_inherits_to_subsidiaries = 1
		settings.flags.ignore_permissions = True
		settings.save()
