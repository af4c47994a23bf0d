//! The merchant's `custom_data` (V1: `IMP.request_pay`, `/subscribe/payments/*`) and
//! `customData` (V2: `requestPayment`, `requestIssueBillingKey`,
//! `requestIdentityVerification`, `/billing-keys`, `/payments/{id}/billing-key`), kept
//! one way for every call that takes it: the browser SDKs and the REST APIs take any
//! JSON (an object in the browser), both APIs answer it as text
//! (`portone-io/developers.portone.io:src/schema/v1.openapi.json` `Payment.custom_data`,
//! `v2.openapi.json` `Payment.customData`).

use serde_json::Value;

/// `value` as the store keeps it: text as it came, anything else as its JSON, `null`
/// (or nothing) as none.
pub fn as_stored(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{as_stored, Value};

    #[test]
    fn text_stays_text_json_becomes_its_text_and_null_is_none() {
        assert_eq!(
            as_stored(Some(&json!("주문 메모"))).as_deref(),
            Some("주문 메모")
        );
        assert_eq!(
            as_stored(Some(&json!({"coupon": 3}))).as_deref(),
            Some(r#"{"coupon":3}"#)
        );
        assert_eq!(as_stored(Some(&json!(7))).as_deref(), Some("7"));
        assert_eq!(as_stored(Some(&Value::Null)), None);
        assert_eq!(as_stored(None), None);
    }
}
