"""Customer hooks: identity keys and the corporate hierarchy (parent account, family root)."""

from __future__ import annotations

import frappe
from frappe import _

from prm_extension.core.identity import normalize_domain, normalize_name, normalize_tax_id
from prm_extension.core.scope import Family, HierarchyError, check_new_parent

BATCH = 500


def validate(doc, method=None):
	doc.prm_name_key = normalize_name(doc.customer_name)[:140] or None
	doc.prm_domain = normalize_domain(doc.website) or normalize_domain(doc.get("email_id")) or None
	doc.prm_tax_key = normalize_tax_id(doc.tax_id) or None
	parent = doc.prm_parent_customer or None
	if parent:
		ancestors = _ancestor_map(parent)
		try:
			check_new_parent(doc.name, parent, Family(ancestors))
		except HierarchyError as e:
			messages = {
				"self_parent": _("A customer cannot be its own parent account."),
				"cycle": _(
					"Customer {0} is already below {1}: this parent would make the hierarchy circular."
				).format(frappe.bold(parent), frappe.bold(doc.name)),
				"too_deep": _("A customer hierarchy may have at most {0} levels.").format(32),
			}
			frappe.throw(messages[e.code], title=_("Invalid parent account"))
		doc.prm_root_customer = Family(ancestors).root(parent)
	else:
		doc.prm_root_customer = doc.name


def _ancestor_map(start: str) -> dict[str, str | None]:
	"""Parent links from ``start`` upwards (bounded walk, one indexed read per level)."""
	parents: dict[str, str | None] = {}
	current = start
	for _level in range(40):
		if current in parents:
			break
		parent = frappe.db.get_value("Customer", current, "prm_parent_customer")
		parents[current] = parent or None
		if not parent:
			break
		current = parent
	return parents


def on_update(doc, method=None):
	root = doc.prm_root_customer or doc.name
	if not doc.prm_root_customer:
		frappe.db.set_value("Customer", doc.name, "prm_root_customer", doc.name, update_modified=False)
	before = doc.get_doc_before_save()
	if before is not None and (before.prm_root_customer or before.name) != root:
		propagate_root(doc.name, root)


def propagate_root(customer: str, root: str) -> None:
	"""Give ``customer``'s whole subtree the family root ``root`` (customers and live reservations)."""
	frontier = [customer]
	seen = {customer}
	subtree = [customer]
	while frontier:
		children = frappe.get_all(
			"Customer", filters={"prm_parent_customer": ("in", frontier)}, pluck="name", limit_page_length=0
		)
		frontier = [c for c in children if c not in seen]
		seen.update(frontier)
		subtree.extend(frontier)
	for i in range(0, len(subtree), BATCH):
		batch = subtree[i : i + BATCH]
		cust = frappe.qb.DocType("Customer")
		frappe.qb.update(cust).set(cust.prm_root_customer, root).where(cust.name.isin(batch)).run()
		res = frappe.qb.DocType("Account Reservation")
		frappe.qb.update(res).set(res.root_customer, root).where(res.customer.isin(batch)).run()
