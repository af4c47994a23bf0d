//! A card as the sandbox's card company sees it, for the payments made without the
//! buyer (정기결제 and 키인결제): the numbers a merchant's server sends (V1
//! `card_number`, `expiry`, `birth`, `pwd_2digit`; V2 `CardCredential`) checked as a
//! PG checks them and masked at once, the card a payment app registers, and the one
//! rule by which the sandbox's card company declines a charge.
//!
//! The number exists only in a [`CardNumber`], which prints as `****` and is dropped
//! after [`verify`]: what the store keeps and the API shows is a [`MaskedCard`] (the
//! first six and the last four digits, as iamport shows `4092-02**-****-1234`,
//! `portone-io/developers.portone.io:src/schema/v1.openapi.json` `CustomerAnnotation`
//! `card_number`).

use serde::Deserialize;

/// A card number as the merchant sent it. Never printed, logged or stored: its
/// `Debug` is `CardNumber(****)`, and [`verify`] turns it into a [`MaskedCard`].
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct CardNumber(String);

impl std::fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardNumber(****)")
    }
}

impl CardNumber {
    /// A number (tests and the V2 credential, which arrive as text).
    pub fn new(text: &str) -> Self {
        Self(text.to_owned())
    }
}

/// What a merchant sends about a card to register or charge it.
#[derive(Debug, Clone, Copy)]
pub struct CardInput<'a> {
    /// The number, with or without spaces and dashes.
    pub number: &'a CardNumber,
    /// The year it expires (`2030` or `30`).
    pub expiry_year: &'a str,
    /// The month it expires (`1`..`12`, `01`).
    pub expiry_month: &'a str,
    /// The holder's birth date (`YYMMDD`) or a company's registration number (10 digits).
    pub birth: Option<&'a str>,
    /// The first two digits of the card's password.
    pub pwd_2digit: Option<&'a str>,
}

impl<'a> CardInput<'a> {
    /// V1's fields: `expiry` is `YYYY-MM` (`YYYYMM` is read too).
    ///
    /// # Errors
    /// [`CardRefusal`] when `expiry` is not a year and a month.
    pub fn v1(
        number: &'a CardNumber,
        expiry: &'a str,
        birth: Option<&'a str>,
        pwd_2digit: Option<&'a str>,
    ) -> Result<Self, CardRefusal> {
        let expiry = expiry.trim();
        let parts = match expiry.split_once('-') {
            Some(parts) => Some(parts),
            // Six bytes that are not six ASCII digits may end their fourth byte inside
            // a character (`20한1`): no expiry then, rather than a panic.
            None if expiry.len() == 6 => expiry.split_at_checked(4),
            None => None,
        };
        let Some((year, month)) = parts else {
            return Err(CardRefusal::new(
                "유효기간은 YYYY-MM 형식입니다",
                "expiry must be YYYY-MM",
            ));
        };
        Ok(Self {
            number,
            expiry_year: year,
            expiry_month: month,
            birth,
            pwd_2digit,
        })
    }
}

/// Why the card company refused a card: iamport's words first
/// (`iamport/iamport-rest-client-python:tests/test_customer_create.py`), then what was
/// wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("카드정보 인증에 실패하였습니다. {ko} / card verification failed: {en}")]
pub struct CardRefusal {
    /// What was wrong, in Korean.
    pub ko: &'static str,
    /// The same in English.
    pub en: &'static str,
}

impl CardRefusal {
    const fn new(ko: &'static str, en: &'static str) -> Self {
        Self { ko, en }
    }
}

/// A card's network, read from its first digits (the issuer identification number
/// ranges, <https://en.wikipedia.org/wiki/Payment_card_number#Issuer_identification_number_(IIN)>);
/// V2's `CardBrand` names them
/// (`portone-io/developers.portone.io:src/schema/v2.openapi.json`, `CardBrand`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardBrand {
    /// A domestic card (any number the ranges below do not claim).
    Local,
    /// Mastercard.
    Master,
    /// UnionPay.
    Unionpay,
    /// Visa.
    Visa,
    /// JCB.
    Jcb,
    /// American Express.
    Amex,
    /// Diners Club.
    Diners,
}

impl CardBrand {
    /// The brand of a card whose number starts with `digits`.
    pub fn of(digits: &str) -> Self {
        let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok());
        match (prefix(1), prefix(2), prefix(3), prefix(4)) {
            (Some(4), ..) => Self::Visa,
            (_, Some(51..=55), ..) | (.., Some(2221..=2720)) => Self::Master,
            (_, Some(34 | 37), ..) => Self::Amex,
            (.., Some(3528..=3589)) => Self::Jcb,
            (_, Some(36 | 38 | 39), ..) | (_, _, Some(300..=305), _) => Self::Diners,
            (_, Some(62), ..) => Self::Unionpay,
            _ => Self::Local,
        }
    }

    /// V2's name.
    pub fn as_v2(self) -> &'static str {
        match self {
            Self::Local => "LOCAL",
            Self::Master => "MASTER",
            Self::Unionpay => "UNIONPAY",
            Self::Visa => "VISA",
            Self::Jcb => "JCB",
            Self::Amex => "AMEX",
            Self::Diners => "DINERS",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Local => "국내전용",
            other => other.as_v2(),
        }
    }
}

