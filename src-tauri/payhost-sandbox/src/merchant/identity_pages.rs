//! The merchant's identity verification pages: the shop's "본인인증 / Verify identity"
//! section ([`section`], V1 `IMP.certification` and V2
//! `PortOne.requestIdentityVerification` buttons; its script is
//! `assets/certify.js`) and the pages a verification lands on,
//! `/certifications/complete` (V1's `m_redirect_url`) and
//! `/identity-verifications/complete` (V2's `redirectUrl`), which show what the
//! merchant's server decided through the API (`identity`): the verified name and
//! birth date, or why not. HTTP in, HTML out.

use axum::extract::{Query, State};
use axum::response::Html;
use serde::{Deserialize, Serialize};

use super::certifications::VerifiedIdentity;
use super::identity::IdentityVerdict;
use super::shop::{IAMPORT_API, PORTONE_V2_API};
use super::{MerchantError, MerchantState};
use crate::pages::{escape, page, Script};
use crate::v2::channels::{self, Offer};

/// The id of the section's data block (the shop's own is `pages::DATA_ID`).
const DATA_ID: &str = "payhost-certify-data";

/// What the section's script (`assets/certify.js`) reads from its data block.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CertifyData<'a> {
    /// The V2 store.
    store_id: &'a str,
    /// The store's identity verification channel.
    channel_key: &'a str,
    /// The app a PASS app's return brings back (V1's `app_scheme`), if any.
    app_scheme: Option<&'a str>,
}

/// The shop's identity verification section, appended to the shop page.
pub(super) fn section(state: &MerchantState) -> String {
    let channel_key = channels::CHANNELS
        .iter()
        .find(|channel| channel.offers(Offer::IdentityVerification))
        .map_or_else(String::new, |channel| channel.key.to_owned());
    format!(
        "<section id=\"certification\"><h2>본인인증 / Verify identity</h2>\
         <p class=\"tag\">통신사 PASS 앱으로 본인인증 (다날, 샌드박스) / identity verification through a carrier's PASS app (Danal, sandbox)</p>\
         <button id=\"certify-v1\">본인인증 V1 (IMP.certification)</button>\
         <button id=\"certify-v2\">본인인증 V2 (requestIdentityVerification)</button>\
         <label class=\"check\"><input type=\"checkbox\" id=\"certify-pc\"> PC 인증창·콜백 방식 / PC layer and callback</label>\
         <p id=\"certify-error\"></p></section>\
         <script src=\"/v2/browser-sdk.js\"></script>{script}",
        script = Script::Certify.with_data_in(
            DATA_ID,
            &CertifyData {
                store_id: crate::SANDBOX_STORE_ID,
                channel_key: &channel_key,
                app_scheme: state.app_scheme.as_deref(),
            }
        ),
    )
}

/// What `IMP.certification` appends to `m_redirect_url`; `success` is not read.
#[derive(Debug, Deserialize)]
pub(super) struct V1Return {
    imp_uid: Option<String>,
    error_msg: Option<String>,
}

/// What `requestIdentityVerification` appends to `redirectUrl`; `code` is not read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct V2Return {
    identity_verification_id: Option<String>,
}

/// `GET /shop/certifications/complete`: V1's landing.
pub(super) async fn certification_complete(
    State(state): State<MerchantState>,
    Query(query): Query<V1Return>,
) -> Html<String> {
    let imp_uid = query.imp_uid.as_deref().unwrap_or_default().trim();
    match (imp_uid.is_empty(), query.error_msg.as_deref()) {
        // Refused before any verification existed (`imp_uid=` empty): a failure the
        // query may report, since it grants nothing.
        (true, Some(message)) if !message.is_empty() => landing(
            "failed",
            "본인인증이 되지 않았습니다 / Not verified",
            message,
            None,
            IAMPORT_API,
        ),
        _ => verdict_page(state.verify_certification(imp_uid).await, IAMPORT_API),
    }
}

/// `GET /shop/identity-verifications/complete`: V2's landing.
pub(super) async fn identity_verification_complete(
    State(state): State<MerchantState>,
    Query(query): Query<V2Return>,
) -> Html<String> {
    let id = query.identity_verification_id.unwrap_or_default();
    verdict_page(
        state.verify_identity_verification(&id).await,
        PORTONE_V2_API,
    )
}

/// The landing of `verdict`, which `api` (`shop::IAMPORT_API`, `shop::PORTONE_V2_API`)
/// answered.
fn verdict_page(
    verdict: Result<IdentityVerdict, MerchantError>,
    api: (&str, &str),
) -> Html<String> {
    match verdict {
        Ok(IdentityVerdict::Verified(identity)) => landing(
            "verified",
            "본인인증이 완료되었습니다 / Identity verified",
            "PASS 본인인증으로 이름과 생년월일을 확인했습니다 / the name and birth date are verified",
            Some(&identity),
            api,
        ),
        Ok(IdentityVerdict::NotVerified(reason)) => landing(
            "failed",
            "본인인증이 되지 않았습니다 / Not verified",
            &reason,
            None,
            api,
        ),
        Ok(IdentityVerdict::Pending) => landing(
            "pending",
            "본인인증이 끝나지 않았습니다 / Verification not finished",
            "PASS 앱에서 인증을 마치지 않았습니다 / the PASS app has not approved it yet",
            None,
            api,
        ),
        Err(err) => landing(
            "error",
            "본인인증을 확인하지 못했습니다 / Could not check the verification",
            &err.to_string(),
            None,
            api,
        ),
    }
}

fn landing(
    status: &str,
    title: &str,
    detail: &str,
    identity: Option<&VerifiedIdentity>,
    (api_ko, api_en): (&str, &str),
) -> Html<String> {
    let lines = identity.map_or_else(String::new, |identity| {
        format!(
            "<dl><dt>이름 / Name</dt><dd id=\"verified-name\">{}</dd>\
             <dt>생년월일 / Birth date</dt><dd id=\"verified-birth\">{}</dd>\
             <dt>인증 번호 / Verification</dt><dd id=\"verification-id\">{}</dd></dl>",
            escape(&identity.name),
            escape(&identity.birth_date),
            escape(&identity.id)
        )
    });
    page(
        title,
        "merchant-certification",
        &format!(
            "<p id=\"result\" class=\"tag\" data-status=\"{status}\">상태 / status: {status}</p>\
             <p id=\"detail\" class=\"verdict\">{detail}</p>{lines}\
             <p class=\"tag\">가맹점 서버가 {api_ko}로 확인한 결과 / verified by the merchant server through {api_en}</p>\
             <p><a id=\"back-to-shop\" class=\"secondary\" href=\"/shop\">상점으로 / Back to the shop</a></p>",
            status = escape(status),
            detail = escape(detail),
            api_ko = escape(api_ko),
            api_en = escape(api_en),
        ),
    )
}
