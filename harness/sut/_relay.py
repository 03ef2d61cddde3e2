"""The loopback link between the suites' child process and the operator, who talks to the parent process.

`OperatorRelay` (parent) serves one connection on 127.0.0.1 and puts each step to the real `Operator`;
`RemoteOperator` (child) is an `Operator` that sends the steps there. JSON lines, strictly request/reply:

    child → relay   {"type": "step", "id", "requirement_ids", "text_vi", "text_en", "data"}
    relay → child   {"id", "status": "done" | "cannot", "note"}
    child → relay   {"type": "result", "id", ...outcome}
    relay → child   {"type": "ok"}
    relay → child   {"type": "error", "exit_code": 2, "kind": "gone" | "protocol", "message": "..."}
                    ({"exit_code": 4, "kind": "internal"} when the child's message itself is broken)

Once the operator is gone or broke the protocol, every later message gets the same error reply and the relay
keeps the first error in `error`, so the parent can exit 2 with what was judged so far.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from harness.core.errors import HarnessError, UsageError
from harness.sut._operator import Operator, result_message
from harness.sut._steps import Answer, OperatorGone, OperatorProtocolError, Step

HOST = "127.0.0.1"
_ACCEPT_POLL_S = 0.2
_CONNECT_TIMEOUT_S = 10.0


class OperatorRelay:
    """In the parent: relays one child's steps to `operator` over a loopback socket (a background thread)."""

    def __init__(self, operator: Operator) -> None:
        self.operator = operator
        self._listener: socket.socket | None = None
        self._connection: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._error: HarnessError | None = None

    @property
    def address(self) -> str:
        """ "127.0.0.1:port" for `RemoteOperator` (after `start`)."""
        if self._listener is None:
            raise RuntimeError("OperatorRelay.address: call start() first")
        port = self._listener.getsockname()[1]
        return f"{HOST}:{port}"

    @property
    def error(self) -> HarnessError | None:
        """The first operator failure (`OperatorGone`, `OperatorProtocolError`, ...), or None."""
        with self._lock:
            return self._error

    def start(self) -> str:
        """Bind a free port on 127.0.0.1 and serve one connection in a background thread; returns `address`."""
        if self._listener is not None:
            raise RuntimeError("OperatorRelay.start: already started")
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((HOST, 0))
        listener.listen(1)
        listener.settimeout(_ACCEPT_POLL_S)
        self._listener = listener
        self._thread = threading.Thread(target=self._serve, name="dvc-operator-relay", daemon=True)
        self._thread.start()
        return self.address

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop serving (a connection in progress is cut) and wait for the thread."""
        self._stop.set()
        with self._lock:
            connection = self._connection
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout_s)
        if self._listener is not None:
            self._listener.close()

    def __enter__(self) -> OperatorRelay:
        if self._listener is None:
            self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    # --- serving ---

    def _serve(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            break
        else:
            return
        connection.settimeout(None)
        with self._lock:
            self._connection = connection
        try:
            with connection, connection.makefile("r", encoding="utf-8", newline="\n") as lines:
                for line in lines:
                    if not line.strip():
                        continue
                    reply = self._handle(line)
                    connection.sendall((json.dumps(reply, ensure_ascii=False) + "\n").encode("utf-8"))
        except OSError:
            return  # the child went away, or close() cut the connection
        finally:
            listener.close()

    def _handle(self, line: str) -> dict[str, Any]:
        try:
            message: Any = json.loads(line)
        except ValueError:
            return _internal(f"the operator relay got a line that is not JSON: {line.strip()[:80]!r}")
        kind = message.get("type") if isinstance(message, dict) else None
        if kind not in ("step", "result"):
            return _internal(f"the operator relay got an unknown message: {json.dumps(message)[:80]}")
        if self.error is not None:
            return _error_reply(self.error)
        try:
            if kind == "step":
                try:
                    step = Step.from_json(message)
                except ValueError as exc:
                    return _internal(f"the operator relay got a malformed step: {exc}")
                return self._ask(step)
            step_id = message.get("id")
            if not isinstance(step_id, str):
                return _internal("the operator relay got a result without a string id")
            outcome = {key: value for key, value in message.items() if key not in ("type", "id")}
            self.operator.result(step_id, outcome)
            return {"type": "ok"}
        except HarnessError as exc:
            return self._failed(exc)
        except OSError as exc:  # the operator's stream broke underneath a front end
            return self._failed(OperatorGone(f"the operator's stream broke: {exc}"))
        except Exception as exc:  # a front end's bug must not hang the child
            return self._failed(HarnessError(f"the operator front end failed: {type(exc).__name__}: {exc}"))

    def _ask(self, step: Step) -> dict[str, Any]:
        answer = self.operator.ask(step)
        if answer.id != step.id:
            raise OperatorProtocolError(f"the answer to {step.id} names step {answer.id!r}")
        return answer.to_json()

    def _failed(self, error: HarnessError) -> dict[str, Any]:
        with self._lock:
            if self._error is None:
                self._error = error
            first = self._error
        return _error_reply(first)


def _error_reply(error: HarnessError) -> dict[str, Any]:
    kind = "gone" if isinstance(error, OperatorGone) else "protocol" if isinstance(error, OperatorProtocolError) else ""
    if not kind:
        return _internal(str(error))
    return {"type": "error", "exit_code": error.exit_code, "kind": kind, "message": str(error)}


def _internal(message: str) -> dict[str, Any]:
    return {"type": "error", "exit_code": HarnessError.exit_code, "kind": "internal", "message": message}


class RemoteOperator:
    """In the child: an `Operator` whose steps go to the parent's `OperatorRelay` at `address` ("host:port").

    `timeout_s` bounds the wait for each reply (None: a person may take as long as they need). A lost
    connection, or the relay reporting the operator gone, raises `OperatorGone`; a protocol error reported by
    the relay, `OperatorProtocolError`. `end` only closes the link: the parent writes the end of the run.
    """

    def __init__(self, address: str, timeout_s: float | None = None) -> None:
        host, _, port_text = address.rpartition(":")
        if not host or not port_text.isdigit():
            raise UsageError(f"the operator relay address must be host:port, got {address!r}")
        self.address = address
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        try:
            self._socket = socket.create_connection((host, int(port_text)), timeout=_CONNECT_TIMEOUT_S)
        except OSError as exc:
            raise OperatorGone(f"cannot reach the operator relay at {address}: {exc}") from None
        self._socket.settimeout(timeout_s)
        self._lines = self._socket.makefile("r", encoding="utf-8", newline="\n")
        self._closed = False

    def ask(self, step: Step) -> Answer:
        line = self._exchange(step.to_json(), f"step {step.id}")
        self._raise_error(line)
        return Answer.parse(line, step.id)

    def result(self, step_id: str, outcome: Mapping[str, Any]) -> None:
        line = self._exchange(result_message(step_id, outcome), f"the result of {step_id}")
        self._raise_error(line)

    def end(self, exit_code: int) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._lines.close()
            self._socket.close()

    def __enter__(self) -> RemoteOperator:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _exchange(self, message: Mapping[str, Any], during: str) -> str:
        with self._lock:
            if self._closed:
                raise OperatorGone(f"the link to the operator is closed ({during})")
            try:
                self._socket.sendall((json.dumps(message, ensure_ascii=False, default=str) + "\n").encode("utf-8"))
                line = self._lines.readline()
            except TimeoutError:
                raise OperatorGone(f"no answer from the operator within {self.timeout_s:g} s during {during}") from None
            except OSError as exc:
                raise OperatorGone(f"the link to the operator broke during {during}: {exc}") from None
        if not line:
            raise OperatorGone(f"the operator relay at {self.address} closed the connection during {during}")
        return line

    @staticmethod
    def _raise_error(line: str) -> None:
        try:
            reply: Any = json.loads(line)
        except ValueError:
            return  # Answer.parse says what is wrong with it
        if not isinstance(reply, dict) or reply.get("type") != "error":
            return
        message = str(reply.get("message") or "the operator relay reported an error")
        kind = reply.get("kind")
        if kind == "gone":
            raise OperatorGone(message)
        if kind == "protocol":
            raise OperatorProtocolError(message)
        raise HarnessError(message)
