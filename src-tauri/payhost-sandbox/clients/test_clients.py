"""The merchant's own server code against the sandbox: the official Python clients, unmodified.

A merchant's server already talks to iamport (V1) through iamport-rest-client and to
PortOne (V2) through portone-server-sdk. Pointed at the sandbox with nothing changed but
their base URL and keys, they must work: these tests call them as a merchant does and
check what they return and raise. Every payment and identity verification they read is
made the way a buyer makes one, through plain HTTP against the sandbox (the checkout, the
PG or identity page, the payment or PASS app's answer), so the suite needs nothing but a
running `payhost-sandbox serve`, whose URL is PAYHOST_SANDBOX_URL (`cargo xtask clients`
starts one and sets it). Billing keys (정기결제) need no buyer: the clients register the
card from its numbers and charge it themselves; only a scheduled charge is fired through
the sandbox's own `POST /sandbox/schedules/run` instead of waiting for its time.

Sources: iamport-rest-client@0.9.0:iamport/client.py,
portone-server-sdk@0.21.0:portone_server_sdk/_generated/ (the clients, their
deserializers and errors) and portone-server-sdk@0.21.0:portone_server_sdk/webhook.py.
"""

from __future__ import annotations

import http.server
import json
import os
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings
from dataclasses import dataclass
from typing import Any, Optional

from iamport import Iamport
from portone_server_sdk import PortOneClient, errors, webhook
from portone_server_sdk.common import (
    CardCredential,
    CustomerInput,
    CustomerNameInput,
    PaymentAmountInput,
)
from portone_server_sdk.identity_verification import (
    FailedIdentityVerification,
    GetIdentityVerificationError,
    IdentityVerificationVerifiedCustomer,
    ReadyIdentityVerification,
    VerifiedIdentityVerification,
)
from portone_server_sdk.payment import (
    CancelPaymentError,
    GetPaymentError,
    PayWithBillingKeyError,
)
from portone_server_sdk.payment.billing_key import (
    BillingKeyPaymentMethodCard,
    DeleteBillingKeyError,
    DeletedBillingKeyInfo,
    GetBillingKeyInfoError,
    InstantBillingKeyPaymentMethodInput,
    InstantBillingKeyPaymentMethodInputCard,
    IssueBillingKeyError,
    IssuedBillingKeyInfo,
)
from portone_server_sdk.payment.payment_schedule import BillingKeyPaymentScheduleInput

if not os.environ.get("PAYHOST_SANDBOX_URL"):
    raise SystemExit("set PAYHOST_SANDBOX_URL to a running sandbox, e.g. http://127.0.0.1:8717")
SANDBOX = os.environ["PAYHOST_SANDBOX_URL"].rstrip("/")

IMP_KEY = "sandbox_imp_key"
IMP_SECRET = "sandbox_imp_secret"
API_SECRET = "sandbox_api_secret"
WEBHOOK_SECRET = "whsec_cGF5aG9zdC1zYW5kYm94LXdlYmhvb2stc2VjcmV0ISE="
STORE_ID = "store-sandbox-0000"

# A card number that passes the Luhn check (VISA), as the sandbox masks it, and
# iamport's own test number, which fails it
# (`iamport/iamport-rest-client-python:tests/test_customer_create.py`).
CARD = "4092-0230-1234-1239"
MASKED_CARD = "4092-02**-****-1239"
BAD_CARD = "4092-0230-1234-1234"
# The card expires in five years' December, whenever the suite runs.
CARD_YEAR = time.gmtime().tm_year + 5
V1_EXPIRY = f"{CARD_YEAR}-12"
# The sandbox card company declines a charge whose amount ends in 999.
DECLINED_AMOUNT = 9999


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to read (a PG page's end goes to the merchant's site)."""

    def redirect_request(self, *args: Any) -> None:
        return None


# Plain HTTP to the sandbox on loopback, whatever proxy the environment names.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def unique(prefix: str) -> str:
    """An order or payment id no other test (or earlier run on the same sandbox) used."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def send(
    method: str, path: str, body: Optional[dict] = None, token: Optional[str] = None
) -> tuple[int, Any]:
    """`method` on the sandbox's `path` with a JSON body (and V1's API `token`, when
    given): the status and the JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(SANDBOX + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", token)
    try:
        with _HTTP.open(request, timeout=10) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as refused:
        status, text = refused.code, refused.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def choose(token: str, choice: str, form: Optional[dict] = None) -> None:
    """The buyer's choice on the PG page (`isp`, `vbank` (an account), `declined`) or on
    the identity page (`pass-skt`, with the person's `form`: `name`, `birth`, `gender`,
    `phone`; what the request fixed, the page keeps)."""
    query = f"?{urllib.parse.urlencode(form)}" if form else ""
    status, answer = send("GET", f"/pg/{token}/pay/{choice}{query}")
    assert status < 400, (choice, status, answer)


def report(token: str, outcome: str) -> None:
    """What the app the buyer was handed to reports: `approve` or `deny`."""
    status, answer = send("POST", f"/sandbox/txn/{token}/outcome", {"outcome": outcome})
    assert status == 200, (status, answer)


def approve(token: str) -> None:
    """The buyer picks ISP and the ISP app approves."""
    choose(token, "isp")
    report(token, "approve")


def verify_identity(token: str, outcome: str = "approve", form: Optional[dict] = None) -> None:
    """On the identity page the buyer fills in `form` and picks PASS by SKT, and the PASS
    app reports `outcome` (`approve`: verified; `deny`: failed)."""
    choose(token, "pass-skt", form)
    report(token, outcome)


def v1_checkout(
    merchant_uid: str, amount: int, pay_method: str = "card", notice_url: Optional[str] = None
) -> dict:
    """`IMP.request_pay` on a PC: iamport's answer (`imp_uid` and `pg_url`, or a refusal)."""
    params = {"merchant_uid": merchant_uid, "amount": amount, "name": "clients test",
              "pay_method": pay_method, "pg": "nice"}
    if notice_url:
        params["notice_url"] = notice_url
    status, answer = send("POST", "/checkout",
                          {"imp_code": "imp_sandbox", "channel": "pc", "params": params})
    assert status == 200, (status, answer)
    return answer


