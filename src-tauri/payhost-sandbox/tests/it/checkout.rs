//! The checkout side over real HTTP on loopback, with the whole sandbox (`app`) on
//! SQLite files: `request_pay`'s validation, the PG page's hand-off per user agent,
//! the one-time transaction token, the mobile redirect and the PC callback, webhooks,
//! a restart, and the simulated app binary (`payhost-sandbox app`, `install-apps`).

use std::path::Path;
use std::process::{Command, Stdio};

use payhost_sandbox::SandboxConfig;
use serde_json::{json, Value};

use crate::support::{self, sandbox_bin};

const ANDROID: &str =
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";
const IPHONE: &str =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";

struct Sandbox {
    base: String,
    http: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

async fn sandbox() -> Sandbox {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::on(dir.path()).await;
    Sandbox {
        _dir: Some(dir),
        ..s
    }
}

impl Sandbox {
    /// The whole sandbox on the files in `dir`, which the caller keeps.
    async fn on(dir: &Path) -> Self {
        Self {
            base: support::start(&support::config(dir)).await,
            http: support::client(),
            _dir: None,
        }
    }

    /// A shop order (the shop prices it: one coffee, 12,900원); its merchant_uid.
    async fn order(&self) -> String {
        let (_, order) = support::post_json(
            &self.http,
            &format!("{}/shop/orders", self.base),
            &json!({ "item": "coffee" }),
        )
        .await;
        order["merchant_uid"].as_str().unwrap().to_owned()
    }

    fn params(&self, merchant_uid: &str, amount: i64) -> Value {
        json!({
            "pg": "nice", "pay_method": "card", "merchant_uid": merchant_uid, "name": "테스트 주문",
            "amount": amount, "buyer_name": "홍길동",
            "m_redirect_url": format!("{}/shop/payments/complete", self.base),
            "notice_url": format!("{}/shop/payments/webhook", self.base),
            "app_scheme": "myapp"
        })
    }

    async fn checkout(&self, channel: &str, params: Value) -> Value {
        support::request_pay(&self.http, &self.base, channel, params).await
    }

    /// A checkout that opened; returns the transaction token.
    async fn open(&self, amount: i64) -> (String, String) {
        let merchant_uid = self.order().await;
        let answer = self
            .checkout("mobile", self.params(&merchant_uid, amount))
            .await;
        (support::token_of(&answer), merchant_uid)
    }

    async fn page(&self, path: &str, user_agent: &str) -> (u16, String, Option<String>) {
        support::send_page(
            self.http
                .get(format!("{}{path}", self.base))
                .header("User-Agent", user_agent),
        )
        .await
    }

    async fn outcome(&self, token: &str, outcome: &str) -> (u16, Value) {
        support::outcome(&self.http, &self.base, token, outcome).await
    }

    /// What the sandbox tells a simulated app about its transaction.
    async fn txn(&self, token: &str) -> Value {
        support::send_json(self.http.get(format!("{}/sandbox/txn/{token}", self.base)))
            .await
            .1
    }
}

/// The values a page hands its script: the JSON of its data block
/// (`<script type="application/json" id="payhost-data">`).
fn page_data(page: &str) -> Value {
    let open = "<script type=\"application/json\" id=\"payhost-data\">";
    let start = page.find(open).expect("a page with a script") + open.len();
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).unwrap()
}

fn hand_off_of(page: &str) -> String {
    page_data(page)["handOff"]
        .as_str()
        .expect("a hand-off page")
        .to_owned()
}

