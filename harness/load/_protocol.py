"""The contract between the parent (harness.load._runner), the Locust subprocess (harness.load._child) and
the locustfiles (loadtests/): how the child is started, the environment variables it and the locustfiles
read, and the version of the result document.

Parent → child: argv `--spec <LoadSpec JSON> --result <file>`; secrets only in the environment.
Child → parent: the result file, `{"protocol": 1, "ok": true, "result": {LoadResult}}` or
`{"protocol": 1, "ok": false, "kind": "usage" | "error", "message": ...}`; exit code 0, 2 or 4 to match.
"""

from __future__ import annotations

PROTOCOL = 1

#: the child's program: `import locust` first, so gevent monkey-patches the child before anything else is
#: imported (never the parent: importing locust there would patch the pytest or CLI process)
BOOTSTRAP = "import locust, sys\nfrom harness.load._child import main\nsys.exit(main(sys.argv[1:]))"

#: the SUT's control API token and base URL (the officer users drive the SUT through it)
CONTROL_TOKEN_ENV = "DVC_HARNESS_CONTROL_TOKEN"
CONTROL_URL_ENV = "DVC_HARNESS_CONTROL_URL"
#: per-request timeout the locustfiles pass to every request (LoadSpec.request_timeout_s)
REQUEST_TIMEOUT_ENV = "DVC_HARNESS_LOAD_REQUEST_TIMEOUT_S"
#: how a load shape is scaled when Locust's own -u / -t are not given: peak users, whole duration
SHAPE_USERS_ENV = "DVC_HARNESS_LOAD_USERS"
SHAPE_DURATION_ENV = "DVC_HARNESS_LOAD_DURATION_S"

DEFAULT_CONTROL_TOKEN = "demo-control"
DEFAULT_REQUEST_TIMEOUT_S = 30.0
