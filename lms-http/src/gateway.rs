//! The outermost layer every request passes: request id and client address, the
//! operations endpoints' access rule, rate limiting, the body (read within its time and
//! size limits and checked for undeclared fields), the in-flight limit, panic
//! containment, the error envelope for every non-2xx response, security headers,
//! metrics, and the access and security logs.
//!
//! A request takes an in-flight slot only once its body has arrived: a client trickling
//! a body holds a connection and a little memory, never a slot the server works with.

use std::net::IpAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use bytes::Bytes;
use futures::FutureExt;
use lms_core::domain::events::SecuritySignal;
use lms_core::FieldError;
use poem::http::header::{
    HeaderName, HeaderValue, AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, VARY,
};
use poem::http::{Method, StatusCode};
use poem::PathPattern;
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use poem_openapi::error::{ParsePathError, ParseRequestPayloadError};
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::sync::{Semaphore, SemaphorePermit};
use tracing::Instrument;

use crate::api::{DecodedToken, State};
use crate::body_shape::{BodyShapes, ShapeError};
use crate::client_addr::client_ip;
use crate::error::{envelope_response, poem_error_response, status_of, ApiError};
use crate::field_errors::RequestSchemas;
use crate::metrics::method_label;
use crate::ratelimit::{raise_alert, Decision, LoginFailures};
use crate::request_id;

/// Which listener a gateway serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// The public address (`LMS_BIND`): everything, with the operations endpoints guarded.
    Public,
    /// The operations address (`LMS_OPS_BIND`): health and metrics only, without a token.
    Operations,
}

/// Wraps the application endpoint.
pub struct Gateway<E> {
    inner: E,
    state: State,
    listener: Listener,
    allow: AllowTable,
    shapes: BodyShapes,
    /// Explains bodies the API refuses.
    fields: RequestSchemas,
}

/// The requests being worked on, bounded by `Settings::max_in_flight_requests`, and
/// those waiting for a slot.
#[derive(Debug)]
pub struct InFlight {
    permits: Semaphore,
    waiting: AtomicUsize,
}

impl InFlight {
    /// Room for `max` requests at once.
    pub fn new(max: usize) -> Self {
        Self {
            permits: Semaphore::new(max),
            waiting: AtomicUsize::new(0),
        }
    }

    /// Waits for a slot, in arrival order. The semaphore is never closed, so this fails
    /// only in theory; such a request goes ahead rather than fail.
    async fn enter(&self) -> Option<SemaphorePermit<'_>> {
        if let Ok(permit) = self.permits.try_acquire() {
            return Some(permit);
        }
        // Counted by a guard: a request cancelled while it waits must not stay counted, or
        // readiness would report saturation forever.
        let _waiting = Waiting::count(&self.waiting);
        self.permits.acquire().await.ok()
    }

    /// Requests waiting for a slot right now; more than zero means the server is saturated.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }
}

/// One request counted in [`InFlight::waiting`] for as long as it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn count(waiting: &'a AtomicUsize) -> Self {
        waiting.fetch_add(1, Ordering::Relaxed);
        Self(waiting)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The client address of the request, as [`client_ip`] found it.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl std::fmt::Display for ClientIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(ip) => ip.fmt(f),
            None => f.write_str("unknown"),
        }
    }
}

/// The route that takes whole deck files.
const DECK_IMPORT_ROUTE: &str = "/api/v1/decks/import";

/// Routes whose bodies carry course content (descriptions, lesson bodies), or a payment
/// provider's events (an invoice with many lines), and may use
/// `Settings::max_upload_bytes`; deck imports may use `Settings::max_deck_import_bytes`;
/// every other body is held to `Settings::max_body_bytes`.
const CONTENT_ROUTES: [(&str, &str); 6] = [
    ("POST", "/api/v1/courses"),
    ("PATCH", "/api/v1/courses/{id}"),
    ("POST", "/api/v1/courses/{id}/lessons"),
    ("PATCH", "/api/v1/lessons/{id}"),
    ("POST", "/api/v1/classes"),
    ("POST", "/api/v1/payments/stripe/webhook"),
];

