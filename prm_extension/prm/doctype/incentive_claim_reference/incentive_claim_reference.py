from frappe.model.document import Document


class IncentiveClaimReference(Document):
	pass
