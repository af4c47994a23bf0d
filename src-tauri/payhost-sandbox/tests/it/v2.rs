//! PortOne V2 over real HTTP on loopback with the whole sandbox: the browser
//! checkout's validation and its redirect, the REST API's authentication, its
//! status union, pre-registration and cancellation, and its error types.

use serde_json::{json, Value};

use crate::support::{self, client, send_json, send_page};

const SECRET: &str = "PortOne sandbox_api_secret";

struct V2 {
    base: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn sandbox() -> V2 {
    let dir = tempfile::tempdir().unwrap();
    V2 {
        base: support::start(&support::config(dir.path())).await,
        http: client(),
        _dir: dir,
    }
}

/// A `requestPayment` argument the sandbox accepts; tests change what they test.
fn request(payment_id: &str, amount: i64) -> Value {
    json!({
        "storeId": "store-sandbox-0000",
        "channelKey": "channel-key-sandbox-nice",
        "paymentId": payment_id,
        "orderName": "V2 주문",
        "totalAmount": amount,
        "currency": "KRW",
        "payMethod": "CARD",
        "redirectUrl": "https://shop.example/v2/done?from=app#top",
        "customer": { "fullName": "홍길동", "email": "buyer@example.com" },
        "customData": { "item": "coffee" }
    })
}

impl V2 {
    /// What `portone-v2.js` posts for `requestPayment` on a phone (a redirect).
    async fn checkout(&self, request: &Value) -> (u16, Value) {
        self.checkout_on("mobile", true, request).await
    }

    async fn checkout_on(&self, device: &str, redirect: bool, request: &Value) -> (u16, Value) {
        support::post_json(
            &self.http,
            &format!("{}/v2/checkout", self.base),
            &json!({ "kind": "payment", "device": device, "redirect": redirect, "request": request }),
        )
        .await
    }

    /// A checkout that opened: its token.
    async fn open(&self, payment_id: &str, amount: i64) -> String {
        let (status, answer) = self.checkout(&request(payment_id, amount)).await;
        assert_eq!(status, 200, "{answer}");
        answer["pgUrl"]
            .as_str()
            .unwrap()
            .trim_start_matches("/pg/")
            .to_owned()
    }

    /// A payment approved in the ISP app: its token.
    async fn paid(&self, payment_id: &str, amount: i64) -> String {
        let token = self.open(payment_id, amount).await;
        assert_eq!(
            support::settle(&self.http, &self.base, &token, "approve")
                .await
                .0,
            200
        );
        token
    }

    /// `GET {path}` of the V2 API at `prefix` (`/v2` or the root) with `auth`.
    async fn get(&self, prefix: &str, path: &str, auth: Option<&str>) -> (u16, Value) {
        let mut request = self.http.get(format!("{}{prefix}{path}", self.base));
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        send_json(request).await
    }

    /// `POST {path}` of the V2 API with the secret, the body as `text/plain` JSON (as
    /// `@portone/server-sdk` sends it).
    async fn post(&self, prefix: &str, path: &str, body: &Value) -> (u16, Value) {
        send_json(
            self.http
                .post(format!("{}{prefix}{path}", self.base))
                .header("Authorization", SECRET)
                .header("Content-Type", "text/plain;charset=UTF-8")
                .body(body.to_string()),
        )
        .await
    }

