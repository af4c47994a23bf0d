//! The merchant's subscriptions in its own database: the buyer's registered card
//! (`payment_cards`: the `customer_uid` the shop gave iamport, the card's name and
//! masked number as the API reported them — never a card number, which the merchant
//! never sees) and the monthly charges (`subscription_charges`, each an order of the
//! orders table, charged at once or scheduled). The one place that knows these
//! tables.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::orders::{Order, PricedOrder};
use super::{MerchantError, MerchantState};
use crate::store::random_id;

/// The subscription the shop sells: priced here, never by the browser.
pub(super) const PLAN_ITEM: &str = "subscription";
/// Its name.
pub(super) const PLAN_NAME: &str = "payhost 원두 정기구독 (월간) / Monthly coffee subscription";
/// Its monthly price.
pub(super) const PLAN_PRICE: i64 = 9_900;

/// Creates the tables (a database of a shop from before subscriptions gains them).
///
/// # Errors
/// When SQLite fails.
pub(super) fn create_tables(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS payment_cards (
             customer_uid TEXT PRIMARY KEY,
             registration_uid TEXT NOT NULL UNIQUE,
             status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'registered', 'failed')),
             imp_uid TEXT,
             card_name TEXT,
             card_number TEXT CHECK (card_number IS NULL OR card_number GLOB '*[*]*'),
             detail TEXT,
             created_at INTEGER NOT NULL,
             registered_at INTEGER
         );
         CREATE TABLE IF NOT EXISTS subscription_charges (
             merchant_uid TEXT PRIMARY KEY REFERENCES orders (merchant_uid),
             customer_uid TEXT NOT NULL REFERENCES payment_cards (customer_uid),
             seq INTEGER NOT NULL,
             schedule_at INTEGER,
             UNIQUE (customer_uid, seq)
         );",
    )
}

/// Where a card's registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum CardStatus {
    /// `request_pay` was asked for; nothing verified yet.
    Pending,
    /// Verified through the API: the card can be charged.
    Registered,
    /// The registration failed (or did not verify).
    Failed,
}

impl CardStatus {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Registered => "registered",
            Self::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "registered" => Self::Registered,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// A buyer's card as the merchant keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PaymentCard {
    pub(super) customer_uid: String,
    pub(super) registration_uid: String,
    pub(super) status: CardStatus,
    pub(super) card_name: Option<String>,
    pub(super) card_number: Option<String>,
    pub(super) detail: Option<String>,
}

/// A charge of a subscription: its order, and when it was scheduled for.
#[derive(Debug, Clone)]
pub(super) struct Charge {
    pub(super) seq: i64,
    pub(super) schedule_at: Option<i64>,
    pub(super) order: Order,
}

