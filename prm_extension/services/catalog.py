"""Products & pricing for partners: the Items of the partner's authorised product lines, priced
from the partner's price list (its own, else its tier's, else the standard selling price list)
beside the standard list price, with images and datasheets.

One scope function (``item_filters``) decides which Items a partner may see; the portal page, the
item page and the REST call all use it, so they cannot disagree.
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import nowdate

from prm_extension.core.catalog import discount_percentage
from prm_extension.services.partners import tree_nodes

PAGE_LENGTH = 24
MAX_OPTIONS = 500


def validate_price_list(doc) -> None:
	"""A partner or tier price list must be an enabled selling price list."""
	if not doc.get("price_list"):
		return
	row = frappe.db.get_value("Price List", doc.price_list, ["selling", "enabled"], as_dict=True)
	if not row:
		frappe.throw(
			_("Price List {0} does not exist.").format(frappe.bold(doc.price_list)),
			frappe.LinkValidationError,
		)
	if not row.selling or not row.enabled:
		frappe.throw(
			_("Price List {0} must be an enabled selling price list.").format(frappe.bold(doc.price_list))
		)


def authorised_groups(partner: str) -> list[str] | None:
	"""Item Groups (subtrees included) of the partner's authorised product lines; None: all lines."""
	lines = frappe.get_all(
		"Channel Partner Product Line",
		filters={"parent": partner, "parenttype": "Channel Partner", "parentfield": "product_lines"},
		pluck="item_group",
	)
	if not lines:
		return None
	nodes = list(tree_nodes("Item Group", lines).values())
	if not nodes:
		return []
	group = frappe.qb.DocType("Item Group")
	condition = None
	for node in nodes:
		inside = (group.lft >= node.lft) & (group.rgt <= node.rgt)
		condition = inside if condition is None else (condition | inside)
	return frappe.qb.from_(group).select(group.name).where(condition).orderby(group.lft).run(pluck=True)


def product_line_options(partner: str | None) -> list[dict]:
	"""The product lines a partner may filter or register by: its authorised lines and what lies
	under them (every line below the root when it is not restricted, or for a channel manager)."""
	groups = authorised_groups(partner) if partner else None
	group = frappe.qb.DocType("Item Group")
	query = frappe.qb.from_(group).select(group.name, group.lft, group.rgt).orderby(group.lft)
	if groups is not None:
		if not groups:
			return []
		query = query.where(group.name.isin(groups))
	else:
		query = query.where(group.parent_item_group.isnotnull() & (group.parent_item_group != ""))
	rows = query.limit(MAX_OPTIONS).run(as_dict=True)
	depth: list[int] = []
	out = []
	for r in rows:
		while depth and depth[-1] < r.rgt:
			depth.pop()
		out.append(frappe._dict(name=r.name, depth=len(depth)))
		depth.append(r.rgt)
	return out


def sellable_items(partner: str | None, limit: int = MAX_OPTIONS) -> list[dict]:
	"""Code, name and product line of the Items the partner may sell (all sellable Items for a
	channel manager), by product line then name."""
	filters = item_filters(partner) if partner else {"disabled": 0, "is_sales_item": 1, "has_variants": 0}
	return frappe.get_all(
		"Item",
		filters=filters,
		fields=["name", "item_name", "item_group"],
		order_by="item_group asc, item_name asc",
		limit=limit,
	)


def item_filters(partner: str, product_line: str | None = None) -> dict:
	"""Frappe filters for the Items ``partner`` may see (sellable, enabled, not a template, in its
	authorised lines), narrowed to a product line."""
	filters: dict = {"disabled": 0, "is_sales_item": 1, "has_variants": 0}
	groups = authorised_groups(partner)
	if product_line:
		node = tree_nodes("Item Group", [product_line]).get(product_line)
		if not node:
			frappe.throw(_("Product line {0} does not exist.").format(frappe.bold(product_line)))
		group = frappe.qb.DocType("Item Group")
		subtree = (
			frappe.qb.from_(group)
			.select(group.name)
			.where((group.lft >= node.lft) & (group.rgt <= node.rgt))
			.run(pluck=True)
		)
		groups = subtree if groups is None else [g for g in subtree if g in set(groups)]
	if groups is not None:
		filters["item_group"] = ("in", groups or [""])
	return filters


def search_filters(search: str | None) -> list | None:
	from prm_extension.services.formatting import like_pattern

	text = (search or "").strip()[:140]
	if not text:
		return None
	pattern = like_pattern(text)
	return [["item_code", "like", pattern], ["item_name", "like", pattern]]


def price_lists(partner: str) -> tuple[str | None, str | None]:
	"""(the partner's price list, the standard selling price list)."""
	row = frappe.db.get_value("Channel Partner", partner, ["price_list", "tier"], as_dict=True) or {}
	standard = frappe.db.get_single_value("Selling Settings", "selling_price_list")
	own = row.get("price_list") or (
		frappe.db.get_value("Partner Tier", row.get("tier"), "price_list") if row.get("tier") else None
	)
	return own or standard, standard


