"""Bridge between the database and the deal registration rules (``prm_extension.core.deals``).

Fetches the facts with indexed queries and returns the checks; the controller stores them.
"""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import get_datetime, now_datetime

from prm_extension.core import deals as rules
from prm_extension.core.identity import AccountKeys, Candidate, classify
from prm_extension.core.reservations import find_conflicts, house_reason
from prm_extension.core.scope import Scope
from prm_extension.services import reservations as reservation_service
from prm_extension.services.partners import partner_context, partner_facts, tree_nodes

OPEN_OPPORTUNITY_STATES = ("Open", "Replied", "Quotation")


def resolve_customer(keys: AccountKeys) -> str | None:
	"""The existing customer a new prospect is, recognised by the same identity keys as
	reservations. Raises when several customers match."""
	if keys.empty:
		return None
	cust = frappe.qb.DocType("Customer")
	rows = []
	for field, value in (
		("prm_tax_key", keys.tax_key),
		("prm_domain", keys.domain),
		("prm_name_key", keys.name_key),
	):
		if value:
			rows += (
				frappe.qb.from_(cust)
				.select(
					cust.name, cust.prm_name_key, cust.prm_domain, cust.prm_tax_key, cust.prm_root_customer
				)
				.where((cust[field] == value) & (cust.disabled == 0))
				.limit(21)
				.run(as_dict=True)
			)
	seen: dict[str, Candidate] = {}
	for r in rows:
		seen[r.name] = Candidate(
			"Customer",
			r.name,
			AccountKeys(r.prm_name_key or "", r.prm_domain or "", r.prm_tax_key or ""),
			group=r.name,
		)
	result = classify(keys, list(seen.values()))
	if result.outcome == "ambiguous":
		frappe.throw(
			_(
				"Several existing customers match this prospect: choose the customer instead of typing a new prospect."
			),
			title=_("Which customer?"),
		)
	return result.matches[0].name if result.outcome == "one" else None


def other_registrations(doc, for_update: bool = False) -> list[rules.OtherRegistration]:
	"""Open or approved registrations of the same end customer (or the same new prospect).
	``for_update`` makes it a locking read (it sees rows committed by concurrent approvals)."""
	reg = frappe.qb.DocType("Deal Registration")
	conditions = []
	if doc.customer:
		conditions.append(reg.customer == doc.customer)
	if doc.name_key:
		conditions.append(reg.name_key == doc.name_key)
	if doc.domain_key:
		conditions.append(reg.domain_key == doc.domain_key)
	if not conditions:
		return []
	rows = {}
	live = (*rules.OPEN_STATES, *rules.PROTECTED_STATES)
	for condition in conditions:  # one indexed lookup per key
		query = (
			frappe.qb.from_(reg)
			.select(reg.name, reg.channel_partner, reg.status, reg.submitted_on, reg.protection_until)
			.where(condition & reg.status.isin(live) & (reg.name != (doc.name or "")))
			.limit(500)
		)
		for r in (query.for_update() if for_update else query).run(as_dict=True):
			rows[r.name] = r
	if not rows:
		return []
	item = frappe.qb.DocType("Deal Registration Item")
	groups: dict[str, list[str]] = {}
	for parent, group in (
		frappe.qb.from_(item)
		.select(item.parent, item.item_group)
		.where(item.parent.isin(list(rows)) & (item.parenttype == "Deal Registration"))
		.run()
	):
		groups.setdefault(parent, []).append(group)
	nodes = tree_nodes("Item Group", [g for gs in groups.values() for g in gs])
	return [
		rules.OtherRegistration(
			name=r.name,
			partner=r.channel_partner,
			state=r.status,
			product_lines=tuple(nodes[g] for g in groups.get(r.name, []) if g in nodes),
			submitted_on=get_datetime(r.submitted_on) if r.submitted_on else None,
			protection_until=r.protection_until,
		)
		for r in rows.values()
	]


