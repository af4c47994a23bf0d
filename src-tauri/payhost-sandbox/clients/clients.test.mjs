// The merchant's own server code against the sandbox: @portone/server-sdk, unmodified.
//
// A merchant's Node.js server already talks to PortOne V2 through the official
// `@portone/server-sdk`. Pointed at the sandbox with nothing changed but its `baseUrl`
// and secret, it must work: these tests call it as a merchant does and check what it
// returns and throws. The SDK resolves every path against `baseUrl` as an origin
// (`new URL("/payments/…", baseUrl)`, `@portone/server-sdk@0.19.0:dist/generated/payment/client.mjs`),
// dropping any base path, which is why the sandbox also serves V2 at its root for V2
// credentials. Every payment and identity verification the tests read is made the way a
// buyer makes one, through plain HTTP against the sandbox (the checkout, the PG or
// identity page, the payment or PASS app's answer), so the suite needs nothing but a
// running `payhost-sandbox serve`, whose URL is PAYHOST_SANDBOX_URL (`cargo xtask
// clients` starts one and sets it). A billing key needs no buyer: the SDK issues it from
// the card's numbers and charges it itself.
//
// Node.js 18 or later: `fetch`, and the WebCrypto `crypto` global `Webhook.verify` uses
// (`@portone/server-sdk@0.19.0:dist/webhook.mjs`).

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import http from "node:http";
import { after, before, describe, test } from "node:test";

import {
  Auth,
  IdentityVerification,
  Payment,
  PortOneClient,
  PortOneError,
  Webhook,
} from "@portone/server-sdk";

if (!process.env.PAYHOST_SANDBOX_URL) {
  throw new Error("set PAYHOST_SANDBOX_URL to a running sandbox, e.g. http://127.0.0.1:8717");
}
const SANDBOX = process.env.PAYHOST_SANDBOX_URL.replace(/\/+$/, "");
const API_SECRET = "sandbox_api_secret";
const WEBHOOK_SECRET = "whsec_cGF5aG9zdC1zYW5kYm94LXdlYmhvb2stc2VjcmV0ISE=";
const STORE_ID = "store-sandbox-0000";

// A card number that passes the Luhn check (VISA), as the sandbox masks it, and
// iamport's own test number, which fails it; the card expires in five years' December.
const CARD = "4092023012341239";
const MASKED_CARD = "4092-02**-****-1239";
const BAD_CARD = "4092023012341234";
const CARD_YEAR = String((new Date().getUTCFullYear() + 5) % 100).padStart(2, "0");
// The sandbox card company declines a charge whose amount ends in 999.
const DECLINED_AMOUNT = 9999;

const portone = PortOneClient({ secret: API_SECRET, baseUrl: SANDBOX });

/** A payment id no other test (or earlier run on the same sandbox) used. */
const unique = (prefix) => `${prefix}_${randomUUID().slice(0, 12)}`;

