"""Lead Routing Rule: one step of the chain that decides which partner a vendor's lead is offered
to (the rules themselves: ``prm_extension.core.leads.route``). Channel managers only."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document

from prm_extension.services.partners import forget_rules


class LeadRoutingRule(Document):
	def validate(self):
		for fieldname in ("priority", "capacity"):
			if (self.get(fieldname) or 0) < 0:
				frappe.throw(
					_("{0} cannot be negative.").format(_(self.meta.get_label(fieldname))),
					frappe.ValidationError,
					title=_("Invalid value"),
				)
		self.certification = (self.certification or "").strip() or None

	def on_change(self):
		forget_rules()  # kept per worker with the other rules

	def on_trash(self):
		forget_rules()
