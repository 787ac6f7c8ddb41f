//! The typed client of the Teleconsult API: the only module that speaks HTTP.
//!
//! Every call returns [`ApiError`] on failure; [`ApiError::user_message`] gives the plain-language
//! text the UI shows.

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
    sync::Arc,
};

use gloo_net::http::{Request, RequestBuilder, Response};
use leptos::prelude::{expect_context, provide_context};

use crate::{
    i18n::{tr, tr_with},
    session::{self, Session},
};
use send_wrapper::SendWrapper;
use serde::de::DeserializeOwned;
use teleconsult_core::{
    api::{
        Appointment, AppointmentList, CallEvent, ConnectivityInfo, CreateAppointment, ErrorBody,
        JoinResponse, LoginRequest, LoginResponse, Party, ProviderKind, RefreshRequest,
        RoomStatusList, WaitingRoom,
    },
    session::needs_refresh,
    AppointmentAction, Role,
};

/// What went wrong talking to the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No HTTP answer at all: offline, server down, DNS, CORS or a firewall.
    #[error("network error: {0}")]
    Network(String),
    /// HTTP 401: no session, an expired token or a token the server does not accept.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Any other non-2xx answer, with the server's code and message (the API's error shape).
    #[error("HTTP {status} {code}: {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// The API's machine-readable code, or `http_<status>` when the body had none.
        code: String,
        /// The API's message.
        message: String,
    },
    /// A 2xx answer whose body is not what the contract says.
    #[error("unexpected answer: {0}")]
    Decode(String),
}

impl ApiError {
    /// What to tell the person, in plain words in the page's language, including what to do
    /// (inside a reactive closure it follows a language switch). A refusal below 500 is told in
    /// the server's own words.
    pub fn user_message(&self) -> String {
        match self {
            ApiError::Network(_) => tr("api.network"),
            ApiError::Unauthorized(_) => tr("api.session_ended"),
            // No message of the server's own: only the status (see `error_parts`).
            ApiError::Rejected { status, code, .. }
                if *status < 500 && *code == format!("http_{status}") =>
            {
                tr_with("api.http_status", &[("status", status)])
            }
            ApiError::Rejected {
                status,
                code,
                message,
            } if *status < 500 => teleconsult_core::api::refusal_key(code)
                .map(tr)
                .unwrap_or_else(|| message.clone()),
            ApiError::Rejected { .. } | ApiError::Decode(_) => tr("api.server_problem"),
        }
    }
}

/// Why a static file of the deployment (such as `config.json`) could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaticFetchError {
    /// No answer; the browser's description.
    Network(String),
    /// A non-2xx status.
    Status(u16),
    /// A 2xx answer with an HTML page (an SPA fallback standing in for a missing file).
    Html,
}

/// Reads a static file of the deployment as text. `path` is resolved against the document's base URL.
pub async fn fetch_static_text(path: &str) -> Result<String, StaticFetchError> {
    let res = Request::get(path)
        .send()
        .await
        .map_err(|e| StaticFetchError::Network(e.to_string()))?;
    if !res.ok() {
        return Err(StaticFetchError::Status(res.status()));
    }
    let is_html = res
        .headers()
        .get("content-type")
        .is_some_and(|t| t.contains("text/html"));
    if is_html {
        return Err(StaticFetchError::Html);
    }
    res.text()
        .await
        .map_err(|e| StaticFetchError::Network(e.to_string()))
}

/// `POST /api/auth/login`.
///
/// # Errors
/// `Rejected { status: 401 → code "invalid_credentials" }` for a wrong e-mail or password (not
/// [`ApiError::Unauthorized`], which means "session ended"), `Rejected { status: 429 }` when
/// rate-limited, and the usual network/decode errors.
pub async fn login(base_url: &str, email: &str, password: &str) -> Result<LoginResponse, ApiError> {
    let body = LoginRequest {
        email: email.to_string(),
        password: password.to_string(),
    };
    let req = Request::post(&format!("{base_url}/api/auth/login"))
        .json(&body)
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    let res = send_request(req).await?;
    if res.status() == 401 {
        // A failed login is a rejection with the server's message, not an ended session.
        let (status, code, message) = error_parts(res).await;
        return Err(ApiError::Rejected {
            status,
            code,
            message,
        });
    }
    decode(res).await
}

async fn decode<T: DeserializeOwned>(res: Response) -> Result<T, ApiError> {
    if !res.ok() {
        return Err(rejection(res).await);
    }
    res.json::<T>()
        .await
        .map_err(|e| ApiError::Decode(e.to_string()))
}

