//! The identity provider's page of a verification (`/pg/{token}` of a
//! `certification` transaction; Danal's in the sandbox): who the buyer is — name,
//! birth date, gender, mobile number, what the request fixed shown read-only — and
//! the carriers' PASS apps to verify with (those the request allows). Choosing one
//! (`/pg/{token}/pay/{app}?name=…`) records the person and the app, then the shared
//! hand-off page sends the browser into the app as a real identity page does
//! (`apps::SandboxApp::hand_off`); the PASS app's decision is settled like a payment
//! app's. The hand-off page polls: PASS never links back
//! (`apps::ReturnStyle::Bare`).

use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::pg::{hand_off_page, settle};
use super::subject::certification_summary;
use super::{api_message, device_of, host_of, result_url};
use crate::api::ApiState;
use crate::apps;
use crate::pages::{self, escape};
use crate::person::{self, Carrier, Gender, Person};
use crate::store::Subject;
use crate::store::{Certification, Outcome, Transaction};

/// The page's form, as the choice's query carries it; what is missing is the
/// request's value or the sandbox person's.
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct PersonForm {
    name: Option<String>,
    birth: Option<String>,
    gender: Option<String>,
    phone: Option<String>,
}

/// The carriers whose PASS apps the page offers.
fn offered(certification: &Certification) -> Vec<Carrier> {
    if certification.carriers.is_empty() {
        Carrier::ALL.to_vec()
    } else {
        certification.carriers.clone()
    }
}

/// The person the page asks about: the request's fixed values, then the form's,
/// then the sandbox person's.
fn person_of(certification: &Certification, form: &PersonForm) -> Result<Person, String> {
    let requested = &certification.requested;
    let birth = requested.birth_date.map(|d| d.to_string());
    Person::parse(
        requested
            .name
            .as_deref()
            .or(form.name.as_deref())
            .unwrap_or(person::DEFAULT_NAME),
        birth
            .as_deref()
            .or(form.birth.as_deref())
            .unwrap_or(person::DEFAULT_BIRTH_DATE),
        form.gender.as_deref().unwrap_or(Gender::Male.v1()),
        requested
            .phone
            .as_deref()
            .or(form.phone.as_deref())
            .unwrap_or(person::DEFAULT_PHONE),
    )
}

/// An input of the form, read-only when the request fixed its value.
fn input(id: &str, name: &str, label: &str, kind: &str, value: &str, fixed: bool) -> String {
    format!(
        "<label for=\"{id}\">{label}</label><input id=\"{id}\" name=\"{name}\" type=\"{kind}\" value=\"{value}\"{readonly}>",
        value = escape(value),
        readonly = if fixed { " readonly" } else { "" },
    )
}

/// The identity page of `certification`, with `error` (a refused form) above it.
pub(super) fn page(
    txn: &Transaction,
    certification: &Certification,
    error: Option<&str>,
) -> Html<String> {
    let token = escape(&txn.token);
    let requested = &certification.requested;
    let birth = requested.birth_date.map(|d| d.to_string());
    let mut apps_list = String::new();
    for carrier in offered(certification) {
        if let Some(app) = apps::by_key(carrier.pass_app_key()) {
            apps_list.push_str(&format!(
                "<li><button type=\"submit\" class=\"choice\" id=\"app-{key}\" formaction=\"/pg/{token}/pay/{key}\">{label}</button></li>",
                key = escape(app.key),
                label = escape(app.label),
            ));
        }
    }
    let genders: String = [Gender::Male, Gender::Female]
        .iter()
        .map(|g| format!("<option value=\"{}\">{}</option>", g.v1(), g.label()))
        .collect();
    pages::page(
        "휴대폰 본인인증 / Verify your identity",
        "identity",
        &format!(
            "{summary}{error}\
             <form id=\"identity-form\" method=\"get\" action=\"/pg/{token}\">\
             {name}{birth}\
             <label for=\"person-gender\">성별 / Gender</label><select id=\"person-gender\" name=\"gender\">{genders}</select>\
             {phone}\
             <p>통신사 PASS 앱으로 인증하세요 / Verify with your carrier's PASS app</p>\
             <ul class=\"choices\">{apps_list}</ul></form>\
             <p class=\"tag\">샌드박스의 가상 인물입니다: 실제 개인정보를 넣지 마세요 / a sandbox person: never enter real personal data</p>\
             <p><a id=\"pg-cancel\" class=\"secondary\" href=\"/pg/{token}/pay/cancel\">본인인증 취소 / Cancel</a></p>",
            summary = certification_summary(certification),
            error = error.map_or_else(String::new, |e| format!(
                "<p id=\"form-error\" class=\"notice\">{}</p>",
                escape(e)
            )),
            name = input(
                "person-name",
                "name",
                "이름 / Name",
                "text",
                requested.name.as_deref().unwrap_or(person::DEFAULT_NAME),
                requested.name.is_some()
            ),
            birth = input(
                "person-birth",
                "birth",
                "생년월일 / Birth date",
                "date",
                birth.as_deref().unwrap_or(person::DEFAULT_BIRTH_DATE),
                birth.is_some()
            ),
            phone = input(
                "person-phone",
                "phone",
                "휴대폰 번호 / Mobile number",
                "tel",
                requested.phone.as_deref().unwrap_or(person::DEFAULT_PHONE),
                requested.phone.is_some()
            ),
        ),
    )
}

/// `GET /pg/{token}/pay/{key}` of a verification: `cancel`, or a PASS app with the
/// page's form: the person and the app recorded, then the hand-off page.
pub(super) fn choose(
    state: &ApiState,
    headers: &HeaderMap,
    txn: &Transaction,
    certification: &Certification,
    key: &str,
    form: &PersonForm,
) -> Response {
    let token = &txn.token;
    if key == "cancel" {
        if let Err(err) = settle(state, token, Outcome::Cancel) {
            tracing::info!("identity page cancel refused: {}", api_message(&err));
        }
        return Redirect::to(&format!("/pg/{token}/result")).into_response();
    }
    let Some(carrier) = Carrier::of_pass_app(key).filter(|c| offered(certification).contains(c))
    else {
        return (
            StatusCode::NOT_FOUND,
            page(
                txn,
                certification,
                Some("이 본인인증에서 쓸 수 없는 앱입니다 / this app is not offered here"),
            ),
        )
            .into_response();
    };
    let person = match person_of(certification, form) {
        Ok(person) => person,
        Err(message) => {
            return (
                StatusCode::BAD_REQUEST,
                page(txn, certification, Some(&message)),
            )
                .into_response()
        }
    };
    let chosen = state.with_store(|store| store.choose_pass(token, key, carrier, &person));
    let (Ok(txn), Some(app)) = (chosen, apps::by_key(key)) else {
        return Redirect::to(&format!("/pg/{token}/result")).into_response();
    };
    let hand_off = app.hand_off(
        device_of(headers),
        token,
        &host_of(headers),
        &result_url(headers, token),
    );
    let subject = Subject::Certification(certification.clone());
    hand_off_page(app, &txn, &subject, &hand_off).into_response()
}
