//! Billing keys through PortOne V2 over real HTTP on loopback: a key issued from card
//! numbers (`POST /billing-keys`), read as the `ISSUED` / `DELETED` union, deleted,
//! and charged (`POST /payments/{paymentId}/billing-key`, a V2 payment readable by
//! `GET /payments/{paymentId}`), each refusal with V2's error type and status; and a
//! key issued in the browser (`requestIssueBillingKey`) through the same PG pages and
//! apps as a payment, ending in `redirectUrl?billingKey=…` or the Promise.

use serde_json::{json, Value};

use crate::billing::{assert_no_card_number, every_stored_text, Sandbox, BAD_CARD};
use crate::support::{self, send_json};

const SECRET: &str = "PortOne sandbox_api_secret";

fn credential(number: &str) -> Value {
    json!({"card": {"credential": {"number": number, "expiryYear": "31", "expiryMonth": "03",
                                   "birthOrBusinessRegistrationNumber": "900101", "passwordTwoDigits": "12"}}})
}

impl Sandbox {
    /// A V2 call with the secret; the body as `text/plain` JSON, as
    /// `@portone/server-sdk` sends it.
    async fn v2(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .header("Authorization", SECRET);
        if let Some(body) = body {
            request = request
                .header("Content-Type", "text/plain;charset=UTF-8")
                .body(body.to_string());
        }
        send_json(request).await
    }

