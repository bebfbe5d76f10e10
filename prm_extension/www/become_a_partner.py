"""Public page: apply to become a channel partner (guests welcome; see api.applications.apply)."""

import frappe
from frappe import _

from prm_extension.services.applications import LIMITS, PARTNER_TYPES, product_line_options, territory_options

no_cache = 1


def get_context(context):
	context.title = _("Become a partner")
	context.limits = LIMITS
	context.partner_types = PARTNER_TYPES
	context.product_lines = product_line_options()
	context.territories = territory_options()
	context.countries = frappe.get_all("Country", pluck="name", order_by="name asc")
	context.default_country = frappe.db.get_default("country") or ""
	context.show_sidebar = False
	return context
