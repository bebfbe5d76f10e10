from frappe.model.document import Document


class DealRegistrationDocument(Document):
	pass
