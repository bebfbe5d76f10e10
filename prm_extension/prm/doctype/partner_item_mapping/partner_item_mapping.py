"""Partner Item Mapping: what a partner calls one of the vendor's items in its feeds."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cstr


class PartnerItemMapping(Document):
	def validate(self):
		self.partner_item_code = cstr(self.partner_item_code).strip()
		other = frappe.db.get_value(
			"Partner Item Mapping",
			{
				"channel_partner": self.channel_partner,
				"partner_item_code": self.partner_item_code,
				"name": ("!=", self.name),
			},
			"item_code",
		)
		if other:
			frappe.throw(
				_("{0} already maps {1} to {2}.").format(
					self.channel_partner, frappe.bold(self.partner_item_code), other
				)
			)


def on_doctype_update():
	frappe.db.add_index("Partner Item Mapping", ["channel_partner", "partner_item_code"])
