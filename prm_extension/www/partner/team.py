"""Partner portal team (``/partner/team``): the partner's people; Partner Admins invite people,
deactivate / reactivate them and change their role (``services.team``)."""

from __future__ import annotations

from frappe import _
from frappe.utils import pretty_date

from prm_extension.portal.pages import portal_sidebar, require_portal_user
from prm_extension.services.team import ROLES, is_admin, team_rows

no_cache = 1


def get_context(context):
	partner = require_portal_user("/partner/team")
	context.partner = partner
	context.can_manage = bool(partner) and is_admin(partner)
	members = team_rows(partner) if partner else []
	for m in members:
		m["last_login_text"] = pretty_date(m["last_login"]) if m["last_login"] else _("Never")
	context.members = members
	context.roles = ROLES
	context.admins = sum(1 for m in members if m["enabled"] and m["partner_role"] == "Partner Admin")
	context.title = _("Team")
	context.show_sidebar = True
	context.sidebar_items = portal_sidebar()
	return context
