"""The oracle: the harness's independent model of the one-stop process (NĐ 61/2018, TT 01/2018, the national
statuses, fees and payments, ratings and statistics). Given what the harness did to a SUT and when, it says
what every observable value must be, each with the rule (and source) that gives it; `compare` turns an
observed packet or view into named mismatches. No HTTP, and nothing of the SUT it judges. docs/oracle.md."""

from __future__ import annotations

from harness.oracle._actions import (
    Action,
    Finish,
    Intake,
    PaymentOutcome,
    Rate,
    Receive,
    Refuse,
    RequestFee,
    RequestSupplement,
    ReturnResult,
    StartProcessing,
    Stop,
    SupplementReceived,
    Withdraw,
)
from harness.oracle._appointment import ProcessingTime, SupplementClock, appointment, effective_receipt_day
from harness.oracle._calendar import (
    CalendarEntry,
    CalendarError,
    CalendarYearMissing,
    NationalCalendar,
    OfficeHours,
)
from harness.oracle._codes import DossierCode, parse_code
from harness.oracle._compare import Mismatch, Untested, compare, observe, untested
from harness.oracle._expectations import DossierExpectations, Expectations
from harness.oracle._flow import ActionNotAllowed
from harness.oracle._oracle import Oracle
from harness.oracle._procedures import ChannelTerms, Fee, Procedure, procedure_from_detail
from harness.oracle._rules import Rule
from harness.oracle._specs import Between, OneOf, Share, Spec, Unknown, Within
from harness.oracle._time import VIETNAM

__all__ = [
    "VIETNAM",
    "Action",
    "ActionNotAllowed",
    "Between",
    "CalendarEntry",
    "CalendarError",
    "CalendarYearMissing",
    "ChannelTerms",
    "DossierCode",
    "DossierExpectations",
    "Expectations",
    "Fee",
    "Finish",
    "Intake",
    "Mismatch",
    "NationalCalendar",
    "OfficeHours",
    "OneOf",
    "Oracle",
    "PaymentOutcome",
    "Procedure",
    "ProcessingTime",
    "Rate",
    "Receive",
    "Refuse",
    "RequestFee",
    "RequestSupplement",
    "ReturnResult",
    "Rule",
    "Share",
    "Spec",
    "StartProcessing",
    "Stop",
    "SupplementClock",
    "SupplementReceived",
    "Unknown",
    "Untested",
    "Withdraw",
    "Within",
    "appointment",
    "compare",
    "effective_receipt_day",
    "observe",
    "parse_code",
    "procedure_from_detail",
    "untested",
]
