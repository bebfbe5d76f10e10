"""Partner portal home: the partner's own figures, the latest announcements and the way in to
every portal page."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import fmt_money, formatdate, get_first_day

from prm_extension.portal.pages import portal_sidebar, require_portal_user
from prm_extension.services import announcements
from prm_extension.services.home import EXPIRY_WINDOW_DAYS, cached_home_figures

no_cache = 1
LATEST = 5


def money_list(rows) -> list[str]:
	return [fmt_money(r["value"], currency=r["currency"]) for r in rows]


def news_and_unread(limit: int = LATEST) -> tuple[list[dict], int]:
	"""The latest announcements the user may see, and how many of all of them are unread: one
	list read and one read-status lookup (as ``announcements.unread_count`` counts)."""
	rows = announcements.visible(fields=("name", "title", "publish_on"))
	read = announcements.read_names([r.name for r in rows])
	news = [
		frappe._dict(
			name=r.name,
			title=r.title,
			date=formatdate(r.publish_on) if r.publish_on else "",
			unread=r.name not in read,
		)
		for r in rows[:limit]
	]
	return news, len(rows) - len(read)


def latest_announcements(limit: int = LATEST) -> list[dict]:
	return news_and_unread(limit)[0]


def tier_context(partner: str) -> frappe._dict:
	from prm_extension.services.tiers import partner_progress

	p = partner_progress(partner)
	labels = {
		"revenue": _("Invoiced revenue"),
		"won_deals": _("Won deals"),
		"certifications": _("Valid certifications"),
	}
	currency = frappe.db.get_default("currency")
	rows = []
	for r in p["progress"]:
		fmt = (lambda v: fmt_money(v, currency=currency)) if r["measure"] == "revenue" else str
		rows.append(
			frappe._dict(
				measure=r["measure"],
				label=labels[r["measure"]],
				have=fmt(r["have"]),
				need=fmt(r["need"]),
				percent=int(r["percent"]),
			)
		)
	return frappe._dict(
		tier=p["tier"],
		next_tier=p["next_tier"],
		keep=p["keep"],
		window_start=formatdate(p["window_start"]),
		window_end=formatdate(p["window_end"]),
		rows=rows,
	)


def performance_context(partner: str) -> frappe._dict:
	"""The partner's own channel figures over the last 12 months: the dashboards' queries with the
	scope fixed to the partner (revenue, never the vendor's cost or margin)."""
	from prm_extension.services import analytics

	scope = analytics.Scope.from_filters({}, partner=partner)
	deals = analytics.pipeline_total(scope)
	currency = frappe.db.get_default("currency")
	return frappe._dict(
		registered=deals["registered"],
		registered_value=fmt_money(deals["registered_value"], currency=currency),
		won=deals["won"],
		won_value=fmt_money(analytics.won_total(scope), currency=currency),
		win_rate=f"{float(deals['win_rate']):g} %" if deals["win_rate"] is not None else "–",
		revenue=fmt_money(analytics.sales_total(scope)["revenue"], currency=currency),
		since=formatdate(get_first_day(scope.from_date)),  # the summaries count whole months
	)


def get_context(context):
	partner = require_portal_user("/partner")
	figures = frappe._dict(cached_home_figures())
	context.news, figures.unread_announcements = news_and_unread()
	context.figures = figures
	context.pipeline = money_list(figures.pipeline)
	context.funds = money_list(figures.funds_available)
	context.expiring = [frappe._dict(r, date=formatdate(r["expiry_date"])) for r in figures.expiring]
	context.window_days = EXPIRY_WINDOW_DAYS
	context.partner = partner
	row = frappe.db.get_value("Channel Partner", partner, ["partner_name", "status"]) if partner else None
	context.partner_name, context.partner_status = row or (None, None)
	context.links = [
		("/partner/accounts", _("Accounts"), _("Check an account and reserve it")),
		("/partner/deals", _("Deals"), _("Register and follow your deals")),
		("/partner/incentives", _("Incentives"), _("Funds, MDF requests and claims")),
		("/partner/products", _("Products & pricing"), _("Your products, prices and datasheets")),
		("/partner/promotions", _("Promotions"), _("Programs and offers open to you")),
		("/partner/warranty", _("Warranty"), _("Serial numbers and warranty claims")),
		("/partner/feeds", _("Sell-through"), _("Send sell-through and inventory reports")),
		("/partner/news", _("News"), _("Announcements from your channel team")),
		("/partner/team", _("Team"), _("Your people and their access")),
	]
	context.tier = tier_context(partner) if partner else None
	context.performance = performance_context(partner) if partner else None
	context.title = _("Partner home")
	context.show_sidebar = True
	context.sidebar_items = portal_sidebar()
	return context
