"""Incentive payouts through ERPNext accounting: an approved claim becomes a submitted Purchase
Invoice or Journal Entry to the partner's Supplier (created on first payout), against the program's
expense account and cost center; Payment Entries against that document mark the claim paid.
The money rules (what may be paid, when a claim counts as paid) are ``core.incentives``."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder.functions import Sum
from frappe.utils import flt, nowdate

from prm_extension.core import incentives as rules
from prm_extension.services.incentives import D


def ensure_supplier(partner: str) -> str:
	supplier = frappe.db.get_value("Channel Partner", partner, "supplier")
	if supplier and frappe.db.exists("Supplier", supplier):
		return supplier
	name = frappe.db.get_value("Channel Partner", partner, "partner_name")
	supplier = frappe.db.get_value("Supplier", {"supplier_name": name}, "name")
	if not supplier:
		group = frappe.db.get_single_value("Buying Settings", "supplier_group") or frappe.db.get_value(
			"Supplier Group", {"is_group": 0}, "name"
		)
		supplier = (
			frappe.get_doc(
				{
					"doctype": "Supplier",
					"supplier_name": name,
					"supplier_group": group,
					"supplier_type": "Company",
				}
			)
			.insert(ignore_permissions=True)  # created by the approval, on the vendor's side
			.name
		)
	frappe.db.set_value("Channel Partner", partner, "supplier", supplier, update_modified=False)
	return supplier


def ensure_payout_item(program_doc) -> str:
	if program_doc.payout_item:
		return program_doc.payout_item
	code = "PRM-PARTNER-INCENTIVE"
	if not frappe.db.exists("Item", code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": _("Partner incentive"),
				"item_group": frappe.db.get_value("Item Group", {"is_group": 0}, "name"),
				"stock_uom": "Nos",
				"is_stock_item": 0,
				"is_purchase_item": 1,
				"is_sales_item": 0,
			}
		).insert(ignore_permissions=True)
	return code


def make_payout(claim) -> tuple[str, str]:
	"""A submitted Purchase Invoice or Journal Entry for the approved amount, to the partner's
	Supplier, against the program's expense account and cost center."""
	program_doc = frappe.get_cached_doc("Incentive Program", claim.program)
	supplier = ensure_supplier(claim.channel_partner)
	remark = _("Incentive claim {0} ({1})").format(claim.name, program_doc.name)
	if program_doc.payout_via == "Journal Entry":
		payable = frappe.get_cached_value("Company", program_doc.company, "default_payable_account")
		je = frappe.get_doc(
			{
				"doctype": "Journal Entry",
				"voucher_type": "Journal Entry",
				"company": program_doc.company,
				"posting_date": nowdate(),
				"user_remark": remark,
				"accounts": [
					{
						"account": program_doc.expense_account,
						"cost_center": program_doc.cost_center,
						"debit_in_account_currency": claim.approved_amount,
					},
					{
						"account": payable,
						"party_type": "Supplier",
						"party": supplier,
						"cost_center": program_doc.cost_center,
						"credit_in_account_currency": claim.approved_amount,
					},
				],
			}
		)
		je.flags.ignore_permissions = True
		je.insert()
		je.submit()
		return "Journal Entry", je.name
	pi = frappe.get_doc(
		{
			"doctype": "Purchase Invoice",
			"company": program_doc.company,
			"supplier": supplier,
			"currency": program_doc.currency,
			"posting_date": nowdate(),
			"bill_no": claim.name,
			"remarks": remark,
			"items": [
				{
					"item_code": ensure_payout_item(program_doc),
					"qty": 1,
					"rate": claim.approved_amount,
					"expense_account": program_doc.expense_account,
					"cost_center": program_doc.cost_center,
				}
			],
		}
	)
	pi.flags.ignore_permissions = True
	pi.insert()
	pi.submit()
	return "Purchase Invoice", pi.name


def paid_amount(doctype: str, name: str) -> float:
	"""What submitted Payment Entries have allocated to a payout document (Purchase Invoice or
	Journal Entry)."""
	per = frappe.qb.DocType("Payment Entry Reference")
	pe = frappe.qb.DocType("Payment Entry")
	rows = (
		frappe.qb.from_(per)
		.join(pe)
		.on(per.parent == pe.name)
		.select(Sum(per.allocated_amount))
		.where((per.reference_doctype == doctype) & (per.reference_name == name) & (pe.docstatus == 1))
		.run()
	)
	return flt(rows[0][0]) if rows else 0.0


def refresh_paid(claim_name: str) -> None:
	claim = frappe.get_doc("Incentive Claim", claim_name)
	if claim.docstatus != 1 or not claim.payout_document:
		return
	paid = paid_amount(claim.payout_doctype, claim.payout_document)
	status = rules.status_after_payment(D(paid), D(claim.approved_amount), D(claim.claimed_amount))
	claim.db_set({"paid_amount": paid, "status": status}, notify=True)


def on_payment(doc, method=None):
	"""Payment Entry submitted or cancelled: claims paid through its references follow the ledger."""
	for ref in doc.references:
		for name in frappe.get_all(
			"Incentive Claim",
			filters={
				"payout_doctype": ref.reference_doctype,
				"payout_document": ref.reference_name,
				"docstatus": 1,
			},
			pluck="name",
		):
			refresh_paid(name)
