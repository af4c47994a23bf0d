//! The shop's subscription (정기구독) pages and routes: its section of the shop page
//! (the plan, priced here, and a button whose script, `assets/subscribe.js`, starts
//! a registration and calls `IMP.request_pay` with the shop's `customer_uid` and
//! `amount: 0`), the registration's landing (`/subscriptions/complete`, where the
//! server verifies it and charges the first month), the subscription's page (its
//! card and charges; `assets/subscription.js` reloads it while a scheduled charge is
//! on its way) and the button that schedules the next charge. HTTP in, HTTP out: what
//! they decide comes from `registration`, what they store from `cards`.

use axum::extract::{OriginalUri, Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::cards::{CardStatus, PLAN_NAME, PLAN_PRICE};
use super::orders::OrderStatus;
use super::registration::{Subscription, SCHEDULE_DELAY_SECS};
use super::shop::IAMPORT_API;
use super::{MerchantError, MerchantState};
use crate::apps::encode_component;
use crate::pages::{escape, page, won, Script};
use crate::v2::model::rfc3339;

/// The shop page's subscription section (appended to the shop page by `shop`).
pub(super) fn section(state: &MerchantState) -> String {
    format!(
        "<section id=\"subscription\" data-app-scheme=\"{scheme}\">\
         <h2>정기구독 / Subscription</h2>\
         <p id=\"plan\">{plan} · 월 {price} / {price} a month</p>\
         <p class=\"tag\">카드를 등록하면(0원 결제) 첫 달 요금을 바로 결제합니다 / registering a card (a 0원 payment) charges the first month at once</p>\
         <button id=\"subscribe\">카드 등록하고 구독하기 / Register a card and subscribe</button>\
         <p id=\"subscribe-error\"></p></section>\
         <script src=\"/assets/{script}\"></script>",
        scheme = escape(state.app_scheme.as_deref().unwrap_or_default()),
        plan = escape(PLAN_NAME),
        price = won(PLAN_PRICE),
        script = Script::Subscribe.name(),
    )
}

/// Where the merchant's routes are mounted (`/shop` in the sandbox), from the
/// request: its original path less the path the router saw.
fn mount(original: &Uri, seen: &Uri) -> String {
    original
        .path()
        .strip_suffix(seen.path())
        .unwrap_or_default()
        .to_owned()
}

/// The merchant's webhook (`notice_url`) on the host the request reached.
fn webhook_url(headers: &HeaderMap, mount: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}{mount}/payments/webhook")
}

/// What `POST /subscriptions` answers the shop's script: what to pass to
/// `IMP.request_pay`.
#[derive(Debug, Serialize)]
struct Registration<'a> {
    customer_uid: &'a str,
    merchant_uid: &'a str,
    name: &'a str,
    amount: i64,
}

#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

/// `POST /subscriptions`: a new subscription's card, waiting for its registration.
pub(super) async fn start(State(state): State<MerchantState>) -> Response {
    match state.new_card() {
        Ok(card) => Json(Registration {
            customer_uid: &card.customer_uid,
            merchant_uid: &card.registration_uid,
            name: "정기구독 카드 등록 / Card registration for the subscription",
            amount: 0,
        })
        .into_response(),
        Err(err) => (
            err.status_code(),
            Json(ErrorBody {
                error: &err.to_string(),
            }),
        )
            .into_response(),
    }
}

/// The query a registration lands with (`m_redirect_url`).
#[derive(Debug, Deserialize)]
pub(super) struct CompleteQuery {
    imp_uid: Option<String>,
    merchant_uid: Option<String>,
    error_msg: Option<String>,
}

fn error_page(title: &str, detail: &str, mount: &str) -> Html<String> {
    page(
        title,
        "subscription",
        &format!(
            "<p id=\"registration\" class=\"tag\" data-status=\"error\">카드 등록 / card registration: error</p>\
             <p id=\"detail\" class=\"verdict\">{}</p>\
             <p><a id=\"back-to-shop\" class=\"secondary\" href=\"{}\">상점으로 / Back to the shop</a></p>",
            escape(detail),
            escape(if mount.is_empty() { "/" } else { mount }),
        ),
    )
}

