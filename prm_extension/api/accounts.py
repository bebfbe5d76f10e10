"""Account availability and reservations: the calls behind the desk form and the partner portal.

Every write goes through the Account Reservation document lifecycle (permissions included); these
functions only shape requests and answers.
"""

import frappe
from frappe import _

from prm_extension.core.identity import IdentityError, classify, parse_query
from prm_extension.core.reservations import PartnerFacts, availability, decide
from prm_extension.prm.doctype.account_reservation.account_reservation import ReservationRefused
from prm_extension.services import reservations as service
from prm_extension.services.partners import is_manager, resolve_acting_partner, tree_nodes
from prm_extension.services.reasons import explain

IDENTITY_MESSAGES = {
	"blank": lambda: _("Enter a company name, web domain or tax id."),
	"nothing_to_match": lambda: _(
		"This input identifies no company: enter a company name, its web domain or its tax id (free-mail addresses such as gmail.com say nothing about a company)."
	),
	"too_long": lambda: _("The search text is too long (140 characters at most)."),
	"invalid_type": lambda: _("The search must be text."),
}


def _keys(query, domain, tax_id):
	try:
		return parse_query(query, domain, tax_id)
	except IdentityError as e:
		frappe.throw(IDENTITY_MESSAGES[e.code](), frappe.ValidationError, title=_("Invalid search"))


def _verdict(partner: str | None, row, territory: str | None, product_line: str | None) -> dict:
	if partner:
		decision, _row = service.evaluate(
			partner, row.name, territory or row.territory, product_line, row=row, cached=True
		)
	else:
		# A channel manager asking without a partner: is anybody holding it?
		facts = service.account_facts(row)
		decision = decide(
			PartnerFacts(name="", status="Active"),
			facts,
			service.scope_of(territory or row.territory, product_line),
			service.live_reservations(row.root),
			service.rule_settings(),
		)
	status = availability(decision)
	out = {
		"status": status,
		"customer": row.name,
		"customer_name": row.customer_name,
		"territory": territory or row.territory,
		"product_line": product_line,
		"can_reserve": bool(decision.allowed and partner),
		"reason": explain(decision),
		"until": decision.params.get("until"),
		"pending": bool(decision.params.get("pending")),
	}
	if status == "reserved_by_you":
		out["reservation"] = decision.params.get("reservation")
	if is_manager():
		out["decision_code"] = decision.code
		out["conflicts"] = list(decision.conflicts)
	return out


@frappe.whitelist(methods=["GET", "POST"])
def check_availability(
	query: str | None = None,
	domain: str | None = None,
	tax_id: str | None = None,
	territory: str | None = None,
	product_line: str | None = None,
	channel_partner: str | None = None,
) -> dict:
	"""Is an account open? Answers: open, reserved_by_you, reserved_by_other, house, ambiguous,
	not_found or prospect, with a reason. Another partner's identity is never part of the answer."""
	partner = resolve_acting_partner(channel_partner)
	for value, doctype in ((territory, "Territory"), (product_line, "Item Group")):
		if value and not tree_nodes(doctype, [value]):
			frappe.throw(
				_("{0} {1} does not exist.").format(_(doctype), frappe.bold(value)), frappe.DoesNotExistError
			)
	keys = _keys(query, domain, tax_id)
	limit = frappe.get_cached_doc("PRM Settings").max_match_candidates or 20
	candidates, rows = service.find_accounts(keys, limit)
	result = classify(keys, candidates, max_matches=limit)
	if result.outcome == "none":
		return {
			"status": "not_found",
			"can_reserve": False,
			"reason": _(
				"No customer or prospect matches. Check the spelling, or search by web domain or tax id."
			),
		}
	first = result.matches[0]
	if first.kind != "Customer":
		return {
			"status": "prospect",
			"can_reserve": False,
			"reason": _(
				"This company is known to us as a prospect but is not a customer yet: register a deal to claim it."
			),
		}
	if result.outcome == "ambiguous":
		return {
			"status": "ambiguous",
			"can_reserve": False,
			"reason": _("Several customer accounts match: pick one, or search by web domain or tax id."),
			"candidates": [_verdict(partner, rows[c.name], territory, product_line) for c in result.matches],
		}
	return _verdict(partner, rows[first.name], territory, product_line)


