"""`dvc.yaml` declares what each stage really reads, re-derived from the code on every run.

For each stage the test walks, statically, every project module its command imports (imports
inside functions included: stages import torch, GX and friends lazily), then checks that
- its code deps cover every one of those modules and each names a folder or file it imports;
- its suites are exactly the ones its code names;
- its params are exactly the `params.yaml` keys its code reads (`settings.params.<section>.<key>`,
  also through a local alias such as `p = settings.params.train`).
A stage edited to import another stage's code, or to read a new knob, fails here until dvc.yaml
says so; a dep that nothing reads fails too.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from tests.conftest import PROJECT

DVC = yaml.safe_load((PROJECT / "dvc.yaml").read_text())
PARAMS = yaml.safe_load((PROJECT / "params.yaml").read_text())
ROOTS = ("assets", "orchestration")  # the project's importable packages
SUITES = {p.stem for p in (PROJECT / "expectations" / "expectations").glob("*.json")}
# What `python -m orchestration.stage <group>` runs: the group's assets and their gates.
STAGE_RUNNER = "python -m orchestration.stage "


def module_file(name: str) -> Path | None:
    base = PROJECT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def imported_names(name: str, path: Path) -> set[str]:
    """Project modules one module imports, anywhere in its body."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_of(name, path).split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)  # `from pkg import module`
    modules = set()
    for candidate in found:
        parts = candidate.split(".")
        if parts[0] in ROOTS:
            modules.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))  # packages' __init__ run too
    return {m for m in modules if module_file(m)}


@lru_cache(maxsize=None)
def closure(entries: tuple[str, ...]) -> dict[str, Path]:
    seen: dict[str, Path] = {}
    todo = list(entries)
    while todo:
        name = todo.pop()
        if name in seen or not (path := module_file(name)):
            continue
        seen[name] = path
        todo.extend(imported_names(name, path) - set(seen))
    return seen


def entries(stage: dict) -> tuple[str, ...]:
    cmd = stage["cmd"]
    assert cmd.startswith("python -m "), cmd
    if cmd.startswith(STAGE_RUNNER):
        group = cmd[len(STAGE_RUNNER):].split()[0]
        return (f"assets.{group}.defs", "orchestration.gates")
    module = cmd.split()[2]
    main = f"{module}.__main__"
    return (module, main) if module_file(main) else (module,)


def has_code(path: Path) -> bool:
    """False for a package's `__init__.py` that holds only its docstring: nothing to depend on."""
    body = ast.parse(path.read_text()).body
    return bool(body[1:] if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) else body)


def code_deps(stage: dict) -> list[str]:
    return [d for d in stage.get("deps", []) if d.split("/")[0] in ROOTS]


SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)


def params_read(nodes: list[ast.AST]) -> set[tuple[str, str | None]]:
    """(section, key) pairs these nodes read from Params; key None: the whole section (passed on)."""
    reads: set[tuple[str, str | None]] = set()
    for tree in nodes:
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        aliases = assigned_names(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and node.attr in PARAMS and isinstance(node.value, ast.Attribute)
                    and node.value.attr == "params"):
                continue
            section, parent = node.attr, parents.get(node)
            if not isinstance(PARAMS[section], dict):
                reads.add((section, None))
            elif isinstance(parent, ast.Attribute):
                reads.add((section, parent.attr))
            elif node in aliases:
                scope = parent
                while not isinstance(scope, SCOPES) and scope in parents:
                    scope = parents[scope]
                reads |= alias_reads(scope, aliases[node], section, parents)
            else:
                reads.add((section, None))
    return reads


def assigned_names(tree: ast.AST) -> dict[ast.AST, str]:
    """Value node -> the local name it is bound to, for `p = x` and `a, p = y, x`."""
    out: dict[ast.AST, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
            if isinstance(target, ast.Name):
                out[value] = target.id
            elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
                out.update({v: t.id for t, v in zip(target.elts, value.elts) if isinstance(t, ast.Name)})
    return out


def alias_reads(scope: ast.AST, alias: str, section: str, parents: dict) -> set[tuple[str, str | None]]:
    reads: set[tuple[str, str | None]] = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Name) and node.id == alias and isinstance(node.ctx, ast.Load):
            parent = parents.get(node)
            reads.add((section, parent.attr) if isinstance(parent, ast.Attribute) else (section, None))
    return reads