/// `GET /subscriptions/complete`: the registration verified through the API, the
/// first month charged and verified.
pub(super) async fn complete(
    State(state): State<MerchantState>,
    headers: HeaderMap,
    OriginalUri(original): OriginalUri,
    uri: Uri,
    Query(query): Query<CompleteQuery>,
) -> Html<String> {
    let mount = mount(&original, &uri);
    let no_payment = !query.imp_uid.as_deref().is_some_and(|u| !u.is_empty());
    if let (true, Some(message)) = (no_payment, query.error_msg.as_deref()) {
        // Refused before a payment existed: a failure the query may report, since
        // it grants nothing.
        if !message.is_empty() {
            return error_page(
                "카드 등록에 실패했습니다 / Card registration failed",
                message,
                &mount,
            );
        }
    }
    let notice_url = webhook_url(&headers, &mount);
    match state
        .complete_registration(
            query.imp_uid.as_deref(),
            query.merchant_uid.as_deref(),
            &notice_url,
        )
        .await
    {
        Ok(subscription) => subscription_page(&subscription, &mount),
        Err(err) => error_page(
            "카드 등록을 확인하지 못했습니다 / Could not verify the registration",
            &err.to_string(),
            &mount,
        ),
    }
}

/// `GET /subscriptions/{customer_uid}`: the subscription's card and charges.
pub(super) async fn show(
    State(state): State<MerchantState>,
    OriginalUri(original): OriginalUri,
    uri: Uri,
    UrlPath(customer_uid): UrlPath<String>,
) -> Response {
    let mount = mount(&original, &uri);
    match state.subscription(&customer_uid) {
        Ok(subscription) => subscription_page(&subscription, &mount).into_response(),
        Err(err) => (
            err.status_code(),
            error_page(
                "구독을 찾을 수 없습니다 / Unknown subscription",
                &err.to_string(),
                &mount,
            ),
        )
            .into_response(),
    }
}

/// `POST /subscriptions/{customer_uid}/next`: the next charge scheduled, then the
/// subscription's page (which reloads until the charge is decided).
pub(super) async fn next(
    State(state): State<MerchantState>,
    headers: HeaderMap,
    OriginalUri(original): OriginalUri,
    uri: Uri,
    UrlPath(customer_uid): UrlPath<String>,
) -> Response {
    let mount = mount(&original, &uri);
    let notice_url = webhook_url(&headers, &mount);
    match state.schedule_next(&customer_uid, &notice_url).await {
        Ok(_) => Redirect::to(&format!(
            "{mount}/subscriptions/{}",
            encode_component(&customer_uid)
        ))
        .into_response(),
        Err(err) => (
            match err {
                MerchantError::Api { .. } => StatusCode::BAD_GATEWAY,
                ref other => other.status_code(),
            },
            error_page(
                "다음 결제를 예약하지 못했습니다 / Could not schedule the next charge",
                &err.to_string(),
                &mount,
            ),
        )
            .into_response(),
    }
}

/// What the subscription page's script (`assets/subscription.js`) reads from its data
/// block.
#[derive(Serialize)]
struct PageData {
    /// Whether a scheduled charge is still undecided (the page reloads meanwhile).
    waiting: bool,
}

/// The title of a subscription's page: where its registration and first charge stand.
fn title(subscription: &Subscription) -> &'static str {
    let first = subscription
        .charges
        .first()
        .map(|charge| charge.order.status);
    match (subscription.card.status, first) {
        (CardStatus::Registered, Some(OrderStatus::Paid)) => {
            "정기구독이 시작되었습니다 / Subscription started"
        }
        (CardStatus::Registered, Some(OrderStatus::Failed)) => {
            "카드는 등록되었지만 첫 결제가 실패했습니다 / Card registered, first charge failed"
        }
        (CardStatus::Registered, _) => "카드가 등록되었습니다 / Card registered",
        (CardStatus::Failed, _) => "카드 등록에 실패했습니다 / Card registration failed",
        (CardStatus::Pending, _) => {
            "카드 등록이 끝나지 않았습니다 / Card registration not finished"
        }
    }
}