#[tokio::test]
async fn request_pay_is_validated_like_iamport_before_any_pg_page() {
    let s = sandbox().await;
    let merchant_uid = s.order().await;
    let mut cases: Vec<(Value, &str, &str)> = Vec::new();
    let mut no_amount = s.params(&merchant_uid, 1000);
    no_amount.as_object_mut().unwrap().remove("amount");
    cases.push((no_amount, "mobile", "amount"));
    let mut text_amount = s.params(&merchant_uid, 1000);
    text_amount["amount"] = json!("천원");
    cases.push((text_amount, "mobile", "amount"));
    let mut no_redirect = s.params(&merchant_uid, 1000);
    no_redirect
        .as_object_mut()
        .unwrap()
        .remove("m_redirect_url");
    cases.push((no_redirect, "mobile", "m_redirect_url"));
    let mut bad_method = s.params(&merchant_uid, 1000);
    bad_method["pay_method"] = json!("bitcoin");
    cases.push((bad_method, "mobile", "pay_method"));
    let mut bad_scheme = s.params(&merchant_uid, 1000);
    bad_scheme["app_scheme"] = json!("my app://");
    cases.push((bad_scheme, "mobile", "app_scheme"));
    let mut usd = s.params(&merchant_uid, 1000);
    usd["currency"] = json!("USD");
    cases.push((usd, "mobile", "KRW"));
    let mut too_much_tax_free = s.params(&merchant_uid, 1000);
    too_much_tax_free["tax_free"] = json!(1001);
    cases.push((too_much_tax_free, "mobile", "tax_free"));
    for (params, channel, mentions) in cases {
        let answer = s.checkout(channel, params.clone()).await;
        assert_eq!(answer["error_code"], "F400", "{params} → {answer}");
        assert!(
            answer["error_msg"].as_str().unwrap().contains(mentions),
            "{params} → {answer}"
        );
    }
    // Without IMP.init.
    let (_, answer) = support::post_json(
        &s.http,
        &format!("{}/checkout", s.base),
        &json!({ "channel": "mobile", "params": s.params(&merchant_uid, 1000) }),
    )
    .await;
    assert!(
        answer["error_msg"].as_str().unwrap().contains("IMP.init"),
        "{answer}"
    );
    // A PC checkout needs no m_redirect_url.
    let mut pc = s.params(&merchant_uid, 1000);
    pc.as_object_mut().unwrap().remove("m_redirect_url");
    assert!(s.checkout("pc", pc).await["pg_url"].is_string());
}

#[tokio::test]
async fn an_order_already_paid_is_refused() {
    let s = sandbox().await;
    let (token, merchant_uid) = s.open(1000).await;
    s.page(&format!("/pg/{token}/pay/isp"), "desktop").await;
    assert_eq!(s.outcome(&token, "approve").await.0, 200);
    let answer = s.checkout("mobile", s.params(&merchant_uid, 1000)).await;
    assert!(
        answer["error_msg"]
            .as_str()
            .unwrap()
            .contains("이미 결제된"),
        "{answer}"
    );
}

#[tokio::test]
async fn the_pg_page_emits_what_real_pgs_emit_for_the_user_agent() {
    let s = sandbox().await;
    let (token, _) = s.open(1000).await;
    let (_, page, _) = s.page(&format!("/pg/{token}"), ANDROID).await;
    for key in [
        "isp", "kb", "shinhan", "hyundai", "samsung", "lotte", "hana", "nh", "woori", "declined",
    ] {
        assert!(page.contains(&format!("id=\"app-{key}\"")), "{key}");
    }
    let (_, android, _) = s.page(&format!("/pg/{token}/pay/isp"), ANDROID).await;
    let android = hand_off_of(&android);
    assert!(android.starts_with("intent://TID=SANDBOX"), "{android}");
    assert!(
        android.ends_with(";scheme=ispmobile;package=kvp.jjy.MispAndroid320;end"),
        "{android}"
    );
    let (_, iphone, _) = s.page(&format!("/pg/{token}/pay/hyundai"), IPHONE).await;
    let iphone = hand_off_of(&iphone);
    assert!(
        iphone.starts_with("hdcardappcardansimclick://appcard?sandbox_txn="),
        "{iphone}"
    );
    let (_, android_hyundai, _) = s.page(&format!("/pg/{token}/pay/hyundai"), ANDROID).await;
    let android_hyundai = hand_off_of(&android_hyundai);
    assert!(
        android_hyundai.starts_with("intent:hdcardappcardansimclick://appcard?")
            && android_hyundai.ends_with("#Intent;package=com.hyundaicard.appcard;end"),
        "{android_hyundai}"
    );
    // Each carries the one-time token and the sandbox's own address.
    assert!(android.contains(&format!("sandbox_txn={token}")));
    let host = s.base.trim_start_matches("http://").replace(':', "%3A");
    assert!(iphone.contains(&format!("sandbox={host}")), "{iphone}");
}

