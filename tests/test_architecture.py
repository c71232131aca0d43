"""The project's layers (SPEC 3), checked on the source: every import of every module goes to
its own layer or a lower one, the modules import each other in no circle, and the modules
import cleanly in layer order.

From the bottom up: the base (settings, roles, generic forms and exchange formats); the
reference data (the classification models and the rules that read only them); the card
(customers); the facts (sales), which refer to the card; the review of proposed card changes
(review); the logic that classifies customers from their sales and writes their cards; the
channels that propose changes (visits, customer forms, investigations); the analyses
(reports); the demo data; and the root URLconf, which wires every app. A lower layer reaches
an upper one only through what Django offers for it: signals, registries filled from an
upper app's `AppConfig.ready()` (the card's panels), URL names and `include("app.urls")`
strings."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("archive_crm", "accounts", "classification", "customers", "sales", "reports")
APPS += ("dataexchange", "demo", "review", "visits", "customerforms", "investigations", "audit")
APPS += ("jobs",)

LAYERS = (
    "base",
    "reference",
    "card",
    "facts",
    "review",
    "classifying",
    "channels",
    "analyses",
    "demo",
    "project",
)

# Each module belongs to the layer of the longest entry naming it or a package above it.
PLACES = {
    "archive_crm": "base",
    "accounts": "base",
    "dataexchange": "base",
    "jobs": "base",
    "classification.models": "reference",
    "classification.lifecycle": "reference",
    "classification.routing": "reference",
    "classification.schedule": "reference",
    "customers": "card",
    "sales": "facts",
    "classification.services": "classifying",
    "classification.selectors": "classifying",
    "classification.views": "classifying",
    "classification.api": "classifying",
    "classification.admin": "classifying",
    "classification.tasks": "classifying",
    "classification.management": "classifying",
    "classification.urls": "classifying",
    # It connects the classifying rules to the sales signals and registers the card's panels;
    # Django loads it by its name in INSTALLED_APPS, nothing imports it.
    "classification.apps": "classifying",
    "review": "review",
    "visits": "channels",
    "customerforms": "channels",
    "investigations": "channels",
    "reports": "analyses",
    "audit": "analyses",
    "demo": "demo",
    "archive_crm.urls": "project",
}
# The classification app spans two layers: each of its modules is placed by name above (a new
# one has no layer until it is given one). Its package itself holds no code.
SPLIT_PACKAGES = {"classification": "reference"}


def project_modules() -> dict[str, Path]:
    """Every module of the project's apps by dotted name, without migrations and tests."""
    modules = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts or "tests" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def imported_modules(module: str, path: Path, known: set[str]) -> set[str]:
    """The project modules that `module` imports, at module level or inside functions.
    `from package import name` counts as importing the submodule when `name` is one."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in known else base)
    return {name for name in found if name in known and name != module}


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {module: imported_modules(module, path, known) for module, path in modules.items()}


def layer_of(module: str) -> str | None:
    if module in SPLIT_PACKAGES:
        return SPLIT_PACKAGES[module]
    entries = [entry for entry in PLACES if module == entry or module.startswith(f"{entry}.")]
    return PLACES[max(entries, key=len)] if entries else None


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components; those of more than one module are cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_every_module_has_a_layer():
    unplaced = [module for module in project_modules() if layer_of(module) is None]
    assert not unplaced, f"Modules without a layer in PLACES: {unplaced}"


def test_every_import_goes_to_the_same_or_a_lower_layer():
    upward = [
        f"{module} ({layer_of(module)}) -> {target} ({layer_of(target)})"
        for module, targets in sorted(import_graph().items())
        for target in sorted(targets)
        if LAYERS.index(layer_of(target)) > LAYERS.index(layer_of(module))
    ]
    assert not upward, "Imports from a lower layer to an upper one:\n" + "\n".join(upward)


def test_no_modules_import_each_other_in_a_circle():
    cycles = [c for c in strongly_connected(import_graph()) if len(c) > 1]
    assert not cycles, "Modules that import each other in a circle:\n" + "\n".join(
        " <-> ".join(cycle) for cycle in cycles
    )


# The templates' folders, by layer (an app's admin templates are in admin/<app>/).
TEMPLATES = ROOT / "templates"
TEMPLATE_LAYERS = {
    "": "base",
    "accounts": "base",
    "registration": "base",
    "drf_spectacular": "base",
    "jobs": "base",
    "customers": "card",
    "sales": "facts",
    "review": "review",
    "classification": "classifying",
    "visits": "channels",
    "customerforms": "channels",
    "investigations": "channels",
    "reports": "analyses",
    "audit": "analyses",
}
TEMPLATE_TAG = re.compile(r"""{%\s*(?:include|extends)\s+["']([^"']+)["']""")


def template_layer(name: str) -> str | None:
    """The layer of a template by its name (its path under templates/); None for one of a
    folder that is not the project's (django-import-export's admin templates, say)."""
    folders = name.split("/")[:-1]
    if folders[:1] == ["admin"]:
        folders = folders[1:]
    return TEMPLATE_LAYERS.get(folders[0] if folders else "")


def test_every_template_includes_or_extends_its_own_layer_or_a_lower_one():
    """Only names written in the template are seen: the card's panels come from a registry
    (customers.panels) and are rendered by the apps that register them."""
    names = [path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*.html")]
    assert [name for name in names if template_layer(name) is None] == []
    upward = [
        f"{name} ({template_layer(name)}) -> {target} ({template_layer(target)})"
        for name in sorted(names)
        for target in TEMPLATE_TAG.findall((TEMPLATES / name).read_text(encoding="utf-8"))
        if template_layer(target) is not None
        and LAYERS.index(template_layer(target)) > LAYERS.index(template_layer(name))
    ]
    assert not upward, "Templates that pull in an upper layer's:\n" + "\n".join(upward)


def test_the_layers_import_cleanly_from_the_bottom_up():
    """In a fresh interpreter, so that no module is already there because a test needed it:
    Django set up, then every module, lowest layer first."""
    modules = sorted(project_modules(), key=lambda m: (LAYERS.index(layer_of(m)), m))
    script = (
        "import importlib, sys\n"
        "import django\n"
        "django.setup()\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module(name)\n"
    )
    result = subprocess.run(  # noqa: S603 (this interpreter, the project's own module names)
        [sys.executable, "-c", script, *modules],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "archive_crm.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_layer_check_sees_imports_inside_functions_and_relative_ones(tmp_path):
    source = tmp_path / "views.py"
    source.write_text(
        "from . import forms\n"
        "def view():\n"
        "    from sales.models import SalesRecord\n"
        "    import classification.selectors\n",
        encoding="utf-8",
    )
    known = {"customers.forms", "sales.models", "classification.selectors"}
    assert imported_modules("customers.views", source, known) == known


def test_the_cycle_check_finds_a_circle_of_three():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert [c for c in strongly_connected(graph) if len(c) > 1] == [["a", "b", "c"]]