/// Whether concrete `path` matches route `template` (`{…}` segments match any segment).
fn matches_template(template: &str, path: &str) -> bool {
    let mut template = template.split('/');
    let mut path = path.split('/');
    loop {
        match (template.next(), path.next()) {
            (None, None) => return true,
            (Some(t), Some(p)) if t == p || (t.starts_with('{') && !p.is_empty()) => {}
            _ => return false,
        }
    }
}

/// The methods each documented path accepts, for the `Allow` header of 405 responses.
struct AllowTable(Vec<(String, String)>);

impl AllowTable {
    /// Reads the paths and methods of the OpenAPI document.
    fn from_document(document: &str) -> Self {
        let parsed: serde_json::Value = serde_json::from_str(document).unwrap_or_default();
        let paths = parsed["paths"].as_object().cloned().unwrap_or_default();
        Self(
            paths
                .into_iter()
                .map(|(path, ops)| {
                    let mut methods: Vec<String> = ops
                        .as_object()
                        .map(|o| o.keys().map(|m| m.to_ascii_uppercase()).collect())
                        .unwrap_or_default();
                    methods.sort();
                    (path, methods.join(", "))
                })
                .collect(),
        )
    }

    /// The methods of the documented path matching `path` (`{…}` segments match any).
    fn methods(&self, path: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(template, _)| matches_template(template, path))
            .map(|(_, methods)| methods.as_str())
    }
}

impl<E> std::fmt::Debug for Gateway<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gateway")
    }
}

impl<E> Gateway<E> {
    /// Wraps `inner` for the public listener.
    pub fn new(inner: E, state: State) -> Self {
        Self::for_listener(inner, state, Listener::Public)
    }

    /// Wraps `inner` for `listener`.
    pub fn for_listener(inner: E, state: State, listener: Listener) -> Self {
        let document = crate::openapi_json();
        Self {
            inner,
            state,
            listener,
            allow: AllowTable::from_document(&document),
            shapes: BodyShapes::from_document(&document),
            fields: RequestSchemas::from_document(&document),
        }
    }
}

/// The admin dashboard loads its own script and style and calls the API, nothing else.
const ADMIN_CSP: &str = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const DOCS_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; \
                        img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The login route, whose accounts have failed-login budgets.
const LOGIN_PATH: &str = "/api/v1/auth/login";

/// Routes exempt from rate limiting and the in-flight limit: probes must keep working
/// under load.
fn unlimited(path: &str) -> bool {
    path == "/metrics" || path == "/health" || path.starts_with("/health/")
}

/// The operations endpoints that reveal internals: outside development they need the
/// operations token or the operations address.
fn reveals_internals(path: &str) -> bool {
    path == "/metrics" || path == "/health/detailed"
}

/// Login, registration and password reset (which mails a stranger's address and takes
/// guesses at tokens) get a budget of their own per address
/// (`Settings::rate_limits.login_per_minute`), on top of the address's general one.
fn is_login(method: &Method, path: &str) -> bool {
    method == Method::POST
        && matches!(
            path,
            LOGIN_PATH
                | "/api/v1/auth/register"
                | "/api/v1/auth/password-reset"
                | "/api/v1/auth/password-reset/confirm"
        )
}

fn header(name: &'static str, value: &str) -> Option<(HeaderName, HeaderValue)> {
    HeaderValue::from_str(value)
        .ok()
        .map(|v| (HeaderName::from_static(name), v))
}

fn rate_headers(resp: &mut Response, d: &Decision) {
    let headers = resp.headers_mut();
    for (name, value) in [
        header("ratelimit-limit", &d.limit.to_string()),
        header("ratelimit-remaining", &d.remaining.to_string()),
        header("ratelimit-reset", &d.reset_seconds.to_string()),
    ]
    .into_iter()
    .flatten()
    {
        headers.insert(name, value);
    }
}

