from frappe.model.document import Document


class DealRegistrationCheck(Document):
	pass
