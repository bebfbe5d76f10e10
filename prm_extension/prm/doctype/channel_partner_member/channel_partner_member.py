from frappe.model.document import Document


class ChannelPartnerMember(Document):
	pass
