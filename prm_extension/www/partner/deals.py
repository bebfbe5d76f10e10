"""Partner portal: the partner's deal registrations (list, filter by status, search, pages)."""

from urllib.parse import urlencode

import frappe
from frappe import _
from frappe.utils import fmt_money, formatdate

from prm_extension.portal.pages import portal_sidebar, require_portal_user
from prm_extension.services.formatting import like_pattern

no_cache = 1
PAGE_LENGTH = 20
STATUS_FILTERS = ("Draft", "Submitted", "Returned", "Approved", "Rejected", "Won", "Lost", "Expired")
MAX_QUERY = 140


def get_context(context):
	partner = require_portal_user("/partner/deals")
	args = frappe.form_dict
	status = args.get("status") if args.get("status") in STATUS_FILTERS else None
	query = args.get("q") if isinstance(args.get("q"), str) else ""
	query = " ".join(query.split())[:MAX_QUERY]
	try:
		page = min(max(int(args.get("page") or 1), 1), 10000)
	except (TypeError, ValueError):
		page = 1

	filters = {"status": status} if status else {}
	or_filters = (
		[
			["customer_name", "like", like_pattern(query)],
			["prospect_name", "like", like_pattern(query)],
		]
		if query
		else None
	)
	# frappe.get_list applies the partner permission condition: only this partner's registrations.
	rows = frappe.get_list(
		"Deal Registration",
		fields=[
			"name",
			"title",
			"customer",
			"customer_name",
			"prospect_name",
			"status",
			"currency",
			"expected_value",
			"expected_close_date",
			"protection_until",
			"modified",
		],
		filters=filters,
		or_filters=or_filters,
		order_by="modified desc",
		start=(page - 1) * PAGE_LENGTH,
		page_length=PAGE_LENGTH + 1,
	)
	context.has_next = len(rows) > PAGE_LENGTH
	context.deals = [
		frappe._dict(
			name=r.name,
			account=r.customer_name or r.prospect_name or r.title or r.name,
			is_prospect=not r.customer,
			status=r.status,
			value=fmt_money(r.expected_value or 0, currency=r.currency) if r.currency else "",
			close_date=formatdate(r.expected_close_date) if r.expected_close_date else "",
			protection_until=formatdate(r.protection_until) if r.protection_until else "",
		)
		for r in rows[:PAGE_LENGTH]
	]

	def page_url(number: int | None = None, new_status: str | None = None, keep_status: bool = True) -> str:
		params = {}
		if keep_status and status:
			params["status"] = status
		if new_status:
			params["status"] = new_status
		if query:
			params["q"] = query
		if number and number > 1:
			params["page"] = number
		return "/partner/deals" + ("?" + urlencode(params) if params else "")

	context.prev_url = page_url(page - 1) if page > 1 else None
	context.next_url = page_url(page + 1) if context.has_next else None
	context.filter_links = [(None, _("All"), page_url(keep_status=False), not status)] + [
		(s, _(s), page_url(new_status=s), status == s) for s in STATUS_FILTERS
	]
	context.page = page
	context.status = status
	context.query = query
	context.partner = partner
	context.can_register = bool(partner)
	context.partner_status = frappe.db.get_value("Channel Partner", partner, "status") if partner else None
	context.title = _("Deal registrations")
	context.show_sidebar = True
	context.sidebar_items = portal_sidebar()
	return context
