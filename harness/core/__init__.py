"""Core layer: value types shared by every other layer. Imports nothing from the rest of harness."""

from __future__ import annotations
