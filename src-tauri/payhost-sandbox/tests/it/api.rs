//! The iamport V1 API over real HTTP on loopback, as a merchant server calls it; the
//! payments it reports are made through the checkout, as a buyer makes them: tokens,
//! lookups (one payment, several, a page by status), prepared amounts, cancels and
//! the revocation of a virtual account.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use payhost_sandbox::{ApiState, Store, SANDBOX_IMP_KEY, SANDBOX_IMP_SECRET};
use serde_json::{json, Value};

use crate::support::{self, Envelope};

struct Sandbox {
    base: String,
    now: Arc<AtomicI64>,
    http: reqwest::Client,
}

async fn sandbox() -> Sandbox {
    let now = Arc::new(AtomicI64::new(1_800_000_000));
    let clock_now = Arc::clone(&now);
    let state = ApiState::new(
        Store::in_memory().unwrap(),
        Arc::new(move || clock_now.load(Ordering::SeqCst)),
        SANDBOX_IMP_KEY,
        SANDBOX_IMP_SECRET,
    );
    Sandbox {
        base: support::serve_iamport(state).await,
        now,
        // Follows redirects (a virtual account's choice answers with its result page),
        // unlike `support::client`.
        http: reqwest::Client::new(),
    }
}

impl Sandbox {
    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            request = request.header("Authorization", token);
        }
        support::send_json(request).await
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        support::send_json(request).await
    }

    /// `method` on `path` with a JSON `body` (none for `Value::Null`) and the raw
    /// token, as iamport-rest-client sends it. The request is built at once, so the
    /// answer borrows nothing.
    fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> impl std::future::Future<Output = (u16, Value)> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if !body.is_null() {
            request = request.json(&body);
        }
        if let Some(token) = token {
            request = request.header("Authorization", token);
        }
        support::send_json(request)
    }

    /// Moves the sandbox's clock to `at` (Unix seconds).
    fn at(&self, at: i64) {
        self.now.store(at, Ordering::SeqCst);
    }

    async fn token(&self) -> String {
        support::api_token(&self.http, &self.base).await
    }

    /// `IMP.request_pay` (a PC checkout): iamport's answer, a PG page or a refusal.
    async fn request_pay(&self, params: Value) -> Value {
        support::request_pay(&self.http, &self.base, "pc", params).await
    }

    /// A `ready` payment through the checkout: its `imp_uid` and transaction token.
    async fn ready(&self, merchant_uid: &str, amount: i64, pay_method: &str) -> (String, String) {
        let answer = self
            .request_pay(
                json!({"merchant_uid": merchant_uid, "amount": amount, "name": "테스트 상품",
                "pay_method": pay_method, "pg": "nice"}),
            )
            .await;
        let token = support::token_of(&answer);
        (answer["imp_uid"].as_str().unwrap().to_owned(), token)
    }

    /// The buyer's decision on the PG page or in the payment app: `approve` (ISP),
    /// `deny`, `cancel`, or `vbank` (an account issued).
    async fn settle(&self, token: &str, outcome: &str) -> u16 {
        if outcome == "vbank" {
            return support::choose(&self.http, &self.base, token, "vbank").await;
        }
        support::settle(&self.http, &self.base, token, outcome)
            .await
            .0
    }

    async fn paid(&self, merchant_uid: &str, amount: i64) -> String {
        let (imp_uid, token) = self.ready(merchant_uid, amount, "card").await;
        assert_eq!(self.settle(&token, "approve").await, 200);
        imp_uid
    }
}

