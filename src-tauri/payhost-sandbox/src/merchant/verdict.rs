//! The merchant's decision: what a payment, as the iamport API reports it, means for
//! its order ([`MerchantState::verify`]), from the API's answers and the order's own
//! amount only, and recorded only if the order did not change meanwhile. Kept apart
//! from the pages and the HTTP client so the rules of the module doc (`merchant`) can
//! be read in one place.

use super::iamport::ApiPayment;
use super::orders::{Order, OrderStatus};
use super::payments_api::PaymentApi;
use super::{MerchantError, MerchantState};
use crate::ids::normalize_merchant_uid;
use crate::pages::won;
use crate::store::PaymentStatus;

/// What a verification decided.
#[derive(Debug)]
enum Verdict {
    /// The order now stands at `status` through the payment `imp_uid`.
    Settle {
        status: OrderStatus,
        imp_uid: String,
        detail: String,
    },
    /// Nothing changes; `note` is what a still pending order's buyer is told.
    Keep { note: String },
}

/// How often a verification is redone when the order changed under it.
const VERIFY_ATTEMPTS: usize = 3;
/// How many paid payments of one order a verification looks at (each forged one it
/// meets is cancelled before the next is looked up).
const PAID_LOOKUPS: usize = 8;
/// The reason a forged payment is cancelled with, read back from `cancel_history`.
const FORGED_REASON: &str = "결제 금액 위변조 / forged amount";

/// True when `payment` is a payment of another amount than `order`'s that the
/// merchant itself cancelled as forged: the decision read back from the API, for when
/// recording it failed after the cancel (a retry then finds it `cancelled`).
fn cancelled_as_forged(payment: &ApiPayment, order: &Order) -> bool {
    payment.status == PaymentStatus::Cancelled
        && payment.amount != order.amount
        && payment
            .cancel_history
            .iter()
            .any(|cancel| cancel.reason == FORGED_REASON)
}

impl MerchantState {
    /// Verifies the payment `imp_uid` (or, without it, the newest payment of
    /// `merchant_uid`) through the API and records what it means for the payment's
    /// own order. Idempotent: a payment seen again changes nothing.
    ///
    /// # Errors
    /// When the API or the database fails, or the ids name nothing (the order stays
    /// as it was).
    pub async fn verify(
        &self,
        imp_uid: Option<&str>,
        merchant_uid: Option<&str>,
    ) -> Result<Order, MerchantError> {
        let imp_uid = imp_uid.map(str::trim).filter(|id| !id.is_empty());
        let merchant_uid = merchant_uid.and_then(normalize_merchant_uid);
        if imp_uid.is_none() && merchant_uid.is_none() {
            return Err(MerchantError::NothingNamed);
        }
        let api = PaymentApi::V1 {
            token: self.iamport.token().await?,
            client: &self.iamport,
        };
        self.verify_with(&api, imp_uid, merchant_uid).await
    }

    /// [`MerchantState::verify`] for a V2 payment (`paymentId`, which is the order's
    /// id in this shop), through the V2 API.
    ///
    /// # Errors
    /// As [`MerchantState::verify`]; [`MerchantError::Setup`] when the shop has no V2
    /// client.
    pub async fn verify_v2(&self, payment_id: &str) -> Result<Order, MerchantError> {
        let payment_id = normalize_merchant_uid(payment_id).ok_or(MerchantError::NothingNamed)?;
        let client = self
            .portone
            .as_ref()
            .ok_or_else(|| MerchantError::Setup("this shop has no V2 API client".to_owned()))?;
        self.verify_with(&PaymentApi::V2(client), Some(payment_id), None)
            .await
    }

