from frappe.model.document import Document


class ChannelPartnerTerritory(Document):
	pass
