"""`dvc-harness certify`: run the conformance suites against a SUT and write the certification report.

Progress (one line per suite module, and a bar on a terminal) goes to stderr; the summary to stdout, or with
`--json` only `{"report": ..., "totals": ...}` to stdout. Exit codes: 0, 2, 3, 4 (see harness.reporting.certify).
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import TYPE_CHECKING

import click
import orjson
from rich.console import Console
from rich.markup import escape

from harness.core.errors import HarnessError

if TYPE_CHECKING:  # harness.reporting (pytest, jinja2) is imported when certify runs, not at CLI start
    from rich.progress import Progress as Bar
    from rich.progress import TaskID

    from harness.reporting import CertifyOptions, CertifyResult
    from harness.sut._operator import Operator

_OUTCOME_ORDER = ("passed", "failed", "error", "deviation", "skipped")
_VERDICT_STYLE = {
    "pass": "green",
    "fail": "bold red",
    "partial": "yellow",
    "deviation": "yellow",
    "attestation_required": "blue",
    "blocked": "magenta",
}
_OVERALL_STYLE = {"pass": "bold green", "fail": "bold red", "conditional": "bold yellow"}


class ConsoleProgress:
    """A line per suite module once its tests are done; a transient progress bar above them on a terminal."""

    def __init__(self, console: Console, *, bar: bool = True) -> None:
        self.console = console
        self.show_bar = bar  # off in interactive mode: the tester's prompts need the terminal
        self.module: str | None = None
        self.counts: Counter[str] = Counter()
        self.module_started = 0.0
        self.last_event = 0.0
        self.bar: Bar | None = None
        self.task: TaskID | None = None

    def wiring(self, lines: list[str]) -> None:
        """First: where the national side listens and what the SUT must be configured with."""
        for line in lines:
            self.console.print(escape(line), soft_wrap=True)

    def collected(self, total: int, at: float) -> None:
        self.module_started = self.last_event = at
        if total:
            self.console.print(f"running {total} conformance test(s)")
        if total and self.console.is_terminal and self.show_bar:
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            self.bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("starting the SUT and the national mock", total=total)

    def test_done(self, nodeid: str, outcome: str, at: float) -> None:
        module = nodeid.split("::", 1)[0]
        if module != self.module:
            self._flush()
            self.module = module
        self.counts[outcome] += 1
        self.last_event = at
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, advance=1, description=escape(module))

    def close(self) -> None:
        self._flush()
        if self.bar is not None:
            self.bar.stop()

    def _flush(self) -> None:
        if self.module is None or not self.counts:
            return
        bad = self.counts["failed"] + self.counts["error"]
        mark = "[red]✗[/]" if bad else "[green]✓[/]"
        parts = ", ".join(f"{self.counts[o]} {o}" for o in _OUTCOME_ORDER if self.counts[o])
        elapsed = self.last_event - self.module_started
        self.console.print(f"  {mark} {escape(self.module)}  {parts}  [dim]({elapsed:.1f} s)[/]")
        self.counts.clear()
        self.module_started = self.last_event


def _console(*, stderr: bool) -> Console:
    """Rich output; a CI log (no terminal) gets 120 columns rather than rich's default 80."""
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        console.width = 120
    return console


def _summary(console: Console, result: CertifyResult) -> None:
    from rich.table import Table

    from harness.reporting import Verdict

    report, run = result.report, result.report.run
    console.print(
        f"\nrun {run.run_id} · profile {run.profile} · seed {run.seed} · "
        f"{report.totals.tests} tests in {run.duration_s:.1f} s"
    )
    overall = report.verdict
    style = _OVERALL_STYLE[overall.overall.value]
    console.print(f"[{style}]Kết quả / Verdict: {overall.label_vi} ({overall.label_en})[/]")
    for reason in overall.reasons:
        console.print(f"  · {escape(reason)}", soft_wrap=True)
    if report.root_causes:
        console.print("[bold red]Nguyên nhân gốc — sửa trước / Root causes — fix these first:[/]")
        for cause in report.root_causes:
            headline = (cause.message.splitlines() or [""])[0][:160]
            console.print(
                f"  [bold]{cause.requirement}[/] ({escape(cause.prerequisite)}): {escape(headline)} — "
                f"{len(cause.blocked)} requirement(s) blocked",
                soft_wrap=True,
            )
    table = Table(show_header=True, header_style="bold")
    table.add_column("verdict")
    table.add_column("requirements", justify="right")
    for verdict in Verdict:
        count = report.totals.verdicts[verdict.value]
        style = _VERDICT_STYLE.get(verdict.value, "") if count else "dim"
        label = f"{verdict.label_vi} / {verdict.label}"
        table.add_row(f"[{style}]{label}[/]" if style else label, str(count))
    console.print(table)
    failing = [r for r in report.requirements if r.verdict is Verdict.FAIL]
    if failing:
        failures = Table("requirement", "level", "citation", "first failure", header_style="bold red")
        for req in failing:
            first = req.failing_tests[0] if req.failing_tests else None
            message = (first.message.splitlines() or [""])[0][:100] if first else ""
            failures.add_row(req.id, req.level, req.citation, escape(message))
        console.print(failures)
    if report.partial_run:
        console.print("[yellow]partial run (--select or --reference-defect): this report certifies nothing[/]")
    if report.conformant:
        console.print("[green]no SHALL requirement failed[/]")
    else:
        console.print(f"[bold red]{report.totals.gating_failures} conformance failure(s)[/]")
    console.print(
        f"report: {escape(str(result.report_html))} (and report.json, certificate.pdf, junit.xml, evidence.ndjson)",
        soft_wrap=True,
    )
    signer = "" if report.signing.authority else " — a per-run key: integrity only, not an authority's signature"
    console.print(
        f"signed: manifest.jws, key {report.signing.key_fingerprint}{signer}; check with "
        f"dvc-harness verify {escape(str(result.directory))}",
        soft_wrap=True,
    )
    console.print(f"reproduce: {escape(run.reproduce)}", soft_wrap=True)


