"""Junk input sweep: no app entry point answers a 5xx, and a refused request leaves nothing behind.

The targets are discovered, not listed:

- every DocType of the module "PRM" over REST (``/api/resource`` POST and PUT, ``/api/v2/document``
  POST and PATCH, ``frappe.client.insert / save / set_value``), one request per junk value, with
  values made from each field's type: wrong type (nested objects, lists), too long for the column,
  out of the column's range, dates that do not parse or MariaDB refuses, options that do not exist,
  child rows that are not objects and child rows holding junk themselves;
- every whitelisted function of the app (``frappe.whitelisted`` after importing each module of
  ``prm_extension`` that contains ``@frappe.whitelist``), one call per parameter and junk value
  (malformed JSON, lists, nested objects, huge strings, impossible dates, huge and infinite numbers).

Each request runs as Administrator (API key) and as a partner's admin (API key). The sweep counts
the 5xx answers and the partial writes (rows that appeared in any table of the app's DocTypes after
a refused request), prints both and asserts both are 0. A junk request that is accepted (2xx) is
not a failure: documents it changed are restored row by row and documents it created are deleted
when the class ends.

REST requests run in other threads with their own database connections, so this class commits its
data and deletes what the sweep created afterwards.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import time
from collections import Counter
from urllib.parse import urlencode, urljoin

import frappe
from frappe.tests.test_api import FrappeAPITestCase

from prm_extension.tests.utils import api_token, ensure_channel, user_of

PARTNER = "PRM Test Beta"
LAYOUT = {"Section Break", "Column Break", "Tab Break", "HTML", "Button", "Heading", "Fold", "Image"}
VARCHAR = {
	"Data",
	"Link",
	"Dynamic Link",
	"Select",
	"Read Only",
	"Color",
	"Icon",
	"Phone",
	"Autocomplete",
}
TEXT = {"Small Text", "Text", "Attach", "Attach Image", "Password"}
INTS = {"Int", "Check"}
DECIMALS = {"Float", "Currency", "Percent", "Duration"}
TABLES = {"Table", "Table MultiSelect"}
INF = float("inf")
HUGE = "x" * 200_000
METHOD_JUNK = (
	("malformed JSON object", '{"a": 1, '),
	("malformed JSON list", "[1, {"),
	("list", ["a", "b"]),
	("nested object", {"a": {"b": [1, {"c": None}]}}),
	("huge string", HUGE),
	("impossible date", "2024-13-45"),
	("out-of-range date", "99999-01-01"),
	("huge number", 10**30),
	("infinite number", INF),
	("negative number", -(10**12)),
)


def field_junk(df) -> list[tuple[str, object]]:
	"""Junk values for one field, made from its type."""
	ft = df.fieldtype
	out: list[tuple[str, object]] = [("nested object", {"a": {"b": [1, {"c": 2}]}})]
	if ft not in TABLES:
		out.append(("list", ["x", {"y": 1}]))
	if ft in VARCHAR:
		out.append(("too long", "x" * ((frappe.utils.cint(df.length) or 140) + 1)))
	if ft in TEXT:
		out.append(("too long for text", "é" * 40_000))  # 80,000 bytes: a TEXT column holds 65,535
	if ft in INTS:
		out += [("not a number", "abc"), ("out of range", 2**63), ("infinite", INF)]
	if ft in DECIMALS:
		out += [("not a number", "abc"), ("out of range", 10**15), ("negative out of range", -(10**15))]
		out.append(("infinite", INF))
	if ft == "Date":
		out += [("impossible date", "2024-13-45"), ("out-of-range date", "99999-01-01"), ("number", 20240101)]
	if ft == "Datetime":
		out += [("impossible datetime", "2024-02-30 25:61:00"), ("out-of-range", "10000-01-01 00:00:00")]
	if ft == "Time":
		out.append(("impossible time", "25:99:99"))
	if ft == "Select":
		out.append(("not an option", "No Such Option"))
	if ft in ("Link", "Dynamic Link"):
		out.append(("number", 12345))
	if ft in TABLES:
		out += [("not a list", "rows"), ("rows not objects", ["row", 5]), ("object, not a list", {"x": 1})]
		for child_df in _data_fields(df.options):
			for label, value in field_junk(child_df):
				out.append((f"row with {child_df.fieldname}: {label}", [{child_df.fieldname: value}]))
	return out


def _data_fields(doctype: str):
	return [
		df
		for df in frappe.get_meta(doctype).fields
		if df.fieldtype not in LAYOUT and not (df.fieldtype in TABLES and frappe.get_meta(doctype).istable)
	]


def app_doctypes() -> list[dict]:
	return frappe.get_all(
		"DocType",
		filters={"module": "PRM"},
		fields=["name", "istable", "issingle", "is_submittable", "is_virtual"],
		order_by="name asc",
	)


def whitelisted_functions() -> list:
	"""The app's whitelisted functions, after importing every app module that declares one."""
	root = os.path.dirname(frappe.get_app_path("prm_extension"))
	for folder, _dirs, files in os.walk(frappe.get_app_path("prm_extension")):
		for file in files:
			if not file.endswith(".py") or file.startswith("test_"):
				continue
			path = os.path.join(folder, file)
			with open(path, encoding="utf-8") as f:
				if "@frappe.whitelist" not in f.read():
					continue
			module = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
			importlib.import_module(module)
	return sorted(
		{fn for fn in frappe.whitelisted if (fn.__module__ or "").startswith("prm_extension.")},
		key=lambda fn: f"{fn.__module__}.{fn.__name__}",
	)


