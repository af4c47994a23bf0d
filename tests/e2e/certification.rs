//! Identity verification (본인인증) through the real app on its sandbox: the shop's
//! "Verify identity" section (`IMP.certification` for V1,
//! `PortOne.requestIdentityVerification` for V2), the identity page, the hand-off to
//! a carrier's PASS app through payhost's launcher and the OS (xdg-open → the
//! simulated app registered by `payhost-sandbox install-apps`), the app's approval,
//! and the merchant's landing, which asks the API. PASS never links back: with a
//! return the simulated app opens the bare `myapp://` (Android's activity stack
//! brings the app back; payhost resumes its window), without one (`--no-return`,
//! iOS: the buyer switches back by hand) nothing comes back; either way the identity
//! page goes on by polling. Each test asserts the merchant's final page and the rows
//! of both databases.

use fantoccini::{Client, Locator};
use payhost_sandbox::merchant::ci_hash;
use rusqlite::{params, Connection, OptionalExtension};

use crate::harness::{click, shot, text_of, wait_for, wait_url, Harness, PROCESS_STEP};

/// The merchant's verdict as its landing page shows it.
struct Landing {
    status: String,
    name: String,
    birth: String,
    id: String,
}

/// Waits for the merchant's landing `path` and reads it.
async fn landing(client: &Client, h: &Harness, path: &str) -> Landing {
    wait_for(
        "the merchant's landing",
        PROCESS_STEP,
        || async {
            let url = client.current_url().await.ok()?.to_string();
            url.contains(path).then_some(())
        },
        || format!("\napps log:\n{}\nQA log:\n{}", h.apps_log(), h.qa_log()),
    )
    .await;
    let status = client
        .wait()
        .at_most(std::time::Duration::from_secs(15))
        .for_element(Locator::Css("#result"))
        .await
        .unwrap()
        .attr("data-status")
        .await
        .unwrap()
        .unwrap_or_default();
    let detail = text_of(client, "#detail").await;
    assert_eq!(status, "verified", "{detail}");
    Landing {
        status,
        name: text_of(client, "#verified-name").await,
        birth: text_of(client, "#verified-birth").await,
        id: text_of(client, "#verification-id").await,
    }
}

