"""What a server's start-up banner shows of a credential: the documented demo values in clear (the README
prints them; anyone may read them), every other configured value masked, so that a banner pasted into a
ticket or kept in a service log gives nothing away."""

from __future__ import annotations

import secrets

SET = "*** (set)"
UNSET = "(none)"


def is_demo(value: str, demo: str) -> bool:
    return secrets.compare_digest(value.encode(), demo.encode())


def shown(value: str, demo: str) -> str:
    """`value` itself when it is the demo value, else masked."""
    if not value:
        return UNSET
    return value if is_demo(value, demo) else SET


def shown_pair(user: str, password: str, demo_user: str, demo_password: str) -> str:
    """`user/password` in clear only when both are the demo ones: a real account name is not printed either."""
    if is_demo(user, demo_user) and is_demo(password, demo_password):
        return f"{user}/{password}"
    return SET
