"""Partner portal: products & pricing (``/partner/products``) and one product
(``/partner/products/<item code>``): the Items of the partner's authorised product lines with the
partner's price, the list price, images and datasheets."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import frappe
from frappe import _
from frappe.utils.html_utils import sanitize_html

from prm_extension.portal.pages import portal_sidebar, require_portal_user
from prm_extension.services import catalog
from prm_extension.services.formatting import html_to_text, money, page_number

no_cache = 1
EXCERPT = 160


def card(row: dict) -> frappe._dict:
	price = row["price"]
	text = " ".join(html_to_text(row.get("description")).split())
	if text == row["item_name"]:
		text = ""
	return frappe._dict(
		item_code=row["item_code"],
		item_name=row["item_name"],
		item_group=row["item_group"],
		image=row.get("image"),
		excerpt=text if len(text) <= EXCERPT else text[: EXCERPT - 1].rsplit(" ", 1)[0] + "…",
		price=price_text(price),
		datasheets=row.get("datasheets") or [],
	)


def price_text(price: dict) -> frappe._dict:
	return frappe._dict(
		uom=price["uom"],
		yours=money(price["your_rate"], price["currency"]) if price["your_rate"] is not None else "",
		list=money(price["list_rate"], price["currency"]) if price["list_rate"] is not None else "",
		discount=f"{float(price['discount']):g}" if price["discount"] is not None else "",
	)


def get_context(context):
	code = frappe.form_dict.get("item")
	path = "/partner/products" + (f"/{quote(code)}" if isinstance(code, str) and code else "")
	partner = require_portal_user(path)
	context.show_sidebar = True
	context.sidebar_items = portal_sidebar()
	context.partner = partner
	if not partner:
		# a channel manager sees the page, but products and prices are per partner
		context.products, context.options, context.detail = [], [], None
		context.query = context.line = ""
		context.prev_url = context.next_url = None
		context.title = _("Products & pricing")
		return context
	if code:
		return detail(context, partner, code)
	query = (frappe.form_dict.get("q") or "").strip()[:140]
	options = catalog.product_line_options(partner)
	line = frappe.form_dict.get("line")
	if line not in {o["name"] for o in options}:
		line = None
	page = page_number(frappe.form_dict.get("page"))
	rows = catalog.products(
		partner, query, line, start=(page - 1) * catalog.PAGE_LENGTH, page_length=catalog.PAGE_LENGTH
	)
	context.products = [card(r) for r in rows[: catalog.PAGE_LENGTH]]
	context.options = options
	context.query = query
	context.line = line or ""
	context.price_list = catalog.price_lists(partner)[0]

	def url(p: int) -> str:
		args = {k: v for k, v in (("q", query), ("line", line), ("page", p if p > 1 else None)) if v}
		return "/partner/products" + (f"?{urlencode(args)}" if args else "")

	context.prev_url = url(page - 1) if page > 1 else None
	context.next_url = url(page + 1) if len(rows) > catalog.PAGE_LENGTH else None
	context.detail = None
	context.title = _("Products & pricing")
	return context


def detail(context, partner, code):
	try:
		row = catalog.product(partner, code)
	except frappe.DoesNotExistError:
		# outside the partner's product lines, disabled or missing: the same 404
		raise frappe.PageDoesNotExistError from None
	context.detail = frappe._dict(
		item_code=row["item_code"],
		item_name=row["item_name"],
		item_group=row["item_group"],
		brand=row.get("brand"),
		warranty_period=row.get("warranty_period"),
		image=row.get("image"),
		description=sanitize_html(row.get("description") or ""),
		prices=[price_text(p) for p in row["prices"]],
		datasheets=row["datasheets"],
		price_list=row["price_list"],
	)
	context.title = row["item_name"]
	return context
