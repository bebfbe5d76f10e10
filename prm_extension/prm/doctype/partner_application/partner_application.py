"""Partner Application: a company's request to become a channel partner, sent from the public
``/become-a-partner`` page (``prm_extension.api.applications.apply``).

The application never creates a User or Channel Partner by itself. A PRM Manager approves it
(creates the Active Channel Partner with the applicant as Partner Admin, whose website user gets
the standard welcome e-mail) or rejects it with a reason (e-mailed to the applicant).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cstr, now_datetime, validate_email_address

from prm_extension.core.identity import normalize_domain, normalize_name, normalize_tax_id
from prm_extension.services.partners import is_manager

MAX_MATCHES = 10


class PartnerApplication(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from prm_extension.prm.doctype.partner_application_product_line.partner_application_product_line import (
			PartnerApplicationProductLine,
		)

		applicant_name: DF.Data
		business_description: DF.SmallText | None
		channel_partner: DF.Link | None
		company_name: DF.Data
		consent: DF.Check
		country: DF.Link
		decided_by: DF.Link | None
		decided_on: DF.Datetime | None
		domain: DF.Data | None
		duplicate_matches: DF.SmallText | None
		email: DF.Data
		name_key: DF.Data | None
		partner_type: DF.Literal[Reseller, Distributor, Referral, MSP, "System Integrator"]
		phone: DF.Data | None
		possible_duplicate: DF.Check
		product_lines: DF.TableMultiSelect[PartnerApplicationProductLine]
		rejection_reason: DF.SmallText | None
		status: DF.Literal[Submitted, Approved, Rejected]
		tax_id: DF.Data | None
		tax_key: DF.Data | None
		territory: DF.Link | None
		website: DF.Data | None
	# end: auto-generated types

	def validate(self):
		self.company_name = " ".join(cstr(self.company_name).split())
		self.applicant_name = " ".join(cstr(self.applicant_name).split())
		self.email = cstr(self.email).strip().lower()
		if not self.company_name:
			frappe.throw(_("Enter the company name."), frappe.MandatoryError)
		if not validate_email_address(self.email):
			frappe.throw(
				_("{0} is not a valid e-mail address.").format(frappe.bold(self.email or _("(blank)")))
			)
		seen = set()
		for row in list(self.product_lines):
			if cstr(row.item_group) in seen:
				self.remove(row)
			seen.add(cstr(row.item_group))
		previous = self.get_doc_before_save()
		if previous and previous.status != self.status and not self.flags.prm_deciding:
			frappe.throw(_("Use the Approve or Reject buttons to decide an application."))
		self.set_keys()
		if self.is_new() or self.has_value_changed("name_key") or self.has_value_changed("domain"):
			self.flag_duplicates()

	def set_keys(self):
		self.name_key = normalize_name(self.company_name)
		# The company's web domain, else the applicant's e-mail domain (free-mail carries no signal).
		self.domain = normalize_domain(cstr(self.website)) or normalize_domain(self.email)
		self.tax_key = normalize_tax_id(cstr(self.tax_id))

	def flag_duplicates(self):
		matches = duplicate_matches(self)
		self.possible_duplicate = 1 if matches else 0
		self.duplicate_matches = "\n".join(matches) if matches else None

	# --- decisions (called by prm_extension.api.applications) --------------------------------

	def check_open(self):
		if not is_manager():
			frappe.throw(_("Only a channel manager can decide partner applications."), frappe.PermissionError)
		self.check_permission("write")
		if self.status != "Submitted":
			frappe.throw(_("This application was already decided ({0}).").format(_(self.status)))

	def approve(self, home_territory: str | None = None, tier: str | None = None) -> str:
		"""Create the Active Channel Partner with the applicant as its Partner Admin; returns its name."""
		self.check_open()
		home_territory = home_territory or self.territory
		if not home_territory:
			frappe.throw(_("Choose the partner's home territory."), frappe.MandatoryError)
		if not frappe.db.exists("Territory", home_territory):
			frappe.throw(_("Territory {0} does not exist.").format(frappe.bold(home_territory)))
		if tier and not frappe.db.exists("Partner Tier", tier):
			frappe.throw(_("Partner Tier {0} does not exist.").format(frappe.bold(tier)))
		if frappe.db.exists("Channel Partner", {"partner_name": self.company_name}):
			frappe.throw(
				_(
					"A channel partner named {0} already exists: rename the application's company or reject it."
				).format(frappe.bold(self.company_name))
			)
		partner = frappe.get_doc(
			{
				"doctype": "Channel Partner",
				"partner_name": self.company_name,
				"partner_type": self.partner_type or "Reseller",
				"status": "Applicant",
				"tier": tier,
				"home_territory": home_territory,
				"website": self.website,
				"tax_id": self.tax_id,
				# Authorised where it applied for; an empty list would mean everywhere.
				"territories": [{"territory": home_territory}],
				"product_lines": [{"item_group": r.item_group} for r in self.product_lines],
				"members": [
					{
						"email": self.email,
						"full_name": self.applicant_name,
						"partner_role": "Partner Admin",
						"enabled": 1,
					}
				],
			}
		)
		partner.insert()  # the manager's own permission on Channel Partner applies
		partner.status = "Active"
		partner.save()  # creates the Sales Partner, the website user (welcome e-mail) and the Contact
		self.flags.prm_deciding = True
		self.status = "Approved"
		self.channel_partner = partner.name
		self.decided_by = frappe.session.user
		self.decided_on = now_datetime()
		if not self.territory:
			self.territory = home_territory
		self.save()
		self.add_comment("Info", _("Approved: channel partner {0} created.").format(partner.name))
		return partner.name

	def reject(self, reason: str | None) -> None:
		self.check_open()
		reason = (reason or "").strip()
		if not reason:
			frappe.throw(
				_("Give a reason for the rejection; the applicant receives it."), frappe.MandatoryError
			)
		if len(reason) > 2000:
			frappe.throw(_("The reason is too long (2000 characters at most)."))
		self.flags.prm_deciding = True
		self.status = "Rejected"
		self.rejection_reason = reason
		self.decided_by = frappe.session.user
		self.decided_on = now_datetime()
		self.save()
		self.send_rejection()

	def send_rejection(self):
		site = frappe.utils.get_url()
		frappe.sendmail(
			recipients=[self.email],
			subject=_("Your partner application for {0}").format(self.company_name),
			message=frappe.render_template(
				"""<p>{{ _("Dear {0},").format(doc.applicant_name) | e }}</p>
