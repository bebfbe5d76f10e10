from frappe.model.document import Document


class PartnerApplicationProductLine(Document):
	pass
