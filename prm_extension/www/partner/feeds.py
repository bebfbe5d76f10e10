"""Partner portal: sell-through and inventory reports (``/partner/feeds``): send a CSV file and
follow what became of the files sent (imported, duplicates, unmapped lines, line-numbered errors)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import format_datetime, formatdate

from prm_extension.core.feeds import COLUMNS
from prm_extension.portal.pages import portal_sidebar, require_portal_user
from prm_extension.services.formatting import page_number, status_class

no_cache = 1
PAGE_LENGTH = 20


def get_context(context):
	partner = require_portal_user("/partner/feeds")
	context.show_sidebar = True
	context.sidebar_items = portal_sidebar()
	context.partner = partner
	page = page_number(frappe.form_dict.get("page"))
	rows = frappe.get_list(
		"Sell-Through Report",
		fields=[
			"name",
			"report_type",
			"status",
			"creation",
			"lines",
			"imported",
			"duplicates",
			"unmapped_items",
			"unmapped_customers",
			"period_start",
			"period_end",
			"error_count",
			"error_report",
		],
		order_by="creation desc",
		start=(page - 1) * PAGE_LENGTH,
		page_length=PAGE_LENGTH + 1,
	)
	context.reports = [
		frappe._dict(
			r,
			sent=format_datetime(r.creation, "medium") if r.creation else "",
			period=f"{formatdate(r.period_start)} – {formatdate(r.period_end)}" if r.period_start else "",
			status_class=status_class(r.status),
			errors=(r.error_report or "").splitlines(),
		)
		for r in rows[:PAGE_LENGTH]
	]
	context.prev_url = (
		(f"/partner/feeds?page={page - 1}" if page > 2 else "/partner/feeds") if page > 1 else None
	)
	context.next_url = f"/partner/feeds?page={page + 1}" if len(rows) > PAGE_LENGTH else None
	context.columns = [(col, aliases[0]) for col, aliases in COLUMNS.items()]
	context.title = _("Sell-through & inventory")
	return context
