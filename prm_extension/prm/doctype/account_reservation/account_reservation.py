"""Account Reservation: a partner's time-limited claim on a customer account.

Every rule runs here, in the document lifecycle, so desk, portal, REST and Data Import obey
the same decisions. The rules themselves live in ``prm_extension.core.reservations``.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, now_datetime, nowdate

from prm_extension.core.reservations import (
	ACTIVE,
	LIVE_STATUSES,
	OVERRIDE_TRANSITIONS,
	REJECTED,
	RELEASED,
	REQUESTED,
	STATUSES,
	check_extension,
	expiry_for,
	transition_allowed,
)
from prm_extension.security.fields import PartnerWritable
from prm_extension.services import live
from prm_extension.services import reservations as service
from prm_extension.services.partners import forget_live_count, is_manager, partner_of, tier_settings
from prm_extension.services.reasons import explain


class ReservationRefused(frappe.ValidationError):
	"""The rules refused a reservation; the message is safe to show the requesting partner."""


class AccountReservation(PartnerWritable, Document):
	# What a partner may set (prm_extension/security/fields.py); every other field is server-owned.
	PARTNER_FIELDS = ("channel_partner", "customer", "scope_territory", "product_line", "notes")

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from prm_extension.prm.doctype.account_reservation_extension.account_reservation_extension import (
			AccountReservationExtension,
		)

		channel_partner: DF.Link
		customer: DF.Link
		customer_name: DF.Data | None
		decision_code: DF.Data | None
		decision_detail: DF.SmallText | None
		decision_reason: DF.SmallText | None
		expiry_date: DF.Date | None
		extensions: DF.Table[AccountReservationExtension]
		extensions_used: DF.Int
		live_key: DF.Data | None
		notes: DF.SmallText | None
		override_reason: DF.SmallText | None
		product_line: DF.Link | None
		released_on: DF.Date | None
		requested_by: DF.Link | None
		root_customer: DF.Link | None
		scope_territory: DF.Link | None
		start_date: DF.Date | None
		status: DF.Literal[Requested, Active, Expired, Released, Rejected]
	# end: auto-generated types

	# --- lifecycle ---------------------------------------------------------------------------

	def before_insert(self):
		# Frappe builds a Version document on every insert and writes it only when Data Import set
		# a reference (Version.for_insert): without one, skip building it (a DocType query and a new
		# document's defaults). Later changes get their Versions as usual (on_change resets this).
		if not self.flags.updater_reference and not self.get("amended_from"):  # an amendment's is kept
			self.flags.ignore_version = True
			self.flags.prm_no_creation_version = True

	def before_validate(self):
		if not self.channel_partner and not is_manager():
			self.channel_partner = partner_of()
		if self.is_new():
			self.requested_by = (
				self.requested_by if is_manager() and self.requested_by else frappe.session.user
			)
			if not self.status:
				self.status = REQUESTED
		if self.customer and not self.scope_territory:
			row = service.customer_row(self.customer)  # the rules read it again: kept for them
			self.flags.prm_customer_row = row
			self.scope_territory = row.territory

	def validate(self):
		self.validate_inputs()
		previous = self.get_doc_before_save()
		old_status = previous.status if previous else None
		actor = self.actor()
		if not transition_allowed(old_status, self.status, actor):
			frappe.throw(
				_("A reservation cannot go from {0} to {1}.").format(_(old_status or "New"), _(self.status)),
				title=_("Not allowed"),
			)
		if actor == "partner" and previous:
			self.refuse_partner_edits(previous)
		if (old_status, self.status) in OVERRIDE_TRANSITIONS and not (self.override_reason or "").strip():
			frappe.throw(
				_("Give an override reason to reinstate a reservation."), title=_("Override reason required")
			)

		becoming_live = self.status in LIVE_STATUSES and (old_status not in LIVE_STATUSES or self.is_new())
		rescoped = bool(previous) and self.status in LIVE_STATUSES and self.scope_changed(previous)
		if rescoped and actor == "partner":
			frappe.throw(
				_("Release this reservation and reserve the other account or scope instead."),
				frappe.PermissionError,
				title=_("Not allowed"),
			)
		approving = old_status == REQUESTED and self.status == ACTIVE
		# a new scope, or a manager's approval, is decided on today's facts: every rule again
		if becoming_live or rescoped or approving:
			self.apply_rules(actor)
		if self.is_new() and self.status == REQUESTED and self.auto_approve():
			self.status = ACTIVE
		if self.status == ACTIVE and old_status != ACTIVE:
			self.start_active_period()
		if self.status == RELEASED and old_status != RELEASED:
			self.released_on = nowdate()
		self.live_key = self.make_live_key() if self.status in LIVE_STATUSES else None

	def on_update(self):
		if self.flags.prm_override_note:
			self.add_comment("Info", self.flags.prm_override_note)
			self.flags.prm_override_note = None
		if self.has_value_changed("status"):
			frappe.publish_realtime(
				"prm_reservation_update",
				{"name": self.name, "status": self.status, "channel_partner": self.channel_partner},
				doctype=self.doctype,
				docname=self.name,
				after_commit=True,
			)

	def on_change(self):
		if self.flags.prm_no_creation_version:
			self.flags.ignore_version = self.flags.prm_no_creation_version = False
		live.on_change(self)  # open dashboards refresh; the partner's home figures are recounted
		previous = self.get_doc_before_save()
		for partner in {self.channel_partner, previous.channel_partner if previous else None}:
			forget_live_count(partner)

	def on_trash(self):
		forget_live_count(self.channel_partner)
		if self.status in LIVE_STATUSES and not is_manager():
			frappe.throw(_("Release the reservation instead of deleting it."))

	# --- rules -------------------------------------------------------------------------------

	def actor(self) -> str:
		if self.flags.prm_actor:
			return self.flags.prm_actor
		return "manager" if is_manager() else "partner"

	def validate_inputs(self):
		if self.status not in STATUSES:
			frappe.throw(_("Unknown reservation status {0}.").format(frappe.bold(self.status)))
		if not self.channel_partner:
			frappe.throw(_("Choose the channel partner that reserves the account."), frappe.MandatoryError)
		if not is_manager() and self.channel_partner != partner_of():
			frappe.throw(
				_("You can only reserve accounts for your own partner company."), frappe.PermissionError
			)
		for fieldname in ("notes", "override_reason"):
			if len(self.get(fieldname) or "") > 2000:
				frappe.throw(
					_("{0} is longer than 2000 characters.").format(_(self.meta.get_label(fieldname)))
				)

	def scope_changed(self, previous) -> bool:
		return any(
			(previous.get(f) or None) != (self.get(f) or None)
			for f in ("customer", "scope_territory", "product_line", "channel_partner")
		)

	def refuse_partner_edits(self, previous):
		for fieldname in (
			"expiry_date",
			"start_date",
			"extensions_used",
			"decision_code",
			"decision_reason",
			"requested_by",
		):
			if str(previous.get(fieldname) or "") != str(self.get(fieldname) or ""):
				frappe.throw(
					_("{0} is set by the reservation rules and cannot be edited.").format(
						_(self.meta.get_label(fieldname))
					),
					frappe.PermissionError,
				)

	def apply_rules(self, actor: str):
		decision, row = service.evaluate(
			self.channel_partner,
			self.customer,
			self.scope_territory,
			self.product_line,
			exclude=None if self.is_new() else self.name,
			lock=True,
			row=row if (row := self.flags.prm_customer_row) and row.name == self.customer else None,
		)
		self.root_customer = row.root
		self.flags.prm_partner_tier = row.partner_tier
		self.decision_detail = (
			_("Conflicts with: {0}").format(", ".join(decision.conflicts)) if decision.conflicts else None
		)
		if decision.allowed:
			self.decision_code = "granted"
			self.decision_reason = explain(frappe._dict(code="granted", params={}))
			return
		if actor in ("manager", "system") and (self.override_reason or "").strip():
			self.decision_code = "manager_override"
			self.decision_reason = explain(frappe._dict(code="manager_override", params={}))
			self.flags.prm_override_note = _("Rules overridden ({0}): {1}").format(
				decision.code, self.override_reason.strip()
			)
			supersede(decision.conflicts, self.name)
			return
		raise_refusal(decision)

	def auto_approve(self) -> bool:
		if self.flags.prm_actor == "system":
			return False
		return service.approval_mode() == "Automatic"

	def start_active_period(self):
		tier = self.flags.prm_partner_tier  # read by the rules, under the partner's row lock
		if tier is None:
			tier = frappe.db.get_value("Channel Partner", self.channel_partner, "tier") or ""
		limits = tier_settings(tier or None)
		today = getdate(nowdate())
		if not self.start_date or getdate(self.start_date) > today:
			self.start_date = today
		if not self.expiry_date or getdate(self.expiry_date) < today:
			self.expiry_date = expiry_for(today, limits.reservation_days)

	def show_unique_validation_message(self, e):
		if "live_key" in str(e):
			# The unique index settled a race: an identical claim was committed first.
			frappe.throw(
				_("This account was reserved for the same scope a moment ago."),
				ReservationRefused,
				title=_("Reservation refused"),
			)
		super().show_unique_validation_message(e)

	def make_live_key(self) -> str:
		return "|".join((self.customer, self.scope_territory or "*", self.product_line or "*"))

	# --- actions (called by the API) -----------------------------------------------------------

	def release(self):
		self.status = RELEASED
		self.flags.prm_trusted_write = True  # the status is the rules' (security/fields.py)
		self.save()

	def extend(self, reason: str):
		limits = tier_settings(frappe.db.get_value("Channel Partner", self.channel_partner, "tier"))
		decision = check_extension(
			self.status,
			getdate(self.expiry_date) if self.expiry_date else None,
			getdate(nowdate()),
			self.extensions_used or 0,
			limits.max_extensions,
			limits.extension_days,
		)
		if not decision:
			frappe.throw(explain(decision), ReservationRefused, title=_("Extension refused"))
		self.append(
			"extensions",
			{
				"requested_on": now_datetime(),
				"requested_by": frappe.session.user,
				"previous_expiry": self.expiry_date,
				"new_expiry": decision.params["until"],
				"reason": reason,
			},
		)
		self.flags.prm_actor = "system"  # the rules, not the partner, move the dates
		self.flags.prm_trusted_write = True
		self.expiry_date = decision.params["until"]
		self.extensions_used = (self.extensions_used or 0) + 1
		self.save()

	def reject(self, reason: str):
		self.status = REJECTED
		self.decision_code = "rejected_by_manager"
		self.decision_reason = reason
		self.flags.prm_trusted_write = True
		self.save()


def supersede(names, by: str) -> None:
	"""Release reservations overruled by a channel manager's override (under the family lock)."""
	for name in names:
		frappe.db.set_value(
			"Account Reservation",
			name,
			{
				"status": RELEASED,
				"live_key": None,
				"released_on": nowdate(),
				"decision_code": "superseded",
				"decision_reason": _("Released by a channel manager's decision."),
			},
		)
		frappe.get_doc("Account Reservation", name).add_comment("Info", _("Superseded by {0}.").format(by))


def raise_refusal(decision):
	frappe.flags.prm_refusal_code = decision.code
	frappe.throw(explain(decision), ReservationRefused, title=_("Reservation refused"))


def on_doctype_update():
	# what a partner did in a period (Partner Activity report)
	frappe.db.add_index("Account Reservation", ["channel_partner", "creation"])
	frappe.db.add_index("Account Reservation", ["root_customer", "status"])
	frappe.db.add_index("Account Reservation", ["channel_partner", "status"])
	frappe.db.add_index("Account Reservation", ["status", "expiry_date"])
	frappe.db.add_index("Account Reservation", ["customer"])
	frappe.db.add_index("Account Reservation", ["status", "creation"])  # conflicts by period
