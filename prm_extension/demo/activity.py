"""Demo activity on top of the demo channel: products with list and partner prices, deal
registrations in every state (approved deals invoiced through ERPNext Sales Invoices, so they are
won with Sales Partner attribution), an MDF program with allocations and requests, a
registered-deal bonus program with claims, and announcements.

Everything goes through the real lifecycle (the partner's user registers and submits, a manager
decides, ERPNext invoices close the deals, claims are computed by the incentive engine). The one
liberty a demo takes: the registrations' dates are spread over the months since the start of the
fiscal year (an invoice is posted on that date too), so the dashboards have a history to show; the
summaries are then rebuilt from the documents, as ``bench execute`` would after a data import.
"""

from __future__ import annotations

import random

import frappe
from frappe.utils import add_days, add_months, get_first_day, getdate, nowdate

from prm_extension.demo.channel import DEMO_TAG

ITEMS = [
	# code, name, product line, list price, cost (the Item's valuation rate: margins on the dashboards)
	("DEMO-SW-24", "24-port Access Switch", "Switches", 1800, 1150),
	("DEMO-SW-48", "48-port Core Switch", "Switches", 5200, 3400),
	("DEMO-FW-200", "Firewall 200", "Firewalls", 3900, 2300),
	("DEMO-ST-10", "Storage Array 10 TB", "Storage", 12500, 8600),
	("DEMO-ST-40", "Storage Array 40 TB", "Storage", 31000, 21500),
	("DEMO-CL-USR", "Cloud Seat (year)", "Cloud Services", 240, 80),
	("DEMO-CL-VM", "Cloud VM Pack", "Cloud Services", 1500, 600),
	("DEMO-SUP-GOLD", "Gold Support (year)", "Support Contracts", 2200, 700),
]
SUPPORT_ITEM = "DEMO-SUP-GOLD"
TIER_DISCOUNT = {"Silver": 5, "Gold": 10, "Platinum": 15}  # % off the list price
ANNOUNCEMENTS = [
	(
		"Q4 deal registration bonus is live",
		None,
		"Register and win deals before year end: 1 % on every won registration.",
	),
	(
		"New 40 TB storage array",
		None,
		"The Storage Array 40 TB is orderable now; datasheets are on the product page.",
	),
	(
		"Gold and Platinum: extra MDF this quarter",
		("Gold", "Platinum"),
		"Request co-op funds for events before the 15th.",
	),
]


def company() -> str:
	return (
		frappe.defaults.get_global_default("company") or frappe.get_all("Company", pluck="name", limit=1)[0]
	)


def make_items() -> dict[str, tuple[str, float]]:
	"""Demo items in the product lines with a standard selling price, and a price list per tier."""
	standard = frappe.db.get_single_value("Selling Settings", "selling_price_list") or "Standard Selling"
	out = {}
	for code, name, group, price, cost in ITEMS:
		if not frappe.db.exists("Item", code):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": code,
					"item_name": name,
					"item_group": group,
					"stock_uom": "Nos",
					"is_stock_item": 0,
					"include_item_in_manufacturing": 0,
					"description": f"{name} ({DEMO_TAG})",
					"valuation_rate": cost,
				}
			).insert()
		_price(code, standard, price)
		out[code] = (group, price)
	for tier, discount in TIER_DISCOUNT.items():
		price_list = f"{DEMO_TAG} {tier}"
		if not frappe.db.exists("Price List", price_list):
			frappe.get_doc(
				{
					"doctype": "Price List",
					"price_list_name": price_list,
					"selling": 1,
					"currency": frappe.get_cached_value("Company", company(), "default_currency"),
				}
			).insert()
		for code, (_group, price) in out.items():
			_price(code, price_list, round(price * (100 - discount) / 100, 2))
		if frappe.db.exists("Partner Tier", tier):
			frappe.db.set_value("Partner Tier", tier, "price_list", price_list)
	return out


