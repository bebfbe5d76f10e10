from frappe.model.document import Document


class IncentiveRebateBracket(Document):
	pass
