//! The whole round trip through the real app on its sandbox: the shop's checkout
//! (`IMP.request_pay`), the PG page, the hand-off through payhost's launcher and
//! the OS (xdg-open → the simulated app registered by `payhost-sandbox
//! install-apps`), the app's report and its deep link back (xdg-open → a second
//! payhost process → the running window, or a cold start), the PG result and the
//! merchant's verification over the iamport API. Each test asserts the merchant's
//! final page and the database rows.

use std::time::Duration;

use fantoccini::{Client, Locator};
use rusqlite::{params, Connection, OptionalExtension};

use crate::harness::{
    app_pids, click, qa_panel_flow, shot, text_of, wait_for, wait_until, wait_url, Harness,
    PROCESS_STEP,
};

/// The merchant's verdict as its landing page shows it.
pub(crate) struct Landing {
    pub(crate) status: String,
    pub(crate) title: String,
    detail: String,
    pub(crate) merchant_uid: String,
}

/// The rows behind a checkout.
#[derive(Debug)]
pub(crate) struct Rows {
    pub(crate) order_status: String,
    pub(crate) order_amount: i64,
    order_imp_uid: Option<String>,
    pub(crate) payment_status: String,
    pub(crate) payment_amount: i64,
    cancel_amount: i64,
    vbank_num: Option<String>,
    fail_reason: Option<String>,
}

