//! Billing keys (정기결제) through iamport V1 over real HTTP on loopback: a card
//! registered from its numbers (masked at once, refused when it fails the card
//! company's checks), read one or several at a time and deleted; payments made
//! without the buyer (`again`, `onetime`) paid or declined by the sandbox's rule; a
//! card registered through the checkout (`request_pay` with `customer_uid`, 0원 or
//! a first charge) with its payment; and scheduled charges listed, revoked and fired
//! by the scheduler when the injected clock reaches them, also after a restart.
//! Also the helpers the V2 and merchant billing files share.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use payhost_sandbox::{checkout, router, subscribe, v2, ApiState, Store};
use payhost_sandbox::{SANDBOX_IMP_KEY, SANDBOX_IMP_SECRET};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::task::JoinHandle;

use crate::support::{self, hook, Received};

/// 2027-01-15; cards in these tests expire in 2031.
pub(crate) const START: i64 = 1_800_000_000;
/// A card number that passes the Luhn check (VISA).
pub(crate) const CARD: &str = "4092-0230-1234-1239";
/// iamport's own test number, which fails it.
pub(crate) const BAD_CARD: &str = "4092-0230-1234-1234";

/// What iamport POSTs to `notice_url`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Notice {
    pub(crate) imp_uid: String,
    pub(crate) merchant_uid: String,
    pub(crate) status: String,
}

/// iamport (V1, V2, the checkout) on an SQLite file with an injected clock, its
/// webhook sender running and, when asked, its scheduler; the tasks end with it.
pub(crate) struct Sandbox {
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
    pub(crate) now: Arc<AtomicI64>,
    pub(crate) db: PathBuf,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Sandbox {
    /// A sandbox on `db` whose clock is `now`.
    pub(crate) async fn on(db: &Path, now: Arc<AtomicI64>, scheduler: bool) -> Self {
        let clock_now = Arc::clone(&now);
        let state = ApiState::new(
            Store::open(db).unwrap(),
            Arc::new(move || clock_now.load(Ordering::SeqCst)),
            SANDBOX_IMP_KEY,
            SANDBOX_IMP_SECRET,
        );
        let mut tasks = vec![tokio::spawn(state.webhook_sender().unwrap().run())];
        if scheduler {
            tasks.push(tokio::spawn(state.scheduler().unwrap().run()));
        }
        let app = router(state.clone())
            .merge(checkout::router(state.clone()))
            .merge(subscribe::router(state.clone()))
            .merge(v2::router(state));
        let (listener, addr) = support::listen().await;
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }));
        Self {
            base: format!("http://{addr}"),
            http: support::client(),
            now,
            db: db.to_owned(),
            tasks,
        }
    }

    /// A new sandbox in `dir` at [`START`].
    pub(crate) async fn new(dir: &Path, scheduler: bool) -> Self {
        Self::on(
            &dir.join("sandbox.sqlite3"),
            Arc::new(AtomicI64::new(START)),
            scheduler,
        )
        .await
    }

    pub(crate) async fn token(&self) -> String {
        support::api_token(&self.http, &self.base).await
    }

    /// `POST {path}` with a fresh token, the body as JSON (as `iamport-rest-client` sends it).
    pub(crate) async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let token = self.token().await;
        support::send_json(
            self.http
                .post(format!("{}{path}", self.base))
                .header("Authorization", token)
                .json(body),
        )
        .await
    }

    /// `GET {path}` with a fresh token.
    pub(crate) async fn get(&self, path: &str) -> (u16, Value) {
        let token = self.token().await;
        support::send_json(
            self.http
                .get(format!("{}{path}", self.base))
                .header("Authorization", token),
        )
        .await
    }

    /// `DELETE {path}` with a fresh token.
    pub(crate) async fn delete(&self, path: &str) -> (u16, Value) {
        let token = self.token().await;
        support::send_json(
            self.http
                .delete(format!("{}{path}", self.base))
                .header("Authorization", token),
        )
        .await
    }

    /// `POST /subscribe/customers/{customer_uid}` with [`CARD`]: the key.
    pub(crate) async fn register(&self, customer_uid: &str) -> Value {
        let (status, body) = self
            .post(
                &format!("/subscribe/customers/{customer_uid}"),
                &json!({"customer_uid": customer_uid, "card_number": CARD, "expiry": "2031-03",
                        "birth": "900101", "pwd_2digit": "12", "customer_name": "홍길동"}),
            )
            .await;
        assert_eq!((status, body["code"].as_i64()), (200, Some(0)), "{body}");
        body["response"].clone()
    }

    pub(crate) fn advance(&self, secs: i64) {
        self.now.fetch_add(secs, Ordering::SeqCst);
    }

    /// Moves the sandbox's clock on to `at` (unix seconds), if it is not there yet.
    pub(crate) fn advance_to(&self, at: i64) {
        self.now.fetch_max(at, Ordering::SeqCst);
    }
}

