"""Integration tests: deal registration on a real ERPNext site — checks, workflow, Opportunity,
Pricing Rule, Won from a real submitted Sales Invoice, expiry, isolation."""

from __future__ import annotations

from contextlib import contextmanager

import frappe
from frappe.model.workflow import WorkflowPermissionError, WorkflowTransitionError, apply_workflow
from frappe.utils import add_days, getdate, nowdate

from prm_extension.api.deals import decide, mark_lost, request_extension
from prm_extension.jobs import expire_deals
from prm_extension.services import deals as deal_service
from prm_extension.tests.utils import (
	PRMTestCase,
	change_settings,
	company,
	deal_values,
	ensure_channel,
	make_customer,
	register_as,
	reserve_as,
	user_of,
)

ALPHA, BETA, GAMMA = "PRM Test Alpha", "PRM Test Beta", "PRM Test Gamma"
A, B, G = user_of(ALPHA), user_of(BETA), user_of(GAMMA)


def approve(name: str, **kw):
	return decide(name, "Approve", **kw)


class TestDealRegistration(PRMTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def setUp(self):
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")

	# --- registration and checks -----------------------------------------------------------------

	def test_register_and_submit(self):
		cust = make_customer()
		doc = register_as(B, cust.name)
		self.assertEqual((doc.status, doc.verdict, doc.channel_partner), ("Submitted", "clear", BETA))
		self.assertEqual(doc.expected_value, 2000)
		self.assertEqual(doc.deal_territory, "PRM Germany")
		self.assertEqual(doc.items[0].item_group, "PRM Servers")
		self.assertTrue(doc.submitted_on)
		self.assertEqual(
			{c.check: c.result for c in doc.checks},
			dict.fromkeys(
				["authorisation", "house_account", "reservation", "registration", "direct_opportunity"],
				"Passed",
			),
		)

	def test_bad_input_is_refused_and_nothing_is_written(self):
		cust = make_customer()
		cases = [
			({"items": []}, "at least one product"),
			({"items": (("PRM-SRV-100", 2, -5),)}, "cannot be negative"),
			({"items": (("PRM-SRV-100", 0, 5),)}, "more than zero"),
			({"items": (("PRM-SRV-100", 10**6, 10**9),)}, "implausibly large"),
			({"expected_close_date": add_days(nowdate(), -3)}, "in the past"),
			({"currency": "EUR"}, "not accepted"),
		]
		for values, fragment in cases:
			with self.assertRaises(frappe.ValidationError, msg=values) as ctx:
				register_as(B, cust.name, submit=False, **values)
			self.assertIn(fragment, str(ctx.exception), values)
		with self.assertRaises(frappe.ValidationError) as ctx:
			register_as(B, None, submit=False)
		self.assertIn("end customer", str(ctx.exception))
		self.assertFalse(frappe.db.exists("Deal Registration", {"customer": cust.name}))

	def test_partner_cannot_register_for_another_partner(self):
		with self.assertRaises(frappe.PermissionError):
			register_as(A, make_customer().name, submit=False, channel_partner=BETA)

	def test_items_outside_the_partners_product_lines(self):
		doc = register_as(A, make_customer().name, submit=False, items=(("PRM-SW-100", 1, 100),))
		self.assertEqual(doc.verdict, "refuse")
		frappe.set_user(A)
		with self.assertRaises(frappe.ValidationError) as ctx:
			apply_workflow(doc, "Submit")
		self.assertIn("PRM Software", str(ctx.exception))
		self.assertEqual(frappe.db.get_value("Deal Registration", doc.name, "status"), "Draft")

	def test_house_account_refused(self):
		cust = make_customer(prm_is_house_account=1)
		with self.assertRaises(frappe.ValidationError) as ctx:
			register_as(B, cust.name)
		self.assertIn("house account", str(ctx.exception))

	def test_account_reserved_by_another_partner(self):
		cust = make_customer()
		reserve_as(G, cust.name)
		with self.assertRaises(frappe.ValidationError) as ctx:
			register_as(B, cust.name)
		self.assertIn("reserved by another partner", str(ctx.exception))
		self.assertNotIn(GAMMA, str(ctx.exception))
		# The holder itself may register.
		self.assertEqual(register_as(G, cust.name).status, "Submitted")

	def test_first_approved_wins_on_shared_product_line(self):
		cust = make_customer()
		first = register_as(B, cust.name)
		approve(first.name)
		with self.assertRaises(frappe.ValidationError) as ctx:
			register_as(G, cust.name)
		self.assertIn("registered a deal for this customer and product line first", str(ctx.exception))
		self.assertNotIn(BETA, str(ctx.exception))
		# Another product line of the same customer is free.
		self.assertEqual(register_as(G, cust.name, items=(("PRM-SW-100", 3, 50),)).status, "Submitted")

	def test_wait_policy_lets_a_second_registration_wait(self):
		cust = make_customer()
		register_as(B, cust.name)
		with change_settings("PRM Settings", {"deal_conflict_policy": "Wait until the earlier one closes"}):
			second = register_as(G, cust.name)
			self.assertEqual((second.status, second.verdict), ("Submitted", "wait"))
			with self.assertRaises(frappe.ValidationError):
				approve(second.name)
			self.assertEqual(frappe.db.get_value("Deal Registration", second.name, "status"), "Submitted")

	def test_direct_opportunity_is_flagged_and_needs_an_override(self):
		cust = make_customer()
		opp = frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": "Customer",
				"party_name": cust.name,
				"company": company(),
			}
		).insert()
		doc = register_as(B, cust.name)
		check = {c.check: c for c in doc.checks}["direct_opportunity"]
		self.assertEqual((doc.verdict, check.result), ("wait", "Warning"))
		self.assertEqual(check.conflicts, opp.name)
		with self.assertRaises(frappe.ValidationError):
			approve(doc.name)
		approved = approve(doc.name, override_reason="Direct team agreed to hand over")
		self.assertEqual(approved["status"], "Approved")

	# --- workflow ----------------------------------------------------------------------------------

	def test_only_managers_approve_and_approval_creates_the_opportunity(self):
		cust = make_customer()
		doc = register_as(B, cust.name)
		frappe.set_user(B)
		with self.assertRaises((WorkflowPermissionError, WorkflowTransitionError, frappe.PermissionError)):
			apply_workflow(frappe.get_doc("Deal Registration", doc.name), "Approve")
		frappe.set_user("Administrator")
		approve(doc.name)
		doc.reload()
		self.assertEqual((doc.status, doc.docstatus), ("Approved", 1))
		self.assertEqual(getdate(doc.protection_until), getdate(add_days(nowdate(), 90)))
		self.assertGreaterEqual(doc.decision_hours, 0)
		self.assertEqual(doc.decided_by, "Administrator")
		opp = frappe.get_doc("Opportunity", doc.opportunity)
		sales_partner = frappe.db.get_value("Channel Partner", BETA, "sales_partner")
		self.assertEqual(
			(opp.party_name, opp.prm_sales_partner, opp.prm_deal_registration),
			(cust.name, sales_partner, doc.name),
		)
		self.assertEqual([(i.item_code, i.qty, i.rate) for i in opp.items], [("PRM-SRV-100", 2, 1000)])
		# Beta's tier (Gold) gives 5 % on registered deals through a Pricing Rule.
		rule = frappe.get_doc("Pricing Rule", doc.pricing_rule)
		self.assertEqual(
			(rule.customer, rule.discount_percentage, str(rule.valid_upto)),
			(cust.name, 5, str(doc.protection_until)),
		)
		# Approving twice, or editing after approval, is refused.
		with self.assertRaises(frappe.ValidationError):
			approve(doc.name)
		doc.items[0].qty = 50
		with self.assertRaises(frappe.UpdateAfterSubmitError):
			doc.save()

	def test_won_is_a_manager_action_and_lost_needs_a_reason(self):
		doc = register_as(B, make_customer().name)
		approve(doc.name)
		doc.reload()
		frappe.set_user(B)
		with self.assertRaises((WorkflowPermissionError, WorkflowTransitionError, frappe.PermissionError)):
			apply_workflow(doc, "Mark Won")
		frappe.set_user("Administrator")
		won = apply_workflow(frappe.get_doc("Deal Registration", doc.name), "Mark Won")
		self.assertEqual((won.status, won.won_amount, str(won.won_on)), ("Won", 2000, nowdate()))
		self.assertTrue(frappe.db.get_value("Pricing Rule", won.pricing_rule, "disable"))
		other = register_as(B, make_customer().name)
		approve(other.name)
		other.reload()
		with self.assertRaises(frappe.MandatoryError):
			apply_workflow(other, "Mark Lost")  # a reason is required
		other.reload()
		other.decision_reason = "Budget frozen"
		other.save()
		lost = apply_workflow(other, "Mark Lost")
		self.assertEqual((lost.status, lost.lost_reason), ("Lost", "Budget frozen"))

	def test_return_for_information_and_resubmit(self):
		doc = register_as(B, make_customer().name)
		with self.assertRaises(frappe.MandatoryError):
			decide(doc.name, "Return")
		decide(doc.name, "Return", reason="Which data centre is this for?")
		doc.reload()
		self.assertEqual((doc.status, doc.decision_reason), ("Returned", "Which data centre is this for?"))
		frappe.set_user(B)
		doc.notes = "Frankfurt DC2"
		doc.save()
		doc = apply_workflow(doc, "Resubmit")
		self.assertEqual(doc.status, "Submitted")

	def test_rejection_needs_a_reason_and_is_final(self):
		doc = register_as(B, make_customer().name)
		decide(doc.name, "Reject", reason="Customer is in a public tender")
		doc.reload()
		self.assertEqual(doc.status, "Rejected")
		frappe.set_user(B)
		doc.notes = "please reconsider"
		with self.assertRaises(frappe.ValidationError):
			doc.save()

	def test_partner_cannot_edit_while_waiting_or_set_decisions(self):
		doc = register_as(B, make_customer().name)
		frappe.set_user(B)
		doc.notes = "changed"
		with self.assertRaises(frappe.ValidationError):
			doc.save()
		draft = register_as(B, make_customer().name, submit=False)
		frappe.set_user(B)
		draft.decision_reason = "self-approved"
		with self.assertRaises(frappe.PermissionError):
			draft.save()

	# --- closing ---------------------------------------------------------------------------------

	def _invoice(self, customer: str, items, submit=True):
		si = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"customer": customer,
				"company": company(),
				"posting_date": nowdate(),
				"due_date": add_days(nowdate(), 30),
				"items": [{"item_code": code, "qty": qty, "rate": rate} for code, qty, rate in items],
			}
		).insert()
		if submit:
			si.submit()
		return si

	def test_sales_invoice_wins_the_deal_and_attributes_the_partner(self):
		cust = make_customer()
		doc = register_as(B, cust.name)
		approve(doc.name)
		si = self._invoice(cust.name, [("PRM-SRV-200", 3, 500), ("PRM-SW-100", 1, 100)])
		sales_partner = frappe.db.get_value("Channel Partner", BETA, "sales_partner")
		self.assertEqual((si.sales_partner, si.prm_deal_registration), (sales_partner, doc.name))
		doc.reload()
		self.assertEqual(doc.status, "Won")
		# Only the line in the deal's product line (servers) counts.
		self.assertAlmostEqual(doc.won_amount, 3 * 500, places=2)
		self.assertEqual(str(doc.won_on), nowdate())
		self.assertEqual(
			[(d.document_type, d.document_name) for d in doc.documents], [("Sales Invoice", si.name)]
		)
		self.assertTrue(frappe.db.get_value("Pricing Rule", doc.pricing_rule, "disable"))
		# Cancelling the invoice puts the registration back.
		si.cancel()
		doc.reload()
		self.assertEqual((doc.status, doc.won_amount), ("Approved", 0))
		self.assertFalse(frappe.db.get_value("Pricing Rule", doc.pricing_rule, "disable"))

	def test_invoice_outside_the_deals_product_lines_does_not_win_it(self):
		cust = make_customer()
		doc = register_as(B, cust.name)
		approve(doc.name)
		si = self._invoice(cust.name, [("PRM-SW-100", 1, 100)])
		self.assertFalse(si.sales_partner)
		self.assertEqual(frappe.db.get_value("Deal Registration", doc.name, "status"), "Approved")

	def test_quotation_gets_the_partner_and_the_deal_discount(self):
		cust = make_customer()
		doc = register_as(B, cust.name)
		approve(doc.name)
		qtn = frappe.get_doc(
			{
				"doctype": "Quotation",
				"quotation_to": "Customer",
				"party_name": cust.name,
				"company": company(),
				"transaction_date": nowdate(),
				"items": [{"item_code": "PRM-SRV-100", "qty": 1, "price_list_rate": 1000, "rate": 1000}],
			}
		)
		qtn.insert()
		self.assertEqual(qtn.prm_deal_registration, doc.name)
		self.assertEqual(
			qtn.referral_sales_partner, frappe.db.get_value("Channel Partner", BETA, "sales_partner")
		)
		self.assertEqual(qtn.items[0].discount_percentage, 5)
		qtn.submit()
		doc.reload()
		self.assertEqual([d.document_type for d in doc.documents], ["Quotation"])
		self.assertEqual(doc.status, "Approved")

	def test_partner_marks_lost_with_reason(self):
		doc = register_as(B, make_customer().name)
		approve(doc.name)
		frappe.set_user(B)
		with self.assertRaises(frappe.MandatoryError):
			mark_lost(doc.name, "")
		mark_lost(doc.name, "Customer chose a competitor")
		doc.reload()
		self.assertEqual((doc.status, doc.lost_reason), ("Lost", "Customer chose a competitor"))

	def test_protection_extension_and_expiry(self):
		doc = register_as(B, make_customer().name)
		approve(doc.name)
		doc.reload()
		frappe.set_user(B)
		request_extension(doc.name, "Board meeting moved")
		doc.reload()
		self.assertEqual(getdate(doc.protection_until), getdate(add_days(nowdate(), 120)))
		with self.assertRaises(frappe.ValidationError):
			request_extension(doc.name, "again")
		frappe.set_user("Administrator")
		doc.db_set("protection_until", add_days(nowdate(), -1))
		self.assertGreaterEqual(expire_deals(), 1)
		doc.reload()
		self.assertEqual(doc.status, "Expired")
		self.assertTrue(frappe.db.get_value("Pricing Rule", doc.pricing_rule, "disable"))
		self.assertEqual(expire_deals(), 0)

	# --- identity and prospects ----------------------------------------------------------------

	def test_prospect_matching_an_existing_customer_is_linked(self):
		cust = make_customer(website="https://www.deal-match-example.com")
		doc = register_as(
			B, None, submit=False, prospect_name="Someone Else Ltd", prospect_domain="deal-match-example.com"
		)
		self.assertEqual(doc.customer, cust.name)

	def test_new_prospect_approval_creates_prospect_and_opportunity(self):
		name = f"Newco {frappe.generate_hash(length=6)} GmbH"
		doc = register_as(B, None, prospect_name=name, deal_territory="PRM Germany")
		approve(doc.name)
		doc.reload()
		self.assertEqual(frappe.db.get_value("Prospect", doc.prospect, "company_name"), name)
		self.assertEqual(
			frappe.db.get_value("Opportunity", doc.opportunity, ["opportunity_from", "party_name"]),
			("Prospect", doc.prospect),
		)
		# A second partner registering the same new prospect by another spelling is refused.
		with self.assertRaises(frappe.ValidationError):
			register_as(G, None, prospect_name=name.replace("GmbH", "G.m.b.H."), deal_territory="PRM Germany")

	# --- isolation -------------------------------------------------------------------------------

	def test_partners_see_only_their_own_deals(self):
		mine = register_as(B, make_customer().name)
		theirs = register_as(G, make_customer().name)
		frappe.set_user(B)
		names = frappe.get_list("Deal Registration", pluck="name", limit_page_length=0)
		self.assertIn(mine.name, names)
		self.assertNotIn(theirs.name, names)
		self.assertFalse(frappe.has_permission("Deal Registration", "read", theirs.name))
		with self.assertRaises(frappe.DoesNotExistError):
			mark_lost(theirs.name, "x")

	def test_values_through_rest_helper(self):
		values = deal_values(make_customer().name)
		self.assertEqual(values["doctype"], "Deal Registration")