def _price(item: str, price_list: str, rate: float) -> None:
	if not frappe.db.exists("Item Price", {"item_code": item, "price_list": price_list}):
		frappe.get_doc(
			{"doctype": "Item Price", "item_code": item, "price_list": price_list, "price_list_rate": rate}
		).insert()


def first_date() -> object:
	"""The earliest demo date: eleven months back, not before the current fiscal year (invoices
	cannot be posted outside a fiscal year)."""
	from erpnext.accounts.utils import get_fiscal_year

	start = getdate(get_first_day(add_months(nowdate(), -11)))
	try:
		fy_start = getdate(get_fiscal_year(nowdate(), company=company())[1])
	except Exception:  # no fiscal year for today: keep every date in the current month
		fy_start = getdate(get_first_day(nowdate()))
	return max(start, fy_start)


def last_date() -> object:
	"""The end of the demo programs: the end of the current fiscal year (the year's end without
	one)."""
	from erpnext.accounts.utils import get_fiscal_year

	try:
		return getdate(get_fiscal_year(nowdate(), company=company())[2])
	except Exception:
		return getdate(f"{getdate(nowdate()).year}-12-31")


def activity_window(program_start, program_end, today, days: int = 5) -> tuple:
	"""Start and end of a demo marketing activity of ``days`` days that lies inside the program:
	three weeks ahead where the program runs that long, otherwise its last days from today on (its
	very last day once it has ended). An MDF request for an activity outside its program is
	refused, so fixed offsets from today would make none in a program's last weeks."""
	program_start, program_end, today = getdate(program_start), getdate(program_end), getdate(today)
	start = min(getdate(add_days(today, 20)), getdate(add_days(program_end, -days)))
	start = max(start, min(today, program_end), program_start)
	return start, min(getdate(add_days(start, days)), program_end)


def _partner_users(partners: list[str]) -> dict[str, str]:
	"""Each partner's enabled Partner Admin user (partners without one are left out)."""
	users = {
		p: frappe.db.get_value(
			"Channel Partner Member", {"parent": p, "partner_role": "Partner Admin", "enabled": 1}, "user"
		)
		for p in partners
	}
	return {p: u for p, u in users.items() if u}


def _covered_items(partner: str, items: dict) -> list[str]:
	from prm_extension.core.scope import contains
	from prm_extension.services.partners import tree_nodes

	lines = frappe.get_all("Channel Partner Product Line", {"parent": partner}, pluck="item_group")
	if not lines:
		return list(items)
	nodes = tree_nodes("Item Group", lines + [g for g, _p in items.values()])
	return [
		code
		for code, (group, _price) in items.items()
		if any(contains(nodes.get(line), nodes.get(group)) for line in lines)
	]


