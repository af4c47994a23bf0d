//! The sandbox store's V2 channels: what a `channelKey` names (a PG contract of the
//! store, console-made in PortOne's real service), which PG it reaches and what it
//! offers. A V2 request names its channel; the PG pages, hand-offs and simulated
//! apps behind it are the same ones V1's `pg` parameter reaches.

use serde::Serialize;

/// What a channel can be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// `payMethod: CARD` (ISP and app cards).
    Card,
    /// `payMethod: TRANSFER` (BankPay).
    Transfer,
    /// `payMethod: VIRTUAL_ACCOUNT`.
    VirtualAccount,
    /// `payMethod: EASY_PAY` with this `easyPay.easyPayProvider`.
    EasyPay(&'static str),
    /// `requestIssueBillingKey` (`billingKeyMethod: CARD`).
    BillingKey,
    /// `requestIdentityVerification` (PASS and the carriers' apps).
    IdentityVerification,
}

/// As a request names it: its `payMethod` (`EASY_PAY` whatever the provider), or the
/// browser SDK's `transactionType` of the call
/// (`@portone/browser-sdk@0.1.11:dist/v2/entity/TransactionType.d.ts`).
impl std::fmt::Display for Offer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Card => "CARD",
            Self::Transfer => "TRANSFER",
            Self::VirtualAccount => "VIRTUAL_ACCOUNT",
            Self::EasyPay(_) => "EASY_PAY",
            Self::BillingKey => "ISSUE_BILLING_KEY",
            Self::IdentityVerification => "IDENTITY_VERIFICATION",
        })
    }
}

/// A channel of the sandbox store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channel {
    /// The `channelKey` a request names.
    pub key: &'static str,
    /// Its name in the console.
    pub name: &'static str,
    /// V2's `PgProvider` (`portone-io/developers.portone.io:src/schema/v2.openapi.json`,
    /// `PgProvider`).
    pub pg_provider: &'static str,
    /// The V1 `pg` of the same PG: the sandbox's PG pages and stored payments speak it.
    pub v1_pg: &'static str,
    /// The PG's id of the merchant (`pgMerchantId`).
    pub pg_merchant_id: &'static str,
    /// What it offers.
    pub offers: &'static [Offer],
}

/// Every channel of the sandbox store.
pub const CHANNELS: [Channel; 5] = [
    Channel {
        key: "channel-key-sandbox-nice",
        name: "NICE페이먼츠 (샌드박스) / NICE Payments (sandbox)",
        pg_provider: "NICE_V2",
        v1_pg: "nice",
        pg_merchant_id: "nicesandbox",
        offers: &[
            Offer::Card,
            Offer::Transfer,
            Offer::VirtualAccount,
            Offer::BillingKey,
        ],
    },
    Channel {
        key: "channel-key-sandbox-inicis",
        name: "KG이니시스 (샌드박스) / KG Inicis (sandbox)",
        pg_provider: "INICIS_V2",
        v1_pg: "html5_inicis",
        pg_merchant_id: "INIpayTest",
        offers: &[Offer::Card, Offer::VirtualAccount, Offer::BillingKey],
    },
    Channel {
        key: "channel-key-sandbox-kakaopay",
        name: "카카오페이 (샌드박스) / KakaoPay (sandbox)",
        pg_provider: "KAKAOPAY",
        v1_pg: "kakaopay",
        pg_merchant_id: "TC0ONETIME",
        offers: &[Offer::EasyPay("KAKAOPAY")],
    },
    Channel {
        key: "channel-key-sandbox-tosspay",
        name: "토스페이 (샌드박스) / Toss Pay (sandbox)",
        pg_provider: "TOSSPAY_V2",
        v1_pg: "tosspay",
        pg_merchant_id: "tosstest",
        offers: &[Offer::EasyPay("TOSSPAY")],
    },
    Channel {
        key: "channel-key-sandbox-danal",
        name: "다날 본인인증 (샌드박스) / Danal identity verification (sandbox)",
        pg_provider: "DANAL",
        v1_pg: "danal",
        pg_merchant_id: "danaltest",
        offers: &[Offer::IdentityVerification],
    },
];

/// The channel `key`, if the store has it.
pub fn by_key(key: &str) -> Option<&'static Channel> {
    CHANNELS.iter().find(|channel| channel.key == key)
}

/// Why a request's `channelKey` cannot serve it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelRefusal {
    /// The store has no such channel (V2's `ChannelNotFound`).
    NotFound(String),
    /// The channel exists but does not offer what is asked.
    DoesNotOffer {
        /// The channel.
        key: &'static str,
        /// What was asked of it.
        offer: Offer,
    },
}

