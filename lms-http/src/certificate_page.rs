//! The public verification page of a certificate (`GET /certificates/{id}`): what
//! `GET /api/v1/certificates/{id}` answers, for people, with how to check the signature.

use lms_core::certificates::VerifiedCertificate;
use lms_core::ids::CertificateId;
use poem::http::StatusCode;
use poem::web::{Data, Html, Path};
use poem::{handler, IntoResponse, Response};

use crate::api::State;

/// Escapes text for HTML (this page and the status page). Five characters are all HTML needs escaped in text and quoted
/// attributes; one page does not warrant a template engine.
pub(crate) fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// A minimal HTML page around `body` (already escaped).
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{}</title></head>\
         <body><main>{body}</main></body></html>\n",
        escape(title)
    )
}

fn certificate_body(id: &str, c: &VerifiedCertificate) -> String {
    let status = match c.revoked_at {
        None => "Valid".to_owned(),
        Some(at) => format!("Revoked on {}", at.format("%Y-%m-%d")),
    };
    let learner = c.facts.learner_name.as_deref().map_or_else(
        || "<em>not shown (the learner keeps it private)</em>".to_owned(),
        escape,
    );
    format!(
        "<h1>Certificate of completion</h1>\
         <dl><dt>Course</dt><dd>{course}</dd>\
         <dt>Completed on</dt><dd>{date}</dd>\
         <dt>Learner</dt><dd>{learner}</dd>\
         <dt>Status</dt><dd>{status}</dd>\
         <dt>Certificate</dt><dd><code>{id}</code></dd></dl>\
         <h2>Check it yourself</h2>\
         <p>The Ed25519 signature below covers the signed payload; check it with the public key \
         at <a href=\"/api/v1/certificates/public-key\">/api/v1/certificates/public-key</a> \
         (key <code>{key_id}</code>). The same data as JSON: \
         <a href=\"/api/v1/certificates/{id}\">/api/v1/certificates/{id}</a>.</p>\
         <p>Signed payload:</p><pre>{payload}</pre><p>Signature:</p><pre>{signature}</pre>",
        course = escape(&c.facts.course_title),
        date = c.issued_at.format("%Y-%m-%d"),
        key_id = escape(&c.key_id),
        payload = escape(&c.signed_payload),
        signature = escape(&c.signature),
    )
}

/// The page; 404 for an unknown certificate (or one whose learner was erased).
#[handler]
pub async fn certificate_page(state: Data<&State>, Path(id): Path<String>) -> Response {
    let not_found = || {
        let body = page(
            "Certificate not found",
            "<h1>Certificate not found</h1><p>No certificate has this id.</p>",
        );
        (StatusCode::NOT_FOUND, Html(body)).into_response()
    };
    let Ok(uuid) = uuid::Uuid::parse_str(&id) else {
        return not_found();
    };
    match state.certificates.verify(CertificateId::from(uuid)).await {
        Ok(certificate) => Html(page(
            &format!("Certificate: {}", certificate.facts.course_title),
            &certificate_body(&uuid.to_string(), &certificate),
        ))
        .into_response(),
        Err(lms_core::Error::NotFound { .. }) => not_found(),
        Err(other) => crate::error::ApiError::from(other).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<b>\"Tom\" & 'Jerry'</b>"),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }
}
