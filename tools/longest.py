"""The longest functions and classes of the project's code, by lines: `python -m tools.longest [--top N]`.

Evidence for reshaping (issue 10): run it before and after, and compare. A function's length counts its
body and its decorators; a class's, every line it spans. Tests and migrations are left out.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "ui", "db", "server")


@dataclass(frozen=True)
class Definition:
    kind: str  # "function" | "class"
    where: str  # path:line
    name: str  # qualified: Class.method
    lines: int


def definitions(path: Path) -> Iterator[Definition]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    where = path.relative_to(ROOT).as_posix()

    def walk(node: ast.AST, prefix: str) -> Iterator[Definition]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                lines = (child.end_lineno or child.lineno) - first + 1
                kind = "class" if isinstance(child, ast.ClassDef) else "function"
                name = f"{prefix}{child.name}"
                yield Definition(kind, f"{where}:{child.lineno}", name, lines)
                yield from walk(child, f"{name}.")

    yield from walk(tree, "")


def project_files() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.longest", description=__doc__)
    parser.add_argument("--top", type=int, default=15, help="how many of each kind (default 15)")
    args = parser.parse_args(argv)
    found = [d for path in project_files() for d in definitions(path)]
    for kind, heading in (("function", "functions"), ("class", "classes")):
        ranked = sorted((d for d in found if d.kind == kind), key=lambda d: (-d.lines, d.where))
        print(f"longest {heading}:")
        for d in ranked[: args.top]:
            print(f"  {d.lines:5d}  {d.name}  ({d.where})")
    files = sorted(
        ((len(p.read_text(encoding="utf-8").splitlines()), p) for p in project_files()), reverse=True
    )
    print("longest files:")
    for count, path in files[: args.top]:
        print(f"  {count:5d}  {path.relative_to(ROOT).as_posix()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