    async fn verify_with(
        &self,
        api: &PaymentApi<'_>,
        id: Option<&str>,
        merchant_uid: Option<&str>,
    ) -> Result<Order, MerchantError> {
        let mut contended =
            MerchantError::Contended(merchant_uid.or(id).unwrap_or_default().to_owned());
        for _ in 0..VERIFY_ATTEMPTS {
            let reported = match (id, merchant_uid) {
                (Some(id), _) => api.payment(id).await?,
                // A cold start may have lost `imp_uid`: find the payment by our order id.
                (None, Some(merchant_uid)) => api.find(merchant_uid).await?,
                (None, None) => return Err(MerchantError::NothingNamed),
            };
            match self.verify_once(api, reported).await {
                Err(err @ MerchantError::Contended(_)) => contended = err,
                other => return other,
            }
        }
        Err(contended)
    }

    async fn verify_once(
        &self,
        api: &PaymentApi<'_>,
        reported: ApiPayment,
    ) -> Result<Order, MerchantError> {
        // The order is the payment's, never the one the browser named.
        let Some(order) = self.order(&reported.merchant_uid)? else {
            return Err(MerchantError::UnknownOrder(reported.merchant_uid));
        };
        // A paid order changes only through its own payment: that one decides,
        // whichever payment of the order was reported (another tab's, a stale one).
        let payment = match (order.status, &order.imp_uid) {
            (OrderStatus::Paid, Some(own)) if *own != reported.imp_uid => api.payment(own).await?,
            _ => reported,
        };
        match self.verdict(api, &order, payment).await? {
            Verdict::Keep { note } if order.status == OrderStatus::Pending => Ok(Order {
                detail: Some(note),
                ..order
            }),
            Verdict::Keep { .. } => Ok(order),
            Verdict::Settle {
                status,
                imp_uid,
                detail,
            } => {
                let unchanged = status == order.status
                    && order.imp_uid.as_deref() == Some(imp_uid.as_str())
                    && order.detail.as_deref() == Some(detail.as_str());
                if !unchanged {
                    self.settle(&order, status, &imp_uid, &detail)?;
                }
                Ok(Order {
                    status,
                    imp_uid: Some(imp_uid),
                    detail: Some(detail),
                    ..order
                })
            }
        }
    }