def v1_token(answer: dict) -> str:
    """The transaction token of a checkout that opened (its `pg_url`, `/pg/{token}`)."""
    assert "pg_url" in answer, answer
    return answer["pg_url"].removeprefix("/pg/")


def v1_paid(merchant_uid: str, amount: int, notice_url: Optional[str] = None) -> str:
    """A V1 card payment approved in the ISP app: its imp_uid."""
    answer = v1_checkout(merchant_uid, amount, notice_url=notice_url)
    approve(v1_token(answer))
    return answer["imp_uid"]


def v1_certification(merchant_uid: str, outcome: str, form: Optional[dict] = None) -> str:
    """`IMP.certification` on a PC, then `verify_identity`: its imp_uid."""
    status, answer = send("POST", "/checkout/certification",
                          {"imp_code": "imp_sandbox", "channel": "pc",
                           "params": {"merchant_uid": merchant_uid, "pg": "danal"}})
    assert status == 200, (status, answer)
    verify_identity(v1_token(answer), outcome, form)
    return answer["imp_uid"]


def run_schedules() -> list[dict]:
    """`POST /sandbox/schedules/run`, the sandbox's own route behind V1's API token: it
    fires every scheduled charge due now (those its scheduler has not fired yet) and
    answers them. Once it answers, every charge due is fired."""
    status, answer = send("POST", "/users/getToken",
                          {"imp_key": IMP_KEY, "imp_secret": IMP_SECRET})
    assert status == 200 and answer["code"] == 0, (status, answer)
    status, answer = send("POST", "/sandbox/schedules/run", {},
                          token=answer["response"]["access_token"])
    assert status == 200 and answer["code"] == 0, (status, answer)
    return answer["response"]


def v2_token(status: int, answer: Any) -> str:
    """The transaction token of a V2 checkout that opened (its `pgUrl`, `/pg/{token}`)."""
    assert status == 200 and "pgUrl" in answer, (status, answer)
    return answer["pgUrl"].removeprefix("/pg/")


def v2_checkout(
    payment_id: str, amount: int, pay_method: str = "CARD", notice_url: Optional[str] = None
) -> tuple[int, dict]:
    """`PortOne.requestPayment` on a phone: the status and the answer (`pgUrl`, or `code`)."""
    request = {"storeId": STORE_ID, "channelKey": "channel-key-sandbox-nice",
               "paymentId": payment_id, "orderName": "clients test", "totalAmount": amount,
               "currency": "KRW", "payMethod": pay_method,
               "redirectUrl": "https://shop.example/done"}
    if notice_url:
        request["noticeUrls"] = [notice_url]
    return send("POST", "/v2/checkout",
                {"kind": "payment", "device": "mobile", "redirect": True, "request": request})


def v2_opened(payment_id: str, amount: int, pay_method: str = "CARD",
              notice_url: Optional[str] = None) -> str:
    """A V2 checkout that opened: its transaction token."""
    return v2_token(*v2_checkout(payment_id, amount, pay_method, notice_url))


def v2_paid(payment_id: str, amount: int, notice_url: Optional[str] = None) -> None:
    """A V2 card payment approved in the ISP app."""
    approve(v2_opened(payment_id, amount, notice_url=notice_url))


def v2_identity_opened(identity_verification_id: str) -> str:
    """`PortOne.requestIdentityVerification` on a phone, naming the customer (`customer-1`,
    김영희, 010-9876-5432, born 1985-12-31; the identity page keeps all that): its
    transaction token."""
    request = {"storeId": STORE_ID, "channelKey": "channel-key-sandbox-danal",
               "identityVerificationId": identity_verification_id,
               "redirectUrl": "https://shop.example/iv/done",
               "customer": {"customerId": "customer-1", "fullName": "김영희",
                            "phoneNumber": "010-9876-5432", "birthYear": "1985",
                            "birthMonth": "12", "birthDay": "31"}}
    return v2_token(*send("POST", "/v2/checkout",
                          {"kind": "identityVerification", "device": "mobile", "redirect": True,
                           "request": request}))


@dataclass
class Received:
    """A request a merchant's endpoint received: its headers (names lower-cased) and body."""

    headers: dict[str, str]
    body: str


