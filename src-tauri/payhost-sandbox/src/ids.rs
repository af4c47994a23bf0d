//! The one normalisation of the merchant's order id (`merchant_uid`). The checkout
//! stores it with the payment (`IMP.request_pay`) and the merchant stores it with the
//! order; both go through [`normalize_merchant_uid`], so a payment always names an
//! order by the same text the shop stored (an id trimmed on one side only left a paid
//! payment without its order).

/// `raw` as a `merchant_uid` is stored and looked up: without surrounding whitespace;
/// `None` when nothing is left.
pub fn normalize_merchant_uid(raw: &str) -> Option<&str> {
    Some(raw.trim()).filter(|uid| !uid.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrounding_whitespace_goes_and_nothing_is_no_id() {
        assert_eq!(normalize_merchant_uid("  padded \t"), Some("padded"));
        assert_eq!(normalize_merchant_uid("order_1 a"), Some("order_1 a"));
        assert_eq!(normalize_merchant_uid(" \n "), None);
        assert_eq!(normalize_merchant_uid(""), None);
    }
}
