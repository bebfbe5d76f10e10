"""Demo channel: tiers, partners with portal users, customers in corporate families across
territories, and reservations in every state.

    bench --site SITE prm-demo-data [--customers 3000] [--partners 20] [--seed 7]

Masters and partners go through their normal controllers. Customers are bulk-inserted (with the
same identity keys and family roots the Customer hooks compute) because thousands of full
ERPNext Customer inserts would take minutes; reservations go through the Account Reservation
lifecycle, so every one of them passed the rules.
"""

from __future__ import annotations

import random

import frappe
from frappe.utils import add_days, now, nowdate

from prm_extension.core.identity import normalize_domain, normalize_name, normalize_tax_id

DEMO_TAG = "PRM Demo"
REGIONS = {
	"PRM Demo World": None,
	"EMEA": "PRM Demo World",
	"DACH": "EMEA",
	"Germany": "DACH",
	"Austria": "DACH",
	"Switzerland": "DACH",
	"France": "EMEA",
	"United Kingdom": "EMEA",
	"Nordics": "EMEA",
	"Americas": "PRM Demo World",
	"US East": "Americas",
	"US West": "Americas",
	"Canada": "Americas",
	"Brazil": "Americas",
	"APAC": "PRM Demo World",
	"India": "APAC",
	"Japan": "APAC",
	"Australia": "APAC",
}
PRODUCT_LINES = {
	"PRM Demo Products": None,
	"Networking": "PRM Demo Products",
	"Switches": "Networking",
	"Firewalls": "Networking",
	"Storage": "PRM Demo Products",
	"Cloud Services": "PRM Demo Products",
	"Support Contracts": "PRM Demo Products",
}
TIERS = [
	# name, rank, max active, days, extensions, extension days
	("Registered", 1, 10, 60, 0, 0),
	("Silver", 2, 40, 90, 1, 30),
	("Gold", 3, 150, 90, 2, 45),
	("Platinum", 4, 0, 180, 3, 60),
]
SEGMENTS = [
	"Logistics",
	"Health",
	"Retail",
	"Energy",
	"Foods",
	"Robotics",
	"Textiles",
	"Labs",
	"Motors",
	"Media",
]
STEMS = [
	"Acme",
	"Globex",
	"Initech",
	"Umbrella",
	"Stark",
	"Wayne",
	"Tyrell",
	"Cyberdyne",
	"Soylent",
	"Hooli",
	"Vandelay",
	"Wonka",
	"Oscorp",
	"Nakatomi",
	"Gringotts",
	"Monarch",
	"Aperture",
	"Massive",
	"Dunder",
	"Sterling",
]
SUFFIXES = ["Inc.", "GmbH", "Ltd", "S.A.", "AG", "Pvt Ltd", "KK", "LLC", "SAS", "Pty Ltd"]
LEAVES = [r for r in REGIONS if r not in {v for v in REGIONS.values() if v}]


def _tree(doctype: str, field: str, parent_field: str, root_parent: str, spec: dict) -> None:
	parents = {v for v in spec.values() if v}
	for name, parent in spec.items():
		if frappe.db.exists(doctype, name):
			continue
		frappe.get_doc(
			{
				"doctype": doctype,
				field: name,
				parent_field: parent or root_parent,
				"is_group": 1 if name in parents else 0,
			}
		).insert(ignore_permissions=True)


def make_masters() -> None:
	_tree("Territory", "territory_name", "parent_territory", "All Territories", REGIONS)
	_tree("Item Group", "item_group_name", "parent_item_group", "All Item Groups", PRODUCT_LINES)
	for name in ("PRM Demo Enterprise", "PRM Demo Commercial"):
		if not frappe.db.exists("Customer Group", name):
			frappe.get_doc(
				{
					"doctype": "Customer Group",
					"customer_group_name": name,
					"parent_customer_group": "All Customer Groups",
				}
			).insert(ignore_permissions=True)
	for name, rank, limit, days, ext, ext_days in TIERS:
		if not frappe.db.exists("Partner Tier", name):
			frappe.get_doc(
				{
					"doctype": "Partner Tier",
					"tier_name": name,
					"rank": rank,
					"max_active_reservations": limit,
					"reservation_days": days,
					"max_extensions": ext,
					"extension_days": ext_days,
					"deal_protection_days": 90 if rank < 4 else 120,
					"max_deal_extensions": min(rank - 1, 2),
					"deal_discount_percentage": (0, 2, 4, 6)[rank - 1],
					# thresholds for the monthly tier evaluation (revenue over 12 months)
					"min_invoiced_revenue": (0, 100_000, 500_000, 2_000_000)[rank - 1],
					"min_won_deals": (0, 3, 10, 25)[rank - 1],
					"min_certifications": (0, 1, 2, 4)[rank - 1],
				}
			).insert(ignore_permissions=True)


