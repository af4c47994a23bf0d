//! The merchant's identity verification with the whole sandbox on SQLite files: the
//! shop's section, the V1 and V2 landings deciding from the API alone (`certified`,
//! `VERIFIED`; never the query's `success` or `code`), and the `certifications` table
//! keeping the name, the birth date and a hash of the CI, never the CI.

use payhost_sandbox::merchant::{self, ci_hash, IamportClient, MerchantState};
use payhost_sandbox::{SandboxConfig, SANDBOX_IMP_KEY, SANDBOX_IMP_SECRET};
use rusqlite::{params, Connection};
use serde_json::json;

use crate::support::{self, client, send_json, send_page};

const ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile";
const SECRET: &str = "PortOne sandbox_api_secret";

struct Shop {
    base: String,
    http: reqwest::Client,
    config: SandboxConfig,
    _dir: tempfile::TempDir,
}

async fn shop() -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let config = support::config(dir.path());
    Shop {
        base: support::start(&config).await,
        http: client(),
        config,
        _dir: dir,
    }
}

/// A row of the merchant's `certifications` table.
#[derive(Debug, PartialEq, Eq)]
struct Row {
    id: String,
    version: String,
    name: String,
    birth_date: String,
    ci_hash: String,
}

/// The landing as the buyer sees it.
struct Landing {
    status: String,
    text: String,
}

