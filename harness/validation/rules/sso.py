"""SSO token semantics."""

from __future__ import annotations

from typing import Any

from harness.validation.rules._registry import Finding, Path, RuleContext, entity_rule


@entity_rule("SSO-TOKEN-TIMES", "id_token")
def expiry_after_issue(entity: dict[str, Any], path: Path, ctx: RuleContext) -> list[Finding] | None:
    issued, expires = entity.get("iat"), entity.get("exp")
    if type(issued) is int and type(expires) is int and expires <= issued:
        return [Finding("SSO-TOKEN-TIMES", (*path, "exp"), f"exp {expires} is not after iat {issued}")]
    return None