def make_deals(partners: list[str], items: dict, rng: random.Random, target: int) -> dict:
	"""Registrations by the partners' admins through ``api.deals.register``; a manager approves,
	rejects or returns them; approved ones are invoiced (won) or marked lost; then their dates are
	spread over the demo months."""
	from prm_extension.api.deals import decide, mark_lost, register
	from prm_extension.services.partners import clear_partner_cache

	users = _partner_users(
		frappe.get_all("Channel Partner", {"name": ("in", partners), "status": "Active"}, pluck="name")
	)
	active = list(users)
	if not active:
		return {}
	own_accounts = {
		p: frappe.get_all("Account Reservation", {"channel_partner": p, "status": "Active"}, pluck="customer")
		for p in active
	}
	made: list[tuple[str, str]] = []
	for i in range(target * 2):
		if len(made) >= target:
			break
		partner = active[i % len(active)]
		codes = _covered_items(partner, items)
		if not own_accounts[partner] or not codes:
			continue
		customer = rng.choice(own_accounts[partner])
		lines = [
			{"item_code": code, "qty": rng.choice([1, 2, 3, 5, 10]), "rate": items[code][1]}
			for code in rng.sample(codes, k=min(len(codes), rng.choice([1, 1, 2])))
		]
		frappe.set_user(users[partner])
		clear_partner_cache()
		try:
			answer = register(
				{
					"customer": customer,
					"contact_name": "Jordan Buyer",
					"contact_email": f"jordan{i}@buyer.example.com",
					"expected_close_date": add_days(nowdate(), rng.randint(20, 90)),
					"items": lines,
					"stage": "Qualification",
				},
				submit=rng.random() > 0.08,  # a few stay drafts
			)
			frappe.db.commit()
			made.append((answer["name"], partner))
		except frappe.ValidationError:
			frappe.db.rollback()
		finally:
			frappe.set_user("Administrator")
			clear_partner_cache()
	frappe.db.commit()

	start = first_date()
	span = max((getdate(nowdate()) - start).days, 1)
	outcome = {"Won": 0, "Lost": 0}
	for name, partner in made:
		status = frappe.db.get_value("Deal Registration", name, "status")
		if status != "Submitted":
			continue
		roll = rng.random()
		try:
			if roll < 0.12:
				decide(name, "Reject", reason="Direct account: the vendor's own team works this opportunity.")
				frappe.db.commit()
				continue
			if roll < 0.2:
				decide(name, "Return", reason="Add the buyer's budget and decision date.")
				frappe.db.commit()
				continue
			if roll < 0.3:
				continue  # waiting for a decision
			decide(name, "Approve")
		except frappe.ValidationError:
			frappe.db.rollback()
			continue
		frappe.db.commit()
		roll = rng.random()
		if roll < 0.45:
			posting = add_days(start, rng.randint(0, span))
			_invoice(name, partner, posting)
			outcome["Won"] += 1
		elif roll < 0.6:
			mark_lost(name, rng.choice(["Budget cut", "Lost on price", "Project postponed"]))
			outcome["Lost"] += 1
		frappe.db.commit()
	_spread_dates([n for n, _p in made], start, span, rng)
	counts = {
		r.status: r.count
		for r in frappe.get_all(
			"Deal Registration",
			filters={"name": ("in", [n for n, _p in made] or [""])},
			fields=["status", "count(name) as count"],
			group_by="status",
		)
	}
	return counts


def _sell(customer: str, partner: str, posting_date, lines: list[dict], co: str | None = None) -> str:
	"""A submitted Sales Invoice with the partner's Sales Partner, on ``posting_date`` (the app's
	hooks attribute the partner and close a matching approved registration as won)."""
	si = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": customer,
			"company": co or company(),
			"posting_date": posting_date,
			"set_posting_time": 1,
			"due_date": add_days(posting_date, 30),
			"sales_partner": frappe.db.get_value("Channel Partner", partner, "sales_partner"),
			"items": lines,
		}
	).insert()
	si.submit()
	return si.name


def _invoice(deal: str, partner: str, posting_date) -> str:
	"""Invoice the approved deal's lines on ``posting_date``: the deal is won on that date."""
	d = frappe.get_doc("Deal Registration", deal)
	name = _sell(
		d.customer,
		partner,
		posting_date,
		[{"item_code": r.item_code, "qty": r.qty, "rate": r.rate} for r in d.items if r.item_code],
		d.company,
	)
	frappe.db.set_value("Deal Registration", deal, "won_on", posting_date, update_modified=False)
	return name


def make_partner_sales(partners: list[str], rng: random.Random, per_partner: int = 2) -> int:
	"""Support renewals each active partner resold without a registration: invoices with its Sales
	Partner (partner revenue beyond won deals), on accounts it holds and has no deal with."""
	if not frappe.db.exists("Item", SUPPORT_ITEM):
		return 0
	start = first_date()
	span = max((getdate(nowdate()) - start).days, 1)
	made = 0
	for partner in frappe.get_all(
		"Channel Partner", {"name": ("in", partners), "status": "Active"}, pluck="name"
	):
		with_deals = set(frappe.get_all("Deal Registration", {"channel_partner": partner}, pluck="customer"))
		accounts = [
			c
			for c in frappe.get_all(
				"Account Reservation", {"channel_partner": partner, "status": "Active"}, pluck="customer"
			)
			if c not in with_deals
		]
		for customer in rng.sample(accounts, k=min(per_partner, len(accounts))):
			posting = add_days(start, rng.randint(0, span))
			_sell(
				customer,
				partner,
				posting,
				[{"item_code": SUPPORT_ITEM, "qty": rng.choice([2, 5, 12]), "rate": 2200}],
			)
			made += 1
		frappe.db.commit()
	return made


