//! PortOne V2 through the real app on its sandbox: the shop's checkout through
//! `PortOne.requestPayment` (`/v2/browser-sdk.js`), the same PG pages, hand-offs and
//! simulated apps as V1, the redirect to `redirectUrl?paymentId=…` (or, on a PC, the
//! Promise's answer) and the merchant's verification through the V2 API. Each test
//! asserts the merchant's final page and the database rows.

use fantoccini::{Client, Locator};
use rusqlite::{params, Connection};

use crate::harness::{click, shot, wait_url, Harness};
use crate::sandbox::{landing_at, rows, Landing};

/// The V2 return page of the shop.
const V2_LANDING: &str = "/shop/v2/payments/complete";

/// Shop → V2 checkout with `method` (`pg:pay_method`) → the PG page (a redirect).
async fn checkout_v2(client: &Client, method: &str) {
    wait_url(client, "the sandbox shop", |u| u.ends_with("/shop")).await;
    client
        .find(Locator::Css("#sdk"))
        .await
        .unwrap()
        .select_by_value("v2")
        .await
        .unwrap();
    crate::sandbox::checkout(client, method, false).await;
}

/// The API version and channel key the sandbox stored for the order's payment.
fn stored_version(h: &Harness, merchant_uid: &str) -> (String, Option<String>, String) {
    Connection::open(h.sandbox_db())
        .unwrap()
        .query_row(
            "SELECT version, channel_key, channel FROM payments WHERE merchant_uid = ?1",
            params![merchant_uid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

fn assert_paid(h: &Harness, landing: &Landing) {
    assert_eq!(landing.status, "paid", "{}", landing.title);
    let rows = rows(h, &landing.merchant_uid);
    assert_eq!(
        (rows.order_status.as_str(), rows.payment_status.as_str()),
        ("paid", "paid")
    );
    assert_eq!(rows.order_amount, rows.payment_amount);
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_v2_isp_card_returns_to_redirect_url_and_is_verified_through_the_v2_api() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let client = h.session(&[]).await;
    checkout_v2(&client, "nice:card").await;
    click(&client, "#app-isp").await;
    let landing = landing_at(&client, &h, V2_LANDING, "paymentId").await;
    shot(&client, "50-sandbox-v2-isp-verified").await;
    assert_paid(&h, &landing);
    let page = client.source().await.unwrap();
    assert!(page.contains("포트원 V2 API"), "verified through V2");
    let (version, channel_key, _) = stored_version(&h, &landing.merchant_uid);
    assert_eq!(
        (version.as_str(), channel_key.as_deref()),
        ("V2", Some("channel-key-sandbox-nice"))
    );
    // The ISP app came back through the NICE-style return to the PG's result page,
    // which redirected to `redirectUrl` with V2's query.
    let log = h.apps_log();
    assert!(
        log.contains("returned via myapp://://http://127.0.0.1:"),
        "{log}"
    );
    let url = client.current_url().await.unwrap();
    assert!(
        url.query_pairs()
            .any(|(k, v)| k == "transactionType" && v == "PAYMENT"),
        "{url}"
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_v2_kakaopay_is_verified_through_the_v2_api() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let client = h.session(&[]).await;
    checkout_v2(&client, "kakaopay:kakaopay").await;
    click(&client, "#app-kakaopay").await;
    let landing = landing_at(&client, &h, V2_LANDING, "paymentId").await;
    shot(&client, "51-sandbox-v2-kakaopay-verified").await;
    assert_paid(&h, &landing);
    assert_eq!(
        stored_version(&h, &landing.merchant_uid).1.as_deref(),
        Some("channel-key-sandbox-kakaopay")
    );
    assert!(h.apps_log().contains("open kakaotalk"), "{}", h.apps_log());
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_v2_pc_checkout_resolves_the_promise_and_is_verified() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let client = h.session(&[]).await;
    wait_url(&client, "the sandbox shop", |u| u.ends_with("/shop")).await;
    client
        .find(Locator::Css("#sdk"))
        .await
        .unwrap()
        .select_by_value("v2")
        .await
        .unwrap();
    click(&client, "#pc-mode").await;
    click(&client, "#pay").await;
    // V2's PC window: the PG page in a layer (an iframe) over the shop.
    let frame = client
        .wait()
        .at_most(std::time::Duration::from_secs(15))
        .for_element(Locator::Css("#portone-sandbox-frame"))
        .await
        .unwrap();
    shot(&client, "52-sandbox-v2-pc-layer").await;
    frame.enter_frame().await.unwrap();
    click(&client, "#app-isp").await;
    // The app approves without coming back (PC); the layer polls, posts the answer,
    // the Promise resolves and the shop sends the buyer to the V2 return page.
    client.enter_parent_frame().await.unwrap();
    let landing = landing_at(&client, &h, V2_LANDING, "paymentId").await;
    shot(&client, "53-sandbox-v2-pc-verified").await;
    assert_paid(&h, &landing);
    let (version, _, channel) = stored_version(&h, &landing.merchant_uid);
    assert_eq!((version.as_str(), channel.as_str()), ("V2", "pc"));
    assert!(!h.apps_log().contains("returned via"), "{}", h.apps_log());
    client.close().await.unwrap();
}