fn security_headers(resp: &mut Response, path: &str) {
    let csp = if path == "/docs" || path.starts_with("/docs/") {
        DOCS_CSP
    } else if path == "/admin" || path.starts_with("/admin/") {
        ADMIN_CSP
    } else {
        API_CSP
    };
    let cache = if path.starts_with("/health") || path == "/metrics" {
        Some("no-cache")
    } else if path.starts_with("/api/") {
        Some("no-store")
    } else {
        None
    };
    let headers = resp.headers_mut();
    for (name, value) in [
        ("content-security-policy", Some(csp)),
        ("strict-transport-security", Some("max-age=63072000; includeSubDomains")),
        ("x-frame-options", Some("DENY")),
        ("x-content-type-options", Some("nosniff")),
        ("referrer-policy", Some("no-referrer")),
        (
            "permissions-policy",
            Some("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
        ),
        ("cache-control", cache),
    ] {
        if let Some((name, value)) = value.and_then(|v| header(name, v)) {
            headers.insert(name, value);
        }
    }
}

/// The route template as documented: path parameters (every one of them is an id in
/// this API) appear as `{id}`, never as their values.
fn route_label(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|segment| if segment.starts_with(':') { "{id}" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

impl<E: Endpoint> Gateway<E> {
    /// Who the budget belongs to: the user of a valid bearer token, else the client address.
    fn caller_key(token: Option<&DecodedToken>, client: ClientIp) -> String {
        match token.map(|t| &t.0) {
            Some(Ok((actor, _))) => format!("user:{}", actor.user_id),
            _ => format!("addr:{client}"),
        }
    }

    /// Counts the request; `Err` is the 429 response. The login attempt that uses up an
    /// address's login budget raises a `LoginBurst` alert (once per window).
    async fn rate_limit(&self, req: &Request, path: &str, client: ClientIp) -> Result<Option<Decision>, Response> {
        if unlimited(path) {
            return Ok(None);
        }
        let limits = self.state.settings.rate_limits;
        let limiter = &self.state.limiter;
        let caller = Self::caller_key(req.data::<DecodedToken>(), client);
        let mut decision = limiter.check(&caller, limits.per_minute).await;
        if decision.allowed && is_login(req.method(), path) {
            decision = limiter.check(&format!("login:{client}"), limits.login_per_minute).await;
            if decision.used_up_budget() {
                let lms = &self.state.lms;
                raise_alert(lms, SecuritySignal::LoginBurst, None, client.0, decision.count).await;
            }
        }
        if decision.allowed {
            return Ok(Some(decision));
        }
        Err(self.rate_limited(&decision))
    }

    /// Refuses a login before its password is checked when the account it names has used
    /// up a failed-login budget ([`LoginFailures`]), even when the password is right: a
    /// guess that would succeed must look like any other. `None` lets the request through
    /// (as does a body without an email, which the API refuses itself).
    async fn account_refusal(
        &self,
        method: &Method,
        path: &str,
        body: Option<&[u8]>,
        client: ClientIp,
    ) -> Option<Response> {
        if !(method == Method::POST && path == LOGIN_PATH) {
            return None;
        }
        let body: serde_json::Value = serde_json::from_slice(body?).ok()?;
        let email = body.get("email")?.as_str()?;
        let limits = &self.state.settings.rate_limits;
        let decision = LoginFailures::new(email, &client)
            .refusal(&self.state.limiter, limits)
            .await?;
        Some(self.rate_limited(&decision))
    }

    /// The 429 response of a request over the budget `decision` describes.
    fn rate_limited(&self, decision: &Decision) -> Response {
        self.state.metrics.rate_limited.inc();
        let err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            "too many requests; retry later",
            json!({ "limit": decision.limit, "retry_after_seconds": decision.reset_seconds }),
        );
        let mut resp = err.into_response();
        rate_headers(&mut resp, decision);
        if let Some((name, value)) = header("retry-after", &decision.reset_seconds.to_string()) {
            debug_assert_eq!(name, RETRY_AFTER);
            resp.headers_mut().insert(name, value);
        }
        resp
    }

    /// Who may see `/metrics` and `/health/detailed` here: anyone in development or on the
    /// operations address; on the public address outside development, only bearers of
    /// the operations token, and nobody when they have an address of their own. `Some`
    /// is the refusal. The operations address serves nothing but health and metrics.
    fn operations_refusal(&self, req: &Request, path: &str) -> Option<Response> {
        let settings = &self.state.settings;
        let not_here = || ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such route", json!({})).into_response();
        match self.listener {
            Listener::Operations => (!unlimited(path)).then(not_here),
            Listener::Public if !reveals_internals(path) => None,
            Listener::Public if settings.ops_bind.is_some() => Some(not_here()),
            Listener::Public if !settings.ops_endpoints_protected() => None,
            Listener::Public => {
                let presented = req
                    .headers()
                    .get(AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "));
                // Digests compared, not the tokens: the comparison takes the same time
                // whatever prefix a guess gets right.
                let digest = |token: &str| Sha256::digest(token.trim().as_bytes());
                let granted = match (presented, &settings.ops_token) {
                    (Some(presented), Some(token)) => digest(presented) == digest(token.expose()),
                    _ => false,
                };
                (!granted).then(|| {
                    ApiError::unauthorized("the operations endpoints need the operations token (LMS_OPS_TOKEN)")
                        .into_response()
                })
            }
        }
    }

    /// The largest body the route accepts.
    fn body_limit(&self, method: &Method, path: &str) -> usize {
        let settings = &self.state.settings;
        if method == Method::POST && path == DECK_IMPORT_ROUTE {
            return settings.max_deck_import_bytes.max(settings.max_body_bytes);
        }
        let content = CONTENT_ROUTES
            .iter()
            .any(|(m, template)| method.as_str() == *m && matches_template(template, path));
        if content {
            settings.max_upload_bytes.max(settings.max_body_bytes)
        } else {
            settings.max_body_bytes
        }
    }

    /// Reads the body into memory within the route's size limit and the body read
    /// timeout, and refuses undeclared fields; `Err` is the 413, 408, 400 or 422 response.
    ///
    /// Returns the body when it is JSON, to name the fields of a refused one.
    async fn read_body(&self, req: &mut Request, path: &str) -> Result<Option<Bytes>, Response> {
        let max = self.body_limit(req.method(), path);
        let too_large = || {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                format!("the request body exceeds {max} bytes"),
                json!({ "max_bytes": max }),
            )
            .into_response()
        };
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > max as u64) {
            return Err(close_after(too_large()));
        }
        let timeout = self.state.settings.body_read_timeout;
        let bytes = match tokio::time::timeout(timeout, req.take_body().into_bytes_limit(max)).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(poem::error::ReadBodyError::PayloadTooLarge)) => return Err(close_after(too_large())),
            Ok(Err(e)) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "the request body could not be read",
                    json!({ "reason": e.to_string() }),
                )
                .into_response())
            }
            Err(_) => {
                let err = ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "REQUEST_TIMEOUT",
                    format!("the request body did not arrive within {} s", timeout.as_secs()),
                    json!({ "timeout_seconds": timeout.as_secs() }),
                );
                return Err(close_after(envelope_response(StatusCode::REQUEST_TIMEOUT, &err)));
            }
        };
        // A body left out where the document says it is optional is read as JSON, so the
        // operation gets none rather than a 415 for the missing content type.
        // Reads never take a body, so they skip the route lookup.
        let writes = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH);
        if writes
            && bytes.is_empty()
            && !req.headers().contains_key(CONTENT_TYPE)
            && self.shapes.body_is_optional(req.method().as_str(), path)
        {
            req.headers_mut()
                .insert(CONTENT_TYPE, poem::http::HeaderValue::from_static("application/json"));
        }
        let json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"));
        // Other media types are refused by the API itself (415).
        if json && !bytes.is_empty() {
            if let Err(shape) = self.shapes.check(req.method().as_str(), path, &bytes) {
                return Err(shape_error(&shape).into_response());
            }
            // The document allows `null` only where it says `nullable`.
            let fields = self.fields.null_errors(req.method().as_str(), path, &bytes);
            if !fields.is_empty() {
                let err = ApiError::from(lms_core::Error::Validation(fields));
                return Err(envelope_response(status_of(&err), &err));
            }
        }
        req.set_body(Body::from(bytes.clone()));
        Ok(json.then_some(bytes))
    }

    /// Everything inside the request-id scope; returns the response and its route template.
    async fn handle(&self, mut req: Request, path: &str, client: ClientIp) -> (Response, String) {
        if let Some(resp) = self.operations_refusal(&req, path) {
            return (resp, "operations_refused".to_owned());
        }
        if let Some(token) = DecodedToken::from_request(&self.state, &req) {
            req.extensions_mut().insert(token);
        }
        let decision = match self.rate_limit(&req, path, client).await {
            Ok(decision) => decision,
            Err(resp) => return (resp, "rate_limited".to_owned()),
        };
        let body = match self.read_body(&mut req, path).await {
            Ok(body) => body,
            Err(resp) => return (resp, "body_refused".to_owned()),
        };
        if let Some(resp) = self.account_refusal(req.method(), path, body.as_deref(), client).await {
            return (resp, "rate_limited".to_owned());
        }
        req.extensions_mut().insert(client);
        let _permit = if unlimited(path) {
            None
        } else {
            self.state.in_flight.enter().await
        };
        let admin = req
            .data::<DecodedToken>()
            .and_then(|t| t.0.as_ref().ok())
            .filter(|(actor, _)| actor.is_admin())
            .map(|(actor, _)| actor.user_id);
        let method = req.method().clone();
        // The work's state machine is large; boxed, it is allocated only once the request
        // holds a slot, so a waiting request holds little more than its body.
        let (mut resp, route) = Box::pin(self.work(req, path, body)).await;
        if let (Some(admin), Some(route)) = (admin, &route) {
            crate::admin_audit::record(&self.state, admin, &method, route, resp.status()).await;
        }
        if let Some(decision) = decision {
            rate_headers(&mut resp, &decision);
        }
        (resp, route.unwrap_or_else(|| "unmatched".to_owned()))
    }

    /// Runs the application, turning errors and panics into enveloped responses.
    async fn work(&self, req: Request, path: &str, body: Option<Bytes>) -> (Response, Option<String>) {
        let method = req.method().clone();
        let outcome = AssertUnwindSafe(self.inner.call(req)).catch_unwind().await;
        match outcome {
            Ok(Ok(resp)) => {
                let resp = resp.into_response();
                let route = resp.data::<PathPattern>().map(|p| route_label(&p.0));
                (resp, route)
            }
            Ok(Err(err)) => {
                let route = err.data::<PathPattern>().map(|p| route_label(&p.0));
                let fields = match (&body, err.downcast_ref::<ParsePathError>()) {
                    (Some(body), _) if err.is::<ParseRequestPayloadError>() => {
                        self.fields.field_errors(method.as_str(), path, body)
                    }
                    (_, Some(param)) => {
                        let name = self.fields.path_parameter(path, param.name);
                        vec![FieldError::new(name, "invalid", param.reason.clone())]
                    }
                    _ => Vec::new(),
                };
                let resp = if err.is_from_response() {
                    err.into_response()
                } else if !fields.is_empty() {
                    let err = ApiError::from(lms_core::Error::Validation(fields));
                    envelope_response(status_of(&err), &err)
                } else {
                    poem_error_response(&err)
                };
                (resp, route)
            }
            Err(panic) => {
                let detail = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".to_owned());
                let err = ApiError::internal(&format!("handler panicked: {detail}"));
                (envelope_response(status_of(&err), &err), None)
            }
        }
    }
}

