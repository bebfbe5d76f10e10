"""Incentive Program: MDF / co-op, volume rebate, SPIFF or registered-deal bonus, with its budget,
eligibility, the rule that computes money, and where payouts are booked."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, getdate


class IncentiveProgram(Document):
	def validate(self):
		if getdate(self.start_date) > getdate(self.end_date):
			frappe.throw(_("The program ends before it starts."))
		if getdate(self.claim_deadline) < getdate(self.start_date):
			frappe.throw(_("The claim deadline is before the program starts."))
		company_currency = frappe.get_cached_value("Company", self.company, "default_currency")
		if self.program_type != "MDF / Co-op" and self.currency != company_currency:
			frappe.throw(
				_(
					"Rebates, SPIFFs and bonuses are computed from invoices in the company currency ({0})."
				).format(company_currency)
			)
		for field, label in (("expense_account", _("Expense Account")), ("cost_center", _("Cost Center"))):
			company = frappe.db.get_value(
				"Account" if field == "expense_account" else "Cost Center", self.get(field), "company"
			)
			if company != self.company:
				frappe.throw(
					_("{0} {1} does not belong to company {2}.").format(label, self.get(field), self.company)
				)
		if frappe.db.get_value("Account", self.expense_account, "is_group"):
			frappe.throw(_("Choose a ledger account, not a group, as Expense Account."))
		if self.program_type == "Volume Rebate" and not self.brackets:
			frappe.throw(_("A volume rebate needs at least one bracket."))
		thresholds = [flt(b.threshold) for b in self.brackets]
		if len(set(thresholds)) != len(thresholds):
			frappe.throw(_("Two rebate brackets start at the same revenue."))
		if self.program_type == "SPIFF":
			if not self.spiff_rules:
				frappe.throw(_("A SPIFF needs at least one rule."))
			for rule in self.spiff_rules:
				if not rule.item_code and not rule.item_group:
					frappe.throw(_("SPIFF rule {0}: choose an item or a product line.").format(rule.idx))
		if self.program_type == "Registered-Deal Bonus" and not (
			flt(self.bonus_per_deal) or flt(self.bonus_percentage)
		):
			frappe.throw(_("Set a bonus per deal or a bonus percentage."))
		if not self.is_new():
			allocated = flt(
				frappe.db.sql(
					"select sum(allocated_amount) from `tabFund Allocation` where program = %s", self.name
				)[0][0]
			)
			if allocated > flt(self.total_budget):
				frappe.throw(
					_("The budget cannot be less than what is already allocated ({0}).").format(allocated)
				)
