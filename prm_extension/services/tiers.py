"""Tier evaluation: measure each partner over the evaluation window (invoiced revenue through its
Sales Partner, won deal registrations, valid certifications), compare with the Partner Tier
thresholds (``prm_extension.core.tiers.evaluate_tier``) and propose promotions and demotions
as Partner Tier Review records for a PRM Manager to approve.

The measures are read with grouped, indexed queries for a batch of partners at once; the monthly
job runs on the long queue in batches with progress. It is idempotent (see ``prm_extension.jobs``):
a rerun updates the open proposal of a partner instead of adding a second one, and leaves it
untouched (no new version) while the figures are the same; a batch that stops half-way is undone,
a partner that fails is left as it was and logged once.
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum
from frappe.utils import add_months, getdate, now_datetime, nowdate

from prm_extension.core.tiers import Measures, TierRule, evaluate_tier, progress
from prm_extension.services.batches import atomic, each_record, end_batch

BATCH_SIZE = 500
OPEN = "Proposed"
EVALUATION_FAILED = "PRM: tier evaluation could not be recorded"  # Error Log title


def window(today=None) -> tuple:
	months = frappe.db.get_single_value("PRM Settings", "tier_evaluation_months") or 12
	end = getdate(today or nowdate())
	return getdate(add_months(end, -int(months))), end


def tier_rules() -> list[TierRule]:
	rows = frappe.get_all(
		"Partner Tier",
		fields=["name", "rank", "min_invoiced_revenue", "min_won_deals", "min_certifications"],
		order_by="`rank` asc, name asc",
	)
	return [
		TierRule(
			name=r.name,
			rank=int(r.rank or 0),
			min_revenue=Decimal(str(r.min_invoiced_revenue or 0)),
			min_won_deals=int(r.min_won_deals or 0),
			min_certifications=int(r.min_certifications or 0),
		)
		for r in rows
	]


def measures(partners: list[str], start, end) -> dict[str, Measures]:
	"""Measures of ``partners`` in [start, end]: three grouped queries for the whole batch."""
	if not partners:
		return {}
	# invoiced revenue from the PRM Sales Summary (kept per invoice on submit and cancel)
	summary = frappe.qb.DocType("PRM Sales Summary")
	revenue = dict(
		frappe.qb.from_(summary)
		.select(summary.channel_partner, Sum(summary.net_amount))
		.where(
			summary.channel_partner.isin(partners)
			& (summary.posting_date >= start)
			& (summary.posting_date <= end)
		)
		.groupby(summary.channel_partner)
		.run()
	)
	reg = frappe.qb.DocType("Deal Registration")
	won = dict(
		frappe.qb.from_(reg)
		.select(reg.channel_partner, Count("*"))
		.where(
			reg.channel_partner.isin(partners)
			& (reg.status == "Won")
			& (reg.won_on >= start)
			& (reg.won_on <= end)
		)
		.groupby(reg.channel_partner)
		.run()
	)
	cert = frappe.qb.DocType("Channel Partner Certification")
	certs = dict(
		frappe.qb.from_(cert)
		.select(cert.parent, Count("*"))
		.where(
			cert.parent.isin(partners)
			& (cert.parenttype == "Channel Partner")
			& (cert.valid_until.isnull() | (cert.valid_until >= end))
		)
		.groupby(cert.parent)
		.run()
	)
	return {
		p: Measures(Decimal(str(revenue.get(p) or 0)), int(won.get(p) or 0), int(certs.get(p) or 0))
		for p in partners
	}


def evaluate(partners: list[str], today=None, rules: list[TierRule] | None = None) -> list[dict]:
	"""Proposals for ``partners`` (plain dicts, nothing written)."""
	start, end = window(today)
	rules = tier_rules() if rules is None else rules
	current = dict(
		frappe.get_all(
			"Channel Partner", filters={"name": ("in", partners)}, fields=["name", "tier"], as_list=True
		)
	)
	out = []
	for partner, m in measures(partners, start, end).items():
		p = evaluate_tier(current.get(partner), rules, m)
		out.append(
			{
				"channel_partner": partner,
				"current_tier": current.get(partner),
				"proposed_tier": p.proposed,
				"direction": p.direction,
				"invoiced_revenue": m.revenue,
				"won_deals": m.won_deals,
				"certifications": m.certifications,
				"window_start": start,
				"window_end": end,
				"next_tier": p.next_tier,
				"keep": p.keep,
				"unmet": p.unmet,
			}
		)
	return out


def record(proposal: dict) -> str | None:
	"""Create or refresh the partner's open Partner Tier Review; withdraw it when nothing is to
	change any more. Returns the review's name (None when there is nothing to review)."""
	open_name = frappe.db.get_value(
		"Partner Tier Review", {"channel_partner": proposal["channel_partner"], "status": OPEN}, "name"
	)
	if proposal["direction"] == "No change":
		if open_name:
			review = frappe.get_doc("Partner Tier Review", open_name)
			review.status = "Withdrawn"
			review.note = _("Withdrawn by the evaluation of {0}: the partner now meets its tier.").format(
				frappe.format_value(proposal["window_end"], {"fieldtype": "Date"})
			)
			review.flags.prm_system = True
			review.save(ignore_permissions=True)
		return None
	values = {
		k: proposal[k]
		for k in (
			"current_tier",
			"proposed_tier",
			"direction",
			"invoiced_revenue",
			"won_deals",
			"certifications",
			"window_start",
			"window_end",
		)
	}
	if open_name:
		review = frappe.get_doc("Partner Tier Review", open_name)
		fields = {k: review.meta.get_field(k) for k in values}
		if all(review.cast(review.get(k), fields[k]) == review.cast(v, fields[k]) for k, v in values.items()):
			return review.name  # the same proposal from the same figures: left as it was
		review.update(values)
		review.evaluated_on = now_datetime()
	else:
		values["evaluated_on"] = now_datetime()
		review = frappe.get_doc(
			{"doctype": "Partner Tier Review", "channel_partner": proposal["channel_partner"], **values}
		)
	review.flags.prm_system = True
	review.save(ignore_permissions=True)  # written by the evaluation job, on the vendor's side
	return review.name


