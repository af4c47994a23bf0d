//! The iamport V1 API over real HTTP on loopback, as a merchant server calls it; the
//! payments it reports are made through the checkout, as a buyer makes them.

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
