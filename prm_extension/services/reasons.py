"""Decisions of the rules core in words a partner understands (translatable).

Messages name the rule that decided, never another partner or its reservation.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import formatdate

from prm_extension.core.reservations import Decision


def _until(params: dict) -> str:
	return formatdate(params["until"]) if params.get("until") else _("further notice")


def _via(params: dict) -> str:
	return {
		"same": "",
		"ancestor": _(" (through its parent company)"),
		"descendant": _(" (through one of its subsidiaries)"),
		"family": _(" (through another company of its corporate family)"),
	}.get(params.get("via"), "")


def explain(decision: Decision) -> str:
	p = decision.params
	code = decision.code
	if code == "open":
		return _("The account is open: you can reserve it.")
	if code == "granted":
		return _("Reserved: no other partner held this account for this scope.")
	if code == "partner_not_active":
		return _("Your partner account is {0}: only Active partners can reserve accounts.").format(
			_(p.get("status") or "")
		)
	if code == "account_disabled":
		return _("This customer account is disabled and cannot be reserved.")
	if code == "house_account":
		if p.get("via") == "parent_flag":
			return _(
				"This account belongs to a corporate family that the vendor serves directly (house account)."
			)
		if p.get("via") == "rule":
			return _("Accounts of this kind are served directly by the vendor (house account rule).")
		return _("This is a house account: the vendor serves it directly.")
	if code == "territory_required":
		return _("Choose a territory: your partnership covers only some territories.")
	if code == "territory_not_authorised":
		return _('Your partnership does not cover the territory "{0}".').format(p.get("territory"))
	if code == "product_line_required":
		return _("Choose a product line: your partnership covers only some product lines.")
	if code == "product_line_not_authorised":
		return _('Your partnership does not cover the product line "{0}".').format(p.get("product_line"))
	if code == "reserved_by_other":
		if p.get("pending"):
			return _("Another partner has a pending request for this account{0}.").format(_via(p))
		return _("This account is reserved by another partner{0} until {1}.").format(_via(p), _until(p))
	if code == "reserved_by_you":
		if p.get("pending"):
			return _("You already have a pending request for this account{0}.").format(_via(p))
		return _("You already hold this account{0} until {1}.").format(_via(p), _until(p))
	if code == "tier_limit_reached":
		return _(
			"Your tier allows {0} active reservations and you hold that many. Release one or ask your channel manager."
		).format(p.get("limit"))
	if code == "extension_not_active":
		return _("Only an active, unexpired reservation can be extended.")
	if code == "extension_limit_reached":
		return _("This reservation has used all {0} extensions its tier allows.").format(p.get("limit"))
	if code == "extension_not_offered":
		return _("Extensions are not offered for this reservation.")
	if code == "extended":
		return _("Extended until {0}.").format(_until(p))
	if code == "manager_override":
		return _("Granted by a channel manager.")
	if code == "superseded":
		return _("Released by a channel manager's decision.")
	if code == "rejected_by_manager":
		return _("Rejected by a channel manager.")
	return _("Refused by the reservation rules ({0}).").format(code)


# --- Deal registration ------------------------------------------------------------------------


def explain_input_error(error) -> str:
	p = error.params
	return {
		"customer_required": lambda: _("Choose the end customer, or type the name of a new prospect."),
		"products_required": lambda: _("Add at least one product."),
		"too_many_lines": lambda: _("A registration can have at most {0} product lines.").format(
			p.get("max")
		),
		"qty_not_positive": lambda: _("Row {0}: the quantity must be more than zero.").format(p.get("row")),
		"qty_absurd": lambda: _("Row {0}: the quantity is implausibly large.").format(p.get("row")),
		"rate_negative": lambda: _("Row {0}: the expected rate cannot be negative.").format(p.get("row")),
		"amount_absurd": lambda: _("Row {0}: the amount is implausibly large.").format(p.get("row")),
		"value_absurd": lambda: _("The expected value is implausibly large."),
		"close_date_required": lambda: _("Enter the expected close date."),
		"close_date_past": lambda: _("The expected close date {0} is in the past.").format(
			formatdate(p.get("date"))
		),
		"close_date_far": lambda: _("The expected close date {0} is more than three years away.").format(
			formatdate(p.get("date"))
		),
		"currency_mismatch": lambda: _("The currency {0} is not accepted for this company; use {1}.").format(
			p.get("currency"), ", ".join(p.get("allowed") or [])
		),
	}.get(error.code, lambda: error.code)()


def explain_check(check) -> str:
	p = check.params
	code = check.code
	if code == "ok":
		return _("Passed.")
	if code == "partner_not_active":
		return _("Your partner account is {0}: only Active partners can register deals.").format(
			_(p.get("status") or "")
		)
	if code == "territory_not_authorised":
		return _('Your partnership does not cover the territory "{0}".').format(p.get("territory"))
	if code == "product_line_not_authorised":
		return _("Your partnership does not cover these product lines: {0}.").format(
			", ".join(p.get("product_lines") or [])
		)
	if code == "house_account":
		return _("This customer is served directly by the vendor (house account).")
	if code == "reserved_by_other":
		return _("This account is reserved by another partner for an overlapping territory or product line.")
	if code == "registered_by_other":
		if p.get("until"):
			return _(
				"Another partner registered a deal for this customer and product line first; it is protected until {0}."
			).format(formatdate(p["until"]))
		return _("Another partner registered a deal for this customer and product line first.")
	if code == "registered_by_other_wait":
		return _(
			"Another partner registered a deal for this customer and product line first; yours waits until that one closes."
		)
	if code == "duplicate_own":
		return _("You already have an open or approved registration for this customer and product line.")
	if code == "direct_opportunity":
		return _(
			"The vendor's own sales team is already working an opportunity with this customer; a channel manager will decide."
		)
	return code


# --- Incentives --------------------------------------------------------------------------------


def explain_incentive(code: str, params: dict | None = None) -> str:
	p = params or {}

	def money(value):
		return (
			frappe.format(value, {"fieldtype": "Currency", "options": p.get("currency")})
			if value is not None
			else ""
		)

	return {
		"program_inactive": lambda: _("This program is not active."),
		"partner_not_active": lambda: _("Only Active partners can take part in incentive programs."),
		"tier_not_eligible": lambda: _("Your partner tier is not eligible for this program."),
		"partner_not_eligible": lambda: _("Your partner company is not eligible for this program."),
		"amount_not_positive": lambda: _("The amount must be more than zero."),
		"currency_mismatch": lambda: _("This program pays in {0}, not {1}.").format(
			p.get("expected"), p.get("currency")
		),
		"past_deadline": lambda: _("Claims for this program closed on {0}.").format(
			formatdate(p.get("deadline"))
		),
		"activity_dates_reversed": lambda: _("The activity ends before it starts."),
		"activity_outside_program": lambda: _(
			"The activity must take place within the program period ({0} to {1})."
		).format(formatdate(p.get("start")), formatdate(p.get("end"))),
		"proof_required": lambda: _(
			"Attach proof of performance (invoices, photos, attendee lists) to claim this program."
		),
		"over_preapproved": lambda: _(
			"The claim is more than what is left of the pre-approved amount ({0})."
		).format(money(p.get("remaining"))),
		"already_claimed": lambda: _("Already claimed: {0}.").format(", ".join(p.get("references") or [])),
		"over_balance": lambda: _(
			"The amount is more than the available balance of your allocation ({0})."
		).format(money(p.get("available"))),
		"approve_over_claim": lambda: _(
			"The approved amount cannot be more than the claimed amount ({0})."
		).format(money(p.get("claimed"))),
	}.get(code, lambda: code)()