<p>{{ _("Thank you for your interest in becoming our channel partner. After reviewing the application of {0} we cannot accept it at this time.").format(doc.company_name) | e }}</p>
<p>{{ _("Reason:") }}</p>
<blockquote>{{ doc.rejection_reason | e }}</blockquote>
<p>{{ _("You are welcome to apply again when circumstances change: {0}").format(site ~ "/become-a-partner") | e }}</p>""",
				{"doc": self, "site": site},
			),
			reference_doctype=self.doctype,
			reference_name=self.name,
			now=False,
		)


def duplicate_matches(doc) -> list[str]:
	"""Channel partners and open or approved applications sharing a key with ``doc`` (for the
	manager only: the applicant is never told)."""
	out: list[str] = []
	keys = {"name_key": doc.name_key, "domain": doc.domain, "tax_key": doc.tax_key}
	if not any(keys.values()):
		return out
	# Channel partners keep no stored keys: there are few of them, compare in Python.
	for p in frappe.get_all("Channel Partner", fields=["name", "website", "tax_id", "partner_name"]):
		why = []
		if doc.name_key and normalize_name(p.partner_name) == doc.name_key:
			why.append(_("name"))
		if doc.domain and normalize_domain(p.website) == doc.domain:
			why.append(_("domain"))
		if doc.tax_key and normalize_tax_id(p.tax_id) == doc.tax_key:
			why.append(_("tax id"))
		if why:
			out.append(_("Channel Partner {0} ({1})").format(p.name, ", ".join(why)))
	table = frappe.qb.DocType("Partner Application")
	seen = set()
	for field, value in keys.items():
		if not value:
			continue
		query = (
			frappe.qb.from_(table)
			.select(table.name, table.company_name, table.status)
			.where((table[field] == value) & table.status.isin(["Submitted", "Approved"]))
			.limit(MAX_MATCHES)
		)
		if not doc.is_new():
			query = query.where(table.name != doc.name)
		for r in query.run(as_dict=True):
			if r.name in seen:
				continue
			seen.add(r.name)
			out.append(_("Partner Application {0}: {1} ({2})").format(r.name, r.company_name, _(r.status)))
	return out[:MAX_MATCHES]
