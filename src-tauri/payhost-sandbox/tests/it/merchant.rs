//! The merchant server against the sandbox's iamport API and checkout, two real
//! servers on loopback: the return page shows success only for a verified payment, a
//! forged amount is cancelled, a forged or stale report never decides, a paid order
//! changes only through its own payment, ids stay one path segment, the server prices
//! orders, webhooks are idempotent and read as JSON or a form, a virtual account paid
//! at the sandbox's bank pays its order, orders survive a restart, proxy variables
//! are ignored, and a property over random interleavings of several tabs' checkouts.

use std::io::BufRead;
use std::path::Path;
use std::sync::atomic::Ordering;

use payhost_sandbox::merchant::{self, IamportClient, MerchantState};
use payhost_sandbox::{system_clock, ApiState, Store, SANDBOX_IMP_KEY, SANDBOX_IMP_SECRET};
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::support::{self, client, serve};

struct World {
    iamport: String,
    merchant: String,
    http: reqwest::Client,
    dir: tempfile::TempDir,
}

/// One checkout: its payment and the one-time token of its PG page.
#[derive(Debug, Clone)]
struct Tab {
    imp_uid: String,
    token: String,
}

/// iamport: the REST API and the checkout (`/checkout`, the PG pages).
async fn iamport_on(db: &Path) -> String {
    let api = ApiState::new(
        Store::open(db).unwrap(),
        system_clock(),
        SANDBOX_IMP_KEY,
        SANDBOX_IMP_SECRET,
    );
    support::serve_iamport(api).await
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
    let iamport = iamport_on(&dir.path().join("iamport.sqlite3")).await;
    let merchant = merchant_on(&dir.path().join("merchant.sqlite3"), &iamport).await;
    World {
        iamport,
        merchant,
        http: client(),
        dir,
    }
}

impl World {
    async fn post(&self, url: String, body: Value) -> (u16, Value) {
        support::post_json(&self.http, &url, &body).await
    }

    /// An order of `item` as the shop page creates it; returns the server's price.
    async fn order(&self, merchant_uid: &str, item: &str) -> i64 {
        let (status, created) = self
            .post(
                format!("{}/orders", self.merchant),
                json!({"merchant_uid": merchant_uid, "item": item}),
            )
            .await;
        assert_eq!(status, 200, "{created}");
        assert_eq!(created["merchant_uid"], merchant_uid.trim());
        created["amount"].as_i64().unwrap()
    }

    /// `IMP.request_pay` on a phone: the payment and its PG page.
    async fn try_checkout(&self, merchant_uid: &str, amount: i64, pay_method: &str) -> Option<Tab> {
        let answer = support::request_pay(
            &self.http,
            &self.iamport,
            "mobile",
            json!({
                "pg": "nice", "pay_method": pay_method, "merchant_uid": merchant_uid,
                "name": "샌드박스 상품", "amount": amount, "buyer_name": "홍길동",
                "m_redirect_url": format!("{}/payments/complete", self.merchant)}),
        )
        .await;
        Some(Tab {
            imp_uid: answer["imp_uid"].as_str()?.to_owned(),
            token: support::try_token_of(&answer)?,
        })
    }

    async fn checkout(&self, merchant_uid: &str, amount: i64, pay_method: &str) -> Tab {
        self.try_checkout(merchant_uid, amount, pay_method)
            .await
            .unwrap_or_else(|| panic!("no checkout for {merchant_uid}"))
    }

    async fn get(&self, url: String) -> (u16, String, Option<String>) {
        support::send_page(self.http.get(url)).await
    }

    /// A choice on the PG page (`isp`, `declined`, `cancel`, `vbank`, …).
    async fn pg(&self, tab: &Tab, key: &str) {
        support::choose(&self.http, &self.iamport, &tab.token, key).await;
    }

    /// The payment app's approval (the ISP app, as the simulated app reports it).
    async fn approve(&self, tab: &Tab) -> bool {
        let (status, _) = support::settle(&self.http, &self.iamport, &tab.token, "approve").await;
        status == 200
    }

    /// What the buyer's payment app does: a payment of `amount` with `outcome`.
    async fn pay(&self, merchant_uid: &str, amount: i64, pay_method: &str, outcome: &str) -> Tab {
        let tab = self.checkout(merchant_uid, amount, pay_method).await;
        match outcome {
            "approve" => assert!(self.approve(&tab).await),
            "deny" => self.pg(&tab, "declined").await,
            other => self.pg(&tab, other).await,
        }
        tab
    }

    /// The PG's result page sends the buyer to `m_redirect_url`: its query.
    async fn redirect_query(&self, tab: &Tab) -> String {
        let (_, page, location) = self
            .get(format!("{}/pg/{}/result", self.iamport, tab.token))
            .await;
        let location = location.unwrap_or_else(|| panic!("no redirect: {page}"));
        location.split_once('?').unwrap().1.to_owned()
    }