def imported_from(tree: ast.AST, name: str, path: Path) -> dict[str, tuple[str, str]]:
    """Local name -> (project module, name there) for `from module import name [as local]`."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_of(name, path).split(".")
                module = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] in ROOTS:
                out.update({(a.asname or a.name): (module, a.name) for a in node.names})
    return out


def stage_code(modules: dict[str, Path], own: tuple[str, ...]) -> list[ast.AST]:
    """The code a stage runs, at function grain: its own packages' modules whole, and from any
    other stage only the functions and classes it names (and what those name in turn)."""
    trees = {name: ast.parse(path.read_text()) for name, path in modules.items()}
    whole = [m for m in modules if m.startswith(own)]
    todo = [(m, None) for m in whole]
    seen: set[tuple[str, str | None]] = set()
    nodes: list[ast.AST] = []
    while todo:
        module, symbol = todo.pop()
        if (module, symbol) in seen or module not in trees:
            continue
        seen.add((module, symbol))
        tree = trees[module]
        imports = imported_from(tree, module, modules[module])
        if symbol is None:
            node = tree
        else:
            node = next((n for n in tree.body if getattr(n, "name", None) == symbol
                         or any(getattr(t, "id", None) == symbol for t in getattr(n, "targets", []))), None)
            if node is None:
                continue  # a submodule named in `from package import module`: its own entry handles it
        nodes.append(node)
        top = {getattr(n, "name", None) for n in tree.body} | {getattr(t, "id", None) for n in tree.body for t in getattr(n, "targets", [])}
        for name in {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | set(imports if symbol is None else ()):
            if name in imports:
                todo.append(imports[name])
                if module_file(".".join(imports[name])):
                    todo.append((".".join(imports[name]), None))  # a module imported by name: all of it
            elif symbol is not None and name in top:
                todo.append((module, name))
    return nodes


def suites_named(modules: dict[str, Path]) -> set[str]:
    """Suite names the stage's gates key their tables by: `{"<suite>": table}` in its own code
    (asset keys are spelled like suites, so only keys count)."""
    names: set[str] = set()
    for path in modules.values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Dict):
                names.update(k.value for k in node.keys if isinstance(k, ast.Constant) and k.value in SUITES)
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and isinstance(node.slice, ast.Constant):
                names.update({node.slice.value} & SUITES)  # tables["<suite>"] = ...
    return names


def describe(stage: str) -> tuple[dict[str, Path], set[tuple[str, str | None]], set[str]]:
    """A stage's imported modules, the params its code reads and the suites its own code names."""
    spec = DVC["stages"][stage]
    modules = closure(entries(spec))
    first = entries(spec)[0]
    own = (first.rpartition(".")[0] if first.endswith(".defs") else first, "orchestration", "assets.core")
    reads = params_read(stage_code(modules, own))
    # `${section.key}` in the command: DVC passes the value itself.
    reads |= {(ref.split(".")[0], ref.split(".")[1] if "." in ref else None) for ref in re.findall(r"\$\{([\w.]+)\}", spec["cmd"])}
    suites = suites_named({m: p for m, p in modules.items() if m.startswith(own[0])})
    return modules, reads, suites


CODE_STAGES = [name for name, stage in DVC["stages"].items() if stage["cmd"].startswith("python -m ")]


@pytest.mark.parametrize("name", CODE_STAGES)
def test_code_deps_cover_every_imported_module_and_nothing_else(name):
    stage = DVC["stages"][name]
    modules, _, _ = describe(name)
    files = {path.relative_to(PROJECT).as_posix() for path in modules.values() if has_code(path)}
    declared = code_deps(stage)
    uncovered = sorted(f for f in files if not any(f == d or f.startswith(d.rstrip("/") + "/") for d in declared))
    unread = sorted(d for d in declared if not any(f == d or f.startswith(d.rstrip("/") + "/") for f in files))
    nested = sorted(d for d in declared for e in declared if d != e and d.startswith(e.rstrip("/") + "/"))
    assert not uncovered, f"dvc.yaml stage {name!r} imports {uncovered} but no dep covers them"
    assert not unread, f"dvc.yaml stage {name!r} depends on {unread}, which it never imports"
    assert not nested, f"dvc.yaml stage {name!r}: {nested} already covered by a wider dep"


@pytest.mark.parametrize("name", CODE_STAGES)
def test_suite_deps_are_the_suites_the_stage_names(name):
    _, _, named = describe(name)
    declared = {Path(d).stem for d in DVC["stages"][name].get("deps", []) if d.startswith("expectations/")}
    assert declared == named, f"dvc.yaml stage {name!r}: missing {sorted(named - declared)}, unused {sorted(declared - named)}"


@pytest.mark.parametrize("name", CODE_STAGES)
def test_params_are_the_keys_the_stage_reads(name):
    _, reads, _ = describe(name)
    declared = [p if isinstance(p, str) else next(iter(p)) for p in DVC["stages"][name].get("params", [])]
    whole = {section for section, key in reads if key is None}
    needed = whole | {f"{s}.{k}" for s, k in reads if k is not None and s not in whole}
    # A section whose every key is read may be declared whole.
    for section in {s for s, _ in reads} - whole:
        if isinstance(PARAMS[section], dict) and set(PARAMS[section]) <= {k for s, k in reads if s == section}:
            needed = {n for n in needed if not n.startswith(section + ".")} | {section}
    assert set(declared) == needed, (
        f"dvc.yaml stage {name!r} params: missing {sorted(needed - set(declared))}, unread {sorted(set(declared) - needed)}"
    )


def test_the_walk_sees_lazy_imports_and_aliases():
    """The walker itself: the checkpoints stage imports torch's trainer inside functions, and the
    reports stage reads `evaluate` through `p = settings.params.evaluate`."""
    modules, reads, _ = describe("checkpoints")
    assert "assets.checkpoints.train" in modules
    assert not any(name.startswith("assets.reports") for name in modules)
    _, reads, _ = describe("reports")
    assert ("evaluate", "max_bpb") in reads