class TestDealNotifications(PRMTestCase):
	"""Standard Notification records e-mail the partner on every transition and before expiry."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()
		# Mail is only queued (no scheduler sends it), but frappe wants a default outgoing account.
		account = frappe.get_all("Email Account", {"enable_outgoing": 1}, pluck="name", limit=1)
		if account:
			frappe.db.set_value("Email Account", account[0], "default_outgoing", 1)
		else:
			frappe.get_doc(
				{
					"doctype": "Email Account",
					"email_account_name": "PRM Test Outgoing",
					"email_id": "prm-outgoing@example.com",
					"enable_outgoing": 1,
					"default_outgoing": 1,
					"smtp_server": "127.0.0.1",
					"awaiting_password": 1,
				}
			).insert(ignore_permissions=True)
		frappe.local.outgoing_email_account = {}

	def _mails(self, name):
		return frappe.get_all(
			"Email Queue",
			filters={"reference_doctype": "Deal Registration", "reference_name": name},
			fields=["message"],
		)

	def _subjects(self, name):
		return frappe.get_all(
			"Communication",
			filters={"reference_doctype": "Deal Registration", "reference_name": name},
			pluck="subject",
		)

	def _run_notification_jobs(self, name):
		"""Commit (the jobs are queued after the commit), then run the queued notification jobs of
		registration ``name`` as a worker would, in queue order, and remove them from the queue.
		Returns the statuses the jobs were queued for."""
		from frappe.utils.background_jobs import get_queue

		frappe.db.commit()
		ran = []
		for job in get_queue(deal_service.NOTIFICATION_QUEUE).get_jobs():
			args = job.kwargs or {}
			kwargs = args.get("kwargs") or {}
			if args.get("site") == frappe.local.site and kwargs.get("registration") == name:
				self.assertEqual(args["method"], "prm_extension.services.deals.send_status_notifications")
				frappe.get_attr(args["method"])(**kwargs)
				job.delete()
				ran.append(kwargs["status"])
		return ran

	def _recipients(self, name, subject_part):
		rows = frappe.get_all(
			"Communication",
			{"reference_doctype": "Deal Registration", "reference_name": name},
			["subject", "recipients"],
		)
		return {
			r.strip()
			for row in rows
			if subject_part in (row.subject or "")
			for r in (row.recipients or "").split(",")
			if r.strip()
		}

	def test_partner_is_mailed_on_transitions(self):
		doc = register_as(B, make_customer().name)
		# nothing is rendered inside the request: one job per transition, queued after the commit
		self.assertEqual(self._subjects(doc.name), [])
		self.assertEqual(self._run_notification_jobs(doc.name), ["Submitted"])
		subjects = self._subjects(doc.name)
		self.assertIn(f"Deal registration {doc.name}: Submitted", subjects)
		self.assertIn(f"Deal registration {doc.name} from {doc.channel_partner} awaits approval", subjects)
		self.assertIn(B, self._recipients(doc.name, ": Submitted"))
		managers = set(
			frappe.get_all("Has Role", {"role": "PRM Manager", "parenttype": "User"}, pluck="parent")
		)
		self.assertTrue(managers & set(self._recipients(doc.name, "awaits approval")))
		approve(doc.name)
		self.assertEqual(self._run_notification_jobs(doc.name), ["Approved"])
		self.assertIn(f"Deal registration {doc.name}: Approved", self._subjects(doc.name))
		self.assertIn(B, self._recipients(doc.name, ": Approved"))

	def test_each_transition_is_mailed_with_its_own_status(self):
		# the worker runs after the deal moved on: each job still renders its own transition
		doc = register_as(B, make_customer().name)
		approve(doc.name)
		frappe.get_doc("Deal Registration", doc.name).close("Won", amount=100)
		self.assertEqual(self._run_notification_jobs(doc.name), ["Submitted", "Approved", "Won"])
		subjects = self._subjects(doc.name)
		for status in ("Submitted", "Approved", "Won"):
			self.assertIn(f"Deal registration {doc.name}: {status}", subjects)

	def test_no_job_without_a_status_change(self):
		doc = register_as(B, make_customer().name, submit=False)
		frappe.set_user(B)
		try:
			draft = frappe.get_doc("Deal Registration", doc.name)
			draft.notes = "more detail"
			draft.save()
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(self._run_notification_jobs(doc.name), [])
		self.assertEqual(self._subjects(doc.name), [])

	def test_reminder_before_protection_ends(self):
		from frappe.email.doctype.notification.notification import trigger_daily_alerts

		doc = register_as(B, make_customer().name)
		approve(doc.name)
		frappe.db.set_value("Deal Registration", doc.name, "protection_until", add_days(nowdate(), 14))
		trigger_daily_alerts()
		self.assertTrue(any("ends on" in m.message for m in self._mails(doc.name)))


class TestRegisterInOnePass(PRMTestCase):
	"""``register()`` inserts the registration with the workflow's Submit applied: one write, the
	checks once, the same transition rules (roles, condition, self-approval) as ``apply_workflow``."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_channel()

	def tearDown(self):
		frappe.set_user("Administrator")

	def register(self, user, customer, **values):
		from prm_extension.api.deals import register

		data = deal_values(customer, **values)
		data.pop("doctype")
		frappe.set_user(user)
		try:
			return register(data)
		finally:
			frappe.set_user("Administrator")

	@contextmanager
	def statements(self):
		seen = []
		original = frappe.db.__class__.sql

		def traced(db, *args, **kwargs):
			result = original(db, *args, **kwargs)
			seen.append(str(db.last_query))
			return result

		frappe.db.__class__.sql = traced
		try:
			yield seen
		finally:
			frappe.db.__class__.sql = original

	def test_one_write_checks_once_workflow_trace_kept(self):
		cust = make_customer()
		runs = []
		original_run_checks = deal_service.run_checks

		def counted(doc, lock=False):
			runs.append(lock)
			return original_run_checks(doc, lock)

		deal_service.run_checks = counted
		try:
			with self.statements() as seen:
				answer = self.register(B, cust.name)
		finally:
			deal_service.run_checks = original_run_checks
		self.assertEqual(runs, [False])  # the checks ran once
		self.assertEqual((answer["status"], answer["verdict"]), ("Submitted", "clear"))
		writes = [q for q in seen if "`tabDeal Registration`" in q and q.lstrip()[:6] in ("INSERT", "UPDATE")]
		self.assertEqual(len(writes), 1, writes)
		self.assertTrue(writes[0].lstrip().startswith("INSERT"))
		doc = frappe.get_doc("Deal Registration", answer["name"])
		self.assertTrue(doc.submitted_on)
		self.assertEqual(len(doc.checks), 5)
		self.assertEqual(
			frappe.get_all(
				"Comment",
				{
					"reference_doctype": "Deal Registration",
					"reference_name": doc.name,
					"comment_type": "Workflow",
				},
				pluck="content",
			),
			["Submitted"],
		)
		# the Submitted e-mails are queued once, after the commit
		from frappe.utils.background_jobs import get_queue

		frappe.db.commit()
		jobs = [
			j
			for j in get_queue(deal_service.NOTIFICATION_QUEUE).get_jobs()
			if (j.kwargs or {}).get("site") == frappe.local.site
			and (j.kwargs.get("kwargs") or {}).get("registration") == doc.name
		]
		self.assertEqual([j.kwargs["kwargs"]["status"] for j in jobs], ["Submitted"])
		for j in jobs:
			j.delete()

	def test_a_refusal_writes_nothing(self):
		cust = make_customer(prm_is_house_account=1)
		with self.assertRaises(frappe.ValidationError) as ctx:
			self.register(B, cust.name)
		self.assertIn("house account", str(ctx.exception))
		self.assertFalse(frappe.db.exists("Deal Registration", {"customer": cust.name}))

	def test_the_workflow_records_decide_the_transition(self):
		workflow = frappe.get_doc("Workflow", "Deal Registration Approval")
		submits = [t for t in workflow.transitions if t.state == "Draft" and t.action == "Submit"]
		self.assertTrue(submits)
		saved = [(t.name, t.condition, t.allow_self_approval) for t in submits]
		try:
			# a condition the channel manager added: only deals in negotiation may be submitted
			for t in submits:
				t.condition = 'doc.stage == "Negotiation"'
			workflow.save()
			cust = make_customer()
			with self.assertRaises(WorkflowTransitionError):
				self.register(B, cust.name, stage="Proposal")
			self.assertFalse(frappe.db.exists("Deal Registration", {"customer": cust.name}))
			self.assertEqual(self.register(B, cust.name, stage="Negotiation")["status"], "Submitted")
			# no self-approval: the creator may not submit its own registration
			workflow.reload()
			for t in workflow.transitions:
				if t.state == "Draft" and t.action == "Submit":
					t.condition, t.allow_self_approval = None, 0
			workflow.save()
			other = make_customer()
			with self.assertRaises(frappe.ValidationError) as ctx:
				self.register(B, other.name)
			self.assertIn("Self approval", str(ctx.exception))
			self.assertFalse(frappe.db.exists("Deal Registration", {"customer": other.name}))
		finally:
			workflow.reload()
			for t in workflow.transitions:
				for name, condition, self_approval in saved:
					if t.name == name:
						t.condition, t.allow_self_approval = condition, self_approval
			workflow.save()
