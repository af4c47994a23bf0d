//! The merchant's orders: what the shop sells ([`ITEMS`], priced here, never by the
//! browser), where an order stands ([`OrderStatus`]) and the orders table (its schema
//! and the migration of older databases, reading an order, creating one, recording a
//! verdict). The one place that knows the table, so the verdict and the pages only
//! see [`Order`]s.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{MerchantError, MerchantState};
use crate::ids::normalize_merchant_uid;
use crate::store::{random_id, text_enum};

/// Where an order stands, as the merchant decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Nothing decided yet (created, or only `ready` payments so far).
    Pending,
    /// Paid with the order's amount.
    Paid,
    /// A virtual account for the order's amount was issued.
    VbankIssued,
    /// Its payment failed and none of its payments is paid.
    Failed,
    /// A paid amount differed; that payment was cancelled.
    Forged,
    /// Its payment was cancelled through the API after it was paid.
    Cancelled,
}

text_enum!(OrderStatus as column "order status" {
    Pending => "pending",
    Paid => "paid",
    VbankIssued => "vbank_issued",
    Failed => "failed",
    Forged => "forged",
    Cancelled => "cancelled",
});

/// An order as the merchant keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    /// The order id given to `IMP.request_pay`.
    pub merchant_uid: String,
    /// Order name.
    pub name: String,
    /// The amount the merchant charges: the only amount that counts.
    pub amount: i64,
    /// The shop item (`None` for orders stored before items were recorded).
    pub item: Option<String>,
    /// How many of it.
    pub quantity: Option<i64>,
    /// Where it stands.
    pub status: OrderStatus,
    /// The payment that decided it.
    pub imp_uid: Option<String>,
    /// What the buyer is told.
    pub detail: Option<String>,
}

/// The shop's items: the server prices an order, never the browser.
pub const ITEMS: [(&str, &str, i64); 3] = [
    ("coffee", "샌드박스 원두 1kg / Sandbox coffee beans", 12_900),
    ("tumbler", "payhost 텀블러 / payhost tumbler", 23_000),
    ("gift", "선물 세트 / Gift set", 51_000),
];

/// Opens (and creates) the orders database at `path` (the orders, and the ids of
/// the V2 webhooks processed: `v2_webhook`), migrating one from before orders
/// recorded their item.
///
/// # Errors
/// When SQLite fails.
pub(super) fn open(path: &Path) -> Result<Connection, MerchantError> {
    let conn = Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE IF NOT EXISTS orders (
             merchant_uid TEXT PRIMARY KEY,
             name TEXT NOT NULL,
             amount INTEGER NOT NULL CHECK (amount > 0),
             status TEXT NOT NULL DEFAULT 'pending',
             imp_uid TEXT,
             detail TEXT,
             item TEXT,
             quantity INTEGER
         );
         CREATE TABLE IF NOT EXISTS v2_webhooks (
             webhook_id TEXT PRIMARY KEY,
             kind TEXT NOT NULL,
             received_at INTEGER NOT NULL DEFAULT (unixepoch())
         );",
    )?;
    // Databases from before orders recorded their item.
    let has_item: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('orders') WHERE name = 'item')",
        [],
        |row| row.get(0),
    )?;
    if !has_item {
        conn.execute_batch(
            "ALTER TABLE orders ADD COLUMN item TEXT;
             ALTER TABLE orders ADD COLUMN quantity INTEGER;",
        )?;
    }
    Ok(conn)
}

/// A new order as the shop prices it: an item of [`ITEMS`] and a quantity, nothing
/// the browser says about money.
#[derive(Debug)]
pub(super) struct PricedOrder {
    /// The order id (the one given, normalised, or a new one).
    pub(super) merchant_uid: String,
    /// The item's name, with the quantity when more than one.
    pub(super) name: String,
    /// The item's price times the quantity.
    pub(super) amount: i64,
    /// The key of the item in [`ITEMS`].
    pub(super) item: &'static str,
    /// How many.
    pub(super) quantity: i64,
}

impl PricedOrder {
    /// `quantity` of the item `item`, as the order `merchant_uid` (a new id when
    /// `None`).
    ///
    /// # Errors
    /// What the buyer is told: an unknown item, a quantity outside 1..=99, or an id
    /// with nothing but whitespace.
    pub(super) fn priced(
        merchant_uid: Option<&str>,
        item: &str,
        quantity: i64,
    ) -> Result<Self, &'static str> {
        let Some((key, name, price)) = ITEMS.iter().find(|(key, _, _)| *key == item) else {
            return Err("unknown item / 없는 상품입니다");
        };
        if !(1..=99).contains(&quantity) {
            return Err("quantity must be 1..=99 / 수량은 1~99");
        }
        let merchant_uid = match merchant_uid {
            None => random_id("order_"),
            Some(raw) => match normalize_merchant_uid(raw) {
                Some(uid) => uid.to_owned(),
                None => return Err("merchant_uid is empty / 주문번호가 비었습니다"),
            },
        };
        let name = if quantity == 1 {
            (*name).to_owned()
        } else {
            format!("{name} × {quantity}")
        };
        Ok(Self {
            merchant_uid,
            name,
            amount: price * quantity,
            item: *key,
            quantity,
        })
    }
}

impl MerchantState {
    /// The order `merchant_uid`.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn order(&self, merchant_uid: &str) -> Result<Option<Order>, MerchantError> {
        self.with_db(|conn| {
            conn.query_row(
                "SELECT merchant_uid, name, amount, item, quantity, status, imp_uid, detail
                 FROM orders WHERE merchant_uid = ?1",
                params![merchant_uid],
                |row| {
                    Ok(Order {
                        merchant_uid: row.get(0)?,
                        name: row.get(1)?,
                        amount: row.get(2)?,
                        item: row.get(3)?,
                        quantity: row.get(4)?,
                        status: row.get(5)?,
                        imp_uid: row.get(6)?,
                        detail: row.get(7)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Stores `new` as a `pending` order.
    ///
    /// # Errors
    /// When SQLite fails; an order of the same id is a constraint violation.
    pub(super) fn create_order(&self, new: &PricedOrder) -> Result<(), MerchantError> {
        self.with_db(|conn| {
            conn.execute(
                "INSERT INTO orders (merchant_uid, name, amount, item, quantity) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![new.merchant_uid, new.name, new.amount, new.item, new.quantity],
            )
        })?;
        Ok(())
    }

    /// Records a verdict on `seen`, only if the order is still as it was seen.
    pub(super) fn settle(
        &self,
        seen: &Order,
        status: OrderStatus,
        imp_uid: &str,
        detail: &str,
    ) -> Result<(), MerchantError> {
        let changed = self.with_db(|conn| {
            conn.execute(
                "UPDATE orders SET status = ?2, imp_uid = ?3, detail = ?4
                 WHERE merchant_uid = ?1 AND status = ?5 AND imp_uid IS ?6",
                params![
                    seen.merchant_uid,
                    status,
                    imp_uid,
                    detail,
                    seen.status,
                    seen.imp_uid
                ],
            )
        })?;
        if changed == 1 {
            Ok(())
        } else {
            Err(MerchantError::Contended(seen.merchant_uid.clone()))
        }
    }
}
