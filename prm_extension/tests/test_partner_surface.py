"""The isolation sweep: everything Frappe serves a logged-in user, called as partner B's users
after partner A has data in every state. No identifier of A may appear in any answer.

The targets are discovered, not listed:
- every DocType of the app, its child tables, and every DocType an app DocType links to, plus the
  framework's own record types (File, Comment, Version, ...): REST list (child tables also with
  ``parent=``), REST get of each of A's documents;
- every whitelisted method of frappe, erpnext and this app whose code reads a doctype, called
  for each of A's documents with the arguments such methods take (doctype, name, txt, filters,
  fields, ignore_user_permissions, ...);
- every portal page of the app, with A's document names as path parameters;
- every report of the app;
- the private files attached to A's documents.

Requests run in other threads with their own database connections (``make_request``), so this
class commits its data and deletes it again afterwards.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
from urllib.parse import quote, unquote

import frappe
from frappe.tests.test_api import make_request

from prm_extension.api.deals import decide
from prm_extension.tests.utils import (
	PRMAPITestCase,
	allocate,
	api_token,
	ensure_channel,
	make_customer,
	make_partner,
	make_program,
	purge,
	register_as,
	reserve_as,
	user_of,
)

# Framework record types that carry other documents' data.
FRAMEWORK_DOCTYPES = (
	"File",
	"Comment",
	"Version",
	"Communication",
	"ToDo",
	"DocShare",
	"Tag Link",
	"Notification Log",
	"Activity Log",
	"Access Log",
	"Email Queue",
	"Contact",
	"Address",
	"Dynamic Link",
	"User",
	"Has Role",
)
# Calls that would end the calling session or need a human (they say nothing about data).
SKIP_METHODS = re.compile(r"(^|\.)(logout|login|sign_up|reset_password|web_logout)$")
ARG_NAMES = {
	"doctype",
	"dt",
	"parent_doctype",
	"reference_doctype",
	"ref_doctype",
	"link_doctype",
	"name",
	"docname",
	"dn",
	"docnames",
	"names",
	"txt",
	"fields",
	"filters",
	"filter_fields",
	"searchfield",
	"ignore_user_permissions",
	"link_name",
	"reference_name",
	"parent",
}


def session_of(user: str) -> str:
	"""A real login session of ``user`` (its sid), as the login page makes one."""
	from frappe.auth import CookieManager, LoginManager
	from frappe.utils import set_request

	current = frappe.session.user
	set_request(path="/")
	frappe.local.cookie_manager = CookieManager()
	frappe.local.login_manager = LoginManager()
	frappe.local.login_manager.login_as(user)
	sid = frappe.session.sid
	frappe.db.commit()
	frappe.set_user(current)
	return sid


def whitelisted_methods() -> list[str]:
	"""Dotted paths of the whitelisted functions of frappe, erpnext and this app whose code reads a
	doctype (as a parameter or from the request), found by importing every module that declares
	one."""
	for app in ("frappe", "erpnext", "prm_extension"):
		root = os.path.dirname(frappe.get_app_path(app))
		for folder, dirs, files in os.walk(frappe.get_app_path(app)):
			dirs[:] = [d for d in dirs if d not in ("tests", "test", "node_modules", "public", "patches")]
			for file in files:
				if not file.endswith(".py") or file.startswith("test_"):
					continue
				path = os.path.join(folder, file)
				try:
					with open(path, encoding="utf-8") as f:
						if "whitelist(" not in f.read():
							continue
				except OSError:
					continue
				module = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
				try:
					importlib.import_module(module)
				except Exception:
					continue
	found = set()
	for fn in frappe.whitelisted:
		fn = inspect.unwrap(fn)
		try:
			source = inspect.getsource(fn)
		except (OSError, TypeError):
			continue
		if "doctype" not in source.lower():
			continue
		name = f"{fn.__module__}.{fn.__qualname__}"
		if "." in fn.__qualname__ or SKIP_METHODS.search(name):
			continue  # methods of classes are reached through their documents
		found.add(name)
	return sorted(found)


class TestPartnerSurface(PRMAPITestCase):
	maxDiff = None

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()
		frappe.set_user("Administrator")
		tag = frappe.generate_hash(length=6)
		cls.a = make_partner(f"PRM Sweep A {tag}", tier="PRM Test Gold").name
		cls.b = make_partner(f"PRM Sweep B {tag}", tier="PRM Test Gold").name
		a_admin, a_user = user_of(cls.a), user_of(cls.a, "user")
		cls.customers = [make_customer(f"PRM SweepCust {tag}{i}").name for i in range(3)]
		docs = []  # (doctype, name) of A
		docs.append(("Channel Partner", cls.a))
		docs.append(("Account Reservation", reserve_as(a_admin, cls.customers[0]).name))
		deal = register_as(a_admin, cls.customers[1], items=(("PRM-SRV-100", 3, 4821.37),))
		decide(deal.name, "Approve")
		deal.reload()
		docs.append(("Deal Registration", deal.name))
		if deal.opportunity:
			docs.append(("Opportunity", deal.opportunity))
		docs.append(("Deal Registration", register_as(a_user, cls.customers[2]).name))
		program = make_program(budget=50000, eligible_partners=[{"channel_partner": cls.a}])
		docs.append(("Incentive Program", program.name))
		allocation = allocate(program.name, cls.a, 9137.0)
		docs.append(("Fund Allocation", allocation.name))
		docs += cls._money_documents(program, a_user)
		docs += cls._feed_report(a_admin)
		frappe.db.commit()
		cls.docs = docs
		cls.identifiers = cls._identifiers_of_a(docs, [a_admin, a_user])
		cls.modified = {d: frappe.db.get_value(d[0], d[1], "modified") for d in docs}
		cls.b_token = {"Authorization": api_token(user_of(cls.b))}
		cls.b_sid = session_of(user_of(cls.b, "user"))
		frappe.db.commit()

	@classmethod
	def _money_documents(cls, program, user) -> list[tuple[str, str]]:
		from frappe.utils import add_days, nowdate

		from prm_extension.api.incentives import decide_mdf_request, submit_claim, submit_mdf_request
		from prm_extension.tests.utils import as_user

		def request():
			mdf = frappe.get_doc(
				{
					"doctype": "MDF Request",
					"program": program.name,
					"activity_type": "Event",
					"activity_name": "Sweep summit",
					"start_date": add_days(nowdate(), -10),
					"end_date": add_days(nowdate(), -9),
					"estimated_cost": 2000,
					"requested_amount": 1000,
					"plan": "Half-day summit",
				}
			).insert()
			submit_mdf_request(mdf.name)
			return mdf.name

		def claim_for(mdf):
			claim = frappe.get_doc(
				{
					"doctype": "Incentive Claim",
					"program": program.name,
					"mdf_request": mdf,
					"actual_cost": 700,
					"leads_generated": 3,
				}
			).insert()
			proof = frappe.get_doc(
				{
					"doctype": "File",
					"file_name": f"sweep-proof-{frappe.generate_hash(length=8)}.txt",
					"content": "attendee list of A",
					"is_private": 1,
					"attached_to_doctype": "Incentive Claim",
					"attached_to_name": claim.name,
				}
			).insert()
			claim.append("proofs", {"attachment": proof.file_url, "description": "attendees"})
			claim.save()
			submit_claim(claim.name)
			return claim.name, proof

		mdf = as_user(user, request)
		decide_mdf_request(mdf, "Approve", approved_amount=1000)
		claim, proof = as_user(user, claim_for, mdf)
		cls.private_file = proof.file_url
		return [("MDF Request", mdf), ("Incentive Claim", claim), ("File", proof.name)]

	@classmethod
	def _feed_report(cls, user) -> list[tuple[str, str]]:
		from prm_extension.api.feeds import submit_report
		from prm_extension.tests.utils import as_user

		answer = as_user(
			user, submit_report, csv="date,item,qty\n2026-01-05,PRM-SRV-100,4\n", filename="a.csv"
		)
		return [("Sell-Through Report", answer["name"])]

	@classmethod
	def _identifiers_of_a(cls, docs, users) -> dict[str, re.Pattern]:
		values = {cls.a, *users, *cls.customers, cls.private_file, cls.private_file.rsplit("/", 1)[-1]}
		values |= {name for _doctype, name in docs}
		for doctype, name in docs:
			if doctype == "Deal Registration":
				values |= set(frappe.get_all("Deal Registration Item", {"parent": name}, pluck="name"))
		values.add("4821.37")
		values.add("14464.11")  # 3 x 4821.37
		values.add("9137")
		return {v: re.compile(r"(?<![\w-])" + re.escape(v) + r"(?![\w-])") for v in values if v}

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for doctype, name in reversed(cls.docs):
			if doctype in ("Channel Partner", "Deal Registration", "Opportunity"):
				continue
			for child in frappe.get_meta(doctype).get_table_fields():
				frappe.db.delete(child.options, {"parent": name, "parenttype": doctype})
			frappe.db.delete(doctype, {"name": name})
		purge(cls.customers)
		super().tearDownClass()

	# --- the sweep ------------------------------------------------------------------------------

	def url(self, path: str) -> str:
		return self.site_url.rstrip("/") + path

	def leaks(self, label: str, response, sent=None) -> list[str]:
		"""A's identifiers in the answer, except those the request itself named (an error that
		repeats the name it was asked about tells nothing)."""
		text = response.get_data(as_text=True)
		asked = unquote(label) + json.dumps(sent or {}, default=str)
		return [
			f"{label} [{response.status_code}] shows {v!r}"
			for v, p in self.identifiers.items()
			if p.search(text) and not p.search(asked)
		]

	def target_doctypes(self) -> list[str]:
		app = frappe.get_all("DocType", {"module": "PRM"}, pluck="name")
		linked = set()
		for doctype in app:
			for df in frappe.get_meta(doctype).fields:
				if df.fieldtype == "Link" and df.options:
					linked.add(df.options)
				if df.fieldtype == "Dynamic Link":
					linked.add("DocType")
		names = sorted(set(app) | linked | set(FRAMEWORK_DOCTYPES))
		return [d for d in names if frappe.db.exists("DocType", d) and not frappe.get_meta(d).issingle]

	def parent_of(self, child: str) -> str | None:
		return frappe.db.get_value(
			"DocField", {"options": child, "fieldtype": ["in", ["Table", "Table MultiSelect"]]}, "parent"
		)

	def sweep_rest(self, headers) -> tuple[int, list[str]]:
		sent, found = 0, []
		for doctype in self.target_doctypes():
			params = {"fields": json.dumps(["*"]), "limit_page_length": 0}
			if frappe.get_meta(doctype).istable:
				params["parent"] = self.parent_of(doctype)
			r = self.get(self.resource(doctype), params, headers=headers)
			sent += 1
			found += self.leaks(f"GET /api/resource/{doctype}", r)
			r = self.get(self.url(f"/api/v2/document/{quote(doctype)}"), params, headers=headers)
			sent += 1
			found += self.leaks(f"GET /api/v2/document/{doctype}", r)
		for doctype, name in self.docs:
			r = self.get(self.resource(doctype, name), headers=headers)
			sent += 1
			found += self.leaks(f"GET /api/resource/{doctype}/{name}", r)
		for path in (self.private_file, f"{self.private_file}?fid=1"):
			r = make_request(target=self.TEST_CLIENT.get, args=(self.url(path),), kwargs={"headers": headers})
			sent += 1
			found += self.leaks(f"GET {path}", r)
		return sent, found

	def sweep_methods(self, headers) -> tuple[int, list[str]]:
		sent, found = 0, []
		first_field = {}
		for doctype, _name in self.docs:
			meta = frappe.get_meta(doctype)
			first_field[doctype] = [
				df.fieldname for df in meta.fields if df.fieldtype in ("Data", "Link", "Select", "Currency")
			][:8]
		for method in whitelisted_methods():
			for doctype, name in self.docs:
				args = {
					"doctype": doctype,
					"dt": doctype,
					"reference_doctype": doctype,
					"ref_doctype": doctype,
					"parent_doctype": doctype,
					"link_doctype": doctype,
					"name": name,
					"docname": name,
					"dn": name,
					"docnames": json.dumps([name]),
					"names": json.dumps([name]),
					"link_name": name,
					"reference_name": name,
					"txt": "",
					"fields": json.dumps(["*"]),
					"filter_fields": json.dumps(first_field[doctype]),
					"filters": json.dumps({}),
					"ignore_user_permissions": 1,
					"page_length": 500,
					"limit_page_length": 500,
					"with_parent": 1,
				}
				r = self.post(self.method(method), args, headers=headers)
				sent += 1
				found += self.leaks(f"{method}({doctype}, {name})", r, args)
		return sent, found

	def sweep_pages(self, headers) -> tuple[int, list[str]]:
		sent, found = 0, []
		www = frappe.get_app_path("prm_extension", "www")
		routes = set()
		for folder, _dirs, files in os.walk(www):
			for file in files:
				if file.endswith(".html"):
					route = os.path.relpath(os.path.join(folder, file), www)[:-5].replace(os.sep, "/")
					routes.add("/" + re.sub(r"(^|/)index$", "", route))
		for rule in frappe.get_hooks("website_route_rules", app_name="prm_extension"):
			for _doctype, name in self.docs:
				routes.add(re.sub(r"<[^>]+>", quote(name), rule["from_route"]))
		for doctype, name in self.docs:
			routes.add(f"/printview?doctype={quote(doctype)}&name={quote(name)}")
			routes.add(f"/list?doctype={quote(doctype)}")
		for route in sorted(routes):
			r = make_request(
				target=self.TEST_CLIENT.get, args=(self.url(route),), kwargs={"headers": headers}
			)
			sent += 1
			found += self.leaks(f"GET {route}", r)
		for report in frappe.get_all("Report", {"module": "PRM"}, pluck="name"):
			for filters in ({}, {"channel_partner": self.a}):
				r = self.post(
					self.method("frappe.desk.query_report.run"),
					{"report_name": report, "filters": json.dumps(filters)},
					headers=headers,
				)
				sent += 1
				found += self.leaks(f"report {report} {filters}", r)
		for chart in frappe.get_all("Dashboard Chart", {"module": "PRM"}, pluck="name"):
			r = self.post(
				self.method("frappe.desk.doctype.dashboard_chart.dashboard_chart.get"),
				{"chart_name": chart, "refresh": 1},
				headers=headers,
			)
			sent += 1
			found += self.leaks(f"chart {chart}", r)
		for card in frappe.get_all("Number Card", {"module": "PRM"}, pluck="name"):
			doc = frappe.get_doc("Number Card", card).as_dict()
			r = self.post(
				self.method("frappe.desk.doctype.number_card.number_card.get_result"),
				{"doc": json.dumps(doc, default=str), "filters": json.dumps({})},
				headers=headers,
			)
			sent += 1
			found += self.leaks(f"card {card}", r)
		return sent, found

	def test_nothing_of_another_partner_reaches_a_partner(self):
		session = {"Cookie": f"sid={self.b_sid}"}
		for headers in (session, self.b_token):  # both ways in really act as B's users
			r = self.get(self.method("frappe.auth.get_logged_user"), headers=headers)
			self.assertIn(r.json.get("message"), (user_of(self.b), user_of(self.b, "user")), r.text)
		report = []
		total = 0
		for label, sweep, headers in (
			("rest/api key", self.sweep_rest, self.b_token),
			("rest/session", self.sweep_rest, session),
			("pages/session", self.sweep_pages, session),
			("pages/api key", self.sweep_pages, self.b_token),
			("methods/api key", self.sweep_methods, self.b_token),
		):
			sent, found = sweep(headers)
			total += sent
			report += found
			print(f"isolation sweep {label}: {sent} requests, {len(found)} leaks")
		print(f"isolation sweep: {total} requests, {len(report)} leaks")
		frappe.db.rollback()
		changed = [d for d, m in self.modified.items() if frappe.db.get_value(d[0], d[1], "modified") != m]
		self.assertEqual(changed, [], "partner B changed partner A's documents")
		self.assertEqual(report, [], "\n".join(report))
