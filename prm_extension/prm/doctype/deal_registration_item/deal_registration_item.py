from frappe.model.document import Document


class DealRegistrationItem(Document):
	pass