@frappe.whitelist(methods=["POST"])
def reserve(
	customer: str,
	territory: str | None = None,
	product_line: str | None = None,
	notes: str | None = None,
	channel_partner: str | None = None,
) -> dict:
	"""Reserve an account. A refusal by the rules is an answer (``ok: false`` with the reason), and
	is recorded as a Rejected reservation so partners and channel managers can follow it."""
	partner = resolve_acting_partner(channel_partner)
	if not partner:
		frappe.throw(_("Choose the channel partner that reserves the account."), frappe.MandatoryError)
	if not isinstance(customer, str) or not frappe.db.exists("Customer", customer):
		frappe.throw(
			_("Customer {0} does not exist.").format(frappe.bold(str(customer))), frappe.DoesNotExistError
		)
	values = {
		"doctype": "Account Reservation",
		"channel_partner": partner,
		"customer": customer,
		"scope_territory": territory,
		"product_line": product_line,
		"notes": notes,
	}
	frappe.db.savepoint("prm_reserve")
	try:
		doc = frappe.get_doc(values).insert()
	except ReservationRefused as e:
		frappe.db.rollback(save_point="prm_reserve")
		frappe.clear_messages()
		refused = frappe.get_doc(
			{
				**values,
				"status": "Rejected",
				"decision_reason": str(e),
				"decision_code": frappe.flags.prm_refusal_code or "refused",
			}
		)
		refused.flags.prm_actor = "system"
		refused.flags.prm_trusted_write = True  # the refusal's status and reason are the rules'
		refused.insert()
		return {"ok": False, "reason": str(e), "reservation": refused.name}
	return {
		"ok": True,
		"reservation": doc.name,
		"status": doc.status,
		"expiry_date": doc.expiry_date,
		"reason": doc.decision_reason,
	}


def _get_for_write(name: str):
	if not isinstance(name, str) or not frappe.db.exists("Account Reservation", name):
		frappe.throw(
			_("Reservation {0} does not exist.").format(frappe.bold(str(name))), frappe.DoesNotExistError
		)
	doc = frappe.get_doc("Account Reservation", name)
	# Same message whether the reservation exists for someone else or not at all.
	if not doc.has_permission("write"):
		frappe.throw(_("Reservation {0} does not exist.").format(frappe.bold(name)), frappe.DoesNotExistError)
	return doc


@frappe.whitelist(methods=["POST"])
def release(reservation: str) -> dict:
	doc = _get_for_write(reservation)
	doc.release()
	return {"ok": True, "status": doc.status}


@frappe.whitelist(methods=["POST"])
def extend(reservation: str, reason: str | None = None) -> dict:
	doc = _get_for_write(reservation)
	if not (reason or "").strip():
		frappe.throw(_("Say why the reservation should be extended."), frappe.MandatoryError)
	doc.extend(reason.strip()[:1000])
	return {"ok": True, "expiry_date": doc.expiry_date, "extensions_used": doc.extensions_used}


@frappe.whitelist(methods=["POST"])
def approve(reservation: str) -> dict:
	frappe.only_for(("PRM Manager", "System Manager"))
	doc = _get_for_write(reservation)
	doc.status = "Active"
	doc.save()
	return {"ok": True, "status": doc.status, "expiry_date": doc.expiry_date}


@frappe.whitelist(methods=["POST"])
def reject(reservation: str, reason: str) -> dict:
	frappe.only_for(("PRM Manager", "System Manager"))
	doc = _get_for_write(reservation)
	if not (reason or "").strip():
		frappe.throw(_("Give the partner a reason for the rejection."), frappe.MandatoryError)
	doc.reject(reason.strip()[:1000])
	return {"ok": True, "status": doc.status}
