"""Territory, Item Group and Customer Group hooks: the rules read these trees' bounds from a cache
(``services.partners.tree_nodes``), dropped whenever a node is added, moved or removed."""

from prm_extension.services.partners import clear_tree_cache


def on_change(doc, method=None):
	clear_tree_cache()
