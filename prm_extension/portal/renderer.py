"""The page renderer of this app's web pages (``hooks.page_renderer``).

Frappe's ``TemplatePage`` starts every page's context with ``get_website_settings()``, which also
builds the desk's app-switcher boot data (``get_boot_data``: every Workspace is checked against the
user's roles, twice for a website user with no desk app — a dozen queries, 20–30 ms a page here).
The partner portal's base template (``templates/prm_portal.html``) shows none of that: it uses the
site's brand, copyright, favicon and title prefix. This renderer serves the app's own ``www`` pages
exactly as ``TemplatePage`` does (same routing, ``get_context``, sidebar, hooks, caching), with the
website settings those pages use read from the cached Website Settings document instead.

Pages of other apps (``/me``, web forms, blogs…) are not affected.
"""

from __future__ import annotations

import frappe
from frappe.website.page_renderers.template_page import TemplatePage

APP = "prm_extension"
# what the portal's base template reads from Website Settings
SETTINGS = ("brand_html", "copyright", "title_prefix")
DEFAULT_FAVICON = "/assets/frappe/images/frappe-favicon.svg"


def portal_website_context() -> frappe._dict:
	"""The Website Settings part of a portal page's context, in ``get_website_settings``' order:
	the settings, then the apps' ``website_context`` hooks, then the site's favicon."""
	settings = frappe.get_cached_doc("Website Settings")
	context = frappe._dict({k: settings.get(k) for k in SETTINGS if settings.get(k)})
	for key, value in (frappe.get_hooks("website_context") or {}).items():
		context[key] = value[-1] if isinstance(value, list | tuple) else value
	if not context.get("favicon"):
		context.favicon = DEFAULT_FAVICON
	if settings.favicon and settings.favicon != "attach_files:":
		context.favicon = settings.favicon
	context.read_only_mode = frappe.flags.read_only
	return context


class PortalPage(TemplatePage):
	"""A ``www`` page of this app (the partner portal and the partner application form)."""

	def can_render(self):
		return getattr(self, "app", None) == APP and super().can_render()

	def init_context(self):
		self.context = portal_website_context()
		self.context.update(frappe.local.conf.get("website_context") or {})