/// Polls `check` every 50 ms for up to `within`; its last answer.
pub(crate) async fn eventually<T>(
    within: Duration,
    mut check: impl FnMut() -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every text value of every row of the sandbox's tables, as one string (to look
/// for a card number that must never be stored).
pub(crate) fn every_stored_text(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut all = String::new();
    for table in tables {
        let mut statement = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = statement.column_count();
        let mut rows = statement.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                if let Ok(text) = row.get::<_, String>(i) {
                    all.push_str(&text);
                    all.push('\n');
                }
            }
        }
    }
    all
}

/// No form of `number` is in `text`.
pub(crate) fn assert_no_card_number(text: &str, number: &str) {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    assert!(!text.contains(&digits), "the card number was stored");
    assert!(!text.contains(number), "the card number was stored");
}

fn code(body: &Value) -> Option<i64> {
    body["code"].as_i64()
}

#[tokio::test]
async fn a_card_is_registered_from_its_numbers_masked_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let key = s.register("cu_read").await;
    assert_eq!(key["customer_uid"], "cu_read");
    assert_eq!(key["card_number"], "4092-02**-****-1239");
    assert_eq!(key["card_name"], "샌드박스 VISA카드");
    assert_eq!(key["pg_provider"], "nice");
    assert_eq!(key["pg_id"], "nicesandbox");
    assert_eq!(key["sandbox"], true);
    assert_eq!(key["customer_name"], "홍길동");
    assert_eq!(key["inserted"], START);
    let (status, read) = s.get("/subscribe/customers/cu_read").await;
    assert_eq!((status, code(&read)), (200, Some(0)), "{read}");
    assert_eq!(read["response"], key);
    // Registered again, the customer_uid keeps its key and takes the new card.
    s.advance(60);
    let (status, again) = s
        .post(
            "/subscribe/customers/cu_read",
            &json!({"card_number": "9409-6100-1234-5678", "expiry": "2030-12"}),
        )
        .await;
    assert_eq!((status, code(&again)), (200, Some(0)), "{again}");
    assert_eq!(again["response"]["card_number"], "9409-61**-****-5678");
    assert_eq!(again["response"]["inserted"], START);
    assert_eq!(again["response"]["updated"], START + 60);
    let stored = every_stored_text(&s.db);
    assert!(
        stored.contains("9409-61**-****-5678"),
        "the masked card is kept"
    );
    assert_no_card_number(&stored, CARD);
    assert_no_card_number(&stored, "9409-6100-1234-5678");
}

#[tokio::test]
async fn a_card_the_card_company_refuses_is_code_minus_1_as_iamport_says_and_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    for (number, expiry) in [
        (BAD_CARD, "2031-03"),
        ("4092-0230-1234-123", "2031-03"),
        (CARD, "2019-03"),
        (CARD, "03/31"),
    ] {
        let (status, body) = s
            .post(
                "/subscribe/customers/cu_refused",
                &json!({"card_number": number, "expiry": expiry, "birth": "900101"}),
            )
            .await;
        assert_eq!(
            (status, code(&body)),
            (200, Some(-1)),
            "{number} {expiry}: {body}"
        );
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("카드정보 인증에 실패하였습니다."),
            "{body}"
        );
        assert_eq!(body["response"], Value::Null);
    }
    let (status, _) = s.get("/subscribe/customers/cu_refused").await;
    assert_eq!(status, 404, "nothing was registered");
    // A missing field is named (iamport: "Essential parameter is missing!").
    let (status, body) = s
        .post(
            "/subscribe/customers/cu_refused",
            &json!({"expiry": "2031-03"}),
        )
        .await;
    assert_eq!((status, code(&body)), (200, Some(1)), "{body}");
    assert!(body["message"].as_str().unwrap().contains("card_number"));
    assert_no_card_number(&every_stored_text(&s.db), BAD_CARD);
}

