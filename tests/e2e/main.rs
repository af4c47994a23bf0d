//! End-to-end tests of payhost on the real WebKitGTK WebView, driven through
//! tauri-driver + WebKitWebDriver, against fixture pages on loopback. Run by
//! `cargo xtask test` under Xvfb and `dbus-run-session`, one test at a time
//! (`--test-threads=1`: payhost is a single instance per D-Bus session).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

mod billing;
mod certification;
mod example;
mod harness;
mod sandbox;
mod sandbox_v2;
mod server;

use std::time::Duration;

use fantoccini::Locator;
use harness::{click, shot, text_of, wait_url, Harness, APP_SCHEME};
use payhost_core::{classify, Context, Decision, Platform, ReturnContext};

/// What payhost-core says the launcher must receive for `url` on this desktop.
fn core_target(url: &str) -> String {
    let ctx = Context::new(
        Platform::Desktop,
        ReturnContext::new(&[APP_SCHEME], &[] as &[&str]).unwrap(),
    );
    match classify(url, &ctx) {
        Decision::Launch(launch) => launch.target,
        other => panic!("{url} is not a launch: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hand_offs_reach_the_launcher_with_the_core_target_and_the_page_stays() {
    let mut h = Harness::new();
    let client = h.session(&[]).await;
    let start = wait_url(&client, "the merchant page", |u| u.contains("/index.html")).await;
    assert_eq!(text_of(&client, "#title").await, "E2E 가맹점 결제 페이지");
    shot(&client, "01-merchant-page").await;

    // A link click.
    click(&client, "#isp").await;
    h.wait_launched(&core_target("ispmobile://TID=E2E0001"))
        .await;
    // location.href to an Android intent: URL (desktop launches its data URI).
    click(&client, "#intent").await;
    let intent = "intent://pay?srCode=E2E#Intent;scheme=shinhan-sr-ansimclick;package=com.shcard.smartpay;end";
    assert_eq!(
        core_target(intent),
        "shinhan-sr-ansimclick://pay?srCode=E2E"
    );
    h.wait_launched(&core_target(intent)).await;
    // A 302 redirect to kakaotalk:.
    click(&client, "#kakao-redirect").await;
    h.wait_launched(&core_target(
        "kakaotalk://kakaopay/pg?url=https://online-pay.kakao.com/e2e",
    ))
    .await;
    assert!(h.server.requests().iter().any(|r| r == "/redirect-kakao"));
    // An iframe whose src is a payment scheme.
    click(&client, "#iframe").await;
    h.wait_launched(&core_target("ispmobile://TID=IFRAME01"))
        .await;
    shot(&client, "02-after-hand-offs").await;

    assert_eq!(
        client.current_url().await.unwrap().as_str(),
        start,
        "the page stayed"
    );
    assert_eq!(
        h.launched().len(),
        4,
        "each hand-off launched once: {:?}",
        h.launched()
    );
    let record = std::fs::read_to_string(h.pending_file())
        .expect("pending record written before the hand-off");
    assert!(record.contains("order_e2e_1"), "{record}");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_app_shows_the_notice_with_a_retry_and_a_way_back() {
    let mut h = Harness::new();
    let client = h.session(&[]).await;
    wait_url(&client, "the merchant page", |u| u.contains("/index.html")).await;
    click(&client, "#missing").await;
    let title = text_of(&client, "#notice-title").await;
    assert!(title.contains("앱을 열 수 없습니다"), "{title}");
    let retry = client.find(Locator::Css("#retry")).await.unwrap();
    assert_eq!(
        retry.attr("href").await.unwrap().as_deref(),
        Some("someunknownpay://pay?x=1")
    );
    shot(&client, "03-app-missing-notice").await;
    click(&client, "#back").await;
    wait_url(&client, "the way back", |u| u.contains("/index.html")).await;
    assert!(
        !h.pending_file().exists(),
        "nothing was handed off, nothing to resume"
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_instance_deep_link_navigates_and_a_hostile_one_changes_nothing() {
    let mut h = Harness::new();
    let client = h.session(&[]).await;
    wait_url(&client, "the merchant page", |u| u.contains("/index.html")).await;
    let done = h
        .server
        .url("/done.html?imp_uid=imp_e2e&merchant_uid=order_e2e_1");
    let link = format!("{APP_SCHEME}://://{done}");
    let status = h.second_instance(&link);
    assert!(
        status.success(),
        "the second instance forwards and exits 0: {status}"
    );
    wait_url(&client, "the return target", |u| u == done).await;
    assert!(h
        .server
        .requests()
        .iter()
        .any(|r| r == "/done.html?imp_uid=imp_e2e&merchant_uid=order_e2e_1"));
    shot(&client, "04-deep-link-return").await;

    let status = h.second_instance(&format!("{APP_SCHEME}://://https://evil.example/phish"));
    assert!(status.success());
    let toast = text_of(&client, "#payhost-toast").await;
    assert!(toast.contains("Ignored a link"), "{toast}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        client.current_url().await.unwrap().as_str(),
        done,
        "a hostile link changes nothing"
    );
    shot(&client, "05-hostile-link-ignored").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cold_start_with_a_deep_link_opens_its_target() {
    let mut h = Harness::new();
    let done = h
        .server
        .url("/done.html?imp_uid=imp_cold&merchant_uid=order_cold");
    let link = format!("{APP_SCHEME}://://{done}");
    let client = h.session(&[&link]).await;
    wait_url(&client, "the cold-start target", |u| u == done).await;
    assert!(
        !h.server
            .requests()
            .iter()
            .any(|r| r.starts_with("/index.html")),
        "the start page was never loaded"
    );
    shot(&client, "06-cold-start").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pending_payment_survives_kill_9_and_resumes_at_the_merchant() {
    let mut h = Harness::new();
    h.extra_env.push((
        "PAYHOST_RESUME_URL".to_owned(),
        h.server
            .url("/done.html?merchant_uid={merchant_uid}&resumed=1"),
    ));
    let client = h.session(&[]).await;
    wait_url(&client, "the merchant page", |u| u.contains("/index.html")).await;
    click(&client, "#isp").await;
    h.wait_launched("ispmobile://TID=E2E0001").await;
    harness::wait_until("the pending record", || {
        let exists = h.pending_file().exists();
        async move { exists }
    })
    .await;
    // The OS kills payhost while the buyer is in the card app.
    let pids = harness::app_pids();
    assert!(!pids.is_empty());
    for pid in &pids {
        std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap();
    }
    drop(client);
    assert!(h.pending_file().exists(), "the record survives kill -9");

    // Started again without a link: payhost offers to resume.
    let client = h.session(&[]).await;
    let title = text_of(&client, "#notice-title").await;
    assert!(title.contains("진행 중이던 결제"), "{title}");
    assert_eq!(text_of(&client, "#merchant-uid").await, "order_e2e_1");
    shot(&client, "07-resume-offer").await;
    click(&client, "#resume").await;
    let resumed = h
        .server
        .url("/done.html?merchant_uid=order_e2e_1&resumed=1");
    wait_url(&client, "the merchant's resume URL", |u| u == resumed).await;
    harness::wait_until("the record to be cleared at the merchant's page", || {
        let gone = !h.pending_file().exists();
        async move { gone }
    })
    .await;
    shot(&client, "08-resumed").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_start_url_shows_the_error_page() {
    let mut h = Harness::new();
    // A port bound for the whole test but never listened on: the kernel refuses every
    // connection, and no other bind (the in-process sandbox, WebKitWebDriver, a free
    // port the harness picks) can take it meanwhile. A port merely free a moment ago
    // could be handed out again and serve a page. (Not a "bad port" like 9: WebKit
    // blocks those without any load-failed signal.)
    let refusing = harness::refusing_port();
    let port = refusing.port;
    h.extra_env.push((
        "PAYHOST_START_URL".to_owned(),
        format!("http://127.0.0.1:{port}/checkout"),
    ));
    let client = h.session(&[]).await;
    assert_eq!(
        text_of(&client, "#failing-host").await,
        format!("127.0.0.1:{port}")
    );
    assert!(text_of(&client, "#notice-title")
        .await
        .contains("불러오지 못했습니다"));
    assert!(client.find(Locator::Css("#retry")).await.is_ok());
    shot(&client, "09-error-page").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_popup_opens_as_a_related_window_with_window_opener() {
    let mut h = Harness::new();
    let client = h.session(&[]).await;
    wait_url(&client, "the merchant page", |u| u.contains("/index.html")).await;
    let main = client.window().await.unwrap();
    click(&client, "#popup").await;
    harness::wait_until("a second window", || {
        let client = client.clone();
        async move {
            client
                .windows()
                .await
                .map(|w| w.len() == 2)
                .unwrap_or(false)
        }
    })
    .await;
    let popup = client
        .windows()
        .await
        .unwrap()
        .into_iter()
        .find(|w| *w != main)
        .unwrap();
    client.switch_to_window(popup).await.unwrap();
    assert_eq!(text_of(&client, "#has-opener").await, "opener: yes");
    shot(&client, "10-popup").await;
    click(&client, "#reply").await;
    client.switch_to_window(main).await.unwrap();
    assert_eq!(
        text_of(&client, "#opener-message").await,
        "popup says: approved"
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_remote_page_is_refused_ipc_while_the_local_qa_panel_reads_the_flow() {
    let mut h = Harness::new();
    let client = h.session(&["--qa"]).await;
    wait_url(&client, "the merchant page", |u| u.contains("/index.html")).await;
    let main = client.window().await.unwrap();
    for command in ["plugin:payhost|flow_log", "plugin:payhost|open_payment"] {
        let answer = client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 window.__TAURI_INTERNALS__.invoke(arguments[0], { url: 'https://pg.example/' })\
                 .then(() => done('allowed'), e => done('refused: ' + e));",
                vec![serde_json::json!(command)],
            )
            .await
            .unwrap();
        let answer = answer.as_str().unwrap_or_default().to_owned();
        assert!(
            answer.starts_with("refused"),
            "a remote origin must not reach `{command}`: {answer}"
        );
    }

    // A full hand-off and return: ISP launched, the card app sends the buyer back.
    click(&client, "#isp").await;
    h.wait_launched("ispmobile://TID=E2E0001").await;
    let done = h
        .server
        .url("/done.html?imp_uid=imp_qa&merchant_uid=order_e2e_1");
    assert!(h
        .second_instance(&format!("{APP_SCHEME}://://{done}"))
        .success());
    wait_url(&client, "the return target", |u| u == done).await;
    let flow = harness::qa_panel_flow(&client, &main, "cleared").await;
    for expected in [
        "launch",
        "ispmobile://TID=E2E0001",
        "deep-link",
        "navigate",
        "pending",
    ] {
        assert!(
            flow.contains(expected),
            "`{expected}` missing from the QA panel: {flow}"
        );
    }
    assert!(
        !flow.contains("imp_qa"),
        "queries are redacted in the QA panel: {flow}"
    );
    shot(&client, "11-qa-panel").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blocked_navigation_in_an_iframe_leaves_the_checkout_in_place_with_a_notice() {
    let mut h = Harness::new();
    h.start_url = Some(h.server.url("/blocked-frame.html"));
    let client = h.session(&[]).await;
    let page = wait_url(&client, "the checkout", |u| {
        u.contains("/blocked-frame.html")
    })
    .await;
    let card = client.find(Locator::Css("#card")).await.unwrap();
    card.send_keys("9410 1234").await.unwrap();
    click(&client, "#block-frame").await;
    let toast = text_of(&client, "#payhost-toast").await;
    assert!(
        toast.contains("payhost blocked an address") && toast.contains("explicit component"),
        "{toast}"
    );
    shot(&client, "11-blocked-iframe-notice").await;
    assert_eq!(
        client.current_url().await.unwrap().as_str(),
        page,
        "the checkout stays"
    );
    let typed = client
        .find(Locator::Css("#card"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        typed.as_deref(),
        Some("9410 1234"),
        "nothing the buyer typed is lost"
    );
    assert!(h.launched().is_empty(), "nothing was launched");
    harness::wait_until("the QA log's block entry", || {
        let qa = h.qa_log();
        async move { qa.contains("blocked: intent: targets only an explicit component") }
    })
    .await;
    client.close().await.unwrap();
}

/// The phone builds' popup script, run in the real WebKitGTK WebView (`payhost
/// --mobile-popup-shim`, an e2e-only switch): every way of opening a window ends as
/// a navigation of the same window (or frame) that the navigation hook saw.
#[tokio::test(flavor = "multi_thread")]
async fn the_mobile_popup_shim_turns_every_popup_into_a_navigation_the_hook_sees() {
    let mut h = Harness::new();
    h.start_url = Some(h.server.url("/popups.html"));
    let client = h.session(&["--mobile-popup-shim"]).await;
    let popups = wait_url(&client, "the popups page", |u| u.contains("/popups.html")).await;
    for (control, via) in [
        ("#open", "open"),
        ("#blank-link", "link"),
        ("#blank-submit", "form"),
        ("#scripted-submit", "form-submit"),
    ] {
        click(&client, control).await;
        wait_url(&client, via, |u| u.ends_with(&format!("?via={via}"))).await;
        assert_eq!(
            client.windows().await.unwrap().len(),
            1,
            "{control} opened no window"
        );
        client.goto(&popups).await.unwrap();
        wait_url(&client, "the popups page again", |u| u == popups).await;
    }
    // What `window.open` answers: a window-like stub, not `null`.
    let answer = client
        .execute(
            "var w = window.open(''); return [typeof w, w === null, w.closed];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(answer, serde_json::json!(["object", false, false]));
    // A URL the browser cannot parse: no exception into the page, nothing opens.
    click(&client, "#bad").await;
    assert_eq!(text_of(&client, "#after-bad").await, "page continued");
    // From an about:srcdoc frame, whose location.href is no base for `new URL`.
    client.enter_frame(0).await.unwrap();
    click(&client, "#frame-open").await;
    client.enter_parent_frame().await.unwrap();
    harness::wait_until("the srcdoc frame's navigation", || {
        let requests = h.server.requests();
        async move { requests.iter().any(|r| r == "/done.html?via=srcdoc") }
    })
    .await;
    shot(&client, "12-mobile-popup-shim").await;
    assert_eq!(client.windows().await.unwrap().len(), 1);
    for via in ["open", "link", "form", "form-submit", "srcdoc"] {
        assert!(
            h.server
                .requests()
                .iter()
                .any(|r| *r == format!("/done.html?via={via}")),
            "{via}: {:?}",
            h.server.requests()
        );
    }
    // Each of the five went through on_navigation (the QA log redacts the query).
    let hook = format!("load http://127.0.0.1:{}/done.html", h.server.port);
    harness::wait_until("five hook entries", || {
        let seen = h.qa_log().matches(&hook).count();
        async move { seen >= 5 }
    })
    .await;
    client.close().await.unwrap();
}
