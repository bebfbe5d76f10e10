"""Partner applications: what the public form offers and accepts (``api.applications.apply``).

``apply`` only ever creates a Partner Application (status Submitted): no User, no Channel Partner.
Its answer is the same whether or not the company is already known (a possible duplicate is
flagged for the manager, never told to the applicant).
"""

from __future__ import annotations

import re

import frappe
from frappe import _
from frappe.utils import validate_email_address

from prm_extension.security import payload

PARTNER_TYPES = ("Reseller", "Distributor", "Referral", "MSP", "System Integrator")
LIMITS = {
	"company_name": 140,
	"website": 140,
	"tax_id": 40,
	"country": 140,
	"territory": 140,
	"partner_type": 40,
	"applicant_name": 140,
	"email": 140,
	"phone": 40,
	"business_description": 2000,
}
REQUIRED = ("company_name", "country", "applicant_name", "email")
MAX_PRODUCT_LINES = 20
HONEYPOT = "fax_number"  # hidden on the page: people leave it empty, form-filling bots do not
PHONE = re.compile(r"^[0-9+()./\- ]{4,40}$")
WEBSITE = re.compile(
	r"^(https?://)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d+)?(/\S*)?$", re.I
)


def labels() -> dict:
	return {
		"company_name": _("Company name"),
		"website": _("Website"),
		"tax_id": _("Tax id"),
		"country": _("Country"),
		"territory": _("Territory"),
		"partner_type": _("Partner type"),
		"applicant_name": _("Your name"),
		"email": _("E-mail"),
		"phone": _("Phone"),
		"business_description": _("About your business"),
	}


def product_line_options() -> list[str]:
	"""Product lines (Item Groups) an applicant may choose: those partners are authorised for, or
	else the top-level groups below the root."""
	lines = frappe.get_all(
		"Channel Partner Product Line",
		filters={"parenttype": "Channel Partner"},
		pluck="item_group",
		distinct=True,
		order_by="item_group asc",
	)
	if not lines:
		root = frappe.db.get_value(
			"Item Group", {"parent_item_group": ("in", ("", None)), "is_group": 1}, "name"
		)
		lines = frappe.get_all(
			"Item Group", filters={"parent_item_group": root}, pluck="name", order_by="name asc", limit=50
		)
	return sorted(set(lines))


def territory_options() -> list[str]:
	"""Territories below the root (the root would authorise everywhere)."""
	return frappe.get_all(
		"Territory",
		filters={"parent_territory": ("not in", ("", None))},
		pluck="name",
		order_by="lft asc",
		limit=500,
	)


def _text(args: dict, field: str) -> str:
	value = args.get(field)
	if value is None:
		return ""
	if not isinstance(value, str):
		frappe.throw(_("{0}: enter text.").format(labels()[field]), frappe.ValidationError)
	value = value.strip() if field == "business_description" else " ".join(value.split())
	if len(value) > LIMITS[field]:
		frappe.throw(
			_("{0} is too long ({1} characters at most).").format(labels()[field], LIMITS[field]),
			frappe.ValidationError,
		)
	if field != "business_description" and re.search(r"[\x00-\x1f<>]", value):
		frappe.throw(_("{0} contains characters that are not allowed.").format(labels()[field]))
	return value


def clean_application(args: dict) -> dict:
	"""The validated values of an application form, or a ValidationError naming the problem."""
	if args.get(HONEYPOT):
		frappe.throw(_("Your application could not be accepted."), frappe.ValidationError)
	values = {field: _text(args, field) for field in LIMITS}
	missing = [labels()[f] for f in REQUIRED if not values[f]]
	if missing:
		frappe.throw(_("Please fill in: {0}.").format(", ".join(missing)), frappe.MandatoryError)
	values["email"] = values["email"].lower()
	if not validate_email_address(values["email"]) or " " in values["email"]:
		frappe.throw(_("{0} is not a valid e-mail address.").format(values["email"]))
	if values["website"] and not WEBSITE.match(values["website"]):
		frappe.throw(_("Enter the website as a web address, for example example.com."))
	if values["phone"] and not PHONE.match(values["phone"]):
		frappe.throw(_("Enter the phone number with digits, spaces and + ( ) - only."))
	if not frappe.db.exists("Country", values["country"]):
		frappe.throw(_("Choose a country from the list."))
	if values["territory"] and values["territory"] not in territory_options():
		frappe.throw(_("Choose a territory from the list."))
	values["partner_type"] = values["partner_type"] or "Reseller"
	if values["partner_type"] not in PARTNER_TYPES:
		frappe.throw(_("Choose a partner type from the list."))
	lines = args.get("product_lines") or []
	if isinstance(lines, str):
		lines = (
			payload.json_arg(lines, _("Product lines"), "product_lines", (list,)) or []
			if lines.strip().startswith("[")
			else [lines]
		)
	if (
		not isinstance(lines, list)
		or len(lines) > MAX_PRODUCT_LINES
		or not all(isinstance(x, str) for x in lines)
	):
		frappe.throw(_("Choose product lines from the list."))
	offered = set(product_line_options())
	if any(line not in offered for line in lines):
		frappe.throw(_("Choose product lines from the list."))
	if not lines:
		frappe.throw(_("Choose at least one product line you are interested in."), frappe.MandatoryError)
	values["product_lines"] = list(dict.fromkeys(lines))
	consent = args.get("consent")
	if consent not in (1, True, "1", "true", "on", "yes"):
		frappe.throw(_("Please agree to be contacted about your application."), frappe.MandatoryError)
	return values
