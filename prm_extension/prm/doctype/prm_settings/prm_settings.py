from frappe.model.document import Document


class PRMSettings(Document):
	pass
