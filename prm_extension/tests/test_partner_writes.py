"""Partners write only what the rules let them write.

Discovered, not listed: every DocType partner roles may create or change must declare its
allow-list (``PartnerWritable``); every other field, set by a partner over REST on insert and on
update, is refused or overwritten. Attachments must be the partner's own uploads to the document.

REST requests run in other threads with their own database connections, so this class commits its
data and deletes it again afterwards.
"""

from __future__ import annotations

import json

import frappe
from frappe.utils import add_days, nowdate

from prm_extension.api.incentives import decide_mdf_request, submit_mdf_request
from prm_extension.security.fields import (
	LAYOUT,
	SKIPPED,
	PartnerWritable,
	comparable,
	workflow_state_field,
)
from prm_extension.tests.utils import (
	PRMAPITestCase,
	allocate,
	api_token,
	as_user,
	deal_values,
	ensure_channel,
	make_customer,
	make_partner,
	make_program,
	purge,
	reserve_as,
	user_of,
)

PARTNER_ROLES = ("Partner Admin", "Partner User")


def partner_writable_doctypes() -> list[str]:
	rows = frappe.get_all(
		"DocPerm",
		filters={"role": ("in", PARTNER_ROLES), "permlevel": 0},
		or_filters={"create": 1, "write": 1},
		pluck="parent",
	)
	rows += frappe.get_all(
		"Custom DocPerm",
		filters={"role": ("in", PARTNER_ROLES), "permlevel": 0},
		or_filters={"create": 1, "write": 1},
		pluck="parent",
	)
	return sorted(set(rows))


def forged_value(df, current):
	"""A valid value of ``df``'s type that differs from ``current``."""
	current = comparable(df, current)
	if df.fieldtype == "Link":
		for name in frappe.get_all(df.options, pluck="name", limit=20, order_by="creation desc"):
			if name != current:
				return name
		return None
	if df.fieldtype == "Select":
		for option in (df.options or "").split("\n"):
			if option and option != current:
				return option
		return None
	if df.fieldtype in ("Int", "Float", "Currency", "Percent"):
		return 7 if current != 7 else 8
	if df.fieldtype == "Check":
		return 0 if current else 1
	if df.fieldtype == "Date":
		return "2099-12-31"
	if df.fieldtype == "Datetime":
		return "2099-12-31 10:00:00"
	if df.fieldtype in ("Data", "Small Text", "Text", "Long Text", "Text Editor", "Code", "Read Only"):
		if df.options == "Email":
			return "forged@example.com"
		return "forged by partner"
	return None  # attachments, dynamic links, tables: tested on their own