    /// What `payment` means for `order`, from the API's answers and the order's
    /// amount only.
    async fn verdict(
        &self,
        api: &PaymentApi<'_>,
        order: &Order,
        first: ApiPayment,
    ) -> Result<Verdict, MerchantError> {
        let mut forged: Option<ApiPayment> = None;
        let mut payment = first.clone();
        for _ in 0..PAID_LOOKUPS {
            match payment.status {
                PaymentStatus::Paid if payment.amount == order.amount => {
                    return Ok(Verdict::Settle {
                        status: OrderStatus::Paid,
                        detail: format!("{} 결제 완료 / paid", won(payment.amount)),
                        imp_uid: payment.imp_uid,
                    });
                }
                PaymentStatus::Paid => {
                    // Cancelled before it is recorded, with our own reason: when the
                    // record then fails, a retry (or the cancellation's webhook) reads
                    // the decision back from `cancel_history` (below).
                    if let Err(refused) = api.cancel(&payment.imp_uid, FORGED_REASON).await {
                        // Another verification of the same payment (the webhook beside
                        // the landing) may have cancelled it a moment earlier: the API
                        // refuses a second cancel. The payment as the API now has it
                        // decides; anything else is the refusal's error.
                        let now = api.payment(&payment.imp_uid).await?;
                        if !cancelled_as_forged(&now, order) {
                            return Err(refused);
                        }
                    }
                    forged.get_or_insert_with(|| payment.clone());
                }
                PaymentStatus::Cancelled if cancelled_as_forged(&payment, order) => {
                    forged.get_or_insert_with(|| payment.clone());
                }
                PaymentStatus::Ready | PaymentStatus::Failed | PaymentStatus::Cancelled => {}
            }
            // A paid payment of the order decides before a failure, a cancellation or
            // a `ready` one (another tab may be paid while its webhook is on its way).
            match api.find_paid(&order.merchant_uid).await? {
                Some(next) if next.imp_uid != payment.imp_uid => payment = next,
                _ => break,
            }
        }
        if let Some(forged) = forged {
            return Ok(Verdict::Settle {
                status: OrderStatus::Forged,
                detail: format!(
                    "주문 금액 {}과 결제 금액 {}이 다릅니다 / amount mismatch, cancelled",
                    won(order.amount),
                    won(forged.amount)
                ),
                imp_uid: forged.imp_uid,
            });
        }
        let own = order.imp_uid.as_deref() == Some(first.imp_uid.as_str());
        Ok(match first.status {
            PaymentStatus::Failed
                if matches!(order.status, OrderStatus::Pending | OrderStatus::Failed)
                    || (order.status == OrderStatus::VbankIssued && own) =>
            {
                Verdict::Settle {
                    status: OrderStatus::Failed,
                    detail: first
                        .fail_reason
                        .unwrap_or_else(|| "결제되지 않았습니다 / not paid".to_owned()),
                    imp_uid: first.imp_uid,
                }
            }
            PaymentStatus::Cancelled if order.status == OrderStatus::Paid && own => {
                Verdict::Settle {
                    status: OrderStatus::Cancelled,
                    detail: format!("{} 결제 취소 / payment cancelled", won(first.amount)),
                    imp_uid: first.imp_uid,
                }
            }
            // The order's virtual account revoked before any deposit (`DELETE
            // /vbanks/{imp_uid}` leaves it `cancelled` with no cancel_history, and
            // iamport sends no webhook for it): the order is unpaid again and may be
            // paid anew, and its page no longer offers an account nobody can pay into.
            PaymentStatus::Cancelled
                if order.status == OrderStatus::VbankIssued
                    && own
                    && first.cancel_history.is_empty() =>
            {
                Verdict::Settle {
                    status: OrderStatus::Failed,
                    detail: "가상계좌가 말소되어 입금할 수 없습니다. 다시 결제하세요 / the virtual account was revoked; pay again"
                        .to_owned(),
                    imp_uid: first.imp_uid,
                }
            }
            PaymentStatus::Cancelled => Verdict::Keep {
                note: "결제가 취소되었습니다 / the payment was cancelled".to_owned(),
            },
            // No paid payment of the order: a virtual account may be shown, unless an
            // earlier payment settled the order (forged, or paid and cancelled).
            PaymentStatus::Ready
                if matches!(
                    order.status,
                    OrderStatus::Pending | OrderStatus::Failed | OrderStatus::VbankIssued
                ) =>
            {
                // A payment of the order that was paid and then cancelled (another tab's
                // card payment refunded while its webhook was on its way) settled the
                // order: no account to pay into it again.
                if api.find_cancelled(&order.merchant_uid).await?.is_some() {
                    Verdict::Keep {
                        note: "이 주문은 결제 후 취소되었습니다 / this order was paid and then cancelled"
                            .to_owned(),
                    }
                } else {
                    ready_verdict(order, &first)
                }
            }
            _ => Verdict::Keep {
                note: "결제되지 않았습니다 / not paid".to_owned(),
            },
        })
    }
}

/// A `ready` payment decides nothing, except a virtual account for the order's own
/// amount (iamport sends `ready` when one is issued:
/// https://developers.portone.io/docs/ko/result/webhook).
fn ready_verdict(order: &Order, payment: &ApiPayment) -> Verdict {
    match (&payment.vbank_num, payment.pay_method.as_str()) {
        (Some(account), "vbank") if payment.amount == order.amount => Verdict::Settle {
            status: OrderStatus::VbankIssued,
            detail: format!(
                "{} {account} 계좌로 {}을 입금하세요 / pay into this virtual account",
                payment.vbank_name.as_deref().unwrap_or_default(),
                won(order.amount)
            ),
            imp_uid: payment.imp_uid.clone(),
        },
        (Some(_), "vbank") => Verdict::Keep {
            note: format!(
                "가상계좌 금액 {}이 주문 금액 {}과 달라 계좌를 안내하지 않습니다 / the virtual account is for another amount",
                won(payment.amount),
                won(order.amount)
            ),
        },
        _ => Verdict::Keep {
            note: "아직 결제되지 않았습니다 / not paid yet".to_owned(),
        },
    }
}
