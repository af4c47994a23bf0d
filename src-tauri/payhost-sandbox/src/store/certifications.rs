//! The store's identity verifications (본인인증): V1 `IMP.certification` and V2
//! `requestIdentityVerification` attempts in one table, opened with the checkout
//! transaction that settles them, the person and PASS app the buyer chose on the
//! identity page, the app's decision (once per token), and V1's delete. Every change
//! is one SQLite transaction, as for payments; no webhook is owed (neither API sends
//! one for a verification).
//!
//! A V2 attempt's `identityVerificationId` is its `merchant_uid` and its
//! `identityVerificationTxId` its `imp_uid`, as V2 payments are stored. V2 lets the
//! same `identityVerificationId` be tried again until one attempt succeeds, never
//! after ("최종적으로 인증에 성공하는 것은 단 한 번만 가능합니다",
//! `portone-io/developers.portone.io:src/routes/(root)/opi/ko/extra/identity-verification/readme-v2.mdx`).

use rusqlite::{params, Connection, Row};

use super::{
    insert_transaction, one_row, random_id, text_enum, transaction_on, ApiVersion, CheckoutUrls,
    Outcome, Store, StoreError, Transaction, TransactionKind,
};
use crate::ids::normalize_merchant_uid;
use crate::person::{BirthDate, Carrier, Gender, Person};

/// Where an identity verification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificationStatus {
    /// The identity page is open; nobody approved yet.
    Ready,
    /// Approved in the PASS app (V1 `certified: true`, V2 `VERIFIED`).
    Certified,
    /// Denied or cancelled, or the person is younger than `min_age` (V2 `FAILED`).
    Failed,
}

text_enum!(CertificationStatus as column "certification status" {
    Ready => "ready",
    Certified => "certified",
    Failed => "failed",
});

/// What the merchant's request says about the person (V1 `name`, `phone`; V2
/// `customer`): shown on the identity page and fixed there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestedPerson {
    /// V2 `customer.customerId`.
    pub customer_id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Mobile number, digits only.
    pub phone: Option<String>,
    /// Birth date.
    pub birth_date: Option<BirthDate>,
}

/// A validated verification request: what the V1 and V2 checkouts hand the store.
#[derive(Debug, Clone, Default)]
pub struct NewCertification {
    /// V1 `merchant_uid`, V2 `identityVerificationId`.
    pub merchant_uid: String,
    /// The API.
    pub version: ApiVersion,
    /// V2: the store.
    pub store_id: Option<String>,
    /// The channel (V2 `channelKey`, V1 `channelKey` when given).
    pub channel_key: Option<String>,
    /// `danal`.
    pub pg_provider: String,
    /// `mobile` (a redirect) or `pc`.
    pub channel: String,
    /// What the request says about the person.
    pub requested: RequestedPerson,
    /// The carriers whose PASS apps the page offers; empty for all.
    pub carriers: Vec<Carrier>,
    /// The youngest age that may pass (V1 `min_age`, V2 `bypass.danal.AGELIMIT`).
    pub min_age: Option<i64>,
    /// The page that asked (V1 `origin`).
    pub origin: Option<String>,
    /// The merchant's `customData`, as text.
    pub custom_data: Option<String>,
}

