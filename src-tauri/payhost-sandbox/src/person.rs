//! The sandbox person a PASS app verifies: who the identity page's form says the
//! buyer is (name, birth date, gender, phone), the carrier whose PASS app they use,
//! and the two keys a verification hands the merchant: the CI (연계정보, one per
//! person whatever the site) and the DI (중복가입확인정보, one per person and site)
//! (`portone-io/developers.portone.io:src/routes/(root)/opi/ko/extra/identity-verification/readme-v2.mdx`,
//! "인증 정보 활용하기").
//!
//! Pure values and pure functions, so the identity page, the store and the tests
//! agree on one definition. A real CI comes from the resident registration number,
//! which the sandbox never asks for: here it is a SHA-512 of the person's name,
//! birth date and gender, so the same sandbox person verified twice (on any channel,
//! V1 or V2) has the same CI, as a real person does, and a merchant's "one account
//! per person" check can be tried. The CI is 88 base64 characters and the DI 64, the
//! lengths of the real ones. Neither is ever logged.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest, Sha512};

/// A verified person's gender, as the identity providers report it (V1 `male` /
/// `female`, V2 `MALE` / `FEMALE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    /// 남성.
    Male,
    /// 여성.
    Female,
}

impl Gender {
    /// V1's name (`CertificationAnnotation.gender`), also how the form and the
    /// store spell it.
    pub fn v1(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }

    /// V2's name (`Gender`).
    pub fn v2(self) -> &'static str {
        match self {
            Self::Male => "MALE",
            Self::Female => "FEMALE",
        }
    }

    /// What the buyer sees, Korean first.
    pub fn label(self) -> &'static str {
        match self {
            Self::Male => "남 / Male",
            Self::Female => "여 / Female",
        }
    }

    /// [`Gender::v1`] or [`Gender::v2`], in any case.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "male" | "m" => Some(Self::Male),
            "female" | "f" => Some(Self::Female),
            _ => None,
        }
    }
}

/// The carrier whose PASS app verifies the buyer. (알뜰폰, MVNO, subscribers use
/// their host carrier's PASS app; the sandbox does not tell them apart.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Carrier {
    /// SK텔레콤: PASS by SKT.
    Skt,
    /// KT: PASS by KT.
    Kt,
    /// LG U+: PASS by LG U+.
    Lgu,
}

impl Carrier {
    /// Every carrier, in the order the identity page lists their PASS apps.
    pub const ALL: [Self; 3] = [Self::Skt, Self::Kt, Self::Lgu];

    /// How the store keeps it, also V2's `IdentityVerificationOperator` (`SKT`,
    /// `KT`, `LGU`; `portone-io/developers.portone.io:src/schema/v2.openapi.json`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Skt => "SKT",
            Self::Kt => "KT",
            Self::Lgu => "LGU",
        }
    }

    /// V1's name (`CertificationAnnotation.carrier`: `SKT`, `KT`, `LGT`;
    /// `portone-io/developers.portone.io:src/schema/v1.openapi.json`).
    pub fn v1(self) -> &'static str {
        match self {
            Self::Skt => "SKT",
            Self::Kt => "KT",
            Self::Lgu => "LGT",
        }
    }

    /// The stored name ([`Carrier::as_str`]).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// The carriers a request's code enables on the identity page: `SKT`, `KTF`,
    /// `LGT`, or `MVNO` for all three (V1 `IMP.certification`'s `carrier`, V2's
    /// `bypass.danal.IsCarrier`, which joins several with `;`:
    /// `portone-io/developers.portone.io:src/routes/(root)/sdk/ko/v1-sdk/javascript-sdk/cft.mdx`,
    /// `portone-io/developers.portone.io:src/schema/browser-sdk.yml`
    /// `DanalIdentityVerificationBypass`). `None` for a code that is none of them.
    pub fn from_request_code(code: &str) -> Option<Vec<Self>> {
        match code.trim().to_ascii_uppercase().as_str() {
            "SKT" => Some(vec![Self::Skt]),
            "KTF" | "KT" => Some(vec![Self::Kt]),
            "LGT" | "LGU" => Some(vec![Self::Lgu]),
            "MVNO" => Some(Self::ALL.to_vec()),
            _ => None,
        }
    }

    /// The key of its PASS app in `apps::APPS`.
    pub fn pass_app_key(self) -> &'static str {
        match self {
            Self::Skt => "pass-skt",
            Self::Kt => "pass-kt",
            Self::Lgu => "pass-lgu",
        }
    }

    /// The carrier whose PASS app has the key `key`.
    pub fn of_pass_app(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.pass_app_key() == key)
    }
}

/// A birth date, `YYYY-MM-DD` (V1 `birthday`, V2 `birthDate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BirthDate {
    year: i32,
    month: u8,
    day: u8,
}