#[tokio::test]
async fn get_token_gives_a_30_minute_token_and_refuses_wrong_keys() {
    let s = sandbox().await;
    let (status, body) = s
        .post(
            "/users/getToken",
            None,
            json!({"imp_key": SANDBOX_IMP_KEY, "imp_secret": SANDBOX_IMP_SECRET}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["code"], 0);
    assert_eq!(body["message"], Value::Null);
    let response = &body["response"];
    assert_eq!(
        response["expired_at"].as_i64().unwrap() - response["now"].as_i64().unwrap(),
        30 * 60
    );
    let (status, body) = s
        .post(
            "/users/getToken",
            None,
            json!({"imp_key": SANDBOX_IMP_KEY, "imp_secret": "wrong"}),
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], -1);
    assert_eq!(body["response"], Value::Null);
    // The form encoding works too.
    let response = s
        .http
        .post(format!("{}/users/getToken", s.base))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            "imp_key={SANDBOX_IMP_KEY}&imp_secret={SANDBOX_IMP_SECRET}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn payments_need_a_valid_token_and_it_expires() {
    let s = sandbox().await;
    let imp_uid = s.paid("order_auth", 1000).await;
    assert_eq!(s.get(&format!("/payments/{imp_uid}"), None).await.0, 401);
    assert_eq!(
        s.get(&format!("/payments/{imp_uid}"), Some("not-a-token"))
            .await
            .0,
        401
    );
    let token = s.token().await;
    let (status, body) = s.get(&format!("/payments/{imp_uid}"), Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(body["response"]["amount"], 1000);
    s.now.fetch_add(30 * 60, Ordering::SeqCst);
    let (status, body) = s.get(&format!("/payments/{imp_uid}"), Some(&token)).await;
    assert_eq!(status, 401, "expired after 30 minutes: {body}");
}

#[tokio::test]
async fn a_payment_goes_ready_paid_then_partially_and_fully_cancelled() {
    let s = sandbox().await;
    let token = s.token().await;
    let (imp_uid, txn) = s.ready("order_1", 15000, "card").await;
    let (_, created) = s.get(&format!("/payments/{imp_uid}"), Some(&token)).await;
    let payment = &created["response"];
    assert_eq!(payment["status"], "ready");
    assert_eq!(payment["paid_at"], 0);
    assert_eq!(payment["pg_provider"], "nice");
    assert!(imp_uid.starts_with("imp_"));

    s.now.fetch_add(5, Ordering::SeqCst);
    assert_eq!(s.settle(&txn, "approve").await, 200);
    let (_, approved) = s.get(&format!("/payments/{imp_uid}"), Some(&token)).await;
    let payment = &approved["response"];
    assert_eq!(payment["status"], "paid");
    assert!(payment["paid_at"].as_i64().unwrap() > payment["started_at"].as_i64().unwrap());
    assert!(payment["apply_num"].is_string());
    assert!(payment["receipt_url"].is_string());

    let (_, found) = s.get("/payments/find/order_1", Some(&token)).await;
    assert_eq!(found["response"]["imp_uid"], imp_uid.as_str());
    let (_, found) = s.get("/payments/find/order_1/paid", Some(&token)).await;
    assert_eq!(found["response"]["status"], "paid");
    assert_eq!(
        s.get("/payments/find/order_1/failed", Some(&token)).await.0,
        404
    );

    let (_, partial) = s
        .post(
            "/payments/cancel",
            Some(&token),
            json!({"imp_uid": imp_uid, "amount": 5000, "reason": "부분 환불"}),
        )
        .await;
    assert_eq!(partial["code"], 0, "{partial}");
    assert_eq!(partial["response"]["status"], "paid");
    assert_eq!(partial["response"]["cancel_amount"], 5000);
    let (_, too_much) = s
        .post(
            "/payments/cancel",
            Some(&token),
            json!({"imp_uid": imp_uid, "amount": 20000}),
        )
        .await;
    assert_eq!(too_much["code"], 1, "{too_much}");
    let (_, rest) = s
        .post(
            "/payments/cancel",
            Some(&token),
            json!({"merchant_uid": "order_1"}),
        )
        .await;
    assert_eq!(rest["response"]["status"], "cancelled");
    assert_eq!(rest["response"]["cancel_amount"], 15000);
    assert_eq!(
        rest["response"]["cancel_history"].as_array().unwrap().len(),
        2
    );
    assert!(rest["response"]["cancelled_at"].as_i64().unwrap() > 0);
    let (_, again) = s
        .post(
            "/payments/cancel",
            Some(&token),
            json!({"imp_uid": imp_uid}),
        )
        .await;
    assert_eq!(again["code"], 1);
}

#[tokio::test]
async fn prepare_fixes_the_amount_and_paid_orders_are_refused() {
    let s = sandbox().await;
    let token = s.token().await;
    let (_, prepared) = s
        .post(
            "/payments/prepare",
            Some(&token),
            json!({"merchant_uid": "order_p", "amount": 30000}),
        )
        .await;
    assert_eq!(prepared["response"]["amount"], 30000);
    let (_, twice) = s
        .post(
            "/payments/prepare",
            Some(&token),
            json!({"merchant_uid": "order_p", "amount": 30000}),
        )
        .await;
    assert_eq!(twice["code"], 1);
    let tampered = s
        .request_pay(json!({"merchant_uid": "order_p", "amount": 100}))
        .await;
    assert!(
        tampered["error_msg"].as_str().unwrap().contains("사전등록"),
        "{tampered}"
    );
    let no_amount = s.request_pay(json!({"merchant_uid": "order_x"})).await;
    assert_eq!(no_amount["error_code"], "F400", "{no_amount}");
    s.paid("order_p", 30000).await;
    let repeat = s
        .request_pay(json!({"merchant_uid": "order_p", "amount": 30000}))
        .await;
    assert!(
        repeat["error_msg"]
            .as_str()
            .unwrap()
            .contains("이미 결제된"),
        "an order that was paid is refused: {repeat}"
    );
}

#[tokio::test]
async fn declines_cancels_and_virtual_accounts() {
    let s = sandbox().await;
    let token = s.token().await;
    for (outcome, status) in [("deny", "failed"), ("cancel", "failed"), ("vbank", "ready")] {
        let pay_method = if outcome == "vbank" { "vbank" } else { "card" };
        let (imp_uid, txn) = s.ready(&format!("order_{outcome}"), 1000, pay_method).await;
        let settled = s.settle(&txn, outcome).await;
        assert!(matches!(settled, 200 | 303), "{outcome}: {settled}");
        let (_, fetched) = s.get(&format!("/payments/{imp_uid}"), Some(&token)).await;
        assert_eq!(fetched["response"]["status"], status, "{fetched}");
        if outcome == "vbank" {
            assert!(fetched["response"]["vbank_num"].is_string());
            assert!(fetched["response"]["vbank_date"].as_i64().unwrap() > 0);
        } else {
            assert!(fetched["response"]["failed_at"].as_i64().unwrap() > 0);
            assert!(fetched["response"]["fail_reason"].is_string());
            let (_, cancel) = s
                .post(
                    "/payments/cancel",
                    Some(&token),
                    json!({"imp_uid": imp_uid}),
                )
                .await;
            assert_eq!(cancel["code"], 1, "a failed payment cannot be cancelled");
        }
    }
    assert_eq!(s.get("/payments/imp_nosuch", Some(&token)).await.0, 404);
}

#[tokio::test]
async fn the_token_is_read_with_or_without_bearer_in_any_case() {
    let s = sandbox().await;
    let token = s.token().await;
    let status = |header: String| {
        let request = s
            .http
            .get(format!("{}/payments/imp_nosuch", s.base))
            .header("Authorization", header);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    // Authorized: the payment is unknown (404), not the caller (401).
    for header in [
        format!("Bearer {token}"),
        format!("bearer {token}"),
        format!("BEARER {token}"),
        format!("Bearer   {token}"),
        token.clone(),
    ] {
        assert_eq!(status(header.clone()).await, 404, "`{header}`");
    }
    for header in [
        format!("Basic {token}"),
        "Bearer".to_owned(),
        "Bearer not-a-token".to_owned(),
    ] {
        assert_eq!(status(header.clone()).await, 401, "`{header}`");
    }
}

#[tokio::test]
async fn invalid_utf8_in_a_path_gets_the_v1_envelope() {
    let s = sandbox().await;
    let token = s.token().await;
    for path in [
        "/payments/%FF",
        "/payments/find/%FF",
        "/payments/find/order_1/%FF",
    ] {
        let response = s
            .http
            .get(format!("{}{path}", s.base))
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{path}");
        let text = response.text().await.unwrap();
        let body: Envelope = serde_json::from_str(&text)
            .unwrap_or_else(|err| panic!("{path}: not the envelope ({err}): {text}"));
        assert_eq!((body.code, body.response), (-1, None), "{path}");
        assert!(body.message.is_some_and(|m| !m.is_empty()), "{path}");
    }
}

#[tokio::test]
async fn a_padded_merchant_uid_is_the_same_order_for_prepare_find_and_cancel() {
    let s = sandbox().await;
    let token = s.token().await;
    let (_, prepared) = s
        .post(
            "/payments/prepare",
            Some(&token),
            json!({"merchant_uid": "  m1  ", "amount": 30000}),
        )
        .await;
    assert_eq!(prepared["code"], 0, "{prepared}");
    // The prepared amount holds for the order's one id: another amount is refused.
    let tampered = s
        .request_pay(json!({"merchant_uid": "m1", "amount": 100}))
        .await;
    assert!(
        tampered["error_msg"]
            .as_str()
            .is_some_and(|m| m.contains("사전등록")),
        "{tampered}"
    );
    assert_eq!(prepared["response"]["merchant_uid"], "m1", "{prepared}");
    let (_, again) = s
        .post(
            "/payments/prepare",
            Some(&token),
            json!({"merchant_uid": "m1", "amount": 100}),
        )
        .await;
    assert_eq!(again["code"], 1, "prepared once: {again}");
    // Find and cancel by a padded merchant_uid reach the order's payment.
    let imp_uid = s.paid("m1", 30000).await;
    let (status, found) = s.get("/payments/find/%20m1%20/paid", Some(&token)).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["response"]["imp_uid"], imp_uid.as_str());
    let (_, cancelled) = s
        .post(
            "/payments/cancel",
            Some(&token),
            json!({"merchant_uid": " m1\t"}),
        )
        .await;
    assert_eq!(cancelled["code"], 0, "{cancelled}");
    assert_eq!(cancelled["response"]["status"], "cancelled");
    let (_, blank) = s
        .post(
            "/payments/prepare",
            Some(&token),
            json!({"merchant_uid": "   ", "amount": 1000}),
        )
        .await;
    assert_eq!(blank["code"], 1, "{blank}");
}

#[tokio::test]
async fn no_virtual_account_for_an_order_settled_by_another_payment() {
    let s = sandbox().await;
    let token = s.token().await;
    for (merchant_uid, cancel_first) in [("order_vb_paid", false), ("order_vb_cancelled", true)] {
        // Two tabs: a virtual account still to be issued, and a card that is paid.
        let (vbank, vbank_txn) = s.ready(merchant_uid, 1000, "vbank").await;
        let card = s.paid(merchant_uid, 1000).await;
        if cancel_first {
            let (_, cancelled) = s
                .post("/payments/cancel", Some(&token), json!({"imp_uid": card}))
                .await;
            assert_eq!(cancelled["code"], 0, "{cancelled}");
        }
        s.settle(&vbank_txn, "vbank").await;
        let (_, fetched) = s.get(&format!("/payments/{vbank}"), Some(&token)).await;
        assert_eq!(fetched["response"]["status"], "ready", "{fetched}");
        assert_eq!(
            fetched["response"]["vbank_num"],
            Value::Null,
            "{merchant_uid}: an account for an order another payment settled"
        );
    }
}

/// The `imp_uid`s of a list answer, in order.
fn uids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|p| p["imp_uid"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn put_prepare_changes_the_amount_and_get_prepare_reads_it() {
    let s = sandbox().await;
    let token = s.token().await;
    let put = |merchant_uid: &str, amount: i64| {
        s.send(
            reqwest::Method::PUT,
            "/payments/prepare",
            Some(&token),
            json!({"merchant_uid": merchant_uid, "amount": amount}),
        )
    };
    // Never prepared: iamport's 404, in the envelope.
    let (status, body) = put("order_pp", 25000).await;
    assert_eq!((status, &body["code"]), (404, &json!(1)), "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("order_pp"),
        "{body}"
    );
    let (status, body) = s.get("/payments/prepare/order_pp", Some(&token)).await;
    assert_eq!(status, 404, "{body}");

    s.post(
        "/payments/prepare",
        Some(&token),
        json!({"merchant_uid": "order_pp", "amount": 30000}),
    )
    .await;
    let (status, body) = put("order_pp", 25000).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["code"], 0);
    assert_eq!(
        body["response"],
        json!({"merchant_uid": "order_pp", "amount": 25000})
    );
    // The form encoding, and a padded id that is the same order.
    let response = s
        .http
        .put(format!("{}/payments/prepare", s.base))
        .header("Authorization", &token)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("merchant_uid=%20order_pp%20&amount=26000")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let (status, read) = s.get("/payments/prepare/%20order_pp", Some(&token)).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(
        read["response"],
        json!({"merchant_uid": "order_pp", "amount": 26000})
    );
    // The checkout holds to the new amount.
    let old = s
        .request_pay(json!({"merchant_uid": "order_pp", "amount": 30000, "pg": "nice", "pay_method": "card"}))
        .await;
    assert!(
        old["error_msg"]
            .as_str()
            .is_some_and(|m| m.contains("사전등록")),
        "{old}"
    );
    let new = s
        .request_pay(json!({"merchant_uid": "order_pp", "amount": 26000, "pg": "nice", "pay_method": "card"}))
        .await;
    assert!(support::try_token_of(&new).is_some(), "{new}");
    // A bad amount is a refusal; no token, no access.
    let (_, zero) = put("order_pp", 0).await;
    assert_eq!(zero["code"], 1, "{zero}");
    let (status, _) = s
        .send(
            reqwest::Method::PUT,
            "/payments/prepare",
            None,
            json!({"merchant_uid": "order_pp", "amount": 1}),
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(s.get("/payments/prepare/order_pp", None).await.0, 401);
}

#[tokio::test]
async fn payments_by_status_filter_page_and_sort() {
    let s = sandbox().await;
    let t0 = 1_800_000_000;
    s.at(t0);
    let (p1, _) = s.ready("o_s1", 1000, "card").await;
    s.at(t0 + 10);
    let (p2, p2_txn) = s.ready("o_s2", 2000, "card").await;
    s.at(t0 + 30);
    let (p3, p3_txn) = s.ready("o_s3", 3000, "card").await;
    s.at(t0 + 40);
    s.settle(&p3_txn, "deny").await;
    s.at(t0 + 50);
    let p4 = s.paid("o_s4", 4000).await;
    s.at(t0 + 60);
    let token = s.token().await;
    let (_, cancelled) = s
        .post("/payments/cancel", Some(&token), json!({"imp_uid": p4}))
        .await;
    assert_eq!(cancelled["response"]["status"], "cancelled");
    s.at(t0 + 100);
    assert_eq!(s.settle(&p2_txn, "approve").await, 200);
    let token = s.token().await;
    let list = |query: &'static str| {
        let token = token.clone();
        let s = &s;
        async move {
            s.get(&format!("/payments/status/{query}"), Some(&token))
                .await
        }
    };

    let (status, all) = list("all").await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["code"], 0);
    let page = &all["response"];
    assert_eq!(
        (&page["total"], &page["previous"], &page["next"]),
        (&json!(4), &json!(0), &json!(0))
    );
    assert_eq!(
        uids(&page["list"]),
        [&p4, &p3, &p2, &p1],
        "newest checkout first"
    );
    assert_eq!(page["list"][0]["cancel_amount"], 4000, "whole payments");
    for (status, expected) in [
        ("ready", &p1),
        ("paid", &p2),
        ("failed", &p3),
        ("cancelled", &p4),
    ] {
        let (code, body) = s
            .get(&format!("/payments/status/{status}"), Some(&token))
            .await;
        assert_eq!(code, 200, "{body}");
        assert_eq!(body["response"]["total"], 1, "{status}: {body}");
        assert_eq!(uids(&body["response"]["list"]), [expected], "{status}");
    }

    // Pages: previous and next are page numbers, 0 when none.
    let (_, first) = list("all?limit=3").await;
    let first = &first["response"];
    assert_eq!(
        (&first["total"], &first["previous"], &first["next"]),
        (&json!(4), &json!(0), &json!(2))
    );
    assert_eq!(uids(&first["list"]), [&p4, &p3, &p2]);
    let (_, second) = list("all?limit=3&page=2").await;
    let second = &second["response"];
    assert_eq!(
        (&second["previous"], &second["next"]),
        (&json!(1), &json!(0))
    );
    assert_eq!(uids(&second["list"]), [&p1]);

    // Orders: started, paid (unpaid last) and updated (the last change of status).
    let (_, started) = list("all?sorting=started").await;
    assert_eq!(uids(&started["response"]["list"]), [&p1, &p2, &p3, &p4]);
    let (_, paid) = list("all?sorting=-paid").await;
    assert_eq!(uids(&paid["response"]["list"]), [&p2, &p4, &p3, &p1]);
    let (_, updated) = list("all?sorting=-updated").await;
    assert_eq!(uids(&updated["response"]["list"]), [&p2, &p4, &p3, &p1]);
    let (_, updated) = list("all?sorting=updated").await;
    assert_eq!(uids(&updated["response"]["list"]), [&p1, &p3, &p4, &p2]);

    // The window is on each payment's own status time: p2 paid at +100, p4
    // cancelled at +60; p1 started at 0 and p3 failed at +40 fall outside.
    let window = format!("all?from={}&to={}", t0 + 50, t0 + 100);
    let (_, windowed) = s
        .get(&format!("/payments/status/{window}"), Some(&token))
        .await;
    assert_eq!(windowed["response"]["total"], 2, "{windowed}");
    assert_eq!(uids(&windowed["response"]["list"]), [&p4, &p2]);

    // iamport's 400s, in the envelope: an unknown status, a page out of range, and
    // what cannot be read.
    for query in [
        "refunded",
        "all?page=3&limit=3",
        "all?page=0",
        "all?limit=0",
        "all?page=x",
        "all?sorting=amount",
        "all?from=0&to=1800000000",
    ] {
        let (status, body) = list(query).await;
        assert_eq!(status, 400, "{query}: {body}");
        let body: Envelope = serde_json::from_value(body).unwrap();
        assert_eq!((body.code, body.response), (-1, None), "{query}");
        assert!(body.message.is_some_and(|m| !m.is_empty()), "{query}");
    }
    // By default the last 90 days: 91 days later nothing is listed, on an empty
    // first page.
    s.at(t0 + 100 + 91 * 24 * 3600);
    let token = s.token().await;
    let (status, later) = s.get("/payments/status/all", Some(&token)).await;
    assert_eq!(status, 200, "{later}");
    assert_eq!(
        later["response"],
        json!({"total": 0, "previous": 0, "next": 0, "list": []})
    );
    assert_eq!(
        s.get("/payments/status/all?page=2", Some(&token)).await.0,
        400
    );
    assert_eq!(s.get("/payments/status/all", None).await.0, 401);
}