/// An identity verification attempt.
#[derive(Clone, PartialEq, Eq)]
pub struct Certification {
    /// V1 `imp_uid`, V2 `identityVerificationTxId`.
    pub imp_uid: String,
    /// V1 `merchant_uid`, V2 `identityVerificationId`.
    pub merchant_uid: String,
    /// The API.
    pub version: ApiVersion,
    /// V2: the store.
    pub store_id: Option<String>,
    /// The channel.
    pub channel_key: Option<String>,
    /// `danal`.
    pub pg_provider: String,
    /// The identity provider's id of the approval.
    pub pg_tid: Option<String>,
    /// Where it stands.
    pub status: CertificationStatus,
    /// `mobile` or `pc`.
    pub channel: String,
    /// What the request said about the person.
    pub requested: RequestedPerson,
    /// The carriers the page offers; empty for all.
    pub carriers: Vec<Carrier>,
    /// The youngest age that may pass.
    pub min_age: Option<i64>,
    /// The page that asked.
    pub origin: Option<String>,
    /// The merchant's `customData`.
    pub custom_data: Option<String>,
    /// Who the buyer said they were, once they picked a PASS app.
    pub person: Option<Person>,
    /// The carrier of the PASS app they picked.
    pub carrier: Option<Carrier>,
    /// A foreigner (the sandbox person never is).
    pub foreigner: bool,
    /// The CI, once certified.
    pub unique_key: Option<String>,
    /// The DI, once certified.
    pub unique_in_site: Option<String>,
    /// Unix seconds.
    pub requested_at: i64,
    /// Unix seconds, 0 unless certified.
    pub certified_at: i64,
    /// Unix seconds, 0 unless failed.
    pub failed_at: i64,
    /// Why it failed.
    pub fail_reason: Option<String>,
}

/// Never the CI or the DI, whoever prints a certification (a log line, a panic).
impl std::fmt::Debug for Certification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certification")
            .field("imp_uid", &self.imp_uid)
            .field("merchant_uid", &self.merchant_uid)
            .field("version", &self.version)
            .field("status", &self.status)
            .field("channel", &self.channel)
            .field("carrier", &self.carrier)
            .field("fail_reason", &self.fail_reason)
            .finish_non_exhaustive()
    }
}

impl Certification {
    /// The person as the API may show them: only once certified.
    pub fn certified_person(&self) -> Option<&Person> {
        self.person
            .as_ref()
            .filter(|_| self.status == CertificationStatus::Certified)
    }
}

/// The identity provider's id of the merchant: the site of every DI the sandbox
/// hands out (the Danal channel's, for V1 and V2 alike).
fn di_site() -> &'static str {
    crate::v2::channels::CHANNELS
        .iter()
        .find(|channel| channel.v1_pg == "danal")
        .map_or("danaltest", |channel| channel.pg_merchant_id)
}

fn carriers_text(carriers: &[Carrier]) -> Option<String> {
    (!carriers.is_empty()).then(|| {
        carriers
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(";")
    })
}

const COLUMNS: &str = "imp_uid, merchant_uid, version, store_id, channel_key, pg_provider, pg_tid, status,
    channel, requested_customer_id, requested_name, requested_phone, requested_birth_date, carriers, min_age,
    origin, custom_data, name, birth_date, gender, phone, carrier, foreigner, unique_key, unique_in_site,
    requested_at, certified_at, failed_at, fail_reason";

fn conversion(index: usize, what: &str, text: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        index,
        rusqlite::types::Type::Text,
        format!("unknown {what} `{text}`").into(),
    )
}

fn certification_row(row: &Row<'_>) -> rusqlite::Result<Certification> {
    let birth = |index: usize| -> rusqlite::Result<Option<BirthDate>> {
        row.get::<_, Option<String>>(index)?
            .map(|text| {
                BirthDate::parse(&text).ok_or_else(|| conversion(index, "birth date", &text))
            })
            .transpose()
    };
    let carriers: Option<String> = row.get(13)?;
    let carriers = carriers
        .as_deref()
        .unwrap_or_default()
        .split(';')
        .filter(|c| !c.is_empty())
        .map(|c| Carrier::parse(c).ok_or_else(|| conversion(13, "carrier", c)))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let name: Option<String> = row.get(17)?;
    let gender: Option<String> = row.get(19)?;
    let phone: Option<String> = row.get(20)?;
    let person = match (name, birth(18)?, gender, phone) {
        (Some(name), Some(birth_date), Some(gender), Some(phone)) => Some(Person {
            name,
            birth_date,
            gender: Gender::parse(&gender).ok_or_else(|| conversion(19, "gender", &gender))?,
            phone,
        }),
        _ => None,
    };
    let carrier: Option<String> = row.get(21)?;
    Ok(Certification {
        imp_uid: row.get(0)?,
        merchant_uid: row.get(1)?,
        version: row.get(2)?,
        store_id: row.get(3)?,
        channel_key: row.get(4)?,
        pg_provider: row.get(5)?,
        pg_tid: row.get(6)?,
        status: row.get(7)?,
        channel: row.get(8)?,
        requested: RequestedPerson {
            customer_id: row.get(9)?,
            name: row.get(10)?,
            phone: row.get(11)?,
            birth_date: birth(12)?,
        },
        carriers,
        min_age: row.get(14)?,
        origin: row.get(15)?,
        custom_data: row.get(16)?,
        person,
        carrier: carrier
            .map(|c| Carrier::parse(&c).ok_or_else(|| conversion(21, "carrier", &c)))
            .transpose()?,
        foreigner: row.get(22)?,
        unique_key: row.get(23)?,
        unique_in_site: row.get(24)?,
        requested_at: row.get(25)?,
        certified_at: row.get(26)?,
        failed_at: row.get(27)?,
        fail_reason: row.get(28)?,
    })
}

