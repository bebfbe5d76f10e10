"""Input checks: a document's values against its DocType's columns, before Frappe or MariaDB can
fail on them.

Frappe answers 500 on many wrong values: child rows that are not objects (``_init_child``),
lists and objects in single-value fields (pymysql cannot quote them, ``_validate_links`` takes them
for filters), text too long for a TEXT column, numbers outside a decimal column, dates MariaDB
refuses (strict mode). ``check_values`` refuses such values first with a ``frappe.ValidationError``
(417) whose translatable message names the field by label and fieldname (and the table and row for
child rows); the limits themselves are frappe-free in ``prm_extension.core.field_values``.

It runs in two places, both limited to the app's DocTypes (module "PRM"):

- ``check_request``, an ``auth_hooks`` entry: Frappe calls it inside ``validate_auth()`` once the
  user is known and before the request is dispatched. It checks the bodies of
  ``/api/resource/<doctype>`` (POST, PUT), ``/api/v2/document/<doctype>`` (POST, PUT, PATCH) and
  the documents given to ``frappe.client.insert / insert_many / save / submit / set_value`` and
  ``frappe.desk.form.save.savedocs``: these fail while the document is being built, before any
  document event could run.
- ``before_validate`` and ``before_save``, ``doc_events["*"]`` handlers: every other path (desk,
  Data Import, server code) passes through them. ``before_validate`` checks the editable fields
  before the controller's ``validate`` and Frappe's own checks; ``before_save`` (and
  ``before_submit``, ``before_update_after_submit``) checks every field, the computed read-only
  ones too, after the controller had its say and before the database write. Both return at once
  for DocTypes of other modules (their meta is already loaded on the document).

The helpers at the end (``json_arg``, ``text_arg``, ``date_arg``, ``int_arg``) do the same for the
arguments of the app's whitelisted methods.
"""

from __future__ import annotations

import datetime
import inspect
import json
import types
import typing

import frappe
from frappe import _
from frappe.utils import escape_html

from prm_extension.core import field_values
from prm_extension.core.field_values import TABLE_TYPES, problem

MODULE = "PRM"
APP = "prm_extension"
APP_DOCTYPES_KEY = "prm_extension:app_doctypes"
# Keys of a REST body that are not fields but still reach Frappe (as document attributes or as
# arguments of frappe.new_doc); the types their columns or Frappe's code accept.
STANDARD_FIELDS = {
	"name": "Data",
	"owner": "Data",
	"modified_by": "Data",
	"creation": "Datetime",
	"modified": "Datetime",
	"idx": "Int",
	"parent": "Data",
	"parentfield": "Data",
	"parenttype": "Data",
}
NOT_FIELDS = ("as_dict", "parent_doc")  # frappe.new_doc(doctype, **body) takes these as arguments
CLIENT_METHODS = {
	"frappe.client.insert": "doc",
	"frappe.client.save": "doc",
	"frappe.client.submit": "doc",
	"frappe.client.insert_many": "docs",
	"frappe.client.set_value": None,
	"frappe.desk.form.save.savedocs": "doc",
}


class InvalidValueError(frappe.ValidationError):
	"""A value of the wrong type or outside what its column stores (HTTP 417)."""


# --- naming ------------------------------------------------------------------------------------


def field_title(df) -> str:
	"""``Label (fieldname)``, the label translated in its DocType's context."""
	label = _(df.label, context=df.parent) if df.label else df.fieldname
	return f"{label} ({df.fieldname})"


def row_title(table_df, idx) -> str:
	return _("{0}, row {1}").format(field_title(table_df), idx)


def message(title: str, found: field_values.Problem, value=None) -> str:
	code, limit = found.code, found.limit
	if code == "not_scalar":
		return _("{0}: enter a single value, not a list or an object.").format(title)
	if code == "not_text":
		return _("{0}: enter a name as text.").format(title)
	if code == "too_long":
		return _("{0} is too long: {1} characters at most.").format(title, limit)
	if code == "too_many_bytes":
		return _("{0} is too long: {1} bytes at most.").format(title, limit)
	if code == "not_whole_number":
		return _("{0}: enter a whole number.").format(title)
	if code == "not_number":
		return _("{0}: enter a number.").format(title)
	if code == "out_of_range":
		return _("{0} is out of range: enter a number between -{1} and {1}.").format(title, limit)
	if code == "not_date":
		return _("{0}: enter a real date as YYYY-MM-DD.").format(title)
	if code == "not_datetime":
		return _("{0}: enter a real date and time as YYYY-MM-DD HH:MM:SS.").format(title)
	if code == "not_time":
		return _("{0}: enter a time as HH:MM:SS.").format(title)
	if code == "not_option":
		shown = escape_html(str(value)[:40])
		choices = ", ".join(_(o) for o in found.options[:20])
		return _("{0} cannot be {1}: choose one of {2}.").format(title, frappe.bold(shown), choices)
	if code == "not_rows":
		return _("{0}: send the rows as a list.").format(title)
	if code == "row_not_object":
		return _("{0}: send each row as an object.").format(title)
	return _("{0}: this value cannot be stored.").format(title)