#[tokio::test]
async fn the_transaction_token_is_used_once() {
    let s = sandbox().await;
    let (token, _) = s.open(1000).await;
    s.page(&format!("/pg/{token}/pay/isp"), "desktop").await;
    let (status, first) = s.outcome(&token, "approve").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["status"], "paid");
    let result_url = format!("{}/pg/{token}/result", s.base);
    assert_eq!(first["return_link"], format!("myapp://://{result_url}"));
    let (status, second) = s.outcome(&token, "cancel").await;
    assert_eq!(status, 409, "{second}");
    assert!(second["error"].as_str().unwrap().contains("이미 사용된"));
    let info = s.txn(&token).await;
    assert_eq!(info["used"], true);
    assert_eq!(info["status"], "paid");
    // The PG page of a used token goes to the result; an unknown token is a 404.
    let (status, _, location) = s.page(&format!("/pg/{token}"), "desktop").await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some(format!("/pg/{token}/result").as_str()))
    );
    assert_eq!(s.page("/pg/txn_unknown", "desktop").await.0, 404);
    assert_eq!(s.outcome("txn_unknown", "approve").await.0, 404);
}

#[tokio::test]
async fn the_mobile_result_redirects_to_m_redirect_url_keeping_its_query_and_fragment() {
    let s = sandbox().await;
    let merchant_uid = s.order().await;
    let mut params = s.params(&merchant_uid, 1000);
    params["m_redirect_url"] = json!(format!(
        "{}/shop/payments/complete?orderId=a#result",
        s.base
    ));
    let token = support::token_of(&s.checkout("mobile", params).await);
    // Not settled yet: a page, not a redirect.
    let (status, page, _) = s.page(&format!("/pg/{token}/result"), "desktop").await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"check-again\""));
    s.page(&format!("/pg/{token}/pay/kb"), "desktop").await;
    let (_, denied) = s.outcome(&token, "deny").await;
    assert_eq!(denied["return_link"], "myapp://", "app cards return bare");
    let (status, _, location) = s.page(&format!("/pg/{token}/result"), "desktop").await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    assert!(
        location.starts_with(&format!(
            "{}/shop/payments/complete?orderId=a&imp_uid=imp_",
            s.base
        )),
        "{location}"
    );
    assert!(
        location.contains(&format!(
            "&merchant_uid={merchant_uid}&imp_success=false&error_code=F0005&error_msg="
        )),
        "{location}"
    );
    assert!(location.ends_with("#result"), "{location}");
}

#[tokio::test]
async fn a_pc_checkout_ends_in_the_callback_not_a_redirect() {
    let s = sandbox().await;
    let merchant_uid = s.order().await;
    let token = support::token_of(&s.checkout("pc", s.params(&merchant_uid, 1000)).await);
    let (_, hand_off, _) = s.page(&format!("/pg/{token}/pay/isp"), "desktop").await;
    assert_eq!(
        page_data(&hand_off)["polls"],
        true,
        "a PC page polls even for ISP"
    );
    let (_, approved) = s.outcome(&token, "approve").await;
    assert_eq!(approved["return_link"], Value::Null, "no way back on PC");
    let (status, page, location) = s.page(&format!("/pg/{token}/result"), "desktop").await;
    assert_eq!((status, location), (200, None));
    assert!(
        page.contains("<script src=\"/assets/pc-result.js\"></script>")
            && page_data(&page)["message"]["iamport_sandbox"].is_object(),
        "{page}"
    );
    let (_, script, _) = s.page("/assets/pc-result.js", "desktop").await;
    assert!(
        script.contains("payer.postMessage(data.message, '*')"),
        "{script}"
    );
    assert!(
        page.contains("\"success\":true") && page.contains("\"paid_amount\":1000"),
        "{page}"
    );
}

