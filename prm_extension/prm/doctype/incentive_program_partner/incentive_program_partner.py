from frappe.model.document import Document


class IncentiveProgramPartner(Document):
	pass
