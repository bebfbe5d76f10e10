"""Compiled page templates kept for the life of the web worker.

Frappe builds a new Jinja environment for every request (``frappe.set_user`` drops it so nothing
of one user's request reaches the next), and with it every template the page extends or includes
is parsed and compiled again: about 60 % of the server time of a portal page here (the base
template alone is ~2,000 lines of includes). Jinja's bytecode cache keeps only the *compiled
code* of a template, keyed by its name and checked against a hash of its source on every load, so
an edited template is compiled afresh and no request data is ever cached. The environment (its
globals, the user, the language) stays per request as Frappe made it. Only the app's own pages use
it; every other page renders as Frappe renders it.
"""

from __future__ import annotations

import threading

import jinja2


class ProcessBytecodeCache(jinja2.BytecodeCache):
	"""Compiled template code in this process's memory (a few MB for every template of the bench)."""

	def __init__(self) -> None:
		self._code: dict[str, bytes] = {}
		self._lock = threading.Lock()

	def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
		code = self._code.get(bucket.key)
		if code is not None:
			bucket.bytecode_from_string(code)  # ignored by Jinja when the source's hash differs

	def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
		with self._lock:
			self._code[bucket.key] = bucket.bytecode_to_string()

	def clear(self) -> None:
		with self._lock:
			self._code.clear()


CACHE = ProcessBytecodeCache()


def keep_compiled_templates() -> None:
	"""``before_request``: give this request's Jinja environment the process-wide bytecode cache,
	for the app's own pages only (``routes.APP_ROUTES``): other apps' pages, REST calls and files
	are served exactly as Frappe serves them."""
	import frappe
	from frappe.utils.jinja import get_jenv

	from prm_extension.portal.routes import is_app_route

	request = getattr(frappe.local, "request", None)
	if not is_app_route(getattr(request, "path", None)):
		return
	get_jenv().bytecode_cache = CACHE


SCRIPTS = ("prm_portal.js", "partner_accounts.js", "partner_application.js", "partner_deals.js")
SCRIPTS += ("partner_feeds.js", "partner_incentives.js", "partner_team.js", "partner_warranty.js")


def prm_script_messages() -> dict[str, str]:
	"""Jinja method for the portal's base template: the translations of the strings the portal's
	scripts pass to ``__()`` in the user's language (none for English), cached per language."""
	import os

	import frappe
	from frappe.translate import get_messages_from_file

	lang = getattr(frappe.local, "lang", None) or "en"
	if lang == "en":
		return {}
	key = f"prm_script_messages:{lang}"
	cached = frappe.cache.get_value(key)
	if cached is not None:
		return cached
	folder = frappe.get_app_path("prm_extension", "public", "js")
	out = {}
	for name in SCRIPTS:
		for message in get_messages_from_file(os.path.join(folder, name)):
			text = message[1]
			translated = frappe._(text)
			if translated != text:
				out[text] = translated
	frappe.cache.set_value(key, out, expires_in_sec=3600)
	return out
