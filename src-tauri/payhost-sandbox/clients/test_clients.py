"""The merchant's own server code against the sandbox: the official Python clients, unmodified.

A merchant's server already talks to iamport (V1) through iamport-rest-client and to
PortOne (V2) through portone-server-sdk. Pointed at the sandbox with nothing changed but
their base URL and keys, they must work: these tests call them as a merchant does and
check what they return and raise. Every payment and identity verification they read is
made the way a buyer makes one, through plain HTTP against the sandbox (the checkout, the
PG or identity page, the payment or PASS app's answer), so the suite needs nothing but a
running `payhost-sandbox serve`, whose URL is PAYHOST_SANDBOX_URL (`cargo xtask clients`
starts one and sets it).

Sources: iamport-rest-client@0.9.0:iamport/client.py,
portone-server-sdk@0.21.0:portone_server_sdk/_generated/ (the clients, their
deserializers and errors) and portone-server-sdk@0.21.0:portone_server_sdk/webhook.py.
"""

from __future__ import annotations

import http.server
import json
import os
import threading
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
from portone_server_sdk.identity_verification import (
    FailedIdentityVerification,
    GetIdentityVerificationError,
    IdentityVerificationVerifiedCustomer,
    ReadyIdentityVerification,
    VerifiedIdentityVerification,
)
from portone_server_sdk.payment import CancelPaymentError, GetPaymentError

if not os.environ.get("PAYHOST_SANDBOX_URL"):
    raise SystemExit("set PAYHOST_SANDBOX_URL to a running sandbox, e.g. http://127.0.0.1:8717")
SANDBOX = os.environ["PAYHOST_SANDBOX_URL"].rstrip("/")

IMP_KEY = "sandbox_imp_key"
IMP_SECRET = "sandbox_imp_secret"
API_SECRET = "sandbox_api_secret"
WEBHOOK_SECRET = "whsec_cGF5aG9zdC1zYW5kYm94LXdlYmhvb2stc2VjcmV0ISE="
STORE_ID = "store-sandbox-0000"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to read (a PG page's end goes to the merchant's site)."""

    def redirect_request(self, *args: Any) -> None:
        return None


# Plain HTTP to the sandbox on loopback, whatever proxy the environment names.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def unique(prefix: str) -> str:
    """An order or payment id no other test (or earlier run on the same sandbox) used."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def send(method: str, path: str, body: Optional[dict] = None) -> tuple[int, Any]:
    """`method` on the sandbox's `path` with a JSON body: the status and the JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(SANDBOX + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
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

    def test_what_the_sandbox_does_not_serve_fails_loudly(self) -> None:
        # An unserved path answers 404 with no body: the client cannot read it as
        # JSON and raises (json.JSONDecodeError, a ValueError), never returns.
        payment_id = unique("pay_unserved")
        v2_opened(payment_id, 1000, pay_method="VIRTUAL_ACCOUNT")
        with self.assertRaises(ValueError):
            self.portone.payment.close_virtual_account(payment_id=payment_id)


if __name__ == "__main__":
    unittest.main()
