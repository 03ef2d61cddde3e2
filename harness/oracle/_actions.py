"""What the harness did to the SUT, and when: one typed action per request, naming the dossier by the
harness's own key (the code is not known before intake). `at` is when the request was sent and `until` when
its answer came (default: `at`); the SUT's own stamp lies between them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from harness.oracle._time import local

#: KenhThucHien (docs/reference/dvcqg-interfaces.md §8.2)
CHANNELS = ("1", "2", "3")
#: rating levels (TT 32/2017 Điều 12): 1 rất hài lòng, 2 hài lòng, 3 chưa hài lòng
RATING_LEVELS = ("1", "2", "3")
#: where a fee was paid → DuocThanhToanTrucTuyen (docs/reference/dvcqg-interfaces.md §3.2)
PAYMENT_FLAGS = {"dvcqg": "1", "provincial": "2", "counter": "0"}


@dataclass(frozen=True, kw_only=True)
class Act:
    dossier: str
    at: datetime
    until: datetime | None = None

    def __post_init__(self) -> None:
        if self.until is not None and local(self.until) < local(self.at):
            raise ValueError(f"{type(self).__name__} of {self.dossier}: until {self.until} is before at {self.at}")

    @property
    def earliest(self) -> datetime:
        return local(self.at)

    @property
    def latest(self) -> datetime:
        return local(self.until if self.until is not None else self.at)


@dataclass(frozen=True, kw_only=True)
class Intake(Act):
    """A dossier registered by the one-stop system (status 1), on a channel, at a receiving agency."""

    procedure: str
    channel: str
    agency: str

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.channel not in CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, got {self.channel!r}")


@dataclass(frozen=True, kw_only=True)
class Receive(Act):
    """The one-stop desk accepts the complete dossier (1 → 2)."""


@dataclass(frozen=True, kw_only=True)
class Refuse(Act):
    """The desk refuses the dossier at intake (1 → 3)."""


@dataclass(frozen=True, kw_only=True)
class StartProcessing(Act):
    """The dossier goes to the specialist department (2 → 4)."""


@dataclass(frozen=True, kw_only=True)
class RequestSupplement(Act):
    """The applicant is asked to supplement the dossier (2, 4 → 5)."""


@dataclass(frozen=True, kw_only=True)
class SupplementReceived(Act):
    """The complete supplement arrives (5 → 4)."""


@dataclass(frozen=True, kw_only=True)
class RequestFee(Act):
    """The applicant is asked to pay (2, 4 → 6): `amount` đồng, or the procedure's fee for the channel."""

    amount: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.amount is not None and self.amount <= 0:
            raise ValueError(f"a fee amount is a positive number of đồng, got {self.amount}")


@dataclass(frozen=True, kw_only=True)
class PaymentOutcome(Act):
    """The payment's outcome: paid (6 → 4) at `where` (dvcqg, provincial, counter), or failed (stays 6)."""

    paid: bool
    where: str = "dvcqg"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.where not in PAYMENT_FLAGS:
            raise ValueError(f"where must be one of {', '.join(PAYMENT_FLAGS)}, got {self.where!r}")


@dataclass(frozen=True, kw_only=True)
class Finish(Act):
    """Processing ends with a result (4 → 9)."""


@dataclass(frozen=True, kw_only=True)
class ReturnResult(Act):
    """The result is handed over (9 → 10)."""


@dataclass(frozen=True, kw_only=True)
class Withdraw(Act):
    """The applicant withdraws the dossier (2, 4, 5 → 7)."""


@dataclass(frozen=True, kw_only=True)
class Stop(Act):
    """Processing is stopped (2, 4, 5, 6 → 8)."""


@dataclass(frozen=True, kw_only=True)
class Rate(Act):
    """The applicant rates the handling of the dossier, once its processing ended."""

    level: str

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.level not in RATING_LEVELS:
            raise ValueError(f"level must be one of {', '.join(RATING_LEVELS)}, got {self.level!r}")


Action = (
    Intake | Receive | Refuse | StartProcessing | RequestSupplement | SupplementReceived | RequestFee
    | PaymentOutcome | Finish | ReturnResult | Withdraw | Stop | Rate
)  # fmt: skip