/// The certification `imp_uid`, on `conn`.
fn certification_on(conn: &Connection, imp_uid: &str) -> Result<Certification, StoreError> {
    one_row(
        conn,
        &format!("SELECT {COLUMNS} FROM certifications WHERE imp_uid = ?1"),
        params![imp_uid],
        certification_row,
    )
}

/// True when an attempt of V2's `identity_verification_id` other than `except` is
/// certified (it may succeed once).
fn verified_elsewhere(
    conn: &Connection,
    identity_verification_id: &str,
    except: &str,
) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM certifications WHERE version = 'V2' AND merchant_uid = ?1
         AND imp_uid != ?2 AND status = 'certified')",
        params![identity_verification_id, except],
        |row| row.get(0),
    )?)
}

/// What the store answers for a verification already certified or failed.
const ALREADY_DECIDED: &str =
    "이미 처리된 본인인증 요청입니다 / the verification was already decided";

/// The message of a V2 request for an id already verified.
pub const ALREADY_VERIFIED: &str =
    "이미 본인인증이 완료된 건입니다 / this identityVerificationId is already verified";

impl Store {
    /// A verification request through the checkout: the `ready` attempt and the
    /// transaction its identity page and PASS app settle, in one SQLite transaction.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] without an id; [`StoreError::Conflict`]
    /// ([`ALREADY_VERIFIED`]) for a V2 id already verified; SQLite.
    pub fn open_certification(
        &mut self,
        new: &NewCertification,
        urls: &CheckoutUrls<'_>,
        now: i64,
    ) -> Result<(Certification, Transaction), StoreError> {
        let merchant_uid = normalize_merchant_uid(&new.merchant_uid)
            .ok_or_else(|| {
                StoreError::Invalid(
                    "merchant_uid 가 필요합니다 / merchant_uid is required".to_owned(),
                )
            })?
            .to_owned();
        self.in_transaction(|tx| {
            if new.version == ApiVersion::V2 && verified_elsewhere(tx, &merchant_uid, "")? {
                return Err(StoreError::Conflict(ALREADY_VERIFIED.to_owned()));
            }
            let imp_uid = random_id("imp_");
            tx.execute(
                "INSERT INTO certifications (imp_uid, merchant_uid, version, store_id, channel_key, pg_provider,
                     channel, requested_customer_id, requested_name, requested_phone, requested_birth_date,
                     carriers, min_age, origin, custom_data, requested_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                params![
                    imp_uid,
                    merchant_uid,
                    new.version,
                    new.store_id,
                    new.channel_key,
                    new.pg_provider,
                    new.channel,
                    new.requested.customer_id,
                    new.requested.name,
                    new.requested.phone,
                    new.requested.birth_date.map(|d| d.to_string()),
                    carriers_text(&new.carriers),
                    new.min_age,
                    new.origin,
                    new.custom_data,
                    now
                ],
            )?;
            // No `notice_url`: no webhook is owed for a verification.
            let urls = CheckoutUrls {
                notice_url: None,
                ..*urls
            };
            let token = insert_transaction(
                tx,
                TransactionKind::Certification,
                &imp_uid,
                new.version,
                &urls,
            )?;
            Ok((certification_on(tx, &imp_uid)?, transaction_on(tx, &token)?))
        })
    }

