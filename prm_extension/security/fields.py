"""What a partner may write: one explicit allow-list of fields per DocType, enforced in the document
lifecycle (desk, portal, REST, Data Import alike). Everything else is server-owned: set by the
rules, or by a manager.

A controller opts in by inheriting ``PartnerWritable`` and declaring ``PARTNER_FIELDS`` (the
fieldnames a partner may set) and ``PARTNER_ROWS`` (a child table's fieldname mapped to the child
fields a partner may set on its rows; a table left out is server-owned as a whole). The check runs inside
``check_permission``, the first thing ``insert()`` and ``save()`` do after filling in defaults and
before any controller code, so it sees exactly what the caller sent:

- on insert, a server-owned field must still hold its default;
- on save, a server-owned field must still hold its stored value;
- an attachment a partner sets must be a file that partner's user uploaded to this document (or
  uploaded and not yet attached to anything), never another document's file.

Refusals name the field. The workflow's state field is left to Frappe's workflow validation,
which allows only the transitions the user's roles have. Server code acting for a partner (the
app's services, which derive server-owned fields themselves) marks the document with
``flags.prm_trusted_write``; documents written with ``ignore_permissions`` are trusted too. Neither
can be set over REST (Frappe drops ``flags`` from request payloads).
"""

from __future__ import annotations

import datetime

import frappe
from frappe import _
from frappe.model import default_fields
from frappe.utils import cint, cstr, flt, get_datetime, getdate

from prm_extension.security.gate import is_partner_user

ATTACH_TYPES = ("Attach", "Attach Image")
NUMERIC = ("Currency", "Float", "Percent")
INTEGER = ("Int", "Check", "Rating")
SKIPPED = set(default_fields) | {
	"docstatus",
	"amended_from",
	"_user_tags",
	"_comments",
	"_assign",
	"_liked_by",
	"_seen",
}
LAYOUT = ("Section Break", "Column Break", "Tab Break", "HTML", "Button", "Heading", "Fold")


class PartnerFieldError(frappe.PermissionError, frappe.ValidationError):
	"""A partner set a field it may not set: HTTP 403, the field named in the message. Both a
	permission error and a validation error, so callers that guard either way catch it."""


def comparable(df, value):
	"""A field's value in one form whatever the caller sent ("100", 100.0; "2026-01-01", date)."""
	if value in (None, ""):
		return None
	try:
		if df.fieldtype in NUMERIC:
			return flt(value) or None
		if df.fieldtype in INTEGER:
			return cint(value) or None
		if df.fieldtype == "Date":
			return getdate(value)
		if df.fieldtype == "Datetime":
			return get_datetime(value)
	except Exception:
		return cstr(value)  # malformed input differs from anything stored
	if isinstance(value, datetime.timedelta):
		return str(value)
	return cstr(value)


def workflow_state_field(doctype: str) -> str | None:
	from frappe.model.workflow import get_workflow_name

	name = get_workflow_name(doctype)
	return frappe.get_cached_value("Workflow", name, "workflow_state_field") if name else None


def refuse(doc, df, parent_df=None):
	where = f"{_(parent_df.label)}: " if parent_df else ""
	frappe.throw(
		_("{0}{1} ({2}) is set by the rules, not by partners.").format(
			where, _(df.label or df.fieldname), df.fieldname
		),
		PartnerFieldError,
		title=_("Not allowed"),
	)


def check_values(doc, meta, row, before, allowed, parent_df=None, skip=None):
	"""Refuse a value of ``row`` (the document itself, or one of its rows) that differs from
	``before`` (the stored values, or the defaults of a new one) in a field outside ``allowed``."""
	for df in meta.fields:
		if df.fieldtype in LAYOUT or df.fieldname in SKIPPED or df.fieldname == skip:
			continue
		if df.fieldtype in ("Table", "Table MultiSelect"):  # rows hold no tables
			check_table(doc, df, before, doc.PARTNER_ROWS.get(df.fieldname))
			continue
		if comparable(df, row.get(df.fieldname)) == comparable(df, before.get(df.fieldname)):
			continue
		if df.fieldname not in allowed:
			refuse(doc, df, parent_df)
		if df.fieldtype in ATTACH_TYPES:
			check_attachment(doc, df, row.get(df.fieldname), parent_df)


def check_attachment(doc, df, url, parent_df=None):
	"""An attachment a partner sets must be its own upload, to this document or to nothing yet."""
	if not url:
		return
	files = frappe.get_all(
		"File",
		filters={"file_url": url},
		fields=["owner", "attached_to_doctype", "attached_to_name"],
		ignore_permissions=True,
	)
	user = frappe.session.user
	for f in files:
		if f.attached_to_doctype == doc.doctype and doc.name and f.attached_to_name == doc.name:
			return  # uploaded to this document
		if not f.attached_to_name and f.owner == user:
			return  # the caller's own upload, not attached to anything yet
	where = f"{_(parent_df.label)}: " if parent_df else ""
	frappe.throw(
		_("{0}{1} ({2}) must be a file you uploaded to this document.").format(
			where, _(df.label or df.fieldname), df.fieldname
		),
		PartnerFieldError,
		title=_("Not allowed"),
	)


def enforce_partner_fields(doc) -> None:
	"""Refuse any server-owned value a partner user sets on ``doc`` (see the module docstring)."""
	if doc.flags.ignore_permissions or doc.flags.prm_trusted_write or not is_partner_user():
		return
	# what the fields held before the caller touched them: the stored document, or for a new one
	# the defaults Frappe has just filled in (insert() checks permissions after _set_defaults)
	before = (
		frappe.new_doc(doc.doctype, as_dict=True) if doc.is_new() else frappe.get_doc(doc.doctype, doc.name)
	)
	check_values(doc, doc.meta, doc, before, set(doc.PARTNER_FIELDS), skip=workflow_state_field(doc.doctype))


def check_table(doc, df, before, allowed_child):
	rows = doc.get(df.fieldname) or []
	stored = [] if doc.is_new() else before.get(df.fieldname) or []
	old_rows = {r.name: r for r in stored}
	if allowed_child is None:
		same = len(rows) == len(old_rows) and all(getattr(r, "name", None) in old_rows for r in rows)
		if not same:
			refuse(doc, df)
	child_meta = frappe.get_meta(df.options)
	fresh = None
	for row in rows:
		old = old_rows.get(getattr(row, "name", None))
		if old is None:
			fresh = fresh or frappe.new_doc(
				df.options, parent_doc=doc, parentfield=df.fieldname, as_dict=True
			)
			old = fresh
		check_values(doc, child_meta, row, old, allowed_child or (), df)


class PartnerWritable:
	"""Mixin for controllers of DocTypes partners create or change (see the module docstring)."""

	PARTNER_FIELDS: tuple[str, ...] = ()
	PARTNER_ROWS: dict[str, tuple[str, ...]] = {}

	def check_permission(self, permtype="read", permlevel=None):
		super().check_permission(permtype, permlevel)
		if permtype in ("create", "write"):
			enforce_partner_fields(self)
