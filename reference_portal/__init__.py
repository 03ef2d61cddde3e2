"""The bundled reference provincial portal: a small but real one-stop system (the default SUT).

It is the model implementation vendors can read, the system `dvc-harness certify` certifies out of the
box, and, started with defect switches, the broken variants that prove the suites catch real defects.
"""

from __future__ import annotations

from reference_portal.app import create_app
from reference_portal.config import PortalConfig, load_portal_config

__all__ = ["PortalConfig", "create_app", "load_portal_config"]
