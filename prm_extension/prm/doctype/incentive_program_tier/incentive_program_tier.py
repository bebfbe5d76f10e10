from frappe.model.document import Document


class IncentiveProgramTier(Document):
	pass