impl Shop {
    async fn get(&self, path_or_url: &str) -> (u16, String, Option<String>) {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.base)
        };
        send_page(self.http.get(url).header("User-Agent", ANDROID)).await
    }

    /// A V1 verification through the identity page and PASS by SKT, decided with
    /// `outcome`: its `imp_uid` and where the result page sends the buyer.
    async fn v1(&self, merchant_uid: &str, outcome: &str) -> (String, String) {
        let answer = support::certify(
            &self.http,
            &self.base,
            "mobile",
            json!({ "merchant_uid": merchant_uid, "channelKey": "channel-key-sandbox-danal",
                    "m_redirect_url": format!("{}/shop/certifications/complete", self.base) }),
        )
        .await;
        let token = support::token_of(&answer);
        self.get(&format!("/pg/{token}/pay/pass-skt?birth=1991-02-03"))
            .await;
        assert_eq!(
            support::outcome(&self.http, &self.base, &token, outcome)
                .await
                .0,
            200
        );
        let (_, _, location) = self.get(&format!("/pg/{token}/result")).await;
        (
            answer["imp_uid"].as_str().unwrap().to_owned(),
            location.unwrap(),
        )
    }

    /// A V2 verification opened for `id` (its token), with the shop's return page.
    async fn open_v2(&self, id: &str) -> String {
        let (status, answer) = support::request_identity_verification(
            &self.http,
            &self.base,
            true,
            json!({ "storeId": "store-sandbox-0000", "identityVerificationId": id,
                    "channelKey": "channel-key-sandbox-danal",
                    "redirectUrl": format!("{}/shop/identity-verifications/complete", self.base) }),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        support::v2_token_of(&answer)
    }

    async fn landing(&self, url: &str) -> Landing {
        let (status, text, _) = self.get(url).await;
        assert_eq!(status, 200, "{text}");
        let status = text
            .split("id=\"result\" class=\"tag\" data-status=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no #result: {text}"))
            .to_owned();
        Landing { status, text }
    }

    fn rows(&self) -> Vec<Row> {
        let conn = Connection::open(&self.config.merchant_db).unwrap();
        let mut statement = conn
            .prepare("SELECT id, version, name, birth_date, ci_hash FROM certifications ORDER BY verified_at, id")
            .unwrap();
        statement
            .query_map(params![], |r| {
                Ok(Row {
                    id: r.get(0)?,
                    version: r.get(1)?,
                    name: r.get(2)?,
                    birth_date: r.get(3)?,
                    ci_hash: r.get(4)?,
                })
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// The CI the API reports for V1's `imp_uid`.
    async fn v1_ci(&self, imp_uid: &str) -> String {
        let token = support::api_token(&self.http, &self.base).await;
        let (_, body) = send_json(
            self.http
                .get(format!("{}/certifications/{imp_uid}", self.base))
                .header("Authorization", token),
        )
        .await;
        body["response"]["unique_key"].as_str().unwrap().to_owned()
    }

    /// Every byte of the merchant's database files, as text (lossy).
    fn merchant_files(&self) -> String {
        let mut all = Vec::new();
        let db = &self.config.merchant_db;
        for suffix in ["", "-wal", "-shm"] {
            let path = format!("{}{suffix}", db.display());
            all.extend(std::fs::read(path).unwrap_or_default());
        }
        String::from_utf8_lossy(&all).into_owned()
    }
}

#[tokio::test]
async fn the_shop_has_the_section_beside_the_purchase_form() {
    let s = shop().await;
    let (status, page, _) = s.get("/shop").await;
    assert_eq!(status, 200);
    for needle in [
        "id=\"pay\"",
        "본인인증 / Verify identity",
        "id=\"certify-v1\"",
        "id=\"certify-v2\"",
        "id=\"certify-pc\"",
        "<script src=\"/v2/browser-sdk.js\"></script>",
        "id=\"payhost-certify-data\"",
        "\"channelKey\":\"channel-key-sandbox-danal\"",
        "\"storeId\":\"store-sandbox-0000\"",
        "\"appScheme\":\"myapp\"",
    ] {
        assert!(page.contains(needle), "{needle}: {page}");
    }
    assert_eq!(
        page.matches("id=\"payhost-data\"").count(),
        1,
        "one data block each"
    );
    assert_eq!(page.matches("/assets/certify.js").count(), 1);
    let (status, script, _) = s.get("/assets/certify.js").await;
    assert_eq!(status, 200);
    assert!(script.contains("IMP.certification") && script.contains("requestIdentityVerification"));
    let (_, iamport, _) = s.get("/iamport.js").await;
    assert!(
        iamport.contains("certification: certification"),
        "{iamport}"
    );
}

#[tokio::test]
async fn the_v1_landing_asks_the_api_and_keeps_a_hash_of_the_ci() {
    let s = shop().await;
    let (imp_uid, location) = s.v1("cert_shop_1", "approve").await;
    assert!(
        location.contains("/shop/certifications/complete?") && location.contains("success=true")
    );
    let landing = s.landing(&location).await;
    assert_eq!(landing.status, "verified", "{}", landing.text);
    assert!(
        landing
            .text
            .contains("<dd id=\"verified-name\">홍길동</dd>"),
        "{}",
        landing.text
    );
    assert!(
        landing
            .text
            .contains("<dd id=\"verified-birth\">1991-02-03</dd>"),
        "{}",
        landing.text
    );
    assert!(landing
        .text
        .contains(&format!("<dd id=\"verification-id\">{imp_uid}</dd>")));
    assert!(
        landing.text.contains("through the iamport API"),
        "the landing names the API it asked: {}",
        landing.text
    );
    let ci = s.v1_ci(&imp_uid).await;
    let rows = s.rows();
    assert_eq!(
        rows,
        [Row {
            id: imp_uid.clone(),
            version: "V1".to_owned(),
            name: "홍길동".to_owned(),
            birth_date: "1991-02-03".to_owned(),
            ci_hash: ci_hash(&ci),
        }]
    );
    assert_eq!(rows[0].ci_hash.len(), 64);
    assert!(
        !s.merchant_files().contains(&ci),
        "the CI itself is never stored"
    );
    assert!(!landing.text.contains(&ci), "nor shown");
    // Seen again (a reload): one row, the same page.
    let again = s.landing(&location).await;
    assert_eq!(again.status, "verified");
    assert_eq!(s.rows().len(), 1);
}

#[tokio::test]
async fn the_v1_landing_never_trusts_the_query() {
    let s = shop().await;
    // Denied in PASS, but the query claims success: the API decides.
    let (denied, _) = s.v1("cert_shop_denied", "deny").await;
    let forged = format!(
        "/shop/certifications/complete?imp_uid={denied}&merchant_uid=cert_shop_denied&success=true"
    );
    let landing = s.landing(&forged).await;
    assert_eq!(landing.status, "failed", "{}", landing.text);
    assert!(!landing.text.contains("verified-name"));
    // An id the API does not know.
    let landing = s
        .landing("/shop/certifications/complete?imp_uid=imp_forged&success=true")
        .await;
    assert_eq!(landing.status, "error", "{}", landing.text);
    // Refused before a verification existed: the query's failure is shown, nothing granted.
    let landing = s
        .landing("/shop/certifications/complete?imp_uid=&merchant_uid=x&success=false&error_msg=m_redirect_url")
        .await;
    assert_eq!(landing.status, "failed");
    // A success query with no id at all is no verification.
    let landing = s
        .landing("/shop/certifications/complete?success=true")
        .await;
    assert_eq!(landing.status, "error", "{}", landing.text);
    assert!(s.rows().is_empty(), "{:?}", s.rows());
}

#[tokio::test]
async fn the_v2_landing_records_verified_only() {
    let s = shop().await;
    let landing_of =
        |id: &str| format!("/shop/identity-verifications/complete?identityVerificationId={id}");
    // READY: not finished, nothing recorded.
    let token = s.open_v2("iv_shop_1").await;
    let pending = s.landing(&landing_of("iv_shop_1")).await;
    assert_eq!(pending.status, "pending", "{}", pending.text);
    // VERIFIED through PASS by KT.
    s.get(&format!(
        "/pg/{token}/pay/pass-kt?name=%EC%9D%B4%EC%88%98%EC%A7%84&gender=female"
    ))
    .await;
    support::outcome(&s.http, &s.base, &token, "approve").await;
    let (_, _, location) = s.get(&format!("/pg/{token}/result")).await;
    let location = location.unwrap();
    assert!(
        location.contains("identityVerificationId=iv_shop_1"),
        "{location}"
    );
    let landing = s.landing(&location).await;
    assert_eq!(landing.status, "verified", "{}", landing.text);
    assert!(
        landing
            .text
            .contains("<dd id=\"verified-name\">이수진</dd>"),
        "{}",
        landing.text
    );
    assert!(landing
        .text
        .contains("<dd id=\"verified-birth\">1990-01-01</dd>"));
    assert!(
        landing.text.contains("through the PortOne V2 API"),
        "the landing names the API it asked: {}",
        landing.text
    );
    let (_, verified) = send_json(
        s.http
            .get(format!("{}/v2/identity-verifications/iv_shop_1", s.base))
            .header("Authorization", SECRET),
    )
    .await;
    let ci = verified["verifiedCustomer"]["ci"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        s.rows(),
        [Row {
            id: "iv_shop_1".to_owned(),
            version: "V2".to_owned(),
            name: "이수진".to_owned(),
            birth_date: "1990-01-01".to_owned(),
            ci_hash: ci_hash(&ci),
        }]
    );
    assert!(!s.merchant_files().contains(&ci));
    // FAILED (cancelled), whatever a forged query says.
    let token = s.open_v2("iv_shop_2").await;
    s.get(&format!("/pg/{token}/pay/cancel")).await;
    let failed = s
        .landing(&(landing_of("iv_shop_2") + "&transactionType=IDENTITY_VERIFICATION"))
        .await;
    assert_eq!(failed.status, "failed", "{}", failed.text);
    assert!(failed.text.contains("취소"), "{}", failed.text);
    // Unknown.
    let unknown = s.landing(&landing_of("iv_nobody")).await;
    assert_eq!(unknown.status, "error");
    assert_eq!(s.rows().len(), 1);
}

/// The landing's verdict is the API's: a V2 verification that is READY stays pending
/// even when the query carries no `code` (a success's shape).
#[tokio::test]
async fn a_success_shaped_v2_query_of_a_ready_verification_grants_nothing() {
    let s = shop().await;
    s.open_v2("iv_shop_ready").await;
    let landing = s
        .landing(
            "/shop/identity-verifications/complete?identityVerificationId=iv_shop_ready\
             &identityVerificationTxId=imp_x&transactionType=IDENTITY_VERIFICATION",
        )
        .await;
    assert_eq!(landing.status, "pending");
    assert!(s.rows().is_empty());
}

/// `certified` decides alone: a V1 API that answers `certified: false` beside a name,
/// a birth date and a CI (a stub standing for an API that reports them for a failed
/// attempt) grants nothing, whatever the query says.
#[tokio::test]
async fn certified_false_is_not_verified_whatever_else_the_api_answers() {
    let stub = axum::Router::new()
        .route(
            "/users/getToken",
            axum::routing::post(|| async {
                axum::Json(json!({"code": 0, "message": null,
                    "response": {"access_token": "stub", "now": 0, "expired_at": 1}}))
            }),
        )
        .route(
            "/certifications/{imp_uid}",
            axum::routing::get(
                |axum::extract::Path(imp_uid): axum::extract::Path<String>| async move {
                    axum::Json(json!({"code": 0, "message": null, "response": {
                    "imp_uid": imp_uid, "pg_provider": "danal", "foreigner": false,
                    "certified": false, "certified_at": 0, "name": "홍길동",
                    "birthday": "1990-01-01", "unique_key": "CI-OF-A-FAILED-ATTEMPT"}}))
                },
            ),
        );
    let api = support::serve(stub).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("merchant.sqlite3");
    let state = MerchantState::open(
        &db,
        IamportClient::new(&api, SANDBOX_IMP_KEY, SANDBOX_IMP_SECRET),
    )
    .unwrap();
    let base = support::serve(merchant::router(state)).await;
    let (status, page, _) = send_page(client().get(format!(
        "{base}/certifications/complete?imp_uid=imp_stub&success=true"
    )))
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("data-status=\"failed\""), "{page}");
    assert!(!page.contains("verified-name"), "{page}");
    let rows: i64 = Connection::open(&db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM certifications", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0);
}
