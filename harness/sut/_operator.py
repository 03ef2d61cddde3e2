"""The human tester's front ends in interactive mode, over one `Operator` protocol.

- `JsonlOperator`: JSON lines on a pair of streams (a GUI or a script drives the run). Written, one object a
  line, flushed: `{"type": "step", "id", "requirement_ids", "text_vi", "text_en", "data"}`,
  `{"type": "result", "id", ...outcome}`, `{"type": "end", "exit_code"}`; read, one line per step:
  `{"id", "status": "done" | "cannot", "note"}` (blank lines skipped).
- `TerminalOperator`: a rich panel per step (Vietnamese first, English dim below, the data as a table) and a
  prompt: done, or cannot and why.

End of input (EOF, Ctrl-C/Ctrl-D at the prompt) raises `OperatorGone`; a malformed answer line
`OperatorProtocolError` (both exit 2).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TextIO, runtime_checkable

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.prompt import Prompt
from rich.table import Table
from rich.text import Text

from harness.sut._steps import FIELD_LABELS, Answer, OperatorGone, Step


@runtime_checkable
class Operator(Protocol):
    """Who performs the steps: asked once per step, told each step's outcome, told when the run ends."""

    def ask(self, step: Step) -> Answer: ...

    def result(self, step_id: str, outcome: Mapping[str, Any]) -> None: ...

    def end(self, exit_code: int) -> None: ...


def result_message(step_id: str, outcome: Mapping[str, Any]) -> dict[str, Any]:
    """`{"type": "result", "id": step_id, ...outcome}`; `type` and `id` cannot be overridden by the outcome."""
    message: dict[str, Any] = {"type": "result", "id": step_id}
    message.update((key, value) for key, value in outcome.items() if key not in message)
    return message


class JsonlOperator:
    """The operator as JSON lines: steps, results and the end written to `stdout`, answers read from `stdin`."""

    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self._in = stdin
        self._out = stdout
        self._lock = threading.Lock()

    def ask(self, step: Step) -> Answer:
        with self._lock:
            self._write(step.to_json(), during=step.id)
            while True:
                try:
                    line = self._in.readline()
                except (OSError, ValueError) as exc:  # ValueError: the stream was closed
                    raise OperatorGone(f"the operator's input closed during step {step.id}: {exc}") from None
                if not line:
                    raise OperatorGone(f"the operator's input closed during step {step.id}")
                if line.strip():
                    return Answer.parse(line, step.id)

    def result(self, step_id: str, outcome: Mapping[str, Any]) -> None:
        with self._lock:
            self._write(result_message(step_id, outcome), during=step_id)

    def end(self, exit_code: int) -> None:
        with self._lock:
            self._write({"type": "end", "exit_code": exit_code}, during="the end of the run")

    def _write(self, message: Mapping[str, Any], *, during: str) -> None:
        try:
            self._out.write(json.dumps(message, ensure_ascii=False, default=str) + "\n")
            self._out.flush()
        except (OSError, ValueError) as exc:
            raise OperatorGone(f"the operator's output closed during {_during(during)}: {exc}") from None


_DONE = frozenset({"d", "done", "x", "xong", "y", "yes", "ok", "đã xong", "da xong"})
_CANNOT = frozenset({"c", "cannot", "k", "không", "khong", "không được", "khong duoc", "no", "n"})


class TerminalOperator:
    """The operator at a terminal: each step as a rich panel, then "Đã làm xong? [d]one / [c]annot".

    `input(prompt)` reads one answer (default: `rich.prompt.Prompt.ask` on `console`); EOFError or
    KeyboardInterrupt from it means the operator left (`OperatorGone`). `total`, when known, shows
    "Bước 3/12" progress.
    """

    def __init__(
        self, console: Console, input: Callable[[str], str] | None = None, *, total: int | None = None
    ) -> None:
        self.console = console
        self.total = total
        self._input = input if input is not None else self._prompt
        self._asked = 0
        self._lock = threading.Lock()

    def ask(self, step: Step) -> Answer:
        with self._lock:
            self._asked += 1
            self.console.print(self._panel(step))
            while True:
                said = self._read("Đã làm xong? / Done? [d]one / [c]annot", step).strip().casefold()
                if said in _DONE:
                    return Answer(step.id, "done")
                if said in _CANNOT:
                    break
                self.console.print("[yellow]Trả lời d (đã xong / done) hoặc c (không làm được / cannot).[/]")
            while True:
                reason = self._read("Lý do không làm được / Why not", step).strip()
                if reason:
                    return Answer(step.id, "cannot", reason)
                self.console.print("[yellow]Cần nêu lý do / a reason is needed.[/]")

    def result(self, step_id: str, outcome: Mapping[str, Any]) -> None:
        details = ", ".join(
            f"{key} {value}" for key, value in outcome.items() if key not in ("outcome", "message") and value != ""
        )
        message = outcome.get("message")
        kind = outcome.get("outcome")
        mark = "[green]✓[/]" if kind == "observed" else "[yellow]–[/]" if kind == "cannot" else "[red]✗[/]"
        text = " · ".join(part for part in (str(kind or "result"), details, str(message or "")) if part)
        with self._lock:
            self.console.print(f"{mark} {escape(step_id)}: {escape(text)}")

    def end(self, exit_code: int) -> None:
        with self._lock:
            verdict = "[green]xong[/]" if exit_code == 0 else f"[yellow]mã thoát {exit_code}[/]"
            self.console.print(f"Kết thúc phiên tương tác / interactive session ended: {verdict}")

    def _panel(self, step: Step) -> Panel:
        table = Table(show_header=True, header_style="bold", expand=True)
        table.add_column("Thông tin / Field")
        table.add_column("Giá trị / Value", overflow="fold")
        for key, value in step.data.items():
            label_vi, label_en = FIELD_LABELS.get(key, (key, ""))
            label = Text(label_vi)
            if label_en:
                label.append(f"\n{label_en}", style="dim")
            table.add_row(label, Text(_value_text(value)))
        parts: list[Any] = [Text(step.text_vi, style="bold"), Text(step.text_en, style="dim")]
        if step.data:
            parts.append(table)
        if step.requirement_ids:
            parts.append(Text(f"Yêu cầu / Requirements: {', '.join(step.requirement_ids)}", style="cyan"))
        counter = f"Bước {self._asked}/{self.total}" if self.total else f"Bước {self._asked}"
        return Panel(Group(*parts), title=f"{counter} · {escape(step.id)}", title_align="left")

    def _read(self, prompt: str, step: Step) -> str:
        try:
            return self._input(prompt)
        except (EOFError, KeyboardInterrupt):
            raise OperatorGone(f"the operator's input closed during step {step.id}") from None

    def _prompt(self, prompt: str) -> str:
        return Prompt.ask(escape(prompt), console=self.console)


def _value_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "\n".join(str(item) for item in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", ".")
    return "—" if value is None or value == "" else str(value)


def _during(what: str) -> str:
    return what if what.startswith("the ") else f"step {what}"