#[tokio::test]
async fn the_billing_key_api_needs_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    for (method, path) in [
        ("POST", "/subscribe/customers/cu_x"),
        ("GET", "/subscribe/customers/cu_x"),
        ("DELETE", "/subscribe/customers/cu_x"),
        ("GET", "/subscribe/customers?customer_uid[]=cu_x"),
        ("POST", "/subscribe/payments/again"),
        ("POST", "/subscribe/payments/onetime"),
        ("POST", "/subscribe/payments/schedule"),
        ("GET", "/subscribe/payments/schedule/order_x"),
        (
            "GET",
            "/subscribe/payments/schedule?schedule_from=0&schedule_to=1",
        ),
        ("POST", "/subscribe/payments/unschedule"),
        ("POST", "/sandbox/schedules/run"),
    ] {
        let request = s
            .http
            .request(method.parse().unwrap(), format!("{}{path}", s.base))
            .json(&json!({}));
        let (status, body) = support::send_json(request).await;
        assert_eq!(
            (status, code(&body)),
            (401, Some(-1)),
            "{method} {path}: {body}"
        );
    }
}

#[tokio::test]
async fn get_and_delete_are_404_for_an_unknown_customer_and_a_deleted_one() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let (status, body) = s.get("/subscribe/customers/cu_none").await;
    assert_eq!((status, code(&body)), (404, Some(1)), "{body}");
    let (status, _) = s.delete("/subscribe/customers/cu_none").await;
    assert_eq!(status, 404);
    s.register("cu_gone").await;
    let (status, deleted) = s.delete("/subscribe/customers/cu_gone?reason=해지").await;
    assert_eq!((status, code(&deleted)), (200, Some(0)), "{deleted}");
    assert_eq!(deleted["response"]["card_number"], "4092-02**-****-1239");
    let (status, _) = s.get("/subscribe/customers/cu_gone").await;
    assert_eq!(status, 404);
    let (status, _) = s.delete("/subscribe/customers/cu_gone").await;
    assert_eq!(status, 404);
    // The customer_uid can register a card again.
    s.register("cu_gone").await;
    let (status, _) = s.get("/subscribe/customers/cu_gone").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn several_customers_at_once_are_200_207_or_404() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    s.register("cu_a").await;
    s.register("cu_b").await;
    let (status, all) = s
        .get("/subscribe/customers?customer_uid[]=cu_a&customer_uid[]=cu_b")
        .await;
    assert_eq!(status, 200, "{all}");
    let uids: Vec<&str> = all["response"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["customer_uid"].as_str().unwrap())
        .collect();
    assert_eq!(uids, ["cu_a", "cu_b"]);
    let (status, some) = s
        .get("/subscribe/customers?customer_uid%5B%5D=cu_a&customer_uid%5B%5D=cu_none")
        .await;
    assert_eq!((status, code(&some)), (207, Some(0)), "{some}");
    assert_eq!(some["response"].as_array().unwrap().len(), 1);
    let (status, none) = s.get("/subscribe/customers?customer_uid[]=cu_none").await;
    assert_eq!(status, 404, "{none}");
    let (status, _) = s.get("/subscribe/customers").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn again_charges_the_registered_card_without_the_buyer_and_its_approval_notifies() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let (hook_url, received): (String, Received<Notice>) = hook().await;
    s.register("cu_again").await;
    let (status, body) = s
        .post(
            "/subscribe/payments/again",
            &json!({"customer_uid": "cu_again", "merchant_uid": "order_again", "amount": 9900,
                    "name": "월간 구독", "buyer_name": "홍길동", "notice_url": hook_url}),
        )
        .await;
    assert_eq!((status, code(&body)), (200, Some(0)), "{body}");
    let payment = &body["response"];
    assert_eq!(payment["status"], "paid");
    assert_eq!(payment["amount"], 9900);
    assert_eq!(payment["channel"], "api");
    assert_eq!(payment["customer_uid"], "cu_again");
    assert_eq!(payment["customer_uid_usage"], "payment");
    assert_eq!(payment["card_number"], "4092-02**-****-1239");
    assert_eq!(payment["paid_at"], START);
    let imp_uid = payment["imp_uid"].as_str().unwrap();
    let (_, read) = s.get(&format!("/payments/{imp_uid}")).await;
    assert_eq!(read["response"]["status"], "paid");
    let notices = eventually(Duration::from_secs(10), || {
        let got = received.lock().unwrap().clone();
        (!got.is_empty()).then_some(got)
    })
    .await
    .expect("the approval's webhook");
    assert_eq!(
        notices[0],
        Notice {
            imp_uid: imp_uid.to_owned(),
            merchant_uid: "order_again".to_owned(),
            status: "paid".to_owned(),
        }
    );
    // The order is paid: iamport refuses to charge it again.
    let (status, twice) = s
        .post(
            "/subscribe/payments/again",
            &json!({"customer_uid": "cu_again", "merchant_uid": "order_again", "amount": 9900, "name": "월간 구독"}),
        )
        .await;
    assert_eq!((status, code(&twice)), (200, Some(1)), "{twice}");
}

