"""Scenarios for the tests of harness.load, against tests/load/sample_site.py (loaded by path in the Locust
subprocess only: this file imports locust)."""

from __future__ import annotations

from locust import HttpUser, constant, tag, task


class Flaky(HttpUser):
    wait_time = constant(0.05)

    @task
    def flaky(self) -> None:
        self.client.get("/flaky")


class Slow(HttpUser):
    wait_time = constant(0.05)

    @task
    def slow(self) -> None:
        self.client.get("/slow")

    @task
    def ok(self) -> None:
        self.client.get("/ok")


class Broken(HttpUser):
    wait_time = constant(0.1)

    @tag("broken")
    @task
    def broken(self) -> None:
        raise RuntimeError("a bug in the scenario")
