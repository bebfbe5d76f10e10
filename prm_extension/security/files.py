"""Private files stay with their documents.

Frappe lets a user read a private file when *any* File record of that URL is theirs, and makes such
a record whenever a document's attach field is set to a URL (or ``upload_file`` is given a
``file_url`` or ``library_file_name``). So a partner that wrote another partner's
``/private/files/...`` URL into one of its own documents could download that file.

A partner user may therefore create a File record without content (a reference to an existing
URL) only for a private URL that already belongs to a File record of its own partner's people.
The check is a ``has_permission`` hook on File for ``create``: Frappe asks it inside ``insert()``
before File's own code has read the referenced file from disk, so it still sees whether the caller
sent content. Uploads (content sent) are not affected, even when Frappe stores identical content
under an existing URL. The app's attach fields check the same thing per document
(``security/fields.py``), and the request gate refuses ``upload_file`` with a URL for partners.
"""

from __future__ import annotations

import frappe

from prm_extension.security.gate import is_partner_user
from prm_extension.services.partners import partner_of


def has_permission(
	doc, ptype: str | None = None, user: str | None = None, debug: bool = False
) -> bool | None:
	"""File ``has_permission`` hook: deny a partner's File record that only points at another
	partner's private file; no opinion otherwise (Frappe's own File rules decide)."""
	if ptype != "create" or isinstance(doc, str) or doc.get("content"):
		return None
	url = doc.get("file_url") or ""
	if not url.startswith("/private/"):
		return None
	user = user or frappe.session.user
	if not is_partner_user(user):
		return None
	owners = set(frappe.get_all("File", filters={"file_url": url}, pluck="owner", ignore_permissions=True))
	if not owners:
		return None  # nothing to reach through it
	partner = partner_of(user)
	team = {user}
	if partner:
		team |= set(
			frappe.get_all(
				"Channel Partner Member",
				filters={"parent": partner, "parenttype": "Channel Partner"},
				pluck="user",
				ignore_permissions=True,
			)
		)
	return None if owners & team else False
