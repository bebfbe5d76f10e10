"""What a partner is offered: the incentive programs it is eligible for (with their terms in
plain words), the vendor's promotional pricing for its Sales Partner (ERPNext Pricing Rules and
Promotional Schemes with *Applicable For: Sales Partner*) and its tier's benefits.

Used by the portal's Promotions and Incentives pages and by ``api.catalog.promotions``.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import nowdate

from prm_extension.core import incentives as rules
from prm_extension.services import incentives as service
from prm_extension.services.formatting import date as portal_date
from prm_extension.services.formatting import html_to_text, money, period_text

MDF = "MDF / Co-op"
REBATE = "Volume Rebate"
SPIFF = "SPIFF"
BONUS = "Registered-Deal Bonus"
MAX_PROGRAMS = 100
MAX_OFFERS = 100


def _pct(value) -> str:
	return f"{float(value or 0):g}"


def program_terms(doc) -> list[str]:
	"""The program's rewards in plain words."""
	cur = doc.currency
	terms: list[str] = []
	if doc.program_type == MDF:
		if doc.reimbursement_percentage:
			terms.append(
				_("{0} % of the actual cost of approved activities").format(
					_pct(doc.reimbursement_percentage)
				)
			)
		if doc.max_claim_amount:
			terms.append(_("Up to {0} per claim").format(money(doc.max_claim_amount, cur)))
		if doc.requires_preapproval:
			terms.append(_("Activities need approval before they start"))
	elif doc.program_type == REBATE:
		for row in sorted(doc.brackets, key=lambda r: r.threshold or 0):
			terms.append(
				_("{0} % from {1} of sales in the period").format(
					_pct(row.rate_percent), money(row.threshold, cur)
				)
			)
		terms.append(
			_("The rate of the highest bracket reached applies to all sales in the period")
			if doc.bracket_mode == "Retroactive"
			else _("Each rate applies to the sales within its bracket")
		)
	elif doc.program_type == SPIFF:
		for row in doc.spiff_rules:
			terms.append(
				_("{0}: {1} per unit sold").format(
					row.item_code or row.item_group, money(row.amount_per_unit, cur)
				)
			)
	elif doc.program_type == BONUS:
		if doc.bonus_per_deal:
			terms.append(_("{0} per won registered deal").format(money(doc.bonus_per_deal, cur)))
		if doc.bonus_percentage:
			terms.append(
				_("{0} % of the amount of each won registered deal").format(_pct(doc.bonus_percentage))
			)
	if doc.product_lines:
		terms.append(_("On: {0}").format(", ".join(r.item_group for r in doc.product_lines)))
	if doc.proof_required:
		terms.append(_("Claims need proof (invoices, photos, reports)"))
	return terms


def eligible_programs(partner: str | None, with_terms: bool = False) -> list[frappe._dict]:
	"""Active programs the partner is eligible for (all active programs for a manager), with whether
	it holds a fund allocation in them. Partners read Active programs only (permission rule)."""
	rows = frappe.get_list(
		"Incentive Program",
		filters={"status": "Active"},
		fields=["name", "program_type", "start_date", "end_date", "claim_deadline", "description"],
		order_by="end_date desc, name asc",
		limit_page_length=MAX_PROGRAMS,
	)
	allocated = (
		set(
			frappe.get_list(
				"Fund Allocation",
				filters={"program": ("in", [r.name for r in rows])},
				fields=["program"],
				group_by="program",
				order_by="program asc",
				pluck="program",
			)
		)
		if partner and rows
		else set()
	)
	standing = (
		frappe.db.get_value("Channel Partner", partner, ["status", "tier"], as_dict=True) if partner else None
	)
	out = []
	for r in rows:
		doc, facts = service.program(r.name)
		if partner and (not standing or rules.eligibility(facts, partner, standing.status, standing.tier)):
			continue  # not for this partner (tier, named partners or partner status)
		out.append(
			frappe._dict(
				name=r.name,
				program_type=r.program_type,
				dates=period_text(r.start_date, r.end_date),
				claim_deadline=portal_date(r.claim_deadline),
				description=html_to_text(r.description),
				share=(
					_("{0} % of the actual cost").format(_pct(doc.reimbursement_percentage))
					if r.program_type == MDF and doc.reimbursement_percentage
					else ""
				),
				preapproval=bool(r.program_type == MDF and doc.requires_preapproval),
				has_allocation=r.name in allocated,
				terms=program_terms(doc) if with_terms else [],
			)
		)
	return out


