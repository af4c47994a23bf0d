//! What `IMP.request_pay` asks for and whether iamport would take it: the parameters
//! the `iamport.js` stand-in posts to `/checkout` ([`CheckoutRequest`], [`PayParams`])
//! and their validation into a payment to create ([`validate`] → [`NewCheckout`]),
//! refused with iamport's wording before any PG page opens. Kept apart from the pages
//! so another SDK's request (another protocol layer) can be read into the same
//! [`NewCheckout`].

use serde::Deserialize;
use serde_json::Value;

use crate::store::{CustomerUidUsage, NewPayment};

/// The `pay_method`s the sandbox's PGs offer.
pub const PAY_METHODS: [&str; 5] = ["card", "trans", "vbank", "kakaopay", "tosspay"];

/// The parameters of `IMP.request_pay` the sandbox reads (those of iamport's V1
/// JavaScript SDK, "iamport V1 JS SDK" in `docs/sources.md`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PayParams {
    /// `html5_inicis`, `nice`, `kcp`, `kakaopay`, `tosspay`, …
    pub pg: Option<String>,
    /// `card`, `trans`, `vbank`, `kakaopay`, `tosspay`.
    pub pay_method: Option<String>,
    /// The merchant's order id.
    pub merchant_uid: Option<String>,
    /// Order name.
    pub name: Option<String>,
    /// Amount; a number (iamport refuses strings that are not numbers).
    pub amount: Option<Value>,
    /// Tax-free part of the amount.
    pub tax_free: Option<Value>,
    /// `KRW` only.
    pub currency: Option<String>,
    /// Buyer's name.
    pub buyer_name: Option<String>,
    /// Buyer's phone.
    pub buyer_tel: Option<String>,
    /// Buyer's e-mail.
    pub buyer_email: Option<String>,
    /// Anything; stored as JSON text.
    pub custom_data: Option<Value>,
    /// The merchant's webhook for this payment.
    pub notice_url: Option<String>,
    /// Where mobile checkouts end.
    pub m_redirect_url: Option<String>,
    /// The merchant app's scheme, for the payment apps' way back.
    pub app_scheme: Option<String>,
    /// Digital goods (accepted, no effect in the sandbox).
    pub digital: Option<bool>,
    /// Virtual account due date `YYYYMMDDhhmm` (accepted as given).
    pub vbank_due: Option<String>,
    /// The merchant's id of the buyer's card: the card paid with becomes a billing
    /// key under it; with `amount: 0` it is only registered ("0 으로 설정하여 빌링키
    /// 발급만 진행", `portone-io/developers.portone.io:src/routes/(root)/opi/ko/integration/start/v1/non-auth.mdx`).
    pub customer_uid: Option<String>,
}

/// What the stand-in posts to `/checkout`.
#[derive(Debug, Deserialize)]
pub struct CheckoutRequest {
    /// The `IMP.init` code.
    pub imp_code: Option<String>,
    /// `mobile` or `pc`, as the stand-in decided.
    pub channel: Option<String>,
    /// The `request_pay` parameters.
    pub params: PayParams,
}

/// A request the sandbox refuses before a payment window opens, with iamport's
/// wording where it has one.
fn refuse(message: impl Into<String>) -> Result<NewCheckout, String> {
    Err(message.into())
}

/// A validated checkout.
#[derive(Debug, Clone)]
pub struct NewCheckout {
    /// The payment to create.
    pub payment: NewPayment,
    /// Where a mobile checkout ends.
    pub m_redirect_url: Option<String>,
    /// The webhook.
    pub notice_url: Option<String>,
    /// The app scheme.
    pub app_scheme: Option<String>,
}

/// `text` as an absolute http(s) URL (normalised), or the refusal naming `field`.
/// `text` as an absolute http(s) URL, or a message naming `field`.
pub(crate) fn http_url(field: &str, text: &str) -> Result<String, String> {
    match url::Url::parse(text.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url.to_string()),
        _ => Err(format!(
            "{field} 가 올바른 http(s) URL 이 아닙니다 ({field} must be an absolute http(s) URL)"
        )),
    }
}

