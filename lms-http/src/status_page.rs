//! The public status page (`GET /status.html`): what `GET /status` answers, for people.
//! Server-rendered HTML with no script or style, so it shows under the API's strict
//! content policy and in any browser.

use std::fmt::Write as _;

use lms_core::monitoring::{Health, StatusReport};
use poem::web::{Data, Html};
use poem::{handler, IntoResponse, Response};

use crate::api::State;
use crate::certificate_page::{escape, page};

fn health(status: Health) -> &'static str {
    match status {
        Health::Operational => "Operational",
        Health::Degraded => "Degraded",
        Health::MajorOutage => "Major outage",
    }
}

/// A snake-case name as words ("event_delivery" → "Event delivery").
fn label(value: impl serde::Serialize) -> String {
    let name = serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
        .replace('_', " ");
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn status_body(report: &StatusReport) -> String {
    let mut html = format!(
        "<h1>Status: {}</h1><p>Updated {}.</p><table><caption>Components</caption>\
         <tr><th scope=\"col\">Component</th><th scope=\"col\">Now</th><th scope=\"col\">24 hours</th>\
         <th scope=\"col\">7 days</th><th scope=\"col\">30 days</th></tr>",
        health(report.status),
        report.updated_at.format("%Y-%m-%d %H:%M UTC")
    );
    for c in &report.components {
        let _ = write!(
            html,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{:.3} %</td><td>{:.3} %</td><td>{:.3} %</td></tr>",
            escape(&label(c.name)),
            health(c.status),
            c.uptime.last_24_hours,
            c.uptime.last_7_days,
            c.uptime.last_30_days
        );
    }
    html.push_str("</table><h2>Recent incidents</h2>");
    if report.incidents.is_empty() {
        html.push_str("<p>No incidents in the last 30 days.</p>");
    } else {
        html.push_str("<ul>");
        for i in &report.incidents {
            let until = i.resolved_at.map_or_else(
                || "ongoing".to_owned(),
                |r| format!("resolved {}", r.format("%Y-%m-%d %H:%M UTC")),
            );
            let _ = write!(
                html,
                "<li><strong>{}</strong> ({}, {}): opened {}, {}</li>",
                escape(&i.rule),
                escape(&label(i.component)),
                escape(&label(i.severity)),
                i.opened_at.format("%Y-%m-%d %H:%M UTC"),
                escape(&until)
            );
        }
        html.push_str("</ul>");
    }
    if let Some(mttr) = report.mttr_seconds {
        let _ = write!(html, "<p>Mean time to resolve (30 days): {} min.</p>", (mttr + 59) / 60);
    }
    html.push_str("<p>As JSON: <a href=\"/status\">/status</a>.</p>");
    html
}

/// The page.
#[handler]
pub async fn status_page(state: Data<&State>) -> Response {
    match crate::api::monitoring::current_status(&state).await {
        Ok(report) => Html(page(
            &format!("Status: {}", health(report.status)),
            &status_body(&report),
        ))
        .into_response(),
        Err(error) => error.into_response(),
    }
}