/// The error of a non-2xx answer: 401 ends the session, anything else is a rejection with the
/// server's code and message.
async fn rejection(res: Response) -> ApiError {
    let (status, code, message) = error_parts(res).await;
    if status == 401 {
        ApiError::Unauthorized(message)
    } else {
        ApiError::Rejected {
            status,
            code,
            message,
        }
    }
}

/// Status, code and message of a non-2xx answer, tolerating bodies not in the API's error shape
/// (then the code is `http_<status>` and the message, for logs, English;
/// [`ApiError::user_message`] words it in the page's language).
async fn error_parts(res: Response) -> (u16, String, String) {
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => (status, body.error.code, body.error.message),
        Err(_) => (
            status,
            format!("http_{status}"),
            format!("The server answered HTTP {status}."),
        ),
    }
}

/// The API as one signed-in person speaks it: the base URL from `config.json` and the session's
/// bearer token, which travels only in the `Authorization` header (never in a URL). Provided by
/// `pages::with_session` to everything under a signed-in page ([`provide_authorized_api`]);
/// pages, hooks and components ask for it with [`expect_authorized_api`] instead of passing
/// `(base URL, token)` pairs around. Leptos' `login_with_token_csr_only` example's
/// `AuthorizedApi`, in this app's words.
///
/// Clones share one role's session: when
/// one renews it, all of them (and the signaling socket, through [`TokenSource`]) use the new
/// access token.
///
/// Every request first makes sure the access token has at least [`REQUEST_MARGIN_S`] left,
/// renewing it with the refresh token if not ([`AuthorizedApi::refresh`]); the page's
/// `hooks::session_keeper` renews it ahead of time as well, so an idle page or a call keeps a
/// valid token too.
#[derive(Clone)]
pub struct AuthorizedApi {
    base_url: Arc<str>,
    role: Role,
    // Single-threaded wasm: the wrappers only satisfy the context's Send + Sync bounds.
    session: Arc<SendWrapper<RefCell<Session>>>,
    refreshing: Arc<SendWrapper<Cell<bool>>>,
}

/// Seconds of validity a request needs; below it the token is renewed first (a fallback: the
/// session keeper renews well before, but a laptop waking from sleep finds an ended token).
pub const REQUEST_MARGIN_S: i64 = 5;

/// Where a long-lived connection (the signaling socket) reads the session's current access
/// token when it (re)connects: the token changes with every renewal. Never printed.
#[derive(Clone)]
pub struct TokenSource(Rc<dyn Fn() -> String>);

impl TokenSource {
    /// The access token now.
    pub fn current(&self) -> String {
        (self.0)()
    }
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSource([redacted])")
    }
}

/// Makes `api` available to the current component and everything below it.
pub fn provide_authorized_api(api: AuthorizedApi) {
    provide_context(api);
}

/// The [`AuthorizedApi`] of the signed-in page this runs under.
///
/// # Panics
/// Outside a page rendered by `pages::with_session` (a programming error).
pub fn expect_authorized_api() -> AuthorizedApi {
    expect_context::<AuthorizedApi>()
}

impl AuthorizedApi {
    /// The API at `base_url` (`""` = same origin) for `session`.
    pub fn new(base_url: &str, session: Session) -> AuthorizedApi {
        AuthorizedApi {
            base_url: base_url.into(),
            role: session.user.role,
            session: Arc::new(SendWrapper::new(RefCell::new(session))),
            refreshing: Arc::new(SendWrapper::new(Cell::new(false))),
        }
    }

    /// The role of the session this client speaks for.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The base URL of the API (`""` = the page's own origin).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The current access token, for the signaling socket's first frame (the only place besides
    /// the `Authorization` header where it may travel).
    pub fn access_token(&self) -> String {
        self.session.borrow().access_token.clone()
    }

    /// The session's current access token, read afresh at each use.
    pub fn token_source(&self) -> TokenSource {
        let api = self.clone();
        TokenSource(Rc::new(move || api.access_token()))
    }

    /// When the current access token ends, Unix seconds.
    pub fn token_expires_at(&self) -> i64 {
        self.session.borrow().expires_at
    }