def direct_opportunities(customer: str | None) -> tuple[str, ...]:
	if not customer or not frappe.db.get_single_value("PRM Settings", "check_direct_opportunities"):
		return ()
	opp = frappe.qb.DocType("Opportunity")
	return tuple(
		r[0]
		for r in frappe.qb.from_(opp)
		.select(opp.name)
		.where(
			(opp.opportunity_from == "Customer")
			& (opp.party_name == customer)
			& opp.status.isin(OPEN_OPPORTUNITY_STATES)
			& (opp.docstatus < 2)
			& (opp.prm_deal_registration.isnull() | (opp.prm_deal_registration == ""))
		)
		.limit(20)
		.run()
	)


class ApprovalConflict(frappe.ValidationError):
	"""Two decisions on registrations of one account crossed (each held a row the other needed):
	the database let one through and this one is refused, with nothing of it written."""


@contextmanager
def refusing_crossed_decisions():
	"""Approving takes Frappe's lock on the registration's own row, then locking reads of the
	account's other registrations. Two registrations of one new prospect (no customer row to
	queue on) approved at the same moment each hold their own row and wait for the other's: the
	database answers one with a deadlock. That is the expected outcome of the race: the other
	approval goes through, and this one is a clear refusal (HTTP 417), not a server error."""
	try:
		yield
	except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
		frappe.db.rollback()  # a deadlock undid the transaction already, a timeout only its statement
		frappe.throw(
			_(
				"Another registration for the same account was being decided at the same moment. Reload this one and decide again: its checks will then take that decision into account."
			),
			ApprovalConflict,
			title=_("Decided at the same moment"),
		)


def run_checks(doc, lock: bool = False) -> list[rules.Check]:
	"""Every conflict check for a registration, from current data. ``lock`` (approval): under row
	locks, a crossed concurrent decision refused with ``ApprovalConflict``."""
	if not lock:
		return _run_checks(doc, lock)
	with refusing_crossed_decisions():
		return _run_checks(doc, lock)


def _run_checks(doc, lock: bool) -> list[rules.Check]:
	lines = tree_nodes("Item Group", [row.item_group for row in doc.items])
	product_lines = tuple(lines[row.item_group] for row in doc.items if row.item_group in lines)
	territory = (
		tree_nodes("Territory", [doc.deal_territory]).get(doc.deal_territory) if doc.deal_territory else None
	)
	house = None
	reserved_by_others: tuple[str, ...] = ()
	partner_row = None
	if doc.customer:
		row = reservation_service.customer_row(doc.customer)
		if lock:
			partner_row = reservation_service.lock_for_reservation(doc.channel_partner, row.root)
		account = reservation_service.account_facts(row)
		settings = reservation_service.rule_settings()
		house = house_reason(account, settings)
		live = reservation_service.live_reservations(row.root, for_update=lock)
		names = set()
		for line in product_lines or (None,):
			for r in find_conflicts(
				doc.customer, Scope(territory, line), live, account.family, settings.hierarchy_policy
			):
				if r.partner != doc.channel_partner:
					names.add(r.name)
		reserved_by_others = tuple(sorted(names))
	partner = partner_facts(
		doc.channel_partner, 0, context=partner_context(doc.channel_partner, cached=False, row=partner_row)
	)
	facts = rules.DealFacts(
		partner=doc.channel_partner,
		partner_status=partner.status,
		partner_territories=partner.territories,
		partner_product_lines=partner.product_lines,
		territory=territory,
		product_lines=product_lines,
		submitted_on=get_datetime(doc.submitted_on) if doc.submitted_on else now_datetime(),
		house_reason=house,
		reservation_holder_other=reserved_by_others,
		direct_opportunities=direct_opportunities(doc.customer),
	)
	policy = frappe.db.get_single_value("PRM Settings", "deal_conflict_policy") or rules.POLICY_REFUSE
	return rules.check_registration(facts, other_registrations(doc, for_update=lock), policy, name=doc.name)


# --- the workflow's first move, applied to a new registration ------------------------------------