/// The merchant app's scheme a checkout names (`app_scheme`, V2 `appScheme`): lower
/// case, without `://`; `None` when absent or empty.
///
/// # Errors
/// A message naming `field` when it is not a URL scheme (RFC 3986 §3.1).
pub(crate) fn app_scheme(field: &str, text: Option<&str>) -> Result<Option<String>, String> {
    let scheme = text
        .map(|s| s.trim().trim_end_matches("://").to_ascii_lowercase())
        .filter(|s| !s.is_empty());
    if let Some(scheme) = &scheme {
        let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if !valid {
            return Err(format!(
                "{field} 이 올바르지 않습니다 ({field} is not a URL scheme)"
            ));
        }
    }
    Ok(scheme)
}

/// Validates `request_pay` parameters as iamport does before any PG page opens.
///
/// # Errors
/// The message the buyer's callback (or `m_redirect_url`) receives.
pub fn validate(
    imp_code: Option<&str>,
    channel: &str,
    params: &PayParams,
) -> Result<NewCheckout, String> {
    if !imp_code.is_some_and(|code| !code.trim().is_empty()) {
        return refuse("IMP.init 을 먼저 호출하세요 (call IMP.init with the merchant code first)");
    }
    let amount = match &params.amount {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    let customer_uid = params
        .customer_uid
        .as_deref()
        .map(str::trim)
        .filter(|uid| !uid.is_empty());
    // 0원 registers a card: only with `customer_uid`.
    let Some(amount) = amount.filter(|a| *a > 0 || (*a == 0 && customer_uid.is_some())) else {
        return refuse(
            "결제금액이 올바르지 않습니다 (amount is required and must be a positive integer)",
        );
    };
    let tax_free = match params.tax_free.as_ref().filter(|v| !v.is_null()) {
        None => 0,
        Some(tax_free) => match tax_free.as_i64().filter(|t| (0..=amount).contains(t)) {
            Some(tax_free) => tax_free,
            None => {
                return refuse(
                    "면세금액이 결제금액을 넘습니다 (tax_free must be within the amount)",
                )
            }
        },
    };
    let merchant_uid = params
        .merchant_uid
        .as_deref()
        .and_then(crate::ids::normalize_merchant_uid)
        .unwrap_or_default();
    if merchant_uid.is_empty() {
        return refuse("merchant_uid 가 필요합니다 (merchant_uid is required)");
    }
    let pay_method = params.pay_method.as_deref().unwrap_or("card");
    if !PAY_METHODS.contains(&pay_method) {
        return refuse(format!(
            "지원하지 않는 결제수단입니다: {pay_method} (pay_method must be one of {})",
            PAY_METHODS.join(", ")
        ));
    }
    if customer_uid.is_some() && pay_method != "card" {
        return refuse(
            "빌링키는 카드(card)로만 발급합니다 / customer_uid needs pay_method card (billing keys are cards)",
        );
    }
    if params.currency.as_deref().is_some_and(|c| c != "KRW") {
        return refuse("샌드박스는 KRW 만 지원합니다 (currency must be KRW)");
    }
    let m_redirect_url = match params
        .m_redirect_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    {
        Some(url) => Some(http_url("m_redirect_url", url)?),
        None if channel == "mobile" => return refuse(
            "모바일 결제에는 m_redirect_url 이 필요합니다 (mobile checkouts need m_redirect_url)",
        ),
        None => None,
    };
    let notice_url = match params
        .notice_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    {
        Some(url) => Some(http_url("notice_url", url)?),
        None => None,
    };
    let app_scheme = app_scheme("app_scheme", params.app_scheme.as_deref())?;
    let pg = params
        .pg
        .clone()
        .unwrap_or_else(|| "html5_inicis".to_owned());
    let pg = pg.split('.').next().unwrap_or("html5_inicis").to_owned();
    Ok(NewCheckout {
        payment: NewPayment {
            merchant_uid: merchant_uid.to_owned(),
            pay_method: pay_method.to_owned(),
            pg_provider: pg,
            name: params.name.clone().unwrap_or_default(),
            amount,
            buyer_name: params.buyer_name.clone(),
            custom_data: crate::custom_data::as_stored(params.custom_data.as_ref()),
            channel: channel.to_owned(),
            tax_free,
            buyer_email: params.buyer_email.clone(),
            buyer_tel: params.buyer_tel.clone(),
            customer_uid: customer_uid.map(str::to_owned),
            customer_uid_usage: customer_uid.map(|_| {
                if amount == 0 {
                    CustomerUidUsage::Issue
                } else {
                    CustomerUidUsage::Payment
                }
            }),
            ..NewPayment::default()
        },
        m_redirect_url,
        notice_url,
        app_scheme,
    })
}