class Recorder:
    """A merchant's webhook endpoint on loopback that records every POST."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._changed = threading.Condition()
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                headers = {name.lower(): value for name, value in self.headers.items()}
                with recorder._changed:
                    recorder.received.append(Received(headers, body))
                    recorder._changed.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_port}/hook"

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        """The first `count` requests, waiting up to `timeout` seconds for them."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class IamportRestClientTest(unittest.TestCase):
    """iamport-rest-client 0.9.0: `Iamport(imp_key, imp_secret, imp_url=SANDBOX + "/")`."""

    def setUp(self) -> None:
        # The client joins paths to imp_url as text: it must end with "/".
        self.iamport = Iamport(imp_key=IMP_KEY, imp_secret=IMP_SECRET, imp_url=SANDBOX + "/")

    def test_find_by_imp_uid_and_merchant_uid_and_is_paid(self) -> None:
        merchant_uid = unique("order_find")
        imp_uid = v1_paid(merchant_uid, 1000)
        by_imp_uid = self.iamport.find(imp_uid=imp_uid)
        by_merchant_uid = self.iamport.find(merchant_uid=merchant_uid)
        self.assertEqual(by_imp_uid["status"], "paid")
        self.assertEqual(by_imp_uid["amount"], 1000)
        self.assertEqual(by_merchant_uid["imp_uid"], imp_uid)
        self.assertTrue(self.iamport.is_paid(1000, imp_uid=imp_uid))
        self.assertFalse(self.iamport.is_paid(999, merchant_uid=merchant_uid))

    def test_prepare_fixes_the_amount_prepare_validate_reads_it(self) -> None:
        merchant_uid = unique("order_prepare")
        prepared = self.iamport.prepare(merchant_uid, 30000)
        self.assertEqual(prepared["amount"], 30000)
        self.assertTrue(self.iamport.prepare_validate(merchant_uid, 30000))
        self.assertFalse(self.iamport.prepare_validate(merchant_uid, 100))
        refused = v1_checkout(merchant_uid, 100)
        self.assertNotIn("pg_url", refused)
        self.assertIn("사전등록", refused["error_msg"])
        v1_paid(merchant_uid, 30000)
        self.assertTrue(self.iamport.is_paid(30000, merchant_uid=merchant_uid))

    def test_cancel_part_by_imp_uid_then_the_rest_by_merchant_uid_with_its_webhook(self) -> None:
        hook = Recorder()
        self.addCleanup(hook.close)
        merchant_uid = unique("order_cancel")
        imp_uid = v1_paid(merchant_uid, 10000, notice_url=hook.url)
        part = self.iamport.cancel_by_imp_uid(imp_uid, "part", amount=3000)
        self.assertEqual((part["status"], part["cancel_amount"]), ("paid", 3000))
        rest = self.iamport.cancel_by_merchant_uid(merchant_uid, "the rest", enable_webhook=True)
        self.assertEqual((rest["status"], rest["cancel_amount"]), ("cancelled", 10000))
        # The approval's webhook, none for the quiet partial cancel, then the cancellation's.
        notices = [json.loads(r.body) for r in hook.wait_for(2)]
        self.assertEqual([n["status"] for n in notices], ["paid", "cancelled"])
        self.assertTrue(all(n["imp_uid"] == imp_uid for n in notices))

    def test_revoke_vbank_by_imp_uid_cancels_an_unpaid_account(self) -> None:
        answer = v1_checkout(unique("order_vbank"), 5000, pay_method="vbank")
        choose(v1_token(answer), "vbank")
        issued = self.iamport.find(imp_uid=answer["imp_uid"])
        self.assertEqual(issued["status"], "ready")
        self.assertTrue(issued["vbank_num"])
        revoked = self.iamport.revoke_vbank_by_imp_uid(answer["imp_uid"])
        self.assertEqual(revoked["status"], "cancelled")

    def test_an_unknown_payment_is_an_http_404(self) -> None:
        with self.assertRaises(Iamport.HttpError) as raised:
            self.iamport.find(imp_uid="imp_nowhere")
        self.assertEqual(raised.exception.code, 404)

    def test_a_refused_cancel_is_a_response_error(self) -> None:
        imp_uid = v1_paid(unique("order_refused"), 2000)
        self.iamport.cancel_by_imp_uid(imp_uid, "all")
        with self.assertRaises(Iamport.ResponseError) as again:
            self.iamport.cancel_by_imp_uid(imp_uid, "twice")
        self.assertNotEqual(again.exception.code, 0)
        self.assertTrue(again.exception.message)
        with self.assertRaises(Iamport.ResponseError) as unknown:
            self.iamport.cancel_by_imp_uid("imp_nowhere", "none")
        self.assertIn("취소할 결제건이 존재하지 않습니다", unknown.exception.message)

    def test_find_certification_shows_the_person_certified_and_nobody_when_it_failed(
        self,
    ) -> None:
        merchant_uid = unique("cert_find")
        person = {"name": "박지민", "birth": "1985-12-31", "gender": "female",
                  "phone": "010-2222-3333"}
        imp_uid = v1_certification(merchant_uid, "approve", person)
        found = self.iamport.find_certification(imp_uid)
        self.assertEqual((found["imp_uid"], found["merchant_uid"]), (imp_uid, merchant_uid))
        self.assertIs(found["certified"], True)
        self.assertEqual((found["name"], found["phone"], found["birthday"], found["gender"]),
                         ("박지민", "01022223333", "1985-12-31", "female"))
        self.assertEqual((found["carrier"], found["pg_provider"]), ("SKT", "danal"))
        self.assertGreater(found["certified_at"], 0)
        # The CI, 64 bytes in base64, and the DI, 48.
        self.assertRegex(found["unique_key"], r"^[A-Za-z0-9+/]{86}==$")
        self.assertRegex(found["unique_in_site"], r"^[A-Za-z0-9+/]{64}$")
        denied = self.iamport.find_certification(v1_certification(unique("cert_deny"), "deny"))
        self.assertIs(denied["certified"], False)
        self.assertEqual((denied["name"], denied["phone"], denied["unique_key"]),
                         (None, None, None))
        self.assertEqual(denied["certified_at"], 0)

    def test_cancel_certification_answers_it_as_it_was_then_it_is_gone(self) -> None:
        imp_uid = v1_certification(unique("cert_cancel"), "approve")
        found = self.iamport.find_certification(imp_uid)
        cancelled = self.iamport.cancel_certification(imp_uid)
        self.assertEqual(cancelled, found)
        self.assertEqual((cancelled["name"], cancelled["certified"]), ("홍길동", True))
        for gone in (self.iamport.find_certification, self.iamport.cancel_certification):
            with self.assertRaises(Iamport.HttpError) as raised:
                gone(imp_uid)
            self.assertEqual(raised.exception.code, 404, gone.__name__)
        with self.assertRaises(Iamport.HttpError) as unknown:
            self.iamport.cancel_certification("imp_nowhere")
        self.assertEqual(unknown.exception.code, 404)

    def register(self, customer_uid: str, card_number: str = CARD,
                 expiry: str = V1_EXPIRY) -> dict:
        """`customer_create` with a card's numbers, as a merchant's server registers a
        customer's card: the key as iamport answers it."""
        return self.iamport.customer_create(customer_uid=customer_uid,
                                            card_number=card_number, expiry=expiry,
                                            birth="900101", pwd_2digit="12",
                                            customer_name="홍길동")

    def schedule(self, customer_uid: str, *schedules: tuple[str, int, int],
                 notice_url: Optional[str] = None) -> list[dict]:
        """`pay_schedule` of `(merchant_uid, schedule_at, amount)` charges."""
        return self.iamport.pay_schedule(customer_uid=customer_uid, schedules=[
            {"merchant_uid": merchant_uid, "schedule_at": at, "amount": amount,
             "name": "월간 구독", **({"notice_url": notice_url} if notice_url else {})}
            for merchant_uid, at, amount in schedules])

    def test_customer_create_keeps_the_card_masked_get_reads_it_delete_removes_it(
        self,
    ) -> None:
        customer_uid = unique("cu_create")
        created = self.register(customer_uid)
        self.assertEqual((created["customer_uid"], created["customer_name"]),
                         (customer_uid, "홍길동"))
        self.assertEqual((created["card_number"], created["pg_provider"]), (MASKED_CARD, "nice"))
        self.assertTrue(created["card_name"])
        self.assertEqual(self.iamport.customer_get(customer_uid), created)
        deleted = self.iamport.customer_delete(customer_uid)
        self.assertEqual((deleted["customer_uid"], deleted["card_number"]),
                         (customer_uid, MASKED_CARD))
        for gone in (self.iamport.customer_get, self.iamport.customer_delete):
            with self.assertRaises(Iamport.HttpError) as raised:
                gone(customer_uid)
            self.assertEqual(raised.exception.code, 404, gone.__name__)

    def test_a_card_the_card_company_refuses_is_a_response_error_and_registers_nothing(
        self,
    ) -> None:
        refused = unique("cu_refused")
        for number, expiry, why in ((BAD_CARD, V1_EXPIRY, "카드번호"),
                                    (CARD, "2020-01", "유효기간")):
            with self.assertRaises(Iamport.ResponseError) as raised:
                self.register(refused, number, expiry)
            self.assertEqual(raised.exception.code, -1)
            self.assertTrue(raised.exception.message.startswith("카드정보 인증에 실패하였습니다."))
            self.assertIn(why, raised.exception.message)
        with self.assertRaises(Iamport.HttpError) as nothing:
            self.iamport.customer_get(refused)
        self.assertEqual(nothing.exception.code, 404)
        with self.assertRaises(Iamport.ResponseError) as once:
            self.iamport.pay_onetime(merchant_uid=unique("order_once_refused"), amount=1000,
                                     card_number=BAD_CARD, expiry=V1_EXPIRY, birth="900101",
                                     pwd_2digit="12")
        self.assertEqual(once.exception.code, -1)

    def test_pay_again_charges_the_registered_card_paid_and_an_amount_ending_in_999_failed(
        self,
    ) -> None:
        customer_uid = unique("cu_again")
        self.register(customer_uid)
        merchant_uid = unique("order_again")
        paid = self.iamport.pay_again(customer_uid=customer_uid, merchant_uid=merchant_uid,
                                      amount=9900, name="월간 구독")
        self.assertEqual((paid["status"], paid["amount"], paid["merchant_uid"]),
                         ("paid", 9900, merchant_uid))
        self.assertEqual((paid["customer_uid"], paid["customer_uid_usage"]),
                         (customer_uid, "payment"))
        self.assertEqual(paid["card_number"], MASKED_CARD)
        self.assertEqual(self.iamport.find(merchant_uid=merchant_uid)["imp_uid"], paid["imp_uid"])
        self.assertTrue(self.iamport.is_paid(9900, merchant_uid=merchant_uid))
        # The card company's decline is an answer (code 0), not an error: the payment
        # is `failed`, as iamport's guide says to check.
        declined_uid = unique("order_declined")
        declined = self.iamport.pay_again(customer_uid=customer_uid, merchant_uid=declined_uid,
                                          amount=DECLINED_AMOUNT, name="월간 구독")
        self.assertEqual((declined["status"], declined["amount"]), ("failed", DECLINED_AMOUNT))
        self.assertIn("999", declined["fail_reason"])
        self.assertEqual(self.iamport.find(merchant_uid=declined_uid)["status"], "failed")
        self.assertFalse(self.iamport.is_paid(DECLINED_AMOUNT, merchant_uid=declined_uid))
        # What the client asks for and nothing more (no `name`), as its own test
        # (`tests/test_pay_again.py`) calls it: the unknown customer is what is refused.
        with self.assertRaises(Iamport.ResponseError) as unknown:
            self.iamport.pay_again(customer_uid=unique("cu_nobody"),
                                   merchant_uid=unique("order_nobody"), amount=1000)
        self.assertEqual(unknown.exception.code, -1)
        self.assertIn("등록되지 않은 구매자입니다.", unknown.exception.message)
        # A known customer's charge without `name`, which the client does not ask for
        # but V1 requires: refused, naming the field.
        with self.assertRaises(Iamport.ResponseError) as nameless:
            self.iamport.pay_again(customer_uid=customer_uid,
                                   merchant_uid=unique("order_nameless"), amount=1000)
        self.assertEqual(nameless.exception.code, 1)
        self.assertIn("name", nameless.exception.message)

    def test_pay_onetime_charges_card_numbers_and_with_a_customer_uid_registers_them(
        self,
    ) -> None:
        card = {"card_number": CARD, "expiry": V1_EXPIRY, "birth": "900101", "pwd_2digit": "12"}
        merchant_uid = unique("order_once")
        once = self.iamport.pay_onetime(merchant_uid=merchant_uid, amount=5000, name="키인결제",
                                        **card)
        self.assertEqual((once["status"], once["amount"], once["customer_uid"]),
                         ("paid", 5000, None))
        self.assertEqual(once["card_number"], MASKED_CARD)
        self.assertTrue(self.iamport.is_paid(5000, imp_uid=once["imp_uid"]))
        customer_uid = unique("cu_once")
        kept = self.iamport.pay_onetime(merchant_uid=unique("order_once_kept"), amount=5000,
                                        customer_uid=customer_uid, **card)
        self.assertEqual((kept["status"], kept["customer_uid"]), ("paid", customer_uid))
        self.assertEqual(self.iamport.customer_get(customer_uid)["card_number"], MASKED_CARD)

    def test_pay_schedule_is_read_by_order_and_by_time_and_pay_unschedule_revokes_it(
        self,
    ) -> None:
        customer_uid = unique("cu_schedule")
        self.register(customer_uid)
        soon, later = unique("order_soon"), unique("order_later")
        now = int(time.time())
        made = self.schedule(customer_uid, (soon, now + 3600, 9900), (later, now + 7200, 9900))
        self.assertEqual([m["merchant_uid"] for m in made], [soon, later])
        self.assertTrue(all(m["schedule_status"] == "scheduled" and m["imp_uid"] is None
                            for m in made), made)
        one = self.iamport.pay_schedule_get(soon)
        self.assertEqual((one["customer_uid"], one["schedule_at"], one["amount"]),
                         (customer_uid, now + 3600, 9900))
        between = self.iamport.pay_schedule_get_between(schedule_from=now + 3000,
                                                        schedule_to=now + 4000)
        listed = {s["merchant_uid"] for s in between}
        self.assertIn(soon, listed)
        self.assertNotIn(later, listed)
        revoked = self.iamport.pay_unschedule(customer_uid=customer_uid, merchant_uid=soon)
        self.assertEqual([(r["merchant_uid"], r["schedule_status"]) for r in revoked],
                         [(soon, "revoked")])
        self.assertEqual(self.iamport.pay_schedule_get(soon)["schedule_status"], "revoked")
        with self.assertRaises(Iamport.ResponseError) as twice:
            self.iamport.pay_unschedule(customer_uid=customer_uid, merchant_uid=soon)
        self.assertEqual(twice.exception.code, 1)
        self.assertIn("취소할 예약결제 기록이 존재하지 않습니다.", twice.exception.message)
        # Without a merchant_uid: every charge the customer has scheduled.
        rest = self.iamport.pay_unschedule(customer_uid=customer_uid)
        self.assertEqual([r["merchant_uid"] for r in rest], [later])
        with self.assertRaises(Iamport.HttpError) as nothing:
            self.iamport.pay_schedule_get(unique("order_unscheduled"))
        self.assertEqual(nothing.exception.code, 404)
        with self.assertRaises(Iamport.ResponseError) as unknown:
            self.schedule(unique("cu_nobody"), (unique("order_nobody"), now + 3600, 1000))
        self.assertEqual(unknown.exception.code, 1)
        self.assertIn("등록되지 않은 구매자입니다.", unknown.exception.message)
        # A charge without `name`, which the client does not ask for but V1 requires.
        with self.assertRaises(Iamport.ResponseError) as nameless:
            self.iamport.pay_schedule(customer_uid=customer_uid, schedules=[
                {"merchant_uid": unique("order_nameless"), "schedule_at": now + 3600,
                 "amount": 1000}])
        self.assertEqual(nameless.exception.code, 1)
        self.assertIn("name", nameless.exception.message)

    def test_a_scheduled_charge_fires_paid_or_failed_with_its_webhook(self) -> None:
        hook = Recorder()
        self.addCleanup(hook.close)
        customer_uid = unique("cu_fire")
        self.register(customer_uid)
        paid, declined = unique("order_fire_paid"), unique("order_fire_declined")
        due = int(time.time()) - 60
        self.schedule(customer_uid, (paid, due, 9900), (declined, due, DECLINED_AMOUNT),
                      notice_url=hook.url)
        # The scheduler may have fired them first; either way, they are fired now.
        run_schedules()
        for merchant_uid, status in ((paid, "paid"), (declined, "failed")):
            fired = self.iamport.pay_schedule_get(merchant_uid)
            self.assertEqual((fired["schedule_status"], fired["payment_status"]),
                             ("executed", status), fired)
            self.assertGreater(fired["executed_at"], 0)
            payment = self.iamport.find(merchant_uid=merchant_uid)
            self.assertEqual((payment["imp_uid"], payment["status"]), (fired["imp_uid"], status))
            self.assertEqual((payment["customer_uid"], payment["customer_uid_usage"]),
                             (customer_uid, "payment.scheduled"))
        self.assertTrue(self.iamport.is_paid(9900, merchant_uid=paid))
        self.assertIn("999", self.iamport.pay_schedule_get(declined)["fail_reason"])
        again = {s["merchant_uid"] for s in run_schedules()}
        self.assertFalse({paid, declined} & again, "a charge fires once")
        notices = sorted((n["merchant_uid"], n["status"])
                         for n in (json.loads(r.body) for r in hook.wait_for(2)))
        self.assertEqual(notices, sorted([(paid, "paid"), (declined, "failed")]))

    def test_what_the_sandbox_does_not_serve_fails_loudly(self) -> None:
        # find_by_status passes `params=` to a `_get` that has no such parameter: a
        # TypeError inside the client before any request (so even an address where
        # nothing listens gives the TypeError, not a connection error).
        nowhere = Iamport(imp_key=IMP_KEY, imp_secret=IMP_SECRET, imp_url="http://127.0.0.1:9/")
        with self.assertRaises(TypeError):
            nowhere.find_by_status("paid")
        # A legacy endpoint the V1 API no longer documents.
        with self.assertRaises(Iamport.HttpError) as foreign:
            self.iamport.pay_foreign(merchant_uid=unique("order_foreign"), amount=1000,
                                     card_number="4111-1111-1111-1111", expiry="2030-12")
        self.assertEqual(foreign.exception.code, 404)


