//! Identity verification over real HTTP on loopback with the whole sandbox: V1
//! `IMP.certification` (its validation, the identity page, the PASS hand-off per user
//! agent, the PASS app's report, the redirect and the PC callback,
//! `GET`/`DELETE /certifications/{imp_uid}`), V2 `requestIdentityVerification` (its
//! validation with the browser SDK's codes, the status union of
//! `GET /identity-verifications/{id}` under `/v2` and at the root, one success per
//! id), and the simulated PASS app binary.

use serde_json::{json, Value};

use crate::support::{self, client, send_json, send_page};

const ANDROID: &str =
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";
const IPHONE: &str =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";
const SECRET: &str = "PortOne sandbox_api_secret";
const DANAL: &str = "channel-key-sandbox-danal";

struct Sandbox {
    base: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn sandbox() -> Sandbox {
    let dir = tempfile::tempdir().unwrap();
    Sandbox {
        base: support::start(&support::config(dir.path())).await,
        http: client(),
        _dir: dir,
    }
}

/// `IMP.certification` parameters the sandbox accepts; tests change what they test.
fn v1_params(merchant_uid: &str) -> Value {
    json!({
        "pg": "danal", "merchant_uid": merchant_uid,
        "m_redirect_url": "https://shop.example/cert/done?from=app#top"
    })
}

/// A `requestIdentityVerification` argument the sandbox accepts.
fn v2_request(id: &str) -> Value {
    json!({
        "storeId": "store-sandbox-0000",
        "identityVerificationId": id,
        "channelKey": DANAL,
        "redirectUrl": "https://shop.example/iv/done",
        "customer": { "customerId": "customer-1", "fullName": "김영희", "phoneNumber": "010-9876-5432",
                      "birthYear": "1985", "birthMonth": "12", "birthDay": "31" },
        "customData": "{\"member\":7}"
    })
}

impl Sandbox {
    /// A V1 verification opened on `channel`: its `imp_uid` and token.
    async fn open_v1(&self, channel: &str, params: Value) -> (String, String) {
        let answer = support::certify(&self.http, &self.base, channel, params).await;
        (
            answer["imp_uid"]
                .as_str()
                .unwrap_or_else(|| panic!("{answer}"))
                .to_owned(),
            support::token_of(&answer),
        )
    }

    /// A page of the sandbox as `user_agent` sees it: status, text, `Location`.
    async fn page(&self, path: &str, user_agent: &str) -> (u16, String, Option<String>) {
        send_page(
            self.http
                .get(format!("{}{path}", self.base))
                .header("User-Agent", user_agent),
        )
        .await
    }

    /// The buyer picks `app` on the identity page with `form` (a query): the status
    /// and the hand-off page.
    async fn choose(&self, token: &str, app: &str, form: &str, user_agent: &str) -> (u16, String) {
        let (status, text, _) = self
            .page(&format!("/pg/{token}/pay/{app}{form}"), user_agent)
            .await;
        (status, text)
    }

    /// What the PASS app reports: status and answer.
    async fn outcome(&self, token: &str, outcome: &str) -> (u16, Value) {
        support::outcome(&self.http, &self.base, token, outcome).await
    }

    /// Where the result page sends the buyer.
    async fn result_location(&self, token: &str) -> String {
        let (status, text, location) = self.page(&format!("/pg/{token}/result"), ANDROID).await;
        assert!((300..400).contains(&status), "{status}: {text}");
        location.unwrap()
    }

    async fn v1_api(
        &self,
        method: reqwest::Method,
        imp_uid: &str,
        token: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}/certifications/{imp_uid}", self.base));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        send_json(request).await
    }

    async fn v2_get(&self, prefix: &str, id: &str, auth: Option<&str>) -> (u16, Value) {
        let mut request = self
            .http
            .get(format!("{}{prefix}/identity-verifications/{id}", self.base));
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        send_json(request).await
    }

    /// A V2 verification opened (a redirect): its token.
    async fn open_v2(&self, request: Value) -> String {
        let (status, answer) =
            support::request_identity_verification(&self.http, &self.base, true, request).await;
        assert_eq!(status, 200, "{answer}");
        support::v2_token_of(&answer)
    }
}