#[tokio::test]
async fn again_of_an_amount_ending_in_999_is_declined_and_sends_no_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let (hook_url, received): (String, Received<Notice>) = hook().await;
    s.register("cu_declined").await;
    let (status, body) = s
        .post(
            "/subscribe/payments/again",
            &json!({"customer_uid": "cu_declined", "merchant_uid": "order_declined", "amount": 9999,
                    "name": "월간 구독", "notice_url": hook_url}),
        )
        .await;
    assert_eq!((status, code(&body)), (200, Some(0)), "{body}");
    assert_eq!(body["response"]["status"], "failed");
    assert!(body["response"]["fail_reason"]
        .as_str()
        .unwrap()
        .contains("999"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        received.lock().unwrap().is_empty(),
        "no webhook for a failure"
    );
    // A failed order can be charged again (another amount, say).
    let (_, retried) = s
        .post(
            "/subscribe/payments/again",
            &json!({"customer_uid": "cu_declined", "merchant_uid": "order_declined", "amount": 9900, "name": "월간 구독"}),
        )
        .await;
    assert_eq!(retried["response"]["status"], "paid", "{retried}");
}

#[tokio::test]
async fn again_refuses_an_unknown_customer_and_names_a_missing_field() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let (status, body) = s
        .post(
            "/subscribe/payments/again",
            &json!({"customer_uid": "cu_none", "merchant_uid": "order_x", "amount": 5000, "name": "x"}),
        )
        .await;
    assert_eq!((status, code(&body)), (200, Some(-1)), "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("등록되지 않은 구매자입니다."));
    // Without `name`, as iamport-rest-client's own test sends it for an unknown
    // customer (`tests/test_pay_again.py`): still the unknown customer, -1.
    let (status, body) = s
        .post(
            "/subscribe/payments/again",
            &json!({"customer_uid": "00000000", "merchant_uid": "1234qwer", "amount": 5000}),
        )
        .await;
    assert_eq!((status, code(&body)), (200, Some(-1)), "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("등록되지 않은 구매자입니다."));
    s.register("cu_named").await;
    let (_, body) = s
        .post(
            "/subscribe/payments/again",
            &json!({"customer_uid": "cu_named", "merchant_uid": "order_x", "amount": 5000}),
        )
        .await;
    assert_eq!(code(&body), Some(1), "{body}");
    assert!(body["message"].as_str().unwrap().contains("name"));
}

#[tokio::test]
async fn onetime_charges_card_numbers_and_with_a_customer_uid_also_registers_the_card() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let (status, once) = s
        .post(
            "/subscribe/payments/onetime",
            &json!({"merchant_uid": "order_once", "amount": 5000, "card_number": CARD,
                    "expiry": "2031-03", "birth": "900101", "pwd_2digit": "12", "name": "키인"}),
        )
        .await;
    assert_eq!((status, code(&once)), (200, Some(0)), "{once}");
    assert_eq!(once["response"]["status"], "paid");
    assert_eq!(once["response"]["customer_uid"], Value::Null);
    assert_eq!(once["response"]["card_number"], "4092-02**-****-1239");
    let (_, saved) = s
        .post(
            "/subscribe/payments/onetime",
            &json!({"merchant_uid": "order_once_saved", "amount": 7000, "card_number": "9409 6100 1234 5678",
                    "expiry": "2031-03", "customer_uid": "cu_once"}),
        )
        .await;
    assert_eq!(saved["response"]["status"], "paid", "{saved}");
    assert_eq!(saved["response"]["customer_uid"], "cu_once");
    assert_eq!(saved["response"]["customer_uid_usage"], "payment");
    let (status, key) = s.get("/subscribe/customers/cu_once").await;
    assert_eq!(status, 200);
    assert_eq!(key["response"]["card_number"], "9409-61**-****-5678");
    // Refused like iamport (`tests/test_pay_onetime.py`), with nothing made.
    let (status, refused) = s
        .post(
            "/subscribe/payments/onetime",
            &json!({"merchant_uid": "order_once_bad", "amount": 5000, "card_number": BAD_CARD,
                    "expiry": "2019-03", "birth": "500203", "pwd_2digit": "19"}),
        )
        .await;
    assert_eq!((status, code(&refused)), (200, Some(-1)), "{refused}");
    let (status, _) = s.get("/payments/find/order_once_bad").await;
    assert_eq!(status, 404, "no payment was made");
    let (_, declined) = s
        .post(
            "/subscribe/payments/onetime",
            &json!({"merchant_uid": "order_once_declined", "amount": 1999, "card_number": CARD, "expiry": "2031-03"}),
        )
        .await;
    assert_eq!(declined["response"]["status"], "failed", "{declined}");
    assert_no_card_number(&every_stored_text(&s.db), "9409 6100 1234 5678");
}