/// Asks the HTTP layer to close the connection after this answer: the rest of the body
/// is not read.
fn close_after(mut resp: Response) -> Response {
    resp.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// 422 naming the undeclared field, 400 for JSON that does not parse.
fn shape_error(err: &ShapeError) -> ApiError {
    match err {
        ShapeError::UnknownField { field } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            format!("the request has an undeclared field `{field}`"),
            json!({ "fields": [{ "field": field, "code": "unknown_field", "message": "is not a field of this request" }] }),
        ),
        ShapeError::Malformed(_) | ShapeError::TooDeep(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "the request is malformed",
            json!({ "reason": err.to_string() }),
        ),
    }
}

impl<E: Endpoint> Endpoint for Gateway<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let started = Instant::now();
        let incoming = req.headers().get(request_id::HEADER).and_then(|v| v.to_str().ok());
        let id = request_id::accept_or_generate(incoming);
        let client = ClientIp(client_ip(&req, &self.state.settings.trusted_proxies));
        let method = method_label(req.method());
        let path = req.uri().path().to_owned();
        let handled = request_id::scope(id.clone(), self.handle(req, &path, client));
        // The core's security events (failed logins, refresh-token reuse) come from the
        // authentication routes: there a span carries the client address and request id
        // into their log lines. Other routes skip the span's cost.
        let (mut resp, route) = if path.starts_with("/api/v1/auth/") {
            handled
                .instrument(tracing::warn_span!("request", request_id = %id, client_ip = %client))
                .await
        } else {
            handled.await
        };
        security_headers(&mut resp, &path);
        if self.state.drain.is_draining() {
            // The server is about to close its connections: no next request on this one.
            resp.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
        }
        if !self.state.settings.allowed_origins.is_empty() {
            // Answers differ by Origin when CORS is on: caches must keep them apart.
            resp.headers_mut().append(VARY, HeaderValue::from_static("origin"));
        }
        if resp.status() == StatusCode::METHOD_NOT_ALLOWED {
            if let Some((name, value)) = self.allow.methods(&path).and_then(|m| header("allow", m)) {
                resp.headers_mut().insert(name, value);
            }
        }
        if let Ok(value) = HeaderValue::from_str(&id) {
            resp.headers_mut()
                .insert(HeaderName::from_static(request_id::HEADER), value);
        }
        let status = resp.status().as_u16();
        let elapsed = started.elapsed();
        self.state
            .metrics
            .observe(method, &route, status, elapsed.as_secs_f64());
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        // Readiness failing while the server drains is what the drain is for, not a fault.
        let draining_probe = status == 503 && path == "/health/ready" && self.state.drain.is_draining();
        if status >= 500 && !draining_probe {
            tracing::warn!(request_id = %id, client_ip = %client, method, route = %route, status, latency_ms, "request");
        } else {
            tracing::info!(request_id = %id, client_ip = %client, method, route = %route, status, latency_ms, "request");
        }
        if matches!(status, 401 | 403 | 408 | 413 | 429) {
            tracing::warn!(target: "lms::security", request_id = %id, client_ip = %client, method, route = %route, status, "request refused");
        }
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_cancelled_while_waiting_is_no_longer_counted() {
        let in_flight = InFlight::new(1);
        let held = in_flight.enter().await;
        assert!(held.is_some());
        {
            let waiting = in_flight.enter();
            tokio::pin!(waiting);
            assert!(futures::poll!(waiting.as_mut()).is_pending());
            assert_eq!(in_flight.waiting(), 1);
        }
        assert_eq!(in_flight.waiting(), 0, "the cancelled wait left the count");
        drop(held);
        assert!(in_flight.enter().await.is_some());
        assert_eq!(in_flight.waiting(), 0);
    }
}
