//! The outermost layer every request passes: the in-flight limit, request id, rate
//! limiting, body size limit, panic containment, the error envelope for every non-2xx
//! response, security headers, metrics and the access log.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures::FutureExt;
use poem::http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, RETRY_AFTER};
use poem::http::{Method, StatusCode};
use poem::PathPattern;
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use serde_json::json;
use tokio::sync::Semaphore;

use crate::api::{DecodedToken, State};
use crate::error::{envelope_response, poem_error_response, status_of, ApiError};
use crate::metrics::method_label;
use crate::ratelimit::Decision;
use crate::request_id;

/// Wraps the application endpoint.
pub struct Gateway<E> {
    inner: E,
    state: State,
    allow: AllowTable,
    /// Permits for requests being worked on (`Settings::max_in_flight_requests`).
    in_flight: Arc<Semaphore>,
}

/// The methods each documented path accepts, for the `Allow` header of 405 responses.
struct AllowTable(Vec<(Vec<String>, String)>);

impl AllowTable {
    /// Reads the paths and methods of the OpenAPI document.
    fn from_document(document: &str) -> Self {
        let parsed: serde_json::Value = serde_json::from_str(document).unwrap_or_default();
        let paths = parsed["paths"].as_object().cloned().unwrap_or_default();
        Self(
            paths
                .into_iter()
                .map(|(path, ops)| {
                    let segments = path.split('/').map(str::to_owned).collect();
                    let mut methods: Vec<String> = ops
                        .as_object()
                        .map(|o| o.keys().map(|m| m.to_ascii_uppercase()).collect())
                        .unwrap_or_default();
                    methods.sort();
                    (segments, methods.join(", "))
                })
                .collect(),
        )
    }

    /// The methods of the documented path matching `path` (`{…}` segments match any).
    fn methods(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .find(|(template, _)| {
                template.len() == segments.len()
                    && template
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
            })
            .map(|(_, methods)| methods.as_str())
    }
}

impl<E> std::fmt::Debug for Gateway<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gateway")
    }
}

impl<E> Gateway<E> {
    /// Wraps `inner`.
    pub fn new(inner: E, state: State) -> Self {
        Self {
            in_flight: Arc::new(Semaphore::new(state.settings.max_in_flight_requests)),
            inner,
            state,
            allow: AllowTable::from_document(&crate::openapi_json()),
        }
    }
}

const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const DOCS_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; \
                        img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Routes exempt from rate limiting: probes must keep working under load.
fn unlimited(path: &str) -> bool {
    path == "/metrics" || path == "/health" || path.starts_with("/health/")
}

/// Login and registration get a stricter per-address budget.
fn is_login(method: &Method, path: &str) -> bool {
    method == Method::POST && matches!(path, "/api/v1/auth/login" | "/api/v1/auth/register")
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
    fn caller_key(token: Option<&DecodedToken>, address: &str) -> String {
        match token.map(|t| &t.0) {
            Some(Ok((actor, _))) => format!("user:{}", actor.user_id),
            _ => format!("addr:{address}"),
        }
    }

    /// Counts the request; `Err` is the 429 response.
    async fn rate_limit(&self, req: &Request, path: &str) -> Result<Option<Decision>, Response> {
        if unlimited(path) {
            return Ok(None);
        }
        let limits = self.state.settings.rate_limits;
        let address = req
            .remote_addr()
            .as_socket_addr()
            .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
        let limiter = &self.state.limiter;
        let caller = Self::caller_key(req.data::<DecodedToken>(), &address);
        let mut decision = limiter.check(&caller, limits.per_minute).await;
        if decision.allowed && is_login(req.method(), path) {
            decision = limiter
                .check(&format!("login:{address}"), limits.login_per_minute)
                .await;
        }
        if decision.allowed {
            return Ok(Some(decision));
        }
        self.state.metrics.rate_limited.inc();
        let err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            "too many requests; retry later",
            json!({ "limit": decision.limit, "retry_after_seconds": decision.reset_seconds }),
        );
        let mut resp = err.into_response();
        rate_headers(&mut resp, &decision);
        if let Some((name, value)) = header("retry-after", &decision.reset_seconds.to_string()) {
            debug_assert_eq!(name, RETRY_AFTER);
            resp.headers_mut().insert(name, value);
        }
        Err(resp)
    }

    /// Reads the body into memory up to the limit; `Err` is the 413 response.
    async fn limit_body(&self, req: &mut Request) -> Result<(), Response> {
        let max = self.state.settings.max_body_bytes;
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
            return Err(too_large());
        }
        match req.take_body().into_bytes_limit(max).await {
            Ok(bytes) => {
                req.set_body(Body::from(bytes));
                Ok(())
            }
            Err(poem::error::ReadBodyError::PayloadTooLarge) => Err(too_large()),
            Err(e) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the request body could not be read",
                json!({ "reason": e.to_string() }),
            )
            .into_response()),
        }
    }

    /// Everything inside the request-id scope; returns the response and its route template.
    async fn handle(&self, mut req: Request, path: &str) -> (Response, String) {
        if let Some(token) = DecodedToken::from_request(&self.state, &req) {
            req.extensions_mut().insert(token);
        }
        let decision = match self.rate_limit(&req, path).await {
            Ok(decision) => decision,
            Err(resp) => return (resp, "rate_limited".to_owned()),
        };
        if let Err(resp) = self.limit_body(&mut req).await {
            return (resp, "body_too_large".to_owned());
        }
        let outcome = AssertUnwindSafe(self.inner.call(req)).catch_unwind().await;
        let (mut resp, route) = match outcome {
            Ok(Ok(resp)) => {
                let resp = resp.into_response();
                let route = resp.data::<PathPattern>().map(|p| route_label(&p.0));
                (resp, route)
            }
            Ok(Err(err)) => {
                let route = err.data::<PathPattern>().map(|p| route_label(&p.0));
                let resp = if err.is_from_response() {
                    err.into_response()
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
        };
        if let Some(decision) = decision {
            rate_headers(&mut resp, &decision);
        }
        (resp, route.unwrap_or_else(|| "unmatched".to_owned()))
    }
}

impl<E: Endpoint> Endpoint for Gateway<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let started = Instant::now();
        // The semaphore is never closed, so acquiring fails only in theory; such a request
        // goes ahead rather than fail.
        let _permit = if unlimited(req.uri().path()) {
            None
        } else {
            self.in_flight.acquire().await.ok()
        };
        // The work's state machine is large; boxed, it is allocated only once the request
        // holds a permit, so a waiting request holds little more than itself.
        Box::pin(self.serve(req, started)).await
    }
}

impl<E: Endpoint> Gateway<E> {
    /// Everything after the in-flight limit.
    async fn serve(&self, req: Request, started: Instant) -> poem::Result<Response> {
        let incoming = req.headers().get(request_id::HEADER).and_then(|v| v.to_str().ok());
        let id = request_id::accept_or_generate(incoming);
        let method = method_label(req.method());
        let path = req.uri().path().to_owned();
        let (mut resp, route) = request_id::scope(id.clone(), self.handle(req, &path)).await;
        security_headers(&mut resp, &path);
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
        if status >= 500 {
            tracing::warn!(request_id = %id, method, route = %route, status, latency_ms, "request");
        } else {
            tracing::info!(request_id = %id, method, route = %route, status, latency_ms, "request");
        }
        Ok(resp)
    }
}