class PortOneServerSdkTest(unittest.TestCase):
    """portone-server-sdk 0.21.0: `PortOneClient(secret=…, base_url=SANDBOX + "/v2")`."""

    portone: PortOneClient

    @classmethod
    def setUpClass(cls) -> None:
        # This client keeps a base path (f"{base_url}/payments/…"): the sandbox's /v2.
        # One for the class: each builds an HTTP client per API area, which takes a while.
        cls.portone = PortOneClient(secret=API_SECRET, base_url=SANDBOX + "/v2")

    def setUp(self) -> None:
        # The SDK never closes its httpx clients; the sockets they leave open are its
        # own, not a failure of the sandbox.
        warnings.simplefilter("ignore", ResourceWarning)

    def status_class(self, payment_id: str) -> str:
        """The class get_payment deserializes the payment into."""
        return type(self.portone.payment.get_payment(payment_id=payment_id)).__name__

    def test_every_status_the_sandbox_makes_deserializes_to_its_class(self) -> None:
        ready = unique("pay_ready")
        v2_opened(ready, 1000)
        paid = unique("pay_paid")
        v2_paid(paid, 11000)
        vbank = unique("pay_vbank")
        choose(v2_opened(vbank, 7000, pay_method="VIRTUAL_ACCOUNT"), "vbank")
        failed = unique("pay_failed")
        choose(v2_opened(failed, 5000), "declined")
        self.assertEqual(self.status_class(ready), "ReadyPayment")
        self.assertEqual(self.status_class(paid), "PaidPayment")
        self.assertEqual(self.status_class(vbank), "VirtualAccountIssuedPayment")
        self.assertEqual(self.status_class(failed), "FailedPayment")
        self.portone.payment.cancel_payment(payment_id=paid, reason="part", amount=1000)
        self.assertEqual(self.status_class(paid), "PartialCancelledPayment")
        self.portone.payment.cancel_payment(payment_id=paid, reason="the rest")
        self.assertEqual(self.status_class(paid), "CancelledPayment")

    def test_a_paid_payment_reads_as_the_merchant_checks_it(self) -> None:
        payment_id = unique("pay_read")
        v2_paid(payment_id, 12900)
        payment = self.portone.payment.get_payment(payment_id=payment_id)
        self.assertEqual(payment.id, payment_id)
        self.assertEqual(payment.store_id, STORE_ID)
        self.assertEqual((payment.amount.total, payment.amount.paid), (12900, 12900))
        self.assertEqual(payment.currency, "KRW")
        self.assertEqual(payment.disputes, [])
        self.assertEqual(type(payment.method).__name__, "PaymentMethodCard")

    def test_cancel_payment_answers_each_cancellation(self) -> None:
        payment_id = unique("pay_cancel")
        v2_paid(payment_id, 10000)
        part = self.portone.payment.cancel_payment(payment_id=payment_id, reason="part",
                                                   amount=2500)
        self.assertEqual(type(part.cancellation).__name__, "SucceededPaymentCancellation")
        self.assertEqual(part.cancellation.total_amount, 2500)
        rest = self.portone.payment.cancel_payment(payment_id=payment_id, reason="the rest",
                                                   current_cancellable_amount=7500)
        self.assertEqual(rest.cancellation.total_amount, 7500)
        self.assertNotEqual(part.cancellation.id, rest.cancellation.id)
        whole = self.portone.payment.get_payment(payment_id=payment_id)
        self.assertEqual(whole.amount.cancelled, 10000)
        self.assertEqual(len(whole.cancellations), 2)

    def test_pre_register_payment_refuses_a_checkout_of_another_amount(self) -> None:
        payment_id = unique("pay_pre")
        self.portone.payment.pre_register_payment(payment_id=payment_id, total_amount=12900,
                                                  currency="KRW")
        status, refused = v2_checkout(payment_id, 11900)
        self.assertEqual((status, refused.get("code")), (400, "AmountNotEqualToPredefined"))
        v2_paid(payment_id, 12900)
        self.assertEqual(self.status_class(payment_id), "PaidPayment")

    def test_login_via_api_secret_gives_a_bearer_token(self) -> None:
        login = self.portone.auth.login_via_api_secret(api_secret=API_SECRET)
        self.assertTrue(login.access_token and login.refresh_token)
        payment_id = unique("pay_bearer")
        v2_paid(payment_id, 1000)
        request = urllib.request.Request(f"{SANDBOX}/v2/payments/{payment_id}")
        request.add_header("Authorization", f"Bearer {login.access_token}")
        with _HTTP.open(request, timeout=10) as response:
            self.assertEqual(json.loads(response.read())["status"], "PAID")
        with self.assertRaises(errors.UnauthorizedError):
            self.portone.auth.login_via_api_secret(api_secret="not the secret")

    def test_refusals_raise_the_sdks_typed_errors(self) -> None:
        payment = self.portone.payment
        with self.assertRaises(errors.PaymentNotFoundError) as missing:
            payment.get_payment(payment_id=unique("pay_nowhere"))
        self.assertIsInstance(missing.exception, GetPaymentError)
        self.assertIsInstance(missing.exception, errors.PortOneError)
        wrong = PortOneClient(secret="not the secret", base_url=SANDBOX + "/v2")
        with self.assertRaises(errors.UnauthorizedError):
            wrong.payment.get_payment(payment_id=unique("pay_any"))
        other_store = PortOneClient(secret=API_SECRET, base_url=SANDBOX + "/v2",
                                    store_id="store-other")
        with self.assertRaises(errors.ForbiddenError):
            other_store.payment.get_payment(payment_id=unique("pay_any"))
        ready = unique("pay_ready")
        v2_opened(ready, 3000)
        with self.assertRaises(errors.PaymentNotPaidError) as not_paid:
            payment.cancel_payment(payment_id=ready, reason="nothing paid")
        self.assertIsInstance(not_paid.exception, CancelPaymentError)
        paid = unique("pay_paid")
        v2_paid(paid, 3000)
        with self.assertRaises(errors.AlreadyPaidError):
            payment.pre_register_payment(payment_id=paid, total_amount=3000)
        with self.assertRaises(errors.CancelAmountExceedsCancellableAmountError):
            payment.cancel_payment(payment_id=paid, reason="too much", amount=3001)
        with self.assertRaises(errors.CancellableAmountConsistencyBrokenError):
            payment.cancel_payment(payment_id=paid, reason="stale", current_cancellable_amount=10)
        payment.cancel_payment(payment_id=paid, reason="all")
        with self.assertRaises(errors.PaymentAlreadyCancelledError):
            payment.cancel_payment(payment_id=paid, reason="twice")
        with self.assertRaises(errors.PaymentNotFoundError):
            payment.cancel_payment(payment_id=unique("pay_nowhere"), reason="none")

    def test_get_identity_verification_deserializes_each_status_to_its_class(self) -> None:
        ready = unique("iv_ready")
        v2_identity_opened(ready)
        verified = unique("iv_verified")
        verify_identity(v2_identity_opened(verified), form={"gender": "female"})
        failed = unique("iv_failed")
        verify_identity(v2_identity_opened(failed), "deny")
        get = self.portone.identity_verification.get_identity_verification
        opened = get(identity_verification_id=ready)
        self.assertIsInstance(opened, ReadyIdentityVerification)
        self.assertEqual(opened.id, ready)
        asked = opened.requested_customer
        self.assertEqual((asked.id, asked.name, asked.phone_number),
                         ("customer-1", "김영희", "01098765432"))
        self.assertEqual((asked.birth_year, asked.birth_month, asked.birth_day),
                         ("1985", "12", "31"))
        done = get(identity_verification_id=verified)
        self.assertIsInstance(done, VerifiedIdentityVerification)
        self.assertEqual(done.id, verified)
        who = done.verified_customer
        self.assertIsInstance(who, IdentityVerificationVerifiedCustomer)
        self.assertEqual((who.id, who.name, who.phone_number, who.birth_date),
                         ("customer-1", "김영희", "01098765432", "1985-12-31"))
        self.assertEqual((who.operator, who.gender, who.is_foreigner), ("SKT", "FEMALE", False))
        self.assertEqual((len(who.ci), len(who.di)), (88, 64))
        self.assertTrue(done.pg_tx_id and done.pg_raw_response)
        self.assertTrue(done.verified_at.endswith("Z"), done.verified_at)
        refused = get(identity_verification_id=failed)
        self.assertIsInstance(refused, FailedIdentityVerification)
        self.assertIn("거절", refused.failure.reason)
        self.assertEqual(refused.requested_customer.name, "김영희")

    def test_get_identity_verification_with_a_store_id_and_its_typed_errors(self) -> None:
        verified = unique("iv_store")
        verify_identity(v2_identity_opened(verified))
        own_store = PortOneClient(secret=API_SECRET, base_url=SANDBOX + "/v2",
                                  store_id=STORE_ID)
        found = own_store.identity_verification.get_identity_verification(
            identity_verification_id=verified)
        self.assertIsInstance(found, VerifiedIdentityVerification)
        other_store = PortOneClient(secret=API_SECRET, base_url=SANDBOX + "/v2",
                                    store_id="store-other")
        with self.assertRaises(errors.ForbiddenError) as forbidden:
            other_store.identity_verification.get_identity_verification(
                identity_verification_id=verified)
        self.assertIsInstance(forbidden.exception, GetIdentityVerificationError)
        with self.assertRaises(errors.IdentityVerificationNotFoundError) as missing:
            self.portone.identity_verification.get_identity_verification(
                identity_verification_id=unique("iv_nowhere"))
        self.assertIsInstance(missing.exception, GetIdentityVerificationError)
        self.assertIsInstance(missing.exception, errors.PortOneError)
        self.assertTrue(missing.exception.message)

    def test_webhook_verify_takes_the_sandboxs_signed_webhook_and_refuses_a_tampered_one(
        self,
    ) -> None:
        hook = Recorder()
        self.addCleanup(hook.close)
        payment_id = unique("pay_hook")
        v2_paid(payment_id, 4000, notice_url=hook.url)
        [sent] = hook.wait_for(1)
        verified = webhook.verify(WEBHOOK_SECRET, sent.body, sent.headers)
        self.assertEqual(type(verified).__name__, "WebhookTransactionPaid")
        self.assertEqual(verified.data.payment_id, payment_id)
        self.assertEqual(verified.data.store_id, STORE_ID)
        tampered = sent.body.replace(payment_id, unique("pay_forged"))
        with self.assertRaises(webhook.WebhookVerificationError) as refused:
            webhook.verify(WEBHOOK_SECRET, tampered, sent.headers)
        self.assertEqual(refused.exception.reason, "NO_MATCHING_SIGNATURE")
        other_id = dict(sent.headers, **{"webhook-id": "msg_forged"})
        with self.assertRaises(webhook.WebhookVerificationError):
            webhook.verify(WEBHOOK_SECRET, sent.body, other_id)

    def issue(self, number: str = CARD, **fields: Any) -> str:
        """`issue_billing_key` with a card's numbers: the new billing key."""
        card = InstantBillingKeyPaymentMethodInputCard(credential=CardCredential(
            number=number.replace("-", ""), expiry_year=f"{CARD_YEAR % 100:02d}",
            expiry_month="12", birth_or_business_registration_number="900101",
            password_two_digits="12"))
        issued = self.portone.payment.billing_key.issue_billing_key(
            method=InstantBillingKeyPaymentMethodInput(card=card), **fields)
        return issued.billing_key_info.billing_key

    def pay(self, payment_id: str, billing_key: str, total: int, **fields: Any) -> Any:
        """`pay_with_billing_key` in KRW: its answer."""
        return self.portone.payment.pay_with_billing_key(
            payment_id=payment_id, billing_key=billing_key, order_name="월간 구독",
            amount=PaymentAmountInput(total=total), currency="KRW", **fields)

    def test_issue_billing_key_reads_as_issued_then_as_deleted(self) -> None:
        billing_key = self.issue(
            channel_key="channel-key-sandbox-nice",
            customer=CustomerInput(id="buyer-1", name=CustomerNameInput(full="홍길동"),
                                   email="buyer@example.com"),
            custom_data='{"plan":"monthly"}')
        self.assertTrue(billing_key.startswith("billing-key-"), billing_key)
        get = self.portone.payment.billing_key.get_billing_key_info
        issued = get(billing_key=billing_key)
        self.assertIsInstance(issued, IssuedBillingKeyInfo)
        self.assertEqual((issued.billing_key, issued.store_id), (billing_key, STORE_ID))
        self.assertEqual([c.key for c in issued.channels], ["channel-key-sandbox-nice"])
        self.assertEqual((issued.customer.id, issued.customer.name, issued.customer.email),
                         ("buyer-1", "홍길동", "buyer@example.com"))
        self.assertEqual(issued.custom_data, '{"plan":"monthly"}')
        [method] = issued.methods
        self.assertIsInstance(method, BillingKeyPaymentMethodCard)
        self.assertEqual((method.card.number, method.card.brand, method.card.bin),
                         (MASKED_CARD, "VISA", "409202"))
        deleted = self.portone.payment.billing_key.delete_billing_key(
            billing_key=billing_key, reason="해지")
        gone = get(billing_key=billing_key)
        self.assertIsInstance(gone, DeletedBillingKeyInfo)
        self.assertEqual((gone.billing_key, gone.issued_at, gone.deleted_at),
                         (billing_key, issued.issued_at, deleted.deleted_at))

    def test_pay_with_billing_key_is_a_paid_payment_once_and_a_decline_is_a_pg_error(
        self,
    ) -> None:
        billing_key = self.issue()
        payment_id = unique("pay_billing")
        paid = self.pay(payment_id, billing_key, 9900)
        self.assertTrue(paid.payment.pg_tx_id and paid.payment.paid_at.endswith("Z"), paid)
        payment = self.portone.payment.get_payment(payment_id=payment_id)
        self.assertEqual(type(payment).__name__, "PaidPayment")
        self.assertEqual((payment.id, payment.billing_key, payment.amount.total),
                         (payment_id, billing_key, 9900))
        self.assertEqual((payment.pg_tx_id, payment.paid_at),
                         (paid.payment.pg_tx_id, paid.payment.paid_at))
        self.assertEqual(payment.order_name, "월간 구독")
        self.assertEqual(type(payment.method).__name__, "PaymentMethodCard")
        self.assertEqual(payment.method.card.number, MASKED_CARD)
        with self.assertRaises(errors.AlreadyPaidError) as twice:
            self.pay(payment_id, billing_key, 9900)
        self.assertIsInstance(twice.exception, PayWithBillingKeyError)
        declined_id = unique("pay_billing_declined")
        with self.assertRaises(errors.PgProviderError) as declined:
            self.pay(declined_id, billing_key, DECLINED_AMOUNT)
        self.assertIsInstance(declined.exception, PayWithBillingKeyError)
        self.assertIn("999", declined.exception.pg_message)
        failed = self.portone.payment.get_payment(payment_id=declined_id)
        self.assertEqual(type(failed).__name__, "FailedPayment")
        self.assertIn("999", failed.failure.reason)

    def test_billing_key_refusals_raise_the_sdks_typed_errors(self) -> None:
        billing_key = self.portone.payment.billing_key
        with self.assertRaises(errors.PgProviderError) as bad_card:
            self.issue(BAD_CARD)
        self.assertIsInstance(bad_card.exception, IssueBillingKeyError)
        self.assertTrue(bad_card.exception.pg_message.startswith("카드정보 인증에 실패하였습니다."))
        with self.assertRaises(errors.ChannelNotFoundError) as no_channel:
            self.issue(channel_key="channel-key-nowhere")
        self.assertIsInstance(no_channel.exception, IssueBillingKeyError)
        nowhere = "billing-key-nowhere"
        with self.assertRaises(errors.BillingKeyNotFoundError) as unknown:
            billing_key.get_billing_key_info(billing_key=nowhere)
        self.assertIsInstance(unknown.exception, GetBillingKeyInfoError)
        self.assertIsInstance(unknown.exception, errors.PortOneError)
        self.assertTrue(unknown.exception.message)
        with self.assertRaises(errors.BillingKeyNotFoundError) as not_deleted:
            billing_key.delete_billing_key(billing_key=nowhere)
        self.assertIsInstance(not_deleted.exception, DeleteBillingKeyError)
        with self.assertRaises(errors.BillingKeyNotFoundError):
            self.pay(unique("pay_nowhere"), nowhere, 1000)
        issued = self.issue()
        with self.assertRaises(errors.ChannelNotFoundError):
            self.pay(unique("pay_no_channel"), issued, 1000, channel_key="channel-key-nowhere")
        other_store = PortOneClient(secret=API_SECRET, base_url=SANDBOX + "/v2",
                                    store_id="store-other")
        with self.assertRaises(errors.ForbiddenError):
            other_store.payment.billing_key.get_billing_key_info(billing_key=issued)
        billing_key.delete_billing_key(billing_key=issued)
        with self.assertRaises(errors.BillingKeyAlreadyDeletedError) as deleted_twice:
            billing_key.delete_billing_key(billing_key=issued)
        self.assertIsInstance(deleted_twice.exception, DeleteBillingKeyError)
        with self.assertRaises(errors.BillingKeyAlreadyDeletedError) as charged:
            self.pay(unique("pay_deleted"), issued, 1000)
        self.assertIsInstance(charged.exception, PayWithBillingKeyError)

    def test_what_the_sandbox_does_not_serve_fails_loudly(self) -> None:
        # An unserved path answers 404 (405 where the path is served for another
        # method: GET /billing-keys, POST /billing-keys/confirm…) with no body: the
        # client cannot read it as JSON and raises (json.JSONDecodeError, a
        # ValueError), never returns.
        payment_id = unique("pay_unserved")
        v2_opened(payment_id, 1000, pay_method="VIRTUAL_ACCOUNT")
        billing_key = self.portone.payment.billing_key
        schedules = self.portone.payment.payment_schedule
        unserved = {
            "close_virtual_account":
                lambda: self.portone.payment.close_virtual_account(payment_id=payment_id),
            "get_billing_key_infos": billing_key.get_billing_key_infos,
            "confirm_billing_key":
                lambda: billing_key.confirm_billing_key(billing_issue_token="token"),
            "confirm_billing_key_issue_and_pay":
                lambda: billing_key.confirm_billing_key_issue_and_pay(
                    billing_issue_token="token", payment_id=unique("pay_unserved"),
                    currency="KRW", total_amount=1000),
            "get_payment_schedule":
                lambda: schedules.get_payment_schedule(payment_schedule_id="schedule-1"),
            "get_payment_schedules": schedules.get_payment_schedules,
            "revoke_payment_schedules":
                lambda: schedules.revoke_payment_schedules(schedule_ids=["schedule-1"]),
            "create_payment_schedule":
                lambda: schedules.create_payment_schedule(
                    payment_id=unique("pay_unserved"),
                    payment=BillingKeyPaymentScheduleInput(
                        billing_key="billing-key-1", order_name="x",
                        amount=PaymentAmountInput(total=1000), currency="KRW"),
                    time_to_pay="2030-01-01T00:00:00Z"),
        }
        for name, call in unserved.items():
            with self.subTest(name), self.assertRaises(ValueError):
                call()


if __name__ == "__main__":
    unittest.main()
