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
