//! The shop's subscription (정기구독) against the sandbox's iamport, two real servers
//! on loopback: a card registered with a 0원 `request_pay` is verified through the API
//! and kept masked in the merchant's database, the first month is charged once
//! (`again`) and verified like any order, the next month is scheduled and its
//! webhook pays its order when the sandbox's clock reaches it, and a registration
//! that is not the shop's (declined, another customer, money taken, another payment)
//! registers nothing.

use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::Duration;

use payhost_sandbox::merchant::{self, IamportClient, MerchantState};
use payhost_sandbox::{SANDBOX_IMP_KEY, SANDBOX_IMP_SECRET};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use crate::billing::{eventually, Sandbox};
use crate::support::{self, send_page};

struct World {
    iamport: Sandbox,
    merchant: String,
    merchant_db: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap())
        .unwrap()
}

/// iamport with its scheduler, its clock stopped at the real time (the merchant
/// schedules by its own clock; the test moves iamport's), and the merchant.
async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let iamport = Sandbox::on(
        &dir.path().join("iamport.sqlite3"),
        Arc::new(AtomicI64::new(system_now())),
        true,
    )
    .await;
    let merchant_db = dir.path().join("merchant.sqlite3");
    let state = MerchantState::open(
        &merchant_db,
        IamportClient::new(&iamport.base, SANDBOX_IMP_KEY, SANDBOX_IMP_SECRET),
    )
    .unwrap();
    let merchant = support::serve(merchant::router(state)).await;
    World {
        iamport,
        merchant,
        merchant_db,
        _dir: dir,
    }
}

/// What the shop's script asks the server for, then `IMP.request_pay` on a phone.
struct Registration {
    customer_uid: String,
    merchant_uid: String,
    token: String,
}

impl World {
    fn http(&self) -> &reqwest::Client {
        &self.iamport.http
    }

    async fn start(&self) -> (String, String) {
        let (status, started) = support::post_json(
            self.http(),
            &format!("{}/subscriptions", self.merchant),
            &json!({}),
        )
        .await;
        assert_eq!(status, 200, "{started}");
        assert_eq!(started["amount"], 0);
        (
            started["customer_uid"].as_str().unwrap().to_owned(),
            started["merchant_uid"].as_str().unwrap().to_owned(),
        )
    }

    /// `request_pay` of the registration `merchant_uid` for `customer_uid` and `amount`.
    async fn request_pay(&self, merchant_uid: &str, customer_uid: &str, amount: i64) -> String {
        let answer = support::request_pay(
            self.http(),
            &self.iamport.base,
            "mobile",
            json!({"pg": "nice", "pay_method": "card", "merchant_uid": merchant_uid,
                   "name": "정기구독 카드 등록", "amount": amount, "customer_uid": customer_uid,
                   "buyer_name": "홍길동",
                   "m_redirect_url": format!("{}/subscriptions/complete", self.merchant)}),
        )
        .await;
        support::token_of(&answer)
    }

    async fn register(&self) -> Registration {
        let (customer_uid, merchant_uid) = self.start().await;
        let token = self.request_pay(&merchant_uid, &customer_uid, 0).await;
        Registration {
            customer_uid,
            merchant_uid,
            token,
        }
    }

    /// The buyer approves in the KB app card; the PG result sends them to the
    /// merchant's landing, which is loaded: its page.
    async fn approve_and_land(&self, token: &str) -> String {
        support::choose(self.http(), &self.iamport.base, token, "kb").await;
        let (status, _) = support::outcome(self.http(), &self.iamport.base, token, "approve").await;
        assert_eq!(status, 200);
        self.land(token).await
    }

    async fn land(&self, token: &str) -> String {
        let (_, _, location) = send_page(
            self.http()
                .get(format!("{}/pg/{token}/result", self.iamport.base)),
        )
        .await;
        let location = location.expect("a redirect to the landing");
        assert!(location.starts_with(&self.merchant), "{location}");
        let (status, page, _) = send_page(self.http().get(location)).await;
        assert_eq!(status, 200, "{page}");
        page
    }

    fn merchant_db(&self) -> Connection {
        Connection::open(&self.merchant_db).unwrap()
    }

