frappe.ui.form.on("Partner Tier Review", {
	refresh(frm) {
		if (frm.is_new() || frm.doc.status !== "Proposed") return;
		const decide = (approve) => {
			const ask = (note) =>
				frappe
					.call("prm_extension.api.tiers.decide", { review: frm.doc.name, approve: approve ? 1 : 0, note })
					.then(() => frm.reload_doc());
			if (approve) {
				frappe.confirm(
					__("Set {0}'s tier to {1}?", [frm.doc.channel_partner, frm.doc.proposed_tier]),
					() => ask(null),
				);
			} else {
				frappe.prompt(
					{ fieldname: "note", fieldtype: "Small Text", label: __("Why is the proposal rejected?"), reqd: 1 },
					(v) => ask(v.note),
					__("Reject proposal"),
				);
			}
		};
		frm.add_custom_button(__("Approve"), () => decide(true)).addClass("btn-primary");
		frm.add_custom_button(__("Reject"), () => decide(false));
	},
});
