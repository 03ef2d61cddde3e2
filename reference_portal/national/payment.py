"""The national payment platform client (docs/reference/dvcqg-interfaces.md §11.1): INIT, QUERY, GET_BILL, and IPN
checks.

Every packet is flat JSON whose `MaXacThuc` is SHA-256 over the fields of the schema's `x-checksum`, secret
last; the field orders are read from `schemas/payment/*.json` (the single source of truth), never listed
here. Packets from the platform (IPN, QUERY reply) are judged with the harness validator under the lenient
profile (a province must be liberal in what it accepts), which also verifies their checksum.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import httpx

from harness import get_validator, sign_payment
from harness.core.violations import Violation

VERSION = "1.0.6"  # PhienBan (TD default; OpenCPS reads it from configuration)
OK = "00"
PAID, PENDING, FAILED = "1", "3", "4"  # TrangThaiGD of a QUERY reply
_PROFILE = "lenient"


class PaymentError(Exception):
    """The platform could not be reached, or refused the request (MaLoi ≠ "00")."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Judged:
    """A packet from the platform, judged: checksum problems apart from the other violations."""

    checksum: tuple[Violation, ...]
    other: tuple[Violation, ...]

    def describe(self, *, with_checksum: bool = True) -> str:
        listed = [*(self.checksum if with_checksum else ()), *self.other][:6]
        return "; ".join(f"[{v.rule}] {v.pointer or '/'}: {v.message.split(' — ')[0]}" for v in listed)


def judge(packet: Any, type_name: str, secret: str) -> Judged:
    violations = get_validator(type_name, _PROFILE).validate(packet, secret=secret).violations
    bad_sum = tuple(v for v in violations if v.rule == "PAY-CHECKSUM" or v.pointer == "/MaXacThuc")
    return Judged(bad_sum, tuple(v for v in violations if v not in bad_sum))


@dataclass(frozen=True)
class InitAnswer:
    pay_url: str
    transaction_id: str


@dataclass(frozen=True)
class Status:
    """A QUERY reply: TrangThaiGD and what the platform says about the payment."""

    state: str
    amount: int
    transaction_id: str
    bank: str
    time: str


@dataclass(frozen=True)
class Receipt:
    pdf: bytes
    number: str


class PaymentClient:
    def __init__(self, http: httpx.AsyncClient, *, partner: str, secret: str) -> None:
        self._http = http
        self.partner = partner
        self.secret = secret

    def sign(self, packet: dict[str, Any], type_name: str) -> dict[str, Any]:
        return sign_payment(packet, type_name, self.secret)

    async def _post(self, path: str, packet: dict[str, Any]) -> httpx.Response:
        try:
            response = await self._http.post(path, json=packet, headers={"accept": "application/json"})
        except httpx.TimeoutException as exc:
            raise PaymentError(f"payment platform {path}: no answer in time ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise PaymentError(f"payment platform {path}: transport error ({type(exc).__name__}: {exc})") from exc
        if response.status_code >= 300:
            raise PaymentError(f"payment platform {path}: HTTP {response.status_code}")
        return response

    @staticmethod
    def _object(response: httpx.Response, path: str) -> dict[str, Any]:
        try:
            answer = response.json()
        except ValueError:
            raise PaymentError(f"payment platform {path}: the answer is not JSON") from None
        if not isinstance(answer, dict) or not isinstance(answer.get("MaLoi"), str):
            raise PaymentError(f"payment platform {path}: the answer has no MaLoi")
        if answer["MaLoi"] != OK:
            raise PaymentError(f"payment platform {path}: MaLoi {answer['MaLoi']}: {answer.get('MoTaLoi', '')}",
                               code=answer["MaLoi"])  # fmt: skip
        return answer

    async def init(self, packet: dict[str, Any]) -> InitAnswer:
        """Send a signed INIT; the pay page the applicant is sent to."""
        answer = self._object(await self._post("/payment/init", packet), "INIT")
        url = answer.get("UrlThanhToan")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise PaymentError("payment platform INIT: the answer has no UrlThanhToan")
        transaction_id = answer.get("MaGiaoDich")
        return InitAnswer(url, transaction_id if isinstance(transaction_id, str) else "")

    def _lookup(self, kind: str, reference: str, time: str) -> dict[str, Any]:
        packet = {"LoaiBanTin": kind, "PhienBan": VERSION, "MaDoiTac": self.partner, "MaThamChieu": reference,
                  "ThoiGianGD": time}  # fmt: skip
        return self.sign(packet, f"payment.{kind}")

    async def query(self, reference: str, time: str) -> Status:
        """QUERY a transaction (`time`: its INIT's ThoiGianGD). The reply must carry a valid checksum."""
        answer = self._object(await self._post("/payment/query", self._lookup("QUERY", reference, time)), "QUERY")
        judged = judge(answer, "payment.QUERY.reply", self.secret)
        if judged.checksum or judged.other:
            raise PaymentError(f"payment platform QUERY: the reply is not trustworthy: {judged.describe()}")
        if answer.get("MaThamChieu") != reference:
            raise PaymentError(f"payment platform QUERY: the reply is about {answer.get('MaThamChieu')!r}")
        return Status(
            state=str(answer["TrangThaiGD"]),
            amount=int(str(answer["SoTien"])),
            transaction_id=str(answer.get("MaGiaoDich") or ""),
            bank=str(answer.get("MaNganHang") or ""),
            time=str(answer.get("ThoiGianGD") or ""),
        )

    async def bill(self, reference: str, time: str) -> Receipt:
        """GET_BILL: the e-receipt PDF (as a JSON form with BienLai in base64, or the PDF bytes themselves)."""
        response = await self._post("/payment/getbill", self._lookup("GET_BILL", reference, time))
        if response.headers.get("content-type", "").startswith("application/pdf"):  # as TD stores it
            pdf, number = response.content, ""
        else:
            answer = self._object(response, "GET_BILL")
            try:
                pdf = base64.b64decode(str(answer.get("BienLai") or ""), validate=True)
            except (binascii.Error, ValueError):
                raise PaymentError("payment platform GET_BILL: BienLai is not base64") from None
            number = str(answer.get("SoBienLai") or "")
        if not pdf.startswith(b"%PDF"):
            raise PaymentError("payment platform GET_BILL: the receipt is not a PDF")
        return Receipt(pdf, number)
