"""What every partner portal page shares: who may see it, and the portal menu."""

from urllib.parse import urlencode

import frappe
from frappe import _, _lt

from prm_extension.services.partners import PARTNER_ROLES, is_manager, partner_of

# (route, title in Frappe's portal menu, label in the portal's own menu)
PORTAL_LINKS = (
	("/partner", "Partner Home", _lt("Home")),
	("/partner/accounts", "Partner Accounts", _lt("Accounts")),
	("/partner/deals", "Partner Deals", _lt("Deals")),
	("/partner/incentives", "Partner Incentives", _lt("Incentives")),
	("/partner/products", "Partner Products", _lt("Products & pricing")),
	("/partner/promotions", "Partner Promotions", _lt("Promotions")),
	("/partner/warranty", "Partner Warranty", _lt("Warranty")),
	("/partner/feeds", "Partner Sell-Through", _lt("Sell-through")),
	("/partner/news", "Partner News", _lt("News")),
	("/partner/team", "Partner Team", _lt("Team")),
)


def require_portal_user(path: str) -> str | None:
	"""Anonymous visitors go to the login page (a temporary redirect); other users need a partner
	(or a manager role). Returns the user's Channel Partner (None for managers)."""
	if frappe.session.user == "Guest":
		frappe.local.flags.redirect_location = "/login?" + urlencode({"redirect-to": path})
		raise frappe.Redirect(302)
	partner = partner_of()
	if not partner and not (set(PARTNER_ROLES) & set(frappe.get_roles())) and not is_manager():
		raise frappe.PermissionError(_("The partner portal is for members of channel partners."))
	return partner


def portal_sidebar() -> list[dict]:
	"""The portal menu with the partner pages first. Portal Settings keeps one role per route, so
	the standard menu alone would miss a page for Partner Users or Partner Admins."""
	from frappe.website.utils import get_portal_sidebar_items

	ours = {route for route, _title, _label in PORTAL_LINKS}
	others = [dict(i) for i in get_portal_sidebar_items() or [] if i.get("route") not in ours]
	return [{"route": route, "title": str(label)} for route, _title, label in PORTAL_LINKS] + others
