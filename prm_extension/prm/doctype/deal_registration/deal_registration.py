"""Deal Registration: a partner's declared opportunity, checked, approved and protected.

States and moves are defined once, in ``core.deals`` (``STATES``, ``MOVES``); the "Deal
Registration Approval" workflow fixture carries the same moves (the fast suite compares them):
Draft → Submitted → Approved / Rejected / Returned → Won / Lost / Expired.
Approval submits the document (docstatus 1), so nothing but the outcome fields can change after
it. The conflict checks run on every save before approval and are stored on the document.
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import add_days, flt, getdate, now_datetime, nowdate, time_diff_in_hours

from prm_extension.core import deals as rules
from prm_extension.core.identity import AccountKeys, account_keys
from prm_extension.security.fields import PartnerWritable
from prm_extension.services import deals as service
from prm_extension.services import live, summaries
from prm_extension.services.partners import is_manager, only_drafts_deleted, partner_of
from prm_extension.services.reasons import explain_check, explain_input_error

PARTNER_LOCKED_FIELDS = (
	"decision_reason",
	"decided_on",
	"decided_by",
	"submitted_on",
	"verdict",
	"protection_until",
)


class DealRegistration(PartnerWritable, Document):
	# What a partner may set (prm_extension/security/fields.py); every other field is server-owned.
	PARTNER_FIELDS = (
		"channel_partner",
		"stage",
		"customer",
		"deal_territory",
		"prospect_name",
		"prospect_domain",
		"prospect_tax_id",
		"contact_name",
		"contact_email",
		"contact_phone",
		"company",
		"currency",
		"expected_close_date",
		"items",
		"competitors",
		"notes",
	)
	PARTNER_ROWS = {"items": ("item_code", "item_group", "qty", "rate")}

	# --- before approval ------------------------------------------------------------------------

	def before_insert(self):
		# Frappe builds a Version document on every insert and writes it only when Data Import set
		# a reference (Version.for_insert): without one, skip building it (a DocType query and a new
		# document's defaults). Later changes get their Versions as usual (on_change resets this).
		if not self.flags.updater_reference and not self.get("amended_from"):  # an amendment's is kept
			self.flags.ignore_version = True
			self.flags.prm_no_creation_version = True

	def before_validate(self):
		if self.is_new() and not self.channel_partner and not is_manager():
			self.channel_partner = partner_of()
		if not self.company:
			self.company = frappe.defaults.get_user_default("Company") or frappe.db.get_single_value(
				"Global Defaults", "default_company"
			)
		company_currency = (
			frappe.get_cached_value("Company", self.company, "default_currency") if self.company else None
		)
		if not self.currency:
			self.currency = company_currency
		if self.customer and not self.deal_territory:
			self.deal_territory = frappe.db.get_value("Customer", self.customer, "territory")
		for row in self.items:
			row.amount = flt(row.qty) * flt(row.rate)
		self.expected_value = sum(flt(row.amount) for row in self.items)
		self.base_expected_value = flt(self.expected_value) * (self.exchange_rate(company_currency) or 0)
		keys = account_keys(self.prospect_name, self.prospect_domain, self.prospect_tax_id)
		if self.customer:
			cust = (
				frappe.db.get_value(
					"Customer", self.customer, ["prm_name_key", "prm_domain", "prm_tax_key"], as_dict=True
				)
				or {}
			)
			keys = AccountKeys(
				cust.get("prm_name_key") or "", cust.get("prm_domain") or "", cust.get("prm_tax_key") or ""
			)
		self.name_key, self.domain_key, self.tax_key = (
			keys.name_key or None,
			keys.domain or None,
			keys.tax_key or None,
		)
		self.title = self.customer_name or self.prospect_name or self.name

	def validate(self):
		if self.is_new() and self.flags.prm_workflow_action:
			# register(): the workflow's Submit applied to the new registration, one write; its
			# condition sees the draft as a saved one would be (the customer recognised)
			self.recognise_customer()
			self.status = service.first_transition(self, self.flags.prm_workflow_action)
			self.flags.prm_workflow_checked = True
		actor = self.actor()
		if actor == "partner" and self.channel_partner != partner_of():
			frappe.throw(
				_("You can only register deals for your own partner company."), frappe.PermissionError
			)
		previous = self.get_doc_before_save()
		old = previous.status if previous else rules.DRAFT
		if actor == "partner" and previous:
			for field in PARTNER_LOCKED_FIELDS:
				if str(previous.get(field) or "") != str(self.get(field) or ""):
					frappe.throw(
						_("{0} is set by the channel manager.").format(_(self.meta.get_label(field))),
						frappe.PermissionError,
					)
		if self.docstatus != 0:
			return
		if old == rules.REJECTED:
			frappe.throw(
				_(
					"A rejected registration cannot be changed; register the deal again if things have changed."
				)
			)
		if old == rules.SUBMITTED and self.status == rules.SUBMITTED and actor == "partner":
			frappe.throw(_("This registration is waiting for a decision and cannot be edited."))
		if self.status not in (rules.DRAFT, rules.SUBMITTED, rules.RETURNED, rules.REJECTED):
			frappe.throw(
				_("A registration reaches {0} only through the approval workflow.").format(_(self.status))
			)
		self.check_move(old, actor)
		self.validate_input()
		self.recognise_customer()
		self.store_checks(service.run_checks(self))
		if self.status == rules.SUBMITTED and old != rules.SUBMITTED:
			if self.verdict == "refuse":
				frappe.throw(self.refusal_text(), title=_("Registration refused"))
			self.submitted_on = now_datetime()
		if self.status in (rules.REJECTED, rules.RETURNED) and old != self.status:
			if not (self.decision_reason or "").strip():
				frappe.throw(_("Give the partner a reason for this decision."), frappe.MandatoryError)
			self.record_decision()

	def validate_workflow(self):
		if self.is_new() and self.flags.prm_workflow_checked:
			return  # Frappe's check refuses a first save in any state but the first: checked above
		super().validate_workflow()

	def after_insert(self):
		if self.flags.prm_workflow_checked:
			self.add_comment("Workflow", _(self.status))  # the timeline entry apply_workflow writes

	def on_change(self):
		# every path that changes the status (form, workflow, REST, close(), the scheduler) ends here
		# (db_set runs on_change again with the same before-save state: one job per transition)
		if self.flags.prm_no_creation_version:
			self.flags.ignore_version = self.flags.prm_no_creation_version = False
		summaries.follow_deal(self)
		live.on_change(self)  # open dashboards refresh; the partner's home figures are recounted
		if self.flags.in_insert:
			if self.status == rules.DRAFT:
				return
		elif not self.has_value_changed("status"):
			return
		if self.flags.prm_notified_status != self.status:
			self.flags.prm_notified_status = self.status
			service.queue_status_notifications(self.name, self.status)

	def check_move(self, old: str, actor: str, new: str | None = None) -> None:
		"""Every status change passes the state machine of ``core.deals`` (the workflow fixture is
		written from the same table)."""
		new = new or self.status
		if not rules.may_move(old, new, actor):
			frappe.throw(_("A registration cannot go from {0} to {1}.").format(_(old), _(new)))

	def actor(self) -> str:
		return self.flags.prm_actor or ("manager" if is_manager() else "partner")

	def exchange_rate(self, company_currency: str | None) -> float | None:
		"""Rate from the deal's currency to the company's, from ERPNext's Currency Exchange records
		(no network look-up). None: no rate is recorded, the currency is not accepted."""
		if not self.currency or not company_currency or self.currency == company_currency:
			return 1.0
		rate = frappe.db.get_value(
			"Currency Exchange",
			{"from_currency": self.currency, "to_currency": company_currency, "date": ("<=", nowdate())},
			"exchange_rate",
			order_by="date desc",
		)
		return flt(rate) or None

	def validate_input(self):
		company_currency = (
			frappe.get_cached_value("Company", self.company, "default_currency") if self.company else None
		)
		allowed = {company_currency} if company_currency else set()
		if self.currency and self.exchange_rate(company_currency):
			allowed.add(self.currency)
		errors = rules.check_input(
			[
				rules.Line(
					item_group=None,
					qty=Decimal(str(flt(row.qty))),
					rate=Decimal(str(flt(row.rate))),
					item_code=row.item_code or "",
				)
				for row in self.items
			],
			getdate(self.expected_close_date) if self.expected_close_date else None,
			getdate(nowdate()),
			self.currency,
			allowed,
			bool(self.customer or (self.prospect_name or "").strip()),
		)
		for row in self.items:
			if not row.item_group:
				frappe.throw(
					_("Row {0}: choose an item or a product line.").format(row.idx), frappe.MandatoryError
				)
		if errors:
			frappe.throw(
				"<br>".join(explain_input_error(e) for e in errors),
				title=_("Please correct the registration"),
			)

	def recognise_customer(self):
		if self.customer:
			return
		customer = service.resolve_customer(
			account_keys(self.prospect_name, self.prospect_domain, self.prospect_tax_id)
		)
		if customer:
			self.customer = customer
			self.customer_name = frappe.db.get_value("Customer", customer, "customer_name")
			self.deal_territory = self.deal_territory or frappe.db.get_value(
				"Customer", customer, "territory"
			)
			self.title = self.customer_name
		elif not self.deal_territory:
			frappe.throw(_("Choose the territory of the new prospect."), frappe.MandatoryError)

	def store_checks(self, checks):
		self.set("checks", [])
		for check in checks:
			self.append(
				"checks",
				{
					"check": check.check,
					"result": "Passed" if check.passed else ("Failed" if check.blocking else "Warning"),
					"reason": explain_check(check),
					"conflicts": ", ".join(check.conflicts) or None,
				},
			)
		self.verdict = rules.verdict(checks)
		self._checks = checks

	def refusal_text(self) -> str:
		failed = [row.reason for row in self.checks if row.result == "Failed"]
		return _("The registration cannot be submitted:") + "<br>" + "<br>".join(failed)

	def record_decision(self):
		self.decided_on = now_datetime()
		self.decided_by = frappe.session.user
		if self.submitted_on:
			self.decision_hours = round(time_diff_in_hours(self.decided_on, self.submitted_on), 2)

	# --- approval (submit) ------------------------------------------------------------------------

	def before_submit(self):
		if self.status != rules.APPROVED:
			frappe.throw(_("A registration is submitted only by approving it."))
		previous = self.get_doc_before_save()
		self.check_move(previous.status if previous else rules.DRAFT, self.actor())
		self.store_checks(service.run_checks(self, lock=True))
		if self.verdict != "clear":
			if not (self.override_reason or "").strip():
				failed = [row.reason for row in self.checks if row.result != "Passed"]
				frappe.throw(
					_(
						"This registration cannot be approved while a check fails (give an override reason to approve anyway):"
					)
					+ "<br>"
					+ "<br>".join(failed),
					title=_("Checks failed"),
				)
			self.add_comment(
				"Info", _("Approved despite failed checks: {0}").format(self.override_reason.strip())
			)
		self.record_decision()
		self.protection_until = rules.protection_until(getdate(nowdate()), self.protection_days())

	def on_submit(self):
		self.make_opportunity()
		self.make_pricing_rule()

	def protection_days(self) -> int:
		tier = frappe.db.get_value("Channel Partner", self.channel_partner, "tier")
		days = frappe.db.get_value("Partner Tier", tier, "deal_protection_days") if tier else 0
		return int(days or frappe.db.get_single_value("PRM Settings", "default_deal_protection_days") or 90)

	def make_opportunity(self):
		sales_partner = frappe.db.get_value("Channel Partner", self.channel_partner, "sales_partner")
		party_type, party = "Customer", self.customer
		if not party:
			prospect = frappe.get_doc(
				{
					"doctype": "Prospect",
					"company_name": self.prospect_name,
					"website": self.prospect_domain,
					"territory": self.deal_territory,
					"company": self.company,
				}
			).insert(ignore_permissions=True)  # created by the approval, on the vendor's side
			party_type, party = "Prospect", prospect.name
			self.db_set("prospect", prospect.name)
		opportunity = frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": party_type,
				"party_name": party,
				"company": self.company,
				"currency": self.currency,
				"transaction_date": nowdate(),
				"expected_closing": self.expected_close_date,
				"territory": self.deal_territory,
				"contact_email": self.contact_email,
				"prm_deal_registration": self.name,
				"prm_sales_partner": sales_partner,
				"items": [
					{
						"item_code": row.item_code,
						"item_group": row.item_group,
						"qty": row.qty,
						"rate": row.rate,
						"item_name": row.item_name or row.item_group,
					}
					for row in self.items
				],
			}
		)
		opportunity.insert(ignore_permissions=True)
		self.db_set("opportunity", opportunity.name)

	def make_pricing_rule(self):
		tier = frappe.db.get_value("Channel Partner", self.channel_partner, "tier")
		discount = flt(frappe.db.get_value("Partner Tier", tier, "deal_discount_percentage")) if tier else 0
		if not discount or not self.customer:
			return
		rule = frappe.get_doc(
			{
				"doctype": "Pricing Rule",
				"title": _("Registered deal {0}").format(self.name),
				"apply_on": "Item Group",
				"item_groups": [{"item_group": g} for g in sorted({row.item_group for row in self.items})],
				"selling": 1,
				"applicable_for": "Customer",
				"customer": self.customer,
				"company": self.company,
				"currency": self.currency,
				"rate_or_discount": "Discount Percentage",
				"discount_percentage": discount,
				"valid_from": nowdate(),
				"valid_upto": self.protection_until,
				"priority": 10,
				"has_priority": 1,
			}
		).insert(ignore_permissions=True)
		self.db_set("pricing_rule", rule.name)

	# --- after approval -----------------------------------------------------------------------------

	def before_update_after_submit(self):
		previous = self.get_doc_before_save()
		old = previous.status if previous else self.status
		if old == self.status:
			return
		self.check_move(old, self.actor())
		if self.status == rules.LOST:
			if not (self.decision_reason or "").strip():
				frappe.throw(_("Say why the deal was lost."), frappe.MandatoryError)
			self.lost_reason = self.decision_reason
		if self.status == rules.WON and not self.won_on:
			self.won_on = nowdate()
			self.won_amount = (
				self.won_amount or sum(flt(d.amount) for d in self.documents) or self.expected_value
			)

	def on_update_after_submit(self):
		if self.has_value_changed("status") and self.status != rules.APPROVED:
			self.end_benefits()

	def on_cancel(self):
		self.end_benefits()

	def on_trash(self):
		only_drafts_deleted(self)
		summaries.forget_deal(self)  # a returned registration was counted when it was submitted

	def end_benefits(self):
		if self.pricing_rule and frappe.db.exists("Pricing Rule", self.pricing_rule):
			frappe.db.set_value("Pricing Rule", self.pricing_rule, "disable", 1)

	def close(
		self, status: str, reason: str | None = None, amount: float | None = None, actor: str = "system"
	):
		"""Won / Lost / Expired outside the workflow (a submitted invoice, the partner, the scheduler)."""
		if self.docstatus != 1 or self.status != rules.APPROVED:
			frappe.throw(
				_("Only an approved registration can be closed; this one is {0}.").format(_(self.status))
			)
		self.check_move(self.status, actor, status)
		values = {"status": status}
		if status == rules.LOST:
			values["lost_reason"] = reason
			values["decision_reason"] = reason
		if status == rules.WON:
			values["won_on"] = nowdate()
			values["won_amount"] = amount if amount is not None else self.expected_value
		self.db_set(values, notify=True)
		self.add_comment("Info", _("{0}: {1}").format(_(status), reason) if reason else _(status))
		self.end_benefits()
		self.notify_update()

	def extend_protection(self, reason: str):
		from prm_extension.core.reservations import ACTIVE, check_extension

		tier = frappe.db.get_value("Channel Partner", self.channel_partner, "tier")
		limits = (
			frappe.db.get_value(
				"Partner Tier", tier, ["max_deal_extensions", "deal_extension_days"], as_dict=True
			)
			if tier
			else None
		)
		settings = frappe.get_cached_doc("PRM Settings")
		days = (limits and limits.deal_extension_days) or settings.default_deal_extension_days or 30
		allowed = limits.max_deal_extensions if limits else (settings.default_max_deal_extensions or 0)
		decision = check_extension(
			ACTIVE if self.status == rules.APPROVED else self.status,
			getdate(self.protection_until) if self.protection_until else None,
			getdate(nowdate()),
			self.extensions_used or 0,
			allowed or 0,
			days,
		)
		if not decision:
			message = {
				"extension_not_active": _(
					"Only an approved registration whose protection has not ended can be extended."
				),
				"extension_limit_reached": _(
					"This registration has used all {0} protection extensions its tier allows."
				).format(allowed)
				if allowed
				else _("Your tier does not offer protection extensions."),
			}.get(decision.code, _("Extensions are not offered for this registration."))
			frappe.throw(message, title=_("Extension refused"))
		until = decision.params["until"]
		self.append(
			"extensions",
			{
				"requested_on": now_datetime(),
				"requested_by": frappe.session.user,
				"previous_expiry": self.protection_until,
				"new_expiry": until,
				"reason": reason,
			},
		)
		self.protection_until = until
		self.extensions_used = (self.extensions_used or 0) + 1
		self.flags.ignore_permissions = True  # the partner's right was checked by the caller
		self.save()
		if self.pricing_rule:
			frappe.db.set_value("Pricing Rule", self.pricing_rule, "valid_upto", until)


def on_doctype_update():
	# what a partner did in a period (Partner Activity report)
	frappe.db.add_index("Deal Registration", ["channel_partner", "creation"])
	frappe.db.add_index("Deal Registration", ["customer", "status"])
	frappe.db.add_index("Deal Registration", ["name_key", "status"])
	frappe.db.add_index("Deal Registration", ["domain_key", "status"])
	frappe.db.add_index("Deal Registration", ["status", "protection_until"])
	frappe.db.add_index("Deal Registration", ["channel_partner", "status"])
	# channel analytics: registrations by submission and win date, a partner's by submission
	frappe.db.add_index("Deal Registration", ["submitted_on"])
	frappe.db.add_index("Deal Registration", ["status", "won_on"])
	frappe.db.add_index("Deal Registration", ["channel_partner", "submitted_on"])
	frappe.db.add_index("Deal Registration", ["channel_partner", "status", "won_on"])
	frappe.db.add_index(
		"Deal Registration", ["channel_partner", "modified"]
	)  # a partner's list, newest first
	# workspace cards read these indexes only: approved pipeline value, decision time (90 days),
	# win rate (registrations by submission and outcome)
	frappe.db.add_index("Deal Registration", ["status", "base_expected_value"])
	frappe.db.add_index("Deal Registration", ["decided_on", "decision_hours"])
	frappe.db.add_index("Deal Registration", ["submitted_on", "status"])


def expiry_horizon(days: int) -> str:
	return add_days(nowdate(), days)
