"""The dependency rule of docs/architecture.md, checked on the source (no frappe needed).

Layers, from the bottom: rules (``core``) → services (``services``, ``security``) and the
DocTypes' lifecycles (``prm/doctype``) → interfaces (``api``, ``www``, ``portal``, ``jobs``,
``overrides``, reports and chart sources). Tools (``demo``, ``setup``, ``patches``, ``commands``,
tests) may use anything. Each check below names the files that break it.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "prm_extension"
STDLIB = set(sys.stdlib_module_names) | {"__future__"}

INTERFACE_KINDS = {
	"prm_extension.api": "api",
	"prm_extension.www": "www",
	"prm_extension.portal": "portal",
	"prm_extension.jobs": "jobs",
	"prm_extension.overrides": "overrides",
	"prm_extension.prm.report": "report",
	"prm_extension.prm.dashboard_chart_source": "chart source",
	"prm_extension.prm.notification": "notification",
}
TOOLS = (
	"prm_extension.demo",
	"prm_extension.setup",
	"prm_extension.patches",
	"prm_extension.commands",
	"prm_extension.tests",
	"prm_extension.hooks",
)
# the portal pages' shared helpers and renderer are the www pages' own layer
MAY_USE = {"www": {"portal"}}


def module_name(path: Path) -> str:
	parts = list(path.relative_to(ROOT).with_suffix("").parts)
	if parts[-1] == "__init__":
		parts.pop()
	return ".".join(parts)


def is_test(path: Path) -> bool:
	return path.name.startswith("test_") or "tests" in path.relative_to(APP).parts


SOURCES = {module_name(p): p for p in sorted(APP.rglob("*.py"))}


def layer(module: str) -> str:
	if module == "prm_extension.core" or module.startswith("prm_extension.core."):
		return "core"
	if module.startswith(TOOLS) or is_test(SOURCES.get(module, APP / "x.py")):
		return "tool"
	for prefix, kind in INTERFACE_KINDS.items():
		if module == prefix or module.startswith(prefix + "."):
			return kind
	if module.startswith(("prm_extension.services", "prm_extension.security")):
		return "service"
	if module.startswith("prm_extension.prm.doctype"):
		return "controller"
	return "other"


def imports(path: Path):
	"""(imported module, names, line) for every import in the file, relative ones resolved."""
	tree = ast.parse(path.read_text(), str(path))
	for node in ast.walk(tree):
		if isinstance(node, ast.Import):
			for alias in node.names:
				yield alias.name, [], node.lineno
		elif isinstance(node, ast.ImportFrom):
			base = node.module or ""
			if node.level:
				pkg = module_name(path).split(".")
				pkg = pkg[: len(pkg) - node.level + (1 if path.name == "__init__.py" else 0)]
				base = ".".join(pkg + ([base] if base else []))
			yield base, [a.name for a in node.names], node.lineno


def app_module(name: str) -> bool:
	return name == "prm_extension" or name.startswith("prm_extension.")


def resolve(base: str, name: str) -> str:
	"""``from base import name``: the module meant (``name`` may be a submodule)."""
	return f"{base}.{name}" if f"{base}.{name}" in SOURCES else base


def test_every_module_has_a_layer():
	unplaced = [m for m in SOURCES if layer(m) == "other" and m not in ("prm_extension", "prm_extension.prm")]
	unplaced = [m for m in unplaced if not SOURCES[m].name == "__init__.py"]
	assert not unplaced, (
		f"modules outside every layer (docs/architecture.md says where code goes): {unplaced}"
	)


def test_the_rules_core_imports_no_frappe_and_nothing_above_it():
	problems = []
	for module, path in SOURCES.items():
		if layer(module) != "core":
			continue
		for imported, _names, line in imports(path):
			top = imported.split(".")[0]
			if app_module(imported):
				if layer(imported) != "core":
					problems.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
			elif top not in STDLIB:
				problems.append(
					f"{path.relative_to(ROOT)}:{line} imports {imported} (not the standard library)"
				)
	assert not problems, "\n".join(problems)


def test_services_and_controllers_import_no_interface():
	problems = []
	for module, path in SOURCES.items():
		if layer(module) not in ("service", "controller") or is_test(path):
			continue
		for base, names, line in imports(path):
			for target in [resolve(base, n) for n in names] or [base]:
				if app_module(target) and layer(target) not in ("core", "service", "controller"):
					problems.append(f"{path.relative_to(ROOT)}:{line} imports {target} ({layer(target)})")
	assert not problems, "\n".join(problems)


def test_interfaces_call_services_not_each_other():
	problems = []
	for module, path in SOURCES.items():
		kind = layer(module)
		if kind not in INTERFACE_KINDS.values():
			continue
		for base, names, line in imports(path):
			for target in [resolve(base, n) for n in names] or [base]:
				other = layer(target) if app_module(target) else None
				if other in INTERFACE_KINDS.values() and other != kind and other not in MAY_USE.get(kind, ()):
					problems.append(f"{path.relative_to(ROOT)}:{line} ({kind}) imports {target} ({other})")
	assert not problems, "\n".join(problems)


def test_nothing_imports_another_modules_private_names():
	problems = []
	for module, path in SOURCES.items():
		tree = ast.parse(path.read_text())
		aliases = {}  # local name -> app module imported under it
		for base, names, line in imports(path):
			if not app_module(base):
				continue
			for name in names:
				target = resolve(base, name)
				if target != base:
					aliases[name] = target
				elif name.startswith("_") and not name.startswith("__") and base != module:
					problems.append(f"{path.relative_to(ROOT)}:{line} imports {base}.{name}")
		for node in ast.walk(tree):
			if (
				isinstance(node, ast.Attribute)
				and isinstance(node.value, ast.Name)
				and node.value.id in aliases
				and node.attr.startswith("_")
				and not node.attr.startswith("__")
			):
				problems.append(
					f"{path.relative_to(ROOT)}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}"
				)
	assert not problems, "\n".join(problems)


def app_doctypes() -> set[str]:
	return {
		json.loads(p.read_text())["name"] for p in APP.glob("prm/doctype/*/*.json") if p.stem == p.parent.name
	}


def hooks_value(name: str):
	tree = ast.parse((APP / "hooks.py").read_text())
	for node in tree.body:
		if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
			return ast.literal_eval(node.value)
	raise AssertionError(f"hooks.py has no {name}")


def test_hooks_keep_only_what_concerns_other_apps_doctypes():
	"""A DocType's lifecycle is read in its controller: doc_events name only other apps' DocTypes
	(and "*", the input checks every document passes)."""
	ours = app_doctypes()
	assert len(ours) > 30
	assert sorted(set(hooks_value("doc_events")) & ours) == []


HOOKS = (
	"doc_events",
	"permission_query_conditions",
	"has_permission",
	"scheduler_events",
	"auth_hooks",
	"after_request",
	"before_request",
	"website_path_resolver",
	"page_renderer",
	"after_install",
	"after_migrate",
	"before_tests",
	"jinja",
)


def dotted_paths(value) -> list[str]:
	if isinstance(value, str):
		return [value] if value.startswith("prm_extension.") else []
	if isinstance(value, dict):
		return [p for v in value.values() for p in dotted_paths(v)]
	if isinstance(value, list | tuple):
		return [p for v in value for p in dotted_paths(v)]
	return []


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_names_a_function_that_exists(hook):
	paths = dotted_paths(hooks_value(hook))
	missing = []
	for dotted in paths:
		module, _, name = dotted.rpartition(".")
		path = SOURCES.get(module)
		defined = path and any(
			isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name == name
			for n in ast.parse(path.read_text()).body
		)
		if not defined:
			missing.append(dotted)
	assert paths and not missing, missing
