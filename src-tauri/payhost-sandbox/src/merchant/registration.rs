//! The merchant's subscription decisions, from the iamport API's answers only: a
//! card registration (the 0원 `request_pay` with the shop's `customer_uid`) counts
//! when the API reports its payment `paid`, 0원, for that `customer_uid` and used to
//! `issue` a key, and the API has the card (`GET /subscribe/customers/{customer_uid}`);
//! then the first month is charged without the buyer (`again`) and that payment is
//! verified like any order's (`verdict`, the merchant's one decision about money).
//! The next month is scheduled a few seconds ahead ([`SCHEDULE_DELAY_SECS`], so QA
//! sees it fire); its webhook is verified like any other (`shop::webhook`).

use super::cards::{unix_now, CardStatus, Charge, PaymentCard};
use super::orders::{Order, OrderStatus};
use super::subscribe_api::{AgainRequest, RegistrationPayment, ScheduleCharge, ScheduleRequest};
use super::{MerchantError, MerchantState};
use crate::ids::normalize_merchant_uid;
use crate::store::PaymentStatus;

/// How far ahead the shop schedules the next charge: seconds, not a month, so the
/// charge can be seen firing.
pub(super) const SCHEDULE_DELAY_SECS: i64 = 5;

/// The reason a registration that charged money is cancelled with.
const CHARGED_REGISTRATION: &str = "카드 등록 결제 금액 위변조 / a card registration must be 0원";

/// A subscription as its pages show it.
#[derive(Debug, Clone)]
pub(super) struct Subscription {
    pub(super) card: PaymentCard,
    pub(super) charges: Vec<Charge>,
}

/// True when `payment` registered the card of `card` as the shop asked: paid, 0원,
/// for its `customer_uid`, only to issue the key.
fn registers(payment: &RegistrationPayment, card: &PaymentCard) -> bool {
    payment.status == PaymentStatus::Paid
        && payment.amount == 0
        && payment.customer_uid.as_deref() == Some(card.customer_uid.as_str())
        && payment.customer_uid_usage.as_deref() == Some("issue")
}

impl MerchantState {
    /// The landing of a card registration (`m_redirect_url`): verifies the payment
    /// `imp_uid` (or, without it, the newest of `merchant_uid`) as the registration of
    /// its own card, then charges the first month once and verifies that payment.
    ///
    /// # Errors
    /// When the API or the database fails, or the payment registers no card of the
    /// shop.
    pub(super) async fn complete_registration(
        &self,
        imp_uid: Option<&str>,
        merchant_uid: Option<&str>,
        notice_url: &str,
    ) -> Result<Subscription, MerchantError> {
        let imp_uid = imp_uid.map(str::trim).filter(|id| !id.is_empty());
        let merchant_uid = merchant_uid.and_then(normalize_merchant_uid);
        let token = self.iamport.token().await?;
        let payment = match (imp_uid, merchant_uid) {
            (Some(imp_uid), _) => self.iamport.registration(&token, imp_uid).await?,
            (None, Some(merchant_uid)) => {
                self.iamport.find_registration(&token, merchant_uid).await?
            }
            (None, None) => return Err(MerchantError::NothingNamed),
        };
        // The card is the one the payment registers, never the one the browser named.
        let card = self
            .card_of_registration(&payment.merchant_uid)?
            .ok_or_else(|| MerchantError::UnknownOrder(payment.merchant_uid.clone()))?;
        if card.status != CardStatus::Registered {
            self.verify_registration(&token, &card, &payment).await?;
        }
        let card = self
            .card(&card.customer_uid)?
            .ok_or_else(|| MerchantError::UnknownOrder(card.customer_uid.clone()))?;
        if card.status == CardStatus::Registered {
            self.first_charge(&token, &card, notice_url).await?;
        }
        self.subscription(&card.customer_uid)
    }

