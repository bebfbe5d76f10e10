"""Partner portal news: the announcements targeted to the partner (``/partner/news``) and one
announcement (``/partner/news/<name>``, which the page marks as read)."""

from __future__ import annotations

from urllib.parse import quote

import frappe
from frappe import _
from frappe.utils import formatdate
from frappe.utils.html_utils import sanitize_html

from prm_extension.portal.pages import portal_sidebar, require_portal_user
from prm_extension.services import announcements
from prm_extension.services.formatting import html_to_text, page_number

no_cache = 1
PAGE_LENGTH = 20
EXCERPT = 220


def excerpt(html: str | None) -> str:
	text = " ".join(html_to_text(html).split())
	return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rsplit(" ", 1)[0] + "…"


def attachments(name: str) -> list[dict]:
	"""Files attached to the announcement (downloads check read permission on the announcement)."""
	return frappe.get_all(
		"File",
		filters={"attached_to_doctype": "Partner Announcement", "attached_to_name": name, "is_folder": 0},
		fields=["file_name", "file_url", "file_size"],
		order_by="creation asc",
	)


def get_context(context):
	name = frappe.form_dict.get("name")
	path = "/partner/news" + (f"/{quote(name)}" if isinstance(name, str) and name else "")
	partner = require_portal_user(path)
	context.partner = partner
	context.show_sidebar = True
	context.sidebar_items = portal_sidebar()
	if name:
		return detail(context, name)
	page = page_number(frappe.form_dict.get("page"))
	rows = frappe.get_list(
		"Partner Announcement",
		fields=["name", "title", "publish_on", "expires_on", "body"],
		order_by="publish_on desc, creation desc",
		start=(page - 1) * PAGE_LENGTH,
		page_length=PAGE_LENGTH + 1,
	)
	read = announcements.read_names([r.name for r in rows])
	context.items = [
		frappe._dict(
			name=r.name,
			title=r.title,
			date=formatdate(r.publish_on) if r.publish_on else "",
			expires=formatdate(r.expires_on) if r.expires_on else "",
			excerpt=excerpt(r.body),
			unread=r.name not in read,
		)
		for r in rows[:PAGE_LENGTH]
	]
	context.unread = announcements.unread_count()
	context.prev_url = (
		(f"/partner/news?page={page - 1}" if page > 2 else "/partner/news") if page > 1 else None
	)
	context.next_url = f"/partner/news?page={page + 1}" if len(rows) > PAGE_LENGTH else None
	context.detail = None
	context.title = _("News")
	return context


def detail(context, name):
	try:
		doc = announcements.get_visible(name)
	except frappe.DoesNotExistError:
		# Another partner's, unpublished, expired or missing: the same 404.
		raise frappe.PageDoesNotExistError from None
	context.detail = frappe._dict(
		name=doc.name,
		title=doc.title,
		date=formatdate(doc.publish_on) if doc.publish_on else "",
		expires=formatdate(doc.expires_on) if doc.expires_on else "",
		body=sanitize_html(doc.body or ""),
		files=attachments(doc.name),
		was_read=doc.name in announcements.read_names([doc.name]),
	)
	context.title = doc.title
	return context
