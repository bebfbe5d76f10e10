from frappe.model.document import Document


class IncentiveSPIFFRule(Document):
	pass
