"""Calls about vendor leads passed to partners (issue 15; docs/leads.md). So far a channel
manager's routing preview: where a Lead would go now, and why each partner was or was not chosen."""

from __future__ import annotations

import frappe
from frappe import _

from prm_extension.services import leads as service
from prm_extension.services.partners import is_manager


@frappe.whitelist()
@frappe.read_only()
def routing_preview(lead: str) -> dict:
	"""Where ``lead`` would be passed now (nothing is written). PRM Managers only: the answer names
	partners and why each one was left out."""
	if not is_manager():
		frappe.throw(_("Only a PRM Manager can do this."), frappe.PermissionError)
	if not isinstance(lead, str) or not frappe.db.exists("Lead", lead):
		frappe.throw(
			_("Lead {0} does not exist.").format(frappe.bold(str(lead)[:140])), frappe.DoesNotExistError
		)
	decision = service.preview(lead)
	return {
		"outcome": decision.outcome,
		"partner": decision.partner,
		"reason": decision.reason,
		"rule": decision.rule,
		"considered": [
			{"partner": c.partner, "eligible": c.eligible, "reason": c.reason} for c in decision.considered
		],
	}