    async fn verify_registration(
        &self,
        token: &str,
        card: &PaymentCard,
        payment: &RegistrationPayment,
    ) -> Result<(), MerchantError> {
        match payment.status {
            PaymentStatus::Paid if registers(payment, card) => {
                let registered = self.iamport.customer(token, &card.customer_uid).await?;
                if registered.customer_uid != card.customer_uid {
                    return Err(MerchantError::UnknownOrder(registered.customer_uid));
                }
                self.card_registered(
                    &card.customer_uid,
                    &payment.imp_uid,
                    registered.card_name.as_deref(),
                    registered.card_number.as_deref(),
                )
            }
            PaymentStatus::Paid => {
                // Not what the shop asked for: money taken is given back.
                if payment.amount > 0 {
                    self.iamport
                        .cancel(token, &payment.imp_uid, CHARGED_REGISTRATION)
                        .await?;
                }
                self.card_failed(
                    &card.customer_uid,
                    &payment.imp_uid,
                    "카드 등록을 확인하지 못했습니다 (금액 또는 customer_uid 불일치) / the registration did not verify (amount or customer_uid)",
                )
            }
            PaymentStatus::Failed => self.card_failed(
                &card.customer_uid,
                &payment.imp_uid,
                payment
                    .fail_reason
                    .as_deref()
                    .unwrap_or("카드 등록에 실패했습니다 / the registration failed"),
            ),
            PaymentStatus::Ready | PaymentStatus::Cancelled => Ok(()),
        }
    }

    /// Charges the first month once (a reload finds its order decided) and verifies
    /// the payment.
    async fn first_charge(
        &self,
        token: &str,
        card: &PaymentCard,
        notice_url: &str,
    ) -> Result<Order, MerchantError> {
        let order = self.charge(&card.customer_uid, 1, None)?;
        if order.status != OrderStatus::Pending {
            return Ok(order);
        }
        let charged = self
            .iamport
            .again(
                token,
                &AgainRequest {
                    customer_uid: &card.customer_uid,
                    merchant_uid: &order.merchant_uid,
                    amount: order.amount,
                    name: &order.name,
                    notice_url,
                },
            )
            .await;
        match charged {
            Ok(payment) => self.verify(Some(&payment.imp_uid), None).await,
            // Refused in the envelope (an earlier landing charged the order already):
            // what the API knows of the order decides.
            Err(MerchantError::Api { .. }) => self.verify(None, Some(&order.merchant_uid)).await,
            Err(err) => Err(err),
        }
    }

    /// Schedules the next month's charge of `customer_uid`
    /// [`SCHEDULE_DELAY_SECS`] from now, its webhook to `notice_url`: its order.
    ///
    /// # Errors
    /// An unknown or unregistered card, or the API's refusal.
    pub(super) async fn schedule_next(
        &self,
        customer_uid: &str,
        notice_url: &str,
    ) -> Result<Order, MerchantError> {
        let card = self
            .card(customer_uid)?
            .filter(|card| card.status == CardStatus::Registered)
            .ok_or_else(|| MerchantError::UnknownOrder(customer_uid.to_owned()))?;
        let seq = self.next_seq(&card.customer_uid)?;
        let schedule_at = unix_now() + SCHEDULE_DELAY_SECS;
        let order = self.charge(&card.customer_uid, seq, Some(schedule_at))?;
        let token = self.iamport.token().await?;
        let scheduled = self
            .iamport
            .schedule(
                &token,
                &ScheduleRequest {
                    customer_uid: &card.customer_uid,
                    schedules: vec![ScheduleCharge {
                        merchant_uid: &order.merchant_uid,
                        schedule_at,
                        amount: order.amount,
                        name: &order.name,
                        notice_url,
                    }],
                },
            )
            .await?;
        // The API answers what it scheduled: the charge must be among it, as asked.
        if !scheduled
            .iter()
            .any(|s| s.merchant_uid == order.merchant_uid && s.schedule_at == schedule_at)
        {
            return Err(MerchantError::Api {
                code: 0,
                message: format!("`{}` was not scheduled", order.merchant_uid),
            });
        }
        Ok(order)
    }

    /// The subscription of `customer_uid`, as the merchant's database has it.
    ///
    /// # Errors
    /// An unknown card, or the database.
    pub(super) fn subscription(&self, customer_uid: &str) -> Result<Subscription, MerchantError> {
        let card = self
            .card(customer_uid)?
            .ok_or_else(|| MerchantError::UnknownOrder(customer_uid.to_owned()))?;
        let charges = self.charges(customer_uid)?;
        Ok(Subscription { card, charges })
    }
}
