"""Warranty for partners: register the serial numbers a partner sold, file ERPNext Warranty Claims
for them and follow the claims.

Isolation follows ``prm_extension.security.permissions``: one scope (``partner_scope``) feeds the list
conditions, the document checks (hooks on Serial No and Warranty Claim, keyed on the custom field
``prm_channel_partner``) and the portal's own reads. Desk users without a partner role keep their
ordinary ERPNext access (UNRESTRICTED). Partner roles have no role permission on either DocType:
they read and write only through this module (its calls in ``api/warranty.py``), which applies the
same scope.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_days, cint, escape_html, getdate, nowdate

from prm_extension.core.scope import contains
from prm_extension.security import payload
from prm_extension.security.permissions import UNRESTRICTED, partner_scope
from prm_extension.security.permissions import WARRANTY_PARTNER_FIELD as FIELD
from prm_extension.services.partners import partner_facts, require_partner, tree_nodes

MAX_SERIAL = 140
MAX_COMPLAINT = 4000
MAX_SALE_AGE_YEARS = 50  # older sales have no warranty left, and keep expiry dates in range
CLAIM_STATUSES = ("Open", "Work In Progress", "Closed", "Cancelled")

# --- permission hooks (hooks.py) -----------------------------------------------------------


def scope_filters() -> dict | None:
	"""Filters of the portal's reads: the partner's own rows, every registered row for managers
	(and other unrestricted users), ``None`` (nothing) for a partner user without a partner."""
	scope = partner_scope()
	if scope is UNRESTRICTED:
		return {FIELD: ("is", "set")}
	if not scope:
		return None
	return {FIELD: scope}


# --- partner facts ---------------------------------------------------------------------------


SALES_DOCTYPES = ("Sales Invoice", "Delivery Note", "Sales Order")
CUSTOMER_CHOICES = 50


def _customer_sources(partner: str):
	"""(doctype, filters) of the records that make a customer the partner's: its active account
	reservations, its approved or won deal registrations, and submitted sales documents attributed
	to its Sales Partner."""
	yield "Account Reservation", {"channel_partner": partner, "status": "Active"}
	yield "Deal Registration", {"channel_partner": partner, "status": ("in", ("Approved", "Won"))}
	sales_partner = frappe.db.get_value("Channel Partner", partner, "sales_partner")
	if sales_partner:
		for doctype in SALES_DOCTYPES:
			yield doctype, {"sales_partner": sales_partner, "docstatus": 1}


def is_partner_customer(partner: str, customer: str) -> bool:
	"""Whether ``customer`` is one the partner sells to (indexed look-ups, stops at the first)."""
	if not customer or not isinstance(customer, str):
		return False
	for doctype, filters in _customer_sources(partner):
		if frappe.db.exists(doctype, {**filters, "customer": customer}):
			return True
	return False


def partner_customers(partner: str, text: str | None = None, limit: int = CUSTOMER_CHOICES) -> list[dict]:
	"""Up to ``limit`` of the partner's customers, most recent first, optionally those whose name or
	ID contains ``text``. A partner with thousands of customers gets a short list to choose from and
	finds the others by typing, instead of a page listing every one."""
	from prm_extension.services.formatting import like_pattern

	names: list[str] = []
	text = (text or "").strip()[:140]
	customer_ids = None
	if text:
		customer_ids = frappe.get_all(
			"Customer",
			filters={"disabled": 0},
			or_filters=[["customer_name", "like", like_pattern(text)], ["name", "like", like_pattern(text)]],
			pluck="name",
			limit=2000,
		)
		if not customer_ids:
			return []
	for doctype, filters in _customer_sources(partner):
		f = {**filters, "customer": ("in", customer_ids) if customer_ids is not None else ("is", "set")}
		for name in frappe.get_all(
			doctype, filters=f, pluck="customer", order_by="modified desc", limit=limit * 4, distinct=True
		):
			if name not in names:
				names.append(name)
		if len(names) >= limit * 2:
			break
	if not names:
		return []
	rows = {
		r.name: r
		for r in frappe.get_all(
			"Customer",
			filters={"name": ("in", names), "disabled": 0},
			fields=["name", "customer_name"],
		)
	}
	return [rows[n] for n in names if n in rows][:limit]


def search_customers(text: str | None = None) -> list[dict]:
	"""The caller's customers matching ``text`` (name or ID), for the warranty form."""
	partner = active_partner()
	return [{"name": r.name, "customer_name": r.customer_name} for r in partner_customers(partner, text, 20)]


