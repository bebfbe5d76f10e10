"""The request gate: which parts of Frappe's generic surface a partner user reaches.

A partner user is a logged-in Frappe user, so besides the app's pages and APIs Frappe offers it
desk search, report views, form loads, list statistics, sharing, print views, child-table
listing and more — each with its own idea of permissions, several of them without the partner
condition (``search_link`` with ``ignore_user_permissions``, ``/api/resource/<child>?parent=``,
``get_group_by_count``...). Partners need none of that: the gate closes it for them and leaves
open only

- the app's own whitelisted methods (``prm_extension.*``), each of which checks who calls;
- REST documents (``/api/resource``, ``/api/v2/document``) of the DocTypes that carry the app's
  one partner condition (a ``permission_query_conditions`` and a ``has_permission`` hook of this
  app): partners' own CRMs use them with API keys; the condition scopes every list and document;
- the few framework calls a browser session needs (login, logout, the logged-in user, password
  change, realtime for its own documents, downloads of files it may read, uploads of new files
  to its own documents).

It runs as an ``auth_hooks`` entry: Frappe calls those inside ``validate_auth()``, once the
request's user is known from the session cookie or the API key, before any method or resource is
dispatched. Managers and other desk users are left to Frappe's permissions.
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from werkzeug.exceptions import HTTPException

from prm_extension.services.partners import MANAGER_ROLES, PARTNER_ROLES

APP = "prm_extension"

# Framework methods a partner's browser or client needs. Everything else under frappe.* or
# erpnext.* is refused for partner users.
FRAMEWORK_METHODS = frozenset(
	{
		"login",
		"frappe.handler.logout",
		"frappe.handler.web_logout",
		"frappe.handler.ping",
		"frappe.ping",
		"frappe.auth.get_logged_user",
		"frappe.handler.upload_file",  # see check_upload
		"frappe.handler.download_file",
		"frappe.core.doctype.file.file.download_file",
		"frappe.realtime.get_user_info",
		"frappe.realtime.can_subscribe_doc",  # one document: its has_permission decides
		"frappe.core.doctype.user.user.update_password",
		"frappe.core.doctype.user.user.test_password_strength",
		"frappe.website.doctype.web_page_view.web_page_view.make_view_log",
	}
)
# Frappe's own web pages that show documents of any DocType.
CLOSED_PAGES = frozenset({"printview", "printpreview", "list"})


def refuse(what: str):
	frappe.throw(
		_("{0} is not available to partner users.").format(what),
		frappe.PermissionError,
		title=_("Not permitted"),
	)


def is_partner_user(user: str | None = None) -> bool:
	"""A user the partner rules restrict: a partner role and no manager role."""
	user = user or frappe.session.user
	if user in ("Guest", "Administrator"):
		return False
	roles = set(frappe.get_roles(user))
	return bool(roles & set(PARTNER_ROLES)) and not roles & set(MANAGER_ROLES)


def partner_doctypes() -> frozenset[str]:
	"""DocTypes carrying the app's partner condition: both a list condition and a document check
	of this app. Child tables never (partners read rows through their parent)."""
	cached = getattr(frappe.local, "prm_partner_doctypes", None)
	if cached is None:
		queries = frappe.get_hooks("permission_query_conditions", app_name=APP) or {}
		checks = frappe.get_hooks("has_permission", app_name=APP) or {}
		cached = frozenset(d for d in set(queries) & set(checks) if not frappe.get_meta(d).istable)
		frappe.local.prm_partner_doctypes = cached
	return cached


def resolved_method(name: str) -> str:
	"""The dotted path Frappe will run for ``name`` (override hooks and handler shorthands)."""
	name = frappe.override_whitelisted_method(name) if name else name
	if name and "." not in name and name != "login":
		return f"frappe.handler.{name}"
	return name


def check_method(name: str) -> None:
	method = resolved_method(str(name or ""))
	if method.startswith(f"{APP}."):
		return
	if method not in FRAMEWORK_METHODS:
		refuse(_("The method {0}").format(frappe.bold(method)))
	if method == "frappe.handler.upload_file":
		check_upload()
	elif method == "frappe.realtime.can_subscribe_doc":
		check_doctype(frappe.form_dict.get("doctype"))  # even its "no" names a File's document


def check_upload() -> None:
	"""Partners upload new files (the content itself) to documents they may write; they do not
	copy another file's URL into a new File record, nor hand the upload to another method."""
	form = frappe.form_dict
	if form.get("method"):
		check_method(form.get("method"))
	if form.get("file_url") or form.get("library_file_name"):
		refuse(_("Attaching an existing file"))
	doctype = form.get("doctype")
	if doctype and doctype not in partner_doctypes():
		refuse(_("Attaching files to {0}").format(frappe.bold(doctype)))


def check_doctype(doctype: str) -> None:
	if doctype not in partner_doctypes():
		refuse(_("{0} records").format(frappe.bold(doctype)))


def check_api(request) -> None:
	from frappe.api import API_URL_MAP

	try:
		endpoint, args = API_URL_MAP.bind_to_environ(request.environ).match()
	except HTTPException:
		return  # Frappe answers it (404 / 405) without running anything
	name = getattr(endpoint, "__name__", "")
	if "method" in args:
		if "doctype" in args:  # v2: /api/v2/method/<doctype>/<method> runs the controller's code
			check_doctype(args["doctype"])
		else:
			check_method(args["method"])
	elif name in ("login", "logout", "ping"):
		return
	elif name == "upload_file":
		check_method("frappe.handler.upload_file")
	elif "doctype" in args:
		check_doctype(args["doctype"])
	else:
		refuse(_("This API"))


def guard() -> None:
	"""``auth_hooks`` entry: refuse what partner users have no business calling."""
	request = getattr(frappe.local, "request", None)
	if request is None or not is_partner_user():
		return
	if frappe.form_dict.get("cmd"):
		check_method(frappe.form_dict.cmd)
	path = request.path
	if path.startswith("/api/"):
		check_api(request)
	elif path.strip("/").split("/", 1)[0] in CLOSED_PAGES:
		refuse(_("This page"))


def written_document(request) -> str | None:
	"""The DocType of a REST create or update request (v1 or v2), else None."""
	if request.method not in ("POST", "PUT", "PATCH") or not request.path.startswith("/api/"):
		return None
	from frappe.api import API_URL_MAP

	try:
		endpoint, args = API_URL_MAP.bind_to_environ(request.environ).match()
	except HTTPException:
		return None
	if getattr(endpoint, "__name__", "") in ("create_doc", "update_doc") and "doctype" in args:
		return args["doctype"]
	return None


def hide_fields(response=None, request=None) -> None:
	"""``after_request`` hook: a partner's REST create / update answers with the document as
	the partner may read it. Frappe's read endpoints drop fields above the reader's permission
	level, but its create and update endpoints return the whole saved document, so a partner's
	insert would carry the conflicts, override reasons and decision detail the rules wrote."""
	if response is None or request is None or response.status_code != 200:
		return
	doctype = written_document(request)
	if not doctype or not is_partner_user():
		return
	try:
		body = json.loads(response.get_data(as_text=True))
	except ValueError:
		return
	data = body.get("data") if isinstance(body, dict) else None
	if not isinstance(data, dict) or data.get("doctype") != doctype:
		return
	doc = frappe.get_doc(data)
	doc.apply_fieldlevel_read_permissions()
	body["data"] = doc.as_dict(no_nulls=False, convert_dates_to_str=True)
	response.set_data(frappe.as_json(body))
