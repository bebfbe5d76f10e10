"""Scopes and account hierarchies. Pure Python (no frappe).

A reservation's scope is a territory and a product line, each a node of an ERPNext tree (Territory,
Item Group) stored as a nested set: node ``n`` contains node ``m`` iff ``n.lft <= m.lft`` and
``m.rgt <= n.rgt``. ``None`` stands for the whole tree ("everywhere", "all product lines").

An account hierarchy is a parent map ``{account: parent or None}`` of one corporate family.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True, order=True)
class Node:
	"""A node of a nested-set tree: ``lft < rgt``; children lie strictly inside their parent."""

	lft: int
	rgt: int
	name: str = ""

	def __post_init__(self):
		if self.lft >= self.rgt:
			raise ValueError(f"invalid nested-set node {self.name!r}: lft {self.lft} >= rgt {self.rgt}")


def contains(outer: Node | None, inner: Node | None) -> bool:
	"""True when ``inner`` lies within ``outer`` (``None`` is the whole tree)."""
	if outer is None:
		return True
	if inner is None:
		return False
	return outer.lft <= inner.lft and inner.rgt <= outer.rgt


def overlaps(a: Node | None, b: Node | None) -> bool:
	"""Two nodes of one tree overlap when one contains the other."""
	return contains(a, b) or contains(b, a)


def within_any(allowed: Iterable[Node], node: Node | None) -> bool:
	"""True when ``node`` lies within one of ``allowed``; an empty ``allowed`` means unrestricted."""
	allowed = tuple(allowed)
	if not allowed:
		return True
	return any(contains(a, node) for a in allowed)


@dataclass(frozen=True)
class Scope:
	territory: Node | None = None
	product_line: Node | None = None

	def overlaps(self, other: Scope) -> bool:
		return overlaps(self.territory, other.territory) and overlaps(self.product_line, other.product_line)


class HierarchyPolicy(str, Enum):
	"""How a reservation on one member of a corporate family affects the others.

	Each policy defines the set of accounts a reservation *covers*; two reservations conflict when
	their covered sets intersect (and their scopes overlap). The relation is therefore symmetric:
	a parent's reservation blocks its subsidiaries exactly when theirs block the parent.
	"""

	SEPARATE = "Each account separately"  # covers the account only
	SUBTREE = "Parent covers subsidiaries"  # covers the account and all its descendants
	FAMILY = "Whole corporate family"  # covers every account under the same root

	@classmethod
	def parse(cls, value: str | HierarchyPolicy | None) -> HierarchyPolicy:
		if isinstance(value, cls):
			return value
		for member in cls:
			if value in (member.value, member.name):
				return member
		return cls.SUBTREE


class HierarchyError(ValueError):
	def __init__(self, code: str, message: str):
		super().__init__(message)
		self.code = code


MAX_DEPTH = 32


class Family:
	"""A corporate family as a parent map. Accounts missing from the map are their own roots."""

	def __init__(self, parents: Mapping[str, str | None]):
		self.parents = dict(parents)

	def ancestors(self, account: str) -> list[str]:
		"""``account`` and its ancestors, nearest first. Stops at a cycle or after MAX_DEPTH steps."""
		chain = [account]
		seen = {account}
		current = account
		while True:
			parent = self.parents.get(current)
			if not parent or parent in seen or len(chain) > MAX_DEPTH:
				return chain
			chain.append(parent)
			seen.add(parent)
			current = parent

	def root(self, account: str) -> str:
		return self.ancestors(account)[-1]

	def relation(self, account: str, other: str) -> str:
		"""How ``other`` relates to ``account``: same, ancestor, descendant, family or none."""
		if account == other:
			return "same"
		if other in self.ancestors(account):
			return "ancestor"
		if account in self.ancestors(other):
			return "descendant"
		if self.root(account) == self.root(other):
			return "family"
		return "none"

	def covers_overlap(self, a: str, b: str, policy: HierarchyPolicy) -> bool:
		"""Whether reservations on ``a`` and ``b`` cover a common account under ``policy``."""
		relation = self.relation(a, b)
		if relation == "same":
			return True
		if policy is HierarchyPolicy.SEPARATE:
			return False
		if policy is HierarchyPolicy.SUBTREE:
			return relation in ("ancestor", "descendant")
		return relation != "none"


def check_new_parent(account: str, new_parent: str | None, family: Family) -> None:
	"""Refuse a parent that would make a cycle or a hierarchy deeper than MAX_DEPTH."""
	if not new_parent:
		return
	if new_parent == account:
		raise HierarchyError("self_parent", "An account cannot be its own parent.")
	if account in family.ancestors(new_parent):
		raise HierarchyError("cycle", "This parent would make the account hierarchy circular.")
	if len(family.ancestors(new_parent)) >= MAX_DEPTH:
		raise HierarchyError("too_deep", f"An account hierarchy may have at most {MAX_DEPTH} levels.")