fn subscription_page(subscription: &Subscription, mount: &str) -> Html<String> {
    let card = &subscription.card;
    let mut rows = String::new();
    for charge in &subscription.charges {
        let order = &charge.order;
        let when = charge.schedule_at.map_or_else(
            || "즉시 / now".to_owned(),
            |at| format!("예약 / scheduled {}", rfc3339(at)),
        );
        rows.push_str(&format!(
            "<li class=\"charge\" id=\"charge-{seq}\" data-merchant-uid=\"{uid}\" data-status=\"{status}\">\
             <b>{seq}회차 / #{seq}</b> · {amount} · <b class=\"charge-status\">{status}</b><br>\
             <span class=\"tag\">{when} · {uid}</span><br><span class=\"tag\">{detail}</span></li>",
            seq = charge.seq,
            uid = escape(&order.merchant_uid),
            amount = won(order.amount),
            when = escape(&when),
            status = escape(order.status.as_str()),
            detail = escape(order.detail.as_deref().unwrap_or_default()),
        ));
    }
    let waiting = subscription
        .charges
        .iter()
        .any(|charge| charge.schedule_at.is_some() && charge.order.status == OrderStatus::Pending);
    let detail = card.detail.clone().or_else(|| {
        subscription
            .charges
            .first()
            .and_then(|charge| charge.order.detail.clone())
    });
    let schedule = if card.status == CardStatus::Registered {
        format!(
            "<form method=\"post\" action=\"{mount}/subscriptions/{uid}/next\">\
             <button id=\"schedule-next\" type=\"submit\">다음 달 결제 예약 ({SCHEDULE_DELAY_SECS}초 뒤) / Schedule the next charge (in {SCHEDULE_DELAY_SECS} s)</button></form>",
            mount = escape(mount),
            uid = escape(&encode_component(&card.customer_uid)),
        )
    } else {
        String::new()
    };
    page(
        title(subscription),
        "subscription",
        &format!(
            "<p id=\"registration\" class=\"tag\" data-status=\"{status}\">카드 등록 / card registration: {status}</p>\
             <p id=\"detail\" class=\"verdict\">{detail}</p>\
             <dl><dt>구독 / Plan</dt><dd id=\"plan\">{plan} · {price}</dd>\
             <dt>카드 / Card</dt><dd id=\"card-name\">{card_name}</dd>\
             <dt>카드번호 / Number</dt><dd id=\"card-number\">{card_number}</dd>\
             <dt>구매자 번호 / customer_uid</dt><dd id=\"customer-uid\">{customer_uid}</dd></dl>\
             <h2>결제 / Charges</h2><ul id=\"charges\" class=\"choices\">{rows}</ul>\
             {schedule}\
             <p class=\"tag\">가맹점 서버가 {api_ko}로 확인한 결과 / verified by the merchant server through {api_en}</p>\
             <p><a id=\"back-to-shop\" class=\"secondary\" href=\"{back}\">상점으로 / Back to the shop</a></p>\
             {script}",
            status = escape(card.status.as_str()),
            detail = escape(detail.as_deref().unwrap_or_default()),
            plan = escape(PLAN_NAME),
            price = won(PLAN_PRICE),
            card_name = escape(card.card_name.as_deref().unwrap_or("-")),
            card_number = escape(card.card_number.as_deref().unwrap_or("-")),
            customer_uid = escape(&card.customer_uid),
            back = escape(if mount.is_empty() { "/" } else { mount }),
            script = Script::Subscription.with_data(&PageData { waiting }),
            api_ko = escape(IAMPORT_API.0),
            api_en = escape(IAMPORT_API.1),
        ),
    )
}