impl BirthDate {
    /// `YYYY-MM-DD` or `YYYYMMDD`, a real calendar date from 1900 on.
    pub fn parse(text: &str) -> Option<Self> {
        let digits: String = text.trim().chars().filter(|c| *c != '-').collect();
        if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: i32 = digits[..4].parse().ok()?;
        let month: u8 = digits[4..6].parse().ok()?;
        let day: u8 = digits[6..].parse().ok()?;
        let month_of_year = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month_of_year, day).ok()?;
        (year >= 1900).then_some(Self { year, month, day })
    }

    /// From V2's `customer.birthYear`, `birthMonth`, `birthDay`.
    pub fn from_parts(year: &str, month: &str, day: &str) -> Option<Self> {
        Self::parse(&format!(
            "{:0>4}-{:0>2}-{:0>2}",
            year.trim(),
            month.trim(),
            day.trim()
        ))
    }

    /// Its year (`birthYear`).
    pub fn year(self) -> i32 {
        self.year
    }

    /// Its month, 1–12 (`birthMonth`).
    pub fn month(self) -> u8 {
        self.month
    }

    /// Its day of the month (`birthDay`).
    pub fn day(self) -> u8 {
        self.day
    }

    /// Full years of age on the day `now` (Unix seconds, UTC) falls on; negative for
    /// a date after it.
    pub fn age_at(self, now: i64) -> i64 {
        let today = time::OffsetDateTime::from_unix_timestamp(now)
            .map_or(time::Date::MIN, time::OffsetDateTime::date);
        let before_birthday = (u8::from(today.month()), today.day()) < (self.month, self.day);
        i64::from(today.year()) - i64::from(self.year) - i64::from(before_birthday)
    }
}

impl std::fmt::Display for BirthDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Who the buyer says they are on the identity page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Person {
    /// Name (실명).
    pub name: String,
    /// Birth date.
    pub birth_date: BirthDate,
    /// Gender.
    pub gender: Gender,
    /// Mobile number, digits only (`01012345678`).
    pub phone: String,
}

/// The sandbox person's name when the merchant and the buyer give none.
pub const DEFAULT_NAME: &str = "홍길동";
/// … their birth date.
pub const DEFAULT_BIRTH_DATE: &str = "1990-01-01";
/// … their phone.
pub const DEFAULT_PHONE: &str = "01012345678";

/// The longest name the identity page takes.
const NAME_MAX_CHARS: usize = 30;

/// The name, trimmed, when it is one.
///
/// # Errors
/// What the buyer is told.
pub fn name(text: &str) -> Result<String, String> {
    let name = text.trim();
    if name.is_empty()
        || name.chars().count() > NAME_MAX_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(format!(
            "이름은 1~{NAME_MAX_CHARS}자입니다 / the name must be 1 to {NAME_MAX_CHARS} characters"
        ));
    }
    Ok(name.to_owned())
}

/// A Korean mobile number as digits only (`010-1234-5678` → `01012345678`),
/// V1's `phone` and V2's `phoneNumber` ("특수 문자(-) 없이 숫자로만").
///
/// # Errors
/// What the buyer is told.
pub fn phone(text: &str) -> Result<String, String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '.'))
        .collect();
    let valid = digits.bytes().all(|b| b.is_ascii_digit())
        && (10..=11).contains(&digits.len())
        && digits.starts_with("01");
    if valid {
        Ok(digits)
    } else {
        Err(
            "휴대폰 번호가 올바르지 않습니다 (01로 시작하는 10~11자리) / the mobile number must be 10 or 11 digits starting with 01"
                .to_owned(),
        )
    }
}

/// The domain separation of the two keys: the sandbox's own, so no real key can
/// come out.
const CI_DOMAIN: &[u8] = b"payhost-sandbox CI\0";
const DI_DOMAIN: &[u8] = b"payhost-sandbox DI\0";

/// How many bytes of its digest the DI keeps: 48, so it is 64 base64 characters.
const DI_BYTES: usize = 48;

impl Person {
    /// Reads the identity page's four fields.
    ///
    /// # Errors
    /// What the buyer is told about the first field that is wrong.
    pub fn parse(
        name_text: &str,
        birth: &str,
        gender: &str,
        phone_text: &str,
    ) -> Result<Self, String> {
        let name = name(name_text)?;
        let birth_date = BirthDate::parse(birth).ok_or_else(|| {
            "생년월일이 올바르지 않습니다 (YYYY-MM-DD) / the birth date must be a date, YYYY-MM-DD"
                .to_owned()
        })?;
        let gender = Gender::parse(gender)
            .ok_or_else(|| "성별을 고르세요 / choose a gender (male or female)".to_owned())?;
        let phone = phone(phone_text)?;
        Ok(Self {
            name,
            birth_date,
            gender,
            phone,
        })
    }

