//! The merchant selling through PortOne V2, with the whole sandbox on loopback: its
//! return page verifies through the V2 API (paid, forged and cancelled, refused before
//! any payment), and its V2 webhook receiver checks the Standard Webhooks signature,
//! refuses a tampered, stale or unsigned webhook and does not process a replay.

use serde_json::{json, Value};

use crate::support::{self, client, send_json, send_page};

struct Shop {
    base: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn shop() -> Shop {
    let dir = tempfile::tempdir().unwrap();
    Shop {
        base: support::start(&support::config(dir.path())).await,
        http: client(),
        _dir: dir,
    }
}

impl Shop {
    /// A shop order of `item`: its id (V2's `paymentId` here) and the server's price.
    async fn order(&self, item: &str) -> (String, i64) {
        let (status, order) = support::post_json(
            &self.http,
            &format!("{}/shop/orders", self.base),
            &json!({"item": item}),
        )
        .await;
        assert_eq!(status, 200, "{order}");
        (
            order["merchant_uid"].as_str().unwrap().to_owned(),
            order["amount"].as_i64().unwrap(),
        )
    }

    /// `PortOne.requestPayment` for the order, approved in the ISP app.
    async fn pay(&self, payment_id: &str, amount: i64) {
        let (status, opened) = support::post_json(
            &self.http,
            &format!("{}/v2/checkout", self.base),
            &json!({"kind": "payment", "device": "mobile", "redirect": true, "request": {
                "storeId": "store-sandbox-0000", "channelKey": "channel-key-sandbox-nice",
                "paymentId": payment_id, "orderName": "V2 주문", "totalAmount": amount,
                "currency": "KRW", "payMethod": "CARD",
                "redirectUrl": format!("{}/shop/v2/payments/complete", self.base)}}),
        )
        .await;
        assert_eq!(status, 200, "{opened}");
        let token = opened["pgUrl"].as_str().unwrap().trim_start_matches("/pg/");
        assert_eq!(
            support::settle(&self.http, &self.base, token, "approve")
                .await
                .0,
            200
        );
    }

    /// The merchant's V2 return page for `query`: its `data-status` and the page.
    async fn landing(&self, query: &str) -> (String, String) {
        let (_, html, _) = send_page(
            self.http
                .get(format!("{}/shop/v2/payments/complete?{query}", self.base)),
        )
        .await;
        let status = html
            .split("data-status=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned();
        (status, html)
    }

    async fn stored(&self, merchant_uid: &str) -> Value {
        send_json(
            self.http
                .get(format!("{}/shop/orders/{merchant_uid}", self.base)),
        )
        .await
        .1
    }

    async fn v2_payment(&self, payment_id: &str) -> Value {
        send_json(
            self.http
                .get(format!("{}/v2/payments/{payment_id}", self.base))
                .header("Authorization", "PortOne sandbox_api_secret"),
        )
        .await
        .1
    }

    /// POSTs `body` to the V2 webhook receiver with these headers.
    async fn webhook(&self, body: &str, headers: &[(&str, String)]) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!("{}/shop/v2/payments/webhook", self.base))
            .header("Content-Type", "application/json")
            .body(body.to_owned());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        send_json(request).await
    }
}

/// Standard Webhooks headers for `body`, signed with `secret` at `timestamp`.
fn signed(secret: &str, id: &str, timestamp: i64, body: &str) -> Vec<(&'static str, String)> {
    let signature = standardwebhooks::Webhook::new(secret)
        .unwrap()
        .sign(id, timestamp, body.as_bytes())
        .unwrap();
    vec![
        ("webhook-id", id.to_owned()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature),
    ]
}

fn now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_v2_payment_is_verified_through_the_v2_api() {
    let s = shop().await;
    let (payment_id, amount) = s.order("coffee").await;
    s.pay(&payment_id, amount).await;
    // The redirect's query names the payment; nothing in it decides.
    let (status, html) = s
        .landing(&format!(
            "paymentId={payment_id}&code=FAKE_SUCCESS&message=ignored"
        ))
        .await;
    assert_eq!(status, "paid", "{html}");
    assert!(html.contains("포트원 V2 API"), "{html}");
    let order = s.stored(&payment_id).await;
    assert_eq!(
        (order["status"].as_str(), order["imp_uid"].as_str()),
        (Some("paid"), Some(payment_id.as_str()))
    );
}