fn query_of(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn no_nulls(value: &Value, path: &str) {
    match value {
        Value::Null => panic!("null at {path}"),
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| no_nulls(v, &format!("{path}.{k}"))),
        Value::Array(items) => items.iter().for_each(|v| no_nulls(v, path)),
        _ => {}
    }
}

#[tokio::test]
async fn v1_certification_is_refused_before_any_page_opens() {
    let s = sandbox().await;
    let refused = |params: Value, channel: &'static str, needle: &'static str| {
        let s = &s;
        async move {
            let answer = support::certify(&s.http, &s.base, channel, params.clone()).await;
            let message = answer["error_msg"]
                .as_str()
                .unwrap_or_else(|| panic!("opened: {params} → {answer}"));
            assert!(message.contains(needle), "{params}: {message}");
            assert!(answer.get("pg_url").is_none());
        }
    };
    refused(
        json!({"pg": "danal", "m_redirect_url": "https://a.example/"}),
        "mobile",
        "merchant_uid",
    )
    .await;
    refused(json!({"merchant_uid": "c1"}), "mobile", "m_redirect_url").await;
    refused(
        json!({"merchant_uid": "c1", "m_redirect_url": "/relative"}),
        "mobile",
        "m_redirect_url",
    )
    .await;
    refused(
        json!({"merchant_uid": "c1", "pg": "inicis_unified"}),
        "pc",
        "danal",
    )
    .await;
    refused(
        json!({"merchant_uid": "c1", "channelKey": "channel-key-sandbox-nice"}),
        "pc",
        "본인인증 채널",
    )
    .await;
    refused(
        json!({"merchant_uid": "c1", "channelKey": "channel-key-nope"}),
        "pc",
        "no channel",
    )
    .await;
    refused(
        json!({"merchant_uid": "c1", "carrier": "VERIZON"}),
        "pc",
        "carrier",
    )
    .await;
    refused(
        json!({"merchant_uid": "c1", "min_age": "adult"}),
        "pc",
        "min_age",
    )
    .await;
    refused(
        json!({"merchant_uid": "c1", "phone": "02-123"}),
        "pc",
        "mobile number",
    )
    .await;
    // Without IMP.init.
    let answer = support::post_json(
        &s.http,
        &format!("{}/checkout/certification", s.base),
        &json!({ "channel": "pc", "params": {"merchant_uid": "c1"} }),
    )
    .await
    .1;
    assert!(
        answer["error_msg"].as_str().unwrap().contains("IMP.init"),
        "{answer}"
    );
    // Accepted: the Danal channel, `danal.CPID`, an empty `min_age` (RN's sample).
    for params in [
        json!({"merchant_uid": "c1", "channelKey": DANAL}),
        json!({"merchant_uid": "c1", "pg": "danal.A010002002", "min_age": ""}),
    ] {
        let answer = support::certify(&s.http, &s.base, "pc", params.clone()).await;
        assert!(answer["pg_url"].is_string(), "{params}: {answer}");
    }
}