#[tokio::test]
async fn several_payments_at_once_answer_200_207_or_404() {
    let s = sandbox().await;
    let token = s.token().await;
    let paid = s.paid("o_m1", 1000).await;
    let (ready, _) = s.ready("o_m2", 2000, "card").await;
    let (status, both) = s
        .get(
            &format!("/payments?imp_uid[]={paid}&imp_uid[]={ready}"),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{both}");
    assert_eq!(both["code"], 0);
    assert_eq!(uids(&both["response"]), [&paid, &ready]);
    // By order too, each payment once; brackets percent-encoded are the same key.
    let (status, same) = s
        .get(
            &format!("/payments?imp_uid%5B%5D={paid}&merchant_uid[]=o_m1"),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{same}");
    assert_eq!(uids(&same["response"]), [&paid]);
    // Some missing: 207, what was found, and which were not.
    let (status, some) = s
        .get(
            &format!("/payments?imp_uid[]={paid}&imp_uid[]=imp_nosuch&merchant_uid[]=o_m2"),
            Some(&token),
        )
        .await;
    assert_eq!(status, 207, "{some}");
    assert_eq!(some["code"], 0);
    assert_eq!(uids(&some["response"]), [&paid, &ready]);
    assert!(
        some["message"]
            .as_str()
            .is_some_and(|m| m.contains("imp_nosuch")),
        "{some}"
    );
    // None found: 404; none asked: 400; no token: 401.
    let (status, none) = s
        .get(
            "/payments?imp_uid[]=imp_nosuch&merchant_uid[]=o_nosuch",
            Some(&token),
        )
        .await;
    assert_eq!((status, &none["code"]), (404, &json!(1)), "{none}");
    assert_eq!(s.get("/payments", Some(&token)).await.0, 400);
    assert_eq!(
        s.get(&format!("/payments?imp_uid[]={paid}"), None).await.0,
        401
    );
}

#[tokio::test]
async fn only_a_ready_virtual_account_is_revoked_and_its_order_stays_payable() {
    let s = sandbox().await;
    let token = s.token().await;
    let delete = |imp_uid: &str, token: Option<&str>| {
        s.send(
            reqwest::Method::DELETE,
            &format!("/vbanks/{imp_uid}"),
            token,
            Value::Null,
        )
    };
    let (vbank, txn) = s.ready("o_revoke", 5000, "vbank").await;
    // No account issued yet: nothing to revoke.
    let (status, body) = delete(&vbank, Some(&token)).await;
    assert_eq!((status, &body["code"]), (400, &json!(-1)), "{body}");
    s.settle(&txn, "vbank").await;
    assert_eq!(delete(&vbank, None).await.0, 401);
    s.now.fetch_add(5, Ordering::SeqCst);
    let (status, revoked) = delete(&vbank, Some(&token)).await;
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(revoked["code"], 0);
    let payment = &revoked["response"];
    assert_eq!(payment["status"], "cancelled");
    assert_eq!(payment["cancel_amount"], 0, "nothing was refunded");
    assert_eq!(payment["cancel_history"], json!([]));
    assert!(payment["cancelled_at"].as_i64().unwrap() > payment["started_at"].as_i64().unwrap());
    let (_, fetched) = s.get(&format!("/payments/{vbank}"), Some(&token)).await;
    assert_eq!(fetched["response"]["status"], "cancelled");
    // Once: it is no longer ready.
    let (status, again) = delete(&vbank, Some(&token)).await;
    assert_eq!(status, 400, "{again}");
    // Not a virtual account, paid or not: 400; unknown: 404.
    let card = s.paid("o_revoke_card", 1000).await;
    let (card_ready, _) = s.ready("o_revoke_card2", 1000, "card").await;
    for imp_uid in [&card, &card_ready] {
        let (status, body) = delete(imp_uid, Some(&token)).await;
        assert_eq!(status, 400, "{imp_uid}: {body}");
    }
    assert_eq!(delete("imp_nosuch", Some(&token)).await.0, 404);
    // A revoked account paid nothing: the order can still be paid.
    let imp_uid = s.paid("o_revoke", 5000).await;
    let (_, paid) = s.get("/payments/find/o_revoke/paid", Some(&token)).await;
    assert_eq!(paid["response"]["imp_uid"], imp_uid.as_str(), "{paid}");
}

#[tokio::test]
async fn cancelling_a_payment_that_does_not_exist_is_a_refusal_in_the_envelope() {
    let s = sandbox().await;
    let token = s.token().await;
    for body in [
        json!({"imp_uid": "imp_nosuch", "reason": "x"}),
        json!({"merchant_uid": "order_nosuch"}),
    ] {
        let (status, answer) = s.post("/payments/cancel", Some(&token), body).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["code"], 1, "{answer}");
        assert_eq!(answer["response"], Value::Null);
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("취소할 결제건이 존재하지 않습니다.")),
            "{answer}"
        );
    }
}