pub(crate) fn rows(h: &Harness, merchant_uid: &str) -> Rows {
    let merchant = Connection::open(h.merchant_db()).unwrap();
    let (order_status, order_amount, order_imp_uid): (String, i64, Option<String>) = merchant
        .query_row(
            "SELECT status, amount, imp_uid FROM orders WHERE merchant_uid = ?1",
            params![merchant_uid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let sandbox = Connection::open(h.sandbox_db()).unwrap();
    type PaymentRow = (String, i64, i64, Option<String>, Option<String>);
    let payment: Option<PaymentRow> = sandbox
        .query_row(
            "SELECT status, amount, cancel_amount, vbank_num, fail_reason FROM payments
             WHERE merchant_uid = ?1 ORDER BY started_at DESC, rowid DESC LIMIT 1",
            params![merchant_uid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()
        .unwrap();
    let (payment_status, payment_amount, cancel_amount, vbank_num, fail_reason) =
        payment.expect("the sandbox has the payment");
    Rows {
        order_status,
        order_amount,
        order_imp_uid,
        payment_status,
        payment_amount,
        cancel_amount,
        vbank_num,
        fail_reason,
    }
}

/// Shop → checkout → the PG page, choosing `method` (`pg:pay_method`).
pub(crate) async fn checkout(client: &Client, method: &str, tamper: bool) {
    wait_url(client, "the sandbox shop", |u| u.ends_with("/shop")).await;
    client
        .find(Locator::Css("#method"))
        .await
        .unwrap()
        .select_by_value(method)
        .await
        .unwrap();
    if tamper {
        click(client, "#tamper").await;
    }
    click(client, "#pay").await;
    wait_url(client, "the PG page", |u| u.contains("/pg/txn_")).await;
}

pub(crate) async fn landing(client: &Client, h: &Harness) -> Landing {
    landing_at(client, h, "/shop/payments/complete", "merchant_uid").await
}

/// The merchant's landing at `path` (V1's or V2's return page), whose query names the
/// order in `order_param` (`merchant_uid`, V2 `paymentId`).
pub(crate) async fn landing_at(
    client: &Client,
    h: &Harness,
    path: &str,
    order_param: &str,
) -> Landing {
    let url = wait_for(
        "the merchant's landing",
        PROCESS_STEP,
        || async {
            let url = client.current_url().await.ok()?.to_string();
            url.contains(path).then_some(url)
        },
        || format!("\napps log:\n{}\nQA log:\n{}", h.apps_log(), h.qa_log()),
    )
    .await;
    let result = client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("#result"))
        .await
        .unwrap();
    let merchant_uid = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == order_param)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    Landing {
        status: result
            .attr("data-status")
            .await
            .unwrap()
            .unwrap_or_default(),
        title: client
            .find(Locator::Css("#title"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        detail: client
            .find(Locator::Css("#detail"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        merchant_uid,
    }
}

async fn round_trip(
    h: &mut Harness,
    method: &str,
    choice: &str,
    tamper: bool,
    shot_name: &str,
) -> (Client, Landing) {
    let client = h.session(&[]).await;
    checkout(&client, method, tamper).await;
    click(&client, &format!("#app-{choice}")).await;
    let landing = landing(&client, h).await;
    shot(&client, shot_name).await;
    (client, landing)
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_isp_approve_returns_through_the_nice_style_result_url() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let client = h.session(&["--qa"]).await;
    let main = client.window().await.unwrap();
    wait_url(&client, "the sandbox shop", |u| u.ends_with("/shop")).await;
    client.find(Locator::Css("#pay")).await.unwrap();
    shot(&client, "19-sandbox-shop").await;
    checkout(&client, "nice:card", false).await;
    client.find(Locator::Css("#app-isp")).await.unwrap();
    shot(&client, "20-sandbox-pg-page").await;
    click(&client, "#app-isp").await;
    let landing = landing(&client, &h).await;
    shot(&client, "21-sandbox-isp-verified").await;
    assert_eq!(landing.status, "paid", "{}", landing.detail);
    assert!(
        landing.title.contains("결제가 완료되었습니다"),
        "{}",
        landing.title
    );
    let rows = rows(&h, &landing.merchant_uid);
    assert_eq!(
        (rows.order_status.as_str(), rows.payment_status.as_str()),
        ("paid", "paid")
    );
    assert_eq!(rows.order_amount, 12_900);
    assert_eq!(rows.payment_amount, 12_900);
    assert!(rows.order_imp_uid.is_some());
    // The app was started by the OS and returned with `myapp://://<PG result URL>`.
    let log = h.apps_log();
    assert!(log.contains("open ispmobile"), "{log}");
    assert!(
        log.contains("returned via myapp://://http://127.0.0.1:"),
        "{log}"
    );
    // The QA panel (the local window) lists the round trip.
    let flow = qa_panel_flow(&client, &main, "결제가 완료되었습니다").await;
    for expected in [
        "sandbox on",
        "launch",
        "ispmobile://",
        "deep-link",
        "/pg/txn_",
        "/shop/payments/complete",
        "결제가 완료되었습니다",
    ] {
        assert!(
            flow.contains(expected),
            "`{expected}` missing from the QA panel: {flow}"
        );
    }
    shot(&client, "32-sandbox-qa-panel").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_kb_app_card_returns_bare_while_the_pg_page_polls() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let (client, landing) =
        round_trip(&mut h, "nice:card", "kb", false, "22-sandbox-kb-verified").await;
    assert_eq!(landing.status, "paid", "{}", landing.detail);
    let rows = rows(&h, &landing.merchant_uid);
    assert_eq!(
        (rows.order_status.as_str(), rows.payment_status.as_str()),
        ("paid", "paid")
    );
    let log = h.apps_log();
    assert!(log.contains("open kb-acp"), "{log}");
    assert!(
        log.contains("returned via myapp://\n"),
        "a bare return: {log}"
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_bankpay_returns_with_callbackparam1() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let (client, landing) =
        round_trip(&mut h, "nice:trans", "bankpay", false, "23-sandbox-bankpay").await;
    assert_eq!(landing.status, "paid", "{}", landing.detail);
    let rows = rows(&h, &landing.merchant_uid);
    assert_eq!(
        (rows.order_status.as_str(), rows.payment_status.as_str()),
        ("paid", "paid")
    );
    let log = h.apps_log();
    assert!(log.contains("open kftc-bankpay"), "{log}");
    // The log redacts the query; the QA log shows payhost took it as a return.
    assert!(log.contains("returned via myapp://?"), "{log}");
    let qa = h.qa_log();
    assert!(qa.contains("\"step\":\"deep-link\""), "{qa}");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_kakaopay_approve() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let (client, landing) = round_trip(
        &mut h,
        "kakaopay:kakaopay",
        "kakaopay",
        false,
        "24-sandbox-kakaopay",
    )
    .await;
    assert_eq!(landing.status, "paid", "{}", landing.detail);
    let rows = rows(&h, &landing.merchant_uid);
    assert_eq!(
        (rows.order_status.as_str(), rows.payment_status.as_str()),
        ("paid", "paid")
    );
    assert!(h.apps_log().contains("open kakaotalk"), "{}", h.apps_log());
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_declined_card_fails() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let (client, landing) = round_trip(
        &mut h,
        "nice:card",
        "declined",
        false,
        "25-sandbox-declined",
    )
    .await;
    assert_eq!(landing.status, "failed", "{}", landing.detail);
    assert!(
        landing.title.contains("결제되지 않았습니다"),
        "{}",
        landing.title
    );
    assert!(landing.detail.contains("승인 거절"), "{}", landing.detail);
    let rows = rows(&h, &landing.merchant_uid);
    assert_eq!(
        (rows.order_status.as_str(), rows.payment_status.as_str()),
        ("failed", "failed")
    );
    assert!(
        h.apps_log().is_empty(),
        "no app was started: {}",
        h.apps_log()
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_buyer_cancels_in_the_app() {
    let mut h = Harness::sandbox(&["--auto", "cancel"]);
    let (client, landing) = round_trip(
        &mut h,
        "nice:card",
        "isp",
        false,
        "26-sandbox-buyer-cancelled",
    )
    .await;
    assert_eq!(landing.status, "failed", "{}", landing.detail);
    assert!(landing.detail.contains("취소"), "{}", landing.detail);
    let rows = rows(&h, &landing.merchant_uid);
    assert_eq!(
        (rows.order_status.as_str(), rows.payment_status.as_str()),
        ("failed", "failed")
    );
    assert!(rows
        .fail_reason
        .unwrap_or_default()
        .contains("cancelled by the buyer"));
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_app_never_returns_then_the_buyer_comes_back() {
    let mut h = Harness::sandbox(&["--auto", "approve", "--no-return"]);
    let client = h.session(&[]).await;
    checkout(&client, "nice:card", false).await;
    click(&client, "#app-isp").await;
    wait_until("the app to approve without returning", || {
        let log = h.apps_log();
        async move { log.contains("not returning") }
    })
    .await;
    // Nothing came back: the ISP page waits (it does not poll).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(client
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains("/pg/txn_"));
    shot(&client, "27-sandbox-app-never-returned").await;
    // The buyer switches back and says they finished in the app.
    click(&client, "#finished").await;
    let landing = landing(&client, &h).await;
    assert_eq!(landing.status, "paid", "{}", landing.detail);
    let rows = rows(&h, &landing.merchant_uid);
    assert_eq!(
        (rows.order_status.as_str(), rows.payment_status.as_str()),
        ("paid", "paid")
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_tampered_amount_is_detected_and_cancelled() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let (client, landing) = round_trip(&mut h, "nice:card", "isp", true, "28-sandbox-forged").await;
    assert_eq!(landing.status, "forged", "{}", landing.detail);
    assert!(
        landing.title.contains("위변조") || landing.title.contains("Forged"),
        "{}",
        landing.title
    );
    let rows = rows(&h, &landing.merchant_uid);
    assert_eq!(rows.order_status, "forged");
    assert_eq!(rows.order_amount, 12_900);
    assert_eq!(rows.payment_amount, 11_900, "the client sent 1,000 less");
    assert_eq!(rows.payment_status, "cancelled");
    assert_eq!(rows.cancel_amount, 11_900);
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_vbank_is_issued() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let (client, landing) = round_trip(
        &mut h,
        "html5_inicis:vbank",
        "vbank",
        false,
        "29-sandbox-vbank",
    )
    .await;
    assert_eq!(landing.status, "vbank_issued", "{}", landing.detail);
    assert!(
        landing.detail.contains("샌드박스은행"),
        "{}",
        landing.detail
    );
    let rows = rows(&h, &landing.merchant_uid);
    assert_eq!(rows.order_status, "vbank_issued");
    assert_eq!(rows.payment_status, "ready");
    let account = rows.vbank_num.expect("an account number");
    assert!(
        landing.detail.contains(&account),
        "{} / {account}",
        landing.detail
    );
    client.close().await.unwrap();
}

/// The outbox rows of `merchant_uid`'s payments, oldest first: their status and state.
fn webhook_rows(h: &Harness, merchant_uid: &str) -> Vec<(String, String)> {
    let sandbox = Connection::open(h.sandbox_db()).unwrap();
    let mut statement = sandbox
        .prepare("SELECT status, state FROM webhooks WHERE merchant_uid = ?1 ORDER BY id")
        .unwrap();
    statement
        .query_map(params![merchant_uid], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A virtual account paid at the sandbox's bank: the merchant's landing shows the
/// account and links to the bank, the buyer deposits in the same payhost window, the
/// `paid` webhook reaches the merchant, which verifies and pays the order, and the
/// bank links back to the landing, which now shows it paid.
#[tokio::test(flavor = "multi_thread")]
async fn sandbox_vbank_deposit_pays_the_order_through_its_webhook() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let (client, issued) = round_trip(
        &mut h,
        "html5_inicis:vbank",
        "vbank",
        false,
        "36-sandbox-vbank-deposit-link",
    )
    .await;
    assert_eq!(issued.status, "vbank_issued", "{}", issued.detail);
    let before = rows(&h, &issued.merchant_uid);
    let account = before.vbank_num.clone().expect("an account number");
    let imp_uid = before.order_imp_uid.clone().expect("the order's payment");
    assert!(issued.detail.contains(&account), "{}", issued.detail);
    // The buyer follows the merchant's link to the bank, in the same window.
    let windows = client.windows().await.unwrap().len();
    click(&client, "#deposit-link").await;
    let bank = wait_url(&client, "the sandbox bank", |u| {
        u.contains("/sandbox/bank/")
    })
    .await;
    assert_eq!(
        bank,
        format!("http://127.0.0.1:{}/sandbox/bank/{imp_uid}", h.sandbox_port)
    );
    assert_eq!(client.windows().await.unwrap().len(), windows);
    assert_eq!(text_of(&client, "#vbank-num").await, account);
    assert_eq!(
        text_of(&client, "#title").await,
        "샌드박스 은행 / Sandbox bank"
    );
    shot(&client, "37-sandbox-bank").await;
    click(&client, "#deposit").await;
    // The page after the deposit: the one before it has an `#account-status` too
    // (`ready`), which a read right after the click could still find.
    let deposited = text_of(&client, "#account-status:not([data-status=\"ready\"])").await;
    assert!(deposited.contains("입금이 완료되었습니다"), "{deposited}");
    // The `paid` webhook pays the order before the buyer goes back.
    wait_for(
        "the paid webhook to pay the order",
        PROCESS_STEP,
        || async { (rows(&h, &issued.merchant_uid).order_status == "paid").then_some(()) },
        || format!("\noutbox: {:?}", webhook_rows(&h, &issued.merchant_uid)),
    )
    .await;
    assert_eq!(
        webhook_rows(&h, &issued.merchant_uid),
        [
            ("ready".to_owned(), "delivered".to_owned()),
            ("paid".to_owned(), "delivered".to_owned())
        ]
    );
    shot(&client, "38-sandbox-bank-deposited").await;
    click(&client, "#back-to-merchant").await;
    let paid = landing(&client, &h).await;
    assert_eq!(paid.status, "paid", "{}", paid.detail);
    assert_eq!(paid.merchant_uid, issued.merchant_uid);
    let url = client.current_url().await.unwrap().to_string();
    assert!(url.contains(&format!("imp_uid={imp_uid}")), "{url}");
    let after = rows(&h, &issued.merchant_uid);
    assert_eq!(
        (
            after.order_status.as_str(),
            after.order_imp_uid.as_deref(),
            after.payment_status.as_str(),
            after.cancel_amount
        ),
        ("paid", Some(imp_uid.as_str()), "paid", 0)
    );
    assert_eq!(after.payment_amount, after.order_amount);
    assert_eq!(after.vbank_num.as_deref(), Some(account.as_str()));
    shot(&client, "39-sandbox-vbank-paid").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_duplicate_webhooks_change_nothing() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let (client, landing) = round_trip(
        &mut h,
        "nice:card",
        "isp",
        false,
        "30-sandbox-before-webhooks",
    )
    .await;
    assert_eq!(landing.status, "paid", "{}", landing.detail);
    let before = rows(&h, &landing.merchant_uid);
    let imp_uid = before.order_imp_uid.clone().unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = format!("http://127.0.0.1:{}", h.sandbox_port);
    // The resend route takes the API token, as the V1 API does.
    let token: Envelope<AccessToken> = http
        .post(format!("{base}/users/getToken"))
        // The sandbox's merchant credentials (`payhost_sandbox::SANDBOX_IMP_KEY`).
        .json(&serde_json::json!({
            "imp_key": "sandbox_imp_key",
            "imp_secret": "sandbox_imp_secret",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token.response.expect("a token").access_token;
    for _ in 0..2 {
        let answer: Envelope<Resent> = http
            .post(format!("{base}/sandbox/payments/{imp_uid}/webhook"))
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            answer.response.map(|r| r.merchant_status),
            Some(200),
            "{:?}",
            answer.message
        );
    }
    let after = rows(&h, &landing.merchant_uid);
    assert_eq!(
        format!("{before:?}"),
        format!("{after:?}"),
        "duplicates change no row"
    );
    assert_eq!(after.cancel_amount, 0, "nothing was cancelled");
    // The landing, reloaded, still says paid.
    client.refresh().await.unwrap();
    let again = landing_after_refresh(&client).await;
    assert_eq!(again, "paid");
    client.close().await.unwrap();
}

/// The V1 API's `{code, message, response}`.
#[derive(Debug, serde::Deserialize)]
struct Envelope<T> {
    message: Option<String>,
    response: Option<T>,
}

#[derive(Debug, serde::Deserialize)]
struct AccessToken {
    access_token: String,
}

#[derive(Debug, serde::Deserialize)]
struct Resent {
    merchant_status: u16,
}

async fn landing_after_refresh(client: &Client) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("#result"))
        .await
        .unwrap()
        .attr("data-status")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The in-process sandbox dies with payhost; a real PG does not. So this test runs
/// the sandbox standalone (`payhost-sandbox serve`), kills payhost with `kill -9`
/// while the simulated app is open, and lets the app's return link start payhost
/// through the OS (cold start, no WebDriver attached): the QA log of that process
/// and the databases show where it ended.
#[tokio::test(flavor = "multi_thread")]
async fn sandbox_killed_while_the_app_is_open_cold_starts_on_the_verified_result() {
    let mut h = Harness::standalone_sandbox(&["--auto", "approve", "--delay", "4"]);
    let client = h.session(&[]).await;
    checkout(&client, "nice:card", false).await;
    let pg_url = client.current_url().await.unwrap().to_string();
    click(&client, "#app-isp").await;
    wait_until("the simulated app to open", || {
        let log = h.apps_log();
        async move { log.contains("open ispmobile") }
    })
    .await;
    let killed = app_pids();
    assert!(!killed.is_empty());
    for pid in &killed {
        std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap();
    }
    drop(client);
    // The app approves after its delay and opens `myapp://://<result URL>`: the OS
    // starts a new payhost with it.
    wait_until("a cold-started payhost", || {
        let pids = app_pids();
        let fresh = pids.iter().any(|p| !killed.contains(p));
        async move { fresh }
    })
    .await;
    wait_for(
        "the cold start to reach the verified result",
        PROCESS_STEP,
        || async {
            let qa = h.qa_log();
            (qa.contains("/shop/payments/complete") && qa.contains("결제가 완료되었습니다"))
                .then_some(())
        },
        || format!("\napps log:\n{}\nQA log:\n{}", h.apps_log(), h.qa_log()),
    )
    .await;
    let qa = h.qa_log();
    let log = h.apps_log();
    assert!(
        log.contains("returned via myapp://://http://127.0.0.1:"),
        "{log}"
    );
    // The QA log of the cold-started process: its first page is the PG result the
    // link carried, never the shop.
    let cold = qa
        .rsplit("\"detail\":\"payhost ")
        .next()
        .unwrap_or_default();
    let first_load = cold
        .lines()
        .find(|l| l.contains("\"step\":\"navigation\""))
        .unwrap_or_default();
    assert!(
        first_load.contains("/pg/txn_"),
        "first page after the cold start: {cold}"
    );
    let merchant_uid = {
        let sandbox = Connection::open(h.sandbox_db()).unwrap();
        let token = pg_url.rsplit('/').next().unwrap().to_owned();
        sandbox
            .query_row(
                "SELECT p.merchant_uid FROM payments p JOIN transactions t ON t.subject = p.imp_uid WHERE t.token = ?1",
                params![token],
                |r| r.get::<_, String>(0),
            )
            .unwrap()
    };
    let rows = rows(&h, &merchant_uid);
    assert_eq!(
        (rows.order_status.as_str(), rows.payment_status.as_str()),
        ("paid", "paid")
    );
    // The page-load event precedes the paint: give it a moment for the record.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let _ = std::process::Command::new("import")
        .args(["-window", "root"])
        .arg(
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/e2e-shots/31-sandbox-cold-start-verified.png"),
        )
        .status();
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_pc_checkout_pays_in_a_layer_and_ends_in_the_callback() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let client = h.session(&[]).await;
    wait_url(&client, "the sandbox shop", |u| u.ends_with("/shop")).await;
    click(&client, "#pc-mode").await;
    click(&client, "#pay").await;
    // iamport's PC default: the PG page in a layer (an iframe) over the shop.
    let frame = client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("#imp-sandbox-frame"))
        .await
        .unwrap();
    client.find(Locator::Css("#pay")).await.unwrap();
    shot(&client, "33-sandbox-pc-layer").await;
    frame.enter_frame().await.unwrap();
    click(&client, "#app-isp").await;
    // The app approves and does not come back (PC); the layer polls, posts the result
    // to the shop, and the shop's callback sends the buyer to the landing.
    client.enter_parent_frame().await.unwrap();
    let landing = landing(&client, &h).await;
    assert_eq!(landing.status, "paid", "{}", landing.detail);
    shot(&client, "33-sandbox-pc-verified").await;
    let rows = rows(&h, &landing.merchant_uid);
    assert_eq!(
        (rows.order_status.as_str(), rows.payment_status.as_str()),
        ("paid", "paid")
    );
    let log = h.apps_log();
    assert!(
        log.contains("approve → paid") && !log.contains("returned via"),
        "{log}"
    );
    let sandbox = Connection::open(h.sandbox_db()).unwrap();
    let channel: String = sandbox
        .query_row(
            "SELECT channel FROM payments WHERE merchant_uid = ?1",
            params![landing.merchant_uid],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(channel, "pc");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_request_pay_refused_before_the_pg_goes_to_m_redirect_url() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let client = h.session(&[]).await;
    wait_url(&client, "the sandbox shop", |u| u.ends_with("/shop")).await;
    // The merchant's page calls request_pay without an amount (a real integration bug).
    client
        .execute(
            "IMP.init('imp_sandbox'); IMP.request_pay({ pg: 'nice', pay_method: 'card', merchant_uid: 'order_no_amount', \
             popup: false, m_redirect_url: location.origin + '/shop/payments/complete' }, function () {});",
            vec![],
        )
        .await
        .unwrap();
    let landing = landing(&client, &h).await;
    assert_eq!(landing.status, "failed", "{}", landing.detail);
    assert!(landing.detail.contains("amount"), "{}", landing.detail);
    let url = client.current_url().await.unwrap();
    let query: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    for (key, value) in [
        ("imp_uid", ""),
        ("merchant_uid", "order_no_amount"),
        ("imp_success", "false"),
        ("error_code", "F400"),
    ] {
        assert!(
            query.contains(&(key.to_owned(), value.to_owned())),
            "{key}={value} in {url}"
        );
    }
    client.close().await.unwrap();
}

/// An order name that ends the PG result page's inline script and, if it ran, would
/// mark the window and create an order in the shop.
const HOSTILE_NAME: &str = "</script><script>top.__pwned = 1; fetch('/shop/orders', { method: 'POST', \
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ item: 'coffee' }) });</script>\
    <img src=x onerror=\"top.__pwned = 2\">";

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_pc_result_shows_a_hostile_name_as_text_and_runs_nothing() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let client = h.session(&[]).await;
    wait_url(&client, "the sandbox shop", |u| u.ends_with("/shop")).await;
    // The merchant's page asks for a PC checkout (the layer) with that name; its
    // callback shows `rsp.name` as text.
    client
        .execute(
            "IMP.init('imp_sandbox'); IMP.request_pay({ pg: 'nice', pay_method: 'card', \
             merchant_uid: 'order_hostile_name', name: arguments[0], amount: 1000 }, function (rsp) { \
             document.getElementById('shop-error').textContent = rsp.name; });",
            vec![serde_json::json!(HOSTILE_NAME)],
        )
        .await
        .unwrap();
    let frame = client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("#imp-sandbox-frame"))
        .await
        .unwrap();
    frame.enter_frame().await.unwrap();
    click(&client, "#app-isp").await;
    client.enter_parent_frame().await.unwrap();
    // The result page in the layer posted `rsp` whole: the callback has the name.
    wait_until("the callback to show the name", || {
        let client = client.clone();
        async move {
            match client.find(Locator::Css("#shop-error")).await {
                Ok(element) => element
                    .text()
                    .await
                    .unwrap_or_default()
                    .contains("top.__pwned"),
                Err(_) => false,
            }
        }
    })
    .await;
    shot(&client, "34-sandbox-hostile-name-callback").await;
    let pwned = |client: Client| async move {
        client
            .execute(
                "return typeof window.__pwned === 'undefined' ? null : window.__pwned;",
                vec![],
            )
            .await
            .unwrap()
    };
    assert_eq!(
        pwned(client.clone()).await,
        serde_json::Value::Null,
        "the shop ran none of it"
    );
    // The result page itself, opened directly: the name is text, no element of it.
    let token: String = Connection::open(h.sandbox_db())
        .unwrap()
        .query_row(
            "SELECT t.token FROM transactions t JOIN payments p ON p.imp_uid = t.subject
             WHERE p.merchant_uid = 'order_hostile_name'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    client
        .goto(&format!(
            "http://127.0.0.1:{}/pg/{token}/result",
            h.sandbox_port
        ))
        .await
        .unwrap();
    let name = client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("#order-name"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(name.contains("</script><script>top.__pwned = 1;"), "{name}");
    shot(&client, "35-sandbox-hostile-name-result").await;
    assert_eq!(
        pwned(client.clone()).await,
        serde_json::Value::Null,
        "the result page ran none of it"
    );
    let images = client
        .execute("return document.querySelectorAll('img').length;", vec![])
        .await
        .unwrap();
    assert_eq!(images, serde_json::json!(0));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let orders: i64 = Connection::open(h.merchant_db())
        .unwrap()
        .query_row("SELECT COUNT(*) FROM orders", [], |r| r.get(0))
        .unwrap();
    assert_eq!(orders, 0, "no order was created by the name");
    client.close().await.unwrap();
}
