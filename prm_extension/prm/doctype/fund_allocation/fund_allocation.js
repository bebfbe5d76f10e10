frappe.ui.form.on("Fund Allocation", {
	refresh(frm) {
		const b = frm.doc.__onload && frm.doc.__onload.balance;
		if (!b) return;
		const fmt = (v) => format_currency(v, frm.doc.currency);
		const rows = [
			[__("Allocated"), b.allocated], [__("Committed (pre-approved MDF)"), b.committed], [__("Claims awaiting a decision"), b.requested],
			[__("Approved"), b.approved], [__("Paid"), b.paid], [__("Available"), b.available],
		];
		frm.get_field("balance_html").$wrapper.html(
			`<table class="table table-bordered" style="max-width:480px">${rows.map(([l, v]) => `<tr><td>${l}</td><td class="text-right">${fmt(v)}</td></tr>`).join("")}</table>`
		);
	},
});
