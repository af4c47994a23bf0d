//! The schema changes since the first sandbox database, applied in order on open.
//!
//! `SCHEMA` (store.rs) creates the tables as the first sandbox had them; each
//! migration here changes them once, and SQLite's `user_version` records how many
//! were applied (<https://www.sqlite.org/pragma.html#pragma_user_version>). A database
//! an older payhost left in its data dir (payments a return link may still lead to)
//! is brought up to date the same way as a new one, each migration in a SQLite
//! transaction of its own (a failed one leaves nothing of itself, and the database
//! at the migration before it). A new one goes at the end of `MIGRATIONS`.

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
    // 6: billing keys (정기결제). A card registered through `request_pay` with
    // `customer_uid` and `amount: 0` is a `paid` payment of 0원 (iamport:
    // `customer_uid_usage` "issue", `portone-io/developers.portone.io:src/schema/v1.openapi.json`
    // `PaymentAnnotation`), so the payments' `CHECK (amount > 0)` lets a payment that
    // only issued a key be 0원: a CHECK changes only by rebuilding the table
    // (<https://www.sqlite.org/lang_altertable.html#otheralter>; `migrate` turns the
    // foreign keys of `cancellations` and `webhooks` off meanwhile and checks them
    // before the commit). A payment also names its customer and billing key, the
    // card it was charged to (masked), and its own `notice_url` (a payment made
    // through the API has no checkout transaction to hold one). Then the keys
    // themselves (V1 under `customer_uid`, V2 under `billingKey`; a card's name and
    // masked number, never the number) and V1's scheduled charges.
    "CREATE TABLE payments_new (
         imp_uid TEXT PRIMARY KEY,
         merchant_uid TEXT NOT NULL,
         pay_method TEXT NOT NULL,
         pg_provider TEXT NOT NULL,
         name TEXT NOT NULL,
         amount INTEGER NOT NULL CHECK (amount >= 0),
         cancel_amount INTEGER NOT NULL DEFAULT 0 CHECK (cancel_amount >= 0 AND cancel_amount <= amount),
         currency TEXT NOT NULL DEFAULT 'KRW',
         status TEXT NOT NULL CHECK (status IN ('ready', 'paid', 'cancelled', 'failed')),
         started_at INTEGER NOT NULL,
         paid_at INTEGER NOT NULL DEFAULT 0,
         failed_at INTEGER NOT NULL DEFAULT 0,
         cancelled_at INTEGER NOT NULL DEFAULT 0,
         fail_reason TEXT,
         apply_num TEXT,
         buyer_name TEXT,
         vbank_num TEXT,
         vbank_name TEXT,
         vbank_date INTEGER NOT NULL DEFAULT 0,
         receipt_url TEXT,
         custom_data TEXT,
         channel TEXT NOT NULL DEFAULT 'mobile',
         version TEXT NOT NULL DEFAULT 'V1',
         store_id TEXT,
         channel_key TEXT,
         tax_free INTEGER NOT NULL DEFAULT 0,
         buyer_email TEXT,
         buyer_tel TEXT,
         customer_uid TEXT,
         customer_uid_usage TEXT CHECK (customer_uid_usage IN ('issue', 'payment', 'payment.scheduled')),
         billing_key TEXT,
         card_name TEXT,
         card_number TEXT,
         notice_url TEXT,
         CHECK (amount > 0 OR customer_uid_usage IS 'issue')
     );
     INSERT INTO payments_new (imp_uid, merchant_uid, pay_method, pg_provider, name, amount, cancel_amount, currency,
                               status, started_at, paid_at, failed_at, cancelled_at, fail_reason, apply_num, buyer_name,
                               vbank_num, vbank_name, vbank_date, receipt_url, custom_data, channel, version, store_id,
                               channel_key, tax_free, buyer_email, buyer_tel)
         SELECT imp_uid, merchant_uid, pay_method, pg_provider, name, amount, cancel_amount, currency,
                status, started_at, paid_at, failed_at, cancelled_at, fail_reason, apply_num, buyer_name,
                vbank_num, vbank_name, vbank_date, receipt_url, custom_data, channel, version, store_id,
                channel_key, tax_free, buyer_email, buyer_tel
         FROM payments;
     DROP TABLE payments;
     ALTER TABLE payments_new RENAME TO payments;
     CREATE INDEX payments_by_merchant_uid ON payments (merchant_uid, started_at);
     CREATE INDEX payments_by_version ON payments (version, merchant_uid, started_at);
     CREATE INDEX payments_by_customer_uid ON payments (customer_uid);
     CREATE TABLE billing_keys (
         billing_key TEXT PRIMARY KEY,
         version TEXT NOT NULL CHECK (version IN ('V1', 'V2')),
         status TEXT NOT NULL CHECK (status IN ('ready', 'issued', 'failed', 'deleted')),
         customer_uid TEXT,
         store_id TEXT,
         channel_key TEXT,
         pg_provider TEXT NOT NULL,
         card_name TEXT,
         card_number TEXT,
         customer_id TEXT,
         customer_name TEXT,
         customer_tel TEXT,
         customer_email TEXT,
         customer_addr TEXT,
         customer_postcode TEXT,
         issue_id TEXT,
         issue_name TEXT,
         custom_data TEXT,
         fail_reason TEXT,
         delete_reason TEXT,
         requested_at INTEGER NOT NULL,
         issued_at INTEGER NOT NULL DEFAULT 0,
         updated_at INTEGER NOT NULL,
         deleted_at INTEGER NOT NULL DEFAULT 0,
         CHECK (version = 'V2' OR customer_uid IS NOT NULL),
         CHECK (status != 'issued' OR (card_name IS NOT NULL AND card_number IS NOT NULL))
     );
     CREATE UNIQUE INDEX billing_keys_of_customer ON billing_keys (customer_uid)
         WHERE version = 'V1' AND status = 'issued';
     CREATE TABLE schedules (
         id INTEGER PRIMARY KEY,
         merchant_uid TEXT NOT NULL,
         customer_uid TEXT NOT NULL,
         schedule_at INTEGER NOT NULL,
         amount INTEGER NOT NULL CHECK (amount > 0),
         currency TEXT NOT NULL DEFAULT 'KRW',
         name TEXT NOT NULL,
         buyer_name TEXT,
         buyer_email TEXT,
         buyer_tel TEXT,
         buyer_addr TEXT,
         buyer_postcode TEXT,
         custom_data TEXT,
         notice_url TEXT,
         status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'executed', 'revoked')),
         imp_uid TEXT REFERENCES payments (imp_uid),
         fail_reason TEXT,
         executed_at INTEGER NOT NULL DEFAULT 0,
         revoked_at INTEGER NOT NULL DEFAULT 0,
         created_at INTEGER NOT NULL
     );
     CREATE UNIQUE INDEX schedules_by_merchant_uid ON schedules (merchant_uid) WHERE status != 'revoked';
     CREATE INDEX schedules_due ON schedules (status, schedule_at);",
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
    if applied >= MIGRATIONS.len() {
        return Ok(());
    }
    // A migration that rebuilds a table other tables reference drops it while their
    // rows still point at it: SQLite's procedure turns foreign keys off first (outside
    // any transaction, where the pragma is a no-op), checks them before the commit,
    // and turns them back on (<https://www.sqlite.org/lang_altertable.html#otheralter>).
    let enforced: bool = conn.query_row("PRAGMA foreign_keys", [], |row| row.get(0))?;
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let migrated = apply(conn, applied);
    if enforced {
        conn.execute_batch("PRAGMA foreign_keys = ON")?;
    }
    migrated
}

