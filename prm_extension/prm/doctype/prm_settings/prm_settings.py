"""PRM Settings: the rules channel managers configure."""

import frappe
from frappe import _
from frappe.model.document import Document


class PRMSettings(Document):
	def on_change(self):
		from prm_extension.services.partners import forget_rules

		forget_rules()  # house rules and tier defaults are kept per worker under the rules version

	def validate(self):
		if (self.default_reservation_days or 0) < 1:
			frappe.throw(_("Default Reservation Days must be at least 1."))
		if (self.max_match_candidates or 0) < 1:
			frappe.throw(_("Max Candidates Shown must be at least 1."))
		seen = set()
		for rule in self.house_account_rules:
			if not rule.customer_group and not rule.territory:
				frappe.throw(
					_("House account rule {0}: choose a customer group, a territory or both.").format(
						rule.idx
					)
				)
			key = (rule.customer_group, rule.territory)
			if key in seen:
				frappe.throw(_("House account rule {0} repeats an earlier rule.").format(rule.idx))
			seen.add(key)
