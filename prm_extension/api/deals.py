"""Deal registration calls for the portal, the desk and partners' own CRMs (REST with API keys).

Plain REST on /api/resource/Deal Registration works too; both go through the same document
lifecycle and workflow, so the same rules apply.
"""

import frappe
from frappe import _
from frappe.model.workflow import apply_workflow

from prm_extension.core import deals as rules
from prm_extension.prm.doctype.deal_registration.deal_registration import DealRegistration
from prm_extension.security import payload
from prm_extension.services.partners import is_manager


def _get(name: str, ptype: str = "read"):
	if not isinstance(name, str) or not frappe.db.exists("Deal Registration", name):
		frappe.throw(
			_("Deal registration {0} does not exist.").format(frappe.bold(str(name))),
			frappe.DoesNotExistError,
		)
	doc = frappe.get_doc("Deal Registration", name)
	if not doc.has_permission(ptype):
		# same answer as for a missing record: another partner's deal is not confirmed to exist
		frappe.throw(
			_("Deal registration {0} does not exist.").format(frappe.bold(name)), frappe.DoesNotExistError
		)
	return doc


@frappe.whitelist(methods=["POST"])
def register(data: dict | str, submit: bool = True) -> dict:
	"""Create a registration (and submit it for approval unless ``submit`` is false).

	``data``: customer or prospect_name (+ prospect_domain, prospect_tax_id, deal_territory),
	contact_*, currency, expected_close_date, items [{item_code | item_group, qty, rate}],
	stage, competitors, notes."""
	values = payload.json_arg(data, _("Registration"), "data") or {}
	# what a partner may set on a registration, as its controller declares it
	allowed = set(DealRegistration.PARTNER_FIELDS)
	unknown = sorted(set(values) - allowed)
	if unknown:
		frappe.throw(_("Unknown fields: {0}").format(", ".join(unknown)), frappe.ValidationError)
	items = values.get("items") or []
	if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
		frappe.throw(_("items must be a list of objects."), frappe.ValidationError)
	# types, lengths and ranges before the document is built (links are looked up on insert)
	payload.check_values("Deal Registration", values)
	doc = frappe.get_doc(
		{
			"doctype": "Deal Registration",
			**values,
			"items": [{k: i.get(k) for k in ("item_code", "item_group", "qty", "rate")} for i in items],
		}
	)
	if submit:
		# one write: the workflow's Submit is applied to the new registration (the controller checks
		# the transition as apply_workflow would, then runs the checks once)
		doc.flags.prm_workflow_action = "Submit"
	doc.insert()
	return summary(doc)


@frappe.whitelist(methods=["POST"])
def submit_for_approval(registration: str) -> dict:
	doc = _get(registration, "write")
	action = "Resubmit" if doc.status == rules.RETURNED else "Submit"
	return summary(apply_workflow(doc, action))


@frappe.whitelist(methods=["POST"])
def decide(
	registration: str, action: str, reason: str | None = None, override_reason: str | None = None
) -> dict:
	"""Approve, Reject or Return a submitted registration (PRM Manager)."""
	frappe.only_for(("PRM Manager", "System Manager"))
	if action not in ("Approve", "Reject", "Return"):
		frappe.throw(_("Unknown action {0}.").format(frappe.bold(action)))
	doc = _get(registration, "write")
	if doc.status != rules.SUBMITTED:
		frappe.throw(
			_("Registration {0} is {1}, not waiting for a decision.").format(doc.name, _(doc.status))
		)
	if reason:
		doc.decision_reason = reason.strip()[:1000]
	if override_reason:
		doc.override_reason = override_reason.strip()[:1000]
	if action == "Approve" and doc.customer:
		# Take the customer's family lock before frappe locks this document's row, so that two
		# approvals for one customer queue up instead of deadlocking.
		from prm_extension.services import reservations as reservation_service

		reservation_service.lock_for_reservation(
			doc.channel_partner, reservation_service.customer_row(doc.customer).root
		)
	if reason or override_reason:
		doc.flags.ignore_version = True
		doc.save()
	return summary(apply_workflow(doc, action))


@frappe.whitelist(methods=["POST"])
def mark_lost(registration: str, reason: str) -> dict:
	doc = _get(registration, "write")
	if not (reason or "").strip():
		frappe.throw(_("Say why the deal was lost."), frappe.MandatoryError)
	doc.close(rules.LOST, reason.strip()[:1000], actor="manager" if is_manager() else "partner")
	return summary(doc)


@frappe.whitelist(methods=["POST"])
def request_extension(registration: str, reason: str) -> dict:
	doc = _get(registration, "write")
	if not (reason or "").strip():
		frappe.throw(_("Say why the protection should be extended."), frappe.MandatoryError)
	doc.extend_protection(reason.strip()[:1000])
	return summary(doc)


def summary(doc) -> dict:
	return {
		"name": doc.name,
		"status": doc.status,
		"verdict": doc.verdict,
		"checks": [{"check": c.check, "result": c.result, "reason": c.reason} for c in doc.checks],
		"protection_until": doc.protection_until,
		"opportunity": doc.opportunity if is_manager() else None,
		"expected_value": doc.expected_value,
		"currency": doc.currency,
	}
