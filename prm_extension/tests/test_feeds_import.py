"""Sell-through feeds on a real site: mapping by the partner's codes, our codes and the account
identity; duplicates and replays ignored; a malformed file rejected whole with line numbers;
encodings; large files queued; partner isolation; the portal page; the dashboards' figures."""

from __future__ import annotations

import base64

import frappe
from frappe.utils import add_days, nowdate

from prm_extension.api import feeds as feeds_api
from prm_extension.services import analytics, feeds
from prm_extension.services.partners import clear_partner_cache
from prm_extension.tests.test_portal_catalog import page
from prm_extension.tests.utils import (
	PRMTestCase,
	as_user,
	ensure_channel,
	make_customer,
	make_partner,
	user_of,
)


def queued_jobs(report: str):
	from frappe.utils.background_jobs import get_queue

	frappe.db.commit()  # queued after the commit
	return [
		job
		for job in get_queue("long").get_jobs()
		if (job.kwargs or {}).get("site") == frappe.local.site
		and ((job.kwargs or {}).get("kwargs") or {}).get("report") == report
	]


class TestFeedsImport(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()
		frappe.set_user("Administrator")
		h = frappe.generate_hash(length=5)
		cls.a = make_partner(f"PRM Feed A {h}").name
		cls.b = make_partner(f"PRM Feed B {h}").name
		cls.ua, cls.ub = user_of(cls.a), user_of(cls.b, "user")
		cls.customer = make_customer(f"PRM Feed Cust {h}")
		cls.code = f"ACME-{h}"
		frappe.get_doc(
			{
				"doctype": "Partner Item Mapping",
				"channel_partner": cls.a,
				"partner_item_code": cls.code,
				"item_code": "PRM-SRV-100",
			}
		).insert()
		frappe.db.commit()
		cls.day = add_days(nowdate(), -3)

	def tearDown(self):
		frappe.set_user("Administrator")
		clear_partner_cache()

	def csv(self, *rows, header="date,sku,qty,amount,customer"):
		return "\n".join([header, *[",".join(r) for r in rows]]) + "\n"

	def test_import_maps_flags_and_ignores_duplicates_and_replays(self):
		day, cust = self.day, self.customer.customer_name
		text = self.csv(
			(day, self.code, "2", "2000", cust),  # the partner's code; a known customer
			(day, "PRM-SW-100", "1", "500", "Nobody Unknown Ltd"),  # our code; an unknown customer
			(day, "NO-SUCH-SKU", "4", "", ""),  # an unknown item, no customer
			(day, self.code, "2", "2000", cust),  # the first line again
		)
		answer = as_user(self.ua, feeds_api.submit_report, csv=text)
		self.assertEqual(
			(
				answer["status"],
				answer["lines"],
				answer["imported"],
				answer["duplicates"],
				answer["unmapped_items"],
				answer["unmapped_customers"],
			),
			("Imported", 4, 3, 1, 1, 1),
		)
		lines = {
			r.line_no: r
			for r in frappe.get_all(
				"Sell-Through Line",
				{"report": answer["name"]},
				["line_no", "item_code", "item_group", "customer", "mapping_status"],
			)
		}
		self.assertEqual(
			(lines[2].item_code, lines[2].item_group, lines[2].customer),
			("PRM-SRV-100", "PRM Servers", self.customer.name),
		)
		self.assertEqual((lines[3].item_code, lines[3].mapping_status), ("PRM-SW-100", "Unknown Customer"))
		self.assertEqual((lines[4].item_code, lines[4].mapping_status), (None, "Unknown Item"))
		self.assertNotIn(5, lines)
		again = as_user(self.ua, feeds_api.submit_report, csv=text)
		self.assertEqual((again["imported"], again["duplicates"], again["replay_of"]), (0, 4, answer["name"]))
		# a manager maps the unknown code; the flagged line is mapped again
		frappe.get_doc(
			{
				"doctype": "Partner Item Mapping",
				"channel_partner": self.a,
				"partner_item_code": "NO-SUCH-SKU",
				"item_code": "PRM-SRV-200",
			}
		).insert()
		with self.assertRaises(frappe.PermissionError):
			as_user(self.ua, feeds_api.remap_lines)
		self.assertGreaterEqual(feeds_api.remap_lines(self.a)["mapped"], 1)
		self.assertEqual(
			frappe.db.get_value(
				"Sell-Through Line", {"report": answer["name"], "line_no": 4}, ["item_code", "mapping_status"]
			),
			("PRM-SRV-200", "Mapped"),
		)
		# the dashboards read the feed
		scope = analytics.Scope.from_filters({"from_date": day, "to_date": day, "partner": self.a})
		by_line = {r.grp: float(r.qty) for r in analytics.sell_through_by(scope, "Product Line")}
		self.assertEqual(by_line, {"PRM Servers": 6.0, "PRM Software": 1.0})

	def test_malformed_file_is_rejected_whole_with_line_numbers(self):
		text = self.csv(
			(self.day, self.code, "1", "", ""),
			("27/11/2026", self.code, "1", "", ""),
			(self.day, self.code, "one", "", ""),
		)
		answer = as_user(self.ua, feeds_api.submit_report, csv=text)
		self.assertEqual((answer["status"], answer["error_count"]), ("Rejected", 2))
		self.assertIn("Line 3", answer["error_report"])
		self.assertIn("Line 4", answer["error_report"])
		self.assertEqual(frappe.db.count("Sell-Through Line", {"report": answer["name"]}), 0)
		wrong = as_user(self.ua, feeds_api.submit_report, csv="when,what\n2026-01-01,x\n")
		self.assertEqual(wrong["status"], "Rejected")
		self.assertIn("Missing columns", wrong["error_report"])
		binary = as_user(
			self.ua,
			feeds_api.submit_report,
			content_base64=base64.b64encode(b"\x89PNG\x00\x00garbage").decode(),
		)
		self.assertIn("not a text", binary["error_report"])
		with self.assertRaises(frappe.ValidationError):
			as_user(self.ua, feeds_api.submit_report, content_base64="%%% not base64")
		with self.assertRaises(frappe.ValidationError):
			as_user(self.ua, feeds_api.submit_report, report_type="Forecast", csv=text)

	def test_windows_encoding(self):
		name = f"Société {frappe.generate_hash(length=4)}"
		data = self.csv((self.day, self.code, "1", "", name)).encode("cp1252")
		answer = as_user(
			self.ua,
			feeds_api.submit_report,
			content_base64=base64.b64encode(data).decode(),
			filename="ventes.csv",
		)
		self.assertEqual(answer["status"], "Imported")
		self.assertEqual(
			frappe.db.get_value("Sell-Through Line", {"report": answer["name"]}, "end_customer"), name
		)
		self.assertEqual(
			frappe.db.get_value("Sell-Through Report", answer["name"], "encoding"), "windows-1252"
		)

	def test_large_file_is_imported_by_a_background_job(self):
		rows = [
			(self.day, self.code, str(i + 1), "", f"Cust {i}") for i in range(feeds.QUEUE_FROM_LINES + 10)
		]
		answer = as_user(self.ua, feeds_api.submit_report, csv=self.csv(*rows))
		self.assertEqual(answer["status"], "Queued")
		jobs = queued_jobs(answer["name"])
		self.assertEqual(len(jobs), 1)
		kwargs = jobs[0].kwargs["kwargs"]
		frappe.get_attr(jobs[0].kwargs["method"])(**kwargs)
		jobs[0].delete()
		self.assertEqual(
			frappe.db.get_value("Sell-Through Report", answer["name"], ["status", "imported"]),
			("Imported", len(rows)),
		)

	def test_partners_see_only_their_own_feeds(self):
		answer = as_user(self.ua, feeds_api.submit_report, csv=self.csv((self.day, self.code, "1", "", "")))
		with self.assertRaises(frappe.DoesNotExistError):
			as_user(self.ub, feeds_api.report_status, answer["name"])
		self.assertNotIn(
			answer["name"], as_user(self.ub, frappe.get_list, "Sell-Through Report", pluck="name")
		)
		self.assertEqual(
			as_user(
				self.ub,
				frappe.get_list,
				"Sell-Through Line",
				filters={"report": answer["name"]},
				pluck="name",
			),
			[],
		)
		with self.assertRaises(frappe.PermissionError):
			as_user(
				self.ub,
				feeds_api.submit_report,
				csv=self.csv((self.day, "X", "1", "", "")),
				channel_partner=self.a,
			)
		doc = frappe.get_doc("Sell-Through Report", answer["name"])
		doc.total_qty = 99
		with self.assertRaises(frappe.PermissionError):
			as_user(self.ua, doc.save)  # partners never write a report
		with self.assertRaises(frappe.ValidationError):
			doc.save()  # nor does a manager, once it was sent
		status, html = page("/partner/feeds", self.ua)
		self.assertEqual(status, 200)
		self.assertIn(f'data-name="{answer["name"]}"', html)
		_status, html = page("/partner/feeds", self.ub)
		self.assertNotIn(answer["name"], html)
		self.assertEqual(page("/partner/feeds", "Guest")[0], 302)


class TestWebhookEvents(PRMTestCase):
	"""Feeds out: a standard Webhook on Deal Registration is queued by the app's transitions."""

	def test_webhook_is_queued_on_approval(self):
		from prm_extension.api.deals import decide
		from prm_extension.tests.utils import register_as

		ensure_channel()
		hook = frappe.get_doc(
			{
				"doctype": "Webhook",
				"__newname": f"PRM deal approved {frappe.generate_hash(length=5)}",
				"webhook_doctype": "Deal Registration",
				"webhook_docevent": "on_submit",
				"request_url": "https://example.invalid/prm-deals",
				"request_method": "POST",
				"request_structure": "Form URL-Encoded",
				"webhook_data": [
					{"fieldname": "name", "key": "name"},
					{"fieldname": "status", "key": "status"},
				],
			}
		).insert()
		try:
			doc = register_as(user_of("PRM Test Beta"), make_customer().name)
			if hasattr(frappe.local, "_webhook_queue"):
				frappe.local._webhook_queue = []
			decide(doc.name, "Approve")
			queued = [
				(w.webhook.name, w.doc.name, w.doc.status)
				for w in getattr(frappe.local, "_webhook_queue", [])
			]
			self.assertIn((hook.name, doc.name, "Approved"), queued)
		finally:
			frappe.local._webhook_queue = []
			hook.delete()
			frappe.db.commit()
			frappe.cache.delete_value("webhooks")  # Frappe caches the site's webhooks across requests