@click.command("certify")
@click.option(
    "--sut",
    "sut_file",
    default=None,
    envvar="DVC_HARNESS_SUT",
    help="sut.toml (default: the bundled reference portal).",
)
@click.option("--out", "out_dir", default=None, help="Report directory (default: reports/<run-id>/).")
@click.option(
    "--seed",
    type=int,
    default=None,
    envvar="DVC_HARNESS_SEED",
    help="Seed of the generated data (default: a fresh one, recorded).",
)
@click.option("--profile", default=None, envvar="DVC_HARNESS_PROFILE", help="Regulation profile (default: tt22-2019).")
@click.option(
    "--mock-url",
    default=None,
    envvar="DVC_HARNESS_MOCK_URL",
    help="Use a running national mock instead of starting one.",
)
@click.option(
    "--mock-port",
    type=int,
    default=None,
    envvar="DVC_HARNESS_MOCK_PORT",
    help="Port of the national mock the run starts (default 8787 with --sut, else a free one; 0: a free one).",
)
@click.option(
    "--expected-deviations",
    default=None,
    envvar="DVC_HARNESS_EXPECTED_DEVIATIONS",
    help="TOML of requirements known not to be met yet (reported as deviations).",
)
@click.option(
    "--sign-key",
    default=None,
    envvar="DVC_HARNESS_SIGN_KEY",
    help="Private JWK (dvc-harness keys generate) signing the run directory; default: a per-run key.",
)
@click.option(
    "--load-result",
    default=None,
    envvar="DVC_HARNESS_LOAD_RESULT",
    help="A load run's result JSON: judges the Điều 7 requirements defined at a load level.",
)
@click.option(
    "--interactive",
    type=click.Choice(["terminal", "jsonl"]),
    is_flag=False,
    flag_value="terminal",
    default=None,
    envvar="DVC_HARNESS_INTERACTIVE",
    help="A tester performs each step in the SUT's own screens: at this terminal, or =jsonl (steps as JSON lines on "
    'stdout, answers on stdin). Also [control] mode = "interactive" in sut.toml.',
)
@click.option("--json", "as_json", is_flag=True, help="Print the report path and totals as JSON on stdout.")
@click.option("--select", "selection", multiple=True, hidden=True, help="Run only the tests of this requirement ID.")
@click.option(
    "--reference-defect", "reference_defects", multiple=True, hidden=True, help="Self-tests: portal defect switch."
)
def certify_command(
    sut_file: str | None,
    out_dir: str | None,
    seed: int | None,
    profile: str | None,
    mock_url: str | None,
    mock_port: int | None,
    expected_deviations: str | None,
    sign_key: str | None,
    load_result: str | None,
    interactive: str | None,
    as_json: bool,
    selection: tuple[str, ...],
    reference_defects: tuple[str, ...],
) -> None:
    """Run the conformance suites against a SUT and write a certification report.

    Writes report.html, report.json, certificate.pdf, junit.xml, evidence.ndjson and the judged exchanges to DIR,
    signed (manifest.json, manifest.jws). Exit 0 when no SHALL requirement failed, 2 for a configuration error,
    3 for conformance failures, 4 when the SUT or the mock is unreachable.
    """
    from harness.reporting import CertifyOptions, certify
    from harness.reporting._codec import dump

    options = CertifyOptions(
        sut_file=sut_file,
        out_dir=out_dir,
        seed=seed,
        profile=profile,
        mock_url=mock_url,
        expected_deviations=expected_deviations,
        selection=tuple(dict.fromkeys(selection)),
        reference_defects=tuple(dict.fromkeys(reference_defects)),
        sign_key=sign_key,
        load_result=load_result,
        mock_port=mock_port,
        interactive=interactive,
    )
    operator = _operator(options)
    progress = ConsoleProgress(_console(stderr=True), bar=operator is None)
    try:
        result = certify(options, progress, operator)
    except HarnessError as exc:
        if operator is not None:
            operator.end(exc.exit_code)
        raise
    finally:
        progress.close()
    if operator is not None:
        operator.end(result.exit_code)
    if as_json and options.interactive != "jsonl":
        document = {
            "report": str(result.report_json),
            "html": str(result.report_html),
            "directory": str(result.directory),
            "run_id": result.report.run.run_id,
            "conformant": result.report.conformant,
            "overall": result.report.verdict.overall.value,
            "exit_code": result.exit_code,
            "totals": dump(result.report.totals),
        }
        click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
    _summary(_console(stderr=as_json or options.interactive == "jsonl"), result)
    sys.exit(result.exit_code)


def _operator(options: CertifyOptions) -> Operator | None:
    """The tester's front end in interactive mode (`--interactive`, or `[control] mode` of sut.toml)."""
    mode = options.interactive
    if mode is None and options.sut_file:
        from harness.sut import load_sut

        mode = "terminal" if load_sut(options.sut_file).interactive else None
    if mode == "jsonl":
        from harness.sut._operator import JsonlOperator

        return JsonlOperator(sys.stdin, sys.stdout)
    if mode == "terminal":
        from harness.sut._operator import TerminalOperator

        return TerminalOperator(_console(stderr=True))
    return None