def refuse(text: str):
	frappe.throw(text, InvalidValueError, title=_("Invalid value"))


# --- documents ---------------------------------------------------------------------------------


def check_value(df, value, title: str | None = None) -> None:
	"""Refuse ``value`` for the field ``df`` unless its column stores it."""
	check_options = not (
		df.fieldname == "naming_series"
		or (frappe.flags.in_test and isinstance(value, str) and value.startswith("_T-"))
	)
	found = problem(
		df.fieldtype,
		value,
		length=df.get("length"),
		precision=df.get("precision"),
		options=df.options if df.fieldtype == "Select" else None,
		check_options=check_options,
	)
	if found:
		refuse(message(title or field_title(df), found, value))


def check_values(
	doctype: str, values, *, prefix: str | None = None, partial: bool = True, entered_only: bool = False
) -> None:
	"""Check the values (a dict, or a document) of a ``doctype`` document, child rows included.

	``partial``: only the keys present are checked (a REST update); else every field of the
	DocType (a document in its lifecycle). ``entered_only``: leave out read-only fields (the
	controller computes them, and says itself what is wrong with them)."""
	meta = frappe.get_meta(doctype)
	is_dict = isinstance(values, dict)
	if is_dict:
		for key in NOT_FIELDS:
			if key in values:
				refuse(_("{0} is not a field of {1}.").format(key, _(doctype)))
		for key, fieldtype in STANDARD_FIELDS.items():
			if values.get(key) is not None and not meta.get_field(key):
				found = problem(fieldtype, values[key])
				if found:
					refuse(message(_join(prefix, key), found, values[key]))
		if "docstatus" in values and values["docstatus"] not in (None, 0, 1, 2, "0", "1", "2"):
			refuse(_("{0}: must be 0, 1 or 2.").format(_join(prefix, "docstatus")))
	for df in meta.fields:
		if df.fieldtype in field_values.NO_VALUE_TYPES or df.get("is_virtual"):
			continue
		if entered_only and (df.read_only or df.fieldtype == "Read Only"):
			continue
		if is_dict:
			if partial and df.fieldname not in values:
				continue
			value = values.get(df.fieldname)
		else:
			value = values.get(df.fieldname)
		title = _join(prefix, field_title(df)) if prefix else None
		check_value(df, value, title)
		if df.fieldtype in TABLE_TYPES and value and is_dict and not rows_settable(doctype):
			refuse(_("{0} cannot be set through this API.").format(title or field_title(df)))
		if df.fieldtype in TABLE_TYPES and value:
			for position, row in enumerate(value, 1):
				idx = row.get("idx") if isinstance(row.get("idx"), int) else position
				row_prefix = row_title(df, idx)
				if prefix:
					row_prefix = _join(prefix, row_prefix)
				check_values(
					df.options,
					row,
					prefix=row_prefix,
					partial=is_dict or isinstance(row, dict),
					entered_only=entered_only,
				)


def rows_settable(doctype: str) -> bool:
	"""Whether Frappe can fill the DocType's tables from a dict: it calls the document's
	``extend(fieldname, rows)``, which a controller may have replaced with a method of its own."""
	from frappe.model.base_document import BaseDocument, get_controller

	return getattr(get_controller(doctype), "extend", None) is BaseDocument.extend


def _join(prefix: str | None, title: str) -> str:
	return f"{prefix}: {title}" if prefix else title


def is_app_doctype(doctype) -> bool:
	if not isinstance(doctype, str) or not doctype:
		return False
	names = frappe.cache.get_value(APP_DOCTYPES_KEY)
	if names is None:
		names = frappe.get_all("DocType", filters={"module": MODULE}, pluck="name")
		frappe.cache.set_value(APP_DOCTYPES_KEY, names, expires_in_sec=600)
	return doctype in names


def before_validate(doc, method=None) -> None:
	"""``doc_events["*"]`` before_validate: check the values an app document was given (its
	editable fields) before its controller's ``validate`` and Frappe's checks see them."""
	if doc.meta.module != MODULE or frappe.flags.in_install:
		return
	check_values(doc.doctype, doc, partial=False, entered_only=True)