#[tokio::test]
async fn v1_pass_round_trip_certifies_the_person_and_the_api_shows_them() {
    let s = sandbox().await;
    let (imp_uid, token) = s.open_v1("mobile", v1_params("cert_1")).await;
    // The identity page: the person's fields and every carrier's PASS app.
    let (status, page, _) = s.page(&format!("/pg/{token}"), ANDROID).await;
    assert_eq!(status, 200, "{page}");
    for needle in [
        "data-page=\"identity\"",
        "id=\"person-name\"",
        "id=\"person-birth\"",
        "id=\"person-gender\"",
        "id=\"person-phone\"",
        "id=\"app-pass-skt\"",
        "id=\"app-pass-kt\"",
        "id=\"app-pass-lgu\"",
        &format!("formaction=\"/pg/{token}/pay/pass-skt\""),
    ] {
        assert!(page.contains(needle), "{needle} missing: {page}");
    }
    // A bad form is shown again with the reason, and changes nothing.
    let (status, refused) = s.choose(&token, "pass-skt", "?phone=123", ANDROID).await;
    assert_eq!(status, 400);
    assert!(refused.contains("id=\"form-error\""), "{refused}");
    // The buyer fills the form and picks PASS by SKT: an Android intent for its package.
    let form =
        "?name=%EB%B0%95%EC%A7%80%EB%AF%BC&birth=1985-12-31&gender=female&phone=010-2222-3333";
    let (status, hand_off) = s.choose(&token, "pass-skt", form, ANDROID).await;
    assert_eq!(status, 200, "{hand_off}");
    assert!(
        hand_off.contains(&format!("intent://auth?sandbox_txn={token}&amp;sandbox="))
            && hand_off.contains("#Intent;scheme=tauthlink;package=com.sktelecom.tauth;end"),
        "{hand_off}"
    );
    assert!(
        hand_off.contains("\"polls\":true"),
        "PASS never links back: {hand_off}"
    );
    // On an iPhone the raw scheme (the buyer may choose again until the app decides).
    let (_, iphone) = s.choose(&token, "pass-skt", form, IPHONE).await;
    assert!(
        iphone.contains(&format!(
            "tauthlink://auth?sandbox_txn={token}&amp;sandbox="
        )),
        "{iphone}"
    );
    // What the PASS app reads: the person to confirm.
    let (status, info) = send_json(s.http.get(format!("{}/sandbox/txn/{token}", s.base))).await;
    assert_eq!(status, 200);
    assert_eq!(info["kind"], "certification");
    assert_eq!(info["status"], "ready");
    assert_eq!(info["imp_uid"], imp_uid.as_str());
    assert_eq!(info["app"], "pass-skt");
    assert_eq!(
        info["person"],
        json!({"name": "박지민", "birth_date": "1985-12-31", "gender": "female",
               "phone": "01022223333", "carrier": "SKT"})
    );
    assert_eq!(
        info["app_scheme"], "myapp",
        "the sandbox's host app (no app_scheme asked)"
    );
    // The app approves: the bare way back Android's activity stack stands for.
    let (status, reported) = s.outcome(&token, "approve").await;
    assert_eq!(status, 200, "{reported}");
    assert_eq!(
        reported,
        json!({"status": "certified", "return_link": "myapp://"})
    );
    // The result: m_redirect_url with the merchant's query first, the fragment last.
    let location = s.result_location(&token).await;
    assert!(
        location.starts_with("https://shop.example/cert/done?from=app&"),
        "{location}"
    );
    assert!(location.ends_with("#top"), "{location}");
    let query = query_of(&location);
    for pair in [
        ("imp_uid", imp_uid.as_str()),
        ("merchant_uid", "cert_1"),
        ("success", "true"),
    ] {
        assert!(
            query.contains(&(pair.0.to_owned(), pair.1.to_owned())),
            "{pair:?} in {location}"
        );
    }
    assert!(!query.iter().any(|(k, _)| k == "error_msg"), "{location}");
    // The API.
    let api = support::api_token(&s.http, &s.base).await;
    let (status, body) = s.v1_api(reqwest::Method::GET, &imp_uid, Some(&api)).await;
    assert_eq!((status, body["code"].as_i64()), (200, Some(0)), "{body}");
    let cert = &body["response"];
    for (key, value) in [
        ("imp_uid", json!(imp_uid)),
        ("merchant_uid", json!("cert_1")),
        ("pg_provider", json!("danal")),
        ("name", json!("박지민")),
        ("gender", json!("female")),
        ("birthday", json!("1985-12-31")),
        ("foreigner", json!(false)),
        ("phone", json!("01022223333")),
        ("carrier", json!("SKT")),
        ("certified", json!(true)),
        ("origin", json!(format!("{}/shop", s.base))),
    ] {
        assert_eq!(cert[key], value, "{key}: {cert}");
    }
    assert!(cert["certified_at"].as_i64().unwrap() > 0);
    assert!(cert["pg_tid"].as_str().unwrap().starts_with("danal_"));
    let ci = cert["unique_key"].as_str().unwrap().to_owned();
    let di = cert["unique_in_site"].as_str().unwrap().to_owned();
    assert_eq!((ci.len(), di.len()), (88, 64), "{cert}");
    // The same person again (another verification, the LG U+ app): the same CI and DI.
    let (again, token2) = s.open_v1("mobile", v1_params("cert_2")).await;
    s.choose(&token2, "pass-lgu", form, ANDROID).await;
    assert_eq!(s.outcome(&token2, "approve").await.0, 200);
    let (_, body2) = s.v1_api(reqwest::Method::GET, &again, Some(&api)).await;
    assert_eq!(body2["response"]["unique_key"], ci.as_str());
    assert_eq!(body2["response"]["unique_in_site"], di.as_str());
    assert_eq!(body2["response"]["carrier"], "LGT", "V1 spells LG U+ so");
    // Another person: another CI.
    let (other, token3) = s.open_v1("mobile", v1_params("cert_3")).await;
    s.choose(&token3, "pass-kt", "", ANDROID).await;
    s.outcome(&token3, "approve").await;
    let (_, body3) = s.v1_api(reqwest::Method::GET, &other, Some(&api)).await;
    assert_eq!(body3["response"]["name"], "홍길동", "the sandbox person");
    assert_ne!(body3["response"]["unique_key"], ci.as_str());
    // No token, an unknown id.
    assert_eq!(s.v1_api(reqwest::Method::GET, &imp_uid, None).await.0, 401);
    let (status, missing) = s
        .v1_api(reqwest::Method::GET, "imp_unknown", Some(&api))
        .await;
    assert_eq!(
        (status, missing["code"].as_i64()),
        (404, Some(1)),
        "{missing}"
    );
    // DELETE answers it as it was, then it is gone.
    let (status, deleted) = s
        .v1_api(reqwest::Method::DELETE, &imp_uid, Some(&api))
        .await;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(deleted["response"]["unique_key"], ci.as_str());
    assert_eq!(
        s.v1_api(reqwest::Method::GET, &imp_uid, Some(&api)).await.0,
        404
    );
    assert_eq!(
        s.v1_api(reqwest::Method::DELETE, &imp_uid, Some(&api))
            .await
            .0,
        404
    );
    assert_eq!(
        s.page(&format!("/pg/{token}"), ANDROID).await.0,
        404,
        "its page went too"
    );
}

