// Partner Application (desk): Approve creates the Active Channel Partner; Reject needs a reason.
frappe.ui.form.on("Partner Application", {
	refresh(frm) {
		if (frm.is_new() || frm.doc.status !== "Submitted") {
			if (frm.doc.channel_partner) {
				frm.add_custom_button(__("Channel Partner"), () =>
					frappe.set_route("Form", "Channel Partner", frm.doc.channel_partner));
			}
			return;
		}
		if (frm.doc.possible_duplicate) {
			frm.dashboard.set_headline_alert(
				__("Possible duplicate: another partner or application shares the company name, domain or tax id."),
				"orange");
		}
		frm.add_custom_button(__("Approve"), () => {
			const d = new frappe.ui.Dialog({
				title: __("Approve {0}", [frm.doc.company_name]),
				fields: [
					{ fieldname: "home_territory", fieldtype: "Link", options: "Territory", label: __("Home Territory"),
						reqd: 1, default: frm.doc.territory },
					{ fieldname: "tier", fieldtype: "Link", options: "Partner Tier", label: __("Tier") },
					{ fieldtype: "HTML", options: `<p class="text-muted small">${__(
						"Creates an Active Channel Partner authorised for the home territory and the requested product lines, with the applicant as Partner Admin (a website user who receives the welcome e-mail).")}</p>` },
				],
				primary_action_label: __("Approve"),
				primary_action(values) {
					d.hide();
					frappe.call({
						method: "prm_extension.api.applications.approve",
						args: { name: frm.doc.name, home_territory: values.home_territory, tier: values.tier },
						freeze: true,
					}).then((r) => {
						frappe.show_alert({ message: __("Channel Partner {0} created", [r.message]), indicator: "green" });
						frm.reload_doc();
					});
				},
			});
			d.show();
		}, __("Decide"));
		frm.add_custom_button(__("Reject"), () => {
			frappe.prompt(
				[{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason (sent to the applicant)"), reqd: 1 }],
				(values) => frappe.call({
					method: "prm_extension.api.applications.reject",
					args: { name: frm.doc.name, reason: values.reason },
					freeze: true,
				}).then(() => frm.reload_doc()),
				__("Reject {0}", [frm.doc.company_name]),
				__("Reject"));
		}, __("Decide"));
	},
});
