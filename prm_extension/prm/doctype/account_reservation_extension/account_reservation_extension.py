from frappe.model.document import Document


class AccountReservationExtension(Document):
	pass