#[tokio::test]
async fn v1_a_denied_or_cancelled_verification_shows_nobody() {
    let s = sandbox().await;
    let api = support::api_token(&s.http, &s.base).await;
    let (denied, token) = s.open_v1("mobile", v1_params("cert_deny")).await;
    s.choose(&token, "pass-kt", "", ANDROID).await;
    let (status, reported) = s.outcome(&token, "deny").await;
    assert_eq!(
        (status, reported["status"].as_str()),
        (200, Some("failed")),
        "{reported}"
    );
    let location = s.result_location(&token).await;
    let query = query_of(&location);
    assert!(
        query.contains(&("success".to_owned(), "false".to_owned())),
        "{location}"
    );
    assert!(
        query
            .iter()
            .any(|(k, v)| k == "error_msg" && v.contains("거절")),
        "{location}"
    );
    let (_, body) = s.v1_api(reqwest::Method::GET, &denied, Some(&api)).await;
    let cert = &body["response"];
    assert_eq!(cert["certified"], false, "{cert}");
    assert_eq!(cert["certified_at"], 0);
    for key in [
        "name",
        "birthday",
        "phone",
        "carrier",
        "unique_key",
        "unique_in_site",
        "gender",
    ] {
        assert_eq!(cert[key], Value::Null, "{key}: {cert}");
    }
    // Cancelled on the identity page itself.
    let (_, token) = s.open_v1("mobile", v1_params("cert_cancel")).await;
    let (status, _, location) = s.page(&format!("/pg/{token}/pay/cancel"), ANDROID).await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some(format!("/pg/{token}/result").as_str()))
    );
    let location = s.result_location(&token).await;
    assert!(
        query_of(&location)
            .iter()
            .any(|(k, v)| k == "error_msg" && v.contains("취소")),
        "{location}"
    );
}

