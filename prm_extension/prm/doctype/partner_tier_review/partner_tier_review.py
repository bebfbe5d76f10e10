"""Partner Tier Review: a promotion or demotion proposed by the tier evaluation
(``prm_extension.services.tiers``), decided by a PRM Manager. Approving it sets the partner's tier."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime

from prm_extension.services.partners import is_manager

DECIDED = ("Approved", "Rejected", "Withdrawn")


class PartnerTierReview(Document):
	def validate(self):
		previous = self.get_doc_before_save()
		old = previous.status if previous else None
		if old in DECIDED:
			frappe.throw(_("This review was {0} and cannot be changed.").format(_(old).lower()))
		if self.status == old or (old is None and self.status == "Proposed"):
			if (
				not self.flags.prm_system
				and previous
				and any(
					str(previous.get(f) or "") != str(self.get(f) or "")
					for f in (
						"proposed_tier",
						"current_tier",
						"invoiced_revenue",
						"won_deals",
						"certifications",
					)
				)
			):
				frappe.throw(_("The measured values and the proposal come from the tier evaluation."))
			return
		if self.status == "Withdrawn" and not self.flags.prm_system:
			frappe.throw(_("Only the tier evaluation withdraws a proposal; reject it instead."))
		if self.status in ("Approved", "Rejected") and not (is_manager() or self.flags.prm_system):
			frappe.throw(_("Only a PRM Manager decides tier reviews."), frappe.PermissionError)
		if self.status == "Rejected" and not (self.note or "").strip():
			frappe.throw(_("Say why the proposal is rejected."), frappe.MandatoryError)
		if self.status == "Approved":
			current = frappe.db.get_value("Channel Partner", self.channel_partner, "tier")
			if (current or None) != (self.current_tier or None):
				frappe.throw(
					_(
						"The partner's tier changed to {0} since this evaluation; run the evaluation again."
					).format(current or _("none"))
				)
		self.decided_by = frappe.session.user
		self.decided_on = now_datetime()

	def on_update(self):
		if self.has_value_changed("status") and self.status == "Approved":
			partner = frappe.get_doc("Channel Partner", self.channel_partner)
			partner.tier = self.proposed_tier
			partner.add_comment(
				"Info",
				_("Tier {0} → {1} ({2}, {3})").format(
					self.current_tier or _("none"), self.proposed_tier, _(self.direction), self.name
				),
			)
			partner.save(ignore_permissions=True)  # the manager's decision, checked above


def on_doctype_update():
	frappe.db.add_index("Partner Tier Review", ["channel_partner", "status"])
