"""Partner applications: the public sign-up call (guests) and the manager's decisions.

``apply`` only ever creates a Partner Application (status Submitted): no User, no Channel Partner.
Its answer is the same whether or not the company is already known (a possible duplicate is
flagged for the manager, never told to the applicant). The form's rules: ``services.applications``.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit

from prm_extension.security import payload
from prm_extension.services.applications import clean_application


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=5, seconds=60 * 60)
def apply(**args) -> dict:
	"""Public: file a partner application. Answers the same for new and already known companies."""
	args.pop("cmd", None)
	values = clean_application(args)
	doc = frappe.get_doc(
		{
			"doctype": "Partner Application",
			"status": "Submitted",
			"consent": 1,
			**{k: v for k, v in values.items() if k != "product_lines"},
			"product_lines": [{"item_group": g} for g in values["product_lines"]],
		}
	)
	doc.flags.ignore_permissions = True  # guests file applications through this call only
	doc.insert()
	return {
		"received": True,
		"message": _(
			"Thank you, {0}. We have received the application of {1} and will reply to {2} after our review."
		).format(values["applicant_name"], values["company_name"], values["email"]),
	}


@frappe.whitelist(methods=["POST"])
def approve(name: str, home_territory: str | None = None, tier: str | None = None) -> str:
	doc = _get(name)
	return doc.approve(
		home_territory=payload.text_arg(home_territory, _("Home territory"), "home_territory"),
		tier=payload.text_arg(tier, _("Tier"), "tier"),
	)


@frappe.whitelist(methods=["POST"])
def reject(name: str, reason: str | None = None) -> None:
	doc = _get(name)
	doc.reject(payload.text_arg(reason, _("Reason"), "reason", limit=2000))


def _get(name):
	name = payload.text_arg(name, _("Application"), "name", required=True)
	if not frappe.db.exists("Partner Application", name):
		frappe.throw(
			_("Partner Application {0} does not exist.").format(frappe.bold(name)), frappe.DoesNotExistError
		)
	return frappe.get_doc("Partner Application", name)
