from frappe.model.document import Document


class PartnerTier(Document):
	pass
