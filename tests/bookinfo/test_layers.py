"""The runner's packages depend one way, and no module imports itself through others.

Every import counts, also one inside a function: a lazy import that closes a circle
still ties the two modules together. The layers, bottom up (a package may import from
its own and lower layers only, never a sibling in its layer):

    errors  ->  system  ->  objects  ->  mesh | pods  ->  envoy  ->  runner  ->  cli
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "bookinfo"
LAYERS = {"errors": 0, "system": 1, "objects": 2, "mesh": 3, "pods": 3, "envoy": 4, "runner": 5,
          "cli": 6, "__main__": 7}


def module_name(path: Path) -> str:
    parts = ["bookinfo", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, module: str) -> set[str]:
    """The bookinfo modules ``path`` imports (anywhere in it), as absolute names.

    ``from package import submodule`` counts as importing the submodule; ``from package
    import name`` of anything else counts as importing the package itself."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names = [f"{base}.{alias.name}" for alias in node.names]
            submodules = [name for name in names if name in MODULE_NAMES]
            found.update(submodules)
            if len(submodules) < len(names):
                found.add(base)
    return {name for name in found if name.split(".")[0] == "bookinfo"}


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}
MODULE_NAMES = set(MODULES)
GRAPH = {module: {name for name in imports_of(path, module) if name in MODULES and name != module}
         for module, path in MODULES.items()}


def layer(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def test_no_module_imports_itself_through_others():
    circles = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for imported in sorted(GRAPH[module]):
            if state.get(imported) == 1:
                circles.append(path[path.index(imported):] + [imported])
            elif imported not in state:
                visit(imported, path + [imported])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert circles == []


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if layer(m)))
def test_dependencies_point_down(module):
    own = layer(module)
    assert own in LAYERS, f"{module}: a package the layering does not name"
    upward = sorted(imported for imported in GRAPH[module]
                    if layer(imported) and layer(imported) != own and LAYERS[layer(imported)] >= LAYERS[own])
    assert upward == [], f"{module} imports from its own layer or above"


def test_the_picture_covers_every_package():
    assert {layer(m) for m in GRAPH if layer(m)} == set(LAYERS)