/// The merchant's row of a verification: name, birth date, CI hash.
fn merchant_row(h: &Harness, version: &str, id: &str) -> (String, String, String) {
    Connection::open(h.merchant_db())
        .unwrap()
        .query_row(
            "SELECT name, birth_date, ci_hash FROM certifications WHERE version = ?1 AND id = ?2",
            params![version, id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

/// The sandbox's row of a verification (V1: by `imp_uid`; V2: the certified attempt
/// of the `identityVerificationId`): status, carrier, CI.
fn sandbox_row(h: &Harness, version: &str, id: &str) -> (String, String, String) {
    let column = if version == "V1" {
        "imp_uid"
    } else {
        "merchant_uid"
    };
    Connection::open(h.sandbox_db())
        .unwrap()
        .query_row(
            &format!(
                "SELECT status, carrier, unique_key FROM certifications
                 WHERE version = ?1 AND {column} = ?2 ORDER BY status = 'certified' DESC LIMIT 1"
            ),
            params![version, id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .unwrap()
        .expect("the sandbox has the verification")
}

/// Shop → the section's `button` → the identity page → the PASS app `app`: the
/// merchant's landing at `path`.
async fn verify(
    h: &mut Harness,
    button: &str,
    app: &str,
    path: &str,
    shot_prefix: &str,
) -> (Client, Landing) {
    let client = h.session(&[]).await;
    wait_url(&client, "the sandbox shop", |u| u.ends_with("/shop")).await;
    click(&client, button).await;
    wait_url(&client, "the identity page", |u| u.contains("/pg/txn_")).await;
    client
        .find(Locator::Css(&format!("#app-{app}")))
        .await
        .unwrap();
    shot(&client, &format!("{shot_prefix}-identity-page")).await;
    click(&client, &format!("#app-{app}")).await;
    let landing = landing(&client, h, path).await;
    shot(&client, &format!("{shot_prefix}-verified")).await;
    (client, landing)
}

fn assert_rows(h: &Harness, version: &str, landing: &Landing, carrier: &str) {
    let (name, birth, hash) = merchant_row(h, version, &landing.id);
    assert_eq!((name.as_str(), birth.as_str()), ("홍길동", "1990-01-01"));
    let (status, stored_carrier, ci) = sandbox_row(h, version, &landing.id);
    assert_eq!(
        (status.as_str(), stored_carrier.as_str()),
        ("certified", carrier)
    );
    assert_eq!(hash, ci_hash(&ci), "the merchant keeps the CI's hash");
    let mut merchant_files = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", h.merchant_db().display());
        merchant_files.extend(std::fs::read(path).unwrap_or_default());
    }
    assert!(
        !String::from_utf8_lossy(&merchant_files).contains(&ci),
        "never the CI itself"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_v1_certification_through_pass_returns_to_the_app() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let (client, landing) = verify(
        &mut h,
        "#certify-v1",
        "pass-skt",
        "/shop/certifications/complete",
        "70-sandbox-v1-pass",
    )
    .await;
    assert_eq!(
        (
            landing.status.as_str(),
            landing.name.as_str(),
            landing.birth.as_str()
        ),
        ("verified", "홍길동", "1990-01-01")
    );
    assert!(landing.id.starts_with("imp_"), "{}", landing.id);
    assert_rows(&h, "V1", &landing, "SKT");
    let log = h.apps_log();
    assert!(log.contains("open tauthlink"), "{log}");
    assert!(log.contains("approve → certified"), "{log}");
    assert!(
        log.contains("returned via myapp://\n"),
        "the bare return standing for Android's: {log}"
    );
    assert!(
        h.qa_log().contains("\"step\":\"deep-link\""),
        "payhost took the return: {}",
        h.qa_log()
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_v1_certification_without_a_return_goes_on_by_polling() {
    let mut h = Harness::sandbox(&["--auto", "approve", "--no-return"]);
    let (client, landing) = verify(
        &mut h,
        "#certify-v1",
        "pass-kt",
        "/shop/certifications/complete",
        "71-sandbox-v1-pass-no-return",
    )
    .await;
    assert_eq!(landing.status, "verified");
    assert_rows(&h, "V1", &landing, "KT");
    let log = h.apps_log();
    assert!(log.contains("open ktauthexternalcall"), "{log}");
    assert!(log.contains("not returning"), "{log}");
    assert!(!log.contains("returned via"), "{log}");
    assert!(
        !h.qa_log().contains("\"step\":\"deep-link\""),
        "nothing came back: {}",
        h.qa_log()
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_v2_identity_verification_through_pass_returns_to_the_app() {
    let mut h = Harness::sandbox(&["--auto", "approve"]);
    let (client, landing) = verify(
        &mut h,
        "#certify-v2",
        "pass-lgu",
        "/shop/identity-verifications/complete",
        "72-sandbox-v2-pass",
    )
    .await;
    assert_eq!(
        (landing.name.as_str(), landing.birth.as_str()),
        ("홍길동", "1990-01-01")
    );
    assert!(
        landing.id.starts_with("identity-verification-"),
        "{}",
        landing.id
    );
    // The redirect carried V2's query.
    let url = client.current_url().await.unwrap();
    let keys: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(
        keys,
        [
            "identityVerificationId",
            "identityVerificationTxId",
            "transactionType"
        ],
        "{url}"
    );
    assert_rows(&h, "V2", &landing, "LGU");
    let log = h.apps_log();
    assert!(log.contains("open upluscorporation"), "{log}");
    assert!(log.contains("returned via myapp://\n"), "{log}");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_v2_identity_verification_without_a_return_goes_on_by_polling() {
    let mut h = Harness::sandbox(&["--auto", "approve", "--no-return"]);
    let (client, landing) = verify(
        &mut h,
        "#certify-v2",
        "pass-skt",
        "/shop/identity-verifications/complete",
        "73-sandbox-v2-pass-no-return",
    )
    .await;
    assert_eq!(landing.status, "verified");
    assert_rows(&h, "V2", &landing, "SKT");
    let log = h.apps_log();
    assert!(
        log.contains("open tauthlink") && log.contains("not returning"),
        "{log}"
    );
    assert!(!log.contains("returned via"), "{log}");
    client.close().await.unwrap();
}