    async fn payment(&self, payment_id: &str) -> Value {
        let (status, payment) = self
            .get("/v2", &format!("/payments/{payment_id}"), Some(SECRET))
            .await;
        assert_eq!(status, 200, "{payment}");
        payment
    }
}

#[tokio::test]
async fn the_api_needs_the_secret_or_a_token_traded_for_it() {
    let s = sandbox().await;
    s.paid("pay_auth", 1000).await;
    for auth in [None, Some("PortOne wrong"), Some("Bearer portone_forged")] {
        let (status, body) = s.get("/v2", "/payments/pay_auth", auth).await;
        assert_eq!(
            (status, body["type"].as_str()),
            (401, Some("UNAUTHORIZED")),
            "{auth:?}: {body}"
        );
    }
    assert_eq!(
        s.get("/v2", "/payments/pay_auth", Some(SECRET)).await.0,
        200
    );
    // The scheme in any case (RFC 9110 §11.1).
    assert_eq!(
        s.get(
            "/v2",
            "/payments/pay_auth",
            Some("portone sandbox_api_secret")
        )
        .await
        .0,
        200
    );
    let (status, login) = s
        .post(
            "/v2",
            "/login/api-secret",
            &json!({"apiSecret": "sandbox_api_secret"}),
        )
        .await;
    assert_eq!(status, 200, "{login}");
    let bearer = format!("Bearer {}", login["accessToken"].as_str().unwrap());
    assert!(login["refreshToken"].is_string());
    assert_eq!(
        s.get("/v2", "/payments/pay_auth", Some(&bearer)).await.0,
        200
    );
    let (status, refused) = s
        .post("/v2", "/login/api-secret", &json!({"apiSecret": "nope"}))
        .await;
    assert_eq!(
        (status, refused["type"].as_str()),
        (401, Some("UNAUTHORIZED"))
    );
}

#[tokio::test]
async fn the_root_serves_v2_to_v2_credentials_and_v1_to_v1_ones() {
    // `@portone/server-sdk` drops the base path: its calls reach the root.
    let s = sandbox().await;
    s.paid("pay_root", 1000).await;
    let (status, payment) = s.get("", "/payments/pay_root", Some(SECRET)).await;
    assert_eq!(
        (status, payment["status"].as_str()),
        (200, Some("PAID")),
        "{payment}"
    );
    // A V1 token at the same path is V1's `GET /payments/{imp_uid}`.
    let token = support::api_token(&s.http, &s.base).await;
    let tx_id = payment["transactionId"].as_str().unwrap();
    let (status, v1) = s.get("", &format!("/payments/{tx_id}"), Some(&token)).await;
    assert_eq!((status, v1["code"].as_i64()), (200, Some(0)), "{v1}");
    assert_eq!(v1["response"]["merchant_uid"], "pay_root");
    // V2-only paths at the root.
    let (status, _) = s
        .post(
            "",
            "/payments/pay_root/cancel",
            &json!({"reason": "root", "amount": 100}),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_payment_is_one_variant_of_the_status_union_at_each_step() {
    let s = sandbox().await;
    // READY: the window is open.
    s.open("pay_union", 11_000).await;
    let ready = s.payment("pay_union").await;
    assert_eq!(ready["status"], "READY", "{ready}");
    for key in [
        "id",
        "transactionId",
        "merchantId",
        "storeId",
        "version",
        "requestedAt",
        "updatedAt",
        "statusChangedAt",
        "orderName",
        "amount",
        "currency",
        "customer",
        "origin",
    ] {
        assert!(
            ready.get(key).is_some_and(|v| !v.is_null()),
            "READY lacks {key}: {ready}"
        );
    }
    assert!(
        ready.as_object().unwrap().values().all(|v| !v.is_null()),
        "no nulls: {ready}"
    );
    assert_eq!(ready["amount"]["total"], 11_000);
    assert_eq!(ready["amount"]["paid"], 0);
    assert_eq!(ready["customer"]["name"], "홍길동");
    assert_eq!(ready["customData"], "{\"item\":\"coffee\"}");
    assert_eq!(ready["version"], "V2");
    // PAID through the ISP app.
    let token = s.open("pay_union_paid", 11_000).await;
    support::settle(&s.http, &s.base, &token, "approve").await;
    let paid = s.payment("pay_union_paid").await;
    assert_eq!(paid["status"], "PAID", "{paid}");
    assert_eq!(paid["amount"]["paid"], 11_000);
    assert_eq!(paid["disputes"], json!([]));
    assert_eq!(paid["channel"]["pgProvider"], "NICE_V2");
    assert_eq!(paid["method"]["type"], "PaymentMethodCard");
    assert!(paid["paidAt"].as_str().unwrap().ends_with('Z'), "{paid}");
    // PARTIAL_CANCELLED, then CANCELLED.
    let (status, cancelled) = s
        .post(
            "/v2",
            "/payments/pay_union_paid/cancel",
            &json!({"reason": "부분 환불", "amount": 1000}),
        )
        .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["cancellation"]["status"], "SUCCEEDED");
    assert_eq!(cancelled["cancellation"]["totalAmount"], 1000);
    assert_eq!(
        s.payment("pay_union_paid").await["status"],
        "PARTIAL_CANCELLED"
    );
    let (status, _) = s
        .post(
            "/v2",
            "/payments/pay_union_paid/cancel",
            &json!({"reason": "전액 환불"}),
        )
        .await;
    assert_eq!(status, 200);
    let whole = s.payment("pay_union_paid").await;
    assert_eq!(whole["status"], "CANCELLED", "{whole}");
    assert_eq!(whole["cancellations"].as_array().unwrap().len(), 2);
    assert_eq!(whole["amount"]["cancelled"], 11_000);
    // FAILED: a declined card.
    let token = s.open("pay_union_failed", 5_000).await;
    support::choose(&s.http, &s.base, &token, "declined").await;
    let failed = s.payment("pay_union_failed").await;
    assert_eq!(failed["status"], "FAILED", "{failed}");
    assert!(failed["failure"].is_object() && failed["failedAt"].is_string());
    // VIRTUAL_ACCOUNT_ISSUED.
    let mut vbank = request("pay_union_vbank", 7_000);
    vbank["payMethod"] = json!("VIRTUAL_ACCOUNT");
    let (_, opened) = s.checkout(&vbank).await;
    let token = opened["pgUrl"]
        .as_str()
        .unwrap()
        .trim_start_matches("/pg/")
        .to_owned();
    support::choose(&s.http, &s.base, &token, "vbank").await;
    let issued = s.payment("pay_union_vbank").await;
    assert_eq!(issued["status"], "VIRTUAL_ACCOUNT_ISSUED", "{issued}");
    assert_eq!(issued["method"]["type"], "PaymentMethodVirtualAccount");
    assert!(issued["method"]["accountNumber"].is_string());
    // An unknown paymentId.
    let (status, missing) = s.get("/v2", "/payments/pay_nowhere", Some(SECRET)).await;
    assert_eq!(
        (status, missing["type"].as_str()),
        (404, Some("PAYMENT_NOT_FOUND"))
    );
}

#[tokio::test]
async fn a_pre_registered_amount_refuses_a_payment_of_another() {
    let s = sandbox().await;
    let (status, body) = s
        .post(
            "/v2",
            "/payments/pay_pre/pre-register",
            &json!({"totalAmount": 12_900, "currency": "KRW"}),
        )
        .await;
    assert_eq!((status, body), (200, json!({})));
    let (status, refused) = s.checkout(&request("pay_pre", 11_900)).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (400, Some("AmountNotEqualToPredefined")),
        "{refused}"
    );
    s.paid("pay_pre", 12_900).await;
    assert_eq!(s.payment("pay_pre").await["status"], "PAID");
    // A paid payment cannot be registered again, nor paid twice.
    let (status, again) = s
        .post(
            "/v2",
            "/payments/pay_pre/pre-register",
            &json!({"totalAmount": 100}),
        )
        .await;
    assert_eq!(
        (status, again["type"].as_str()),
        (409, Some("ALREADY_PAID"))
    );
    let (status, twice) = s.checkout(&request("pay_pre", 12_900)).await;
    assert_eq!(
        (status, twice["code"].as_str()),
        (400, Some("PaymentAlreadyPaid"))
    );
}

#[tokio::test]
async fn a_cancellation_is_refused_with_its_v2_error_type() {
    let s = sandbox().await;
    s.open("pay_ready", 3_000).await;
    s.paid("pay_cancel", 3_000).await;
    for (payment_id, body, status, kind) in [
        (
            "pay_nowhere",
            json!({"reason": "x"}),
            404,
            "PAYMENT_NOT_FOUND",
        ),
        ("pay_ready", json!({"reason": "x"}), 409, "PAYMENT_NOT_PAID"),
        ("pay_cancel", json!({}), 400, "INVALID_REQUEST"),
        (
            "pay_cancel",
            json!({"reason": "x", "amount": 3_001}),
            409,
            "CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT",
        ),
        (
            "pay_cancel",
            json!({"reason": "x", "currentCancellableAmount": 10}),
            409,
            "CANCELLABLE_AMOUNT_CONSISTENCY_BROKEN",
        ),
    ] {
        let (got, answer) = s
            .post("/v2", &format!("/payments/{payment_id}/cancel"), &body)
            .await;
        assert_eq!(
            (got, answer["type"].as_str()),
            (status, Some(kind)),
            "{payment_id} {body}: {answer}"
        );
        assert!(answer["message"].is_string());
    }
    assert_eq!(
        s.post(
            "/v2",
            "/payments/pay_cancel/cancel",
            &json!({"reason": "x"})
        )
        .await
        .0,
        200
    );
    let (status, again) = s
        .post(
            "/v2",
            "/payments/pay_cancel/cancel",
            &json!({"reason": "x"}),
        )
        .await;
    assert_eq!(
        (status, again["type"].as_str()),
        (409, Some("PAYMENT_ALREADY_CANCELLED"))
    );
}

#[tokio::test]
async fn the_browser_checkout_refuses_what_v2_refuses_before_any_window() {
    let s = sandbox().await;
    let with = |change: &dyn Fn(&mut Value)| {
        let mut request = request("pay_checked", 1_000);
        change(&mut request);
        request
    };
    let cases: Vec<(Value, &str)> = vec![
        (
            with(&|r| {
                r.as_object_mut().unwrap().remove("storeId");
            }),
            "BadRequest",
        ),
        (
            with(&|r| r["storeId"] = json!("store-other")),
            "StoreNotFound",
        ),
        (
            with(&|r| r["channelKey"] = json!("channel-key-nowhere")),
            "ChannelNotFound",
        ),
        (
            with(&|r| {
                r.as_object_mut().unwrap().remove("paymentId");
            }),
            "BadRequest",
        ),
        (
            with(&|r| {
                r.as_object_mut().unwrap().remove("orderName");
            }),
            "BadRequest",
        ),
        (with(&|r| r["totalAmount"] = json!("1000")), "BadRequest"),
        (with(&|r| r["totalAmount"] = json!(0)), "BadRequest"),
        (with(&|r| r["taxFreeAmount"] = json!(2_000)), "BadRequest"),
        (with(&|r| r["currency"] = json!("USD")), "BadRequest"),
        (with(&|r| r["payMethod"] = json!("EASY_PAY")), "BadRequest"),
        (with(&|r| r["payMethod"] = json!("PAYPAL")), "BadRequest"),
        (
            with(&|r| {
                r.as_object_mut().unwrap().remove("redirectUrl");
            }),
            "BadRequest",
        ),
        (
            with(&|r| r["redirectUrl"] = json!("javascript:alert(1)")),
            "BadRequest",
        ),
        (
            with(&|r| r["appScheme"] = json!("not a scheme")),
            "BadRequest",
        ),
    ];
    for (request, code) in cases {
        let (status, answer) = s.checkout(&request).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (400, Some(code)),
            "{request}: {answer}"
        );
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // KakaoPay through its channel, and the PC Promise needs no redirectUrl.
    let mut kakao = request("pay_kakao", 1_000);
    kakao["channelKey"] = json!("channel-key-sandbox-kakaopay");
    kakao["payMethod"] = json!("EASY_PAY");
    kakao["easyPay"] = json!({"easyPayProvider": "EASY_PAY_PROVIDER_KAKAOPAY"});
    kakao.as_object_mut().unwrap().remove("redirectUrl");
    let (status, opened) = s.checkout_on("pc", false, &kakao).await;
    assert_eq!(status, 200, "{opened}");
    assert_eq!(opened["paymentId"], "pay_kakao");
    // Nothing was created for a refused request.
    assert_eq!(
        s.get("/v2", "/payments/pay_checked", Some(SECRET)).await.0,
        404
    );
}

#[tokio::test]
async fn a_redirect_checkout_ends_at_redirect_url_with_the_v2_query() {
    let s = sandbox().await;
    let token = s.paid("pay_redirect", 2_000).await;
    let (status, _, location) =
        send_page(s.http.get(format!("{}/pg/{token}/result", s.base))).await;
    let tx_id = s.payment("pay_redirect").await["transactionId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some(format!("https://shop.example/v2/done?from=app&paymentId=pay_redirect&transactionType=PAYMENT&txId={tx_id}#top").as_str())
    );
    // A declined card: the same query with `code` and `message`.
    let token = s.open("pay_redirect_declined", 2_000).await;
    support::choose(&s.http, &s.base, &token, "declined").await;
    let (_, _, location) = send_page(s.http.get(format!("{}/pg/{token}/result", s.base))).await;
    let location = location.unwrap();
    assert!(
        location.contains("paymentId=pay_redirect_declined&transactionType=PAYMENT"),
        "{location}"
    );
    assert!(
        location.contains("&code=FAILURE_TYPE_PG&message="),
        "{location}"
    );
}

#[tokio::test]
async fn a_pc_checkout_posts_the_promise_response_to_the_merchant_page() {
    let s = sandbox().await;
    let mut pc = request("pay_pc", 4_000);
    pc.as_object_mut().unwrap().remove("redirectUrl");
    let (status, opened) = s.checkout_on("pc", false, &pc).await;
    assert_eq!(status, 200, "{opened}");
    let token = opened["pgUrl"]
        .as_str()
        .unwrap()
        .trim_start_matches("/pg/")
        .to_owned();
    support::settle(&s.http, &s.base, &token, "approve").await;
    let (status, page, location) =
        send_page(s.http.get(format!("{}/pg/{token}/result", s.base))).await;
    assert_eq!((status, location), (200, None));
    let open = "<script type=\"application/json\" id=\"payhost-data\">";
    let start = page.find(open).unwrap() + open.len();
    let data: Value =
        serde_json::from_str(&page[start..start + page[start..].find("</script>").unwrap()])
            .unwrap();
    let response = &data["message"]["portone_sandbox"];
    assert_eq!(response["transactionType"], "PAYMENT", "{data}");
    assert_eq!(response["paymentId"], "pay_pc");
    assert_eq!(response["txId"], opened["txId"]);
    assert!(
        response.get("code").is_none(),
        "no code on success: {response}"
    );
}

#[tokio::test]
async fn the_browser_sdk_stand_in_is_served() {
    let s = sandbox().await;
    let (status, script, _) = send_page(s.http.get(format!("{}/v2/browser-sdk.js", s.base))).await;
    assert_eq!(status, 200);
    for function in [
        "requestPayment",
        "requestIssueBillingKey",
        "requestIdentityVerification",
    ] {
        assert!(script.contains(function), "{function}");
    }
}