def first_transition(doc, action: str) -> str:
	"""The state the active workflow's ``action`` leads a new registration to, checked as Frappe's
	``apply_workflow`` checks it on a saved draft: a transition from the workflow's first state,
	allowed for one of the user's roles, its condition true for the draft, self-approval allowed.
	The next state's "update field" is set on ``doc``. The state must keep the document a draft
	(approval submits it, which never happens on insert).

	``register()`` inserts a registration with its Submit applied, in one write and one pass of the
	checks, instead of inserting a draft and saving it again through ``apply_workflow``. Frappe's own
	``validate_workflow`` refuses any state but the first on a new document (it compares with the
	saved one), so the controller skips it for a document checked here."""
	from frappe.model.workflow import (
		WorkflowTransitionError,
		get_workflow_name,
		has_approval_access,
		is_transition_condition_satisfied,
	)

	name = get_workflow_name(doc.doctype)
	if not name:  # as apply_workflow: without an active workflow there is no action to apply
		frappe.throw(_("Not a valid Workflow Action"), WorkflowTransitionError)
	workflow = frappe.get_cached_doc("Workflow", name)
	first = workflow.states[0].state
	roles = set(frappe.get_roles())
	field = workflow.workflow_state_field
	current = doc.get(field)
	doc.set(field, first)  # conditions see the draft, as on a saved one
	try:
		matching = [
			t
			for t in workflow.transitions
			if t.state == first
			and t.action == action
			and t.allowed in roles
			and is_transition_condition_satisfied(t, doc)
		]
		transition = matching[-1] if matching else None  # apply_workflow keeps the last match
	finally:
		doc.set(field, current)
	if not transition:
		frappe.throw(_("Not a valid Workflow Action"), WorkflowTransitionError)
	if not has_approval_access(frappe.session.user, doc, transition):
		frappe.throw(_("Self approval is not allowed"))
	state = next(s for s in workflow.states if s.state == transition.next_state)
	if int(state.doc_status or 0) != 0:
		frappe.throw(
			_("A new registration cannot go straight to {0}.").format(_(state.state)),
			WorkflowTransitionError,
		)
	if state.update_field:
		doc.set(state.update_field, state.update_value)
	return state.state


def to_decimal(value) -> Decimal:
	return Decimal(str(value or 0))


# --- notifications ------------------------------------------------------------------------------

# Notification records on Deal Registration use the event "Method" with this method name. The
# controller queues ``send_status_notifications`` after the commit of every status change, so the
# e-mails (rendered templates, Communication and Email Queue rows) are built by a background worker
# instead of inside the partner's or the manager's request. The records stay ordinary, editable
# Notification documents: conditions, recipients and templates are the channel manager's to change.
STATUS_CHANGED_METHOD = "prm_status_changed"
NOTIFICATION_QUEUE = "short"


def queue_status_notifications(registration: str, status: str) -> None:
	frappe.enqueue(
		"prm_extension.services.deals.send_status_notifications",
		queue=NOTIFICATION_QUEUE,
		enqueue_after_commit=True,
		registration=registration,
		status=status,
	)


def send_status_notifications(registration: str, status: str) -> None:
	"""Background job: send the Notification records of the transition of ``registration`` to
	``status``. Each record's condition is evaluated and its template rendered with the document in
	the state of that transition, so a deal that moved on before the worker ran still gets one
	e-mail per transition, each naming its own status. (Frappe's ``evaluate_alert`` would reload the
	document first, which renders every queued transition with the latest status.)"""
	from frappe.email.doctype.notification.notification import get_context

	if not frappe.db.exists("Deal Registration", registration):
		return  # deleted (a draft) before the worker ran
	doc = frappe.get_doc("Deal Registration", registration)
	doc.status = status
	for name in frappe.get_all(
		"Notification",
		filters={
			"enabled": 1,
			"document_type": "Deal Registration",
			"event": "Method",
			"method": STATUS_CHANGED_METHOD,
		},
		pluck="name",
		order_by="name asc",
	):
		alert = frappe.get_doc("Notification", name)
		try:
			if alert.condition and not frappe.safe_eval(alert.condition, None, get_context(doc)):
				continue
			alert.send(doc)
		except Exception:
			# one broken template must not stop the other notifications of the transition
			frappe.log_error(
				title=_("Notification {0} failed").format(name),
				reference_doctype="Deal Registration",
				reference_name=registration,
			)