def before_save(doc, method=None) -> None:
	"""``doc_events["*"]`` before_save / before_submit / before_update_after_submit: every value,
	the computed ones too, once the controller has validated, before the database write."""
	if doc.meta.module != MODULE or frappe.flags.in_install:
		return
	check_values(doc.doctype, doc, partial=False)


# --- REST requests -----------------------------------------------------------------------------


def _rest_route(path: str):
	"""(kind, doctype, has_name) of a REST document path, or None."""
	parts = path.strip("/").split("/")
	if len(parts) < 3 or parts[0] != "api":
		return None
	parts = parts[1:]
	if parts[0] in ("v1", "v2"):
		version, parts = parts[0], parts[1:]
	else:
		version = "v1"
	if len(parts) < 2:
		return None
	kind = parts[0]
	if (version, kind) not in (("v1", "resource"), ("v2", "document")):
		return None
	return version, parts[1], len(parts) > 2 and bool(parts[2])


def _v1_body():
	"""The body Frappe's v1 create and update read (``frappe.api.v1.get_request_form_data``)."""
	data = frappe.form_dict.get("data")
	if data is None:
		data = frappe.safe_decode(frappe.request.get_data())
	try:
		return frappe.parse_json(data)
	except ValueError:
		return frappe.form_dict


def _document(value):
	"""A JSON argument as Frappe's client methods parse it (None: leave it to them)."""
	if isinstance(value, str):
		try:
			return json.loads(value)
		except ValueError:
			return None
	return value


def check_document_arg(doc) -> None:
	if isinstance(doc, dict) and is_app_doctype(doc.get("doctype")):
		check_values(doc["doctype"], doc)


def check_client_call(method: str) -> None:
	args = frappe.form_dict
	if method == "frappe.client.set_value":
		doctype = args.get("doctype")
		if not is_app_doctype(doctype):
			return
		fieldname, value = args.get("fieldname"), args.get("value")
		# as frappe.client.set_value reads them
		if value:
			values = {fieldname: value} if isinstance(fieldname, str) else None
		elif isinstance(fieldname, str):
			try:
				values = json.loads(fieldname)
			except ValueError:
				values = {fieldname: ""}
		else:
			values = fieldname
		if not isinstance(values, dict):
			refuse(_("{0}: send a field name, or an object of field names and values.").format("fieldname"))
		check_values(doctype, values)
		return
	arg = CLIENT_METHODS[method]
	doc = _document(args.get(arg))
	if arg == "docs":
		for one in doc if isinstance(doc, list) else []:
			check_document_arg(one)
	else:
		check_document_arg(doc)


def check_request() -> None:
	"""``auth_hooks`` entry: check the document values a REST request sends to an app DocType."""
	request = getattr(frappe.local, "request", None)
	if request is None:
		return
	path = request.path
	# an RPC call: ``cmd`` (which Frappe dispatches first, on any path) or /api/[v2/]method/<name>
	method = frappe.form_dict.get("cmd")
	if not method and path.startswith("/api/") and "/method/" in path:
		method = path.split("/method/", 1)[1].strip("/")
	if method:
		if not isinstance(method, str):
			return
		if method in CLIENT_METHODS:
			check_client_call(method)
		elif method.startswith(APP + "."):
			check_method_args(method, frappe.form_dict)
		return
	if not path.startswith("/api/") or request.method not in ("POST", "PUT", "PATCH"):
		return
	route = _rest_route(path)
	if not route:
		return
	version, doctype, has_name = route
	if not is_app_doctype(doctype):
		return
	if version == "v1":
		if has_name and request.method != "PUT":
			return  # POST to a document runs a method
		data = _v1_body()
	else:
		data = frappe.form_dict
	if not isinstance(data, dict):
		refuse(_("Send the {0} document as an object.").format(_(doctype)))
	check_values(doctype, data)


# --- arguments of the app's whitelisted methods -------------------------------------------------

_SIGNATURES: dict[str, dict] = {}
TRUE_FALSE = (True, False, 0, 1, "0", "1", "true", "false", "True", "False", "yes", "no", "on", "off")


def _hint_types(hint) -> set:
	"""The plain types an annotation allows (``str | None`` -> {str, NoneType}); empty: anything."""
	if hint is None or hint is typing.Any:
		return set()
	origin = typing.get_origin(hint)
	if origin in (typing.Union, types.UnionType):
		out = set()
		for arg in typing.get_args(hint):
			kinds = _hint_types(arg)
			if not kinds:
				return set()
			out |= kinds
		return out
	if origin is not None:
		hint = origin
	return {hint} if isinstance(hint, type) else set()


