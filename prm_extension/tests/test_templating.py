"""Compiled templates kept per web worker (portal/templating.py): faster pages, never stale or shared
data."""

from __future__ import annotations

import frappe
import jinja2
from frappe.utils import set_request
from frappe.utils.jinja import get_jenv

from prm_extension.portal import templating
from prm_extension.tests.test_portal_catalog import page
from prm_extension.tests.utils import PRMTestCase, ensure_channel, make_partner, user_of


class TestCompiledTemplates(PRMTestCase):
	def test_an_edited_template_is_compiled_again(self):
		cache = templating.ProcessBytecodeCache()
		first = jinja2.Environment(loader=jinja2.DictLoader({"t.html": "A {{ x }}"}), bytecode_cache=cache)
		self.assertEqual(first.get_template("t.html").render(x=1), "A 1")
		self.assertEqual(len(cache._code), 1)
		# a new environment (the next request) with the same cache but a changed source
		second = jinja2.Environment(loader=jinja2.DictLoader({"t.html": "B {{ x }}"}), bytecode_cache=cache)
		self.assertEqual(second.get_template("t.html").render(x=2), "B 2")
		third = jinja2.Environment(loader=jinja2.DictLoader({"t.html": "B {{ x }}"}), bytecode_cache=cache)
		self.assertEqual(third.get_template("t.html").render(x=3), "B 3")

	def test_requests_share_code_not_data(self):
		ensure_channel()
		h = frappe.generate_hash(length=5)
		one, two = make_partner(f"PRM Tpl One {h}"), make_partner(f"PRM Tpl Two {h}")
		templating.CACHE.clear()
		set_request(method="GET", path="/api/method/ping")  # a REST call renders no page
		frappe.local.jenv = None
		templating.keep_compiled_templates()
		self.assertIsNone(frappe.local.jenv)
		for other in ("/login", "/me", "/orders", "/app/customer"):  # other apps' pages: as Frappe makes them
			set_request(method="GET", path=other)
			frappe.local.jenv = None
			templating.keep_compiled_templates()
			self.assertIsNot(get_jenv().bytecode_cache, templating.CACHE, other)
		set_request(method="GET", path="/partner")
		frappe.local.jenv = None
		templating.keep_compiled_templates()
		self.assertIs(get_jenv().bytecode_cache, templating.CACHE)
		status, html_one = page("/partner", user_of(one.name))
		self.assertEqual(status, 200)
		compiled = len(templating.CACHE._code)
		# the portal's base template (Frappe compiles the page's own source from a string)
		self.assertGreaterEqual(compiled, 1)
		status, html_two = page("/partner", user_of(two.name))
		self.assertEqual((status, len(templating.CACHE._code)), (200, compiled))  # nothing compiled again
		self.assertIn(one.partner_name, html_one)
		self.assertIn(two.partner_name, html_two)
		self.assertNotIn(one.partner_name, html_two)

	def test_portal_pages_are_lean_and_escape_their_titles(self):
		ensure_channel()
		partner = make_partner(f"PRM Tpl Lean {frappe.generate_hash(length=5)}")
		status, html = page("/partner/deals", user_of(partner.name))
		self.assertEqual(status, 200)
		self.assertIn('class="col-sm-3 col-md-2 prm-side"', html)  # the portal's own menu
		self.assertIn('href="/partner/deals" class="active"', html)
		self.assertIn("website.bundle", html)  # Frappe's stylesheet (Bootstrap layout)
		for heavy in ("frappe-web.bundle", "erpnext-web.bundle", 'id="frappe-symbols"'):
			self.assertNotIn(heavy, html)
		self.assertIn("window.__ = function", html)


class TestPortalPageRenderer(PRMTestCase):
	"""The app's www pages render through ``portal.renderer.PortalPage`` (no desk app-switcher boot
	data); other apps' pages keep Frappe's own renderer."""

	def resolve(self, path):
		from frappe.website.path_resolver import PathResolver

		set_request(method="GET", path=path)
		return PathResolver(path.strip("/")).resolve()[1]

	def test_the_app_pages_and_only_them(self):
		from frappe.website.page_renderers.template_page import TemplatePage

		from prm_extension.portal.renderer import PortalPage

		for path in ("/partner", "/partner/deals", "/partner/deals/DR-NOPE-1", "/become-a-partner"):
			self.assertIsInstance(self.resolve(path), PortalPage, path)
		for path in ("/me", "/login", "/update-password"):
			renderer = self.resolve(path)
			self.assertIsInstance(renderer, TemplatePage, path)
			self.assertNotIsInstance(renderer, PortalPage, path)

	def test_portal_context_has_the_site_branding_and_no_boot_data(self):
		ensure_channel()
		partner = make_partner(f"PRM Tpl Brand {frappe.generate_hash(length=5)}")
		settings = frappe.get_single("Website Settings")
		before = (settings.brand_html, settings.copyright, settings.favicon)
		brand = f"Brand{frappe.generate_hash(length=6)}"
		settings.brand_html = f"<b>{brand}</b>"
		settings.copyright = "Vendor Channel Ltd"
		settings.favicon = "/files/prm-test-favicon.png"
		settings.save()
		try:
			renderer = self.resolve("/partner")
			renderer.init_context()
			self.assertNotIn("boot", renderer.context)
			self.assertEqual(renderer.context.brand_html, f"<b>{brand}</b>")
			self.assertEqual(renderer.context.favicon, "/files/prm-test-favicon.png")
			status, html = page("/partner", user_of(partner.name))
			self.assertEqual(status, 200)
			self.assertIn(brand, html)
			self.assertIn("Vendor Channel Ltd", html)
			self.assertIn("prm-test-favicon.png", html)
			self.assertIn(partner.partner_name, html)
		finally:
			settings.reload()
			settings.brand_html, settings.copyright, settings.favicon = before
			settings.save()

	def test_anonymous_visitor_still_goes_to_login(self):
		status, _html = page("/partner/incentives", "Guest")
		self.assertIn(status, (301, 302))
		self.assertIn("/login", page.location)