#[tokio::test]
async fn v1_carrier_and_min_age_shape_what_can_pass() {
    let s = sandbox().await;
    let mut params = v1_params("cert_kt");
    params["carrier"] = json!("KTF");
    params["name"] = json!("최민수");
    params["phone"] = json!("01033334444");
    let (imp_uid, token) = s.open_v1("mobile", params).await;
    let (_, page, _) = s.page(&format!("/pg/{token}"), ANDROID).await;
    assert!(page.contains("id=\"app-pass-kt\""), "{page}");
    assert!(
        !page.contains("id=\"app-pass-skt\"") && !page.contains("id=\"app-pass-lgu\""),
        "{page}"
    );
    // The request fixed the name and phone: shown read-only, a form cannot change them.
    assert!(page.contains("value=\"최민수\" readonly"), "{page}");
    let (status, _) = s.choose(&token, "pass-skt", "", ANDROID).await;
    assert_eq!(status, 404, "SKT is not offered");
    s.choose(
        &token,
        "pass-kt",
        "?name=someone&phone=01099999999",
        ANDROID,
    )
    .await;
    s.outcome(&token, "approve").await;
    let api = support::api_token(&s.http, &s.base).await;
    let (_, body) = s.v1_api(reqwest::Method::GET, &imp_uid, Some(&api)).await;
    assert_eq!(body["response"]["name"], "최민수");
    assert_eq!(body["response"]["phone"], "01033334444");
    assert_eq!(body["response"]["carrier"], "KT");
    // `min_age` above the person's age: approved in PASS, refused by the provider.
    let mut params = v1_params("cert_age");
    params["min_age"] = json!(99);
    let (young, token) = s.open_v1("mobile", params).await;
    s.choose(&token, "pass-skt", "", ANDROID).await;
    let (_, reported) = s.outcome(&token, "approve").await;
    assert_eq!(reported["status"], "failed", "{reported}");
    let location = s.result_location(&token).await;
    assert!(query_of(&location).contains(&("success".to_owned(), "false".to_owned())));
    let (_, body) = s.v1_api(reqwest::Method::GET, &young, Some(&api)).await;
    assert_eq!(body["response"]["certified"], false);
}

#[tokio::test]
async fn v1_pc_checkout_posts_the_callback_rsp_and_a_token_settles_once() {
    let s = sandbox().await;
    let (imp_uid, token) = s.open_v1("pc", json!({"merchant_uid": "cert_pc"})).await;
    // Approving before a PASS app was chosen is refused, and leaves the token usable.
    let (status, refused) = s.outcome(&token, "approve").await;
    assert_eq!(status, 409, "{refused}");
    s.choose(&token, "pass-skt", "", "Mozilla/5.0 (X11; Linux x86_64)")
        .await;
    // The web version of the PASS app names the verification.
    let (_, web, _) = s.page(&format!("/apps/{token}"), ANDROID).await;
    assert!(web.contains("본인인증 / Identity verification"), "{web}");
    assert_eq!(s.outcome(&token, "approve").await.0, 200);
    assert_eq!(s.outcome(&token, "deny").await.0, 409, "used once");
    let (status, page, _) = s
        .page(&format!("/pg/{token}/result"), "Mozilla/5.0 (X11)")
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("data-page=\"pc-result\""), "{page}");
    let data = page
        .split("id=\"payhost-data\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .unwrap();
    let data: Value = serde_json::from_str(data).unwrap();
    let message = &data["message"];
    assert_eq!(
        *message,
        json!({"iamport_sandbox": {"success": true, "imp_uid": imp_uid, "merchant_uid": "cert_pc"}})
    );
}

