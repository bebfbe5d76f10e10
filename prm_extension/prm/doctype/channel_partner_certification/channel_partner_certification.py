from frappe.model.document import Document


class ChannelPartnerCertification(Document):
	pass