/// `IMP.request_pay` on a phone through the sandbox's checkout.
async fn request_pay(s: &Sandbox, params: Value) -> Value {
    support::request_pay(&s.http, &s.base, "mobile", params).await
}

fn registration(merchant_uid: &str, customer_uid: &str, amount: i64) -> Value {
    json!({"pg": "nice", "pay_method": "card", "merchant_uid": merchant_uid, "name": "카드 등록",
           "amount": amount, "customer_uid": customer_uid, "buyer_name": "홍길동",
           "m_redirect_url": "https://shop.example/subscriptions/complete"})
}

#[tokio::test]
async fn request_pay_with_customer_uid_and_0_registers_the_app_card_with_its_payment() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let answer = request_pay(&s, registration("reg_1", "cu_checkout", 0)).await;
    let token = support::token_of(&answer);
    let imp_uid = answer["imp_uid"].as_str().unwrap().to_owned();
    // Nothing is registered until the app approves.
    let (status, _) = s.get("/subscribe/customers/cu_checkout").await;
    assert_eq!(status, 404);
    assert_eq!(
        support::choose(&s.http, &s.base, &token, "kb").await,
        200,
        "the KB app card's hand-off"
    );
    let (status, reported) = support::outcome(&s.http, &s.base, &token, "approve").await;
    assert_eq!(
        (status, reported["status"].as_str()),
        (200, Some("paid")),
        "{reported}"
    );
    let (_, payment) = s.get(&format!("/payments/{imp_uid}")).await;
    let payment = &payment["response"];
    assert_eq!(payment["status"], "paid");
    assert_eq!(payment["amount"], 0);
    assert_eq!(payment["customer_uid"], "cu_checkout");
    assert_eq!(payment["customer_uid_usage"], "issue");
    assert_eq!(payment["card_name"], "KB국민카드");
    let (status, key) = s.get("/subscribe/customers/cu_checkout").await;
    assert_eq!(status, 200, "{key}");
    assert_eq!(key["response"]["card_name"], "KB국민카드");
    assert_eq!(key["response"]["card_number"], payment["card_number"]);
    assert!(key["response"]["card_number"]
        .as_str()
        .unwrap()
        .contains("**-****-"));
    // The redirect says success, as for a payment.
    let (_, _, location) =
        support::send_page(s.http.get(format!("{}/pg/{token}/result", s.base))).await;
    let location = location.unwrap();
    assert!(location.contains("imp_success=true"), "{location}");
    // The registered card is charged without the buyer.
    let (_, charged) = s
        .post(
            "/subscribe/payments/again",
            &json!({"customer_uid": "cu_checkout", "merchant_uid": "order_first", "amount": 9900, "name": "1월"}),
        )
        .await;
    assert_eq!(charged["response"]["status"], "paid", "{charged}");
    assert_eq!(charged["response"]["card_name"], "KB국민카드");
}