#[tokio::test]
async fn v2_identity_verification_is_refused_with_the_browser_sdks_codes() {
    let s = sandbox().await;
    let cases: Vec<(Value, bool, &str)> = vec![
        (json!({"storeId": "store-other"}), true, "StoreNotFound"),
        (json!({"identityVerificationId": null}), true, "BadRequest"),
        (
            json!({"channelKey": "channel-key-nope"}),
            true,
            "ChannelNotFound",
        ),
        (
            json!({"channelKey": "channel-key-sandbox-nice"}),
            true,
            "BadRequest",
        ),
        (json!({"redirectUrl": null}), true, "BadRequest"),
        (
            json!({"customer": {"phoneNumber": "0212"}}),
            true,
            "BadRequest",
        ),
        (
            json!({"customer": {"birthYear": "1990"}}),
            true,
            "BadRequest",
        ),
        (
            json!({"bypass": {"danal": {"IsCarrier": "SKT;VERIZON"}}}),
            true,
            "BadRequest",
        ),
        (
            json!({"bypass": {"danal": {"AGELIMIT": "adult"}}}),
            true,
            "BadRequest",
        ),
    ];
    for (change, redirect, code) in cases {
        let mut request = v2_request("iv_refused");
        for (key, value) in change.as_object().unwrap() {
            request[key] = value.clone();
        }
        let (status, answer) =
            support::request_identity_verification(&s.http, &s.base, redirect, request).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (400, Some(code)),
            "{change}: {answer}"
        );
        assert!(answer["message"].is_string());
    }
    // A PC checkout needs no redirectUrl.
    let mut request = v2_request("iv_pc");
    request["redirectUrl"] = Value::Null;
    let (status, answer) =
        support::request_identity_verification(&s.http, &s.base, false, request).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["identityVerificationId"], "iv_pc");
    assert!(answer["identityVerificationTxId"]
        .as_str()
        .unwrap()
        .starts_with("imp_"));
}

