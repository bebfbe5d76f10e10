from frappe.model.document import Document


class IncentiveClaimProof(Document):
	pass
