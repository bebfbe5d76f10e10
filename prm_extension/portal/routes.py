"""Website path resolution with the route map compiled once per worker
(``hooks.website_path_resolver``).

Frappe v15 resolves a web page's path (``frappe.website.path_resolver.resolve_path``) by building a
werkzeug ``Map`` of every website route rule — the apps' ``website_route_rules`` and the web-view
DocTypes' routes, about 35 with ERPNext — for each request, and compiling a map compiles every
rule: 25–35 ms of each portal page here, more than the page's own queries. This resolver does
exactly what ``resolve_path`` does, with the compiled map kept per worker process and keyed by the
rules themselves: a changed rule (a new web-view DocType, another app's hook) builds a new map.
The rules are still read through ``get_website_rules`` (Frappe's cache), so nothing else changes.

Only the app's own routes (``APP_ROUTES``: the partner portal and the application form) take this
path. Every other path is resolved as if the app were not installed: by the other apps'
``website_path_resolver`` hooks if there are any (Frappe calls every handler and keeps the last
answer, so this one hands theirs on), else by Frappe's own ``resolve_path``.

Tests: ``tests/test_templating.py`` compares this resolver with Frappe's for static, dynamic,
web-view and unknown paths, and shows other apps' paths and resolvers untouched.
"""

from __future__ import annotations

import copy
import threading

import frappe
from frappe.website.path_resolver import get_website_rules
from frappe.website.utils import get_home_page
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule
from werkzeug.routing.exceptions import RequestRedirect

APP_ROUTES = ("partner", "become-a-partner")  # and the paths below them
HOOK = "prm_extension.portal.routes.resolve_path"
MAX_MAPS = 16  # a worker serving many sites keeps one map per distinct rule set
_maps: dict[tuple, Map] = {}
_lock = threading.Lock()


def _key(rules: list[dict]) -> tuple:
	return tuple(
		(r["from_route"], r["to_route"], repr(sorted((r.get("defaults") or {}).items()))) for r in rules
	)


def is_app_route(path: str | None) -> bool:
	"""Is ``path`` (with or without its leading slash) one of the app's own pages?"""
	path = (path or "").strip("/")
	if path.endswith(".html"):
		path = path[:-5]
	return any(path == route or path.startswith(route + "/") for route in APP_ROUTES)


def compiled_maps() -> int:
	"""How many route maps this process keeps."""
	return len(_maps)


def route_map(rules: list[dict]) -> Map:
	"""The compiled map of ``rules`` (built on first use in this process)."""
	key = _key(rules)
	found = _maps.get(key)
	if found is None:
		found = Map(
			[Rule(r["from_route"], endpoint=r["to_route"], defaults=r.get("defaults")) for r in rules]
		)
		with _lock:
			if len(_maps) >= MAX_MAPS:
				_maps.clear()
			_maps[key] = found
	return found


def evaluate_dynamic_routes(rules: list[dict], path: str) -> str | None:
	"""As ``frappe.website.router.evaluate_dynamic_routes``, on the kept map."""
	endpoint = None
	if hasattr(frappe.local, "request") and frappe.local.request.environ:
		urls = route_map(rules).bind_to_environ(frappe.local.request.environ)
		try:
			endpoint, args = urls.match("/" + path)
			if args:
				# don't cache when there's a query string! (as Frappe)
				frappe.local.no_cache = 1
				# a copy: the rules' defaults (lists of parents…) belong to the kept map, and a page
				# may change what it finds in form_dict
				frappe.local.form_dict.update(copy.deepcopy(args))
		except NotFound:
			pass
	return endpoint


def resolve_path(path: str) -> str:
	"""As ``frappe.website.path_resolver.resolve_path``. A rule that asks for a trailing slash
	redirects, as Frappe's resolver does (there it returns a RedirectPage; a path resolver hook can
	only raise the redirect, which Frappe's ``get_response`` turns into the same response)."""
	if not is_app_route(path):
		return resolve_elsewhere(path)
	if not path:
		path = "index"
	if path.endswith(".html"):
		path = path[:-5]
	if path == "index":
		path = get_home_page()
	frappe.local.path = path
	if path != "index":
		try:
			path = evaluate_dynamic_routes(get_website_rules(), path) or path
		except RequestRedirect as e:
			frappe.flags.redirect_location = e.new_url
			raise frappe.Redirect(e.code) from e
	return path


def resolve_elsewhere(path: str) -> str:
	"""A path that is not the app's: the last other ``website_path_resolver`` handler's answer (as
	Frappe would keep it without this app), else Frappe's own resolution."""
	from frappe.website import path_resolver

	others = [h for h in frappe.get_hooks("website_path_resolver") or [] if h != HOOK]
	try:
		if others:
			return frappe.get_attr(others[-1])(path)
		return path_resolver.resolve_path(path)
	except RequestRedirect as e:
		frappe.flags.redirect_location = e.new_url
		raise frappe.Redirect(e.code) from e