class TestPartnerWrites(PRMAPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()
		frappe.set_user("Administrator")
		tag = frappe.generate_hash(length=6)
		cls.partner = make_partner(f"PRM Writes {tag}", tier="PRM Test Gold").name
		cls.other = make_partner(f"PRM Writes Other {tag}", tier="PRM Test Gold").name
		cls.user = user_of(cls.partner)
		cls.customers = [make_customer(f"PRM WritesCust {tag}{i}").name for i in range(48)]
		cls.program = make_program(budget=100000).name
		allocate(cls.program, cls.partner, 50000)
		allocate(cls.program, cls.other, 1000)
		# an approved MDF request of the partner, to claim against
		cls.mdf = as_user(cls.user, lambda: cls.insert_mdf().name)
		as_user(cls.user, submit_mdf_request, cls.mdf)
		decide_mdf_request(cls.mdf, "Approve", approved_amount=1000)
		# the other partner's private file
		other_user = user_of(cls.other)
		cls.other_file = as_user(
			other_user,
			lambda: frappe.get_doc(
				{
					"doctype": "File",
					"file_name": f"other-{tag}.txt",
					"content": f"secret {tag}",
					"is_private": 1,
				}
			).insert(),
		).file_url
		frappe.db.commit()
		cls.auth = {"Authorization": api_token(cls.user)}
		frappe.db.commit()
		cls.next_customer = iter(cls.customers)

	@classmethod
	def insert_mdf(cls):
		return frappe.get_doc(cls.payload("MDF Request")).insert()

	@classmethod
	def payload(cls, doctype: str) -> dict:
		if doctype == "Account Reservation":
			return {"doctype": doctype, "customer": next(cls.next_customer)}
		if doctype == "Deal Registration":
			return deal_values(next(cls.next_customer))
		if doctype == "MDF Request":
			return {
				"doctype": doctype,
				"program": cls.program,
				"activity_type": "Event",
				"activity_name": "Summit",
				"start_date": add_days(nowdate(), -10),
				"end_date": add_days(nowdate(), -9),
				"estimated_cost": 2000,
				"requested_amount": 1000,
				"plan": "Half-day summit",
			}
		if doctype == "Incentive Claim":
			return {
				"doctype": doctype,
				"program": cls.program,
				"mdf_request": cls.mdf,
				"actual_cost": 500,
				"leads_generated": 2,
			}
		if doctype == "Sell-Through Report":
			return {"doctype": doctype, "report_type": "Sell-Through"}
		raise AssertionError(f"no payload for {doctype}: add one to test the new partner-writable DocType")

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for doctype in ("Incentive Claim", "MDF Request", "Sell-Through Report", "Fund Allocation"):
			for name in frappe.get_all(
				doctype, {"channel_partner": ("in", [cls.partner, cls.other])}, pluck="name"
			):
				for child in frappe.get_meta(doctype).get_table_fields():
					frappe.db.delete(child.options, {"parent": name})
				frappe.db.delete(doctype, {"name": name})
		frappe.db.delete("Incentive Program", {"name": cls.program})
		purge(cls.customers)
		super().tearDownClass()

	def rest_insert(self, values):
		values = {k: v for k, v in values.items() if k != "doctype"}
		return self.post(self.resource(self.doctype), values, headers=self.auth)

	def stored(self, name, fieldname):
		frappe.db.rollback()
		return frappe.db.get_value(self.doctype, name, fieldname)

	def test_every_partner_writable_doctype_declares_its_fields(self):
		doctypes = partner_writable_doctypes()
		self.assertIn("Account Reservation", doctypes)
		for doctype in doctypes:
			controller = frappe.get_doc({"doctype": doctype})
			self.assertIsInstance(controller, PartnerWritable, f"{doctype} has no partner allow-list")
			meta = frappe.get_meta(doctype)
			for fieldname in controller.PARTNER_FIELDS:
				self.assertTrue(meta.has_field(fieldname), f"{doctype}.{fieldname} does not exist")
				self.assertEqual(meta.get_field(fieldname).permlevel, 0, f"{doctype}.{fieldname}")

	def test_server_owned_fields_are_refused_or_overwritten(self):
		"""Every field outside a DocType's allow-list, set by a partner over REST on insert and on
		update: refused, or not what the partner sent."""
		accepted = []
		tried = 0
		for doctype in partner_writable_doctypes():
			self.doctype = doctype
			controller = frappe.get_doc({"doctype": doctype})
			allowed = set(controller.PARTNER_FIELDS)
			base = self.payload(doctype)
			# a draft of the partner's to update
			r = self.rest_insert(base)
			self.assertEqual(r.status_code, 200, f"{doctype}: {r.text[:500]}")
			existing = r.json["data"]
			for df in frappe.get_meta(doctype).fields:
				if df.fieldtype in LAYOUT or df.fieldname in SKIPPED or df.fieldname in allowed:
					continue
				if df.fieldname in ("channel_partner", workflow_state_field(doctype)):
					continue  # another partner's: the isolation tests; the workflow: its own test
				value = forged_value(df, existing.get(df.fieldname))
				if value is None:
					continue
				# on insert
				tried += 1
				r = self.rest_insert({**self.payload(doctype), df.fieldname: value})
				if r.status_code == 200:
					name = r.json["data"]["name"]
					if comparable(df, self.stored(name, df.fieldname)) == comparable(df, value):
						accepted.append(f"insert {doctype}.{df.fieldname} = {value!r}")
				# on update
				tried += 1
				before = self.stored(existing["name"], df.fieldname)
				r = self.put(
					self.resource(doctype, existing["name"]), {df.fieldname: value}, headers=self.auth
				)
				after = self.stored(existing["name"], df.fieldname)
				if r.status_code == 200 and comparable(df, after) == comparable(df, value) != comparable(
					df, before
				):
					accepted.append(f"update {doctype}.{df.fieldname} = {value!r}")
		print(f"field integrity: {tried} forged writes, {len(accepted)} accepted")
		self.assertGreater(tried, 50)
		self.assertEqual(accepted, [], "\n".join(accepted))

	def test_workflow_states_partners_may_not_reach_are_refused(self):
		self.doctype = "Deal Registration"
		for state in ("Approved", "Submitted"):  # a new registration starts as a draft
			r = self.rest_insert({**self.payload("Deal Registration"), "status": state})
			self.assertGreaterEqual(r.status_code, 400, r.text)
		r = self.rest_insert(self.payload("Deal Registration"))
		self.assertEqual(r.status_code, 200, r.text)
		name = r.json["data"]["name"]
		for state in ("Approved", "Won", "Rejected"):
			r = self.put(self.resource("Deal Registration", name), {"status": state}, headers=self.auth)
			self.assertGreaterEqual(r.status_code, 400, r.text)
			self.assertEqual(self.stored(name, "status"), "Draft")

	def test_hidden_fields_never_reach_a_partner(self):
		"""The checks of a registration name the records it conflicts with (permission level 1):
		neither the partner's REST insert, nor its update, nor its read shows them."""
		customer = next(self.next_customer)
		held = reserve_as(user_of(self.other), customer).name
		frappe.db.commit()
		self.doctype = "Deal Registration"
		answers = []
		r = self.rest_insert(self.payload_for(customer))
		self.assertEqual(r.status_code, 200, r.text)
		answers.append(r)
		name = r.json["data"]["name"]
		frappe.db.rollback()
		stored = frappe.get_all("Deal Registration Check", {"parent": name}, pluck="conflicts")
		self.assertTrue(any(held in (c or "") for c in stored), stored)  # the rules did record it
		answers.append(self.put(self.resource(self.doctype, name), {"notes": "call back"}, headers=self.auth))
		answers.append(self.get(self.resource(self.doctype, name), headers=self.auth))
		answers.append(
			self.get(self.site_url.rstrip("/") + f"/api/v2/document/{self.doctype}/{name}", headers=self.auth)
		)
		for r in answers:
			self.assertEqual(r.status_code, 200, r.text)
			self.assertNotIn(held, r.text)
			self.assertNotIn(self.other, r.text)
			for row in r.json["data"]["checks"]:
				self.assertFalse(row.get("conflicts"), row)

	def payload_for(self, customer):
		values = deal_values(customer)
		values.pop("doctype")
		return values

	def test_forged_reservation_is_refused(self):
		self.doctype = "Account Reservation"
		r = self.rest_insert(
			{
				"customer": next(self.next_customer),
				"expiry_date": "2099-12-31",
				"extensions_used": -100,
			}
		)
		self.assertEqual(r.status_code, 403, r.text)
		self.assertIn("expiry_date", r.text)

	def test_attachments_must_be_own_uploads_to_the_document(self):
		self.doctype = "Incentive Claim"
		r = self.rest_insert(self.payload("Incentive Claim"))
		self.assertEqual(r.status_code, 200, r.text)
		claim = r.json["data"]["name"]
		# another partner's private file, in a proof row and in a feed report's file
		r = self.put(
			self.resource("Incentive Claim", claim),
			{"proofs": [{"attachment": self.other_file, "description": "not mine"}]},
			headers=self.auth,
		)
		self.assertEqual(r.status_code, 403, r.text)
		self.doctype = "Sell-Through Report"
		r = self.rest_insert({"report_type": "Sell-Through", "file": self.other_file})
		self.assertEqual(r.status_code, 403, r.text)
		# upload_file with another file's URL, and a File record copying it
		r = self.post(
			self.method("upload_file"),
			{"file_url": self.other_file, "doctype": "Incentive Claim", "docname": claim, "is_private": 1},
			headers=self.auth,
		)
		self.assertEqual(r.status_code, 403, r.text)
		r = self.post(
			self.resource("File"),
			{
				"file_url": self.other_file,
				"attached_to_doctype": "Incentive Claim",
				"attached_to_name": claim,
			},
			headers=self.auth,
		)
		self.assertEqual(r.status_code, 403, r.text)
		with self.assertRaises(frappe.PermissionError):
			as_user(
				self.user,
				lambda: frappe.get_doc(
					{
						"doctype": "File",
						"file_url": self.other_file,
						"attached_to_doctype": "Incentive Claim",
						"attached_to_name": claim,
						"is_private": 1,
					}
				).insert(),
			)
		frappe.db.rollback()
		# nobody but the other partner can read the file: no File record of it is the partner's
		self.assertFalse(frappe.db.exists("File", {"file_url": self.other_file, "owner": self.user}))
		r = self.get(self.site_url.rstrip("/") + self.other_file, headers=self.auth)
		self.assertEqual(r.status_code, 403)
		# the partner's own upload to its claim is accepted
		own = as_user(
			self.user,
			lambda: frappe.get_doc(
				{
					"doctype": "File",
					"file_name": "mine.txt",
					"content": "my attendees",
					"is_private": 1,
					"attached_to_doctype": "Incentive Claim",
					"attached_to_name": claim,
				}
			).insert(),
		).file_url
		frappe.db.commit()
		r = self.put(
			self.resource("Incentive Claim", claim),
			{"proofs": [{"attachment": own, "description": "attendees"}]},
			headers=self.auth,
		)
		self.assertEqual(r.status_code, 200, r.text)
		self.assertEqual(json.loads(json.dumps(r.json["data"]["proofs"]))[0]["attachment"], own)
