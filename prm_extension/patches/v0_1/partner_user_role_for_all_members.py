"""Since 0.1 every partner member has the Partner User role (admins also Partner Admin), so that
one portal menu item per page reaches everybody. Give it to members created before."""

import frappe


def execute():
	member = frappe.qb.DocType("Channel Partner Member")
	users = {u for (u,) in frappe.qb.from_(member).select(member.user).where(member.user.isnotnull()).run()}
	for user in sorted(users):
		if not frappe.db.exists("User", user):
			continue
		if "Partner User" not in frappe.get_roles(user):
			doc = frappe.get_doc("User", user)
			doc.append("roles", {"role": "Partner User"})
			doc.flags.ignore_permissions = True
			doc.save()