    /// Renews the access token with the session's refresh token, and stores the renewed session
    /// for the other tabs. If another tab renewed it already (the stored session is newer), that
    /// session is adopted instead. One renewal at a time: a call while one runs waits for it.
    ///
    /// # Errors
    /// [`ApiError::Unauthorized`] when the session cannot be renewed (ended, signed out, revoked,
    /// or no refresh token); [`ApiError::Network`] when the server could not be reached.
    pub async fn refresh(&self) -> Result<(), ApiError> {
        if self.refreshing.get() {
            for _ in 0..150 {
                gloo_timers::future::TimeoutFuture::new(100).await;
                if !self.refreshing.get() {
                    break;
                }
            }
            return Ok(());
        }
        self.refreshing.set(true);
        let result = self.renew().await;
        self.refreshing.set(false);
        result
    }

    async fn renew(&self) -> Result<(), ApiError> {
        if self.adopt_stored() {
            return Ok(());
        }
        let Some(refresh_token) = self.session.borrow().refresh_token.clone() else {
            return Err(ApiError::Unauthorized(
                "this session cannot be renewed".into(),
            ));
        };
        let req = Request::post(&format!("{}/api/auth/refresh", self.base_url))
            .json(&RefreshRequest { refresh_token })
            .map_err(|e| ApiError::Decode(e.to_string()))?;
        let renewed = Session::from(decode::<LoginResponse>(send_request(req).await?).await?);
        // If storage refuses it (full), this page still goes on with the renewed session.
        let _ = session::save(&renewed);
        *self.session.borrow_mut() = renewed;
        Ok(())
    }

    /// Signs out at the server: revokes the session's refresh tokens (`POST /api/auth/logout`).
    /// Best effort: the browser forgets the session whatever the answer.
    pub async fn logout(&self) {
        let Some(refresh_token) = self.session.borrow().refresh_token.clone() else {
            return;
        };
        if let Ok(req) = Request::post(&format!("{}/api/auth/logout", self.base_url))
            .json(&RefreshRequest { refresh_token })
        {
            let _ = send_request(req).await;
        }
    }

    /// Takes the session another tab stored, if it is this one renewed (a later token).
    fn adopt_stored(&self) -> bool {
        let Some(stored) = session::load(self.role) else {
            return false;
        };
        let newer = stored.expires_at > self.session.borrow().expires_at
            && stored.access_token != self.session.borrow().access_token;
        if newer {
            *self.session.borrow_mut() = stored;
        }
        newer
    }

    /// A request to `path` with a valid access token (renewed first if it ends within
    /// [`REQUEST_MARGIN_S`]; if renewing fails the request goes out anyway and the server's 401
    /// ends the session as before).
    async fn request(&self, builder: fn(&str) -> RequestBuilder, path: &str) -> RequestBuilder {
        if needs_refresh(session::now_s(), self.token_expires_at(), REQUEST_MARGIN_S) {
            let _ = self.refresh().await;
        }
        builder(&format!("{}{path}", self.base_url))
            .header("Authorization", &format!("Bearer {}", self.access_token()))
    }

    /// `POST /api/appointments/{id}/join`: connection details for the consultation (200), or a
    /// place in the waiting room until the doctor lets this patient in (202).
    ///
    /// # Errors
    /// `Rejected { status: 403, code }` with the join-window reason (`too_early`,
    /// `not_confirmed`, …) or `forbidden`; `Rejected { status: 404 }`;
    /// [`ApiError::Unauthorized`] when the session ended.
    pub async fn join(&self, appointment_id: i64) -> Result<JoinAnswer, ApiError> {
        let path = format!("/api/appointments/{appointment_id}/join");
        let res = send(self.request(Request::post, &path).await).await?;
        if res.status() == 202 {
            return decode(res).await.map(JoinAnswer::WaitingRoom);
        }
        decode(res).await.map(JoinAnswer::Granted)
    }

    /// `POST /api/appointments/{id}/admit`: the doctor lets the patient in from the waiting room.
    ///
    /// # Errors
    /// `Rejected { status: 403 }` for a patient, or outside the join window (its reason).
    pub async fn admit(&self, appointment_id: i64) -> Result<(), ApiError> {
        let path = format!("/api/appointments/{appointment_id}/admit");
        let res = send(self.request(Request::post, &path).await).await?;
        if res.ok() {
            return Ok(());
        }
        Err(rejection(res).await)
    }

    /// `GET /api/connectivity`: what the pre-call check tests (the paths this clinic's
    /// consultations use).
    pub async fn connectivity(&self) -> Result<ConnectivityInfo, ApiError> {
        decode(send(self.request(Request::get, "/api/connectivity").await).await?).await
    }

