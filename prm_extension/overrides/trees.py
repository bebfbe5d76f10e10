"""Territory, Item Group and Customer Group hooks: the rules read these trees' bounds from a cache
(``services.partners.tree_nodes``), dropped whenever a node is added, moved or removed."""

from prm_extension.services.partners import after_transaction, clear_partner_cache, clear_tree_cache


def on_change(doc, method=None):
	clear_tree_cache()


def after_rename(doc, method=None, old=None, new=None, merge=False):
	"""A renamed or merged node: Frappe rewrites the links to it (partners' territory and product
	line rows too) with plain SQL, which moves no partner's ``modified``. Frappe's rename clears the
	site's whole cache before its commit; this drops every partner's context again after the
	commit, so a check that ran in between and cached the old names is not kept."""
	clear_tree_cache()
	after_transaction(clear_partner_cache)