/// The merchant's clock (Unix seconds): when a card was registered, when a charge
/// is scheduled for.
pub(super) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl MerchantState {
    /// A new subscription's card, waiting for its registration: its `customer_uid`
    /// and the `merchant_uid` of the 0원 `request_pay` that registers it.
    pub(super) fn new_card(&self) -> Result<PaymentCard, MerchantError> {
        let id = random_id("");
        let card = PaymentCard {
            customer_uid: format!("cu_{id}"),
            registration_uid: format!("reg_{id}"),
            status: CardStatus::Pending,
            card_name: None,
            card_number: None,
            detail: None,
        };
        self.with_db(|conn| {
            conn.execute(
                "INSERT INTO payment_cards (customer_uid, registration_uid, created_at) VALUES (?1, ?2, ?3)",
                params![card.customer_uid, card.registration_uid, unix_now()],
            )
        })?;
        Ok(card)
    }

    fn card_where(&self, column: &str, value: &str) -> Result<Option<PaymentCard>, MerchantError> {
        self.with_db(|conn| {
            conn.query_row(
                &format!(
                    "SELECT customer_uid, registration_uid, status, card_name, card_number, detail
                     FROM payment_cards WHERE {column} = ?1"
                ),
                params![value],
                |row| {
                    Ok(PaymentCard {
                        customer_uid: row.get(0)?,
                        registration_uid: row.get(1)?,
                        status: CardStatus::parse(&row.get::<_, String>(2)?),
                        card_name: row.get(3)?,
                        card_number: row.get(4)?,
                        detail: row.get(5)?,
                    })
                },
            )
            .optional()
        })
    }

    /// The card of `customer_uid`.
    pub(super) fn card(&self, customer_uid: &str) -> Result<Option<PaymentCard>, MerchantError> {
        self.card_where("customer_uid", customer_uid)
    }

    /// The card the registration `merchant_uid` registers.
    pub(super) fn card_of_registration(
        &self,
        merchant_uid: &str,
    ) -> Result<Option<PaymentCard>, MerchantError> {
        self.card_where("registration_uid", merchant_uid)
    }

    /// Records a verified registration (the card as the API reported it, masked).
    pub(super) fn card_registered(
        &self,
        customer_uid: &str,
        imp_uid: &str,
        card_name: Option<&str>,
        card_number: Option<&str>,
    ) -> Result<(), MerchantError> {
        self.with_db(|conn| {
            conn.execute(
                "UPDATE payment_cards SET status = 'registered', imp_uid = ?2, card_name = ?3, card_number = ?4,
                     detail = NULL, registered_at = ?5
                 WHERE customer_uid = ?1",
                params![customer_uid, imp_uid, card_name, card_number, unix_now()],
            )
        })?;
        Ok(())
    }

    /// Records a registration that failed, unless the card was registered already.
    pub(super) fn card_failed(
        &self,
        customer_uid: &str,
        imp_uid: &str,
        detail: &str,
    ) -> Result<(), MerchantError> {
        self.with_db(|conn| {
            conn.execute(
                "UPDATE payment_cards SET status = 'failed', imp_uid = ?2, detail = ?3
                 WHERE customer_uid = ?1 AND status != 'registered'",
                params![customer_uid, imp_uid, detail],
            )
        })?;
        Ok(())
    }

    /// The charge `seq` of the subscription of `customer_uid`: its order, created
    /// with it when it does not exist yet (one SQLite transaction), priced by the plan.
    pub(super) fn charge(
        &self,
        customer_uid: &str,
        seq: i64,
        schedule_at: Option<i64>,
    ) -> Result<Order, MerchantError> {
        let merchant_uid = format!("{customer_uid}_{seq}");
        let existing = self.order(&merchant_uid)?;
        if let Some(order) = existing {
            return Ok(order);
        }
        let order = PricedOrder {
            merchant_uid: merchant_uid.clone(),
            name: PLAN_NAME.to_owned(),
            amount: PLAN_PRICE,
            item: PLAN_ITEM,
            quantity: 1,
        };
        self.with_db(|conn| {
            let tx = conn.unchecked_transaction()?;
            tx.execute(
                "INSERT OR IGNORE INTO orders (merchant_uid, name, amount, item, quantity) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![order.merchant_uid, order.name, order.amount, order.item, order.quantity],
            )?;
            tx.execute(
                "INSERT OR IGNORE INTO subscription_charges (merchant_uid, customer_uid, seq, schedule_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![merchant_uid, customer_uid, seq, schedule_at],
            )?;
            tx.commit()
        })?;
        self.order(&merchant_uid)?
            .ok_or(MerchantError::UnknownOrder(merchant_uid))
    }

    /// The next charge's number for `customer_uid`.
    pub(super) fn next_seq(&self, customer_uid: &str) -> Result<i64, MerchantError> {
        self.with_db(|conn| {
            conn.query_row(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM subscription_charges WHERE customer_uid = ?1",
                params![customer_uid],
                |row| row.get(0),
            )
        })
    }

    /// Every charge of `customer_uid`, oldest first.
    pub(super) fn charges(&self, customer_uid: &str) -> Result<Vec<Charge>, MerchantError> {
        let rows: Vec<(String, i64, Option<i64>)> = self.with_db(|conn| {
            let mut statement = conn.prepare(
                "SELECT merchant_uid, seq, schedule_at FROM subscription_charges
                 WHERE customer_uid = ?1 ORDER BY seq",
            )?;
            let rows = statement
                .query_map(params![customer_uid], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })?;
        let mut charges = Vec::with_capacity(rows.len());
        for (merchant_uid, seq, schedule_at) in rows {
            if let Some(order) = self.order(&merchant_uid)? {
                charges.push(Charge {
                    seq,
                    schedule_at,
                    order,
                });
            }
        }
        Ok(charges)
    }
}
