//! The admin dashboard (`/admin`): course funnels and completion, quiz question
//! difficulty, sales and MRR over time, and open incidents with acknowledge and resolve
//! buttons. Three static files embedded in the binary (no build step); the page signs in
//! with the normal login and reads the API with the token it gets.

use poem::handler;
use poem::http::header::CACHE_CONTROL;
use poem::{IntoResponse, Response};

const INDEX: &str = include_str!("../assets/admin/index.html");
const SCRIPT: &str = include_str!("../assets/admin/app.js");
const STYLE: &str = include_str!("../assets/admin/app.css");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    // Revalidated on every load, so a new server version is never mixed with old assets.
    Response::builder()
        .content_type(content_type)
        .header(CACHE_CONTROL, "no-cache")
        .body(body)
        .into_response()
}

/// The page.
#[handler]
pub fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX)
}

/// Its script.
#[handler]
pub fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

/// Its style sheet.
#[handler]
pub fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}
