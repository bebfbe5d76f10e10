frappe.ui.form.on("Channel Partner", {
	refresh(frm) {
		if (!frm.is_new()) {
			frm.add_custom_button(__("Reservations"), () =>
				frappe.set_route("List", "Account Reservation", { channel_partner: frm.doc.name }));
		}
	},
});