#[tokio::test]
async fn a_v2_payment_of_another_amount_is_cancelled_through_the_v2_api() {
    let s = shop().await;
    let (payment_id, amount) = s.order("gift").await;
    s.pay(&payment_id, amount - 1_000).await;
    let (status, html) = s.landing(&format!("paymentId={payment_id}")).await;
    assert_eq!(status, "forged", "{html}");
    let payment = s.v2_payment(&payment_id).await;
    assert_eq!(payment["status"], "CANCELLED", "{payment}");
    // Reloading reads the decision back from the cancellation's reason.
    assert_eq!(
        s.landing(&format!("paymentId={payment_id}")).await.0,
        "forged"
    );
}

#[tokio::test]
async fn a_v2_checkout_refused_before_any_payment_shows_its_message_and_nothing_else() {
    let s = shop().await;
    let (payment_id, _) = s.order("coffee").await;
    let (status, html) = s
        .landing(&format!(
            "paymentId={payment_id}&code=BadRequest&message=refused%20here"
        ))
        .await;
    assert_eq!(status, "failed", "{html}");
    assert!(html.contains("refused here"), "{html}");
    assert_eq!(s.stored(&payment_id).await["status"], "pending");
    // Without `code`, a payment the API does not know is no verdict at all.
    assert_eq!(
        s.landing(&format!("paymentId={payment_id}")).await.0,
        "error"
    );
}

#[tokio::test]
async fn only_a_signed_fresh_new_v2_webhook_is_processed() {
    let s = shop().await;
    let (payment_id, amount) = s.order("coffee").await;
    s.pay(&payment_id, amount).await;
    let body = json!({"type": "Transaction.Paid", "timestamp": "2026-12-06T00:00:00Z",
        "data": {"storeId": "store-sandbox-0000", "paymentId": payment_id, "transactionId": "t"}})
    .to_string();
    let secret = payhost_sandbox::SANDBOX_WEBHOOK_SECRET;
    // Valid: the merchant verifies the payment through the API.
    let (status, answer) = s
        .webhook(&body, &signed(secret, "msg_1", now(), &body))
        .await;
    assert_eq!((status, answer), (200, json!({"status": "paid"})));
    // The same id again: a replay (or a retry), answered but not processed.
    let (status, answer) = s
        .webhook(&body, &signed(secret, "msg_1", now(), &body))
        .await;
    assert_eq!((status, answer), (200, json!("replayed")));
    // Tampered, signed with another key, unsigned, or stale: refused.
    let tampered = body.replace("Transaction.Paid", "Transaction.Cancelled");
    let other_key = "whsec_b3RoZXItc2VjcmV0LWtleS1vZi0zMi1ieXRlcyEhIQ==";
    for (what, body, headers) in [
        (
            "tampered",
            tampered.as_str(),
            signed(secret, "msg_2", now(), &body),
        ),
        (
            "another key",
            body.as_str(),
            signed(other_key, "msg_3", now(), &body),
        ),
        ("unsigned", body.as_str(), Vec::new()),
        (
            "stale",
            body.as_str(),
            signed(secret, "msg_4", now() - 600, &body),
        ),
        (
            "from the future",
            body.as_str(),
            signed(secret, "msg_5", now() + 600, &body),
        ),
    ] {
        let (status, answer) = s.webhook(body, &headers).await;
        assert_eq!(status, 401, "{what}: {answer}");
    }
    // A type it does not know is answered and ignored.
    let other = json!({"type": "Future.Event", "timestamp": "x", "data": {}}).to_string();
    let (status, answer) = s
        .webhook(&other, &signed(secret, "msg_6", now(), &other))
        .await;
    assert_eq!((status, answer), (200, json!("ignored")));
}
