"""Partner portal: account availability, reservation, and the partner's own reservations."""

import frappe
from frappe import _

from prm_extension.portal.pages import portal_sidebar, require_portal_user
from prm_extension.services.formatting import page_number

no_cache = 1
PAGE_LENGTH = 20
STATUS_FILTERS = ("Requested", "Active", "Expired", "Released", "Rejected")


def get_context(context):
	partner = require_portal_user("/partner/accounts")
	args = frappe.form_dict
	status = args.get("status") if args.get("status") in STATUS_FILTERS else None
	page = page_number(args.get("page"))
	filters = {"status": status} if status else {}
	# frappe.get_list applies the partner permission condition: only this partner's rows.
	context.reservations = frappe.get_list(
		"Account Reservation",
		fields=[
			"name",
			"customer_name",
			"scope_territory",
			"product_line",
			"status",
			"start_date",
			"expiry_date",
			"decision_reason",
			"extensions_used",
		],
		filters=filters,
		order_by="modified desc",
		start=(page - 1) * PAGE_LENGTH,
		page_length=PAGE_LENGTH + 1,
	)
	context.has_next = len(context.reservations) > PAGE_LENGTH
	context.reservations = context.reservations[:PAGE_LENGTH]
	context.page = page
	context.status = status
	context.statuses = STATUS_FILTERS
	context.partner = partner
	context.partner_status = frappe.db.get_value("Channel Partner", partner, "status") if partner else None
	# A partner authorised for some product lines reserves per line; others for all lines at once.
	context.product_lines = (
		frappe.get_all(
			"Channel Partner Product Line",
			{"parent": partner, "parenttype": "Channel Partner"},
			pluck="item_group",
			order_by="idx",
		)
		if partner
		else []
	)
	context.title = _("Accounts")
	context.show_sidebar = True
	context.sidebar_items = portal_sidebar()
	return context
