//! The merchant server against the sandbox's iamport API, both on loopback: the
//! return page shows success only for a verified payment, a forged amount is
//! cancelled, webhooks are idempotent, orders survive a restart.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use payhost_sandbox::merchant::{self, IamportClient, MerchantState};
use payhost_sandbox::{router, system_clock, ApiState, Store, SANDBOX_IMP_KEY, SANDBOX_IMP_SECRET};
use serde_json::{json, Value};

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

struct World {
    iamport: String,
    merchant: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn merchant_on(db: &Path, iamport: &str) -> String {
    let state = MerchantState::open(
        db,
        IamportClient::new(iamport, SANDBOX_IMP_KEY, SANDBOX_IMP_SECRET),
    )
    .unwrap();
    serve(merchant::router(state)).await
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("iamport.sqlite3")).unwrap();
    let iamport = serve(router(ApiState::new(
        store,
        system_clock(),
        SANDBOX_IMP_KEY,
        SANDBOX_IMP_SECRET,
    )))
    .await;
    let merchant = merchant_on(&dir.path().join("merchant.sqlite3"), &iamport).await;
    World {
        iamport,
        merchant,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

impl World {
    async fn post(&self, url: String, body: Value) -> Value {
        self.http
            .post(url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn order(&self, merchant_uid: &str, amount: i64) {
        let created = self
            .post(
                format!("{}/orders", self.merchant),
                json!({"merchant_uid": merchant_uid, "name": "샌드박스 상품", "amount": amount}),
            )
            .await;
        assert_eq!(created["merchant_uid"], merchant_uid);
    }

    /// What the buyer's payment app does: a payment of `amount` with `outcome`.
    async fn pay(
        &self,
        merchant_uid: &str,
        amount: i64,
        pay_method: &str,
        outcome: &str,
    ) -> String {
        let created = self
            .post(
                format!("{}/sandbox/payments", self.iamport),
                json!({"merchant_uid": merchant_uid, "amount": amount, "pay_method": pay_method}),
            )
            .await;
        let imp_uid = created["response"]["imp_uid"].as_str().unwrap().to_owned();
        self.post(
            format!("{}/sandbox/payments/{imp_uid}/outcome", self.iamport),
            json!({"outcome": outcome}),
        )
        .await;
        imp_uid
    }

    /// The buyer lands on `m_redirect_url`.
    async fn landing(&self, query: &str) -> (String, String) {
        let html = self
            .http
            .get(format!("{}/payments/complete?{query}", self.merchant))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let status = html
            .split("data-status=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        (status, html)
    }

    async fn stored(&self, merchant_uid: &str) -> Value {
        self.http
            .get(format!("{}/orders/{merchant_uid}", self.merchant))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_verified_payment_shows_success_and_the_order_row_is_paid() {
    let w = world().await;
    w.order("order_ok", 15000).await;
    let imp_uid = w.pay("order_ok", 15000, "card", "approve").await;
    let (status, html) = w
        .landing(&format!("imp_uid={imp_uid}&merchant_uid=order_ok"))
        .await;
    assert_eq!(status, "paid");
    assert!(html.contains("결제가 완료되었습니다"), "{html}");
    let row = w.stored("order_ok").await;
    assert_eq!(row["status"], "paid");
    assert_eq!(row["imp_uid"], imp_uid.as_str());
}

#[tokio::test]
async fn a_tampered_amount_is_cancelled_and_shown_as_forged() {
    let w = world().await;
    w.order("order_forged", 50000).await;
    // The buyer's page was tampered with: it paid 100 won for a 50 000 won order.
    let imp_uid = w.pay("order_forged", 100, "card", "approve").await;
    let (status, html) = w
        .landing(&format!("imp_uid={imp_uid}&merchant_uid=order_forged"))
        .await;
    assert_eq!(status, "forged", "{html}");
    // Reloading the landing (or a duplicate webhook) does not try to cancel again.
    let (again, html) = w
        .landing(&format!("imp_uid={imp_uid}&merchant_uid=order_forged"))
        .await;
    assert_eq!(again, "forged", "{html}");
    let token = w
        .post(
            format!("{}/users/getToken", w.iamport),
            json!({"imp_key": SANDBOX_IMP_KEY, "imp_secret": SANDBOX_IMP_SECRET}),
        )
        .await["response"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let payment: Value = w
        .http
        .get(format!("{}/payments/{imp_uid}", w.iamport))
        .header("Authorization", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        payment["response"]["status"], "cancelled",
        "cancelled through the API"
    );
}

#[tokio::test]
async fn the_query_is_never_trusted_a_failed_payment_fails() {
    let w = world().await;
    w.order("order_declined", 3000).await;
    let imp_uid = w.pay("order_declined", 3000, "card", "deny").await;
    // Whatever the redirect claims, the API says failed.
    let (status, html) = w
        .landing(&format!(
            "imp_uid={imp_uid}&merchant_uid=order_declined&imp_success=true"
        ))
        .await;
    assert_eq!(status, "failed");
    assert!(html.contains("declined") || html.contains("거절"), "{html}");
    // A payment of another order cannot settle this one.
    w.order("order_other", 3000).await;
    let other = w.pay("order_other", 3000, "card", "approve").await;
    let (status, _) = w
        .landing(&format!("imp_uid={other}&merchant_uid=order_declined"))
        .await;
    assert_eq!(status, "paid");
    assert_eq!(
        w.stored("order_declined").await["status"],
        "failed",
        "the payment's own order was settled, not the named one"
    );
}

#[tokio::test]
async fn a_virtual_account_shows_the_account() {
    let w = world().await;
    w.order("order_vbank", 20000).await;
    let imp_uid = w.pay("order_vbank", 20000, "vbank", "vbank").await;
    let (status, html) = w
        .landing(&format!("imp_uid={imp_uid}&merchant_uid=order_vbank"))
        .await;
    assert_eq!(status, "vbank_issued");
    assert!(html.contains("샌드박스은행"), "{html}");
}

#[tokio::test]
async fn duplicate_webhooks_are_idempotent_and_a_lost_imp_uid_is_found_by_order() {
    let w = world().await;
    w.order("order_hook", 8000).await;
    let imp_uid = w.pay("order_hook", 8000, "card", "approve").await;
    for _ in 0..3 {
        let answer = w
            .post(
                format!("{}/payments/webhook", w.merchant),
                json!({"imp_uid": imp_uid, "merchant_uid": "order_hook", "status": "paid"}),
            )
            .await;
        assert_eq!(answer["status"], "paid");
    }
    // A cold start lost imp_uid: the landing finds the payment by merchant_uid.
    let (status, _) = w.landing("merchant_uid=order_hook").await;
    assert_eq!(status, "paid");
}

#[tokio::test]
async fn orders_survive_a_merchant_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("iamport.sqlite3")).unwrap();
    let iamport = serve(router(ApiState::new(
        store,
        system_clock(),
        SANDBOX_IMP_KEY,
        SANDBOX_IMP_SECRET,
    )))
    .await;
    let db = dir.path().join("merchant.sqlite3");
    let http = reqwest::Client::new();
    let first = merchant_on(&db, &iamport).await;
    http.post(format!("{first}/orders"))
        .json(&json!({"merchant_uid": "order_restart", "name": "x", "amount": 1000}))
        .send()
        .await
        .unwrap();
    let second = merchant_on(&db, &iamport).await;
    let row: Value = http
        .get(format!("{second}/orders/order_restart"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(row["amount"], 1000);
    assert_eq!(row["status"], "pending");
}