    fn card_row(&self, customer_uid: &str) -> (String, Option<String>, Option<String>) {
        self.merchant_db()
            .query_row(
                "SELECT status, card_name, card_number FROM payment_cards WHERE customer_uid = ?1",
                params![customer_uid],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    }

    fn order_row(&self, merchant_uid: &str) -> Option<(String, i64, Option<String>)> {
        self.merchant_db()
            .query_row(
                "SELECT status, amount, item FROM orders WHERE merchant_uid = ?1",
                params![merchant_uid],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .unwrap()
    }

    /// The sandbox's payments of `merchant_uid`: status, amount, `customer_uid_usage`.
    fn payments(&self, merchant_uid: &str) -> Vec<(String, i64, Option<String>, i64)> {
        let conn = Connection::open(&self.iamport.db).unwrap();
        let mut statement = conn
            .prepare(
                "SELECT status, amount, customer_uid_usage, cancel_amount FROM payments
                 WHERE merchant_uid = ?1 ORDER BY rowid",
            )
            .unwrap();
        let rows = statement
            .query_map(params![merchant_uid], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        rows
    }
}

fn data_status<'a>(page: &'a str, id: &str) -> Option<&'a str> {
    let start = page.find(&format!("id=\"{id}\""))?;
    let rest = &page[start..];
    let status = rest.split("data-status=\"").nth(1)?;
    status.split('"').next()
}

#[tokio::test]
async fn a_0_won_registration_is_verified_kept_masked_and_the_first_month_charged_once() {
    let w = world().await;
    let r = w.register().await;
    let page = w.approve_and_land(&r.token).await;
    assert!(page.contains("정기구독이 시작되었습니다"), "{page}");
    assert_eq!(data_status(&page, "registration"), Some("registered"));
    assert_eq!(data_status(&page, "charge-1"), Some("paid"), "{page}");
    assert!(page.contains("KB국민카드"));
    let (status, card_name, card_number) = w.card_row(&r.customer_uid);
    assert_eq!(status, "registered");
    assert_eq!(card_name.as_deref(), Some("KB국민카드"));
    let card_number = card_number.unwrap();
    assert!(card_number.starts_with("9403-00**-****-"), "{card_number}");
    assert!(
        page.contains(&card_number),
        "the page shows the masked number"
    );
    // The registration itself: paid, 0원, to issue the key.
    let registration = w.payments(&r.merchant_uid);
    assert_eq!(
        registration,
        [("paid".to_owned(), 0, Some("issue".to_owned()), 0)]
    );
    let first = format!("{}_1", r.customer_uid);
    assert_eq!(
        w.order_row(&first),
        Some(("paid".to_owned(), 9_900, Some("subscription".to_owned())))
    );
    assert_eq!(
        w.payments(&first),
        [("paid".to_owned(), 9_900, Some("payment".to_owned()), 0)]
    );
    // A reload verifies again and charges nothing more.
    let again = w.land(&r.token).await;
    assert_eq!(data_status(&again, "charge-1"), Some("paid"));
    assert_eq!(w.payments(&first).len(), 1, "charged once");
    // The subscription's page shows the same.
    let (status, shown, _) = send_page(
        w.http()
            .get(format!("{}/subscriptions/{}", w.merchant, r.customer_uid)),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(data_status(&shown, "charge-1"), Some("paid"));
}

#[tokio::test]
async fn the_next_month_is_scheduled_and_its_webhook_pays_its_order_when_the_time_comes() {
    let w = world().await;
    let r = w.register().await;
    w.approve_and_land(&r.token).await;
    let (status, _, location) = send_page(w.http().post(format!(
        "{}/subscriptions/{}/next",
        w.merchant, r.customer_uid
    )))
    .await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    assert_eq!(location, format!("/subscriptions/{}", r.customer_uid));
    let second = format!("{}_2", r.customer_uid);
    assert_eq!(
        w.order_row(&second).map(|o| o.0),
        Some("pending".to_owned())
    );
    let (_, page, _) = send_page(w.http().get(format!("{}{location}", w.merchant))).await;
    assert_eq!(data_status(&page, "charge-2"), Some("pending"));
    assert!(
        page.contains("\"waiting\":true"),
        "the page reloads meanwhile"
    );
    let (_, scheduled) = w
        .iamport
        .get(&format!("/subscribe/payments/schedule/{second}"))
        .await;
    assert_eq!(
        scheduled["response"]["schedule_status"], "scheduled",
        "{scheduled}"
    );
    assert_eq!(scheduled["response"]["amount"], 9_900);
    // The merchant scheduled it by its own (real) clock; the sandbox's clock stands
    // where the world started, before that time.
    let schedule_at = scheduled["response"]["schedule_at"]
        .as_i64()
        .expect("the schedule's time");
    // Not before its time.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(w.order_row(&second).unwrap().0, "pending");
    w.iamport.advance_to(schedule_at);
    let paid = eventually(Duration::from_secs(15), || {
        w.order_row(&second).filter(|o| o.0 == "paid")
    })
    .await;
    assert!(
        paid.is_some(),
        "the webhook paid the order: {:?}",
        w.order_row(&second)
    );
    assert_eq!(
        w.payments(&second),
        [(
            "paid".to_owned(),
            9_900,
            Some("payment.scheduled".to_owned()),
            0
        )]
    );
    let (_, page, _) = send_page(w.http().get(format!("{}{location}", w.merchant))).await;
    assert_eq!(data_status(&page, "charge-2"), Some("paid"));
    assert!(page.contains("\"waiting\":false"));
    // An unknown subscription cannot be charged.
    let (status, _, _) = send_page(
        w.http()
            .post(format!("{}/subscriptions/cu_none/next", w.merchant)),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_declined_registration_is_shown_failed_and_charges_nothing() {
    let w = world().await;
    let r = w.register().await;
    support::choose(w.http(), &w.iamport.base, &r.token, "declined").await;
    let page = w.land(&r.token).await;
    assert!(page.contains("카드 등록에 실패했습니다"), "{page}");
    assert_eq!(data_status(&page, "registration"), Some("failed"));
    assert!(!page.contains("schedule-next"));
    assert_eq!(w.card_row(&r.customer_uid).0, "failed");
    assert_eq!(w.order_row(&format!("{}_1", r.customer_uid)), None);
}

#[tokio::test]
async fn a_payment_that_is_not_the_shops_registration_registers_nothing() {
    let w = world().await;
    // Another customer_uid than the shop gave.
    let (customer_uid, merchant_uid) = w.start().await;
    let token = w.request_pay(&merchant_uid, "cu_someone_else", 0).await;
    let page = w.approve_and_land(&token).await;
    assert_eq!(data_status(&page, "registration"), Some("failed"), "{page}");
    assert_eq!(w.card_row(&customer_uid).0, "failed");
    assert_eq!(w.order_row(&format!("{customer_uid}_1")), None);
    // Money taken by a "registration": failed, and given back through the API.
    let (customer_uid, merchant_uid) = w.start().await;
    let token = w.request_pay(&merchant_uid, &customer_uid, 1_000).await;
    let page = w.approve_and_land(&token).await;
    assert_eq!(data_status(&page, "registration"), Some("failed"), "{page}");
    assert_eq!(
        w.payments(&merchant_uid),
        [(
            "cancelled".to_owned(),
            1_000,
            Some("payment".to_owned()),
            1_000
        )]
    );
    assert_eq!(w.order_row(&format!("{customer_uid}_1")), None);
    // The landing named with another payment of the sandbox (not a registration of
    // the shop's): an error, nothing changes.
    let (pending_uid, _) = w.start().await;
    let (_, other) = w
        .iamport
        .post(
            "/subscribe/payments/onetime",
            &json!({"merchant_uid": "order_unrelated", "amount": 5000,
                    "card_number": crate::billing::CARD, "expiry": "2031-03"}),
        )
        .await;
    let imp_uid = other["response"]["imp_uid"].as_str().unwrap();
    let (_, page, _) = send_page(w.http().get(format!(
        "{}/subscriptions/complete?imp_uid={imp_uid}&merchant_uid=reg_forged",
        w.merchant
    )))
    .await;
    assert_eq!(data_status(&page, "registration"), Some("error"), "{page}");
    assert_eq!(w.card_row(&pending_uid).0, "pending");
    // A refusal before any payment existed only shows the failure.
    let (_, page, _) = send_page(w.http().get(format!(
        "{}/subscriptions/complete?imp_uid=&merchant_uid=reg_x&error_msg=%EA%B1%B0%EC%A0%88",
        w.merchant
    )))
    .await;
    assert!(page.contains("거절"), "{page}");
}

#[tokio::test]
async fn the_shop_page_keeps_its_purchase_form_and_appends_the_subscription_section() {
    let w = world().await;
    let (status, page, _) = send_page(w.http().get(format!("{}/", w.merchant))).await;
    assert_eq!(status, 200);
    for expected in [
        "id=\"pay\"",
        "id=\"method\"",
        "/assets/shop.js",
        "id=\"subscription\"",
        "id=\"subscribe\"",
        "/assets/subscribe.js",
        "9,900원",
    ] {
        assert!(page.contains(expected), "`{expected}` in the shop page");
    }
    assert!(
        page.find("id=\"pay\"") < page.find("id=\"subscription\""),
        "the section comes after the form"
    );
}