#[tokio::test]
async fn v2_a_verification_is_ready_then_verified_with_every_required_field() {
    let s = sandbox().await;
    let token = s.open_v2(v2_request("iv_1")).await;
    // READY: what the request said about the person.
    let (status, ready) = s.v2_get("/v2", "iv_1", Some(SECRET)).await;
    assert_eq!(status, 200, "{ready}");
    no_nulls(&ready, "READY");
    assert_eq!(ready["status"], "READY");
    for key in [
        "id",
        "requestedCustomer",
        "requestedAt",
        "updatedAt",
        "statusChangedAt",
        "version",
    ] {
        assert!(ready.get(key).is_some(), "READY lacks {key}: {ready}");
    }
    assert_eq!(
        ready["requestedCustomer"],
        json!({"id": "customer-1", "name": "김영희", "phoneNumber": "01098765432",
               "birthYear": "1985", "birthMonth": "12", "birthDay": "31"})
    );
    assert_eq!(ready["channel"]["pgProvider"], "DANAL");
    assert_eq!(ready["customData"], "{\"member\":7}");
    // The identity page fixes the request's person; the buyer picks LG U+'s PASS.
    let (_, page, _) = s.page(&format!("/pg/{token}"), ANDROID).await;
    assert!(page.contains("value=\"1985-12-31\" readonly"), "{page}");
    let (status, hand_off) = s
        .choose(&token, "pass-lgu", "?gender=female", ANDROID)
        .await;
    assert_eq!(status, 200);
    assert!(
        hand_off.contains("#Intent;scheme=upluscorporation;package=com.lguplus.smartotp;end"),
        "{hand_off}"
    );
    assert_eq!(s.outcome(&token, "approve").await.1["status"], "certified");
    let location = s.result_location(&token).await;
    let query = query_of(&location);
    assert!(
        location.starts_with("https://shop.example/iv/done?"),
        "{location}"
    );
    assert_eq!(
        query[0],
        ("identityVerificationId".to_owned(), "iv_1".to_owned())
    );
    assert_eq!(query[1].0, "identityVerificationTxId");
    assert_eq!(
        query[2],
        (
            "transactionType".to_owned(),
            "IDENTITY_VERIFICATION".to_owned()
        )
    );
    assert_eq!(query.len(), 3, "no code on success: {location}");
    // VERIFIED, under /v2 and at the root (V2 credentials).
    for prefix in ["/v2", ""] {
        let (status, verified) = s.v2_get(prefix, "iv_1", Some(SECRET)).await;
        assert_eq!(status, 200, "{prefix}: {verified}");
        no_nulls(&verified, "VERIFIED");
        assert_eq!(verified["status"], "VERIFIED");
        for key in [
            "id",
            "verifiedCustomer",
            "requestedAt",
            "updatedAt",
            "statusChangedAt",
            "verifiedAt",
            "pgTxId",
            "pgRawResponse",
            "version",
        ] {
            assert!(
                verified.get(key).is_some(),
                "VERIFIED lacks {key}: {verified}"
            );
        }
        let customer = &verified["verifiedCustomer"];
        assert_eq!(customer["id"], "customer-1");
        assert_eq!(customer["name"], "김영희");
        assert_eq!(customer["operator"], "LGU");
        assert_eq!(customer["phoneNumber"], "01098765432");
        assert_eq!(customer["birthDate"], "1985-12-31");
        assert_eq!(customer["gender"], "FEMALE");
        assert_eq!(customer["isForeigner"], false);
        assert_eq!(customer["ci"].as_str().unwrap().len(), 88);
        assert_eq!(customer["di"].as_str().unwrap().len(), 64);
        assert!(verified["pgRawResponse"].as_str().unwrap().contains("0000"));
        assert_eq!(
            verified["verifiedAt"].as_str().map(|t| t.ends_with('Z')),
            Some(true)
        );
    }
    // Errors: credentials, store, unknown id (also a V1 imp_uid is no V2 id).
    for (auth, code, kind) in [
        (None, 401, "UNAUTHORIZED"),
        (Some("PortOne wrong"), 401, "UNAUTHORIZED"),
    ] {
        let (status, body) = s.v2_get("/v2", "iv_1", auth).await;
        assert_eq!(
            (status, body["type"].as_str()),
            (code, Some(kind)),
            "{body}"
        );
    }
    let (status, body) = send_json(
        s.http
            .get(format!(
                "{}/v2/identity-verifications/iv_1?storeId=store-other",
                s.base
            ))
            .header("Authorization", SECRET),
    )
    .await;
    assert_eq!(
        (status, body["type"].as_str()),
        (403, Some("FORBIDDEN")),
        "{body}"
    );
    let (status, body) = s.v2_get("/v2", "iv_unknown", Some(SECRET)).await;
    assert_eq!(
        (status, body["type"].as_str()),
        (404, Some("IDENTITY_VERIFICATION_NOT_FOUND")),
        "{body}"
    );
    // One success per id: a new attempt is refused before any window opens.
    let (status, again) =
        support::request_identity_verification(&s.http, &s.base, true, v2_request("iv_1")).await;
    assert_eq!(
        (status, again["code"].as_str()),
        (400, Some("IdentityVerificationAlreadyVerified")),
        "{again}"
    );
    // A V2 attempt is not V1's certification.
    let tx_id = query[1].1.clone();
    let api = support::api_token(&s.http, &s.base).await;
    assert_eq!(
        s.v1_api(reqwest::Method::GET, &tx_id, Some(&api)).await.0,
        404
    );
}