def _jsonable(value):
	return json.loads(json.dumps(value, default=str))


class TestJunkInput(FrappeAPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()
		cls.auth = {
			"Administrator": {"Authorization": api_token("Administrator")},
			user_of(PARTNER): {"Authorization": api_token(user_of(PARTNER))},
		}
		frappe.db.commit()
		cls.doctypes = app_doctypes()
		cls.tables = [d.name for d in cls.doctypes if not d.issingle and not d.is_virtual]
		cls.started = frappe.utils.now_datetime()
		time.sleep(1)  # rows of the sweep have a later creation than anything before
		cls.requests = 0
		cls.server_errors: list[str] = []
		cls.partial_writes: list[str] = []
		cls.statuses: Counter = Counter()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		for table in cls.tables:
			frappe.db.sql(f"delete from `tab{table}` where creation >= %s", cls.started)
		frappe.db.commit()
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")
		super().tearDown()

	# --- bookkeeping ----------------------------------------------------------------------------

	def row_counts(self) -> dict:
		frappe.db.rollback()  # a new snapshot: the requests commit on their own connections
		query = " union all ".join(
			f"select {frappe.db.escape(t)}, count(*) from `tab{t}`" for t in self.tables
		)
		return dict(frappe.db.sql(query))

	def snapshot(self, doctype: str, name: str) -> dict:
		if frappe.get_meta(doctype).issingle:
			return {"Singles": frappe.db.sql("select * from tabSingles where doctype=%s", doctype, as_dict=1)}
		rows = {doctype: frappe.db.sql(f"select * from `tab{doctype}` where name=%s", name, as_dict=1)}
		for df in frappe.get_meta(doctype).get_table_fields():
			rows[df.options] = frappe.db.sql(
				f"select * from `tab{df.options}` where parent=%s and parenttype=%s",
				(name, doctype),
				as_dict=1,
			)
		return rows

	def restore(self, doctype: str, name: str, saved: dict):
		frappe.db.rollback()
		for table, rows in saved.items():
			if table == "Singles":
				frappe.db.sql("delete from tabSingles where doctype=%s", doctype)
			elif table == doctype:
				frappe.db.sql(f"delete from `tab{table}` where name=%s", name)
			else:
				frappe.db.sql(f"delete from `tab{table}` where parent=%s and parenttype=%s", (name, doctype))
			for row in rows:
				columns = ", ".join(f"`{c}`" for c in row)
				marks = ", ".join(["%s"] * len(row))
				frappe.db.sql(f"insert into `tab{table}` ({columns}) values ({marks})", tuple(row.values()))
		frappe.db.commit()
		frappe.clear_document_cache(doctype, name)

	def send(self, what: str, http: str, path: str, body, user: str, target=None):
		"""One junk request; records its status, a 5xx, and rows left behind by a refusal."""
		before = self.row_counts()
		saved = self.snapshot(*target) if target else None
		headers = self.auth[user]
		url = urljoin(self.site_url, path)
		if http == "GET":
			query = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (body or {}).items()}
			response = self.get(f"{url}?{urlencode(query)}", headers=headers)
		else:
			response = getattr(self, http.lower())(url, body, headers=headers)
		self.requests += 1
		status = response.status_code
		self.statuses[status // 100 * 100] += 1
		label = f"{user} {http} {path} {what}"
		if status >= 500:
			exc = "?"
			try:
				answer = response.json
				exc = answer.get("exc_type") or (answer.get("errors") or [{}])[0].get("type") or exc
			except Exception:
				pass
			self.server_errors.append(f"{status} {exc} {label}")
		after = self.row_counts()
		if status < 300:
			if target:
				self.restore(*target, saved)
			return response
		grown = {t: after[t] - before[t] for t in after if after[t] > before.get(t, 0)}
		if grown:
			self.partial_writes.append(f"{status} {label}: {grown}")
		return response

	# --- targets ----------------------------------------------------------------------------------

	def existing(self, doctype: dict, user: str) -> str | None:
		"""A document the user may write to (else any), to update with junk."""
		if doctype.issingle:
			return doctype.name
		filters = {"docstatus": 0} if doctype.is_submittable else {}
		frappe.set_user(user)
		try:
			names = frappe.get_list(
				doctype.name, filters=filters, pluck="name", limit=1, order_by="creation asc"
			)
		except frappe.PermissionError:
			names = []
		finally:
			frappe.set_user("Administrator")
		return (
			names
			or frappe.get_all(doctype.name, filters=filters, pluck="name", limit=1, order_by="creation asc")
			or [None]
		)[0]

	def sweep_doctype(self, doctype: dict, user: str):
		name = self.existing(doctype, user)
		cases = [
			(df.fieldname, label, value)
			for df in _data_fields(doctype.name)
			for label, value in field_junk(df)
		]
		posts = ("v1 POST", "v2 POST", "client.insert")
		puts = ("v1 PUT", "v2 PATCH", "client.save", "client.set_value")
		endpoints = puts if doctype.issingle else posts + puts if name else posts
		dt = doctype.name
		for i, (fieldname, label, value) in enumerate(cases):
			endpoint = endpoints[i % len(endpoints)]
			what = f"{dt}.{fieldname} = {label} via {endpoint}"
			target = (dt, name) if endpoint in puts else None
			if endpoint == "v1 POST":
				self.send(what, "POST", f"/api/resource/{dt}", {fieldname: value}, user)
			elif endpoint == "v2 POST":
				self.send(what, "POST", f"/api/v2/document/{dt}", {fieldname: value}, user)
			elif endpoint == "client.insert":
				body = {"doc": {"doctype": dt, fieldname: value}}
				self.send(what, "POST", "/api/method/frappe.client.insert", body, user)
			elif endpoint == "v1 PUT":
				self.send(what, "PUT", f"/api/resource/{dt}/{name}", {fieldname: value}, user, target)
			elif endpoint == "v2 PATCH":
				self.send(what, "PATCH", f"/api/v2/document/{dt}/{name}", {fieldname: value}, user, target)
			elif endpoint == "client.save":
				frappe.db.rollback()
				doc = _jsonable(frappe.get_doc(dt, name).as_dict())
				doc[fieldname] = value
				self.send(what, "POST", "/api/method/frappe.client.save", {"doc": doc}, user, target)
			else:
				body = {"doctype": dt, "name": name, "fieldname": fieldname, "value": value}
				self.send(what, "POST", "/api/method/frappe.client.set_value", body, user, target)

	def sweep_method(self, fn, user: str):
		path = f"{fn.__module__}.{fn.__name__}"
		methods = frappe.allowed_http_methods_for_whitelisted_func.get(fn) or ["POST"]
		http = "POST" if "POST" in methods else methods[0]
		signature = inspect.signature(inspect.unwrap(fn))
		params = {p.name: p for p in signature.parameters.values()}
		names = [p for p, spec in params.items() if spec.kind not in (spec.VAR_KEYWORD, spec.VAR_POSITIONAL)]
		if any(spec.kind == spec.VAR_KEYWORD for spec in params.values()):
			# keyword arguments: the fields of the app's DocTypes this function writes
			source = inspect.getsource(inspect.unwrap(fn))
			for d in self.doctypes:
				if f'"{d.name}"' in source:
					names += [df.fieldname for df in _data_fields(d.name) if df.fieldname not in names]
		fillers = {
			p: self.filler(spec)
			for p, spec in params.items()
			if p in names and spec.default is inspect.Parameter.empty
		}
		for param in names:
			for label, value in METHOD_JUNK:
				if fn in frappe.guest_methods:
					frappe.cache.delete_keys("rl:")  # the sweep is no flood: the rate limit stays out of it
				body = {**fillers, param: value}
				self.send(f"{param} = {label}", http, f"/api/method/{path}", body, user)

	@staticmethod
	def filler(spec) -> object:
		hint = str(spec.annotation)
		if "bool" in hint:
			return 0
		if "int" in hint:
			return 1
		return "PRM-JUNK"

	# --- the sweep --------------------------------------------------------------------------------

	def test_junk_input_is_refused_cleanly(self):
		functions = whitelisted_functions()
		self.assertTrue(functions, "no whitelisted functions discovered")
		self.assertTrue(self.doctypes, "no DocTypes of the module PRM")
		started = time.monotonic()
		for user in self.auth:
			for doctype in self.doctypes:
				if doctype.istable or doctype.is_virtual:
					continue  # child tables are swept through their parents' table fields
				self.sweep_doctype(doctype, user)
			for fn in functions:
				self.sweep_method(fn, user)
		print(
			f"\njunk input sweep: {self.requests} requests in {time.monotonic() - started:.0f} s over "
			f"{len(self.doctypes)} DocTypes and {len(functions)} whitelisted functions; answers "
			f"{dict(sorted(self.statuses.items()))}; 5xx: {len(self.server_errors)}; "
			f"partial writes: {len(self.partial_writes)}"
		)
		kinds = Counter(
			("method" if "/api/method/prm_extension." in line else "document", line.split(" ")[1])
			for line in self.server_errors
		)
		print("   5xx by target and exception:", dict(kinds))
		for line in self.server_errors[:40] + self.partial_writes[:20]:
			print("  ", line[:300])
		with open(frappe.get_site_path("logs", "junk_input_sweep.json"), "w") as f:
			json.dump(
				{"server_errors": self.server_errors, "partial_writes": self.partial_writes}, f, indent=1
			)
		self.assertEqual(len(self.server_errors), 0, "\n".join(self.server_errors[:20]))
		self.assertEqual(len(self.partial_writes), 0, "\n".join(self.partial_writes[:20]))

	# --- the answers name the field -------------------------------------------------------------

	def test_rest_refusal_names_label_and_fieldname(self):
		admin = self.auth["Administrator"]
		r = self.post(
			urljoin(self.site_url, "/api/resource/Partner Tier"),
			{"tier_name": "PRM Junk Tier", "rank": 990, "min_invoiced_revenue": 10**15},
			headers=admin,
		)
		self.assertEqual(r.status_code, 417, r.text)
		self.assertIn("Minimum Invoiced Revenue (min_invoiced_revenue)", r.text)
		self.assertIn("out of range", r.text)
		r = self.post(
			urljoin(self.site_url, "/api/v2/document/Channel Partner"),
			{"partner_name": "PRM Junk Partner", "members": ["admin@example.com"]},
			headers=admin,
		)
		self.assertEqual(r.status_code, 417, r.text)
		self.assertIn("Members (members)", r.text)
		self.assertIn("send each row as an object", r.text)
		r = self.post(
			urljoin(self.site_url, "/api/method/frappe.client.insert"),
			{"doc": {"doctype": "Channel Partner", "members": [{"email": {"a": 1}}]}},
			headers=admin,
		)
		self.assertEqual(r.status_code, 417, r.text)
		self.assertIn("Members (members), row 1", r.text)
		self.assertIn("(email)", r.text)
		# the same call through the (deprecated) ``cmd`` form, which Frappe dispatches on any path
		r = self.post(
			urljoin(self.site_url, "/"),
			{"cmd": "frappe.client.insert", "doc": {"doctype": "Partner Tier", "rank": {"a": 1}}},
			headers=admin,
		)
		self.assertEqual(r.status_code, 417, r.text)
		self.assertIn("Rank (rank)", r.text)
		self.assertFalse(frappe.db.exists("Partner Tier", "PRM Junk Tier"))

	def test_server_code_is_checked_too(self):
		from prm_extension.security.payload import InvalidValueError

		doc = frappe.get_doc({"doctype": "Partner Announcement", "title": "Junk", "publish_on": "2024-13-45"})
		with self.assertRaises(InvalidValueError) as ctx:
			doc.insert()
		self.assertIn("(publish_on)", str(ctx.exception))
		tier = frappe.get_doc({"doctype": "Partner Tier", "tier_name": "PRM Junk Tier 2", "rank": "abc"})
		with self.assertRaises(InvalidValueError) as ctx:
			tier.insert()
		self.assertIn("Rank (rank)", str(ctx.exception))

	def test_method_refusals_name_the_argument(self):
		partner = self.auth[user_of(PARTNER)]
		r = self.post(
			urljoin(self.site_url, "/api/method/prm_extension.api.deals.register"),
			{"data": '{"customer": '},
			headers=partner,
		)
		self.assertEqual(r.status_code, 417, r.text)
		self.assertIn("data", r.text)
		self.assertIn("valid JSON", r.text)
		r = self.post(
			urljoin(self.site_url, "/api/method/prm_extension.api.warranty.register_serial"),
			{"serial_no": "PRM-JUNK", "customer": "PRM-JUNK", "sale_date": "99999-01-01"},
			headers=partner,
		)
		self.assertEqual(r.status_code, 417, r.text)
		self.assertIn("sale_date", r.text)
		r = self.post(
			urljoin(self.site_url, "/api/method/prm_extension.api.applications.reject"),
			{"name": {"a": 1}},
			headers=self.auth["Administrator"],
		)
		self.assertEqual(r.status_code, 417, r.text)
		self.assertIn("name", r.text)
