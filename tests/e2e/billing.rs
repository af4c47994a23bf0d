//! The shop's subscription (정기구독) through the real app on its sandbox: the card
//! registered with a 0원 `IMP.request_pay` carrying the buyer's `customer_uid`,
//! approved in an app card the OS starts (xdg-open → the simulated app), the merchant
//! verifying the registration through the API and charging the first month without
//! the buyer (`again`), and the next month scheduled a few seconds ahead and fired
//! by the sandbox's scheduler, its webhook verified by the merchant. Each test
//! asserts the merchant's final page and the rows of both databases.

use std::time::Duration;

use fantoccini::{Client, Locator};
use rusqlite::{params, Connection};

use crate::harness::{click, shot, wait_for, wait_url, Harness, PROCESS_STEP};
use crate::sandbox::rows;

/// The subscription page as the merchant rendered it.
struct Page {
    title: String,
    registration: String,
    card_name: String,
    card_number: String,
    customer_uid: String,
}

/// `data-status` of the element `css`, read fresh (the page reloads itself).
async fn status_of(client: &Client, css: &str) -> Option<String> {
    client
        .find(Locator::Css(css))
        .await
        .ok()?
        .attr("data-status")
        .await
        .ok()?
}

async fn text(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Waits for the subscription page (the registration's landing, or the page after a
/// charge was scheduled) whose `charge` row has `status`; reads it.
async fn subscription_page(client: &Client, h: &Harness, charge: &str, status: &str) -> Page {
    wait_for(
        &format!("the subscription page with `{charge}` {status}"),
        PROCESS_STEP,
        || async {
            let url = client.current_url().await.ok()?.to_string();
            if !url.contains("/shop/subscriptions/") {
                return None;
            }
            (status_of(client, charge).await.as_deref() == Some(status)).then_some(())
        },
        || format!("\napps log:\n{}\nQA log:\n{}", h.apps_log(), h.qa_log()),
    )
    .await;
    Page {
        title: text(client, "#title").await,
        registration: status_of(client, "#registration").await.unwrap_or_default(),
        card_name: text(client, "#card-name").await,
        card_number: text(client, "#card-number").await,
        customer_uid: text(client, "#customer-uid").await,
    }
}

/// Shop → "Register a card and subscribe" → the PG page → `app` (an app card the
/// simulated app approves) → the merchant's verified landing.
async fn register(client: &Client, h: &Harness, app: &str, shot_name: &str) -> Page {
    wait_url(client, "the sandbox shop", |u| u.ends_with("/shop")).await;
    client.find(Locator::Css("#subscribe")).await.unwrap();
    click(client, "#subscribe").await;
    wait_url(client, "the PG page", |u| u.contains("/pg/txn_")).await;
    let amount = text(client, "#order-amount").await;
    assert_eq!(amount, "0원", "a registration is 0원");
    click(client, &format!("#app-{app}")).await;
    let page = subscription_page(client, h, "#charge-1", "paid").await;
    shot(client, shot_name).await;
    page
}

/// The sandbox's (iamport's) row of the customer's billing key: version, status,
/// card name, masked number.
fn key_row(h: &Harness, customer_uid: &str) -> (String, String, String, String) {
    Connection::open(h.sandbox_db())
        .unwrap()
        .query_row(
            "SELECT version, status, card_name, card_number FROM billing_keys WHERE customer_uid = ?1",
            params![customer_uid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

/// The merchant's row of the card: status, name, masked number.
fn card_row(h: &Harness, customer_uid: &str) -> (String, String, String) {
    Connection::open(h.merchant_db())
        .unwrap()
        .query_row(
            "SELECT status, card_name, card_number FROM payment_cards WHERE customer_uid = ?1",
            params![customer_uid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

/// The sandbox's payment of `merchant_uid`: status, amount, customer_uid,
/// customer_uid_usage, channel.
fn payment_row(h: &Harness, merchant_uid: &str) -> (String, i64, String, String, String) {
    Connection::open(h.sandbox_db())
        .unwrap()
        .query_row(
            "SELECT status, amount, customer_uid, customer_uid_usage, channel FROM payments WHERE merchant_uid = ?1",
            params![merchant_uid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn billing_key_registered_through_an_app_card_then_charged_by_the_merchant_with_again() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let client = h.session(&[]).await;
    wait_url(&client, "the sandbox shop", |u| u.ends_with("/shop")).await;
    client
        .execute(
            "document.getElementById('subscription').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    shot(&client, "60-billing-shop-section").await;
    let page = register(&client, &h, "kb", "61-billing-registered-and-charged").await;
    assert!(
        page.title.contains("정기구독이 시작되었습니다"),
        "{}",
        page.title
    );
    assert_eq!(page.registration, "registered");
    assert_eq!(page.card_name, "KB국민카드");
    assert!(
        page.card_number.contains("**-****-"),
        "{}",
        page.card_number
    );
    let cu = page.customer_uid;
    // The merchant's rows: the card, masked, and the first month's order, paid.
    assert_eq!(
        card_row(&h, &cu),
        (
            "registered".to_owned(),
            "KB국민카드".to_owned(),
            page.card_number.clone()
        )
    );
    let first = rows(&h, &format!("{cu}_1"));
    assert_eq!(
        (first.order_status.as_str(), first.order_amount),
        ("paid", 9_900)
    );
    assert_eq!(
        (first.payment_status.as_str(), first.payment_amount),
        ("paid", 9_900)
    );
    // The sandbox's rows: the key, and the two payments (0원 to issue, then `again`).
    assert_eq!(
        key_row(&h, &cu),
        (
            "V1".to_owned(),
            "issued".to_owned(),
            "KB국민카드".to_owned(),
            page.card_number.clone()
        )
    );
    let registration: String = Connection::open(h.sandbox_db())
        .unwrap()
        .query_row(
            "SELECT merchant_uid FROM payments WHERE customer_uid = ?1 AND customer_uid_usage = 'issue'",
            params![cu],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        payment_row(&h, &registration),
        (
            "paid".to_owned(),
            0,
            cu.clone(),
            "issue".to_owned(),
            "mobile".to_owned()
        )
    );
    assert_eq!(
        payment_row(&h, &format!("{cu}_1")),
        (
            "paid".to_owned(),
            9_900,
            cu.clone(),
            "payment".to_owned(),
            "api".to_owned()
        )
    );
    // The app card was started by the OS and came back bare while the PG page polled.
    let log = h.apps_log();
    assert!(log.contains("open kb-acp"), "{log}");
    assert!(log.contains("approve → paid"), "{log}");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn billing_scheduled_charge_fires_and_its_webhook_pays_the_order() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let client = h.session(&[]).await;
    let page = register(&client, &h, "isp", "62-billing-registered-with-isp").await;
    assert_eq!(page.registration, "registered");
    assert_eq!(page.card_name, "BC카드");
    let cu = page.customer_uid;
    click(&client, "#schedule-next").await;
    // Scheduled a few seconds ahead: the page waits for it, reloading.
    let waiting = subscription_page(&client, &h, "#charge-2", "pending").await;
    assert_eq!(waiting.registration, "registered");
    shot(&client, "63-billing-charge-scheduled").await;
    let second = format!("{cu}_2");
    let status: String = Connection::open(h.sandbox_db())
        .unwrap()
        .query_row(
            "SELECT status FROM schedules WHERE merchant_uid = ?1",
            params![second],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "scheduled");
    // The sandbox's scheduler fires it; its webhook makes the merchant verify it.
    let fired = subscription_page(&client, &h, "#charge-2", "paid").await;
    assert!(fired.title.contains("정기구독"), "{}", fired.title);
    shot(&client, "64-billing-scheduled-charge-paid").await;
    let rows = rows(&h, &second);
    assert_eq!(
        (
            rows.order_status.as_str(),
            rows.order_amount,
            rows.payment_status.as_str()
        ),
        ("paid", 9_900, "paid")
    );
    assert_eq!(
        payment_row(&h, &second),
        (
            "paid".to_owned(),
            9_900,
            cu.clone(),
            "payment.scheduled".to_owned(),
            "api".to_owned()
        )
    );
    let sandbox = Connection::open(h.sandbox_db()).unwrap();
    let (schedule_status, imp_uid): (String, String) = sandbox
        .query_row(
            "SELECT status, imp_uid FROM schedules WHERE merchant_uid = ?1",
            params![second],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(schedule_status, "executed");
    // The webhook went out and the merchant took it (2xx).
    let delivered = wait_for(
        "the scheduled charge's webhook delivered",
        PROCESS_STEP,
        || async {
            let state: String = Connection::open(h.sandbox_db())
                .ok()?
                .query_row(
                    "SELECT state FROM webhooks WHERE imp_uid = ?1 AND status = 'paid' ORDER BY id LIMIT 1",
                    params![imp_uid],
                    |r| r.get(0),
                )
                .ok()?;
            (state == "delivered").then_some(state)
        },
        String::new,
    )
    .await;
    assert_eq!(delivered, "delivered");
    tokio::time::sleep(Duration::from_millis(200)).await;
    client.close().await.unwrap();
}