    /// The clinic's media provider: `provider` of `GET /api/connectivity`, the rest of the answer
    /// unread (the dashboards need only this, and decoding all of it would put the pre-call
    /// check's types into their wasm: +3.3 KB gzip, measured 2026-12-04).
    ///
    /// # Errors
    /// As [`AuthorizedApi::connectivity`].
    pub async fn provider(&self) -> Result<ProviderKind, ApiError> {
        #[derive(serde::Deserialize)]
        struct Provider {
            provider: ProviderKind,
        }
        let answer: Provider =
            decode(send(self.request(Request::get, "/api/connectivity").await).await?).await?;
        Ok(answer.provider)
    }

    /// `GET /api/appointments`: the signed-in person's appointments and the server's clock.
    pub async fn appointments(&self) -> Result<AppointmentList, ApiError> {
        decode(send(self.request(Request::get, "/api/appointments").await).await?).await
    }

    /// `GET /api/doctors`: doctors a patient can book.
    pub async fn doctors(&self) -> Result<Vec<Party>, ApiError> {
        decode(send(self.request(Request::get, "/api/doctors").await).await?).await
    }

    /// `POST /api/appointments`: a patient requests an appointment.
    ///
    /// # Errors
    /// `Rejected { status: 422 }` with the reason (time in the past, unknown doctor, …).
    pub async fn request_appointment(
        &self,
        body: &CreateAppointment,
    ) -> Result<Appointment, ApiError> {
        let req = self
            .request(Request::post, "/api/appointments")
            .await
            .json(body)
            .map_err(|e| ApiError::Decode(e.to_string()))?;
        decode(send_request(req).await?).await
    }

    /// `POST /api/appointments/{id}/{confirm|cancel|complete}`; the rule of who may do what and
    /// when is `teleconsult_core::AppointmentAction::check`.
    ///
    /// # Errors
    /// `Rejected { status: 403 }` for a role that may not; `Rejected { status: 409,
    /// code: "invalid_transition" }` when the status or the window does not allow it.
    pub async fn change_appointment(
        &self,
        appointment_id: i64,
        action: AppointmentAction,
    ) -> Result<Appointment, ApiError> {
        let path = format!("/api/appointments/{appointment_id}/{}", action.path());
        decode(send(self.request(Request::post, &path).await).await?).await
    }

    /// `GET /api/appointments/{id}/calls`: the call log, oldest first.
    pub async fn call_log(&self, appointment_id: i64) -> Result<Vec<CallEvent>, ApiError> {
        let path = format!("/api/appointments/{appointment_id}/calls");
        decode(send(self.request(Request::get, &path).await).await?).await
    }

    /// `GET /api/rooms/status?appointment_ids=…` with `If-None-Match: etag` when given; `abort`
    /// cancels the request (a dashboard that unmounts or hides).
    pub async fn room_status(
        &self,
        appointment_ids: &[i64],
        etag: Option<&str>,
        abort: Option<&web_sys::AbortSignal>,
    ) -> Result<RoomStatusReply, ApiError> {
        let ids: Vec<String> = appointment_ids.iter().map(i64::to_string).collect();
        let path = format!("/api/rooms/status?appointment_ids={}", ids.join(","));
        let mut req = self.request(Request::get, &path).await;
        if let Some(etag) = etag {
            req = req.header("If-None-Match", etag);
        }
        let res = send(req.abort_signal(abort)).await?;
        if res.status() == 304 {
            return Ok(RoomStatusReply::NotModified);
        }
        let etag = res.headers().get("etag");
        let body = decode::<RoomStatusList>(res).await?;
        Ok(RoomStatusReply::Changed(body, etag))
    }
}

async fn send(req: RequestBuilder) -> Result<Response, ApiError> {
    req.send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))
}

async fn send_request(req: gloo_net::http::Request) -> Result<Response, ApiError> {
    req.send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))
}

/// Answer of a join request.
#[derive(Debug, Clone)]
pub enum JoinAnswer {
    /// In: how to connect.
    Granted(JoinResponse),
    /// A patient not let in yet: their place in the waiting room.
    WaitingRoom(WaitingRoom),
}

/// Result of a conditional room-status request.
#[derive(Debug, Clone)]
pub enum RoomStatusReply {
    /// 304: nothing changed since the ETag sent.
    NotModified,
    /// New answer and its ETag.
    Changed(RoomStatusList, Option<String>),
}
