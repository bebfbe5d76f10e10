"""Partner portal: warranty — register the serial numbers the partner sold, file warranty claims
and follow them. Reads go through ``services.warranty`` (the partner scope)."""

from __future__ import annotations

from urllib.parse import urlencode

import frappe
from frappe import _

from prm_extension.portal.pages import portal_sidebar, require_portal_user
from prm_extension.services import warranty as service
from prm_extension.services.formatting import page_number, status_class

no_cache = 1
PAGE_LENGTH = 20
MAX_QUERY = 140


def get_context(context):
	partner = require_portal_user("/partner/warranty")
	args = frappe.form_dict
	query = args.get("q") if isinstance(args.get("q"), str) else ""
	query = " ".join(query.split())[:MAX_QUERY]
	claim_status = args.get("claim_status") if args.get("claim_status") in service.CLAIM_STATUSES else None
	serial_page = page_number(args.get("serial_page"))
	claim_page = page_number(args.get("claim_page"))
	state = {"q": query, "claim_status": claim_status, "serial_page": serial_page, "claim_page": claim_page}

	def url(anchor: str, **changes) -> str:
		params = {**state, **changes}
		kept = {k: v for k, v in params.items() if v and not (k.endswith("_page") and v == 1)}
		return "/partner/warranty" + ("?" + urlencode(kept) if kept else "") + f"#{anchor}"

	serials = service.list_serials((serial_page - 1) * PAGE_LENGTH, PAGE_LENGTH + 1, query)
	claims = service.list_claims((claim_page - 1) * PAGE_LENGTH, PAGE_LENGTH + 1, claim_status)
	for s in serials:
		s.status_class = status_class(s.status)
	for c in claims:
		c.status_class = status_class(c.status)
	context.serials = serials[:PAGE_LENGTH]
	context.claims = claims[:PAGE_LENGTH]
	context.serial_prev = url("prm-serials", serial_page=serial_page - 1) if serial_page > 1 else None
	context.serial_next = (
		url("prm-serials", serial_page=serial_page + 1) if len(serials) > PAGE_LENGTH else None
	)
	context.claim_prev = url("prm-wclaims", claim_page=claim_page - 1) if claim_page > 1 else None
	context.claim_next = url("prm-wclaims", claim_page=claim_page + 1) if len(claims) > PAGE_LENGTH else None
	context.claim_filters = [
		(_("All"), url("prm-wclaims", claim_status=None, claim_page=1), not claim_status)
	] + [
		(_(s), url("prm-wclaims", claim_status=s, claim_page=1), claim_status == s)
		for s in service.CLAIM_STATUSES
	]
	context.query = query
	context.claim_status = claim_status
	context.partner = partner
	context.partner_status = frappe.db.get_value("Channel Partner", partner, "status") if partner else None
	context.can_act = bool(partner) and context.partner_status == "Active"
	context.customers = service.partner_customers(partner) if context.can_act else []
	context.today = frappe.utils.nowdate()
	context.title = _("Warranty")
	context.show_sidebar = True
	context.sidebar_items = portal_sidebar()
	return context