    /// A key issued from [`crate::billing::CARD`].
    async fn issued(&self) -> String {
        let (status, body) = self
            .v2(
                "POST",
                "/v2/billing-keys",
                Some(&json!({"method": credential("4092023012341239"),
                             "channelKey": "channel-key-sandbox-nice",
                             "customer": {"id": "buyer-1", "name": {"full": "홍길동"}, "email": "a@b.c"},
                             "customData": "{\"plan\":\"monthly\"}"})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["billingKeyInfo"]["billingKey"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn issue_with(&self, body: Value) -> (u16, Value) {
        self.v2("POST", "/v2/billing-keys", Some(&body)).await
    }

    async fn pay(&self, payment_id: &str, billing_key: &str, total: i64) -> (u16, Value) {
        self.v2(
            "POST",
            &format!("/v2/payments/{payment_id}/billing-key"),
            Some(&json!({"billingKey": billing_key, "orderName": "월간 구독",
                         "amount": {"total": total}, "currency": "KRW"})),
        )
        .await
    }
}

#[tokio::test]
async fn a_key_issued_from_card_numbers_is_masked_and_reads_as_issued() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let (status, body) = s
        .v2(
            "POST",
            "/v2/billing-keys",
            Some(&json!({"method": credential("4092023012341239")})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let summary = &body["billingKeyInfo"];
    assert!(summary["billingKey"]
        .as_str()
        .unwrap()
        .starts_with("billing-key-"));
    assert_eq!(summary["issuedAt"], "2027-01-15T08:00:00Z");
    assert_eq!(
        summary["channels"][0]["pgProvider"], "NICE_V2",
        "the default channel"
    );
    let key = s.issued().await;
    let (status, info) = s.v2("GET", &format!("/v2/billing-keys/{key}"), None).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["status"], "ISSUED");
    assert_eq!(info["billingKey"], key.as_str());
    assert_eq!(info["storeId"], "store-sandbox-0000");
    assert_eq!(info["merchantId"], "merchant-sandbox-0000");
    assert_eq!(
        info["customer"],
        json!({"id": "buyer-1", "name": "홍길동", "email": "a@b.c"})
    );
    assert_eq!(info["customData"], "{\"plan\":\"monthly\"}");
    assert_eq!(
        info["methods"],
        json!([{"type": "BillingKeyPaymentMethodCard", "card": {
            "brand": "VISA", "bin": "409202", "name": "샌드박스 VISA카드", "number": "4092-02**-****-1239"}}])
    );
    assert!(
        info.get("deletedAt").is_none(),
        "no null, no deletedAt: {info}"
    );
    // At the root too, for `@portone/server-sdk`, which drops a base path.
    let (status, root) = s.v2("GET", &format!("/billing-keys/{key}"), None).await;
    assert_eq!((status, &root), (200, &info));
    assert_no_card_number(&every_stored_text(&s.db), "4092023012341239");
}

#[tokio::test]
async fn issue_refusals_carry_v2_types_and_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let (status, bad) = s
        .issue_with(json!({"method": credential(&BAD_CARD.replace('-', ""))}))
        .await;
    assert_eq!(
        (status, bad["type"].as_str()),
        (502, Some("PG_PROVIDER")),
        "{bad}"
    );
    assert_eq!(
        bad["pgCode"], "SANDBOX",
        "PgProviderError needs pgCode and pgMessage"
    );
    assert!(bad["pgMessage"]
        .as_str()
        .unwrap()
        .starts_with("카드정보 인증에 실패하였습니다."));
    let (status, channel) = s
        .issue_with(json!({"method": credential("4092023012341239"), "channelKey": "nope"}))
        .await;
    assert_eq!(
        (status, channel["type"].as_str()),
        (404, Some("CHANNEL_NOT_FOUND"))
    );
    let (status, easy) = s.issue_with(json!({"method": credential("4092023012341239"), "channelKey": "channel-key-sandbox-kakaopay"})).await;
    assert_eq!(
        (status, easy["type"].as_str()),
        (400, Some("INVALID_REQUEST"))
    );
    let (status, empty) = s.issue_with(json!({})).await;
    assert_eq!(
        (status, empty["type"].as_str()),
        (400, Some("INVALID_REQUEST"))
    );
    let (status, store) = s
        .issue_with(json!({"method": credential("4092023012341239"), "storeId": "store-other"}))
        .await;
    assert_eq!((status, store["type"].as_str()), (403, Some("FORBIDDEN")));
    let (status, unauthorized) = send_json(
        s.http
            .post(format!("{}/v2/billing-keys", s.base))
            .json(&json!({"method": credential("4092023012341239")})),
    )
    .await;
    assert_eq!(
        (status, unauthorized["type"].as_str()),
        (401, Some("UNAUTHORIZED"))
    );
    let (status, unknown) = s.v2("GET", "/v2/billing-keys/billing-key-none", None).await;
    assert_eq!(
        (status, unknown["type"].as_str()),
        (404, Some("BILLING_KEY_NOT_FOUND"))
    );
}

#[tokio::test]
async fn a_key_is_charged_as_a_v2_payment_once_and_a_decline_is_pg_provider() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let key = s.issued().await;
    let (status, paid) = s.pay("pay-bk-1", &key, 9900).await;
    assert_eq!(status, 200, "{paid}");
    let tx = paid["payment"]["pgTxId"].as_str().unwrap().to_owned();
    assert!(tx.starts_with("pgtx_"), "{paid}");
    assert_eq!(paid["payment"]["paidAt"], "2027-01-15T08:00:00Z");
    let (status, payment) = s.v2("GET", "/v2/payments/pay-bk-1", None).await;
    assert_eq!(status, 200, "{payment}");
    assert_eq!(payment["status"], "PAID");
    assert_eq!(payment["billingKey"], key.as_str());
    assert_eq!(payment["amount"]["total"], 9900);
    assert_eq!(payment["origin"]["platformType"], "API");
    assert_eq!(payment["method"]["card"]["number"], "4092-02**-****-1239");
    assert_eq!(
        format!("pgtx_{}", payment["transactionId"].as_str().unwrap()),
        tx
    );
    let (status, twice) = s.pay("pay-bk-1", &key, 9900).await;
    assert_eq!(
        (status, twice["type"].as_str()),
        (409, Some("ALREADY_PAID")),
        "{twice}"
    );
    let (status, declined) = s.pay("pay-bk-2", &key, 9999).await;
    assert_eq!(
        (status, declined["type"].as_str()),
        (502, Some("PG_PROVIDER")),
        "{declined}"
    );
    let (_, failed) = s.v2("GET", "/v2/payments/pay-bk-2", None).await;
    assert_eq!(failed["status"], "FAILED", "{failed}");
    assert!(failed["failure"]["reason"]
        .as_str()
        .unwrap()
        .contains("999"));
    let (status, unknown) = s.pay("pay-bk-3", "billing-key-none", 1000).await;
    assert_eq!(
        (status, unknown["type"].as_str()),
        (404, Some("BILLING_KEY_NOT_FOUND"))
    );
    let (status, no_currency) = s
        .v2(
            "POST",
            "/v2/payments/pay-bk-4/billing-key",
            Some(&json!({"billingKey": key, "orderName": "x", "amount": {"total": 1000}})),
        )
        .await;
    assert_eq!(
        (status, no_currency["type"].as_str()),
        (400, Some("INVALID_REQUEST"))
    );
    // At the root too (`@portone/server-sdk` drops the base path).
    let (status, _) = s
        .v2(
            "POST",
            "/payments/pay-bk-5/billing-key",
            Some(&json!({
            "billingKey": key, "orderName": "x", "amount": {"total": 1000}, "currency": "KRW"})),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_charge_tells_its_notice_url_of_its_approval_and_its_decline_unless_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let key = s.issued().await;
    let (url, received) = support::hook::<Value>().await;
    let body = |total: i64, extra: Value| {
        let mut body = json!({"billingKey": key, "orderName": "월간 구독",
                              "amount": {"total": total}, "currency": "KRW"});
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        body
    };
    let path = |payment_id: &str| format!("/v2/payments/{payment_id}/billing-key");
    let quiet = body(1000, json!({"noticeUrls": [url], "skipWebhook": true}));
    let (status, _) = s.v2("POST", &path("pay-hook-quiet"), Some(&quiet)).await;
    assert_eq!(status, 200);
    let paid = body(9900, json!({"noticeUrls": [url]}));
    let (status, _) = s.v2("POST", &path("pay-hook-paid"), Some(&paid)).await;
    assert_eq!(status, 200);
    let declined = body(9999, json!({"noticeUrls": [url]}));
    let (status, _) = s
        .v2("POST", &path("pay-hook-declined"), Some(&declined))
        .await;
    assert_eq!(status, 502);
    let told = crate::billing::eventually(std::time::Duration::from_secs(10), || {
        let bodies = received.lock().unwrap().clone();
        (bodies.len() >= 2).then_some(bodies)
    })
    .await
    .unwrap_or_else(|| received.lock().unwrap().clone());
    let told: Vec<(&str, &str)> = told
        .iter()
        .filter_map(|hook| Some((hook["type"].as_str()?, hook["data"]["paymentId"].as_str()?)))
        .collect();
    assert_eq!(
        told,
        [
            ("Transaction.Paid", "pay-hook-paid"),
            ("Transaction.Failed", "pay-hook-declined")
        ]
    );
    // No webhook with an empty list; one URL at most, and a web one.
    let (status, _) = s
        .v2(
            "POST",
            &path("pay-hook-none"),
            Some(&body(1000, json!({"noticeUrls": []}))),
        )
        .await;
    assert_eq!(status, 200);
    for urls in [json!([url, url]), json!(["ftp://127.0.0.1/hook"])] {
        let (status, refused) = s
            .v2(
                "POST",
                &path("pay-hook-refused"),
                Some(&body(1000, json!({"noticeUrls": urls}))),
            )
            .await;
        assert_eq!(
            (status, refused["type"].as_str()),
            (400, Some("INVALID_REQUEST")),
            "{refused}"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        received.lock().unwrap().len(),
        2,
        "the quiet charge told nobody"
    );
}

#[tokio::test]
async fn a_deleted_key_reads_as_deleted_and_can_be_neither_deleted_nor_charged_again() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let key = s.issued().await;
    s.advance(120);
    let (status, deleted) = s
        .v2(
            "DELETE",
            &format!("/v2/billing-keys/{key}?storeId=store-sandbox-0000&reason=%ED%95%B4%EC%A7%80"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(deleted, json!({"deletedAt": "2027-01-15T08:02:00Z"}));
    let (_, info) = s.v2("GET", &format!("/v2/billing-keys/{key}"), None).await;
    assert_eq!(info["status"], "DELETED");
    assert_eq!(info["deletedAt"], "2027-01-15T08:02:00Z");
    assert_eq!(info["issuedAt"], "2027-01-15T08:00:00Z");
    let (status, again) = s
        .v2("DELETE", &format!("/v2/billing-keys/{key}"), None)
        .await;
    assert_eq!(
        (status, again["type"].as_str()),
        (409, Some("BILLING_KEY_ALREADY_DELETED"))
    );
    let (status, charged) = s.pay("pay-after-delete", &key, 1000).await;
    assert_eq!(
        (status, charged["type"].as_str()),
        (409, Some("BILLING_KEY_ALREADY_DELETED"))
    );
    let (status, unknown) = s
        .v2("DELETE", "/v2/billing-keys/billing-key-none", None)
        .await;
    assert_eq!(
        (status, unknown["type"].as_str()),
        (404, Some("BILLING_KEY_NOT_FOUND"))
    );
}

/// `requestIssueBillingKey`'s argument the sandbox accepts; tests change what they test.
fn issue_request() -> Value {
    json!({
        "storeId": "store-sandbox-0000",
        "channelKey": "channel-key-sandbox-nice",
        "billingKeyMethod": "CARD",
        "issueName": "월간 구독 카드 등록",
        "issueId": "issue-1",
        "customer": {"customerId": "buyer-1", "fullName": "홍길동"},
        "redirectUrl": "https://shop.example/billing/done?from=app#top"
    })
}

impl Sandbox {
    /// What `portone-v2.js` posts for `requestIssueBillingKey`.
    async fn browser_issue(&self, device: &str, redirect: bool, request: &Value) -> (u16, Value) {
        support::post_json(
            &self.http,
            &format!("{}/v2/checkout", self.base),
            &json!({"kind": "issueBillingKey", "device": device, "redirect": redirect, "request": request}),
        )
        .await
    }

    async fn open_issue(&self, device: &str, redirect: bool) -> String {
        let (status, answer) = self.browser_issue(device, redirect, &issue_request()).await;
        assert_eq!(status, 200, "{answer}");
        answer["pgUrl"]
            .as_str()
            .unwrap()
            .trim_start_matches("/pg/")
            .to_owned()
    }

    /// Where the PG result page of `token` sends the buyer.
    async fn result_location(&self, token: &str) -> String {
        let (status, _, location) =
            support::send_page(self.http.get(format!("{}/pg/{token}/result", self.base))).await;
        assert_eq!(status, 303, "a redirect");
        location.unwrap()
    }
}

fn query_of(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn the_browser_issue_is_refused_before_any_window_as_v2_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let with = |field: &str, value: Value| {
        let mut request = issue_request();
        request[field] = value;
        request
    };
    for (request, code) in [
        (with("storeId", Value::Null), "BadRequest"),
        (with("storeId", json!("store-other")), "StoreNotFound"),
        (with("channelKey", json!("nope")), "ChannelNotFound"),
        (
            with("channelKey", json!("channel-key-sandbox-kakaopay")),
            "BadRequest",
        ),
        (with("billingKeyMethod", json!("MOBILE")), "BadRequest"),
        (with("billingKeyMethod", Value::Null), "BadRequest"),
        (with("redirectUrl", Value::Null), "BadRequest"),
        (
            with("redirectUrl", json!("javascript:alert(1)")),
            "BadRequest",
        ),
    ] {
        let (status, answer) = s.browser_issue("mobile", true, &request).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (400, Some(code)),
            "{request}: {answer}"
        );
    }
    // `BILLING_KEY_METHOD_CARD` is CARD; a PC without a redirect needs no redirectUrl.
    let (status, _) = s
        .browser_issue(
            "pc",
            false,
            &with("billingKeyMethod", json!("BILLING_KEY_METHOD_CARD")),
        )
        .await;
    assert_eq!(status, 200);
    let (status, answer) = s
        .browser_issue("pc", false, &with("redirectUrl", Value::Null))
        .await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn a_key_issued_in_the_browser_through_an_app_card_ends_at_redirect_url() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let token = s.open_issue("mobile", true).await;
    let (_, page, _) = support::send_page(s.http.get(format!("{}/pg/{token}", s.base))).await;
    assert!(
        page.contains("월간 구독 카드 등록"),
        "the PG page names the issue"
    );
    assert!(page.contains("id=\"app-shinhan\""), "card apps are offered");
    assert!(!page.contains("id=\"app-bankpay\""), "a key is a card's");
    let (_, info) = send_json(s.http.get(format!("{}/sandbox/txn/{token}", s.base))).await;
    assert_eq!(info["status"], "ready");
    assert_eq!(info["amount"], 0);
    let billing_key = info["imp_uid"].as_str().unwrap().to_owned();
    // Not issued yet: not found, and not deletable.
    let (status, waiting) = s
        .v2("GET", &format!("/v2/billing-keys/{billing_key}"), None)
        .await;
    assert_eq!(
        (status, waiting["type"].as_str()),
        (404, Some("BILLING_KEY_NOT_FOUND"))
    );
    let (status, not_issued) = s
        .v2("DELETE", &format!("/v2/billing-keys/{billing_key}"), None)
        .await;
    assert_eq!(
        (status, not_issued["type"].as_str()),
        (404, Some("BILLING_KEY_NOT_ISSUED"))
    );
    assert_eq!(
        support::choose(&s.http, &s.base, &token, "shinhan").await,
        200
    );
    let (status, reported) = support::outcome(&s.http, &s.base, &token, "approve").await;
    assert_eq!(
        (status, reported["status"].as_str()),
        (200, Some("paid")),
        "{reported}"
    );
    let location = s.result_location(&token).await;
    assert!(
        location.starts_with("https://shop.example/billing/done?from=app&billingKey="),
        "{location}"
    );
    assert!(location.ends_with("#top"), "{location}");
    let query = query_of(&location);
    assert!(query.contains(&("billingKey".to_owned(), billing_key.clone())));
    assert!(query.contains(&("transactionType".to_owned(), "ISSUE_BILLING_KEY".to_owned())));
    assert!(!query.iter().any(|(k, _)| k == "code"), "{location}");
    let (status, info) = s
        .v2("GET", &format!("/v2/billing-keys/{billing_key}"), None)
        .await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["status"], "ISSUED");
    assert_eq!(info["issueId"], "issue-1");
    assert_eq!(info["issueName"], "월간 구독 카드 등록");
    assert_eq!(info["methods"][0]["card"]["name"], "신한카드");
    assert_eq!(info["customer"]["id"], "buyer-1");
    let (status, _) = s.pay("pay-browser-key", &billing_key, 9900).await;
    assert_eq!(status, 200, "the issued key is charged");
    // The token settled the issue once.
    let (status, _) = support::outcome(&s.http, &s.base, &token, "approve").await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn a_declined_browser_issue_redirects_with_code_and_a_cancelled_pc_one_resolves_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(dir.path(), false).await;
    let token = s.open_issue("mobile", true).await;
    support::choose(&s.http, &s.base, &token, "declined").await;
    let location = s.result_location(&token).await;
    let query = query_of(&location);
    assert!(query.contains(&("transactionType".to_owned(), "ISSUE_BILLING_KEY".to_owned())));
    assert!(
        query.contains(&("code".to_owned(), "FAILURE_TYPE_PG".to_owned())),
        "{location}"
    );
    assert!(
        query
            .iter()
            .any(|(k, v)| k == "message" && v.contains("거절")),
        "{location}"
    );
    let billing_key = query
        .iter()
        .find(|(k, _)| k == "billingKey")
        .map(|(_, v)| v.clone())
        .unwrap();
    let (status, _) = s
        .v2("GET", &format!("/v2/billing-keys/{billing_key}"), None)
        .await;
    assert_eq!(status, 404, "a refused key was never issued");
    // On a PC the result page posts the Promise's response to the merchant's page.
    let token = s.open_issue("pc", false).await;
    support::choose(&s.http, &s.base, &token, "cancel").await;
    let (status, page, _) =
        support::send_page(s.http.get(format!("{}/pg/{token}/result", s.base))).await;
    assert_eq!(status, 200);
    let data = page
        .split("<script type=\"application/json\" id=\"payhost-data\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .unwrap();
    let data: Value = serde_json::from_str(data).unwrap();
    let response = &data["message"]["portone_sandbox"];
    assert_eq!(response["transactionType"], "ISSUE_BILLING_KEY", "{data}");
    assert_eq!(response["code"], "FAILURE_TYPE_PG");
    assert!(response["billingKey"]
        .as_str()
        .unwrap()
        .starts_with("billing-key-"));
    assert!(
        response.get("txId").is_none(),
        "an issue's response, not a payment's"
    );
}