def _spread_dates(names: list[str], start, span: int, rng: random.Random) -> None:
	"""Submission and decision dates over the demo months (a won deal's submission a few weeks before
	its invoice)."""
	for name in names:
		d = frappe.db.get_value(
			"Deal Registration", name, ["status", "submitted_on", "decided_on", "won_on"], as_dict=True
		)
		if not d.submitted_on:
			continue
		if d.won_on:
			submitted = add_days(d.won_on, -rng.randint(10, 40))
			submitted = max(getdate(submitted), start)
		else:
			submitted = add_days(start, rng.randint(0, span))
		values = {"submitted_on": f"{submitted} {rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:00"}
		if d.decided_on:
			hours = rng.randint(2, 60)
			values["decided_on"] = frappe.utils.add_to_date(values["submitted_on"], hours=hours)
			values["decision_hours"] = hours
		frappe.db.set_value("Deal Registration", name, values, update_modified=False)


def make_incentives(partners: list[str], rng: random.Random) -> dict:
	"""An MDF program (allocations, requests in every state) and a registered-deal bonus program
	whose claims the engine computes from the won registrations."""
	from prm_extension.api.incentives import (
		decide_claim,
		decide_mdf_request,
		submit_claim,
		submit_mdf_request,
	)
	from prm_extension.services.partners import clear_partner_cache

	co = company()
	currency = frappe.get_cached_value("Company", co, "default_currency")
	expense = frappe.db.get_value(
		"Account", {"company": co, "account_name": "Marketing Expenses", "is_group": 0}
	) or frappe.db.get_value("Account", {"company": co, "root_type": "Expense", "is_group": 0})
	start, end = first_date(), last_date()
	users = _partner_users(
		frappe.get_all("Channel Partner", {"name": ("in", partners), "status": "Active"}, pluck="name")
	)
	active = list(users)

	def program(name, kind, budget, **values):
		if not frappe.db.exists("Incentive Program", name):
			frappe.get_doc(
				{
					"doctype": "Incentive Program",
					"program_name": name,
					"program_type": kind,
					"status": "Active",
					"company": co,
					"currency": currency,
					"total_budget": budget,
					"start_date": start,
					"end_date": end,
					"claim_deadline": add_days(end, 45),
					"expense_account": expense,
					"cost_center": frappe.get_cached_value("Company", co, "cost_center"),
					**values,
				}
			).insert()
		return name

	# each Active partner gets an allocation; a program's budget covers them with a reserve left
	mdf_amounts = {p: rng.choice([10000, 15000, 25000]) for p in active}
	bonus_amount = 20000
	mdf = program(
		f"{DEMO_TAG} MDF {start.year}",
		"MDF / Co-op",
		sum(mdf_amounts.values()) + 50000,
		reimbursement_percentage=50,
	)
	bonus = program(
		f"{DEMO_TAG} Deal Bonus {start.year}",
		"Registered-Deal Bonus",
		bonus_amount * len(active) + 50000,
		bonus_percentage=1,
	)
	for partner in active:
		for prog, amount in ((mdf, mdf_amounts[partner]), (bonus, bonus_amount)):
			if not frappe.db.exists("Fund Allocation", {"program": prog, "channel_partner": partner}):
				frappe.get_doc(
					{
						"doctype": "Fund Allocation",
						"program": prog,
						"channel_partner": partner,
						"allocated_amount": amount,
					}
				).insert()
	frappe.db.commit()

	counts = {"mdf_requests": 0, "claims": 0}

	def as_partner(partner, what, fn):
		"""``fn`` as the partner's admin; a refusal by the rules leaves nothing behind."""
		frappe.set_user(users[partner])
		clear_partner_cache()
		try:
			fn()
			frappe.db.commit()
			counts[what] += 1
		except frappe.ValidationError:
			frappe.db.rollback()
		finally:
			frappe.set_user("Administrator")
			clear_partner_cache()

	# inside the MDF program's own period (a program an earlier run made keeps its dates)
	activity_start, activity_end = activity_window(
		*frappe.db.get_value("Incentive Program", mdf, ["start_date", "end_date"]), nowdate()
	)

	def request(partner, submit):
		cost = rng.choice([4000, 6000, 9000])
		doc = frappe.get_doc(
			{
				"doctype": "MDF Request",
				"program": mdf,
				"channel_partner": partner,
				"requested_amount": cost / 2,
				"activity_type": rng.choice(["Event", "Webinar", "Digital Campaign"]),
				"activity_name": rng.choice(
					["Partner roadshow", "Security webinar", "Storage launch campaign"]
				),
				"start_date": activity_start,
				"end_date": activity_end,
				"estimated_cost": cost,
				"expected_leads": rng.choice([20, 40, 80]),
				"plan": "Invite the top 200 accounts of the region; follow up every lead within a week.",
			}
		).insert()
		if submit:
			submit_mdf_request(doc.name)

	def claim(partner):
		doc = frappe.get_doc(
			{
				"doctype": "Incentive Claim",
				"program": bonus,
				"channel_partner": partner,
				# the rules set the rest: the period is the allocation's, the currency the program's
			}
		).insert()
		submit_claim(doc.name)

	for i, partner in enumerate(active):
		if i % 3 != 2:
			as_partner(partner, "mdf_requests", lambda p=partner, s=bool(i % 4): request(p, s))
		if frappe.db.count("Deal Registration", {"channel_partner": partner, "status": "Won"}):
			as_partner(partner, "claims", lambda p=partner: claim(p))
	# a manager decides some of them
	for k, name in enumerate(
		frappe.get_all("MDF Request", {"program": mdf, "status": "Submitted"}, pluck="name")
	):
		if k % 3 == 0:
			decide_mdf_request(name, "Approve")
		elif k % 3 == 1:
			decide_mdf_request(name, "Reject", reason="Send the agenda and the invitation list first.")
		frappe.db.commit()
	for k, name in enumerate(
		frappe.get_all("Incentive Claim", {"program": bonus, "status": "Submitted"}, pluck="name")
	):
		if k % 2 == 0:
			decide_claim(name, "Approve")
			frappe.db.commit()
	return counts


def make_announcements() -> int:
	made = 0
	for title, tiers, body in ANNOUNCEMENTS:
		if frappe.db.exists("Partner Announcement", {"title": title}):
			continue
		frappe.get_doc(
			{
				"doctype": "Partner Announcement",
				"title": title,
				"status": "Published",
				"publish_on": add_days(nowdate(), -made * 6),
				"body": f"<p>{body}</p>",
				"tiers": [{"tier": t} for t in tiers or ()],
			}
		).insert()
		made += 1
	return made


def make_activity(partners: list[str], rng: random.Random, deals: int = 150) -> dict:
	from prm_extension.services import summaries
	from prm_extension.services.incentives import refresh_all_totals

	items = make_items()
	frappe.db.commit()
	result = {"deals": make_deals(partners, items, rng, deals)}
	result["partner_invoices"] = make_partner_sales(partners, rng)
	result.update(make_incentives(partners, rng))
	result["announcements"] = make_announcements()
	frappe.db.commit()
	# the dates were spread by hand: the summaries are recomputed from the documents
	summaries.rebuild_deals()
	summaries.rebuild_claims()
	summaries.rebuild_sales(first_date())
	refresh_all_totals()
	frappe.db.commit()
	return result
