"""How the app writes values for people and reads what people type: money, dates and periods,
HTML as text, status badges, search patterns and page numbers (portal pages, program terms,
e-mails)."""

import re

import frappe
from frappe import _
from frappe.utils import cint, fmt_money, formatdate, get_user_date_format

MAX_PAGE = 10000


def page_number(value) -> int:
	try:
		return min(max(int(value or 1), 1), MAX_PAGE)
	except (TypeError, ValueError):
		return 1


def like_pattern(text: str) -> str:
	"""``%text%`` with the LIKE wildcards of ``text`` taken literally (MariaDB escape: backslash)."""
	escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
	return f"%{escaped}%"


def status_class(status: str | None) -> str:
	"""CSS modifier of a status badge: ``Partially Approved`` → ``partially-approved``."""
	return re.sub(r"[^a-z0-9]+", "-", (status or "").lower()).strip("-")


def money(value, currency: str | None) -> str:
	"""As ``fmt_money(value, currency=currency)``, with the site's number format, the currency
	precision, the hide-symbol setting and each currency's symbol read once per request (a list
	page formats a few hundred amounts; ``fmt_money`` reads them from the cache for every one)."""
	memo = getattr(frappe.local, "prm_money_defaults", None)
	if memo is None:
		memo = frappe.local.prm_money_defaults = {
			"format": frappe.db.get_default("number_format") or "#,###.##",
			"precision": cint(frappe.db.get_default("currency_precision")) or None,
			"hide": frappe.defaults.get_global_default("hide_currency_symbol") == "Yes",
			"symbols": {},
		}
	text = fmt_money(value or 0, precision=memo["precision"], format=memo["format"])
	if not currency or memo["hide"]:
		return text
	if currency not in memo["symbols"]:
		symbol, on_right = frappe.get_cached_value("Currency", currency, ["symbol", "symbol_on_right"]) or (
			None,
			0,
		)
		memo["symbols"][currency] = (_(symbol or currency), on_right)
	symbol, on_right = memo["symbols"][currency]
	return f"{text} {symbol}" if on_right else f"{symbol} {text}"


def html_to_text(html: str | None) -> str:
	"""Text Editor HTML as plain text with its paragraphs kept."""
	from frappe.utils import strip_html_tags
	from frappe.utils.html_utils import unescape_html

	if not html:
		return ""
	text = re.sub(r"(?i)<br\s*/?>|</p>|</li>|</h\d>|</div>", "\n", html)
	text = unescape_html(strip_html_tags(text))
	return re.sub(r"\n{3,}", "\n\n", text).strip()


def date(value) -> str:
	"""As ``formatdate(value)``, each distinct date formatted once per request (a list page shows
	the same period dates on many rows, and Babel formats every call afresh)."""
	if not value:
		return ""
	memo = getattr(frappe.local, "prm_dates", None)
	if memo is None:
		memo = frappe.local.prm_dates = {}
	key = (str(value), get_user_date_format(), frappe.local.lang)
	text = memo.get(key)
	if text is None:
		text = memo[key] = formatdate(value)
	return text


def period_text(start, end) -> str:
	if not (start and end):
		return ""
	return f"{date(start)} – {date(end)}"
