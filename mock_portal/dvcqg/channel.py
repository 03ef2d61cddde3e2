"""The DVCQG channel's state: sessions, synced dossiers and packets, the catalogue it answers from.

Dossiers and packets are written through to a durable evidence store (`durable`) and read back when the
channel starts, so they survive a restart; sessions are volatile (clients authenticate again)."""

from __future__ import annotations

import hmac

from mock_portal.config import Account
from mock_portal.dvcqg.catalogue import load_catalogue
from mock_portal.dvcqg.durable import DvcqgJournal
from mock_portal.dvcqg.errors import error_codes
from mock_portal.dvcqg.sessions import SessionStore
from mock_portal.dvcqg.store import DossierStore, ReceivedStore, StatusGraph
from mock_portal.state import MockState


class DvcqgChannel:
    def __init__(self, state: MockState) -> None:
        self.state = state
        config = state.config
        self.profile = config.profile
        self.codes = error_codes(config.extra)
        # read state.clock at each call: tests may swap the clock after the app is built
        self.sessions = SessionStore(config.session_ttl_s, lambda: state.clock())
        journal = DvcqgJournal(state.store) if state.store.durable else None
        self.dossiers = DossierStore(StatusGraph.from_config(config.extra), journal)
        self.received = ReceivedStore(journal)
        self.catalogue = load_catalogue(config.catalogue_file or None)

    def now(self) -> float:
        return self.state.clock()

    def reset(self) -> None:
        """Forget sessions, dossiers and received packets, durably too (the catalogue is configuration, it
        stays). The durable clear is committed with the next exchange (the reset request's own)."""
        self.sessions.reset()
        self.dossiers.reset()
        self.received.reset()

    def account(self, username: str, password: str) -> Account | None:
        for account in self.state.config.accounts:
            same_user = hmac.compare_digest(account.username.encode(), username.encode())
            if same_user and hmac.compare_digest(account.password.encode(), password.encode()):
                return account
        return None

    def province_account(self, province: str) -> Account | None:
        """The account speaking for a level-1 code (the LGSP adapter form carries no credentials)."""
        return next((a for a in self.state.config.accounts if a.province == province), None)
