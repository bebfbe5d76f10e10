"""Products, prices and promotions for partners (the portal pages' data, for partners' own
systems through REST with API keys)."""

from __future__ import annotations

import frappe
from frappe import _

from prm_extension.services import catalog, promotions
from prm_extension.services.formatting import page_number
from prm_extension.services.partners import require_partner


@frappe.whitelist(methods=["GET"])
def products(search: str | None = None, product_line: str | None = None, page: int = 1) -> dict:
	"""A page of the Items the caller's partner may sell, with its price and the list price."""
	partner = require_partner()
	page = page_number(page)
	if product_line and product_line not in {o.name for o in catalog.product_line_options(partner)}:
		frappe.throw(_("Product line {0} is not one of yours.").format(frappe.bold(product_line)))
	rows = catalog.products(
		partner,
		search,
		product_line,
		start=(page - 1) * catalog.PAGE_LENGTH,
		page_length=catalog.PAGE_LENGTH,
	)
	return {
		"price_list": catalog.price_lists(partner)[0],
		"products": [_public(r) for r in rows[: catalog.PAGE_LENGTH]],
		"page": page,
		"has_more": len(rows) > catalog.PAGE_LENGTH,
	}


@frappe.whitelist(methods=["GET"])
def product(item_code: str) -> dict:
	partner = require_partner()
	row = catalog.product(partner, item_code)
	out = _public(row)
	out["prices"] = row["prices"]
	return out


@frappe.whitelist(methods=["GET"])
def offers() -> dict:
	"""Programs the caller's partner is eligible for, its promotional pricing and tier benefits."""
	partner = require_partner()
	return {
		"programs": promotions.eligible_programs(partner, with_terms=True),
		"offers": promotions.offers(partner),
		"tier": promotions.tier_benefits(partner),
	}


def _public(row: dict) -> dict:
	return {
		k: row.get(k)
		for k in (
			"item_code",
			"item_name",
			"item_group",
			"image",
			"stock_uom",
			"description",
			"price",
			"datasheets",
		)
	}