#[tokio::test]
async fn request_pay_with_customer_uid_and_an_amount_charges_and_registers() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let answer = request_pay(&s, registration("order_first_pay", "cu_first", 9900)).await;
    let token = support::token_of(&answer);
    support::settle(&s.http, &s.base, &token, "approve").await;
    let (_, payment) = s.get("/payments/find/order_first_pay").await;
    assert_eq!(payment["response"]["amount"], 9900);
    assert_eq!(payment["response"]["customer_uid_usage"], "payment");
    assert_eq!(
        payment["response"]["card_name"], "BC카드",
        "the ISP app's card"
    );
    let (status, _) = s.get("/subscribe/customers/cu_first").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_registration_needs_a_card_and_0_needs_a_customer_uid_and_a_declined_one_registers_nothing(
) {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let mut transfer = registration("reg_trans", "cu_trans", 0);
    transfer["pay_method"] = json!("trans");
    let refused = request_pay(&s, transfer).await;
    assert!(
        refused["error_msg"]
            .as_str()
            .unwrap()
            .contains("customer_uid"),
        "{refused}"
    );
    let mut no_customer = registration("reg_zero", "cu_zero", 0);
    no_customer["customer_uid"] = Value::Null;
    let refused = request_pay(&s, no_customer).await;
    assert!(
        refused["error_msg"].as_str().unwrap().contains("amount"),
        "{refused}"
    );
    // Declined on the PG page: a failed payment, no key.
    let answer = request_pay(&s, registration("reg_declined", "cu_declined", 0)).await;
    let token = support::token_of(&answer);
    support::choose(&s.http, &s.base, &token, "declined").await;
    let (_, payment) = s.get("/payments/find/reg_declined").await;
    assert_eq!(payment["response"]["status"], "failed");
    let (status, _) = s.get("/subscribe/customers/cu_declined").await;
    assert_eq!(status, 404);
}

fn schedule(merchant_uid: &str, at: i64, amount: i64, notice_url: Option<&str>) -> Value {
    let mut schedule = json!({"merchant_uid": merchant_uid, "schedule_at": at, "amount": amount,
                              "name": "월간 구독", "buyer_name": "홍길동"});
    if let Some(url) = notice_url {
        schedule["notice_url"] = json!(url);
    }
    schedule
}

