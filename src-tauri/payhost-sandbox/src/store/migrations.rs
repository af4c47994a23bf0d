//! The schema changes since the first sandbox database, applied in order on open.
//!
//! `SCHEMA` (store.rs) creates the tables as the first sandbox had them; each
//! migration here changes them once, and SQLite's `user_version` records how many
//! were applied (<https://www.sqlite.org/pragma.html#pragma_user_version>). A database
//! an older payhost left in its data dir (payments a return link may still lead to)
//! is brought up to date the same way as a new one, in one SQLite transaction.

use rusqlite::Connection;

use super::StoreError;

/// Every migration, oldest first; a database at `user_version = n` has the first `n`.
const MIGRATIONS: &[&str] = &[
    // 1: PortOne V2 payments beside V1 ones in the same tables (`payments.version`;
    // a V2 payment's `paymentId` is its `merchant_uid`, its `transactionId` its
    // `imp_uid`), their store and channel, the amounts and buyer fields V2 reports,
    // the id of each cancellation (V1 `cancellation_id`,
    // V2 `PaymentCancellation.id`), and what a pre-registration fixed beside the amount.
    "ALTER TABLE payments ADD COLUMN version TEXT NOT NULL DEFAULT 'V1';
     ALTER TABLE payments ADD COLUMN store_id TEXT;
     ALTER TABLE payments ADD COLUMN channel_key TEXT;
     ALTER TABLE payments ADD COLUMN tax_free INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE payments ADD COLUMN buyer_email TEXT;
     ALTER TABLE payments ADD COLUMN buyer_tel TEXT;
     ALTER TABLE transactions ADD COLUMN version TEXT NOT NULL DEFAULT 'V1';
     ALTER TABLE cancellations ADD COLUMN id TEXT;
     ALTER TABLE prepared ADD COLUMN currency TEXT NOT NULL DEFAULT 'KRW';
     ALTER TABLE prepared ADD COLUMN tax_free INTEGER;
     CREATE INDEX IF NOT EXISTS payments_by_version ON payments (version, merchant_uid, started_at);",
    // 2: a checkout transaction settles a payment, a billing key's issue (V2
    // `requestIssueBillingKey`) or an identity verification, so its `kind` says which
    // and `subject` names it (it was `imp_uid`, a reference to `payments`). SQLite
    // cannot drop a reference in place: the table is rebuilt
    // (<https://www.sqlite.org/lang_altertable.html#otheralter>).
    "CREATE TABLE transactions_new (
         token TEXT PRIMARY KEY,
         kind TEXT NOT NULL DEFAULT 'payment'
             CHECK (kind IN ('payment', 'billing_key', 'certification')),
         subject TEXT NOT NULL,
         channel TEXT NOT NULL,
         m_redirect_url TEXT,
         notice_url TEXT,
         app_scheme TEXT,
         app TEXT,
         used_at INTEGER NOT NULL DEFAULT 0,
         version TEXT NOT NULL DEFAULT 'V1'
     );
     INSERT INTO transactions_new (token, kind, subject, channel, m_redirect_url, notice_url, app_scheme, app, used_at, version)
         SELECT token, 'payment', imp_uid, channel, m_redirect_url, notice_url, app_scheme, app, used_at, version
         FROM transactions;
     DROP TABLE transactions;
     ALTER TABLE transactions_new RENAME TO transactions;
     CREATE INDEX transactions_by_subject ON transactions (kind, subject);",
    // 3: each webhook of the outbox keeps the format it was rendered in (`v1-json`,
    // `v1-form`, `v2`) and its exact body, so a retry or a delivery after a restart
    // sends the same bytes; rows of an older outbox are JSON, rendered when sent.
    "ALTER TABLE webhooks ADD COLUMN format TEXT NOT NULL DEFAULT 'v1-json';
     ALTER TABLE webhooks ADD COLUMN body TEXT;",
    // 4: a V2 webhook's `webhook-id`, the same at every attempt (Standard Webhooks:
    // a receiver tells a retry from a new message by it).
    "ALTER TABLE webhooks ADD COLUMN webhook_id TEXT;",
    // 5: identity verifications (V1 `IMP.certification`, V2
    // `requestIdentityVerification`), one row per attempt, both versions in one table
    // as payments are: a V2 attempt's `identityVerificationId` is its `merchant_uid`,
    // its `identityVerificationTxId` its `imp_uid`. What the request asked for
    // (`requested_*`, the carriers it allows, `min_age`) beside who the buyer said
    // they were on the identity page (`name` … `carrier`), shown only once certified,
    // and the CI and DI of the approval.
    "CREATE TABLE certifications (
         imp_uid TEXT PRIMARY KEY,
         merchant_uid TEXT NOT NULL,
         version TEXT NOT NULL DEFAULT 'V1',
         store_id TEXT,
         channel_key TEXT,
         pg_provider TEXT NOT NULL,
         pg_tid TEXT,
         status TEXT NOT NULL DEFAULT 'ready' CHECK (status IN ('ready', 'certified', 'failed')),
         channel TEXT NOT NULL,
         requested_customer_id TEXT,
         requested_name TEXT,
         requested_phone TEXT,
         requested_birth_date TEXT,
         carriers TEXT,
         min_age INTEGER,
         origin TEXT,
         custom_data TEXT,
         name TEXT,
         birth_date TEXT,
         gender TEXT CHECK (gender IN ('male', 'female')),
         phone TEXT,
         carrier TEXT CHECK (carrier IN ('SKT', 'KT', 'LGU')),
         foreigner INTEGER NOT NULL DEFAULT 0,
         unique_key TEXT,
         unique_in_site TEXT,
         requested_at INTEGER NOT NULL,
         certified_at INTEGER NOT NULL DEFAULT 0,
         failed_at INTEGER NOT NULL DEFAULT 0,
         fail_reason TEXT
     );
     CREATE INDEX certifications_by_merchant_uid ON certifications (version, merchant_uid, requested_at);",
];

/// Creates the first tables (for a new database; a database of the first sandbox
/// has them already), then applies the migrations `conn` has not had yet.
///
/// # Errors
/// When SQLite fails (nothing of the failed migration is kept).
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let applied: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let applied = usize::try_from(applied).unwrap_or(0);
    if applied == 0 {
        conn.execute_batch(super::SCHEMA)?;
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(migration)?;
        // PRAGMA takes no parameters; the number is ours.
        tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_is_migrated_once_and_keeps_its_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::store::SCHEMA).unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        conn.execute(
            "INSERT INTO payments (imp_uid, merchant_uid, pay_method, pg_provider, name, amount, status, started_at)
             VALUES ('imp_old', 'order_old', 'card', 'nice', 'old', 1000, 'paid', 1)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO transactions (token, imp_uid, channel) VALUES ('txn_old', 'imp_old', 'mobile')",
            [],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let (kind, subject): (String, String) = conn
            .query_row("SELECT kind, subject FROM transactions", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .unwrap();
        assert_eq!((kind.as_str(), subject.as_str()), ("payment", "imp_old"));
        let (version, user_version): (String, i64) = conn
            .query_row(
                "SELECT version, (SELECT user_version FROM pragma_user_version) FROM payments",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!(version, "V1");
        assert_eq!(user_version, i64::try_from(MIGRATIONS.len()).unwrap());
    }
}