    /// The CI (`unique_key`, V2 `ci`): one per person, the same on every site.
    pub fn ci(&self) -> String {
        let mut digest = Sha512::new();
        digest.update(CI_DOMAIN);
        for part in [
            self.name.as_str(),
            &self.birth_date.to_string(),
            self.gender.v1(),
        ] {
            digest.update(part.as_bytes());
            digest.update([0]);
        }
        STANDARD.encode(digest.finalize())
    }

    /// The DI (`unique_in_site`, V2 `di`) on the site `site` (the identity
    /// provider's id of the merchant): one per person and site.
    pub fn di(&self, site: &str) -> String {
        let mut digest = Sha512::new();
        digest.update(DI_DOMAIN);
        digest.update(site.as_bytes());
        digest.update([0]);
        digest.update(self.ci().as_bytes());
        let bytes = digest.finalize();
        STANDARD.encode(&bytes[..DI_BYTES])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hong() -> Person {
        Person::parse(DEFAULT_NAME, DEFAULT_BIRTH_DATE, "male", "010-1234-5678").unwrap()
    }

    #[test]
    fn the_form_is_read_and_refused_field_by_field() {
        let person = hong();
        assert_eq!(person.phone, "01012345678");
        assert_eq!(person.birth_date.to_string(), "1990-01-01");
        assert_eq!(
            Person::parse(" 김철수 ", "19851231", "FEMALE", "01198765432")
                .unwrap()
                .name,
            "김철수"
        );
        for (name, birth, gender, phone) in [
            ("", "1990-01-01", "male", "01012345678"),
            ("a\u{7}b", "1990-01-01", "male", "01012345678"),
            ("홍길동", "1990-02-30", "male", "01012345678"),
            ("홍길동", "1899-12-31", "male", "01012345678"),
            ("홍길동", "90-01-01", "male", "01012345678"),
            ("홍길동", "1990-01-01", "other", "01012345678"),
            ("홍길동", "1990-01-01", "male", "0212345678"),
            ("홍길동", "1990-01-01", "male", "010123"),
            ("홍길동", "1990-01-01", "male", "010-1234-567a"),
        ] {
            assert!(
                Person::parse(name, birth, gender, phone).is_err(),
                "{name} {birth} {gender} {phone}"
            );
        }
    }

    #[test]
    fn the_ci_is_one_per_person_and_the_di_one_per_person_and_site() {
        let person = hong();
        let ci = person.ci();
        assert_eq!(ci.len(), 88, "{ci}");
        assert!(ci.ends_with("=="), "{ci}");
        assert_eq!(ci, hong().ci(), "the same person");
        let other_phone = Person {
            phone: "01099998888".to_owned(),
            ..hong()
        };
        assert_eq!(ci, other_phone.ci(), "a new phone is the same person");
        let other = Person {
            birth_date: BirthDate::parse("1990-01-02").unwrap(),
            ..hong()
        };
        assert_ne!(ci, other.ci());
        let di = person.di("danaltest");
        assert_eq!(di.len(), 64, "{di}");
        assert_eq!(di, hong().di("danaltest"));
        assert_ne!(di, person.di("another-site"));
        assert_ne!(di, other.di("danaltest"));
    }

    #[test]
    fn age_counts_whole_years() {
        // 2024-06-15T00:00:00Z.
        let now = 1_718_409_600;
        let born = |text| BirthDate::parse(text).unwrap();
        assert_eq!(born("2006-06-15").age_at(now), 18);
        assert_eq!(born("2006-06-16").age_at(now), 17);
        assert_eq!(born("1990-01-01").age_at(now), 34);
        assert_eq!(born("2030-01-01").age_at(now), -6);
        assert_eq!(
            BirthDate::from_parts("1990", "1", "2"),
            Some(born("1990-01-02"))
        );
    }

    #[test]
    fn carrier_codes_of_v1_and_v2_requests() {
        assert_eq!(Carrier::from_request_code("SKT"), Some(vec![Carrier::Skt]));
        assert_eq!(Carrier::from_request_code("ktf"), Some(vec![Carrier::Kt]));
        assert_eq!(Carrier::from_request_code("LGT"), Some(vec![Carrier::Lgu]));
        assert_eq!(
            Carrier::from_request_code("MVNO"),
            Some(Carrier::ALL.to_vec())
        );
        assert_eq!(Carrier::from_request_code("VERIZON"), None);
        for carrier in Carrier::ALL {
            assert_eq!(Carrier::parse(carrier.as_str()), Some(carrier));
            assert_eq!(Carrier::of_pass_app(carrier.pass_app_key()), Some(carrier));
        }
        assert_eq!(Carrier::Lgu.v1(), "LGT");
        assert_eq!(Carrier::Lgu.as_str(), "LGU");
    }
}