def offer_terms(rule) -> str:
	cur = rule.currency
	if rule.price_or_product_discount == "Product":
		free = rule.free_item or _("the same item")
		return _("{0} × {1} free").format(f"{float(rule.free_qty or 0):g}", free)
	if rule.rate_or_discount == "Discount Percentage":
		return _("{0} % off").format(_pct(rule.discount_percentage))
	if rule.rate_or_discount == "Discount Amount":
		return _("{0} off per unit").format(money(rule.discount_amount, cur))
	if rule.rate_or_discount == "Rate":
		return _("Special price {0}").format(money(rule.rate, cur))
	return ""


def offers(partner: str) -> list[frappe._dict]:
	"""Current and coming selling Pricing Rules for the partner's Sales Partner (a Promotional
	Scheme makes such rules too)."""
	sales_partner = frappe.db.get_value("Channel Partner", partner, "sales_partner")
	if not sales_partner:
		return []
	today = nowdate()
	rule = frappe.qb.DocType("Pricing Rule")
	rows = (
		frappe.qb.from_(rule)
		.select(
			rule.name,
			rule.title,
			rule.apply_on,
			rule.price_or_product_discount,
			rule.rate_or_discount,
			rule.discount_percentage,
			rule.discount_amount,
			rule.rate,
			rule.free_item,
			rule.free_qty,
			rule.min_qty,
			rule.min_amt,
			rule.currency,
			rule.valid_from,
			rule.valid_upto,
			rule.promotional_scheme,
		)
		.where(
			(rule.disable == 0)
			& (rule.selling == 1)
			& (rule.applicable_for == "Sales Partner")
			& (rule.sales_partner == sales_partner)
			& (rule.valid_upto.isnull() | (rule.valid_upto >= today))
		)
		.orderby(rule.valid_from)
		.limit(MAX_OFFERS)
		.run(as_dict=True)
	)
	if not rows:
		return []
	names = [r.name for r in rows]
	targets: dict[str, list[str]] = {}
	for doctype, field in (
		("Pricing Rule Item Code", "item_code"),
		("Pricing Rule Item Group", "item_group"),
		("Pricing Rule Brand", "brand"),
	):
		for t in frappe.get_all(
			doctype,
			filters={"parent": ("in", names), "parenttype": "Pricing Rule"},
			fields=["parent", field],
			order_by="idx asc",
		):
			targets.setdefault(t.parent, []).append(t[field])
	out = []
	for r in rows:
		conditions = []
		if r.min_qty:
			conditions.append(_("from {0} units").format(f"{float(r.min_qty):g}"))
		if r.min_amt:
			conditions.append(_("from {0}").format(money(r.min_amt, r.currency)))
		out.append(
			frappe._dict(
				name=r.name,
				title=r.promotional_scheme or r.title or r.name,
				terms=offer_terms(r),
				on=", ".join(targets.get(r.name, []))
				if r.apply_on != "Transaction"
				else _("the whole order"),
				conditions=", ".join(conditions),
				dates=period_text(r.valid_from, r.valid_upto)
				if r.valid_upto
				else (_("from {0}").format(portal_date(r.valid_from)) if r.valid_from else ""),
				upcoming=bool(r.valid_from and str(r.valid_from) > today),
			)
		)
	return out


def tier_benefits(partner: str) -> frappe._dict | None:
	from prm_extension.services.partners import tier_settings

	tier = frappe.db.get_value("Channel Partner", partner, "tier")
	if not tier:
		return None
	row = frappe.db.get_value(
		"Partner Tier",
		tier,
		["tier_name", "deal_protection_days", "deal_discount_percentage", "description"],
		as_dict=True,
	)
	limits = tier_settings(tier)
	settings = frappe.get_cached_doc("PRM Settings")
	benefits = []
	if row.deal_discount_percentage:
		benefits.append(
			_("{0} % extra discount on quotations for your approved deal registrations").format(
				_pct(row.deal_discount_percentage)
			)
		)
	benefits.append(
		_("Approved deals are protected for {0} days").format(
			row.deal_protection_days or settings.default_deal_protection_days or 90
		)
	)
	benefits.append(
		_("Up to {0} account reservations at a time").format(limits.max_active_reservations)
		if limits.max_active_reservations
		else _("No limit on account reservations")
	)
	benefits.append(_("Reservations last {0} days").format(limits.reservation_days))
	return frappe._dict(
		tier=row.tier_name or tier, benefits=benefits, description=html_to_text(row.description)
	)