def make_partners(count: int, rng: random.Random) -> list[str]:
	names = []
	kinds = ["Reseller", "Distributor", "Referral", "MSP", "System Integrator"]
	countries = [
		"Germany",
		"France",
		"United Kingdom",
		"US East",
		"US West",
		"India",
		"Japan",
		"Australia",
		"Brazil",
		"Canada",
	]
	frappe.flags.prm_no_welcome = True
	frappe.flags.in_import = True  # a bulk load: skip frappe's 60-users-a-minute throttle
	for i in range(count):
		name = f"{rng.choice(['North', 'Blue', 'Bright', 'Summit', 'Pioneer', 'Vertex', 'Nimbus', 'Harbor'])} {rng.choice(['Systems', 'Networks', 'Solutions', 'IT', 'Digital'])} {i + 1:02d}"
		names.append(name)
		# Every random draw happens whether the partner exists or not: the same seed gives the
		# same channel on a second run (which then creates nothing).
		commission = rng.choice([5, 7.5, 10, 12])
		lines = rng.sample(["Networking", "Storage", "Cloud Services"], k=2)
		if frappe.db.exists("Channel Partner", name):
			continue
		home = countries[i % len(countries)]
		regional = REGIONS[home] if i % 3 else home
		slug = name.lower().replace(" ", "")
		tier = TIERS[min(i % 5, 3)][0]
		doc = frappe.get_doc(
			{
				"doctype": "Channel Partner",
				"partner_name": name,
				"partner_type": kinds[i % len(kinds)],
				"status": "Applicant",
				"tier": tier,
				"home_territory": home,
				"commission_rate": commission,
				"website": f"https://www.{slug}.example",
				"territories": [{"territory": regional}] if i % 4 else [],
				"product_lines": [{"item_group": g} for g in lines] if i % 2 else [],
				"members": [
					{
						"email": f"admin@{slug}.example",
						"full_name": f"Alex Admin {i + 1:02d}",
						"partner_role": "Partner Admin",
					},
					{
						"email": f"rep1@{slug}.example",
						"full_name": f"Robin Rep {i + 1:02d}",
						"partner_role": "Partner User",
					},
					{
						"email": f"rep2@{slug}.example",
						"full_name": f"Sam Seller {i + 1:02d}",
						"partner_role": "Partner User",
					},
				],
			}
		)
		doc.insert(ignore_permissions=True)
		doc.status = "Active" if i < count - 2 else "Applicant"
		doc.save(ignore_permissions=True)
		if i == count - 1:
			doc.status, doc.status_reason = "Active", ""
			doc.save(ignore_permissions=True)
			doc.status, doc.status_reason = "Suspended", "Certification lapsed"
			doc.save(ignore_permissions=True)
	frappe.flags.prm_no_welcome = False
	frappe.flags.in_import = False
	return names


def customer_rows(count: int, rng: random.Random, start: int = 0, tag: str = DEMO_TAG) -> list[dict]:
	"""Customers in corporate families: about one in four is a group with 1–6 subsidiaries (some
	with offices of their own), spread over the territory leaves. Keys as the Customer hook sets them."""
	rows: list[dict] = []
	i = start
	timestamp = now()

	def add(name: str, parent: str | None, root: str | None, territory: str, group: str, house: int = 0):
		domain = f"{normalize_name(name).replace(' ', '-')}.example"
		tax = f"{territory[:2].upper()}{rng.randrange(10**8, 10**9)}"
		rows.append(
			{
				"name": name,
				"customer_name": name,
				"customer_type": "Company",
				"customer_group": group,
				"territory": territory,
				"website": f"https://www.{domain}",
				"tax_id": tax,
				"prm_parent_customer": parent,
				"prm_root_customer": root or name,
				"prm_is_house_account": house,
				"prm_name_key": normalize_name(name),
				"prm_domain": normalize_domain(domain),
				"prm_tax_key": normalize_tax_id(tax),
				"owner": "Administrator",
				"modified_by": "Administrator",
				"creation": timestamp,
				"modified": timestamp,
			}
		)

	while len(rows) < count:
		i += 1
		base = f"{rng.choice(STEMS)} {rng.choice(SEGMENTS)} {i:06d}"
		territory = rng.choice(LEAVES)
		if rng.random() < 0.25:
			root = f"{base} Group {rng.choice(SUFFIXES)}"
			add(
				root,
				None,
				None,
				REGIONS[territory] or territory,
				"PRM Demo Enterprise",
				house=1 if rng.random() < 0.05 else 0,
			)
			for j in range(rng.randint(1, 6)):
				sub_territory = rng.choice(LEAVES)
				sub = f"{base} {sub_territory} {j + 1} {rng.choice(SUFFIXES)}"
				add(sub, root, root, sub_territory, "PRM Demo Enterprise")
				if rng.random() < 0.3:
					add(
						f"{base} {sub_territory} Office {j + 1}",
						sub,
						root,
						sub_territory,
						"PRM Demo Enterprise",
					)
		else:
			add(f"{base} {rng.choice(SUFFIXES)}", None, None, territory, "PRM Demo Commercial")
	return rows[:count]  # parents precede their subsidiaries, so a cut never orphans one


