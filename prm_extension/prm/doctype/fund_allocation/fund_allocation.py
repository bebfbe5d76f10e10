"""Fund Allocation: a partner's share of a program's budget for a period. Its balance is derived
from submitted MDF requests and claims (never typed); allocations never exceed the budget."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, getdate

from prm_extension.services import incentives as service
from prm_extension.services import live
from prm_extension.services.reasons import explain_incentive


class FundAllocation(Document):
	def onload(self):
		if not self.is_new():
			b = service.balance(self.name)
			self.set_onload(
				"balance",
				{
					k: float(getattr(b, k))
					for k in (
						"allocated",
						"committed",
						"requested",
						"approved",
						"paid",
						"available",
						"unpaid",
					)
				},
			)

	def on_change(self):
		live.on_change(self)  # open dashboards refresh; the partner's home figures are recounted

	def on_update(self):
		from prm_extension.services.incentives import refresh_totals

		refresh_totals(self.name)  # the allocated amount may have changed what is available

	def validate(self):
		program = frappe.get_doc("Incentive Program", self.program)
		self.period_start = self.period_start or program.start_date
		self.period_end = self.period_end or program.end_date
		if getdate(self.period_start) > getdate(self.period_end):
			frappe.throw(_("The period ends before it starts."))
		if getdate(self.period_start) < getdate(program.start_date) or getdate(self.period_end) > getdate(
			program.end_date
		):
			frappe.throw(
				_("The period must lie within the program ({0} to {1}).").format(
					program.start_date, program.end_date
				)
			)
		_doc, facts = service.program(self.program)
		problem = service.eligibility_problem(facts, self.channel_partner)
		if problem and problem != "program_inactive":
			frappe.throw(explain_incentive(problem))
		overlap = frappe.db.sql(
			"""select name from `tabFund Allocation` where program = %s and channel_partner = %s and name != %s
			and period_start <= %s and period_end >= %s limit 1""",
			(self.program, self.channel_partner, self.name or "", self.period_end, self.period_start),
		)
		if overlap:
			frappe.throw(
				_("This partner already has allocation {0} for an overlapping period.").format(overlap[0][0])
			)
		# The program row lock makes concurrent allocations queue up: the budget is never exceeded.
		frappe.db.sql("select name from `tabIncentive Program` where name = %s for update", self.program)
		others = flt(
			frappe.db.sql(
				"select sum(allocated_amount) from `tabFund Allocation` where program = %s and name != %s lock in share mode",
				(self.program, self.name or ""),
			)[0][0]
		)
		if others + flt(self.allocated_amount) > flt(program.total_budget):
			frappe.throw(
				_("Only {0} of the program's budget is left to allocate.").format(
					frappe.format(
						flt(program.total_budget) - others,
						{"fieldtype": "Currency", "options": program.currency},
					)
				),
				title=_("Over budget"),
			)
		if not self.is_new():
			used = service.balance(self.name, for_update=True)
			if flt(self.allocated_amount) < float(used.committed + used.approved):
				frappe.throw(
					_(
						"The allocation cannot be less than what is already committed and approved ({0})."
					).format(float(used.committed + used.approved))
				)


def on_doctype_update():
	frappe.db.add_index("Fund Allocation", ["program", "channel_partner"])
	frappe.db.add_index("Fund Allocation", ["channel_partner", "period_end"])  # a partner's, newest first