/** `method` on the sandbox's `path` with a JSON body: `{ status, body }` (JSON, or text). */
async function send(method, path, body) {
  const response = await fetch(`${SANDBOX}${path}`, {
    method,
    redirect: "manual",
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

/** `PortOne.requestPayment` on a phone: `{ status, body }` (`pgUrl`, or `code`). */
function checkout(paymentId, totalAmount, { payMethod = "CARD", noticeUrl } = {}) {
  return send("POST", "/v2/checkout", {
    kind: "payment",
    device: "mobile",
    redirect: true,
    request: {
      storeId: STORE_ID,
      channelKey: "channel-key-sandbox-nice",
      paymentId,
      orderName: "clients test",
      totalAmount,
      currency: "KRW",
      payMethod,
      redirectUrl: "https://shop.example/done",
      ...(noticeUrl ? { noticeUrls: [noticeUrl] } : {}),
    },
  });
}

/** The transaction token of a checkout that opened (its `pgUrl`, `/pg/{token}`). */
function tokenOf({ status, body }) {
  assert.equal(status, 200, JSON.stringify(body));
  return body.pgUrl.replace(/^\/pg\//, "");
}

/** A checkout that opened: its transaction token. */
async function opened(paymentId, totalAmount, options) {
  return tokenOf(await checkout(paymentId, totalAmount, options));
}

/**
 * The buyer's choice on the PG page (`isp`, `vbank`, `declined`) or on the identity page
 * (`pass-skt`, with the person's `form`: `name`, `birth`, `gender`, `phone`; what the
 * request fixed, the page keeps).
 */
async function choose(token, choice, form) {
  const query = form ? `?${new URLSearchParams(form)}` : "";
  const { status, body } = await send("GET", `/pg/${token}/pay/${choice}${query}`);
  assert.ok(status < 400, `${choice}: ${status} ${JSON.stringify(body)}`);
}

/** What the app the buyer was handed to reports: `approve` or `deny`. */
async function report(token, outcome) {
  const { status, body } = await send("POST", `/sandbox/txn/${token}/outcome`, { outcome });
  assert.equal(status, 200, JSON.stringify(body));
}

/** A payment approved in the ISP app. */
async function paid(paymentId, totalAmount, options) {
  const token = await opened(paymentId, totalAmount, options);
  await choose(token, "isp");
  await report(token, "approve");
}

/**
 * `PortOne.requestIdentityVerification` on a phone, naming the customer (`customer-1`,
 * 김영희, 010-9876-5432, born 1985-12-31; the identity page keeps all that): its
 * transaction token.
 */
async function identityOpened(identityVerificationId) {
  return tokenOf(
    await send("POST", "/v2/checkout", {
      kind: "identityVerification",
      device: "mobile",
      redirect: true,
      request: {
        storeId: STORE_ID,
        channelKey: "channel-key-sandbox-danal",
        identityVerificationId,
        redirectUrl: "https://shop.example/iv/done",
        customer: {
          customerId: "customer-1",
          fullName: "김영희",
          phoneNumber: "010-9876-5432",
          birthYear: "1985",
          birthMonth: "12",
          birthDay: "31",
        },
      },
    }),
  );
}

/**
 * On the identity page the buyer fills in `form` and picks PASS by SKT, and the PASS app
 * reports `outcome` (`approve`: verified; `deny`: failed).
 */
async function verifyIdentity(token, outcome = "approve", form) {
  await choose(token, "pass-skt", form);
  await report(token, outcome);
}

/** `issueBillingKey` with a card's numbers (and `fields`): the new billing key. */
async function issueBillingKey(number = CARD, fields = {}) {
  const credential = {
    number,
    expiryYear: CARD_YEAR,
    expiryMonth: "12",
    birthOrBusinessRegistrationNumber: "900101",
    passwordTwoDigits: "12",
  };
  const issued = await portone.payment.billingKey.issueBillingKey({
    method: { card: { credential } },
    ...fields,
  });
  return issued.billingKeyInfo.billingKey;
}

/** `payWithBillingKey` in KRW (with `fields`): its answer. */
function payWithBillingKey(paymentId, billingKey, total, fields = {}) {
  return portone.payment.payWithBillingKey({
    paymentId,
    billingKey,
    orderName: "월간 구독",
    amount: { total },
    currency: "KRW",
    ...fields,
  });
}

/**
 * Each of `fields` is in `entity`: the fields its SDK type declares required (the SDK
 * checks nothing at run time, so a field the sandbox misnamed would read as undefined).
 */
function assertRequired(entity, fields) {
  for (const field of fields) {
    assert.notEqual(entity[field], undefined, `${field} in ${JSON.stringify(entity)}`);
  }
}

/** What `IssuedBillingKeyInfo` and `DeletedBillingKeyInfo` require. */
const BILLING_KEY_INFO = ["billingKey", "merchantId", "storeId", "channels", "customer", "issuedAt"];

/** What `promise` rejects with, failing when it fulfils. */
async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected a rejection");
}

/** A merchant's webhook endpoint on loopback that records every POST as Node received it. */
class Recorder {
  received = [];
  #waiters = [];

  async start() {
    this.server = http.createServer((request, response) => {
      let body = "";
      request.setEncoding("utf8");
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        this.received.push({ headers: request.headers, body });
        response.end("ok");
        for (const wake of this.#waiters.splice(0)) wake();
      });
    });
    await new Promise((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}/hook`;
  }

  /** The first `count` requests, waiting up to `timeoutMs` for them. */
  async waitFor(count, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count && Date.now() < deadline) {
      await new Promise((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return this.received.slice(0, count);
  }

  close() {
    // Node 18 would otherwise keep the sandbox's idle keep-alive connection open 5 s.
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(resolve));
  }
}

describe("@portone/server-sdk 0.19.0: PortOneClient({ secret, baseUrl: SANDBOX })", () => {
  test("getPayment reads each status the sandbox makes", async () => {
    const ready = unique("pay_ready");
    await opened(ready, 1000);
    const done = unique("pay_paid");
    await paid(done, 11_000);
    const vbank = unique("pay_vbank");
    await choose(await opened(vbank, 7000, { payMethod: "VIRTUAL_ACCOUNT" }), "vbank");
    const failed = unique("pay_failed");
    await choose(await opened(failed, 5000), "declined");
    const status = async (paymentId) => (await portone.payment.getPayment({ paymentId })).status;
    assert.equal(await status(ready), "READY");
    assert.equal(await status(vbank), "VIRTUAL_ACCOUNT_ISSUED");
    assert.equal(await status(failed), "FAILED");
    const payment = await portone.payment.getPayment({ paymentId: done });
    assert.equal(payment.status, "PAID");
    assert.equal(payment.id, done);
    assert.equal(payment.storeId, STORE_ID);
    assert.deepEqual([payment.amount.total, payment.amount.paid], [11_000, 11_000]);
    assert.equal(payment.method.type, "PaymentMethodCard");
    assert.ok(!Payment.isUnrecognizedPayment(payment));
  });

  test("cancelPayment cancels part, then the rest", async () => {
    const paymentId = unique("pay_cancel");
    await paid(paymentId, 10_000);
    const part = await portone.payment.cancelPayment({ paymentId, reason: "part", amount: 2500 });
    assert.deepEqual([part.cancellation.status, part.cancellation.totalAmount], ["SUCCEEDED", 2500]);
    assert.equal((await portone.payment.getPayment({ paymentId })).status, "PARTIAL_CANCELLED");
    const rest = await portone.payment.cancelPayment({
      paymentId,
      reason: "the rest",
      currentCancellableAmount: 7500,
    });
    assert.equal(rest.cancellation.totalAmount, 7500);
    const whole = await portone.payment.getPayment({ paymentId });
    assert.equal(whole.status, "CANCELLED");
    assert.equal(whole.amount.cancelled, 10_000);
    assert.equal(whole.cancellations.length, 2);
  });

  test("preRegisterPayment fixes the amount: a checkout of another is refused", async () => {
    const paymentId = unique("pay_pre");
    assert.deepEqual(
      await portone.payment.preRegisterPayment({ paymentId, totalAmount: 12_900, currency: "KRW" }),
      {},
    );
    const refused = await checkout(paymentId, 11_900);
    assert.deepEqual([refused.status, refused.body.code], [400, "AmountNotEqualToPredefined"]);
    await paid(paymentId, 12_900);
    assert.equal((await portone.payment.getPayment({ paymentId })).status, "PAID");
  });

  test("loginViaApiSecret gives a token", async () => {
    const login = await portone.auth.loginViaApiSecret({ apiSecret: API_SECRET });
    assert.ok(login.accessToken && login.refreshToken);
    const refused = await rejection(portone.auth.loginViaApiSecret({ apiSecret: "not the secret" }));
    assert.ok(refused instanceof Auth.LoginViaApiSecretError);
    assert.equal(refused.data.type, "UNAUTHORIZED");
  });

  test("refusals throw the method's error class with the V2 error type in e.data.type", async () => {
    const missing = await rejection(portone.payment.getPayment({ paymentId: unique("pay_nowhere") }));
    assert.ok(missing instanceof Payment.GetPaymentError);
    assert.ok(missing instanceof PortOneError);
    assert.equal(missing.data.type, "PAYMENT_NOT_FOUND");
    assert.equal(missing.message, missing.data.message);
    const wrong = PortOneClient({ secret: "not the secret", baseUrl: SANDBOX });
    const unauthorized = await rejection(wrong.payment.getPayment({ paymentId: unique("pay_any") }));
    assert.equal(unauthorized.data.type, "UNAUTHORIZED");
    const ready = unique("pay_ready");
    await opened(ready, 3000);
    const notPaid = await rejection(portone.payment.cancelPayment({ paymentId: ready, reason: "x" }));
    assert.ok(notPaid instanceof Payment.CancelPaymentError);
    assert.equal(notPaid.data.type, "PAYMENT_NOT_PAID");
    const done = unique("pay_paid");
    await paid(done, 3000);
    const again = await rejection(portone.payment.preRegisterPayment({ paymentId: done, totalAmount: 3000 }));
    assert.ok(again instanceof Payment.PreRegisterPaymentError);
    assert.equal(again.data.type, "ALREADY_PAID");
    const tooMuch = await rejection(
      portone.payment.cancelPayment({ paymentId: done, reason: "x", amount: 3001 }),
    );
    assert.equal(tooMuch.data.type, "CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT");
    await portone.payment.cancelPayment({ paymentId: done, reason: "all" });
    const twice = await rejection(portone.payment.cancelPayment({ paymentId: done, reason: "x" }));
    assert.equal(twice.data.type, "PAYMENT_ALREADY_CANCELLED");
  });

  test("getIdentityVerification reads a verified one; an unknown id throws its error class", async () => {
    const identityVerificationId = unique("iv_verified");
    await verifyIdentity(await identityOpened(identityVerificationId), "approve", { gender: "female" });
    const verification = await portone.identityVerification.getIdentityVerification({
      identityVerificationId,
    });
    assert.equal(verification.status, "VERIFIED");
    assert.ok(!IdentityVerification.isUnrecognizedIdentityVerification(verification));
    assert.equal(verification.id, identityVerificationId);
    const { ci, di, ...customer } = verification.verifiedCustomer;
    assert.deepEqual(customer, {
      id: "customer-1",
      name: "김영희",
      operator: "SKT",
      phoneNumber: "01098765432",
      birthDate: "1985-12-31",
      gender: "FEMALE",
      isForeigner: false,
    });
    assert.deepEqual([ci.length, di.length], [88, 64]);
    assert.ok(verification.pgTxId && verification.verifiedAt.endsWith("Z"));
    // A GET carries `storeId` only when the call names it: this SDK puts
    // `PortOneClient({ storeId })` into request bodies only, never into a query.
    const inStore = await portone.identityVerification.getIdentityVerification({
      identityVerificationId,
      storeId: STORE_ID,
    });
    assert.equal(inStore.status, "VERIFIED");
    const forbidden = await rejection(
      portone.identityVerification.getIdentityVerification({
        identityVerificationId,
        storeId: "store-other",
      }),
    );
    assert.equal(forbidden.data.type, "FORBIDDEN");
    const missing = await rejection(
      portone.identityVerification.getIdentityVerification({ identityVerificationId: unique("iv_nowhere") }),
    );
    assert.ok(missing instanceof IdentityVerification.GetIdentityVerificationError);
    assert.ok(missing instanceof PortOneError);
    assert.equal(missing.data.type, "IDENTITY_VERIFICATION_NOT_FOUND");
    assert.equal(missing.message, missing.data.message);
  });

  test("issueBillingKey, then getBillingKeyInfo reads it ISSUED and, deleted, DELETED", async () => {
    const billingKey = await issueBillingKey(CARD, {
      channelKey: "channel-key-sandbox-nice",
      customer: { id: "buyer-1", name: { full: "홍길동" }, email: "buyer@example.com" },
      customData: '{"plan":"monthly"}',
    });
    assert.match(billingKey, /^billing-key-/);
    const issued = await portone.payment.billingKey.getBillingKeyInfo({ billingKey });
    assert.equal(issued.status, "ISSUED");
    assert.ok(!Payment.BillingKey.isUnrecognizedBillingKeyInfo(issued));
    assertRequired(issued, BILLING_KEY_INFO);
    assert.deepEqual([issued.billingKey, issued.storeId], [billingKey, STORE_ID]);
    assert.deepEqual(
      issued.channels.map((channel) => channel.key),
      ["channel-key-sandbox-nice"],
    );
    assert.deepEqual(issued.customer, { id: "buyer-1", name: "홍길동", email: "buyer@example.com" });
    assert.equal(issued.customData, '{"plan":"monthly"}');
    assert.equal(issued.methods.length, 1);
    const [method] = issued.methods;
    assert.equal(method.type, "BillingKeyPaymentMethodCard");
    assert.deepEqual([method.card.number, method.card.brand], [MASKED_CARD, "VISA"]);
    const deleted = await portone.payment.billingKey.deleteBillingKey({ billingKey, reason: "해지" });
    assert.ok(deleted.deletedAt.endsWith("Z"), deleted.deletedAt);
    const gone = await portone.payment.billingKey.getBillingKeyInfo({ billingKey });
    assert.equal(gone.status, "DELETED");
    assertRequired(gone, [...BILLING_KEY_INFO, "deletedAt"]);
    assert.deepEqual([gone.issuedAt, gone.deletedAt], [issued.issuedAt, deleted.deletedAt]);
  });

  test("payWithBillingKey makes a PAID payment once; a declined charge is PG_PROVIDER", async () => {
    const billingKey = await issueBillingKey();
    const paymentId = unique("pay_billing");
    const paid = await payWithBillingKey(paymentId, billingKey, 9900);
    assert.ok(paid.payment.pgTxId && paid.payment.paidAt.endsWith("Z"), JSON.stringify(paid));
    const payment = await portone.payment.getPayment({ paymentId });
    assert.equal(payment.status, "PAID");
    assert.deepEqual([payment.billingKey, payment.amount.total], [billingKey, 9900]);
    assert.deepEqual([payment.pgTxId, payment.paidAt], [paid.payment.pgTxId, paid.payment.paidAt]);
    assert.equal(payment.method.card.number, MASKED_CARD);
    const twice = await rejection(payWithBillingKey(paymentId, billingKey, 9900));
    assert.ok(twice instanceof Payment.PayWithBillingKeyError);
    assert.equal(twice.data.type, "ALREADY_PAID");
    const declinedId = unique("pay_billing_declined");
    const declined = await rejection(payWithBillingKey(declinedId, billingKey, DECLINED_AMOUNT));
    assert.ok(declined instanceof Payment.PayWithBillingKeyError);
    assert.equal(declined.data.type, "PG_PROVIDER");
    assert.match(declined.data.pgMessage, /999/);
    assert.equal((await portone.payment.getPayment({ paymentId: declinedId })).status, "FAILED");
  });

  test("billing-key refusals throw the method's error class with the V2 error type", async () => {
    const badCard = await rejection(issueBillingKey(BAD_CARD));
    assert.ok(badCard instanceof Payment.BillingKey.IssueBillingKeyError);
    assert.ok(badCard instanceof PortOneError);
    assert.equal(badCard.data.type, "PG_PROVIDER");
    assert.match(badCard.data.pgMessage, /^카드정보 인증에 실패하였습니다\./);
    const noChannel = await rejection(issueBillingKey(CARD, { channelKey: "channel-key-nowhere" }));
    assert.equal(noChannel.data.type, "CHANNEL_NOT_FOUND");
    const nowhere = "billing-key-nowhere";
    const unknown = await rejection(portone.payment.billingKey.getBillingKeyInfo({ billingKey: nowhere }));
    assert.ok(unknown instanceof Payment.BillingKey.GetBillingKeyInfoError);
    assert.equal(unknown.data.type, "BILLING_KEY_NOT_FOUND");
    assert.equal(unknown.message, unknown.data.message);
    const notDeleted = await rejection(portone.payment.billingKey.deleteBillingKey({ billingKey: nowhere }));
    assert.ok(notDeleted instanceof Payment.BillingKey.DeleteBillingKeyError);
    assert.equal(notDeleted.data.type, "BILLING_KEY_NOT_FOUND");
    const notCharged = await rejection(payWithBillingKey(unique("pay_nowhere"), nowhere, 1000));
    assert.equal(notCharged.data.type, "BILLING_KEY_NOT_FOUND");
    const billingKey = await issueBillingKey();
    const forbidden = await rejection(
      portone.payment.billingKey.getBillingKeyInfo({ billingKey, storeId: "store-other" }),
    );
    assert.equal(forbidden.data.type, "FORBIDDEN");
    await portone.payment.billingKey.deleteBillingKey({ billingKey });
    const deletedTwice = await rejection(portone.payment.billingKey.deleteBillingKey({ billingKey }));
    assert.equal(deletedTwice.data.type, "BILLING_KEY_ALREADY_DELETED");
    const charged = await rejection(payWithBillingKey(unique("pay_deleted"), billingKey, 1000));
    assert.ok(charged instanceof Payment.PayWithBillingKeyError);
    assert.equal(charged.data.type, "BILLING_KEY_ALREADY_DELETED");
  });

  describe("Webhook.verify", () => {
    const hook = new Recorder();
    before(() => hook.start());
    after(() => hook.close());

    test("takes the webhook the sandbox signed and sent, and refuses it tampered", async () => {
      const paymentId = unique("pay_hook");
      await paid(paymentId, 4000, { noticeUrl: hook.url });
      const [sent] = await hook.waitFor(1);
      assert.ok(sent, "no webhook arrived");
      const webhook = await Webhook.verify(WEBHOOK_SECRET, sent.body, sent.headers);
      assert.equal(webhook.type, "Transaction.Paid");
      assert.equal(webhook.data.paymentId, paymentId);
      assert.equal(webhook.data.storeId, STORE_ID);
      const tampered = sent.body.replace(paymentId, unique("pay_forged"));
      const refused = await rejection(Webhook.verify(WEBHOOK_SECRET, tampered, sent.headers));
      assert.ok(refused instanceof Webhook.WebhookVerificationError);
      assert.equal(refused.reason, "NO_MATCHING_SIGNATURE");
      const otherId = { ...sent.headers, "webhook-id": "msg_forged" };
      const replayed = await rejection(Webhook.verify(WEBHOOK_SECRET, sent.body, otherId));
      assert.equal(replayed.reason, "NO_MATCHING_SIGNATURE");
    });
  });

  test("what the sandbox does not serve fails loudly", async () => {
    // An unserved path answers 404 (405 where the path is served for another method:
    // GET /billing-keys, POST /billing-keys/confirm…) with no body: the SDK cannot read
    // it as JSON and rejects (a SyntaxError), never resolves.
    const paymentId = unique("pay_unserved");
    await opened(paymentId, 1000, { payMethod: "VIRTUAL_ACCOUNT" });
    const { billingKey, paymentSchedule } = portone.payment;
    const unserved = {
      closeVirtualAccount: () => portone.payment.closeVirtualAccount({ paymentId }),
      getBillingKeyInfos: () => billingKey.getBillingKeyInfos(),
      confirmBillingKey: () => billingKey.confirmBillingKey({ billingIssueToken: "token" }),
      confirmBillingKeyIssueAndPay: () =>
        billingKey.confirmBillingKeyIssueAndPay({
          billingIssueToken: "token",
          paymentId: unique("pay_unserved"),
          currency: "KRW",
          totalAmount: 1000,
        }),
      getPaymentSchedule: () => paymentSchedule.getPaymentSchedule({ paymentScheduleId: "schedule-1" }),
      getPaymentSchedules: () => paymentSchedule.getPaymentSchedules(),
      revokePaymentSchedules: () => paymentSchedule.revokePaymentSchedules({ scheduleIds: ["schedule-1"] }),
      createPaymentSchedule: () =>
        paymentSchedule.createPaymentSchedule({
          paymentId: unique("pay_unserved"),
          payment: { billingKey: "billing-key-1", orderName: "x", amount: { total: 1000 }, currency: "KRW" },
          timeToPay: "2030-01-01T00:00:00Z",
        }),
    };
    for (const [name, call] of Object.entries(unserved)) {
      const refused = await rejection(call());
      assert.ok(refused instanceof SyntaxError, `${name}: ${refused}`);
    }
  });
});
