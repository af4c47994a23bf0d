//! The merchant's verified identities: the `certifications` table (the verification's
//! id, the API version, the verified name and birth date, a SHA-256 of the CI and
//! when it was recorded). The CI itself is never stored: the hash is enough to find
//! the same person again ("one account per person"), and a leaked table holds no CI.
//! The one place that knows the table, so the decision and the pages only see
//! [`VerifiedIdentity`].

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use super::{MerchantError, MerchantState};
use crate::store::ApiVersion;

/// A verification the merchant accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedIdentity {
    /// V1 `imp_uid`, V2 `identityVerificationId`.
    pub id: String,
    /// The API that verified it.
    pub version: ApiVersion,
    /// The verified name.
    pub name: String,
    /// The verified birth date, `YYYY-MM-DD`.
    pub birth_date: String,
    /// SHA-256 of the CI, lower-case hex.
    pub ci_hash: String,
    /// When the merchant recorded it (Unix seconds).
    pub verified_at: i64,
}

/// SHA-256 of `ci`, lower-case hex: what the merchant keeps of a CI.
pub fn ci_hash(ci: &str) -> String {
    Sha256::digest(ci.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates the table in the merchant's database (a database of an older sandbox
/// gets it on open).
///
/// # Errors
/// When SQLite fails.
pub(super) fn create(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS certifications (
             id TEXT NOT NULL,
             version TEXT NOT NULL CHECK (version IN ('V1', 'V2')),
             name TEXT NOT NULL,
             birth_date TEXT NOT NULL,
             ci_hash TEXT NOT NULL,
             verified_at INTEGER NOT NULL,
             PRIMARY KEY (version, id)
         );
         CREATE INDEX IF NOT EXISTS certifications_by_ci_hash ON certifications (ci_hash);",
    )
}

fn identity_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<VerifiedIdentity> {
    Ok(VerifiedIdentity {
        id: row.get(0)?,
        version: row.get(1)?,
        name: row.get(2)?,
        birth_date: row.get(3)?,
        ci_hash: row.get(4)?,
        verified_at: row.get(5)?,
    })
}

impl MerchantState {
    /// Records `identity` once (one statement, so one SQLite transaction): a
    /// verification seen again keeps its first record, which is returned.
    ///
    /// # Errors
    /// When SQLite fails.
    pub(super) fn record_identity(
        &self,
        identity: &VerifiedIdentity,
    ) -> Result<VerifiedIdentity, MerchantError> {
        self.with_db(|conn| {
            conn.execute(
                "INSERT INTO certifications (id, version, name, birth_date, ci_hash, verified_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (version, id) DO NOTHING",
                params![
                    identity.id,
                    identity.version,
                    identity.name,
                    identity.birth_date,
                    identity.ci_hash,
                    identity.verified_at
                ],
            )?;
            conn.query_row(
                "SELECT id, version, name, birth_date, ci_hash, verified_at FROM certifications
                 WHERE version = ?1 AND id = ?2",
                params![identity.version, identity.id],
                identity_row,
            )
        })
    }

    /// The recorded verification `id` of `version`.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn identity(
        &self,
        version: ApiVersion,
        id: &str,
    ) -> Result<Option<VerifiedIdentity>, MerchantError> {
        self.with_db(|conn| {
            conn.query_row(
                "SELECT id, version, name, birth_date, ci_hash, verified_at FROM certifications
                 WHERE version = ?1 AND id = ?2",
                params![version, id],
                identity_row,
            )
            .optional()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_sha256_hex() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            ci_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
