//! Payments listed by status, a page at a time (`GET /payments/status/{status}`):
//! iamport's filter, time window, sort orders and paging
//! (`portone-io/developers.portone.io:src/schema/v1.openapi.json`,
//! "결제상태기준 복수조회 API"). Apart from the single lookups because it is the one
//! query whose shape (its `ORDER BY`) the caller chooses.

use rusqlite::params;
use serde::Serialize;

use super::{payment_on, Payment, PaymentStatus, Store, StoreError};

/// The time a payment is filtered by (`from`/`to`): the time of its own status —
/// started for `ready`, paid for `paid`, cancelled for `cancelled`, failed for
/// `failed` ("결제건의 최종 status에 따라 다른 검색기준이 적용됩니다").
const STATUS_TIME: &str = "(CASE status WHEN 'ready' THEN started_at WHEN 'paid' THEN paid_at
     WHEN 'cancelled' THEN cancelled_at ELSE failed_at END)";

/// The order of a listing (`sorting`, default `-started`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sorting {
    /// `-started`: newest checkout first.
    #[default]
    StartedDesc,
    /// `started`.
    StartedAsc,
    /// `-paid`: latest payment first (unpaid ones, at 0, last).
    PaidDesc,
    /// `paid`.
    PaidAsc,
    /// `-updated`: latest change of status first.
    UpdatedDesc,
    /// `updated`.
    UpdatedAsc,
}

impl Sorting {
    /// The order named `text` as iamport names it (`-started`, `paid`, …).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "-started" => Self::StartedDesc,
            "started" => Self::StartedAsc,
            "-paid" => Self::PaidDesc,
            "paid" => Self::PaidAsc,
            "-updated" => Self::UpdatedDesc,
            "updated" => Self::UpdatedAsc,
            _ => return None,
        })
    }

    /// The `ORDER BY` clause (static text: nothing of the request is in it). Ties go
    /// by insertion order in the same direction, so a page never repeats a row.
    fn order_by(self) -> &'static str {
        // "Updated": the last time the status changed, as the payment records it.
        match self {
            Self::StartedDesc => "started_at DESC, rowid DESC",
            Self::StartedAsc => "started_at ASC, rowid ASC",
            Self::PaidDesc => "paid_at DESC, rowid DESC",
            Self::PaidAsc => "paid_at ASC, rowid ASC",
            Self::UpdatedDesc => {
                "MAX(started_at, paid_at, failed_at, cancelled_at) DESC, rowid DESC"
            }
            Self::UpdatedAsc => "MAX(started_at, paid_at, failed_at, cancelled_at) ASC, rowid ASC",
        }
    }
}

/// One page of a listing to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Only payments of this status; `None` for all.
    pub status: Option<PaymentStatus>,
    /// 1-based.
    pub page: i64,
    /// Payments per page (at least 1).
    pub limit: i64,
    /// The window on each payment's status time, both ends included (Unix seconds).
    pub from: i64,
    /// See `from`.
    pub to: i64,
    /// The order.
    pub sorting: Sorting,
}

/// A page of payments: `GET /payments/status/{status}`'s `response`
/// (`PagedPaymentAnnotation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentPage {
    /// Payments in the whole listing.
    pub total: i64,
    /// The page before this one, 0 when this is the first.
    pub previous: i64,
    /// The page after this one, 0 when this is the last.
    pub next: i64,
    /// This page's payments.
    pub list: Vec<Payment>,
}

impl Store {
    /// A page of the payments `request` selects.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a page before the first or after the last (the
    /// first page of an empty listing exists, empty), or a limit below 1; SQLite.
    pub fn payments_by_status(&self, request: &PageRequest) -> Result<PaymentPage, StoreError> {
        if request.limit < 1 {
            return Err(StoreError::Invalid(format!(
                "limit 은 1 이상이어야 합니다 (limit must be at least 1, got {})",
                request.limit
            )));
        }
        let filter = format!("(?1 IS NULL OR status = ?1) AND {STATUS_TIME} BETWEEN ?2 AND ?3");
        let total: i64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM payments WHERE {filter}"),
            params![request.status, request.from, request.to],
            |row| row.get(0),
        )?;
        let pages = (total / request.limit + i64::from(total % request.limit != 0)).max(1);
        if !(1..=pages).contains(&request.page) {
            return Err(StoreError::Invalid(format!(
                "데이터 범위를 넘어선 page 입니다 (page {} is outside 1..={pages})",
                request.page
            )));
        }
        let mut statement = self.conn.prepare(&format!(
            "SELECT imp_uid FROM payments WHERE {filter} ORDER BY {} LIMIT ?4 OFFSET ?5",
            request.sorting.order_by()
        ))?;
        let ids = statement
            .query_map(
                params![
                    request.status,
                    request.from,
                    request.to,
                    request.limit,
                    (request.page - 1).saturating_mul(request.limit)
                ],
                |row| row.get::<_, String>(0),
            )?
            .collect::<Result<Vec<_>, _>>()?;
        let list = ids
            .iter()
            .map(|imp_uid| payment_on(&self.conn, imp_uid))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PaymentPage {
            total,
            previous: if request.page > 1 {
                request.page - 1
            } else {
                0
            },
            next: if request.page < pages {
                request.page + 1
            } else {
                0
            },
            list,
        })
    }
}