#[tokio::test]
async fn webhooks_go_to_notice_url_on_approval_and_vbank_never_on_failure() {
    let (hook, received) = support::hook::<Value>().await;
    let s = sandbox().await;
    let mut tokens = Vec::new();
    for (method, choice) in [("card", "isp"), ("card", "declined"), ("vbank", "vbank")] {
        let merchant_uid = s.order().await;
        let mut params = s.params(&merchant_uid, 1000);
        params["notice_url"] = json!(hook);
        params["pay_method"] = json!(method);
        let token = support::token_of(&s.checkout("mobile", params).await);
        s.page(&format!("/pg/{token}/pay/{choice}"), "desktop")
            .await;
        tokens.push(token);
    }
    assert_eq!(s.outcome(&tokens[0], "approve").await.0, 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while received.lock().unwrap().len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            received.lock().unwrap()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let received = received.lock().unwrap().clone();
    let statuses: Vec<&str> = received
        .iter()
        .map(|b| b["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        received.len(),
        2,
        "the declined card sent none: {received:?}"
    );
    assert!(
        statuses.contains(&"paid") && statuses.contains(&"ready"),
        "{statuses:?}"
    );
    for body in &received {
        assert!(body["imp_uid"].as_str().unwrap().starts_with("imp_"));
        assert!(body["merchant_uid"].as_str().unwrap().starts_with("order_"));
    }
}

#[tokio::test]
async fn transactions_and_orders_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::on(dir.path()).await;
    let (token, merchant_uid) = s.open(12_900).await;
    s.page(&format!("/pg/{token}/pay/isp"), "desktop").await;
    // A second sandbox on the same files (the first one's process "restarted").
    let again = Sandbox::on(dir.path()).await;
    let (status, approved) = again.outcome(&token, "approve").await;
    assert_eq!(status, 200, "{approved}");
    let (_, _, location) = again.page(&format!("/pg/{token}/result"), "desktop").await;
    let (_, landing, _) = support::send_page(
        again
            .http
            .get(location.unwrap().replace(&s.base, &again.base)),
    )
    .await;
    assert!(landing.contains("data-status=\"paid\""), "{landing}");
    assert!(landing.contains(&merchant_uid));
}

#[tokio::test]
async fn the_simulated_app_reports_and_refuses_a_sandbox_off_this_machine() {
    let s = sandbox().await;
    let data = tempfile::tempdir().unwrap();
    let (token, _) = s.open(1000).await;
    let (_, page, _) = s.page(&format!("/pg/{token}/pay/shinhan"), "desktop").await;
    let url = hand_off_of(&page);
    // Hostile: the same token, a sandbox elsewhere.
    let hostile = url.replace(
        &s.base.trim_start_matches("http://").replace(':', "%3A"),
        "evil.example%3A80",
    );
    let output = tokio::task::spawn_blocking({
        let data = data.path().to_owned();
        move || {
            sandbox_bin()
                .args(["app", "--auto", "approve", "--no-return", &hostile])
                .env("XDG_DATA_HOME", data)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not on loopback"));
    // The buyer answers on the terminal (no display): 2 = deny.
    let output = tokio::task::spawn_blocking({
        let data = data.path().to_owned();
        let url = url.clone();
        move || {
            let mut child = sandbox_bin()
                .args(["app", "--no-return", &url])
                .env("XDG_DATA_HOME", data)
                .env_remove("DISPLAY")
                .env_remove("WAYLAND_DISPLAY")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"2\n").unwrap();
            child.wait_with_output().unwrap()
        }
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "denied → failed"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("승인할까요?"));
    let log = std::fs::read_to_string(data.path().join("payhost-sandbox/apps.log")).unwrap();
    assert!(
        log.contains("open shinhan-sr-ansimclick") && log.contains("deny → failed"),
        "{log}"
    );
}

#[test]
fn install_apps_registers_every_table_scheme_through_xdg_mime() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let config = home.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let output = sandbox_bin()
        .args([
            "install-apps",
            "--auto",
            "approve",
            "--delay",
            "1",
            "--data-home",
        ])
        .arg(&data)
        .env("XDG_CONFIG_HOME", &config)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let desktop =
        std::fs::read_to_string(data.join("applications/payhost-sandbox-app.desktop")).unwrap();
    let exec = desktop.lines().find(|l| l.starts_with("Exec=")).unwrap();
    assert!(exec.ends_with(" app --auto approve --delay 1 %u"), "{exec}");
    let mimeapps = std::fs::read_to_string(config.join("mimeapps.list")).unwrap();
    let registered = mimeapps
        .lines()
        .filter(|l| l.ends_with("=payhost-sandbox-app.desktop"))
        .count();
    assert!(registered >= 100, "{registered} schemes in {mimeapps}");
    for scheme in [
        "ispmobile",
        "kb-acp",
        "kftc-bankpay",
        "kakaotalk",
        "supertoss",
        "cloudpay",
    ] {
        let query = Command::new("xdg-mime")
            .args(["query", "default", &format!("x-scheme-handler/{scheme}")])
            .env("XDG_CONFIG_HOME", &config)
            .env("XDG_DATA_HOME", &data)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&query.stdout).trim(),
            "payhost-sandbox-app.desktop",
            "{scheme}"
        );
    }
}

#[tokio::test]
async fn payments_are_created_and_settled_only_through_the_checkout() {
    let s = sandbox().await;
    let (created, _) = support::post_json(
        &s.http,
        &format!("{}/sandbox/payments", s.base),
        &json!({ "merchant_uid": "order_bypass", "amount": 1000 }),
    )
    .await;
    assert!(matches!(created, 404 | 405), "created: {created}");
    let (settled, _) = support::post_json(
        &s.http,
        &format!("{}/sandbox/payments/imp_any/outcome", s.base),
        &json!({ "outcome": "approve" }),
    )
    .await;
    assert!(matches!(settled, 404 | 405), "settled: {settled}");
}

/// Markup, a script end, quotes, `&` and the line separators JavaScript strings
/// once could not hold.
const HOSTILE: &str =
    "</script><script>top.__pwned=1</script><img src=x onerror=\"top.__pwned=2\">'&\u{2028}\u{2029}";

/// Asserts `html` shows `HOSTILE` only as text: no element of it, no inline script
/// that a value could end or break.
fn assert_inert(what: &str, html: &str) {
    for raw in ["<script>top.", "<img", "onerror=\"top"] {
        assert!(!html.contains(raw), "{what}: `{raw}` in {html}");
    }
    // Every script element: the pages' data blocks (`<script type="application/json"
    // id="payhost-data">`) carry the hostile values, so each must hold them escaped.
    for script in html.split("<script").skip(1) {
        let body = script
            .split_once('>')
            .map_or("", |(_, rest)| rest)
            .split("</script>")
            .next()
            .unwrap_or_default();
        assert!(
            !body.contains(['\u{2028}', '\u{2029}']) && !body.contains("<!--"),
            "{what}: a script holds a raw value: {body}"
        );
    }
}

#[derive(Debug, serde::Deserialize)]
struct CallbackRsp {
    name: String,
    merchant_uid: String,
    status: String,
}

#[tokio::test]
async fn every_page_shows_hostile_values_as_text_and_runs_none_of_them() {
    let s = sandbox().await;
    let merchant_uid = format!("order_{HOSTILE}_end");
    let params = |channel: &str| {
        let mut params = s.params(&format!("{merchant_uid}{channel}"), 1000);
        params["name"] = json!(HOSTILE);
        params["pg"] = json!(format!("nice{}", HOSTILE.replace('.', "")));
        params["buyer_name"] = json!(HOSTILE);
        if channel == "pc" {
            params.as_object_mut().unwrap().remove("m_redirect_url");
        }
        params
    };
    let pc = s.checkout("pc", params("pc")).await;
    let token = support::token_of(&pc);
    let mut pages = Vec::new();
    for path in [
        format!("/pg/{token}"),
        format!("/pg/{token}/result"),
        format!("/pg/{token}/pay/isp"),
        format!("/apps/{token}"),
        format!("/pg/{token}/pay/nosuch"),
        "/pg/txn_nosuch".to_owned(),
    ] {
        pages.push((path.clone(), s.page(&path, "desktop").await.1));
    }
    let escaped_name = "&lt;/script&gt;&lt;script&gt;top.__pwned=1&lt;/script&gt;&lt;img src=x onerror=&quot;top.__pwned=2&quot;&gt;&#39;&amp;";
    assert!(pages[0].1.contains(escaped_name), "{}", pages[0].1);
    assert_eq!(s.outcome(&token, "approve").await.0, 200);
    let (_, result, _) = s.page(&format!("/pg/{token}/result"), "desktop").await;
    // The callback's `rsp` arrives whole: JSON that the page hands its script intact.
    let rsp: CallbackRsp =
        serde_json::from_value(page_data(&result)["message"]["iamport_sandbox"].clone())
            .unwrap_or_else(|err| panic!("{err}: {result}"));
    assert_eq!(
        (
            rsp.name.as_str(),
            rsp.merchant_uid.as_str(),
            rsp.status.as_str()
        ),
        (HOSTILE, format!("{merchant_uid}pc").as_str(), "paid")
    );
    pages.push(("pc result".to_owned(), result));
    pages.push((
        "used web app".to_owned(),
        s.page(&format!("/apps/{token}"), "desktop").await.1,
    ));
    // The merchant's pages: its verdict on a payment whose order it does not know
    // (the message names the merchant_uid), and a failure the redirect reports.
    let imp_uid = rsp_imp_uid(&s, &token).await;
    let query = |pairs: &[(&str, &str)]| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    };
    let pc_uid = format!("{merchant_uid}pc");
    for q in [
        query(&[("imp_uid", &imp_uid), ("merchant_uid", &pc_uid)]),
        query(&[
            ("imp_uid", ""),
            ("merchant_uid", &pc_uid),
            ("error_msg", HOSTILE),
        ]),
    ] {
        let path = format!("/shop/payments/complete?{q}");
        pages.push((path.clone(), s.page(&path, "desktop").await.1));
    }
    pages.push(("/shop".to_owned(), s.page("/shop", "desktop").await.1));
    for (what, html) in &pages {
        assert_inert(what, html);
    }
    // A mobile checkout ends in a redirect whose query carries the values encoded.
    let mobile = s.checkout("mobile", params("mobile")).await;
    let token = support::token_of(&mobile);
    s.page(&format!("/pg/{token}/pay/kb"), "desktop").await;
    s.outcome(&token, "deny").await;
    let (status, _, location) = s.page(&format!("/pg/{token}/result"), "desktop").await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    assert!(!location.contains(['<', '>', '"', '\'']), "{location}");
}