    /// The attempt `imp_uid`, of either API.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], or SQLite.
    pub fn certification(&self, imp_uid: &str) -> Result<Certification, StoreError> {
        certification_on(&self.conn, imp_uid)
    }

    /// V1's certification `imp_uid` (`GET /certifications/{imp_uid}`): V2 attempts
    /// are not V1's.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], or SQLite.
    pub fn v1_certification(&self, imp_uid: &str) -> Result<Certification, StoreError> {
        self.certification(imp_uid).and_then(|c| match c.version {
            ApiVersion::V1 => Ok(c),
            ApiVersion::V2 => Err(StoreError::NotFound),
        })
    }

    /// V2's identity verification `identity_verification_id`: its verified attempt,
    /// else its newest one.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], or SQLite.
    pub fn identity_verification(
        &self,
        identity_verification_id: &str,
    ) -> Result<Certification, StoreError> {
        let id = normalize_merchant_uid(identity_verification_id).ok_or(StoreError::NotFound)?;
        let imp_uid: String = one_row(
            &self.conn,
            "SELECT imp_uid FROM certifications WHERE version = 'V2' AND merchant_uid = ?1
             ORDER BY status = 'certified' DESC, requested_at DESC, rowid DESC LIMIT 1",
            params![id],
            |row| row.get(0),
        )?;
        self.certification(&imp_uid)
    }

    /// The buyer's choice on the identity page: who they are and the PASS app of
    /// `carrier` (its key `app`), recorded with the transaction in one SQLite
    /// transaction. A retry on the page may choose again until the token is used.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; [`StoreError::Conflict`] for a used token or an
    /// attempt no longer `ready`; [`StoreError::Invalid`] for a carrier the request
    /// did not allow.
    pub fn choose_pass(
        &mut self,
        token: &str,
        app: &str,
        carrier: Carrier,
        person: &Person,
    ) -> Result<Transaction, StoreError> {
        self.in_transaction(|tx| {
            let txn = transaction_on(tx, token)?;
            let certification = certification_on(tx, &txn.subject)?;
            if !certification.carriers.is_empty() && !certification.carriers.contains(&carrier) {
                return Err(StoreError::Invalid(format!(
                    "이 본인인증에서는 {} PASS를 쓸 수 없습니다 / the request does not allow {}",
                    carrier.as_str(),
                    carrier.as_str()
                )));
            }
            let chosen = tx.execute(
                "UPDATE transactions SET app = ?2 WHERE token = ?1 AND used_at = 0",
                params![token, app],
            )?;
            let recorded = tx.execute(
                "UPDATE certifications SET name = ?2, birth_date = ?3, gender = ?4, phone = ?5, carrier = ?6
                 WHERE imp_uid = ?1 AND status = 'ready'",
                params![
                    certification.imp_uid,
                    person.name,
                    person.birth_date.to_string(),
                    person.gender.v1(),
                    person.phone,
                    carrier.as_str()
                ],
            )?;
            if chosen == 0 || recorded == 0 {
                return Err(StoreError::Conflict(ALREADY_DECIDED.to_owned()));
            }
            transaction_on(tx, token)
        })
    }

    /// `DELETE /certifications/{imp_uid}` (V1): the attempt and its transactions are
    /// removed ("포트원 서버내에서 완전히 삭제", `portone-io/developers.portone.io:src/schema/v1.openapi.json`
    /// `deleteCertification`) in one SQLite transaction; the attempt as it was.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] (also for a V2 attempt), or SQLite.
    pub fn delete_certification(&mut self, imp_uid: &str) -> Result<Certification, StoreError> {
        self.in_transaction(|tx| {
            let certification = certification_on(tx, imp_uid)?;
            if certification.version != ApiVersion::V1 {
                return Err(StoreError::NotFound);
            }
            tx.execute(
                "DELETE FROM transactions WHERE kind = 'certification' AND subject = ?1",
                params![imp_uid],
            )?;
            tx.execute(
                "DELETE FROM certifications WHERE imp_uid = ?1",
                params![imp_uid],
            )?;
            Ok(certification)
        })
    }
}