/// The migrations after the first `applied`, each in its own transaction, checked
/// for rows whose reference it broke.
fn apply(conn: &mut Connection, applied: usize) -> Result<(), StoreError> {
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(migration)?;
        let broken: i64 =
            tx.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |row| {
                row.get(0)
            })?;
        if broken > 0 {
            // Dropped, the transaction rolls back.
            return Err(StoreError::Conflict(format!(
                "migration {} leaves {broken} rows pointing at nothing",
                index + 1
            )));
        }
        // PRAGMA takes no parameters; the number is ours.
        tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
        tx.commit()?;
    }
    Ok(())
}

/// A database as an older sandbox left it: the first tables and the first `applied`
/// migrations, and nothing after (for tests of what a migration keeps).
#[cfg(test)]
pub(super) fn migrate_to(conn: &mut Connection, applied: usize) -> Result<(), StoreError> {
    conn.execute_batch(super::SCHEMA)?;
    for (index, migration) in MIGRATIONS.iter().enumerate().take(applied) {
        conn.execute_batch(migration)?;
        conn.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
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

    fn columns(conn: &Connection, table: &str) -> Vec<String> {
        let mut statement = conn
            .prepare("SELECT name FROM pragma_table_info(?1)")
            .unwrap();
        let names = statement
            .query_map([table], |row| row.get(0))
            .unwrap()
            .collect::<Result<Vec<String>, _>>()
            .unwrap();
        names
    }

    #[test]
    fn the_payments_rebuild_keeps_every_column_row_and_reference_and_allows_0_only_to_issue() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::store::SCHEMA).unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        // The database as it stood before the rebuild, with a cancelled payment and its
        // webhook (rows that reference the table being rebuilt).
        let rebuild = MIGRATIONS
            .iter()
            .position(|m| m.contains("CREATE TABLE payments_new"))
            .unwrap();
        for (index, migration) in MIGRATIONS[..rebuild].iter().enumerate() {
            conn.execute_batch(migration).unwrap();
            conn.execute_batch(&format!("PRAGMA user_version = {}", index + 1))
                .unwrap();
        }
        conn.execute_batch(
            "INSERT INTO payments (imp_uid, merchant_uid, pay_method, pg_provider, name, amount, cancel_amount,
                                   status, started_at, version, tax_free, buyer_email)
             VALUES ('imp_old', 'order_old', 'card', 'nice', 'old', 1000, 1000, 'cancelled', 1, 'V2', 100, 'a@b.c');
             INSERT INTO cancellations (imp_uid, amount, reason, cancelled_at, id)
             VALUES ('imp_old', 1000, 'r', 2, 'cancel_1');
             INSERT INTO webhooks (imp_uid, merchant_uid, status, url, created_at)
             VALUES ('imp_old', 'order_old', 'cancelled', 'http://127.0.0.1:9/hook', 2);",
        )
        .unwrap();
        let before = columns(&conn, "payments");
        migrate(&mut conn).unwrap();
        let after = columns(&conn, "payments");
        for column in &before {
            assert!(after.contains(column), "`{column}` lost by the rebuild");
        }
        let kept: (i64, i64, String, i64, String) = conn
            .query_row(
                "SELECT amount, cancel_amount, version, tax_free, buyer_email FROM payments WHERE imp_uid = 'imp_old'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
            )
            .unwrap();
        assert_eq!(kept, (1000, 1000, "V2".to_owned(), 100, "a@b.c".to_owned()));
        let broken: i64 = conn
            .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(broken, 0);
        let enforced: bool = conn
            .query_row("PRAGMA foreign_keys", [], |row| row.get(0))
            .unwrap();
        assert!(enforced, "foreign keys are on again");
        // A cancellation of no payment is refused again.
        assert!(conn
            .execute(
                "INSERT INTO cancellations (imp_uid, amount, reason, cancelled_at) VALUES ('imp_none', 1, 'r', 1)",
                [],
            )
            .is_err());
        let insert = |uid: &str, usage: Option<&str>| {
            conn.execute(
                "INSERT INTO payments (imp_uid, merchant_uid, pay_method, pg_provider, name, amount, status,
                                       started_at, customer_uid, customer_uid_usage)
                 VALUES (?1, ?1, 'card', 'nice', 'card', 0, 'paid', 1, 'cu_1', ?2)",
                rusqlite::params![uid, usage],
            )
        };
        assert!(insert("imp_issue", Some("issue")).is_ok());
        assert!(insert("imp_zero", Some("payment")).is_err());
        assert!(insert("imp_zero", None).is_err());
    }
}
