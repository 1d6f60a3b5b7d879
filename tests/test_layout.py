"""The package's layout is its flow: io → models → vectorise → score → solvers → plan → export
→ cli / service (docs/architecture.md). A module imports from its own layer or the layers
before it, never after; the core never imports the web framework or the database toolkit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "matchmaker"

#: Each top-level part of the package and its layer, in the order of the flow.
LAYERS = {
    "_version": 0,
    "errors": 0,
    "limits": 0,
    "_bulk": 0,
    "taxonomy": 1,
    "models": 1,
    "text": 2,
    "io": 2,
    "synth": 2,
    "vectorise": 3,
    "score": 4,
    "explain": 4,
    "solvers": 5,
    "plan": 6,
    "quality": 6,
    "export": 7,
    "store": 8,
    "migrations": 8,
    "demo": 8,
    "cli": 9,
    "service": 9,
}
#: Imports against the flow, each with its reason.
AGAINST_THE_FLOW = {
    # Learned weights are chosen by how well they rank known partners: the evaluation calls
    # the ranking and its metrics (inside the function, not at import).
    ("score", "solvers"),
    ("score", "quality"),
}
#: Libraries of the edges: the store's and the service's only.
EDGE_LIBRARIES = {"fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic"}
EDGES = {"store", "migrations", "demo", "service", "cli"}


def _part(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


MODULES = sorted(p for p in SRC.rglob("*.py") if p.relative_to(SRC).parts[0] != "__init__.py")


def test_every_part_has_a_layer() -> None:
    parts = {_part(p) for p in MODULES}
    assert parts <= set(LAYERS), f"parts without a layer: {sorted(parts - set(LAYERS))}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_follow_the_flow(path: Path) -> None:
    part = _part(path)
    against = []
    for line, module in _imports(path):
        top = module.split(".")
        if top[0] == "matchmaker" and len(top) > 1 and top[1] in LAYERS:
            other = top[1]
            if LAYERS[other] > LAYERS[part] and (part, other) not in AGAINST_THE_FLOW:
                against.append(f"line {line}: {module} ({other} comes after {part})")
        elif top[0] in EDGE_LIBRARIES and part not in EDGES:
            against.append(f"line {line}: {module} (only the store and the service use it)")
    assert not against, "\n".join(against)


def test_the_flow_check_can_fail(tmp_path: Path) -> None:
    # The check reads real import statements: an io module importing a planner is caught.
    bad = tmp_path / "bad.py"
    bad.write_text("from matchmaker.plan.breakouts import plan_breakouts\nimport sqlalchemy\n")
    modules = [m for _, m in _imports(bad)]
    assert modules == ["matchmaker.plan.breakouts", "sqlalchemy"]
    assert LAYERS["plan"] > LAYERS["io"]


ROOT = SRC.parents[1]
CHECKED = sorted(
    p
    for folder in ("src/matchmaker", "tests", "benchmarks")
    for p in (ROOT / folder).rglob("*.py")
    if "__pycache__" not in p.parts
)


def _private_imports(path: Path, rel: Path) -> list[str]:
    """Imports of another module's private names (``_name``), or of a private module from
    outside its package; ``rel`` is the file's place in the tree (``src/matchmaker/...``)."""
    package = ".".join(rel.with_suffix("").parts[1:-1]) if rel.parts[0] == "src" else None
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.ImportFrom) and node.module and node.level == 0):
            continue
        parts = node.module.split(".")
        if parts[0] != "matchmaker":
            continue
        private = [
            a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")
        ]
        if private:
            found.append(f"line {node.lineno}: {', '.join(private)} from {node.module}")
        hidden = next((k for k, p in enumerate(parts) if p.startswith("_")), None)
        if hidden is not None:
            owner = ".".join(parts[:hidden])
            if package is None or not (package == owner or package.startswith(owner + ".")):
                found.append(f"line {node.lineno}: the private module {node.module}")
    return found


def test_no_module_imports_another_modules_private_names() -> None:
    found = {str(p.relative_to(ROOT)): _private_imports(p, p.relative_to(ROOT)) for p in CHECKED}
    found = {k: v for k, v in found.items() if v}
    assert not found, found


def test_the_private_import_check_can_fail(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from matchmaker.cli import _helper\n"
        "from matchmaker.solvers._x import y\n"
        "from matchmaker.taxonomy._countries import z\n"
    )
    assert _private_imports(probe, Path("tests/probe.py")) == [
        "line 1: _helper from matchmaker.cli",
        "line 2: the private module matchmaker.solvers._x",
        "line 3: the private module matchmaker.taxonomy._countries",
    ]
    # a private module used inside its own package is its package's business
    inside = Path("src/matchmaker/taxonomy/nuts.py")
    assert _private_imports(probe, inside) == [
        "line 1: _helper from matchmaker.cli",
        "line 2: the private module matchmaker.solvers._x",
    ]
