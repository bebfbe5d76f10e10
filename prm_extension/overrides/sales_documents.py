"""Quotation, Sales Order and Sales Invoice hooks: registered deals meet ERPNext sales.

* validate: when the customer has an approved, protected registration whose product lines the
  document sells, the document gets that partner's Sales Partner (so ERPNext's own partner reports
  attribute the revenue) and a link to the registration — whether it is saved as a draft, submitted
  later, or inserted already submitted (``docstatus: 1`` over REST or by Data Import): validate
  runs before the document is written in each case;
* on_submit: the document is listed on the registration; a Sales Invoice makes it Won with the
  invoiced amount in the deal's product lines;
* on_cancel (Sales Invoice): the registration goes back to Approved (or Expired);
* Sales Invoices through a channel partner also add to (and on cancel take from) the monthly
  partner sales summary (``services.summaries``).
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import flt, getdate, nowdate

from prm_extension.core import deals as rules
from prm_extension.services import summaries
from prm_extension.services.partners import tree_nodes


def _customer(doc) -> str | None:
	if doc.doctype == "Quotation":
		return doc.party_name if doc.quotation_to == "Customer" else None
	return doc.customer


def _partner_field(doc) -> str:
	return "referral_sales_partner" if doc.doctype == "Quotation" else "sales_partner"


def _sales_lines(doc) -> list[rules.SalesLine]:
	nodes = tree_nodes("Item Group", [row.item_group for row in doc.items])
	return [
		rules.SalesLine(nodes[row.item_group], Decimal(str(flt(row.net_amount or row.amount))))
		for row in doc.items
		if row.item_group in nodes
	]


def _deal_lines(name: str):
	groups = frappe.get_all(
		"Deal Registration Item", {"parent": name, "parenttype": "Deal Registration"}, pluck="item_group"
	)
	return tuple(tree_nodes("Item Group", groups).values())


def matching_deal(doc) -> tuple[str | None, Decimal]:
	"""The protected registration this document sells into, and the amount in its product lines."""
	customer = _customer(doc)
	if not customer:
		return None, Decimal(0)
	on = getdate(doc.get("posting_date") or doc.get("transaction_date") or nowdate())
	candidates = (
		[doc.prm_deal_registration]
		if doc.get("prm_deal_registration")
		else frappe.get_all(
			"Deal Registration",
			filters={
				"customer": customer,
				"status": rules.APPROVED,
				"docstatus": 1,
				"protection_until": (">=", on),
			},
			order_by="decided_on asc",
			pluck="name",
			limit_page_length=20,
		)
	)
	lines = _sales_lines(doc)
	for name in candidates:
		amount = rules.attributable_amount(_deal_lines(name), lines)
		if amount > 0:
			return name, amount
	return None, Decimal(0)


def attribute_partner(doc, method=None):
	# Frappe runs validate on insert (draft or already submitted), save and submit only, always
	# before the row is written, never after submission: nothing submitted is changed here.
	deal, _amount = matching_deal(doc)
	if not deal:
		return
	status, partner, until = frappe.db.get_value(
		"Deal Registration", deal, ["status", "channel_partner", "protection_until"]
	)
	if status != rules.APPROVED and not doc.get("prm_deal_registration"):
		return
	doc.prm_deal_registration = deal
	field = _partner_field(doc)
	if not doc.get(field):
		doc.set(field, frappe.db.get_value("Channel Partner", partner, "sales_partner"))
		if doc.doctype == "Sales Invoice" and doc.get("sales_partner"):
			doc.commission_rate = doc.commission_rate or frappe.db.get_value(
				"Sales Partner", doc.sales_partner, "commission_rate"
			)
			# the document's own validate computed the commission before this hook set the
			# partner; a document inserted already submitted is not computed again
			doc.calculate_commission()


def link_to_deal(doc, method=None):
	deal_name, amount = matching_deal(doc)
	if not deal_name:
		return
	deal = frappe.get_doc("Deal Registration", deal_name)
	if not any(d.document_type == doc.doctype and d.document_name == doc.name for d in deal.documents):
		deal.append(
			"documents",
			{
				"document_type": doc.doctype,
				"document_name": doc.name,
				"amount": float(amount),
				"posting_date": doc.get("posting_date") or doc.get("transaction_date"),
			},
		)
		# Bookkeeping by the system on behalf of whoever submitted the sales document.
		deal.flags.ignore_permissions = True
		deal.flags.prm_actor = "system"
		deal.save()
	if doc.doctype == "Sales Invoice" and deal.status == rules.APPROVED:
		won = sum(flt(d.amount) for d in deal.documents if d.document_type == "Sales Invoice")
		deal.close(rules.WON, _("Invoiced in {0}").format(doc.name), amount=won)


def unlink_from_deal(doc, method=None):
	deal_name = doc.get("prm_deal_registration")
	if not deal_name or not frappe.db.exists("Deal Registration", deal_name):
		return
	deal = frappe.get_doc("Deal Registration", deal_name)
	deal.set(
		"documents",
		[d for d in deal.documents if not (d.document_type == doc.doctype and d.document_name == doc.name)],
	)
	deal.flags.ignore_permissions = True
	deal.flags.prm_actor = "system"
	deal.save()
	if deal.status == rules.WON and not any(d.document_type == "Sales Invoice" for d in deal.documents):
		back = (
			rules.APPROVED
			if deal.protection_until and getdate(deal.protection_until) >= getdate(nowdate())
			else rules.EXPIRED
		)
		deal.check_move(rules.WON, "system", back)
		deal.db_set({"status": back, "won_on": None, "won_amount": 0})
		deal.add_comment(
			"Info", _("{0} was cancelled: the registration is {1} again.").format(doc.name, _(back))
		)
		if back == rules.APPROVED and deal.pricing_rule:
			frappe.db.set_value("Pricing Rule", deal.pricing_rule, "disable", 0)


def on_submit_invoice(doc, method=None):
	"""A submitted Sales Invoice closes the deal it sells (Won) and adds to the partner sales."""
	link_to_deal(doc, method)
	summaries.follow_invoice(doc, 1)


def on_cancel_invoice(doc, method=None):
	unlink_from_deal(doc, method)
	summaries.follow_invoice(doc, -1)
