from frappe.model.document import Document


class PRMHouseAccountRule(Document):
	pass