def method_signature(path: str) -> dict | None:
	"""{parameter: allowed types} of an app whitelisted function (None: not one)."""
	if path in _SIGNATURES:
		return _SIGNATURES[path]
	try:
		fn = frappe.get_attr(path)
	except Exception:
		return None  # Frappe answers for unknown methods
	if fn not in frappe.whitelisted:
		return None
	target = inspect.unwrap(fn)
	try:
		hints = typing.get_type_hints(target)
	except Exception:
		hints = {}
	kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
	signature = {
		name: _hint_types(hints.get(name))
		for name, param in inspect.signature(target).parameters.items()
		if param.kind in kinds
	}
	_SIGNATURES[path] = signature
	return signature


def check_method_args(path: str, args: dict) -> None:
	"""Refuse arguments of an app whitelisted method that do not match its annotations: lists or
	objects for text, numbers out of range, JSON that does not parse. The method itself checks
	what its values mean (lengths, existence, permissions)."""
	signature = method_signature(path)
	if not signature:
		return
	for name, allowed in signature.items():
		if name not in args or not allowed or args[name] is None:
			continue
		check_arg(name, args[name], allowed)


def check_arg(name: str, value, allowed: set) -> None:
	title = frappe.bold(name)
	containers = allowed & {dict, list}
	if containers:
		if isinstance(value, str) and value.strip():
			try:
				parsed = json.loads(value)
			except ValueError:
				refuse(_("{0}: send valid JSON.").format(title))
			if not isinstance(parsed, tuple(containers)) and parsed is not None:
				refuse(_("{0}: send {1}.").format(title, _kind_names(containers)))
		elif not isinstance(value, (str, *containers)):
			refuse(_("{0}: send {1}.").format(title, _kind_names(containers)))
		return
	if str in allowed and not isinstance(value, str):
		if isinstance(value, list | dict | tuple | set):
			refuse(_("{0}: enter text, not a list or an object.").format(title))
		if not (allowed & {int, float, bool}):
			refuse(_("{0}: enter text.").format(title))
	if str in allowed and isinstance(value, str):
		return
	if bool in allowed:
		if not isinstance(value, bool | int | str) or value not in TRUE_FALSE:
			refuse(_("{0}: send 1 or 0 (true or false).").format(title))
		return
	if int in allowed or float in allowed:
		found = problem("Int" if int in allowed and float not in allowed else "Float", value)
		if found:
			refuse(message(title, found, value))


def _kind_names(kinds) -> str:
	names = {dict: _("an object"), list: _("a list")}
	return _(" or ").join(names[k] for k in (dict, list) if k in kinds)


def arg_title(label: str, name: str) -> str:
	return f"{label} ({name})"


def json_arg(value, label: str, name: str, types: tuple = (dict,)):
	"""``value`` or the JSON it holds, which must be one of ``types``; refused otherwise."""
	if isinstance(value, str):
		try:
			value = json.loads(value) if value.strip() else None
		except ValueError:
			refuse(_("{0}: send valid JSON.").format(arg_title(label, name)))
	if value is not None and not isinstance(value, types):
		kinds = " / ".join(
			{dict: _("an object"), list: _("a list"), str: _("text")}.get(t, t.__name__) for t in types
		)
		refuse(_("{0}: send {1}.").format(arg_title(label, name), kinds))
	return value


def text_arg(value, label: str, name: str, limit: int = 140, required: bool = False) -> str | None:
	"""Stripped text of at most ``limit`` characters (``None`` when empty and not required)."""
	if value is None or (isinstance(value, str) and not value.strip()):
		if required:
			frappe.throw(_("{0}: enter a value.").format(arg_title(label, name)), frappe.MandatoryError)
		return None
	if isinstance(value, bool) or not isinstance(value, str | int):
		refuse(_("{0}: enter text.").format(arg_title(label, name)))
	value = str(value).strip()
	if len(value) > limit:
		refuse(_("{0} is too long: {1} characters at most.").format(arg_title(label, name), limit))
	return value


def date_arg(value, label: str, name: str) -> datetime.date | None:
	"""A date (``YYYY-MM-DD`` or a date); ``None`` when empty."""
	if value is None or (isinstance(value, str) and not value.strip()):
		return None
	day = field_values.as_date(value)
	if day is None:
		refuse(_("{0}: enter a real date as YYYY-MM-DD.").format(arg_title(label, name)))
	return day


def int_arg(value, label: str, name: str, minimum: int = 0, maximum: int = 10**6) -> int:
	"""A whole number between ``minimum`` and ``maximum``."""
	number = None if isinstance(value, bool) else field_values.as_number(value)
	if number is None or number != int(number) or not (minimum <= number <= maximum):
		refuse(
			_("{0}: enter a whole number from {1} to {2}.").format(arg_title(label, name), minimum, maximum)
		)
	return int(number)
