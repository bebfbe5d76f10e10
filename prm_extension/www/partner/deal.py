"""Partner portal: one deal registration (/partner/deals/<name>) and the registration form
(/partner/deals/new).

The route comes from ``website_route_rules`` in hooks.py (``/partner/deals/<name>`` → this page);
``new`` is the form because a route rule matches every name under /partner/deals/.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import escape_html, flt, fmt_money, formatdate, get_datetime, nowdate

from prm_extension.portal.pages import portal_sidebar, require_portal_user
from prm_extension.services import catalog
from prm_extension.services.partners import tree_nodes

no_cache = 1
NEW = "new"
MAX_ITEMS = 500
MAX_TERRITORIES = 500
STAGES = ("Qualification", "Needs Analysis", "Proposal", "Negotiation")
CHECK_LABELS = {
	"authorisation": lambda: _("Authorisation"),
	"house_account": lambda: _("House account"),
	"reservation": lambda: _("Account reservation"),
	"registration": lambda: _("Other registrations"),
	"direct_opportunity": lambda: _("Direct sales"),
}


def get_context(context):
	name = frappe.form_dict.get("name")
	path = f"/partner/deals/{name}" if isinstance(name, str) and name else "/partner/deals"
	partner = require_portal_user(path)
	context.show_sidebar = True
	context.sidebar_items = portal_sidebar()
	context.parents = [{"route": "/partner/deals", "title": _("Deal registrations")}]
	context.partner = partner
	if name == NEW:
		form_context(context, partner)
	else:
		detail_context(context, name)
	return context


# --- the registration form -----------------------------------------------------------------------


def form_context(context, partner: str | None):
	context.is_new = True
	context.title = _("Register a deal")
	context.partner_status = frappe.db.get_value("Channel Partner", partner, "status") if partner else None
	company = frappe.defaults.get_user_default("Company") or frappe.db.get_single_value(
		"Global Defaults", "default_company"
	)
	context.company_currency = (
		frappe.get_cached_value("Company", company, "default_currency") if company else None
	)
	context.currencies = currencies(context.company_currency)
	context.today = nowdate()
	context.stages = STAGES
	items = catalog.sellable_items(partner, limit=MAX_ITEMS)
	context["items"] = items  # (context.items is the dict method)
	context.line_options = catalog.product_line_options(partner)
	# "Register a deal" on a product page opens the form with that product chosen
	wanted = frappe.form_dict.get("item")
	context.preselect = next((f"item:{i.name}" for i in items if i.name == wanted), "")
	context.territories = territory_options(partner)
	context.default_territory = next((t.name for t in context.territories if t.own), None)


def currencies(company_currency: str | None) -> list[str]:
	"""The company's currency first, then currencies with a recorded rate to it (the controller
	accepts exactly these)."""
	if not company_currency:
		return []
	others = frappe.get_all(
		"Currency Exchange",
		filters={"to_currency": company_currency, "date": ("<=", nowdate())},
		pluck="from_currency",
		distinct=True,
		order_by="from_currency asc",
		limit=50,
	)
	return [company_currency] + sorted({c for c in others if c and c != company_currency})


def _within(table, nodes):
	condition = None
	for node in nodes:
		c = (table.lft >= node.lft) & (table.rgt <= node.rgt)
		condition = c if condition is None else (condition | c)
	return condition


def territory_options(partner: str | None) -> list[dict]:
	"""Territories a new prospect can be in: the partner's territories and their sub-territories
	(every territory when the partnership covers all)."""
	own = (
		frappe.get_all(
			"Channel Partner Territory",
			{"parent": partner, "parenttype": "Channel Partner"},
			pluck="territory",
			order_by="idx",
		)
		if partner
		else []
	)
	nodes = list(tree_nodes("Territory", own).values())
	table = frappe.qb.DocType("Territory")
	query = (
		frappe.qb.from_(table)
		.select(table.name, table.lft, table.rgt)
		.orderby(table.lft)
		.limit(MAX_TERRITORIES)
	)
	if nodes:
		query = query.where(_within(table, nodes))
	rows = query.run(as_dict=True)
	stack: list[int] = []
	for r in rows:
		while stack and stack[-1] < r.rgt:
			stack.pop()
		r.depth = len(stack)
		r.own = r.name in own
		stack.append(r.rgt)
	return rows


# --- one registration ------------------------------------------------------------------------------


def load(name) -> object:
	"""The registration if this user may read it. A registration of another partner is answered
	exactly like one that does not exist (404), so its existence is not confirmed."""
	if not isinstance(name, str) or not name or len(name) > 140:
		raise frappe.PageDoesNotExistError
	if not frappe.db.exists("Deal Registration", name):
		raise frappe.PageDoesNotExistError
	doc = frappe.get_doc("Deal Registration", name)
	if not frappe.has_permission("Deal Registration", "read", doc):
		raise frappe.PageDoesNotExistError
	doc.apply_fieldlevel_read_permissions()  # no permlevel-1 values (conflicts, override reason)
	return doc


def detail_context(context, name):
	doc = load(name)
	money = lambda value: fmt_money(value or 0, currency=doc.currency) if doc.currency else ""  # noqa: E731
	context.is_new = False
	# The title also goes into Frappe's breadcrumbs, which print it unescaped.
	context.title = escape_html(doc.customer_name or doc.prospect_name or doc.name)
	context.deal = frappe._dict(
		name=doc.name,
		account=doc.customer_name or doc.prospect_name or doc.name,
		is_prospect=not doc.customer,
		status=doc.status,
		stage=doc.stage,
		territory=doc.deal_territory,
		prospect_domain=doc.prospect_domain,
		prospect_tax_id=doc.prospect_tax_id,
		contact_name=doc.contact_name,
		contact_email=doc.contact_email,
		contact_phone=doc.contact_phone,
		currency=doc.currency,
		value=money(doc.expected_value),
		close_date=formatdate(doc.expected_close_date) if doc.expected_close_date else "",
		competitors=doc.competitors,
		notes=doc.notes,
		verdict=doc.verdict,
		protection_until=formatdate(doc.protection_until) if doc.protection_until else "",
		extensions_used=doc.extensions_used or 0,
		won_amount=money(doc.won_amount) if doc.status == "Won" else "",
		lost_reason=doc.lost_reason,
		decision_reason=doc.decision_reason,
	)
	context.items = [
		frappe._dict(
			item=row.item_name or row.item_code or "",
			item_code=row.item_code,
			product_line=row.item_group,
			qty=f"{flt(row.qty):.3f}".rstrip("0").rstrip("."),
			rate=money(row.rate),
			amount=money(row.amount),
		)
		for row in doc.items
	]
	context.checks = [
		frappe._dict(
			check=CHECK_LABELS.get(row.check, lambda r=row: r.check)(),
			code=row.check,
			result=row.result,
			reason=row.reason,
		)
		for row in doc.checks
	]
	context.history = history(doc)
	context.actions = [
		a
		for a, allowed in (
			("submit", doc.status in ("Draft", "Returned") and doc.docstatus == 0),
			("extend", doc.status == "Approved" and doc.docstatus == 1),
			("lost", doc.status == "Approved" and doc.docstatus == 1),
		)
		if allowed and frappe.has_permission("Deal Registration", "write", doc)
	]
	saved = frappe.form_dict.get("saved")
	context.saved = saved if saved in ("draft", "submitted") else None


def history(doc) -> list[dict]:
	"""What happened to the registration, from its own dated fields (partner-safe values only)."""
	events = []

	def add(when, label, status=None, text=None):
		if when:
			events.append(
				frappe._dict(
					when=get_datetime(when),
					label=label,
					status=status,
					text=text,
				)
			)

	add(doc.creation, _("Created"), "Draft")
	if doc.submitted_on:
		add(doc.submitted_on, _("Submitted for approval"), "Submitted")
	decided = {
		"Approved": _("Approved"),
		"Rejected": _("Rejected"),
		"Returned": _("Returned for more information"),
	}
	if doc.decided_on:
		# decided_on is the latest decision: the current state, the approval of a closed deal, or
		# a return that the partner has answered by submitting again.
		if doc.status in decided:
			state = doc.status
		elif doc.docstatus == 1:
			state = "Approved"
		else:
			state = "Returned"
		# a lost deal's reason replaces the decision reason; it is shown with "Lost"
		reason = (
			doc.decision_reason
			if not (doc.status == "Lost" and doc.decision_reason == doc.lost_reason)
			else None
		)
		if (
			state == "Approved"
			and doc.protection_until
			and doc.status == "Approved"
			and not doc.get("extensions")
		):
			reason = " ".join(
				filter(None, [reason, _("Protected until {0}.").format(formatdate(doc.protection_until))])
			)
		add(doc.decided_on, decided[state], state, reason)
	for ext in doc.get("extensions") or []:
		add(
			ext.requested_on,
			_("Protection extended"),
			None,
			" ".join(
				filter(
					None,
					[
						_("New end: {0}.").format(formatdate(ext.new_expiry)) if ext.new_expiry else None,
						ext.reason,
					],
				)
			),
		)
	if doc.status == "Won":
		add(
			doc.won_on or doc.modified, _("Won"), "Won", fmt_money(doc.won_amount or 0, currency=doc.currency)
		)
	elif doc.status == "Lost":
		add(doc.modified, _("Lost"), "Lost", doc.lost_reason)
	elif doc.status == "Expired":
		add(doc.protection_until or doc.modified, _("Protection expired"), "Expired")
	events.sort(key=lambda e: e.when)
	for e in events:
		e.when_text = formatdate(e.when) + (
			"" if e.when.time() == e.when.min.time() else e.when.strftime(" %H:%M")
		)
		e.iso = e.when.isoformat()
	return events
