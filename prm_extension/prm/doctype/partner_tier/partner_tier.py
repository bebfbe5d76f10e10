"""Partner Tier: a partner level and the benefits the rules read."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, cstr, flt


class PartnerTier(Document):
	def on_change(self):
		from prm_extension.services.partners import forget_rules

		forget_rules()  # tier limits are kept per worker under the rules version

	def on_trash(self):
		self.on_change()

	def validate(self):
		from prm_extension.services.catalog import validate_price_list

		validate_price_list(self)
		self.tier_name = cstr(self.tier_name).strip()
		rank = cint(self.rank)
		taken = frappe.db.get_value("Partner Tier", {"rank": rank, "name": ("!=", self.name)}, "name")
		if taken:
			frappe.throw(
				_("Tier {0} already has rank {1}: each tier needs its own rank.").format(
					frappe.bold(taken), rank
				)
			)
		for field in (
			"max_active_reservations",
			"reservation_days",
			"max_extensions",
			"extension_days",
			"min_invoiced_revenue",
			"min_won_deals",
			"min_certifications",
		):
			if flt(self.get(field)) < 0:
				frappe.throw(_("{0} ({1}) cannot be negative.").format(_(self.meta.get_label(field)), field))
		if (
			cint(self.max_extensions)
			and not cint(self.extension_days)
			and not frappe.db.get_single_value("PRM Settings", "default_extension_days")
		):
			frappe.throw(_("Set Days per Extension when extensions are allowed."))
