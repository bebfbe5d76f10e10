// Account Reservation form: availability before saving, and the lifecycle actions.
frappe.ui.form.on("Account Reservation", {
	refresh(frm) {
		const call = (method, args) =>
			frappe.call({ method: `prm_extension.api.accounts.${method}`, args, freeze: true }).then(() => frm.reload_doc());
		if (frm.is_new()) {
			frm.add_custom_button(__("Check Availability"), () => frm.trigger("check_availability"));
			return;
		}
		const status = frm.doc.status;
		const manager = frappe.user.has_role("PRM Manager") || frappe.user.has_role("System Manager");
		if (manager && status === "Requested") {
			frm.add_custom_button(__("Approve"), () => call("approve", { reservation: frm.doc.name }), __("Actions"));
			frm.add_custom_button(__("Reject"), () =>
				frappe.prompt({ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
					(v) => call("reject", { reservation: frm.doc.name, reason: v.reason }), __("Reject Reservation")), __("Actions"));
		}
		if (status === "Active") {
			frm.add_custom_button(__("Extend"), () =>
				frappe.prompt({ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
					(v) => call("extend", { reservation: frm.doc.name, reason: v.reason }), __("Extend Reservation")), __("Actions"));
		}
		if (["Active", "Requested"].includes(status)) {
			frm.add_custom_button(__("Release"), () =>
				frappe.confirm(__("Release this account for other partners?"), () => call("release", { reservation: frm.doc.name })), __("Actions"));
		}
		if (frm.doc.decision_detail && manager) {
			frm.dashboard.set_headline_alert(
				`<div class="text-muted">${__("Decision")}: <b>${frappe.utils.escape_html(frm.doc.decision_code || "")}</b> — ${frappe.utils.escape_html(frm.doc.decision_detail)}</div>`
			);
		}
	},
	customer(frm) {
		if (frm.is_new() && frm.doc.customer) frm.trigger("check_availability");
	},
	check_availability(frm) {
		if (!frm.doc.customer) {
			frappe.msgprint(__("Choose a customer first."));
			return;
		}
		frappe
			.xcall("prm_extension.api.accounts.check_availability", {
				query: frm.doc.customer_name || frm.doc.customer,
				territory: frm.doc.scope_territory,
				product_line: frm.doc.product_line,
				channel_partner: frm.doc.channel_partner,
			})
			.then((v) => {
				const list = v.candidates ? v.candidates.filter((c) => c.customer === frm.doc.customer) : [v];
				const verdict = list[0] || v;
				const color = { open: "green", reserved_by_you: "blue", house: "red", reserved_by_other: "red" }[verdict.status] || "orange";
				frm.dashboard.set_headline_alert(`<span class="indicator ${color}">${frappe.utils.escape_html(verdict.reason || "")}</span>`);
			});
	},
});