/// The refusal's message, Korean first; a billing key's and a verification's in their
/// own words, a payment's naming its `payMethod`.
impl std::fmt::Display for ChannelRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound(key) => write!(f, "채널을 찾을 수 없습니다 / no channel `{key}`"),
            Self::DoesNotOffer {
                key,
                offer: Offer::BillingKey,
            } => write!(
                f,
                "채널 {key}은(는) 빌링키를 발급하지 않습니다 / the channel issues no billing keys"
            ),
            Self::DoesNotOffer {
                key,
                offer: Offer::IdentityVerification,
            } => write!(
                f,
                "채널 {key}은(는) 본인인증을 제공하지 않습니다 / the channel does not offer identity verification"
            ),
            Self::DoesNotOffer { key, offer } => write!(
                f,
                "채널 {key}은(는) {offer}를 제공하지 않습니다 / the channel does not offer {offer}"
            ),
        }
    }
}

impl std::error::Error for ChannelRefusal {}

/// The channel `key`, when the store has it and it offers `offer`.
///
/// # Errors
/// [`ChannelRefusal`].
pub fn offering(key: &str, offer: Offer) -> Result<&'static Channel, ChannelRefusal> {
    let channel = by_key(key).ok_or_else(|| ChannelRefusal::NotFound(key.to_owned()))?;
    channel.serving(offer)
}

/// The channel `key` names, as V2 shows it; `None` when there is no key or the store
/// has no such channel.
pub fn selected(key: Option<&str>) -> Option<SelectedChannel> {
    key.and_then(by_key).map(Channel::selected)
}

/// V2's `SelectedChannel`: the channel a payment went through, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectedChannel {
    /// `TEST` (a sandbox channel is never live).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The channel's id.
    pub id: &'static str,
    /// Its key.
    pub key: &'static str,
    /// Its name.
    pub name: &'static str,
    /// The PG.
    pub pg_provider: &'static str,
    /// The PG's id of the merchant.
    pub pg_merchant_id: &'static str,
}

impl Channel {
    /// The channel as V2 shows it.
    pub fn selected(&self) -> SelectedChannel {
        SelectedChannel {
            kind: "TEST",
            id: self.key,
            key: self.key,
            name: self.name,
            pg_provider: self.pg_provider,
            pg_merchant_id: self.pg_merchant_id,
        }
    }

    /// Whether it offers `offer`.
    pub fn offers(&self, offer: Offer) -> bool {
        self.offers.contains(&offer)
    }

    /// The channel, when it offers `offer`.
    ///
    /// # Errors
    /// [`ChannelRefusal::DoesNotOffer`].
    pub fn serving(&'static self, offer: Offer) -> Result<&'static Self, ChannelRefusal> {
        if self.offers(offer) {
            Ok(self)
        } else {
            Err(ChannelRefusal::DoesNotOffer {
                key: self.key,
                offer,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_each_finds_its_channel() {
        for (i, channel) in CHANNELS.iter().enumerate() {
            assert!(
                CHANNELS[i + 1..]
                    .iter()
                    .all(|other| other.key != channel.key),
                "{}",
                channel.key
            );
            assert_eq!(by_key(channel.key), Some(channel));
        }
        assert_eq!(by_key("channel-key-unknown"), None);
    }

    #[test]
    fn a_channel_serves_only_what_it_offers() {
        assert_eq!(
            offering("channel-key-sandbox-nice", Offer::BillingKey).map(|c| c.key),
            Ok("channel-key-sandbox-nice")
        );
        assert_eq!(
            offering("channel-key-sandbox-danal", Offer::Card),
            Err(ChannelRefusal::DoesNotOffer {
                key: "channel-key-sandbox-danal",
                offer: Offer::Card
            })
        );
        assert_eq!(
            offering("channel-key-unknown", Offer::Card),
            Err(ChannelRefusal::NotFound("channel-key-unknown".to_owned()))
        );
    }

    #[test]
    fn a_refusal_names_what_the_channel_does_not_offer() {
        let refusal = |offer| ChannelRefusal::DoesNotOffer {
            key: "channel-key-x",
            offer,
        };
        assert_eq!(
            refusal(Offer::EasyPay("KAKAOPAY")).to_string(),
            "채널 channel-key-x은(는) EASY_PAY를 제공하지 않습니다 / the channel does not offer EASY_PAY"
        );
        assert_eq!(
            refusal(Offer::BillingKey).to_string(),
            "채널 channel-key-x은(는) 빌링키를 발급하지 않습니다 / the channel issues no billing keys"
        );
        assert_eq!(
            refusal(Offer::IdentityVerification).to_string(),
            "채널 channel-key-x은(는) 본인인증을 제공하지 않습니다 / the channel does not offer identity verification"
        );
    }
}