def enqueue_evaluation() -> None:
	frappe.enqueue(
		"prm_extension.services.tiers.run_evaluation",
		queue="long",
		job_id="prm_evaluate_tiers",
		deduplicate=True,
		enqueue_after_commit=True,
	)


def run_evaluation(today=None, batch_size: int = BATCH_SIZE) -> dict:
	"""Evaluate every Active partner, batch by batch (each one unit, committed, with progress);
	a partner whose proposal cannot be recorded is left as it was and logged once."""
	partners = frappe.get_all(
		"Channel Partner", filters={"status": "Active"}, pluck="name", order_by="name asc"
	)
	counts = {"evaluated": 0, "Promotion": 0, "Demotion": 0, "No change": 0}

	def count(proposal) -> bool:
		record(proposal)
		counts[proposal["direction"]] += 1
		return True

	for i in range(0, len(partners), batch_size):
		batch = partners[i : i + batch_size]
		with atomic():
			each_record(
				evaluate(batch, today),
				count,
				"Channel Partner",
				EVALUATION_FAILED,
				key=lambda proposal: proposal["channel_partner"],
			)
		counts["evaluated"] += len(batch)
		end_batch(counts["evaluated"], len(partners), _("Evaluating partner tiers"))
	return counts


def partner_progress(partner: str, today=None) -> dict:
	"""The partner's own measures and its distance to the next tier (for its portal)."""
	rules = tier_rules()
	proposal = evaluate([partner], today, rules)[0]
	next_rule = next((r for r in rules if r.name == proposal["next_tier"]), None)
	rows = []
	if next_rule:
		have = {
			"revenue": proposal["invoiced_revenue"],
			"won_deals": proposal["won_deals"],
			"certifications": proposal["certifications"],
		}
		for key, need in (
			("revenue", next_rule.min_revenue),
			("won_deals", next_rule.min_won_deals),
			("certifications", next_rule.min_certifications),
		):
			if need:
				rows.append(
					{"measure": key, "have": have[key], "need": need, "percent": progress(have[key], need)}
				)
	return {
		"tier": proposal["current_tier"],
		"qualifies_for": proposal["proposed_tier"],
		"next_tier": proposal["next_tier"],
		"keep": proposal["keep"],
		"window_start": proposal["window_start"],
		"window_end": proposal["window_end"],
		"measures": {
			"revenue": proposal["invoiced_revenue"],
			"won_deals": proposal["won_deals"],
			"certifications": proposal["certifications"],
		},
		"progress": rows,
	}