async fn rsp_imp_uid(s: &Sandbox, token: &str) -> String {
    s.txn(token).await["imp_uid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_checkout_whose_transaction_cannot_be_stored_leaves_no_payment() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::on(dir.path()).await;
    // A fault between the two inserts: the transactions table refuses rows.
    let db = rusqlite::Connection::open(dir.path().join("sandbox.sqlite3")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER refuse BEFORE INSERT ON transactions
         BEGIN SELECT RAISE(ABORT, 'disk full (injected)'); END;",
    )
    .unwrap();
    let answer = s.checkout("mobile", s.params("order_orphan", 1000)).await;
    assert_eq!(answer["error_code"], "F400", "{answer}");
    let payments: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM payments WHERE merchant_uid = 'order_orphan'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(payments, 0, "no `ready` payment without its transaction");
}

#[test]
fn start_up_errors_name_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.sqlite3");
    std::fs::write(&garbage, "not a database, ".repeat(256)).unwrap();
    // A database whose header asks for a newer writer (file format write version
    // 3): SQLite opens it read-only, whoever runs the test (root included).
    let readonly = dir.path().join("readonly.sqlite3");
    rusqlite::Connection::open(&readonly)
        .unwrap()
        .execute_batch("CREATE TABLE other (x)")
        .unwrap();
    let mut bytes = std::fs::read(&readonly).unwrap();
    bytes[18] = 3;
    std::fs::write(&readonly, bytes).unwrap();
    let fresh = |name: &str| dir.path().join(name);
    let addr: std::net::SocketAddr = "127.0.0.1:9".parse().unwrap();
    for (db, merchant_db, bad, says) in [
        (
            garbage.clone(),
            fresh("m1.sqlite3"),
            &garbage,
            "file is not a database",
        ),
        (
            fresh("s2.sqlite3"),
            garbage.clone(),
            &garbage,
            "file is not a database",
        ),
        (
            readonly.clone(),
            fresh("m3.sqlite3"),
            &readonly,
            "readonly database",
        ),
        (
            fresh("s4.sqlite3"),
            readonly.clone(),
            &readonly,
            "readonly database",
        ),
    ] {
        let config = SandboxConfig {
            db,
            merchant_db,
            ..SandboxConfig::in_dir(dir.path(), None)
        };
        let Err(err) = payhost_sandbox::app(addr, &config) else {
            panic!("a broken database stops the start: {}", bad.display());
        };
        let err = err.to_string();
        assert!(
            err.contains(&bad.display().to_string()) && err.contains(says),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_settlement_rolled_back_by_sqlite_reports_its_cause_and_keeps_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::on(dir.path()).await;
    let (token, _) = s.open(1000).await;
    s.page(&format!("/pg/{token}/pay/isp"), "desktop").await;
    // A fault that makes SQLite roll the whole transaction back (as SQLITE_FULL or
    // an I/O error may, https://www.sqlite.org/lang_transaction.html "Response To
    // Errors Within A Transaction").
    let db = rusqlite::Connection::open(dir.path().join("sandbox.sqlite3")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER refuse BEFORE UPDATE OF status ON payments WHEN NEW.status = 'paid'
         BEGIN SELECT RAISE(ROLLBACK, 'disk full (injected)'); END;",
    )
    .unwrap();
    let (status, refused) = s.outcome(&token, "approve").await;
    assert_eq!(status, 500, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .is_some_and(|e| e.contains("disk full (injected)")),
        "the cause, not the rollback's own failure: {refused}"
    );
    // Nothing of it stayed: the token is unused and works once the fault is gone.
    db.execute_batch("DROP TRIGGER refuse").unwrap();
    let (status, settled) = s.outcome(&token, "approve").await;
    assert_eq!(
        (status, &settled["status"]),
        (200, &json!("paid")),
        "{settled}"
    );
}
