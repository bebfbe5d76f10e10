"""Partner portal: promotions (``/partner/promotions``) — the incentive programs the partner is
eligible for with their terms, the vendor's promotional pricing for the partner and its tier's
benefits."""

from __future__ import annotations

from frappe import _

from prm_extension.portal.pages import portal_sidebar, require_portal_user
from prm_extension.services import promotions

no_cache = 1


def get_context(context):
	partner = require_portal_user("/partner/promotions")
	context.show_sidebar = True
	context.sidebar_items = portal_sidebar()
	context.partner = partner
	context.programs = promotions.eligible_programs(partner, with_terms=True)
	context.offers = promotions.offers(partner) if partner else []
	context.tier = promotions.tier_benefits(partner) if partner else None
	context.title = _("Promotions")
	return context