#[tokio::test]
async fn v2_failures_are_failed_with_their_reason_and_danal_bypass_applies() {
    let s = sandbox().await;
    let token = s.open_v2(v2_request("iv_cancel")).await;
    s.page(&format!("/pg/{token}/pay/cancel"), ANDROID).await;
    let location = s.result_location(&token).await;
    let query = query_of(&location);
    assert!(
        query.contains(&("code".to_owned(), "FAILURE_TYPE_PG".to_owned())),
        "{location}"
    );
    assert!(
        query
            .iter()
            .any(|(k, v)| k == "message" && v.contains("취소")),
        "{location}"
    );
    let (_, failed) = s.v2_get("/v2", "iv_cancel", Some(SECRET)).await;
    no_nulls(&failed, "FAILED");
    assert_eq!(failed["status"], "FAILED", "{failed}");
    assert!(failed["failure"]["reason"]
        .as_str()
        .unwrap()
        .contains("취소"));
    assert!(failed.get("requestedCustomer").is_some());
    // A failed id may be tried again, and then verified.
    let retry = s.open_v2(v2_request("iv_cancel")).await;
    s.choose(&retry, "pass-skt", "", ANDROID).await;
    s.outcome(&retry, "approve").await;
    assert_eq!(
        s.v2_get("/v2", "iv_cancel", Some(SECRET)).await.1["status"],
        "VERIFIED"
    );
    // bypass.danal: the carriers offered and the minimum age.
    let mut request = v2_request("iv_bypass");
    request["bypass"] = json!({"danal": {"IsCarrier": "KTF;LGT", "AGELIMIT": 99}});
    let token = s.open_v2(request).await;
    let (_, page, _) = s.page(&format!("/pg/{token}"), ANDROID).await;
    assert!(
        page.contains("id=\"app-pass-kt\"")
            && page.contains("id=\"app-pass-lgu\"")
            && !page.contains("id=\"app-pass-skt\""),
        "{page}"
    );
    s.choose(&token, "pass-kt", "", ANDROID).await;
    s.outcome(&token, "approve").await;
    let (_, young) = s.v2_get("/v2", "iv_bypass", Some(SECRET)).await;
    assert_eq!(young["status"], "FAILED", "{young}");
    assert!(young["failure"]["reason"].as_str().unwrap().contains("99"));
    // A PC checkout ends in the Promise's response.
    let mut request = v2_request("iv_pc");
    request["redirectUrl"] = Value::Null;
    let (_, answer) =
        support::request_identity_verification(&s.http, &s.base, false, request).await;
    let token = support::v2_token_of(&answer);
    s.choose(&token, "pass-skt", "", ANDROID).await;
    s.outcome(&token, "approve").await;
    let (_, page, _) = s.page(&format!("/pg/{token}/result"), ANDROID).await;
    let data = page
        .split("id=\"payhost-data\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .unwrap();
    let data: Value = serde_json::from_str(data).unwrap();
    let message = &data["message"];
    assert_eq!(
        *message,
        json!({"portone_sandbox": {"transactionType": "IDENTITY_VERIFICATION",
               "identityVerificationId": "iv_pc",
               "identityVerificationTxId": answer["identityVerificationTxId"]}})
    );
}

#[tokio::test]
async fn the_simulated_pass_app_binary_verifies_and_says_so() {
    let s = sandbox().await;
    let host = s.base.trim_start_matches("http://").to_owned();
    let (imp_uid, token) = s.open_v1("mobile", v1_params("cert_bin")).await;
    // The identity page hands this to PASS by KT (on a desktop: the raw scheme).
    let (_, hand_off) = s.choose(&token, "pass-kt", "", "Mozilla/5.0 (X11)").await;
    let url = format!(
        "ktauthexternalcall://auth?sandbox_txn={token}&sandbox={}",
        host.replace(':', "%3A")
    );
    assert!(hand_off.contains(&url.replace('&', "&amp;")), "{hand_off}");
    let data = tempfile::tempdir().unwrap();
    let data_home = data.path().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        support::sandbox_bin()
            .args(["app", "--auto", "approve", "--no-return", &url])
            .env("XDG_DATA_HOME", &data_home)
            .env_remove("http_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("all_proxy")
            .env_remove("ALL_PROXY")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "approved → certified"
    );
    let log = std::fs::read_to_string(data.path().join("payhost-sandbox/apps.log")).unwrap();
    assert!(log.contains("open ktauthexternalcall PASS (KT)"), "{log}");
    assert!(log.contains("not returning (--no-return)"), "{log}");
    assert!(
        !log.contains("홍길동") && !log.contains("01012345678"),
        "no personal data in the log: {log}"
    );
    let api = support::api_token(&s.http, &s.base).await;
    let (_, body) = s.v1_api(reqwest::Method::GET, &imp_uid, Some(&api)).await;
    assert_eq!(body["response"]["certified"], true);
    assert_eq!(body["response"]["carrier"], "KT");
}