/// A card as the sandbox keeps and shows it: its name and its masked number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskedCard {
    /// The card's name (`card_name`).
    pub name: String,
    /// The number with all but the first six and the last four digits masked, in
    /// groups of four (`4092-02**-****-1239`).
    pub number: String,
}

impl MaskedCard {
    /// The brand, from the visible first digits.
    pub fn brand(&self) -> CardBrand {
        CardBrand::of(&self.bin())
    }

    /// The first six digits (the BIN, `Card.bin` in V2).
    pub fn bin(&self) -> String {
        self.number
            .chars()
            .filter(char::is_ascii_digit)
            .take(6)
            .collect()
    }
}

/// `digits` with all but the first six and the last four masked, in groups of four.
fn mask(digits: &str) -> String {
    let len = digits.len();
    let masked: Vec<char> = digits
        .chars()
        .enumerate()
        .map(|(i, c)| if i < 6 || i + 4 >= len { c } else { '*' })
        .collect();
    masked
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The Luhn check every card number passes (ISO/IEC 7812-1; the PG refuses a number
/// that fails it before asking the issuer).
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match (i % 2 == 1, d * 2) {
                (true, doubled) if doubled > 9 => doubled - 9,
                (true, doubled) => doubled,
                (false, _) => d,
            }
        })
        .sum();
    sum % 10 == 0
}

fn digits_only(text: &str, len: &[usize]) -> bool {
    len.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// The year and month of `now` (Unix seconds) in Korea (UTC+9), where the sandbox's
/// card company is.
fn this_month(now: i64) -> (i32, u8) {
    let kst = time::UtcOffset::from_hms(9, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::from_unix_timestamp(now)
        .map(|at| at.to_offset(kst))
        .map_or((1970, 1), |at| (at.year(), u8::from(at.month())))
}

/// Checks a card as the card company would before registering or charging it, and
/// masks it: the number passes the Luhn check (13 to 19 digits), it has not expired,
/// the birth date has 6 digits (10 for a company) and the password part 2, when given.
///
/// # Errors
/// [`CardRefusal`], saying which.
pub fn verify(input: &CardInput<'_>, now: i64) -> Result<MaskedCard, CardRefusal> {
    let digits: String = input
        .number
        .0
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    if !(13..=19).contains(&digits.len())
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || !luhn(&digits)
    {
        return Err(CardRefusal::new(
            "카드번호가 올바르지 않습니다",
            "the card number is not valid",
        ));
    }
    let year = match input.expiry_year.trim() {
        y if digits_only(y, &[4]) => y.parse::<i32>().ok(),
        y if digits_only(y, &[2]) => y.parse::<i32>().ok().map(|y| 2000 + y),
        _ => None,
    };
    let month = input
        .expiry_month
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|m| (1..=12).contains(m));
    let (Some(year), Some(month)) = (year, month) else {
        return Err(CardRefusal::new(
            "유효기간이 올바르지 않습니다",
            "the expiry date is not valid",
        ));
    };
    if (year, month) < this_month(now) {
        return Err(CardRefusal::new(
            "유효기간이 지난 카드입니다",
            "the card has expired",
        ));
    }
    if input
        .birth
        .is_some_and(|b| !digits_only(b.trim(), &[6, 10]))
    {
        return Err(CardRefusal::new(
            "생년월일(6자리) 또는 사업자번호(10자리)가 올바르지 않습니다",
            "birth must be 6 digits (10 for a company)",
        ));
    }
    if input
        .pwd_2digit
        .is_some_and(|p| !digits_only(p.trim(), &[2]))
    {
        return Err(CardRefusal::new(
            "비밀번호 앞 2자리가 올바르지 않습니다",
            "pwd_2digit must be 2 digits",
        ));
    }
    let brand = CardBrand::of(&digits);
    Ok(MaskedCard {
        name: format!("샌드박스 {}카드", brand.label()),
        number: mask(&digits),
    })
}

/// The card a payment app registers (the buyer picked the app on the PG page, so it
/// is that issuer's card): its name, and a sandbox number whose last four digits
/// come from `seed` (the transaction, so two registrations differ).
pub fn of_app(app_key: Option<&str>, seed: &str) -> MaskedCard {
    let (name, bin) = match app_key {
        Some("isp") => ("BC카드", "941061"),
        Some("kb") => ("KB국민카드", "940300"),
        Some("shinhan") => ("신한카드", "940400"),
        Some("hyundai") => ("현대카드", "940500"),
        Some("samsung") => ("삼성카드", "940600"),
        Some("lotte") => ("롯데카드", "940700"),
        Some("hana") => ("하나카드", "940800"),
        Some("nh") => ("NH농협카드", "940900"),
        Some("woori") => ("우리카드", "941000"),
        _ => ("샌드박스카드", "941100"),
    };
    let last: u32 = seed.bytes().fold(0u32, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u32::from(b))
    }) % 10_000;
    MaskedCard {
        name: name.to_owned(),
        number: mask(&format!("{bin}000000{last:04}")),
    }
}