class TestWebsiteRoutes(PRMTestCase):
	"""``portal.routes.resolve_path`` (the ``website_path_resolver`` hook) answers as Frappe's
	``resolve_path`` does, with the route map compiled once."""

	def both(self, path):
		from frappe.website.path_resolver import resolve_path as frappe_resolve

		from prm_extension.portal.routes import resolve_path as ours

		out = []
		for resolve in (frappe_resolve, ours):
			set_request(method="GET", path="/" + path)
			frappe.local.form_dict = frappe._dict()
			frappe.local.no_cache = 0
			endpoint = resolve(path)
			out.append((endpoint, dict(frappe.local.form_dict), frappe.local.no_cache, frappe.local.path))
		return out

	def test_same_answers_as_frappe(self):
		from frappe.website.path_resolver import get_website_rules

		paths = [
			"",
			"index",
			"me",
			"partner",
			"partner.html",
			"partner/deals",
			"partner/deals/DR-2026-000001",
			"partner/incentives/CLM-0001",
			"partner/products/ITEM%20ONE",
			"partner/news/ANN-7",
			"login",
			"no/such/page",
		]
		# a DocType web-view route and a dynamic rule of every app, with a value filled in
		for rule in get_website_rules():
			paths.append(rule["from_route"].strip("/").replace("<name>", "X-1").replace("<path:name>", "a/b"))
		for path in paths:
			frappe_answer, our_answer = self.both(path)
			self.assertEqual(frappe_answer, our_answer, path)
		self.assertEqual(self.both("partner/deals/DR-9")[1][:2], ("partner/deal", {"name": "DR-9"}))
		# the defaults a rule carries are the request's own copy, not the kept map's (other apps'
		# paths such as /orders are Frappe's to resolve, as without this app)
		from prm_extension.portal.routes import evaluate_dynamic_routes

		rules = [
			{
				"from_route": "/partner/x/<name>",
				"to_route": "partner/x",
				"defaults": {"parents": [{"label": "X"}]},
			}
		]
		for name in ("1", "2"):
			set_request(method="GET", path=f"/partner/x/{name}")
			frappe.local.form_dict = frappe._dict()
			self.assertEqual(evaluate_dynamic_routes(rules, f"partner/x/{name}"), "partner/x")
			self.assertEqual(frappe.local.form_dict.parents, [{"label": "X"}])
			frappe.local.form_dict.parents.append({"label": "changed by a page"})

	def test_the_map_is_built_once_and_again_when_the_rules_change(self):
		from prm_extension.portal import routes as website_routes

		rules = [{"from_route": "/prm-x/<name>", "to_route": "prm-x"}]
		first = website_routes.route_map(rules)
		self.assertIs(website_routes.route_map([dict(r) for r in rules]), first)
		changed = website_routes.route_map(rules + [{"from_route": "/prm-y/<name>", "to_route": "prm-y"}])
		self.assertIsNot(changed, first)
		set_request(method="GET", path="/prm-y/7")
		frappe.local.form_dict = frappe._dict()
		self.assertEqual(website_routes.evaluate_dynamic_routes(rules, "prm-y/7"), None)
		self.assertEqual(
			website_routes.evaluate_dynamic_routes(
				rules + [{"from_route": "/prm-y/<name>", "to_route": "prm-y"}], "prm-y/7"
			),
			"prm-y",
		)
		self.assertEqual(frappe.local.form_dict.name, "7")

	def test_other_apps_paths_are_resolved_as_without_the_app(self):
		from frappe.tests.utils import patch_hooks

		from prm_extension.portal import routes

		self.assertTrue(
			routes.is_app_route("partner/deals/DR-1") and routes.is_app_route("/become-a-partner")
		)
		self.assertFalse(routes.is_app_route("partners") or routes.is_app_route("orders/SO-1"))
		# Frappe's own resolution for them: no route map of this app is built
		routes.route_map([])  # the cache may hold maps of earlier tests: count from here
		kept = routes.compiled_maps()
		for path in ("orders/SO-1", "me", "login", "no/such/page", "partners"):
			frappe_answer, our_answer = self.both(path)
			self.assertEqual(frappe_answer, our_answer, path)
		self.assertEqual(routes.compiled_maps(), kept)
		# another app's resolver keeps its answers, whichever of the two handlers Frappe calls last
		hooks = {"website_path_resolver": ["prm_extension.tests.test_templating.other_resolver", routes.HOOK]}
		with patch_hooks(hooks):
			set_request(method="GET", path="/elsewhere/7")
			self.assertEqual(routes.resolve_path("elsewhere/7"), "other-app-page")
			set_request(method="GET", path="/partner/deals/DR-7")
			frappe.local.form_dict = frappe._dict()
			self.assertEqual(routes.resolve_path("partner/deals/DR-7"), "partner/deal")

	def test_the_portal_is_served_through_the_hook(self):
		self.assertIn("prm_extension.portal.routes.resolve_path", frappe.get_hooks("website_path_resolver"))
		ensure_channel()
		partner = make_partner(f"PRM Route {frappe.generate_hash(length=5)}")
		status, html = page("/partner/deals/DR-NOPE-404", user_of(partner.name))
		self.assertEqual(status, 404)
		self.assertNotIn("Traceback", html)


def other_resolver(path: str) -> str:
	"""A second app's ``website_path_resolver`` (for the test above)."""
	from frappe.website.path_resolver import resolve_path

	return "other-app-page" if path.startswith("elsewhere/") else resolve_path(path)