def prices(items: list[str], lists: tuple[str | None, str | None]) -> dict[tuple[str, str], dict]:
	"""Current prices of ``items`` in the two lists: {(item_code, price_list): {uom: row}}. Prices
	for one customer or supplier are not list prices and are left out."""
	names = [n for n in set(lists) if n]
	if not items or not names:
		return {}
	today = nowdate()
	price = frappe.qb.DocType("Item Price")
	rows = (
		frappe.qb.from_(price)
		.select(price.item_code, price.price_list, price.uom, price.price_list_rate, price.currency)
		.where(
			price.item_code.isin(items)
			& price.price_list.isin(names)
			& (price.customer.isnull() | (price.customer == ""))
			& (price.supplier.isnull() | (price.supplier == ""))
			& (price.valid_from.isnull() | (price.valid_from <= today))
			& (price.valid_upto.isnull() | (price.valid_upto >= today))
		)
		.orderby(price.valid_from, order=frappe.qb.desc)
		.run(as_dict=True)
	)
	out: dict[tuple[str, str], dict] = {}
	for r in rows:
		out.setdefault((r.item_code, r.price_list), {}).setdefault(r.uom, r)  # newest valid_from first
	return out


def datasheets(items: list[str]) -> dict[str, list[dict]]:
	"""Public files attached to the Items (private files need read access to the Item itself)."""
	if not items:
		return {}
	rows = frappe.get_all(
		"File",
		filters={
			"attached_to_doctype": "Item",
			"attached_to_name": ("in", items),
			"is_private": 0,
			"is_folder": 0,
		},
		fields=["attached_to_name", "file_name", "file_url"],
		order_by="creation asc",
	)
	out: dict[str, list[dict]] = {}
	for r in rows:
		if r.file_url and not r.file_url.lower().endswith((".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")):
			out.setdefault(r.attached_to_name, []).append({"name": r.file_name, "url": r.file_url})
	return out


def price_rows(item: dict, uom: str, lists, table) -> dict:
	own_list, standard_list = lists
	own = (table.get((item["item_code"], own_list)) or {}).get(uom)
	standard = (table.get((item["item_code"], standard_list)) or {}).get(uom)
	return {
		"uom": uom,
		"your_rate": own.price_list_rate if own else None,
		"currency": (own or standard or {}).get("currency"),
		"list_rate": standard.price_list_rate if standard and standard_list != own_list else None,
		"discount": (
			discount_percentage(Decimal(str(standard.price_list_rate)), Decimal(str(own.price_list_rate)))
			if own and standard and standard_list != own_list
			else None
		),
	}


def products(
	partner: str,
	search: str | None = None,
	product_line: str | None = None,
	start: int = 0,
	page_length: int = PAGE_LENGTH,
) -> list[dict]:
	"""A page of the partner's Items with their prices and datasheets (``page_length + 1`` rows are
	read so callers can tell whether there is a next page)."""
	rows = frappe.get_all(
		"Item",
		filters=item_filters(partner, product_line),
		or_filters=search_filters(search),
		fields=["name as item_code", "item_name", "item_group", "image", "stock_uom", "description"],
		order_by="item_name asc, name asc",
		start=start,
		page_length=page_length + 1,
	)
	return with_prices(partner, rows)


def with_prices(partner: str, rows: list[dict]) -> list[dict]:
	lists = price_lists(partner)
	codes = [r["item_code"] for r in rows]
	table = prices(codes, lists)
	sheets = datasheets(codes)
	for r in rows:
		r["price"] = price_rows(r, r["stock_uom"], lists, table)
		r["datasheets"] = sheets.get(r["item_code"], [])
	return rows


def product(partner: str, item_code: str) -> dict:
	"""One Item the partner may see, with the prices of every unit it is sold in. An Item outside
	the partner's lines answers exactly as a missing one."""
	filters = item_filters(partner)
	filters["name"] = item_code
	rows = frappe.get_all(
		"Item",
		filters=filters,
		fields=[
			"name as item_code",
			"item_name",
			"item_group",
			"image",
			"stock_uom",
			"description",
			"brand",
			"warranty_period",
		],
		limit=1,
	)
	if not rows:
		frappe.throw(_("Product {0} was not found.").format(frappe.bold(item_code)), frappe.DoesNotExistError)
	row = rows[0]
	lists = price_lists(partner)
	table = prices([item_code], lists)
	uoms = [row["stock_uom"]] + sorted(
		{uom for key, by_uom in table.items() for uom in by_uom} - {row["stock_uom"]}
	)
	row["prices"] = [price_rows(row, uom, lists, table) for uom in uoms]
	row["price"] = row["prices"][0]
	row["datasheets"] = datasheets([item_code]).get(item_code, [])
	row["price_list"] = lists[0]
	return row