/// The PASS app's decision (or the page's cancel) on the verification `txn` settles,
/// inside [`Store::settle_transaction`]'s SQLite transaction `conn` (which has marked
/// the token used). An approval certifies the person chosen on the page, with their
/// CI and DI, unless they are younger than `min_age` (then it fails, as Danal refuses
/// them).
///
/// # Errors
/// [`StoreError::NotFound`]; [`StoreError::Conflict`] for an attempt no longer
/// `ready`, an approval before a PASS app was chosen, or a V2 id another attempt
/// already verified; [`StoreError::Invalid`] for a virtual account.
pub(super) fn settle_on(
    conn: &Connection,
    txn: &Transaction,
    outcome: Outcome,
    now: i64,
) -> Result<Certification, StoreError> {
    let certification = certification_on(conn, &txn.subject)?;
    if certification.status != CertificationStatus::Ready {
        return Err(StoreError::Conflict(ALREADY_DECIDED.to_owned()));
    }
    let failure = match outcome {
        Outcome::Approve => certify_on(conn, &certification, now)?,
        Outcome::Deny => {
            Some("PASS 앱에서 본인인증을 거절하였습니다 / denied in the PASS app".to_owned())
        }
        Outcome::Cancel => {
            Some("사용자가 본인인증을 취소하였습니다 / cancelled by the user".to_owned())
        }
        Outcome::Vbank => {
            return Err(StoreError::Invalid(
                "본인인증에는 가상계좌가 없습니다 / no virtual account for a verification"
                    .to_owned(),
            ))
        }
    };
    if let Some(reason) = failure {
        conn.execute(
            "UPDATE certifications SET status = 'failed', failed_at = ?2, fail_reason = ?3
             WHERE imp_uid = ?1 AND status = 'ready'",
            params![certification.imp_uid, now, reason],
        )?;
    }
    certification_on(conn, &certification.imp_uid)
}

