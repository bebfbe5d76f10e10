"""The database side of leads passed to partners (rules: ``prm_extension.core.leads``).

So far: the facts routing reads (the enabled Lead Routing Rules, the partners as candidates, a
Lead's territory, house status and holder) and a routing preview for channel managers. Offers,
answers and the answer deadline come with the Passed Lead DocType (docs/leads.md); until then no
partner holds an open passed lead, so capacity limits and round robin have nothing to count yet.
"""

from __future__ import annotations

import frappe
from frappe.utils import getdate, nowdate

from prm_extension.core import leads as rules
from prm_extension.core.identity import account_keys
from prm_extension.core.reservations import LIVE_STATUSES, house_reason
from prm_extension.services import reservations as reservation_service
from prm_extension.services.deals import resolve_customer
from prm_extension.services.partners import process_memo, tree_nodes

OPEN_DEAL_STATES = ("Submitted", "Returned", "Approved")


def routing_rules() -> list[rules.Rule]:
	"""The enabled Lead Routing Rules (kept per worker under the rules version)."""
	memo = process_memo()
	if "lead_rules" not in memo:
		rows = frappe.get_all(
			"Lead Routing Rule",
			filters={"enabled": 1},
			fields=[
				"name",
				"priority",
				"strategy",
				"territory",
				"product_line",
				"partner_type",
				"min_tier",
				"certification",
				"capacity",
			],
			order_by="priority asc, name asc",
		)
		territories = tree_nodes("Territory", [r.territory for r in rows])
		lines = tree_nodes("Item Group", [r.product_line for r in rows])
		ranks = tier_ranks()
		memo["lead_rules"] = [
			rules.Rule(
				name=r.name,
				priority=r.priority or 0,
				territory=territories.get(r.territory) if r.territory else None,
				product_line=lines.get(r.product_line) if r.product_line else None,
				partner_types=frozenset({r.partner_type}) if r.partner_type else frozenset(),
				min_tier_rank=ranks.get(r.min_tier, (0, 1.0))[0] if r.min_tier else None,
				certification=r.certification or None,
				capacity=r.capacity or 0,
				strategy=r.strategy or rules.RANKED,
			)
			for r in rows
		]
	return memo["lead_rules"]


def tier_ranks() -> dict[str, tuple[int, float]]:
	"""Partner Tier -> (rank, lead weight)."""
	return {
		t.name: (t.rank or 0, float(t.lead_weight if t.lead_weight is not None else 1))
		for t in frappe.get_all("Partner Tier", fields=["name", "rank", "lead_weight"])
	}


def candidates() -> list[rules.Candidate]:
	"""Every Channel Partner as routing sees it (inactive ones too: the decision says why not)."""
	partners = frappe.get_all("Channel Partner", fields=["name", "status", "tier", "partner_type"])
	children: dict[str, dict[str, list]] = {
		p.name: {"territory": [], "line": [], "cert": []} for p in partners
	}
	today = getdate(nowdate())
	for kind, parent, value, valid_until in frappe.db.sql(
		"""(select 'territory', parent, territory, null from `tabChannel Partner Territory`
			where parenttype = 'Channel Partner')
		union all (select 'line', parent, item_group, null from `tabChannel Partner Product Line`
			where parenttype = 'Channel Partner')
		union all (select 'cert', parent, certification, valid_until from `tabChannel Partner Certification`
			where parenttype = 'Channel Partner')"""
	):
		if (
			parent in children
			and value
			and (kind != "cert" or not valid_until or getdate(valid_until) >= today)
		):
			children[parent][kind].append(value)
	territories = tree_nodes("Territory", [t for c in children.values() for t in c["territory"]])
	lines = tree_nodes("Item Group", [g for c in children.values() for g in c["line"]])
	ranks = tier_ranks()
	out = []
	for p in partners:
		c = children[p.name]
		rank, weight = ranks.get(p.tier, (0, 1.0)) if p.tier else (0, 1.0)
		out.append(
			rules.Candidate(
				name=p.name,
				status=p.status,
				tier_rank=rank,
				tier_weight=weight,
				partner_type=p.partner_type or "",
				territories=tuple(territories[t] for t in c["territory"] if t in territories),
				product_lines=tuple(lines[g] for g in c["line"] if g in lines),
				certifications=frozenset(c["cert"]),
			)
		)
	return out


def lead_facts(lead, excluded: frozenset[str] = frozenset()) -> rules.LeadFacts:
	"""What routing knows of ``lead`` (a Lead document): its territory, whether its company is a
	house account, and which partner holds the company (a live reservation of its family, or an open
	or approved registration), recognised by the same identity keys as reservations."""
	territory = tree_nodes("Territory", [lead.territory]).get(lead.territory) if lead.territory else None
	house, holder = None, None
	customer = None
	keys = account_keys(lead.company_name, lead.website or lead.email_id, None)
	if not keys.empty:
		try:
			customer = resolve_customer(keys)
		except frappe.ValidationError:  # several customers match: none is the lead's for sure
			frappe.clear_last_message()
	if customer:
		row = reservation_service.customer_row(customer)
		house = house_reason(reservation_service.account_facts(row), reservation_service.rule_settings())
		holders = {
			r.partner for r in reservation_service.live_reservations(row.root) if r.status in LIVE_STATUSES
		}
		if not holders:
			holders = set(
				frappe.get_all(
					"Deal Registration",
					filters={"customer": customer, "status": ("in", OPEN_DEAL_STATES)},
					pluck="channel_partner",
				)
			)
		holder = holders.pop() if len(holders) == 1 else None  # several: none comes first
	return rules.LeadFacts(territory=territory, house_reason=house, holder=holder, excluded=excluded)


def preview(lead_name: str) -> rules.Routing:
	"""Where ``lead_name`` would go now (nothing is written)."""
	lead = frappe.get_doc("Lead", lead_name)
	return rules.route(lead_facts(lead), routing_rules(), candidates())