def _sells_item(partner: str, item_group: str | None) -> bool:
	facts = partner_facts(partner, 0)
	if not facts.product_lines:
		return True  # authorised for every product line
	node = tree_nodes("Item Group", [item_group]).get(item_group) if item_group else None
	return any(contains(line, node) for line in facts.product_lines)


def active_partner() -> str:
	partner = require_partner()
	status = frappe.db.get_value("Channel Partner", partner, "status")
	if status != "Active":
		frappe.throw(
			_("Your partner account is {0}: warranty registrations and claims are not possible.").format(
				_(status)
			),
			frappe.PermissionError,
		)
	return partner


def _serial_text(serial_no) -> str:
	if not isinstance(serial_no, str) or not serial_no.strip():
		frappe.throw(_("Enter a serial number."), frappe.MandatoryError)
	serial_no = serial_no.strip()
	if len(serial_no) > MAX_SERIAL:
		frappe.throw(_("The serial number is too long ({0} characters at most).").format(MAX_SERIAL))
	return serial_no


# --- calls -----------------------------------------------------------------------------------


def register_serial(serial_no: str, customer: str, sale_date: str | None = None) -> dict:
	"""Register a serial number the calling partner sold to one of its customers."""
	serial_no = _serial_text(serial_no)
	if not isinstance(customer, str) or not customer:
		frappe.throw(_("Choose the customer you sold it to."), frappe.MandatoryError)
	customer = payload.text_arg(customer, _("Customer"), "customer", required=True)
	today = getdate(nowdate())
	sold = payload.date_arg(sale_date, _("Sale date"), "sale_date") or today
	if sold > today:
		frappe.throw(_("The sale date cannot be in the future."))
	if sold < add_days(today, -365 * MAX_SALE_AGE_YEARS):
		frappe.throw(
			_("Sale date (sale_date): enter a date within the last {0} years.").format(MAX_SALE_AGE_YEARS)
		)
	partner = active_partner()
	row = frappe.db.get_value(
		"Serial No",
		serial_no,
		["name", "item_code", "item_group", "customer", FIELD, "warranty_expiry_date", "warranty_period"],
		as_dict=True,
	)
	if not row:
		frappe.throw(
			_("Serial number {0} is not known. Check the number on the product.").format(
				frappe.bold(escape_html(serial_no))
			),
			frappe.DoesNotExistError,
		)
	if row.get(FIELD) == partner:
		frappe.throw(
			_("Your company has already registered serial number {0}.").format(frappe.bold(row.name))
		)
	if row.get(FIELD):
		# Which partner is never said.
		frappe.throw(
			_(
				"Serial number {0} is already registered by another partner. Contact your channel manager if you sold it."
			).format(frappe.bold(row.name))
		)
	item = frappe.db.get_value(
		"Item", row.item_code, ["item_group", "warranty_period", "item_name"], as_dict=True
	)
	if not _sells_item(partner, (item or {}).get("item_group") or row.item_group):
		frappe.throw(
			_("Serial number {0} is of a product line your company is not authorised for.").format(
				frappe.bold(row.name)
			)
		)
	if not is_partner_customer(partner, customer):
		frappe.throw(_("Choose one of your customers."), frappe.ValidationError)
	if row.customer and row.customer != customer:
		frappe.throw(_("Serial number {0} was delivered to another customer.").format(frappe.bold(row.name)))

	doc = frappe.get_doc("Serial No", row.name)
	doc.set(FIELD, partner)
	doc.customer = customer
	if not doc.warranty_expiry_date:
		days = cint(doc.warranty_period) or cint((item or {}).get("warranty_period"))
		if days > 0:
			doc.warranty_period = days
			doc.warranty_expiry_date = add_days(sold, days)
	doc.flags.ignore_permissions = True  # partners register through this call only (checked above)
	doc.save()
	doc.add_comment(
		"Info", _("Warranty registered by partner {0} for customer {1}.").format(partner, customer)
	)
	return serial_row(doc.as_dict())


