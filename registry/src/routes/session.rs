//! Console sessions: a browser exchanges a token, pasted or through a one-time sign-in link,
//! for an HttpOnly, SameSite=Strict session cookie, and ends the session by signing out. The
//! token itself never reaches the browser's storage, and no URL holds it after sign-in.

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Role, SESSION_COOKIE, from_token, from_token_record, new_token, token_hash};
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;
use crate::store::sessions::{self, SessionRecord};
use crate::store::{WriteTx, new_id, now_ms, tokens};

/// How long a session lasts at most (never past its token's expiry).
pub const SESSION_TTL_MS: i64 = 12 * 3_600_000;

/// How long a sign-in link stays usable (once).
pub const LINK_TTL_MS: i64 = 12 * 3_600_000;

/// Routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(sign_in, show, sign_out)).routes(routes!(create_link))
}

/// What to sign in with: exactly one of a token or a sign-in link's secret.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// An API token (`kiln_…`).
    pub token: Option<String>,
    /// The secret of a one-time sign-in link (the `link=` part of its fragment).
    pub link: Option<String>,
}

/// How a request authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// The console's session cookie.
    Session,
    /// A bearer token.
    Token,
}

/// The caller's identity, as the console shows it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionPrincipal {
    /// The principal's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// The tenant, for enterprise admins.
    pub tenant: Option<String>,
}

/// Who is signed in, and what writes must send.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionInfo {
    /// The principal acting.
    pub principal: SessionPrincipal,
    /// The scopes of the token behind it (empty: all its role allows).
    pub scopes: Vec<String>,
    /// The id of the token behind it (a session's: the token it was made from), as
    /// `DELETE /v1/tokens/{id}` takes it; `kiln logout` revokes its token so.
    pub token_id: String,
    /// Whether this request came with the session cookie or a bearer token.
    pub via: Via,
    /// For sessions: the value every write must send in `X-CSRF-Token`.
    pub csrf_token: Option<String>,
    /// When the session (or token) stops working, unix ms.
    pub expires_at: Option<i64>,
}

impl SessionInfo {
    fn of(who: &Principal) -> Self {
        SessionInfo {
            principal: SessionPrincipal {
                id: who.id.clone(),
                name: who.name.clone(),
                role: who.role,
                tenant: who.tenant.clone(),
            },
            scopes: who.scopes.clone(),
            token_id: who.token_id.clone(),
            via: if who.session.is_some() { Via::Session } else { Via::Token },
            csrf_token: who.session.as_ref().map(|s| s.csrf_token.clone()),
            expires_at: who.expires_at,
        }
    }
}

/// A one-time sign-in link.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SignInLink {
    /// The path to open on this service: `/signin#link=…`. The secret sits in the fragment,
    /// which browsers do not send to servers or in `Referer`.
    pub path: String,
    /// Until when it can be used (once), unix ms.
    pub expires_at: i64,
}

/// When something lasting `ttl_ms` from `now` ends: never after the caller's token does.
fn until(who: &Principal, now: i64, ttl_ms: i64) -> i64 {
    who.expires_at.map_or(now + ttl_ms, |t| t.min(now + ttl_ms))
}

/// The `Set-Cookie` value for a session secret (or, with `None`, one that deletes it).
/// `Secure` when the service speaks HTTPS, so the browser never sends it over plain HTTP;
/// left off on a plain-HTTP service (`kiln demo` on loopback), which would never get it back.
fn session_cookie(secret: Option<&str>, max_age_s: i64, https: bool) -> HeaderValue {
    let value = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        secret.unwrap_or(""),
        max_age_s.max(0),
        if https { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&value).expect("a cookie of hex and fixed text is a valid header value")
}

/// Refuses requests a browser marks as coming from another site. SameSite=Strict cookies are
/// not sent on them anyway; this also stops another site from signing a visitor in to an
/// account of its choosing.
fn same_site_only(headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("cross-site") => Err(ApiError::forbidden("sessions are not created from other sites")),
        _ => Ok(()),
    }
}

/// Starts a session for a live token in `tx` (which may have used up a sign-in link, so both
/// happen or neither); returns its info and cookie secret. Audited.
pub async fn start(mut tx: WriteTx, who: &Principal, via_link: bool) -> ApiResult<(SessionInfo, String)> {
    let now = now_ms();
    let expires_at = until(who, now, SESSION_TTL_MS);
    let secret = hex::encode(rand::random::<[u8; 32]>());
    let record = SessionRecord {
        id: new_id(),
        token_id: who.token_id.clone(),
        csrf_token: hex::encode(rand::random::<[u8; 32]>()),
        created_at: now,
        expires_at,
        ended_at: None,
    };
    sessions::insert(&mut tx, &record, &token_hash(&secret)).await?;
    let details = json!({"principal": who.name, "principal_id": who.id, "token": who.token_id,
                         "via": if via_link { "link" } else { "token" }, "expires_at": expires_at});
    tx.record(&who.name, "session.create", &format!("session:{}", record.id), details).await?;
    tx.commit().await?;
    let mut signed_in = who.clone();
    signed_in.expires_at = Some(expires_at);
    signed_in.session = Some(record);
    Ok((SessionInfo::of(&signed_in), secret))
}