/// An approval of `certification` inside the caller's SQLite transaction: certified,
/// or `Some(reason)` it fails for.
fn certify_on(
    conn: &Connection,
    certification: &Certification,
    now: i64,
) -> Result<Option<String>, StoreError> {
    let (Some(person), Some(_)) = (&certification.person, certification.carrier) else {
        return Err(StoreError::Conflict(
            "통신사 PASS 앱을 먼저 고르세요 / no PASS app was chosen on the identity page"
                .to_owned(),
        ));
    };
    if certification.version == ApiVersion::V2
        && verified_elsewhere(conn, &certification.merchant_uid, &certification.imp_uid)?
    {
        return Err(StoreError::Conflict(ALREADY_VERIFIED.to_owned()));
    }
    if let Some(min_age) = certification.min_age {
        if person.birth_date.age_at(now) < min_age {
            return Ok(Some(format!(
                "본인인증 가능 나이(만 {min_age}세) 미만입니다 / younger than the minimum age {min_age}"
            )));
        }
    }
    conn.execute(
        "UPDATE certifications SET status = 'certified', certified_at = ?2, pg_tid = ?3,
             unique_key = ?4, unique_in_site = ?5
         WHERE imp_uid = ?1 AND status = 'ready'",
        params![
            certification.imp_uid,
            now,
            random_id("danal_"),
            person.ci(),
            person.di(di_site())
        ],
    )?;
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(version: ApiVersion, id: &str) -> NewCertification {
        NewCertification {
            merchant_uid: id.to_owned(),
            version,
            pg_provider: "danal".to_owned(),
            channel: "mobile".to_owned(),
            ..NewCertification::default()
        }
    }

    fn urls() -> CheckoutUrls<'static> {
        CheckoutUrls {
            channel: "mobile",
            m_redirect_url: Some("http://127.0.0.1:9/done"),
            ..CheckoutUrls::default()
        }
    }

    /// The app's decision on a verification's token, through the one settle every
    /// kind of transaction goes through.
    fn settle(
        store: &mut Store,
        token: &str,
        outcome: Outcome,
        now: i64,
    ) -> Result<Certification, StoreError> {
        match store.settle_transaction(token, outcome, None, now)? {
            (_, super::super::Subject::Certification(certification)) => Ok(certification),
            (_, other) => panic!("not a verification: {other:?}"),
        }
    }

    fn hong() -> Person {
        Person::parse("홍길동", "1990-01-01", "male", "01012345678").unwrap()
    }

    #[test]
    fn a_v2_id_succeeds_once_and_a_used_token_decides_nothing() {
        let mut store = Store::in_memory().unwrap();
        let (first, txn) = store
            .open_certification(&new(ApiVersion::V2, "iv-1"), &urls(), 10)
            .unwrap();
        assert_eq!(txn.kind, super::super::TransactionKind::Certification);
        let (_, second) = store
            .open_certification(&new(ApiVersion::V2, "iv-1"), &urls(), 11)
            .unwrap();
        assert!(matches!(
            settle(&mut store, &txn.token, Outcome::Approve, 12),
            Err(StoreError::Conflict(_))
        ));
        // The refused approval rolled back: the token is still unused.
        store
            .choose_pass(&txn.token, "pass-skt", Carrier::Skt, &hong())
            .unwrap();
        let certified = settle(&mut store, &txn.token, Outcome::Approve, 13).unwrap();
        assert_eq!(certified.status, CertificationStatus::Certified);
        assert_eq!(certified.unique_key.as_deref(), Some(hong().ci().as_str()));
        assert_eq!(
            certified.unique_in_site.as_deref(),
            Some(hong().di("danaltest").as_str())
        );
        assert!(
            !format!("{certified:?}").contains(&hong().ci()),
            "no CI in Debug"
        );
        assert!(matches!(
            settle(&mut store, &txn.token, Outcome::Deny, 14),
            Err(StoreError::Conflict(_))
        ));
        store
            .choose_pass(&second.token, "pass-kt", Carrier::Kt, &hong())
            .unwrap();
        assert!(matches!(
            settle(&mut store, &second.token, Outcome::Approve, 15),
            Err(StoreError::Conflict(message)) if message == ALREADY_VERIFIED
        ));
        assert!(matches!(
            store.open_certification(&new(ApiVersion::V2, "iv-1"), &urls(), 16),
            Err(StoreError::Conflict(message)) if message == ALREADY_VERIFIED
        ));
        assert_eq!(
            store.identity_verification("iv-1").unwrap().imp_uid,
            first.imp_uid
        );
        // V1 ids may repeat, and a V2 attempt is not V1's.
        store
            .open_certification(&new(ApiVersion::V1, "iv-1"), &urls(), 17)
            .unwrap();
        assert!(matches!(
            store.v1_certification(&first.imp_uid),
            Err(StoreError::NotFound)
        ));
    }

    #[test]
    fn min_age_fails_a_younger_person_and_a_carrier_outside_the_request_is_refused() {
        let mut store = Store::in_memory().unwrap();
        let request = NewCertification {
            min_age: Some(99),
            carriers: vec![Carrier::Kt],
            ..new(ApiVersion::V1, "cert-1")
        };
        let (_, txn) = store
            .open_certification(&request, &urls(), 1_718_409_600)
            .unwrap();
        assert!(matches!(
            store.choose_pass(&txn.token, "pass-skt", Carrier::Skt, &hong()),
            Err(StoreError::Invalid(_))
        ));
        store
            .choose_pass(&txn.token, "pass-kt", Carrier::Kt, &hong())
            .unwrap();
        let failed = settle(&mut store, &txn.token, Outcome::Approve, 1_718_409_600).unwrap();
        assert_eq!(failed.status, CertificationStatus::Failed);
        assert!(failed.fail_reason.as_deref().unwrap().contains("99"));
        assert_eq!(failed.unique_key, None);
        assert!(failed.certified_person().is_none());
    }
}