/// The sandbox card company's one rule for declining a charge made without the buyer
/// (again, onetime, a scheduled charge, V2's billing-key payment): an amount whose
/// last three digits are 999 (9,999원, 1,999원) is declined, so tests and QA can make
/// a failure on purpose. `Some(reason)` when declined.
pub fn decline(amount: i64) -> Option<&'static str> {
    (amount.rem_euclid(1000) == 999).then_some(
        "카드사 승인 거절: 한도 초과 (샌드박스 규칙: 999원으로 끝나는 금액) / declined by the card company (sandbox rule: amounts ending in 999)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2030-01-01 (KST).
    const NOW: i64 = 1_893_423_600;

    fn card(number: &str, year: &str, month: &str) -> Result<MaskedCard, CardRefusal> {
        let number = CardNumber::new(number);
        verify(
            &CardInput {
                number: &number,
                expiry_year: year,
                expiry_month: month,
                birth: Some("900101"),
                pwd_2digit: Some("12"),
            },
            NOW,
        )
    }

    #[test]
    fn a_valid_number_is_masked_and_named_by_its_brand() {
        let masked = card("4092-0230-1234-1239", "2031", "03").unwrap();
        assert_eq!(masked.number, "4092-02**-****-1239");
        assert_eq!(masked.name, "샌드박스 VISA카드");
        assert_eq!(masked.brand(), CardBrand::Visa);
        assert_eq!(masked.bin(), "409202");
        let local = card("9409 6100 1234 5678", "30", "1").unwrap();
        assert_eq!(local.number, "9409-61**-****-5678");
        assert_eq!(local.brand(), CardBrand::Local);
    }

    #[test]
    fn the_card_company_refuses_what_a_pg_refuses() {
        // Luhn fails (iamport's own test number, `iamport/iamport-rest-client-python:tests/test_customer_create.py`).
        assert!(card("4092-0230-1234-1234", "2031", "03").is_err());
        assert!(card("4092-0230-1234-123x", "2031", "03").is_err());
        assert!(card("4242", "2031", "03").is_err());
        // Expired the month before; this month is still good.
        assert!(card("4092-0230-1234-1239", "2029", "12").is_err());
        assert!(card("4092-0230-1234-1239", "2030", "01").is_ok());
        assert!(card("4092-0230-1234-1239", "2030", "13").is_err());
        let refusal = card("4092-0230-1234-1234", "2031", "03").unwrap_err();
        assert!(refusal
            .to_string()
            .starts_with("카드정보 인증에 실패하였습니다."));
    }

    #[test]
    fn v1_expiry_is_a_year_and_a_month() {
        let number = CardNumber::new("4092023012341239");
        assert!(CardInput::v1(&number, "2031-03", None, None).is_ok());
        assert!(CardInput::v1(&number, "203103", None, None).is_ok());
        assert!(CardInput::v1(&number, "03/31", None, None).is_err());
        // Six bytes whose fourth ends inside a character.
        assert!(CardInput::v1(&number, "20한1", None, None).is_err());
    }

    #[test]
    fn a_number_never_prints() {
        let number = CardNumber::new("4092023012341239");
        assert_eq!(format!("{number:?}"), "CardNumber(****)");
    }

    #[test]
    fn brands_by_their_ranges() {
        for (digits, brand) in [
            ("5412", CardBrand::Master),
            ("2221", CardBrand::Master),
            ("3712", CardBrand::Amex),
            ("3530", CardBrand::Jcb),
            ("3600", CardBrand::Diners),
            ("3015", CardBrand::Diners),
            ("6212", CardBrand::Unionpay),
            ("9410", CardBrand::Local),
        ] {
            assert_eq!(CardBrand::of(digits), brand, "{digits}");
        }
    }

    #[test]
    fn only_amounts_ending_in_999_are_declined() {
        assert!(decline(9_999).is_some());
        assert!(decline(1_999).is_some());
        assert!(decline(999).is_some());
        assert!(decline(9_900).is_none());
        assert!(decline(1_000).is_none());
    }

    #[test]
    fn an_app_card_is_masked_and_named_by_its_issuer() {
        let card = of_app(Some("kb"), "txn_1");
        assert_eq!(card.name, "KB국민카드");
        assert!(
            card.number.starts_with("9403-00**-****-"),
            "{}",
            card.number
        );
        assert_eq!(card.number.len(), 19);
    }
}
