"""Channel Partner: one partner company, its tier, authorisation and people.

On save it keeps an ERPNext Sales Partner in step (so sales documents attribute revenue to the
partner) and gives every member a website User (Partner Admin / Partner User role) and a Contact.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import validate_email_address

from prm_extension.services.partners import PARTNER_ROLES, forget_partner

STATUS_FLOW = {
	"Applicant": {"Active", "Terminated"},
	"Active": {"Suspended", "Terminated"},
	"Suspended": {"Active", "Terminated"},
	"Terminated": set(),
}


class ChannelPartner(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from prm_extension.prm.doctype.channel_partner_member.channel_partner_member import (
			ChannelPartnerMember,
		)
		from prm_extension.prm.doctype.channel_partner_product_line.channel_partner_product_line import (
			ChannelPartnerProductLine,
		)
		from prm_extension.prm.doctype.channel_partner_territory.channel_partner_territory import (
			ChannelPartnerTerritory,
		)

		commission_rate: DF.Float
		home_territory: DF.Link
		members: DF.Table[ChannelPartnerMember]
		partner_name: DF.Data
		partner_type: DF.Literal[Reseller, Distributor, Referral, MSP, "System Integrator"]
		product_lines: DF.TableMultiSelect[ChannelPartnerProductLine]
		sales_partner: DF.Link | None
		status: DF.Literal[Applicant, Active, Suspended, Terminated]
		status_reason: DF.SmallText | None
		tax_id: DF.Data | None
		territories: DF.TableMultiSelect[ChannelPartnerTerritory]
		tier: DF.Link | None
		website: DF.Data | None
	# end: auto-generated types

	def validate(self):
		from prm_extension.services.catalog import validate_price_list

		validate_price_list(self)
		self.partner_name = (self.partner_name or "").strip()
		if not self.partner_name:
			frappe.throw(_("Enter the partner's company name."), frappe.MandatoryError)
		previous = self.get_doc_before_save()
		if (
			previous
			and previous.status != self.status
			and self.status not in STATUS_FLOW.get(previous.status, set())
		):
			frappe.throw(
				_("A partner cannot go from {0} to {1}.").format(_(previous.status), _(self.status)),
				title=_("Not allowed"),
			)
		if previous and self.status in ("Suspended", "Terminated") and previous.status != self.status:
			if not (self.status_reason or "").strip():
				frappe.throw(_("Give a reason for setting the partner to {0}.").format(_(self.status)))
		if self.commission_rate and not 0 <= self.commission_rate <= 100:
			frappe.throw(_("Commission rate must be between 0 and 100."))
		self.validate_members()
		self.dedupe("territories", "territory")
		self.dedupe("product_lines", "item_group")

	def dedupe(self, table: str, field: str):
		seen = set()
		for row in list(self.get(table)):
			if row.get(field) in seen:
				self.remove(row)
			seen.add(row.get(field))

	def validate_members(self):
		emails = set()
		for row in self.members:
			if row.enabled is None:  # Data Import skips field defaults
				row.enabled = 1
			if not row.partner_role:
				row.partner_role = "Partner User"
			row.email = (row.email or "").strip().lower()
			row.full_name = (row.full_name or "").strip()
			if not validate_email_address(row.email):
				frappe.throw(
					_("Row {0}: {1} is not a valid e-mail address.").format(
						row.idx, frappe.bold(row.email or _("(blank)"))
					)
				)
			if row.email in emails:
				frappe.throw(_("Row {0}: {1} is listed twice.").format(row.idx, frappe.bold(row.email)))
			emails.add(row.email)
			other = frappe.db.get_value(
				"Channel Partner Member",
				{"email": row.email, "parent": ("!=", self.name), "parenttype": "Channel Partner"},
				"parent",
			)
			if other:
				# Which partner is not said: the e-mail is enough to find the conflict.
				frappe.throw(
					_("Row {0}: {1} already belongs to another channel partner.").format(
						row.idx, frappe.bold(row.email)
					)
				)

	def on_update(self):
		self.sync_sales_partner()
		self.sync_members()
		forget_partner(self.name, members=True)  # its cached context, and who belongs to whom

	def on_trash(self):
		forget_partner(self.name, members=True)

	def sync_sales_partner(self):
		values = {
			"partner_name": self.partner_name,
			"territory": self.home_territory,
			"commission_rate": self.commission_rate or 0,
			"prm_channel_partner": self.name,
		}
		if self.sales_partner and frappe.db.exists("Sales Partner", self.sales_partner):
			sp = frappe.get_doc("Sales Partner", self.sales_partner)
			if any(sp.get(k) != v for k, v in values.items() if k != "partner_name"):
				sp.update({k: v for k, v in values.items() if k != "partner_name"})
				sp.save(ignore_permissions=True)  # maintained by the app on the PRM Manager's save
			return
		existing = frappe.db.get_value("Sales Partner", {"partner_name": self.partner_name}, "name")
		if existing:
			sp = frappe.get_doc("Sales Partner", existing)
			sp.update(values)
			sp.save(ignore_permissions=True)
		else:
			sp = frappe.get_doc({"doctype": "Sales Partner", **values}).insert(ignore_permissions=True)
		self.db_set("sales_partner", sp.name, update_modified=False)

	def sync_members(self):
		for row in self.members:
			# Suspended partners keep their log-ins (they see why they cannot act); terminated ones do not.
			user = ensure_user(row, enabled=bool(row.enabled) and self.status != "Terminated")
			row.user = user
			contact = ensure_contact(row, self)
			row.db_set({"user": user, "contact": contact}, update_modified=False)
		# People removed from the list lose their partner roles.
		before = self.get_doc_before_save()
		if before:
			current = {r.user for r in self.members if r.user}
			for row in before.members:
				if row.user and row.user not in current:
					remove_partner_roles(row.user)


def ensure_user(row, enabled: bool) -> str:
	"""The member's website user, with Partner User (everyone) and Partner Admin (admins) roles."""
	wanted = {"Partner User", "Partner Admin"} if row.partner_role == "Partner Admin" else {"Partner User"}
	name = row.user or frappe.db.get_value("User", {"email": row.email}, "name")
	if name:
		user = frappe.get_doc("User", name)
		if user.user_type == "System User" and not row.user:
			# Never adopt (and later disable) a desk user because a partner listed the address.
			frappe.throw(
				_(
					"Row {0}: {1} belongs to a desk user; partner people need their own portal account."
				).format(row.idx, frappe.bold(row.email))
			)
	else:
		first, _sep, last = row.full_name.partition(" ")
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": row.email,
				"first_name": first or row.email,
				"last_name": last,
				"user_type": "Website User",
				"send_welcome_email": 0 if frappe.flags.in_test or frappe.flags.prm_no_welcome else 1,
			}
		)
	roles = {r.role for r in user.get("roles")}
	stale = {r for r in PARTNER_ROLES if r in roles and r not in wanted}
	changed = user.is_new() or stale or not wanted <= roles or bool(user.enabled) != enabled
	if not changed:
		return user.name
	user.set("roles", [r for r in user.get("roles") if r.role not in stale])
	for role in sorted(wanted - roles):
		user.append("roles", {"role": role})
	if not user.is_new() and bool(user.enabled) != enabled:
		# User.validate saves the user's Notification Settings on (de)activation, with permission
		# checks only the user or a System Manager pass; set the same value first so it need not.
		frappe.db.set_value(
			"Notification Settings", user.name, "enabled", 1 if enabled else 0, update_modified=False
		)
	user.enabled = 1 if enabled else 0
	user.flags.ignore_permissions = True  # users of a partner are managed through the partner
	user.save() if not user.is_new() else user.insert()
	return user.name


def remove_partner_roles(user: str) -> None:
	doc = frappe.get_doc("User", user)
	doc.set("roles", [r for r in doc.roles if r.role not in PARTNER_ROLES])
	doc.flags.ignore_permissions = True
	doc.save()


def ensure_contact(row, partner) -> str:
	name = row.contact or frappe.db.get_value("Contact", {"email_id": row.email}, "name")
	if name:
		return name
	first, _sep, last = row.full_name.partition(" ")
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": first or row.email,
			"last_name": last,
			"company_name": partner.partner_name,
			"user": row.user,
			"email_ids": [{"email_id": row.email, "is_primary": 1}],
			"links": [{"link_doctype": "Sales Partner", "link_name": partner.sales_partner}]
			if partner.sales_partner
			else [],
		}
	)
	contact.insert(ignore_permissions=True)
	return contact.name
