from frappe.model.document import Document


class ChannelPartnerProductLine(Document):
	pass