#[tokio::test]
async fn schedules_are_made_all_or_none_read_by_order_and_time_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    s.register("cu_sched").await;
    let (status, made) = s
        .post(
            "/subscribe/payments/schedule",
            &json!({"customer_uid": "cu_sched", "schedules": [
                schedule("order_feb", START + 100, 9900, None),
                schedule("order_mar", START + 200, 9900, None)]}),
        )
        .await;
    assert_eq!((status, code(&made)), (200, Some(0)), "{made}");
    let made = made["response"].as_array().unwrap();
    assert_eq!(made.len(), 2);
    assert_eq!(made[0]["schedule_status"], "scheduled");
    assert_eq!(made[0]["payment_status"], Value::Null);
    assert_eq!(made[0]["imp_uid"], Value::Null);
    assert_eq!(made[0]["executed_at"], 0);
    assert_eq!(made[0]["customer_uid"], "cu_sched");
    let (status, one) = s.get("/subscribe/payments/schedule/order_mar").await;
    assert_eq!(status, 200);
    assert_eq!(one["response"]["schedule_at"], START + 200);
    let (status, _) = s.get("/subscribe/payments/schedule/order_none").await;
    assert_eq!(status, 404);
    let (status, between) = s
        .get(&format!(
            "/subscribe/payments/schedule?schedule_from={}&schedule_to={}",
            START + 150,
            START + 300
        ))
        .await;
    assert_eq!(status, 200);
    let listed: Vec<&str> = between["response"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["merchant_uid"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["order_mar"]);
    let (status, _) = s.get("/subscribe/payments/schedule?schedule_from=1").await;
    assert_eq!(status, 400);
    // An order scheduled already, or a batch with one: none of it is made.
    let (_, again) = s
        .post(
            "/subscribe/payments/schedule",
            &json!({"customer_uid": "cu_sched", "schedules": [
                schedule("order_apr", START + 300, 9900, None),
                schedule("order_feb", START + 400, 9900, None)]}),
        )
        .await;
    assert_eq!(code(&again), Some(1), "{again}");
    let (status, _) = s.get("/subscribe/payments/schedule/order_apr").await;
    assert_eq!(status, 404, "the batch was refused whole");
    // An unknown customer (`tests/test_pay_schedule.py`).
    let (_, unknown) = s
        .post(
            "/subscribe/payments/schedule",
            &json!({"customer_uid": "cu_none", "schedules": [schedule("order_x", START + 1, 1000, None)]}),
        )
        .await;
    assert_eq!(code(&unknown), Some(1));
    assert!(unknown["message"]
        .as_str()
        .unwrap()
        .contains("등록되지 않은 구매자입니다."));
    // Revoked by order (a single merchant_uid, as `pay_unschedule` sends it), then
    // nothing left to revoke (`tests/test_pay_unschedule.py`).
    let (status, revoked) = s
        .post(
            "/subscribe/payments/unschedule",
            &json!({"customer_uid": "cu_sched", "merchant_uid": "order_feb"}),
        )
        .await;
    assert_eq!((status, code(&revoked)), (200, Some(0)), "{revoked}");
    assert_eq!(revoked["response"][0]["schedule_status"], "revoked");
    assert_eq!(revoked["response"][0]["revoked_at"], START);
    let (_, nothing) = s
        .post(
            "/subscribe/payments/unschedule",
            &json!({"customer_uid": "cu_sched", "merchant_uid": ["order_feb"]}),
        )
        .await;
    assert_eq!(code(&nothing), Some(1), "{nothing}");
    assert!(nothing["message"]
        .as_str()
        .unwrap()
        .contains("취소할 예약결제 기록이 존재하지 않습니다."));
    // A revoked order can be scheduled again; all of a customer's go at once.
    let (_, rescheduled) = s
        .post(
            "/subscribe/payments/schedule",
            &json!({"customer_uid": "cu_sched", "schedules": [schedule("order_feb", START + 500, 9900, None)]}),
        )
        .await;
    assert_eq!(code(&rescheduled), Some(0), "{rescheduled}");
    let (_, all) = s
        .post(
            "/subscribe/payments/unschedule",
            &json!({"customer_uid": "cu_sched"}),
        )
        .await;
    assert_eq!(all["response"].as_array().unwrap().len(), 2, "{all}");
}

/// The schedule of `merchant_uid` once it fired.
async fn fired(s: &Sandbox, merchant_uid: &str) -> Option<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, body) = s
            .get(&format!("/subscribe/payments/schedule/{merchant_uid}"))
            .await;
        if body["response"]["schedule_status"] == "executed" {
            return Some(body["response"].clone());
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_scheduled_charge_fires_when_the_injected_clock_reaches_it_with_its_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), true).await;
    let (hook_url, received): (String, Received<Notice>) = hook().await;
    s.register("cu_fire").await;
    let (_, made) = s
        .post(
            "/subscribe/payments/schedule",
            &json!({"customer_uid": "cu_fire", "schedules": [
                schedule("order_paid_later", START + 3600, 9900, Some(&hook_url)),
                schedule("order_declined_later", START + 3600, 9999, Some(&hook_url))]}),
        )
        .await;
    assert_eq!(code(&made), Some(0), "{made}");
    // Not before its time, however long the scheduler looks.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, waiting) = s.get("/subscribe/payments/schedule/order_paid_later").await;
    assert_eq!(waiting["response"]["schedule_status"], "scheduled");
    s.advance(3600);
    let paid = fired(&s, "order_paid_later")
        .await
        .expect("fired at its time");
    assert_eq!(paid["payment_status"], "paid");
    assert_eq!(paid["executed_at"], START + 3600);
    let imp_uid = paid["imp_uid"].as_str().unwrap();
    let (_, payment) = s.get(&format!("/payments/{imp_uid}")).await;
    assert_eq!(
        payment["response"]["customer_uid_usage"],
        "payment.scheduled"
    );
    assert_eq!(payment["response"]["amount"], 9900);
    let declined = fired(&s, "order_declined_later").await.expect("fired too");
    assert_eq!(declined["payment_status"], "failed");
    assert!(declined["fail_reason"].as_str().unwrap().contains("999"));
    // V1 notifies a scheduled charge paid or failed.
    let notices = eventually(Duration::from_secs(10), || {
        let got = received.lock().unwrap().clone();
        (got.len() >= 2).then_some(got)
    })
    .await
    .expect("two webhooks");
    let mut statuses: Vec<(String, String)> = notices
        .iter()
        .map(|n| (n.merchant_uid.clone(), n.status.clone()))
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [
            ("order_declined_later".to_owned(), "failed".to_owned()),
            ("order_paid_later".to_owned(), "paid".to_owned()),
        ]
    );
}