def file_claim(serial_no: str, complaint: str) -> dict:
	"""File an ERPNext Warranty Claim for a serial number the calling partner registered."""
	serial_no = _serial_text(serial_no)
	if not isinstance(complaint, str) or not complaint.strip():
		frappe.throw(_("Describe the problem."), frappe.MandatoryError)
	complaint = complaint.strip()
	if len(complaint) > MAX_COMPLAINT:
		frappe.throw(_("The description is too long ({0} characters at most).").format(MAX_COMPLAINT))
	partner = active_partner()
	row = frappe.db.get_value(
		"Serial No",
		{"name": serial_no, FIELD: partner},
		[
			"name",
			"item_code",
			"item_name",
			"customer",
			"company",
			"warranty_expiry_date",
			"maintenance_status",
		],
		as_dict=True,
	)
	if not row:
		# Unknown and other partners' serials answer alike.
		frappe.throw(
			_("Serial number {0} is not registered by your company. Register it first.").format(
				frappe.bold(escape_html(serial_no))
			),
			frappe.DoesNotExistError,
		)
	if not row.customer:
		frappe.throw(_("Serial number {0} has no customer.").format(frappe.bold(row.name)))
	company = row.company or frappe.defaults.get_global_default("company")
	user = frappe.session.user
	claim = frappe.get_doc(
		{
			"doctype": "Warranty Claim",
			"status": "Open",
			"complaint_date": nowdate(),
			"serial_no": row.name,
			"item_code": row.item_code,
			"item_name": row.item_name,
			"customer": row.customer,
			"company": company,
			"warranty_expiry_date": row.warranty_expiry_date,
			"warranty_amc_status": row.maintenance_status,
			"complaint": "<p>" + escape_html(complaint).replace("\n", "<br>") + "</p>",
			"complaint_raised_by": frappe.utils.get_fullname(user),
			"contact_email": user if "@" in user else None,
			"from_company": frappe.db.get_value("Channel Partner", partner, "partner_name"),
			FIELD: partner,
		}
	)
	claim.flags.ignore_permissions = True  # partners file claims through this call only
	claim.insert()
	return claim_row(claim.as_dict())


# --- rows for the portal ---------------------------------------------------------------------


def warranty_status(expiry, maintenance_status: str | None = None) -> str:
	if not expiry:
		return "No warranty date"
	return "Under Warranty" if getdate(expiry) >= getdate(nowdate()) else "Out of Warranty"


def serial_row(r) -> dict:
	from frappe.utils import formatdate

	status = warranty_status(r.get("warranty_expiry_date"))
	return frappe._dict(
		serial_no=r.get("name"),
		item_code=r.get("item_code"),
		item_name=r.get("item_name") or r.get("item_code"),
		customer=r.get("customer"),
		customer_name=frappe.db.get_value("Customer", r.get("customer"), "customer_name")
		if r.get("customer")
		else "",
		expiry=formatdate(r.get("warranty_expiry_date")) if r.get("warranty_expiry_date") else "",
		status=status,
		status_label=_(status),
	)


def _plain(html: str | None) -> str:
	from frappe.utils import strip_html_tags
	from frappe.utils.html_utils import unescape_html

	if not html:
		return ""
	import re

	return unescape_html(strip_html_tags(re.sub(r"(?i)<br\s*/?>|</p>", "\n", html))).strip()


def claim_row(r) -> dict:
	from frappe.utils import formatdate

	resolved = r.get("status") in ("Closed", "Cancelled")
	return frappe._dict(
		name=r.get("name"),
		serial_no=r.get("serial_no"),
		item_name=r.get("item_name") or r.get("item_code"),
		customer_name=r.get("customer_name") or r.get("customer"),
		complaint=_plain(r.get("complaint")),
		date=formatdate(r.get("complaint_date")) if r.get("complaint_date") else "",
		status=r.get("status") or "Open",
		resolution=(r.get("resolution_details") or "").strip() if resolved else "",
		resolution_date=formatdate(r.get("resolution_date")) if resolved and r.get("resolution_date") else "",
	)


def list_serials(start: int = 0, page_length: int = 20, query: str | None = None) -> list[dict]:
	filters = scope_filters()
	if filters is None:
		return []
	or_filters = None
	if query:
		from prm_extension.services.formatting import like_pattern

		or_filters = [["name", "like", like_pattern(query)], ["item_name", "like", like_pattern(query)]]
	rows = frappe.get_all(
		"Serial No",
		filters=filters,
		or_filters=or_filters,
		fields=["name", "item_code", "item_name", "customer", "warranty_expiry_date"],
		order_by="modified desc",
		start=start,
		page_length=page_length,
	)
	return [serial_row(r) for r in rows]


def list_claims(start: int = 0, page_length: int = 20, status: str | None = None) -> list[dict]:
	filters = scope_filters()
	if filters is None:
		return []
	if status:
		filters = {**filters, "status": status}
	rows = frappe.get_all(
		"Warranty Claim",
		filters=filters,
		fields=[
			"name",
			"serial_no",
			"item_code",
			"item_name",
			"customer",
			"customer_name",
			"complaint",
			"complaint_date",
			"status",
			"resolution_details",
			"resolution_date",
		],
		order_by="modified desc",
		start=start,
		page_length=page_length,
	)
	return [claim_row(r) for r in rows]
