"""Chart source: month by month, registered deal value, won deal value and partner revenue."""

import frappe
from frappe import _

from prm_extension.security import payload
from prm_extension.services import analytics


@frappe.whitelist()
@frappe.read_only()
def get(
	chart_name=None,
	chart=None,
	no_cache=None,
	filters=None,
	from_date=None,
	to_date=None,
	timespan=None,
	time_interval=None,
	heatmap_year=None,
) -> dict:
	f = frappe._dict(payload.json_arg(filters, _("Filters"), "filters") or {})
	scope = analytics.manager_scope(f, f.get("period") or "Last 12 Months")
	data = analytics.monthly(scope)
	return {
		"labels": data["months"],
		"datasets": [
			{"name": _("Registered"), "values": data["registered"]},
			{"name": _("Won"), "values": data["won"]},
			{"name": _("Partner Revenue"), "values": data["revenue"]},
		],
	}
