//! Who may call the V2 API, and how its bodies are read.
//!
//! V2 authenticates every call with `Authorization: PortOne <API secret>`, or with a
//! bearer token that `POST /login/api-secret` trades for the secret
//! (<https://developers.portone.io/api/rest-v2/auth>; both official server clients
//! send `PortOne <secret>`: `portone-server-sdk@0.21.0`, `@portone/server-sdk@0.19.0`).
//! The sandbox's tokens start with [`TOKEN_PREFIX`], so a bearer token also tells V2
//! from V1 at the paths both versions serve (see `v2::mod`).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap};
use axum::Json;
use serde::de::DeserializeOwned;

use crate::api::{ApiState, TOKEN_LIFETIME_SECS};
use crate::store::random_id;
use crate::v2::error::{V2Error, V2ErrorKind};
use crate::v2::model::{LoginBody, LoginResponse};

/// The prefix of the sandbox's V2 access tokens.
pub const TOKEN_PREFIX: &str = "portone_";

/// The credentials of an `Authorization` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential<'a> {
    /// `PortOne <secret>`.
    Secret(&'a str),
    /// `Bearer <token>`.
    Bearer(&'a str),
}

/// The header's credentials: the scheme in any case (RFC 9110 §11.1).
fn credential(headers: &HeaderMap) -> Option<Credential<'_>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(|c: char| c.is_ascii_whitespace())?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("portone") {
        Some(Credential::Secret(rest))
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Some(Credential::Bearer(rest))
    } else {
        None
    }
}

/// True when the request is a V2 call: `PortOne <secret>`, or a bearer token V2 gave.
pub fn is_v2_request(headers: &HeaderMap) -> bool {
    match credential(headers) {
        Some(Credential::Secret(_)) => true,
        Some(Credential::Bearer(token)) => token.starts_with(TOKEN_PREFIX),
        None => false,
    }
}

fn unauthorized(message: &str) -> V2Error {
    V2Error::new(V2ErrorKind::Unauthorized, message)
}

/// Checks a V2 call's credentials.
///
/// # Errors
/// `UNAUTHORIZED` without valid credentials.
pub fn authorize(state: &ApiState, headers: &HeaderMap) -> Result<(), V2Error> {
    match credential(headers) {
        Some(Credential::Secret(secret)) if secret == crate::SANDBOX_API_SECRET => Ok(()),
        Some(Credential::Secret(_)) => Err(unauthorized(
            "API secret이 올바르지 않습니다 / the API secret is wrong",
        )),
        Some(Credential::Bearer(token)) if token.starts_with(TOKEN_PREFIX) => {
            let now = (state.clock)();
            if super::with_store(state, |store| store.token_valid(token, now))? {
                Ok(())
            } else {
                Err(unauthorized(
                    "토큰이 올바르지 않거나 만료되었습니다 / the token is invalid or expired",
                ))
            }
        }
        _ => Err(unauthorized(
            "인증 정보가 없습니다: Authorization: PortOne <API secret> / no credentials",
        )),
    }
}

/// Checks a request's `storeId` (optional everywhere: the authenticated store's
/// when absent) names the sandbox store.
///
/// # Errors
/// `FORBIDDEN` for another store.
pub fn check_store(store_id: Option<&str>) -> Result<(), V2Error> {
    match store_id {
        Some(id) if id != crate::SANDBOX_STORE_ID => Err(V2Error::new(
            V2ErrorKind::Forbidden,
            format!("이 상점에 접근할 수 없습니다 / no access to the store `{id}`"),
        )),
        _ => Ok(()),
    }
}

/// A V2 request body: JSON whatever the `Content-Type` says (`@portone/server-sdk`
/// sets none, so `fetch` sends `text/plain`); an empty body is `T::default()`.
#[derive(Debug)]
pub struct V2Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for V2Body<T> {
    type Rejection = V2Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|err| V2Error::invalid(err.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        serde_json::from_slice(&bytes).map(Self).map_err(|err| {
            V2Error::invalid(format!("요청 본문을 읽을 수 없습니다 / bad body: {err}"))
        })
    }
}

/// `POST /login/api-secret`: a bearer token for the API secret.
pub(crate) async fn login(
    State(state): State<ApiState>,
    V2Body(body): V2Body<Option<LoginBody>>,
) -> Result<Json<LoginResponse>, V2Error> {
    let Some(body) = body else {
        return Err(V2Error::invalid(
            "apiSecret이 필요합니다 / apiSecret is required",
        ));
    };
    if body.api_secret != crate::SANDBOX_API_SECRET {
        return Err(unauthorized(
            "API secret이 올바르지 않습니다 / the API secret is wrong",
        ));
    }
    let now = (state.clock)();
    let access_token = random_id(TOKEN_PREFIX);
    super::with_store(&state, |store| {
        store.add_token(&access_token, now + TOKEN_LIFETIME_SECS)
    })?;
    Ok(Json(LoginResponse {
        access_token,
        refresh_token: random_id("portone_refresh_"),
    }))
}