    /// The buyer lands on `m_redirect_url`.
    async fn landing(&self, query: &str) -> (String, String) {
        let (_, html, _) = self
            .get(format!("{}/payments/complete?{query}", self.merchant))
            .await;
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

    async fn webhook(&self, body: Value) -> (u16, Value) {
        self.post(format!("{}/payments/webhook", self.merchant), body)
            .await
    }

    async fn stored(&self, merchant_uid: &str) -> Value {
        let mut url = reqwest::Url::parse(&self.merchant).unwrap();
        url.path_segments_mut()
            .unwrap()
            .extend(["orders", merchant_uid]);
        support::send_json(self.http.get(url)).await.1
    }

    async fn api_token(&self) -> String {
        support::api_token(&self.http, &self.iamport).await
    }

    async fn payment(&self, token: &str, imp_uid: &str) -> Value {
        let (_, body) = support::send_json(
            self.http
                .get(format!("{}/payments/{imp_uid}", self.iamport))
                .header("Authorization", token),
        )
        .await;
        body["response"].clone()
    }

    /// `POST /payments/cancel` (the whole payment), as the merchant's admin does it,
    /// asking for the cancellation's webhook.
    async fn api_cancel(&self, token: &str, imp_uid: &str) -> bool {
        let (_, body) = support::send_json(
            self.http
                .post(format!("{}/payments/cancel", self.iamport))
                .header("Authorization", token)
                .json(
                    &json!({"imp_uid": imp_uid, "reason": "환불 / refund", "enable_webhook": true}),
                ),
        )
        .await;
        body["code"] == 0
    }
}

fn query(imp_uid: &str, merchant_uid: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("imp_uid", imp_uid)
        .append_pair("merchant_uid", merchant_uid)
        .finish()
}

#[tokio::test]
async fn a_verified_payment_shows_success_and_the_order_row_is_paid() {
    let w = world().await;
    let amount = w.order("order_ok", "coffee").await;
    assert_eq!(amount, 12_900, "the server's price");
    let tab = w.pay("order_ok", amount, "card", "approve").await;
    let (status, html) = w.landing(&w.redirect_query(&tab).await).await;
    assert_eq!(status, "paid");
    assert!(html.contains("결제가 완료되었습니다"), "{html}");
    let row = w.stored("order_ok").await;
    assert_eq!(row["status"], "paid");
    assert_eq!(row["imp_uid"], tab.imp_uid.as_str());
    assert_eq!(
        (row["item"].as_str(), row["quantity"].as_i64()),
        (Some("coffee"), Some(1))
    );
}

#[tokio::test]
async fn a_tampered_amount_is_cancelled_and_shown_as_forged() {
    let w = world().await;
    let amount = w.order("order_forged", "gift").await;
    assert_eq!(amount, 51_000);
    // The buyer's page was tampered with: it paid 100 won for a 51 000 won order.
    let tab = w.pay("order_forged", 100, "card", "approve").await;
    let back = w.redirect_query(&tab).await;
    let (status, html) = w.landing(&back).await;
    assert_eq!(status, "forged", "{html}");
    // Reloading the landing (or a duplicate webhook) does not try to cancel again.
    let (again, html) = w.landing(&back).await;
    assert_eq!(again, "forged", "{html}");
    let token = w.api_token().await;
    let payment = w.payment(&token, &tab.imp_uid).await;
    assert_eq!(payment["status"], "cancelled", "cancelled through the API");
    assert_eq!(payment["cancel_history"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_forged_payment_verified_twice_at_once_is_forged_for_both() {
    // The landing and the webhook verify the same forged payment at the same moment:
    // one of them cancels it, the other finds it already cancelled, and both end in
    // the forged verdict (never an error page for the buyer).
    let w = world().await;
    for n in 0..12 {
        let merchant_uid = format!("order_forged_twice_{n}");
        let amount = w.order(&merchant_uid, "gift").await;
        let tab = w
            .pay(&merchant_uid, amount - 1_000, "card", "approve")
            .await;
        let back = w.redirect_query(&tab).await;
        let body = json!({"imp_uid": tab.imp_uid, "merchant_uid": merchant_uid});
        let ((landing, html), (hook, answer)) = tokio::join!(w.landing(&back), w.webhook(body));
        assert_eq!(landing, "forged", "run {n}: {html}");
        assert_eq!(
            (hook, answer["status"].as_str()),
            (200, Some("forged")),
            "run {n}: {answer}"
        );
    }
}

#[tokio::test]
async fn the_query_is_never_trusted_a_failed_payment_fails() {
    let w = world().await;
    let amount = w.order("order_declined", "coffee").await;
    let tab = w.pay("order_declined", amount, "card", "deny").await;
    // Whatever the redirect claims, the API says failed.
    let (status, html) = w
        .landing(&format!(
            "{}&imp_success=true",
            query(&tab.imp_uid, "order_declined")
        ))
        .await;
    assert_eq!(status, "failed");
    assert!(html.contains("declined") || html.contains("거절"), "{html}");
    // A payment of another order cannot settle this one.
    let other_amount = w.order("order_other", "coffee").await;
    let other = w.pay("order_other", other_amount, "card", "approve").await;
    let (status, _) = w.landing(&query(&other.imp_uid, "order_declined")).await;
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
    let amount = w.order("order_vbank", "tumbler").await;
    let tab = w.pay("order_vbank", amount, "vbank", "vbank").await;
    let (status, html) = w.landing(&w.redirect_query(&tab).await).await;
    assert_eq!(status, "vbank_issued");
    assert!(
        html.contains("샌드박스은행") && html.contains("23,000원"),
        "{html}"
    );
}

#[tokio::test]
async fn duplicate_webhooks_are_idempotent_and_a_lost_imp_uid_is_found_by_order() {
    let w = world().await;
    let amount = w.order("order_hook", "coffee").await;
    let tab = w.pay("order_hook", amount, "card", "approve").await;
    for _ in 0..3 {
        let (code, answer) = w
            .webhook(
                json!({"imp_uid": tab.imp_uid, "merchant_uid": "order_hook", "status": "paid"}),
            )
            .await;
        assert_eq!((code, &answer["status"]), (200, &json!("paid")), "{answer}");
    }
    // A cold start lost imp_uid: the landing finds the payment by merchant_uid.
    let (status, _) = w.landing("merchant_uid=order_hook").await;
    assert_eq!(status, "paid");
}

#[tokio::test]
async fn orders_survive_a_merchant_restart() {
    let dir = tempfile::tempdir().unwrap();
    let iamport = iamport_on(&dir.path().join("iamport.sqlite3")).await;
    let db = dir.path().join("merchant.sqlite3");
    let http = client();
    let first = merchant_on(&db, &iamport).await;
    support::post_json(
        &http,
        &format!("{first}/orders"),
        &json!({"merchant_uid": "order_restart", "item": "tumbler", "quantity": 2}),
    )
    .await;
    let second = merchant_on(&db, &iamport).await;
    let (_, row) = support::send_json(http.get(format!("{second}/orders/order_restart"))).await;
    assert_eq!(row["amount"], 46_000);
    assert_eq!(row["status"], "pending");
}

#[tokio::test]
async fn a_forged_webhook_while_ready_leaves_the_order_pending_and_the_approval_pays_it() {
    let w = world().await;
    let amount = w.order("order_early", "coffee").await;
    let tab = w.checkout("order_early", amount, "card").await;
    w.pg(&tab, "isp").await;
    // Forged: the payment is still `ready`. `ready` is no verdict.
    let (_, answer) = w
        .webhook(json!({"imp_uid": tab.imp_uid, "status": "paid"}))
        .await;
    assert_eq!(answer["status"], "pending", "{answer}");
    assert_eq!(w.stored("order_early").await["status"], "pending");
    let (status, html) = w.landing(&query(&tab.imp_uid, "order_early")).await;
    assert_eq!(status, "pending", "{html}");
    // The real approval and its webhook settle it.
    assert!(w.approve(&tab).await);
    let (_, answer) = w
        .webhook(json!({"imp_uid": tab.imp_uid, "merchant_uid": "order_early", "status": "paid"}))
        .await;
    assert_eq!(answer["status"], "paid", "{answer}");
    assert_eq!(w.stored("order_early").await["status"], "paid");
}

#[tokio::test]
async fn a_second_tabs_cancel_does_not_downgrade_a_paid_order() {
    let w = world().await;
    let amount = w.order("order_tabs", "coffee").await;
    let first = w.checkout("order_tabs", amount, "card").await;
    let second = w.checkout("order_tabs", amount, "card").await;
    assert!(w.approve(&first).await);
    let (status, _) = w.landing(&w.redirect_query(&first).await).await;
    assert_eq!(status, "paid");
    // The buyer presses cancel in the other tab and lands with its imp_uid.
    w.pg(&second, "cancel").await;
    let back = w.redirect_query(&second).await;
    assert!(back.contains(&second.imp_uid), "{back}");
    let (status, html) = w.landing(&back).await;
    assert_eq!(status, "paid", "{html}");
    let row = w.stored("order_tabs").await;
    assert_eq!(row["status"], "paid");
    assert_eq!(row["imp_uid"], first.imp_uid.as_str());
    // Nor does a lost imp_uid (the newest payment is the failed one).
    let (status, _) = w.landing("merchant_uid=order_tabs").await;
    assert_eq!(status, "paid");
}

#[tokio::test]
async fn ids_reach_the_api_as_one_path_segment() {
    let w = world().await;
    let amount = w.order("order_slash", "coffee").await;
    // One tab failed, the newest is still open: the order is pending.
    let failed = w.pay("order_slash", amount, "card", "cancel").await;
    w.checkout("order_slash", amount, "card").await;
    let token = w.api_token().await;
    assert_eq!(w.payment(&token, &failed.imp_uid).await["status"], "failed");
    for body in [
        json!({"merchant_uid": "order_slash/failed"}),
        json!({"imp_uid": "find/order_slash/failed"}),
        json!({"imp_uid": "..", "merchant_uid": "order_slash"}),
    ] {
        let (code, answer) = w.webhook(body.clone()).await;
        assert_ne!(code, 200, "{body} → {answer}");
        assert_eq!(
            w.stored("order_slash").await["status"],
            "pending",
            "{body} reached another API route"
        );
    }
}

#[tokio::test]
async fn the_client_cannot_price_an_order() {
    let w = world().await;
    for body in [
        json!({"name": "선물 세트 / Gift set", "amount": 1}),
        json!({"merchant_uid": "order_cheap", "item": "gift", "amount": 1}),
        json!({"item": "gift", "quantity": 0}),
        json!({"item": "caviar"}),
    ] {
        let (status, answer) = w.post(format!("{}/orders", w.merchant), body.clone()).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert!(answer["error"].is_string(), "{body} → {answer}");
    }
    assert_eq!(
        w.http
            .get(format!("{}/orders/order_cheap", w.merchant))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // Priced here: 2 × 51 000; a payment of 1 won is forged.
    let (_, created) = w
        .post(
            format!("{}/orders", w.merchant),
            json!({"merchant_uid": "order_gift", "item": "gift", "quantity": 2}),
        )
        .await;
    assert_eq!(created["amount"], 102_000, "{created}");
    let tab = w.pay("order_gift", 1, "card", "approve").await;
    let (status, _) = w.landing(&w.redirect_query(&tab).await).await;
    assert_eq!(status, "forged");
}

#[tokio::test]
async fn a_virtual_account_for_another_amount_is_not_shown() {
    let w = world().await;
    let amount = w.order("order_vbank_cheap", "coffee").await;
    let tab = w.pay("order_vbank_cheap", 100, "vbank", "vbank").await;
    let token = w.api_token().await;
    let account = w.payment(&token, &tab.imp_uid).await["vbank_num"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, html) = w.landing(&w.redirect_query(&tab).await).await;
    assert_ne!(status, "vbank_issued", "{html}");
    assert!(
        !html.contains(&account) && !html.contains("샌드박스은행"),
        "the account is shown: {html}"
    );
    assert_eq!(w.stored("order_vbank_cheap").await["status"], "pending");
    // The order's own amount gets its account.
    let tab = w.pay("order_vbank_cheap", amount, "vbank", "vbank").await;
    let (status, html) = w.landing(&w.redirect_query(&tab).await).await;
    assert_eq!(status, "vbank_issued", "{html}");
}

#[tokio::test]
async fn an_api_cancel_and_its_webhook_cancel_the_paid_order() {
    let w = world().await;
    let amount = w.order("order_refund", "coffee").await;
    let tab = w.pay("order_refund", amount, "card", "approve").await;
    let (status, _) = w.landing(&w.redirect_query(&tab).await).await;
    assert_eq!(status, "paid");
    let token = w.api_token().await;
    assert!(w.api_cancel(&token, &tab.imp_uid).await);
    // What iamport posts to notice_url after a cancellation.
    let (code, answer) = w
        .webhook(
            json!({"imp_uid": tab.imp_uid, "merchant_uid": "order_refund", "status": "cancelled"}),
        )
        .await;
    assert_eq!(
        (code, &answer["status"]),
        (200, &json!("cancelled")),
        "{answer}"
    );
    let row = w.stored("order_refund").await;
    assert_eq!(row["status"], "cancelled");
    let (status, html) = w.landing(&query(&tab.imp_uid, "order_refund")).await;
    assert_eq!(status, "cancelled", "{html}");
}

#[tokio::test]
async fn a_deposit_at_the_bank_pays_the_virtual_account_order() {
    let w = world().await;
    let amount = w.order("order_bank", "tumbler").await;
    let tab = w.pay("order_bank", amount, "vbank", "vbank").await;
    let (status, html) = w.landing(&w.redirect_query(&tab).await).await;
    assert_eq!(status, "vbank_issued", "{html}");
    // The landing links to the bank's page of this payment.
    let bank = support::link(&html, "deposit-link").unwrap_or_else(|| panic!("{html}"));
    assert_eq!(bank, format!("{}/sandbox/bank/{}", w.iamport, tab.imp_uid));
    assert!(
        html.contains("은행 앱에서 입금하기 (샌드박스) / Deposit from a bank (sandbox)"),
        "{html}"
    );
    let (code, page, _) = w.get(bank).await;
    assert_eq!(code, 200, "{page}");
    assert!(page.contains("23,000원"), "{page}");
    // The deposit, then back to the merchant from the bank's page.
    let (code, _, location) = support::deposit(&w.http, &w.iamport, &tab.imp_uid).await;
    assert_eq!(code, 303);
    let (_, page, _) = w.get(format!("{}{}", w.iamport, location.unwrap())).await;
    let back = support::link(&page, "back-to-merchant").unwrap_or_else(|| panic!("{page}"));
    let (landing, query) = back.split_once('?').unwrap();
    assert_eq!(landing, format!("{}/payments/complete", w.merchant));
    let (status, html) = w.landing(query).await;
    assert_eq!(status, "paid", "{html}");
    assert!(support::link(&html, "deposit-link").is_none(), "{html}");
    let row = w.stored("order_bank").await;
    assert_eq!(
        (&row["status"], &row["imp_uid"]),
        (&json!("paid"), &json!(tab.imp_uid))
    );
}

#[tokio::test]
async fn a_revoked_virtual_account_leaves_the_order_unpaid_with_no_account_to_pay_into() {
    let w = world().await;
    let amount = w.order("order_revoked", "tumbler").await;
    let tab = w.pay("order_revoked", amount, "vbank", "vbank").await;
    let (status, html) = w.landing(&w.redirect_query(&tab).await).await;
    assert_eq!(status, "vbank_issued", "{html}");
    // The merchant's admin revokes the account (no webhook follows, as at iamport).
    let token = w.api_token().await;
    let (code, revoked) = support::send_json(
        w.http
            .delete(format!("{}/vbanks/{}", w.iamport, tab.imp_uid))
            .header("Authorization", token),
    )
    .await;
    assert_eq!(
        (code, revoked["code"].as_i64()),
        (200, Some(0)),
        "{revoked}"
    );
    // The buyer opens the order's page again: verified anew, no account offered.
    let (status, html) = w.landing(&query(&tab.imp_uid, "order_revoked")).await;
    assert_eq!(status, "failed", "{html}");
    assert!(html.contains("가상계좌가 말소되어"), "{html}");
    assert!(support::link(&html, "deposit-link").is_none(), "{html}");
    assert_eq!(w.stored("order_revoked").await["status"], "failed");
    // And it can be paid anew.
    let tab = w.pay("order_revoked", amount, "card", "approve").await;
    let (status, html) = w.landing(&w.redirect_query(&tab).await).await;
    assert_eq!(status, "paid", "{html}");
}

#[tokio::test]
async fn the_webhook_reads_a_json_or_a_form_body() {
    let w = world().await;
    let amount = w.order("order_form_hook", "coffee").await;
    let tab = w.pay("order_form_hook", amount, "card", "approve").await;
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("imp_uid", &tab.imp_uid)
        .append_pair("merchant_uid", "order_form_hook")
        .append_pair("status", "paid")
        .finish();
    let (code, answer) = support::send_json(
        w.http
            .post(format!("{}/payments/webhook", w.merchant))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form),
    )
    .await;
    assert_eq!((code, &answer["status"]), (200, &json!("paid")), "{answer}");
    assert_eq!(w.stored("order_form_hook").await["status"], "paid");
    let (code, answer) = w
        .webhook(
            json!({"imp_uid": tab.imp_uid, "merchant_uid": "order_form_hook", "status": "paid"}),
        )
        .await;
    assert_eq!((code, &answer["status"]), (200, &json!("paid")), "{answer}");
    // Neither: refused, nothing verified.
    let (code, answer) = support::send_json(
        w.http
            .post(format!("{}/payments/webhook", w.merchant))
            .header("Content-Type", "application/json")
            .body("imp_uid="),
    )
    .await;
    assert_eq!(code, 400, "{answer}");
}

#[tokio::test]
async fn a_padded_merchant_uid_is_one_order_for_the_shop_and_the_checkout() {
    let w = world().await;
    let amount = w.order("  padded  ", "coffee").await;
    let tab = w.pay("  padded  ", amount, "card", "approve").await;
    let (status, html) = w.landing(&query(&tab.imp_uid, "  padded  ")).await;
    assert_eq!(status, "paid", "{html}");
    let row = w.stored("padded").await;
    assert_eq!(row["status"], "paid");
    assert_eq!(row["merchant_uid"], "padded");
}

#[tokio::test]
async fn a_ready_payment_does_not_hide_another_tabs_paid_one() {
    let w = world().await;
    let amount = w.order("order_race", "coffee").await;
    let vbank = w.checkout("order_race", amount, "vbank").await;
    let card = w.checkout("order_race", amount, "card").await;
    // Tab 2 gets its account, then tab 1 is paid; tab 1's webhook is not handled yet.
    w.pg(&vbank, "vbank").await;
    assert!(w.approve(&card).await);
    // Tab 2's vbank webhook, then its landing: the API knows a paid payment of the
    // order, so no deposit account is shown for it.
    let (_, answer) = w
        .webhook(json!({"imp_uid": vbank.imp_uid, "merchant_uid": "order_race", "status": "ready"}))
        .await;
    assert_eq!(answer["status"], "paid", "{answer}");
    let (status, html) = w.landing(&query(&vbank.imp_uid, "order_race")).await;
    assert_eq!(status, "paid", "{html}");
    assert!(
        !html.contains("입금하세요"),
        "a deposit account is shown: {html}"
    );
    let row = w.stored("order_race").await;
    assert_eq!(
        (&row["status"], &row["imp_uid"]),
        (&json!("paid"), &json!(card.imp_uid))
    );
}

#[tokio::test]
async fn a_forged_payment_cancelled_before_a_failed_save_is_still_forged() {
    let w = world().await;
    let amount = w.order("order_forged_fault", "gift").await;
    let tab = w
        .pay("order_forged_fault", amount - 1000, "card", "approve")
        .await;
    // A fault between the API's cancel and the order's update: saving `forged` fails.
    let db = rusqlite::Connection::open(w.dir.path().join("merchant.sqlite3")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER refuse BEFORE UPDATE ON orders WHEN NEW.status = 'forged'
         BEGIN SELECT RAISE(ABORT, 'disk full (injected)'); END;",
    )
    .unwrap();
    let back = w.redirect_query(&tab).await;
    let (status, html) = w.landing(&back).await;
    assert_eq!(status, "error", "{html}");
    assert!(html.contains("disk full (injected)"), "{html}");
    let token = w.api_token().await;
    assert_eq!(
        w.payment(&token, &tab.imp_uid).await["status"],
        "cancelled",
        "cancelled through the API before the save failed"
    );
    // The fault is gone: a reload (or the cancellation's webhook) records the verdict
    // the merchant made, from the API's answer alone.
    db.execute_batch("DROP TRIGGER refuse").unwrap();
    let (status, html) = w.landing(&back).await;
    assert_eq!(status, "forged", "{html}");
    let (_, answer) = w
        .webhook(json!({"imp_uid": tab.imp_uid, "merchant_uid": "order_forged_fault", "status": "cancelled"}))
        .await;
    assert_eq!(answer["status"], "forged", "{answer}");
    assert_eq!(w.stored("order_forged_fault").await["status"], "forged");
    // Cancelled once: the merchant did not cancel again.
    let payment = w.payment(&token, &tab.imp_uid).await;
    assert_eq!(payment["cancel_history"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_merchants_api_calls_ignore_proxy_variables() {
    let (proxy, seen) = support::counting_proxy().await;
    let dir = tempfile::tempdir().unwrap();
    let mut child = support::serve_behind(&proxy, "0", &dir.path().join("sandbox.sqlite3"))
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("the sandbox started").unwrap();
        if let Some((_, rest)) = line.split_once(" on http://") {
            break format!("http://{}", rest.split_whitespace().next().unwrap());
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    let w = World {
        merchant: format!("{base}/shop"),
        iamport: base,
        http: client(),
        dir,
    };
    let amount = w.order("order_proxy", "coffee").await;
    let tab = w.pay("order_proxy", amount, "card", "approve").await;
    let (status, html) = w.landing(&w.redirect_query(&tab).await).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status, "paid", "{html}");
    assert_eq!(
        seen.load(Ordering::SeqCst),
        0,
        "a request went through the proxy"
    );
}

// The property: random interleavings of several tabs' checkouts, the payment apps'
// answers, API cancellations, forged, repeated, late or lost webhooks and landings,
// over two orders. After every step each order agrees with its payments at iamport
// as far as the merchant heard of them, and whatever the merchant shows is true of
// the API at that moment.

/// What a webhook's body claims (the merchant must never believe it).
const CLAIMS: [&str; 4] = ["paid", "ready", "failed", "cancelled"];

#[derive(Debug, Clone)]
enum Op {
    /// A tab opens the checkout of `order`, maybe with a tampered amount.
    Checkout {
        order: usize,
        tamper: bool,
        vbank: bool,
    },
    /// The payment app approves (a virtual account: it is issued), then iamport's
    /// webhook, or (`hold`) the webhook is held back: delivered by a later
    /// [`Op::Deliver`], or never.
    Approve { tab: usize, hold: bool },
    /// A held webhook arrives, late.
    Deliver { held: usize },
    /// The card company declines (no webhook: iamport sends none for a failure).
    Deny { tab: usize },
    /// The buyer cancels on the PG page (no webhook either).
    CancelTab { tab: usize },
    /// The whole payment cancelled through the API, then iamport's webhook.
    ApiCancel { tab: usize },
    /// A webhook naming a tab's payment with any status claim (forged, stale, repeated).
    Webhook {
        tab: usize,
        claim: usize,
        with_order: bool,
    },
    /// The buyer lands with a tab's ids, or only its order's, or another order's.
    Landing {
        tab: usize,
        lost_imp_uid: bool,
        other_order: Option<usize>,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0usize..ORDERS.len(), proptest::bool::weighted(0.25), proptest::bool::weighted(0.3))
            .prop_map(|(order, tamper, vbank)| Op::Checkout { order, tamper, vbank }),
        4 => (0usize..8, proptest::bool::weighted(0.6)).prop_map(|(tab, hold)| Op::Approve { tab, hold }),
        1 => (0usize..8).prop_map(|held| Op::Deliver { held }),
        1 => (0usize..8).prop_map(|tab| Op::Deny { tab }),
        1 => (0usize..8).prop_map(|tab| Op::CancelTab { tab }),
        2 => (0usize..8).prop_map(|tab| Op::ApiCancel { tab }),
        3 => (0usize..8, 0usize..CLAIMS.len(), any::<bool>())
            .prop_map(|(tab, claim, with_order)| Op::Webhook { tab, claim, with_order }),
        3 => (0usize..8, any::<bool>(), proptest::option::weighted(0.2, 0usize..ORDERS.len()))
            .prop_map(|(tab, lost_imp_uid, other_order)| Op::Landing { tab, lost_imp_uid, other_order }),
    ]
}

struct Tabbed {
    order: usize,
    vbank: bool,
    tab: Tab,
}

/// A webhook iamport owes the merchant and has not delivered yet.
struct Held {
    order: usize,
    body: Value,
}

fn pick<T>(items: &[T], i: usize) -> Option<&T> {
    items.get(i % items.len().max(1))
}

const ORDERS: [(&str, &str); 2] = [("o_coffee", "coffee"), ("o_gift", "gift")];

/// What the merchant answered a webhook with, if it answered with a verdict.
fn answered(code: u16, answer: &Value) -> Option<String> {
    (code == 200)
        .then(|| answer["status"].as_str().map(str::to_owned))
        .flatten()
}

async fn run_interleaving(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let w = world().await;
    let mut amounts = Vec::new();
    for (uid, item) in ORDERS {
        amounts.push(w.order(uid, item).await);
    }
    let token = w.api_token().await;
    let mut tabs: Vec<Tabbed> = Vec::new();
    let mut held: Vec<Held> = Vec::new();
    // Each order's (status, imp_uid) after the previous step.
    let mut before = vec![(json!("pending"), Value::Null); ORDERS.len()];
    for (step, op) in ops.iter().enumerate() {
        // What the merchant showed in this step, and for which order.
        let mut shown: Vec<(usize, String)> = Vec::new();
        match *op {
            Op::Checkout {
                order,
                tamper,
                vbank,
            } => {
                let amount = if tamper {
                    amounts[order] - 1000
                } else {
                    amounts[order]
                };
                let method = if vbank { "vbank" } else { "card" };
                if let Some(tab) = w.try_checkout(ORDERS[order].0, amount, method).await {
                    tabs.push(Tabbed { order, vbank, tab });
                }
            }
            Op::Approve { tab, hold } => {
                if let Some(t) = pick(&tabs, tab) {
                    let issued = if t.vbank {
                        w.pg(&t.tab, "vbank").await;
                        w.payment(&token, &t.tab.imp_uid).await["vbank_num"].is_string()
                    } else {
                        w.approve(&t.tab).await
                    };
                    if issued {
                        let status = if t.vbank { "ready" } else { "paid" };
                        let body = json!({"imp_uid": t.tab.imp_uid, "merchant_uid": ORDERS[t.order].0, "status": status});
                        if hold {
                            held.push(Held {
                                order: t.order,
                                body,
                            });
                        } else {
                            let (code, answer) = w.webhook(body).await;
                            shown.extend(answered(code, &answer).map(|s| (t.order, s)));
                        }
                    }
                }
            }
            Op::Deliver { held: i } => {
                if !held.is_empty() {
                    let late = held.remove(i % held.len());
                    let (code, answer) = w.webhook(late.body).await;
                    shown.extend(answered(code, &answer).map(|s| (late.order, s)));
                }
            }
            Op::Deny { tab } => {
                if let Some(t) = pick(&tabs, tab) {
                    w.pg(&t.tab, "declined").await;
                }
            }
            Op::CancelTab { tab } => {
                if let Some(t) = pick(&tabs, tab) {
                    w.pg(&t.tab, "cancel").await;
                }
            }
            Op::ApiCancel { tab } => {
                if let Some(t) = pick(&tabs, tab) {
                    if w.api_cancel(&token, &t.tab.imp_uid).await {
                        let (code, answer) = w.webhook(json!({"imp_uid": t.tab.imp_uid, "merchant_uid": ORDERS[t.order].0, "status": "cancelled"}))
                            .await;
                        shown.extend(answered(code, &answer).map(|s| (t.order, s)));
                    }
                }
            }
            Op::Webhook {
                tab,
                claim,
                with_order,
            } => {
                if let Some(t) = pick(&tabs, tab) {
                    let mut body = json!({"imp_uid": t.tab.imp_uid, "status": CLAIMS[claim]});
                    if with_order {
                        body["merchant_uid"] = json!(ORDERS[t.order].0);
                    }
                    let (code, answer) = w.webhook(body).await;
                    shown.extend(answered(code, &answer).map(|s| (t.order, s)));
                }
            }
            Op::Landing {
                tab,
                lost_imp_uid,
                other_order,
            } => {
                if let Some(t) = pick(&tabs, tab) {
                    let named_index = other_order.unwrap_or(t.order);
                    let named = ORDERS[named_index].0;
                    // The payment's own order is verified; without imp_uid, the newest
                    // payment of the named one.
                    let (q, verified) = if lost_imp_uid {
                        (format!("merchant_uid={named}"), named_index)
                    } else {
                        (query(&t.tab.imp_uid, named), t.order)
                    };
                    let (status, _) = w.landing(&q).await;
                    // An order with no payment yet is an error page, no verdict.
                    if status != "error" {
                        shown.push((verified, status));
                    }
                }
            }
        }
        for (index, (uid, _)) in ORDERS.iter().enumerate() {
            let order = w.stored(uid).await;
            let status = order["status"].as_str().unwrap().to_owned();
            let mut payments = Vec::new();
            for t in tabs.iter().filter(|t| t.order == index) {
                payments.push(w.payment(&token, &t.tab.imp_uid).await);
            }
            let paid_in_full = payments
                .iter()
                .any(|p| p["status"] == "paid" && p["amount"] == amounts[index]);
            let any_paid = payments.iter().any(|p| p["status"] == "paid");
            let context = format!("step {step} {op:?}: {order} with {payments:?}");
            // What the merchant showed is what the API says now: a payment of the
            // order is paid exactly when it said `paid`.
            for (_, said) in shown.iter().filter(|(o, _)| *o == index) {
                if said == "paid" {
                    prop_assert!(paid_in_full, "showed paid; {}", context);
                } else {
                    prop_assert!(
                        !any_paid,
                        "showed {} while a payment is paid; {}",
                        said,
                        context
                    );
                }
            }
            // A new verdict other than `paid` is given only when no payment of the
            // order is paid, and a virtual account only to an order nothing settled.
            let now = (order["status"].clone(), order["imp_uid"].clone());
            let changed = before[index] != now;
            before[index] = now;
            if changed && status != "paid" {
                prop_assert!(!any_paid, "became {} while paid; {}", status, context);
            }
            if changed && status == "vbank_issued" {
                prop_assert!(
                    payments
                        .iter()
                        .all(|p| p["status"] == "ready" || p["status"] == "failed"),
                    "an account for a settled order; {}",
                    context
                );
            }
            // Once the merchant heard every webhook of the order: paid ⇔ a paid payment
            // of the order's amount, and never `failed` while one is paid.
            if !held.iter().any(|h| h.order == index) {
                prop_assert_eq!(
                    status == "paid",
                    paid_in_full,
                    "paid ⇔ a paid payment of the order's amount; {}",
                    context
                );
                if status == "failed" {
                    prop_assert!(!any_paid, "failed while paid; {}", context);
                }
            }
            let own = payments
                .iter()
                .find(|p| Some(p["imp_uid"].as_str().unwrap()) == order["imp_uid"].as_str());
            match status.as_str() {
                "paid" => prop_assert!(
                    own.is_some_and(|p| p["status"] == "paid" && p["amount"] == amounts[index]),
                    "{}",
                    context
                ),
                "vbank_issued" => prop_assert!(
                    own.is_some_and(|p| p["status"] == "ready"
                        && p["vbank_num"].is_string()
                        && p["amount"] == amounts[index]),
                    "{}",
                    context
                ),
                _ => {}
            }
        }
    }
    Ok(())
}

proptest! {
    // Each case starts both servers on fresh SQLite files: few cases, short runs.
    #![proptest_config(ProptestConfig {
        cases: 64,
        max_shrink_iters: 64,
        failure_persistence: support::regressions_beside_source(),
        ..ProptestConfig::default()
    })]

    #[test]
    fn orders_always_agree_with_their_payments(ops in proptest::collection::vec(op(), 1..28)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(run_interleaving(ops))?;
    }
}

/// The case the property found on 2026-12-06: a card payment of the order paid and
/// refunded through the API while its webhook was held, then the buyer lands on
/// another tab's virtual account: no account for an order a payment settled.
#[tokio::test]
async fn no_virtual_account_for_an_order_paid_then_refunded_in_another_tab() {
    let ops = vec![
        Op::Checkout {
            order: 0,
            tamper: false,
            vbank: false,
        },
        Op::Checkout {
            order: 0,
            tamper: false,
            vbank: false,
        },
        Op::Checkout {
            order: 1,
            tamper: false,
            vbank: false,
        },
        Op::Checkout {
            order: 1,
            tamper: false,
            vbank: true,
        },
        Op::Approve { tab: 3, hold: true },
        Op::Approve { tab: 2, hold: true },
        Op::ApiCancel { tab: 2 },
        Op::Landing {
            tab: 3,
            lost_imp_uid: false,
            other_order: None,
        },
    ];
    run_interleaving(ops).await.unwrap();
}
