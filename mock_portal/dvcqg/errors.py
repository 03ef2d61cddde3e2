"""Answer codes of the DVCQG channel and the error its handlers raise.

Only 0 (success) is documented (dvcqg-interfaces §2.3); the negative codes follow the reference's
suggestion and can be overridden with `[error_codes]` in the mock configuration (e.g. `duplicate = 3`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from harness.core.errors import UsageError
from harness.core.violations import ValidationResult

DEFAULT_CODES: dict[str, int] = {
    "invalid": -1,  # malformed body, missing envelope keys, unknown service, rejected packet
    "session": -2,  # unknown or expired session
    "duplicate": -3,  # insert of a MaHoSo that exists ("đã tồn tại")
    "not_found": -4,  # update/progress of an unknown MaHoSo, unknown maTTHC ("không tồn tại")
    "transition": -5,  # status change outside the allowed graph
    "forbidden": -6,  # madonvi / MaDinhDanhDV outside the account's province
    "auth": -7,  # wrong username or password
}

MAX_LISTED = 20  # violations or problems listed in one message


class ChannelError(Exception):
    """A refusal answered as {error_code != 0, message}; nothing was changed."""

    def __init__(self, kind: str, message: str, *, rules: Iterable[str] = (), verdict: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.rules = tuple(rules)
        self.verdict = verdict


def error_codes(extra: Mapping[str, Any]) -> dict[str, int]:
    """The default codes with the configured overrides (`extra["error_codes"]`)."""
    codes = dict(DEFAULT_CODES)
    overrides = extra.get("error_codes") or {}
    if not isinstance(overrides, Mapping):
        raise UsageError("mock configuration: error_codes must be a table of name = integer")
    for name, value in overrides.items():
        if name not in codes:
            raise UsageError(f"mock configuration: unknown error_codes key {name!r} (one of {', '.join(codes)})")
        if not isinstance(value, int) or isinstance(value, bool) or value == 0:
            raise UsageError(f"mock configuration: error_codes.{name} must be a non-zero integer")
        codes[name] = value
    return codes


def violations_message(result: ValidationResult) -> str:
    """A readable list of what to fix: rule, JSON pointer and message per violation, capped; the count says
    how many the validator found ("100 of 12000 violations shown", "100 of more than 100 ...")."""
    violations = result.violations
    count, total = len(violations), result.violation_count
    if not result.truncated:
        found = f"{count} lỗi / violations"
    else:
        vi = f"{count}/{total}" if total is not None else f"{count}/hơn {count}"
        found = f"liệt kê {vi} lỗi / {result.count_text()}"
    lines = [f"Gói tin không hợp lệ, không được ghi nhận / packet rejected, nothing stored ({found}):"]
    listed = violations[:MAX_LISTED]
    for violation in listed:
        lines.append(f"- [{violation.rule}] {violation.pointer or '/'}: {violation.message}")
    if total is not None and total > len(listed):
        lines.append(f"- ... và {total - len(listed)} lỗi khác / and {total - len(listed)} more")
    elif total is None:
        rest = count - len(listed)
        more = f"hơn {rest} lỗi khác / and more than {rest} more" if rest else "các lỗi khác / and more, not counted"
        lines.append(f"- ... và {more}")
    return "\n".join(lines)


def problems_message(head: str, problems: list[str]) -> str:
    if len(problems) == 1:
        return problems[0]
    lines = [head, *(f"- {p}" for p in problems[:MAX_LISTED])]
    if len(problems) > MAX_LISTED:
        lines.append(f"- ... và {len(problems) - MAX_LISTED} lỗi khác / and {len(problems) - MAX_LISTED} more")
    return "\n".join(lines)