def insert_customers(rows: list[dict], chunk: int = 2000) -> None:
	fields = list(rows[0].keys())
	for k in range(0, len(rows), chunk):
		values = [[r[f] for f in fields] for r in rows[k : k + chunk]]
		frappe.db.bulk_insert("Customer", fields, values, ignore_duplicates=True)


def make_reservations(partners: list[str], customers: list[dict], rng: random.Random, target: int) -> dict:
	"""Reservations through the real lifecycle, then moved into every state."""
	from prm_extension.api.accounts import reserve

	counts = {"Active": 0, "Requested": 0, "Expired": 0, "Released": 0, "Rejected": 0}
	active_partners = [p for p in partners if frappe.db.get_value("Channel Partner", p, "status") == "Active"]
	users = {
		p: frappe.db.get_value(
			"Channel Partner Member", {"parent": p, "partner_role": "Partner Admin"}, "user"
		)
		for p in active_partners
	}
	candidates = [c for c in customers if not c["prm_is_house_account"]]
	rng.shuffle(candidates)
	nodes = {t.name: (t.lft, t.rgt) for t in frappe.get_all("Territory", fields=["name", "lft", "rgt"])}
	scope = {}
	for p in active_partners:
		terrs = frappe.get_all("Channel Partner Territory", {"parent": p}, pluck="territory")
		lines = frappe.get_all("Channel Partner Product Line", {"parent": p}, pluck="item_group")
		scope[p] = ([nodes[t] for t in terrs], lines)

	def covers(p, territory):
		terrs = scope[p][0]
		lft, rgt = nodes.get(territory, (0, 0))
		return not terrs or any(a <= lft and rgt <= b for a, b in terrs)

	made = []
	for cust in candidates[: target * 3]:
		if len(made) >= target:
			break
		eligible = [p for p in active_partners if covers(p, cust["territory"])]
		if not eligible:
			continue
		partner = rng.choice(eligible)
		lines = scope[partner][1]
		frappe.set_user(users[partner])
		try:
			answer = reserve(
				cust["name"], territory=cust["territory"], product_line=rng.choice(lines) if lines else None
			)
		except frappe.ValidationError:
			frappe.db.rollback(save_point="prm_reserve")
			continue
		finally:
			frappe.set_user("Administrator")
		if answer.get("ok"):
			made.append(answer["reservation"])
	# Refusals are recorded: a few other partners try accounts that are taken.
	for name in made[: max(3, target // 20)]:
		cust = frappe.db.get_value("Account Reservation", name, ["customer", "channel_partner"], as_dict=True)
		other = rng.choice([p for p in active_partners if p != cust.channel_partner])
		frappe.set_user(users[other])
		try:
			reserve(cust.customer)
		finally:
			frappe.set_user("Administrator")
	# Every state: expire some, release some, leave some waiting for approval.
	from prm_extension.jobs import expire_reservations

	rng.shuffle(made)
	fifth = max(1, len(made) // 5)
	for name in made[:fifth]:
		frappe.db.set_value(
			"Account Reservation", name, "expiry_date", add_days(nowdate(), -rng.randint(1, 60))
		)
	expire_reservations()
	for name in made[fifth : 2 * fifth]:
		doc = frappe.get_doc("Account Reservation", name)
		doc.release()
	for name in made[2 * fifth : 2 * fifth + fifth // 2]:
		frappe.db.set_value(
			"Account Reservation", name, {"status": "Requested", "start_date": None, "expiry_date": None}
		)
	for name in made[2 * fifth + fifth // 2 : 3 * fifth]:
		frappe.db.set_value(
			"Account Reservation", name, "expiry_date", add_days(nowdate(), rng.randint(0, 13))
		)
	for status in counts:
		counts[status] = frappe.db.count("Account Reservation", {"status": status})
	return counts


def make_demo(
	customers: int = 3000, partners: int = 20, reservations: int = 400, deals: int = 150, seed: int = 7
) -> dict:
	rng = random.Random(seed)
	frappe.set_user("Administrator")
	make_masters()
	partner_names = make_partners(partners, rng)
	frappe.db.commit()
	existing = frappe.db.count(
		"Customer", {"customer_group": ("in", ["PRM Demo Enterprise", "PRM Demo Commercial"])}
	)
	rows = (
		customer_rows(max(0, customers - existing), rng, start=existing * 10) if customers > existing else []
	)
	if rows:
		insert_customers(rows)
		frappe.db.commit()
	pool = rows or frappe.get_all(
		"Customer",
		filters={"customer_group": ("in", ["PRM Demo Enterprise", "PRM Demo Commercial"])},
		fields=["name", "territory", "prm_is_house_account"],
		limit_page_length=reservations * 4,
	)
	counts = make_reservations(partner_names, pool, rng, reservations)
	frappe.db.commit()
	activity = {}
	if deals:
		from prm_extension.demo.activity import make_activity

		activity = make_activity(partner_names, rng, deals)
	return {"partners": partner_names, "customers": customers, "reservations": counts, "activity": activity}