/// Sign in: exchange a token or a one-time link for a session cookie.
#[utoipa::path(post, path = "/v1/session", tag = "session", request_body = SignIn,
    responses((status = 201, body = SessionInfo, description = "signed in; the session cookie is set",
               headers(("set-cookie" = String, description = "`kiln_session`, HttpOnly, SameSite=Strict; Secure when served over HTTPS"))),
              (status = 401, body = crate::error::Problem, description = "`unauthenticated`: unknown, revoked or expired token, or a used or expired link"),
              (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<SignIn>,
) -> ApiResult<Response> {
    same_site_only(&headers)?;
    let (info, secret) = match (req.token, req.link) {
        (Some(token), None) => {
            let who = from_token(&state, &token).await?;
            start(state.store.write().await?, &who, false).await?
        }
        (None, Some(link)) => {
            let mut tx = state.store.write().await?;
            let token_id = sessions::redeem_link(&mut tx, &token_hash(link.trim()), now_ms())
                .await?
                .ok_or_else(|| ApiError::unauthenticated("the sign-in link is unknown, used or expired"))?;
            let who = from_token_record(tokens::get(&state.store.pool, &token_id).await?)?;
            start(tx, &who, true).await?
        }
        _ => return Err(ApiError::invalid_request("send exactly one of `token` and `link`")),
    };
    let max_age = (info.expires_at.unwrap_or(0) - now_ms()) / 1000;
    let mut response = (StatusCode::CREATED, axum::Json(info)).into_response();
    response.headers_mut().insert(SET_COOKIE, session_cookie(Some(&secret), max_age, state.https));
    Ok(response)
}

/// Who is signed in: the session's principal and CSRF token (or, for a bearer token, its principal).
#[utoipa::path(get, path = "/v1/session", tag = "session",
    responses((status = 200, body = SessionInfo), (status = 401, body = crate::error::Problem)),
    security(("token" = []), ("session" = [])))]
pub async fn show(who: Principal) -> axum::Json<SessionInfo> {
    axum::Json(SessionInfo::of(&who))
}

/// Sign out: end the session and delete its cookie.
#[utoipa::path(delete, path = "/v1/session", tag = "session",
    responses((status = 204, description = "signed out; the cookie is deleted"), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem, description = "`csrf`: no or a wrong X-CSRF-Token"),
              (status = 422, body = crate::error::Problem, description = "`invalid-request`: not signed in with a session")),
    security(("session" = [])))]
pub async fn sign_out(State(state): State<AppState>, who: Principal) -> ApiResult<Response> {
    let session = who.session.as_ref().ok_or_else(|| {
        ApiError::invalid_request("this request came with a token, not a session; revoke tokens at /v1/tokens")
    })?;
    let mut tx = state.store.write().await?;
    if sessions::end(&mut tx, &session.id, now_ms()).await? {
        tx.record(&who.name, "session.end", &format!("session:{}", session.id), json!({"principal_id": who.id}))
            .await?;
        tx.commit().await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(SET_COOKIE, session_cookie(None, 0, state.https));
    Ok(response)
}

/// Make a one-time sign-in link for the calling token (`kiln demo` prints them). Only a bearer
/// token makes links: a session cannot mint sign-ins that outlive it.
#[utoipa::path(post, path = "/v1/session/links", tag = "session",
    responses((status = 201, body = SignInLink), (status = 401, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem, description = "`invalid-request`: called through a session")),
    security(("token" = [])))]
pub async fn create_link(
    State(state): State<AppState>,
    who: Principal,
) -> ApiResult<(StatusCode, axum::Json<SignInLink>)> {
    if who.session.is_some() {
        return Err(ApiError::invalid_request("sign-in links are made with a token, not from a session"));
    }
    let link = issue_link(&state, &who).await?;
    Ok((StatusCode::CREATED, axum::Json(link)))
}

/// Stores a one-time link that signs in as `who`'s token, and audits it.
pub async fn issue_link(state: &AppState, who: &Principal) -> ApiResult<SignInLink> {
    let now = now_ms();
    let expires_at = until(who, now, LINK_TTL_MS);
    let secret = new_token();
    let mut tx = state.store.write().await?;
    sessions::insert_link(&mut tx, &token_hash(&secret), &who.token_id, now, expires_at).await?;
    tx.record(&who.name, "session.link.create", &format!("token:{}", who.token_id), json!({"expires_at": expires_at}))
        .await?;
    tx.commit().await?;
    Ok(SignInLink { path: format!("/signin#link={secret}"), expires_at })
}