#[tokio::test]
async fn charges_that_came_due_while_the_sandbox_was_down_fire_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sandbox.sqlite3");
    let now = Arc::new(AtomicI64::new(START));
    let (hook_url, received): (String, Received<Notice>) = hook().await;
    let first = Sandbox::on(&db, Arc::clone(&now), true).await;
    first.register("cu_restart").await;
    let (_, made) = first
        .post(
            "/subscribe/payments/schedule",
            &json!({"customer_uid": "cu_restart", "schedules": [
                schedule("order_while_down", START + 600, 9900, Some(&hook_url))]}),
        )
        .await;
    assert_eq!(code(&made), Some(0), "{made}");
    drop(first);
    // Time passes while no sandbox runs.
    now.fetch_add(7200, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (status, pending) = {
        let store = Store::open(&db).unwrap();
        let schedule = store.schedule_of("order_while_down").unwrap();
        (schedule.status, schedule.imp_uid)
    };
    assert_eq!(
        (status.as_str(), pending),
        ("scheduled", None),
        "nothing fires while the sandbox is down"
    );
    let second = Sandbox::on(&db, Arc::clone(&now), true).await;
    let fired = fired(&second, "order_while_down")
        .await
        .expect("fired once the sandbox is back");
    assert_eq!(fired["payment_status"], "paid");
    assert_eq!(fired["executed_at"], START + 7200);
    let notice = eventually(Duration::from_secs(10), || {
        received.lock().unwrap().first().cloned()
    })
    .await
    .expect("its webhook");
    assert_eq!(
        (notice.merchant_uid.as_str(), notice.status.as_str()),
        ("order_while_down", "paid")
    );
}

#[tokio::test]
async fn the_run_route_fires_every_due_charge_now_and_a_deleted_keys_charge_fails() {
    let dir = tempfile::tempdir().unwrap();
    // No scheduler task: only the route fires.
    let s = Sandbox::new(dir.path(), false).await;
    s.register("cu_run").await;
    s.register("cu_deleted").await;
    for (customer, order) in [("cu_run", "order_run"), ("cu_deleted", "order_of_deleted")] {
        let (_, made) = s
            .post(
                "/subscribe/payments/schedule",
                &json!({"customer_uid": customer, "schedules": [schedule(order, START + 10, 9900, None)]}),
            )
            .await;
        assert_eq!(code(&made), Some(0), "{made}");
    }
    let (_, early) = s.post("/sandbox/schedules/run", &json!({})).await;
    assert_eq!(early["response"], json!([]), "nothing is due yet");
    s.delete("/subscribe/customers/cu_deleted").await;
    s.advance(10);
    let (status, ran) = s.post("/sandbox/schedules/run", &json!({})).await;
    assert_eq!((status, code(&ran)), (200, Some(0)), "{ran}");
    let ran = ran["response"].as_array().unwrap();
    assert_eq!(ran.len(), 2, "{ran:?}");
    let by_order = |order: &str| {
        ran.iter()
            .find(|s| s["merchant_uid"] == order)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_order("order_run")["payment_status"], "paid");
    let deleted = by_order("order_of_deleted");
    assert_eq!(deleted["payment_status"], "failed");
    assert!(deleted["fail_reason"]
        .as_str()
        .unwrap()
        .contains("등록되지 않은 구매자입니다."));
    let (_, twice) = s.post("/sandbox/schedules/run", &json!({})).await;
    assert_eq!(twice["response"], json!([]), "a charge fires once");
}
