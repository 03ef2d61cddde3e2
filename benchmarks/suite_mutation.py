"""Mutation score of the conformance suites: how many small faults in the reference portal does `certify` catch?

    python benchmarks/suite_mutation.py [--sample 20] [--seed 1] [--timeout 300] [--jobs 1]
                                        [--modules GLOB ...] [--list] [--mutant ID ...] [--out DIR]

1. Enumerates mutation points in the target modules with a small AST mutator (stdlib `ast`): comparison
   swaps (== ↔ !=, < ↔ <=, > ↔ >=, in ↔ not in), `and` ↔ `or`, `not x` → `x`, integer constants n → n + 1,
   the strings "True" ↔ "False", and an expression statement that is a call (or an awaited call) replaced
   with `pass` (logging calls excepted). Type annotations, code under `if TYPE_CHECKING`, `__all__`,
   docstrings and f-string format specs are left alone; points giving the same mutant source count once.
   The ids `--list` prints index that list: they stay valid while the target files do not change.
2. Copies the working tree once (without .git, .venv, caches, reports) per job, rewrites the target modules
   there with `ast.unparse` (formatting and comments are lost in the copy only) and checks that the copy's
   code is what gets imported.
3. Baseline: `certify` on that unmutated copy; it must exit 0, else the score would mean nothing.
4. Each sampled mutant: one target file of the copy replaced by its mutant, `<repo>/.venv/bin/python -m
   harness certify --out <tmp> --seed <seed>` with PYTHONPATH and cwd the copy, killed (process group) after
   `--timeout`, and the file restored. Outcomes: killed (exit 3: a conformance failure, the failed
   requirements recorded), crashed (exit 1/2/4, a signal, or no test passed: the portal did not start),
   timeout, survived (exit 0). Crashed and timeout count as killed in the score.

Not part of CI (each mutant is a full certify run, about a minute). The last line is machine-readable:
    RESULT killed=<k> total=<n> score=<x.xx>      (killed includes crashed and timeout)
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODULES = (
    "reference_portal/sync/*.py",
    "reference_portal/payments/*.py",
    "reference_portal/workflow.py",
    "reference_portal/feedback/*.py",
    "reference_portal/dossiers.py",
)
#: left out of the copy of the working tree
IGNORED = (".git", ".venv", "venv", "node_modules", "reports", "__pycache__", "*.pyc", ".mypy_cache")
IGNORED_MORE = (".ruff_cache", ".pytest_cache", ".hypothesis", "build", "dist", "*.egg-info")
#: names whose attribute calls are logging (`log.warning(...)`, `self.logger.info(...)`): never dropped
LOG_NAMES = frozenset({"log", "logger", "logging", "_log", "_logger", "LOG", "LOGGER"})
COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
OP_TEXT: dict[type[ast.AST], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.And: "and",
    ast.Or: "or",
}
OUTCOMES = ("killed", "crashed", "timeout", "survived")


# --- the mutator ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    """One candidate: the `index`-th mutation point of `path` (in the collector's walk order)."""

    id: int
    path: str  # relative to the repository, posix
    index: int
    line: int
    col: int
    operator: str
    before: str
    after: str

    def where(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass
class _Point:
    """A mutation point found in a tree: how to apply it in place and how to undo it."""

    node: ast.AST
    kind: str  # compare | boolop | not | int | str | call
    parent: ast.AST | None = None
    field_name: str = ""
    position: int | None = None  # index in the parent's list field
    sub: int = 0  # which operator of a chained comparison


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _assigns_all(node: ast.stmt) -> bool:
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    else:
        return False
    return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


def _is_logging_call(call: ast.Call) -> bool:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    base = func.value
    return (isinstance(base, ast.Name) and base.id in LOG_NAMES) or (
        isinstance(base, ast.Attribute) and base.attr in LOG_NAMES
    )


def _is_docstring(body: list[ast.stmt], position: int) -> bool:
    first = body[position]
    return (
        position == 0
        and isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )


class _Collector:
    """Walks a module in a fixed order and lists its mutation points (skipping annotations & co.)."""

    def __init__(self) -> None:
        self.points: list[_Point] = []

    def collect(self, tree: ast.Module) -> list[_Point]:
        self._visit(tree, None, "", None)
        return self.points

    def _children(self, node: ast.AST) -> Iterator[tuple[ast.AST, str, int | None]]:
        """(child, field name, position in a list field) for the fields that hold runtime code."""
        skip: set[str] = set()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            skip = {"returns", "type_comment", "type_params"}
        elif isinstance(node, ast.arguments):
            skip = {"posonlyargs", "args", "vararg", "kwonlyargs", "kwarg"}  # `arg` nodes: annotations only
        elif isinstance(node, ast.AnnAssign):
            skip = {"annotation", "target"}
        elif isinstance(node, ast.FormattedValue):
            skip = {"format_spec"}
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            skip = {"test", "body"}
        for name, value in ast.iter_fields(node):
            if name in skip:
                continue
            if isinstance(value, list):
                for position, item in enumerate(value):
                    if not isinstance(item, ast.AST):
                        continue
                    if isinstance(item, ast.stmt):
                        if _assigns_all(item):
                            continue
                        if name == "body" and _is_docstring(value, position):
                            continue
                    yield item, name, position
            elif isinstance(value, ast.AST):
                yield value, name, None

    def _visit(self, node: ast.AST, parent: ast.AST | None, name: str, position: int | None) -> None:
        self._check(node, parent, name, position)
        for child, child_field, child_position in self._children(node):
            self._visit(child, node, child_field, child_position)

    def _check(self, node: ast.AST, parent: ast.AST | None, name: str, position: int | None) -> None:
        def add(kind: str, sub: int = 0) -> None:
            self.points.append(_Point(node, kind, parent, name, position, sub))

        if isinstance(node, ast.Compare):
            for sub, op in enumerate(node.ops):
                if type(op) in COMPARE_SWAPS:
                    add("compare", sub)
        elif isinstance(node, ast.BoolOp):
            add("boolop")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            add("not")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, int) and not isinstance(node.value, bool):
                add("int")
            elif node.value in ("True", "False"):
                add("str")
        elif isinstance(node, ast.Expr) and parent is not None:
            call = node.value.value if isinstance(node.value, ast.Await) else node.value
            if isinstance(call, ast.Call) and not _is_logging_call(call):
                add("call")


def _replace(point: _Point, new: ast.AST) -> None:
    assert point.parent is not None
    if point.position is None:
        setattr(point.parent, point.field_name, new)
    else:
        getattr(point.parent, point.field_name)[point.position] = new


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@contextlib.contextmanager
def _applied(point: _Point) -> Iterator[tuple[str, str, str]]:
    """Apply `point` in place for the duration; yields (operator, before, after)."""
    node = point.node
    before = ast.unparse(node)
    if isinstance(node, ast.Compare):
        old_op = node.ops[point.sub]
        new_op = COMPARE_SWAPS[type(old_op)]()
        node.ops[point.sub] = new_op
        try:
            yield f"{OP_TEXT[type(old_op)]} → {OP_TEXT[type(new_op)]}", before, ast.unparse(node)
        finally:
            node.ops[point.sub] = old_op
    elif isinstance(node, ast.BoolOp):
        old_bool = node.op
        node.op = ast.Or() if isinstance(old_bool, ast.And) else ast.And()
        try:
            yield f"{OP_TEXT[type(old_bool)]} → {OP_TEXT[type(node.op)]}", before, ast.unparse(node)
        finally:
            node.op = old_bool
    elif isinstance(node, ast.UnaryOp):
        _replace(point, node.operand)
        try:
            yield "not x → x", before, ast.unparse(node.operand)
        finally:
            _replace(point, node)
    elif isinstance(node, ast.Constant) and isinstance(node.value, int) and point.kind == "int":
        old_int = node.value
        node.value = old_int + 1
        try:
            yield "n → n+1", before, ast.unparse(node)
        finally:
            node.value = old_int
    elif isinstance(node, ast.Constant):
        old_value = node.value
        node.value = "False" if old_value == "True" else "True"
        try:
            yield "'True' ↔ 'False'", before, ast.unparse(node)
        finally:
            node.value = old_value
    else:
        replacement = ast.copy_location(ast.Pass(), node)
        _replace(point, replacement)
        try:
            yield "call → pass", before, "pass"
        finally:
            _replace(point, node)


def pristine_source(source: str) -> str:
    """The module as the copy holds it: `ast.unparse` of its tree (the form every mutant is written in)."""
    return ast.unparse(ast.parse(source)) + "\n"


def mutant_source(source: str, mutation: Mutation) -> str:
    """`source` with the mutation point `mutation.index` applied."""
    tree = ast.parse(source)
    point = _Collector().collect(tree)[mutation.index]
    with _applied(point) as (operator, before, after):
        assert (operator, _short(before), _short(after)) == (mutation.operator, mutation.before, mutation.after)
        return ast.unparse(tree) + "\n"


def enumerate_mutations(sources: dict[str, str]) -> list[Mutation]:
    """Every distinct mutation of the `sources` (relative path → text), in path order then walk order (ids
    index this list)."""
    found: list[Mutation] = []
    for relative, source in sources.items():
        tree = ast.parse(source, filename=relative)
        original = ast.unparse(tree)
        if ast.dump(ast.parse(original)) != ast.dump(tree):
            print(f"skipped {relative}: ast.unparse does not round-trip it", file=sys.stderr)
            continue
        seen = {hashlib.sha256(original.encode()).digest()}
        for index, point in enumerate(_Collector().collect(tree)):
            line, col = getattr(point.node, "lineno", 0), getattr(point.node, "col_offset", -1) + 1
            with _applied(point) as (operator, before, after):
                text = ast.unparse(tree)
            digest = hashlib.sha256(text.encode()).digest()
            if digest in seen:  # the same mutant as another point (or no change at all)
                continue
            seen.add(digest)
            try:
                compile(text, relative, "exec")
            except SyntaxError:
                continue
            found.append(Mutation(len(found), relative, index, line, col, operator, _short(before), _short(after)))
    return found


def target_sources(patterns: Sequence[str]) -> dict[str, str]:
    """Relative path → text of the target files, read once: others may edit the tree while mutants run."""
    files: set[Path] = set()
    for pattern in patterns:
        matched = [p for p in ROOT.glob(pattern) if p.is_file() and p.suffix == ".py"]
        if not matched:
            raise SystemExit(f"--modules {pattern}: no Python file matches (relative to {ROOT})")
        files.update(p.resolve() for p in matched)
    return {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in sorted(files)}


# --- running certify on a copy -----------------------------------------------------------------------


@dataclass
class Outcome:
    outcome: str  # killed | crashed | timeout | survived
    exit_code: int | None
    seconds: float
    failed_requirements: list[str] = field(default_factory=list)
    failing_tests: list[str] = field(default_factory=list)
    detail: str = ""


def python_executable() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def copy_env(copy: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DVC_HARNESS_SUITES", "PYTHONHOME")}
    env["PYTHONPATH"] = str(copy)
    return env


def make_copy(destination: Path, sources: dict[str, str]) -> None:
    """The working tree without VCS, venv and caches, the target modules in their unparsed form."""
    shutil.copytree(ROOT, destination, ignore=shutil.ignore_patterns(*IGNORED, *IGNORED_MORE), symlinks=True)
    for relative, source in sources.items():
        (destination / relative).write_text(pristine_source(source), encoding="utf-8")


def check_imports(copy: Path) -> str:
    """Which files the copy's interpreter imports; abort unless harness, reference_portal and suites are the copy's."""
    probe = (
        "import json, harness, reference_portal, suites\n"
        "from harness.reporting import suites_dir\n"
        "print(json.dumps([harness.__file__, reference_portal.__file__, suites.__file__, str(suites_dir())]))"
    )
    done = subprocess.run(
        [python_executable(), "-c", probe], cwd=copy, env=copy_env(copy), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"the copy at {copy} does not import: {done.stderr.strip()[-500:]}")
    paths = [Path(p).resolve() for p in json.loads(done.stdout.strip().splitlines()[-1])]
    outside = [str(p) for p in paths if not p.is_relative_to(copy.resolve())]
    if outside:
        raise SystemExit(f"the copy at {copy} imports code from elsewhere: {', '.join(outside)}; aborting")
    return str(paths[1])


def _read_report(report: Path) -> tuple[list[str], list[str], int | None]:
    """(failed requirement ids, failing test node ids, tests passed) from a certify run's report.json."""
    try:
        data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [], [], None
    failed: list[str] = []
    tests: list[str] = []
    for article in data.get("articles", []):
        for requirement in article.get("requirements", []):
            if requirement.get("verdict") == "fail":
                failed.append(str(requirement.get("id")))
            for test in requirement.get("tests", []):
                if test.get("state") in ("fail", "error") and test.get("nodeid") not in tests:
                    tests.append(str(test.get("nodeid")))
    for test in data.get("other_tests", []):
        if test.get("state") in ("fail", "error") and test.get("nodeid") not in tests:
            tests.append(str(test.get("nodeid")))
    passed = data.get("totals", {}).get("test_states", {}).get("pass")
    return sorted(set(failed)), tests, passed if isinstance(passed, int) else None


def _tail(*paths: Path, lines: int = 3) -> str:
    """The last lines of the first of `paths` that has any (why a run crashed)."""
    for path in paths:
        with contextlib.suppress(OSError):
            text = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
            if found := [line for line in text if line]:
                return " | ".join(found[-lines:])[-400:]
    return "(no output)"


def run_certify(copy: Path, run_dir: Path, seed: int, timeout: float) -> Outcome:
    """`certify` on the copy; the report goes to `run_dir/report` (removed afterwards)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(copy / ".hypothesis", ignore_errors=True)  # no example database carried between mutants
    report = run_dir / "report"
    command = [python_executable(), "-m", "harness", "certify", "--out", str(report), "--seed", str(seed)]
    stdout, stderr = run_dir / "stdout.txt", run_dir / "stderr.txt"
    start = time.monotonic()
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            command,
            cwd=copy,
            env=copy_env(copy),
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            code: int | None = process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            code = None
    seconds = time.monotonic() - start
    failed, tests, passed = _read_report(report / "report.json")
    if code is None:
        result = Outcome("timeout", None, seconds, detail=f"no exit within {timeout:.0f} s")
    elif code == 0:
        result = Outcome("survived", 0, seconds)
    elif code == 3 and passed != 0:
        result = Outcome("killed", 3, seconds, failed, tests)
    elif code == 3:
        result = Outcome("crashed", 3, seconds, failed, tests, detail="no test passed: the portal did not start")
    else:
        pytest_log = report / "pytest.log"
        result = Outcome("crashed", code, seconds, failed, tests, detail=_tail(stderr, stdout, pytest_log))
    shutil.rmtree(report, ignore_errors=True)
    return result


def _clear_bytecode(path: Path) -> None:
    for cached in path.parent.joinpath("__pycache__").glob(f"{path.stem}.*.pyc"):
        cached.unlink(missing_ok=True)


def run_mutant(
    mutation: Mutation, source: str, copies: queue.Queue[Path], work: Path, seed: int, timeout: float
) -> Outcome:
    """Write the mutant into a free copy, certify it, restore the copy."""
    copy = copies.get()
    target = copy / mutation.path
    pristine = target.read_text(encoding="utf-8")
    try:
        target.write_text(mutant_source(source, mutation), encoding="utf-8")
        _clear_bytecode(target)
        return run_certify(copy, work / f"mutant-{mutation.id}", seed, timeout)
    finally:
        target.write_text(pristine, encoding="utf-8")
        _clear_bytecode(target)
        copies.put(copy)


# --- the command -------------------------------------------------------------------------------------


def describe(outcome: Outcome) -> str:
    if outcome.outcome == "killed":
        shown = ", ".join(outcome.failed_requirements[:4]) or ", ".join(outcome.failing_tests[:2]) or "?"
        more = len(outcome.failed_requirements) - 4
        return f"killed ({shown}{f', +{more}' if more > 0 else ''})"
    if outcome.outcome == "crashed":
        return f"crashed (exit {outcome.exit_code}: {_short(outcome.detail, 100)})"
    return outcome.outcome


def list_candidates(mutations: Sequence[Mutation]) -> None:
    for m in mutations:
        print(f"{m.id:4d}  {m.where():45s} {m.operator:18s} {m.before}  →  {m.after}")
    per_operator = Counter(m.operator for m in mutations)
    per_file = Counter(m.path for m in mutations)
    print("per operator: " + ", ".join(f"{op} {n}" for op, n in per_operator.most_common()))
    print("per file: " + ", ".join(f"{path} {n}" for path, n in sorted(per_file.items())))
    print(f"{len(mutations)} candidate mutation(s) in {len(per_file)} file(s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=20, help="mutants to run, drawn at random (default 20)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the sample and of certify's data (default 1)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per certify run (default 300)")
    parser.add_argument("--jobs", type=int, default=1, help="certify runs at once, one tree copy each (default 1)")
    parser.add_argument("--modules", nargs="+", default=list(DEFAULT_MODULES), help="target files (globs)")
    parser.add_argument("--list", action="store_true", help="print the candidate mutations and exit")
    parser.add_argument("--mutant", type=int, action="append", help="run this candidate id (repeatable; no sample)")
    parser.add_argument("--out", default=None, help="directory for mutants.json (every mutant's outcome)")
    args = parser.parse_args()
    if args.sample < 1 or args.jobs < 1 or args.timeout <= 0:
        parser.error("--sample and --jobs must be at least 1, --timeout positive")

    sources = target_sources(args.modules)
    mutations = enumerate_mutations(sources)
    if args.list:
        list_candidates(mutations)
        return
    if not mutations:
        raise SystemExit("no mutation point in the target files")
    if args.mutant:
        unknown = [i for i in args.mutant if not 0 <= i < len(mutations)]
        if unknown:
            raise SystemExit(f"--mutant {unknown}: ids run from 0 to {len(mutations) - 1} (see --list)")
        chosen = [mutations[i] for i in sorted(set(args.mutant))]
    else:
        chosen = sorted(
            random.Random(args.seed).sample(mutations, min(args.sample, len(mutations))), key=lambda m: m.id
        )
    print(f"{len(mutations)} candidate mutation(s) in {len(sources)} file(s); running {len(chosen)} (seed {args.seed})")

    work = Path(tempfile.mkdtemp(prefix="dvc-mutation-"))
    try:
        copies: queue.Queue[Path] = queue.Queue()
        for job in range(args.jobs):
            copy = work / f"tree-{job}"
            make_copy(copy, sources)
            imported = check_imports(copy)
            print(f"copy {job}: {copy} (imports reference_portal from {imported})")
            copies.put(copy)

        baseline_copy = copies.get()
        print("baseline: certify on the unmutated copy ...", flush=True)
        baseline = run_certify(baseline_copy, work / "baseline", args.seed, args.timeout)
        copies.put(baseline_copy)
        if baseline.outcome != "survived":
            reason = baseline.failed_requirements or baseline.failing_tests or [baseline.detail]
            raise SystemExit(
                f"baseline: certify on the unmutated copy ended {baseline.outcome} (exit {baseline.exit_code}, "
                f"{baseline.seconds:.0f} s): {', '.join(reason)[:600]}; a score against it would mean nothing"
            )
        print(f"baseline: exit 0 in {baseline.seconds:.1f} s", flush=True)

        results: dict[int, Outcome] = {}
        lock = threading.Lock()
        done = 0
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = {
                pool.submit(run_mutant, m, sources[m.path], copies, work, args.seed, args.timeout): m for m in chosen
            }
            for future in as_completed(futures):
                m = futures[future]
                outcome = future.result()
                with lock:
                    done += 1
                    results[m.id] = outcome
                    print(
                        f"[{done:>{len(str(len(chosen)))}}/{len(chosen)}] #{m.id} {m.where()} {m.operator}: "
                        f"{m.before} → {m.after}  {describe(outcome)}  {outcome.seconds:.1f} s",
                        flush=True,
                    )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    counts = Counter(results[m.id].outcome for m in chosen)
    survivors = [m for m in chosen if results[m.id].outcome == "survived"]
    killed = len(chosen) - len(survivors)
    score = killed / len(chosen)
    if survivors:
        print(f"\nsurvivors ({len(survivors)}):")
        width = max(len(m.where()) for m in survivors)
        for m in survivors:
            print(f"  #{m.id:<4d} {m.where():{width}s}  {m.operator:18s} {m.before}  →  {m.after}")
    print(
        "\n"
        + ", ".join(f"{name} {counts.get(name, 0)}" for name in OUTCOMES)
        + f"  (baseline {baseline.seconds:.1f} s)"
    )
    print(f"mutation score: {killed}/{len(chosen)} = {score:.2f} (killed includes crashed and timeout)")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        document = {
            "seed": args.seed,
            "sample": args.sample,
            "timeout_s": args.timeout,
            "modules": list(sources),
            "candidates": len(mutations),
            "baseline": asdict(baseline),
            "mutants": [asdict(m) | asdict(results[m.id]) for m in chosen],
            "counts": {name: counts.get(name, 0) for name in OUTCOMES},
            "killed": killed,
            "total": len(chosen),
            "score": round(score, 4),
        }
        (out / "mutants.json").write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"outcomes: {out / 'mutants.json'}")
    print(f"RESULT killed={killed} total={len(chosen)} score={score:.2f}")


if __name__ == "__main__":
    main()
