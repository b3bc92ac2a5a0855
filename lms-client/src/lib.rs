#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};

// The generated code is committed (so it can be read here and on docs.rs) and checked
// against docs/openapi.json by tests/generated_is_current.rs. It is prettyplease's output,
// kept as it is: rustfmt would reformat it and the check would then fail.
#[rustfmt::skip]
#[allow(missing_docs)] // Not every schema property has a description.
#[path = "generated.rs"]
mod generated;

pub use generated::*;

/// The timeouts of [`Client::new`], kept for the clients that [`authenticated`] builds.
const TIMEOUT: Duration = Duration::from_secs(15);

/// A client that sends `Authorization: Bearer <access_token>` with every request.
///
/// `base_url` is the server's root, without `/api/v1` (for example `http://127.0.0.1:8080`).
/// Log in with an anonymous [`Client::new`] first; build a new client after each
/// [`Client::refresh`], since access tokens expire (after 15 minutes by default).
pub fn authenticated(base_url: &str, access_token: &str) -> Result<Client, BuildError> {
    let mut value = HeaderValue::try_from(format!("Bearer {access_token}")).map_err(|_| BuildError::InvalidToken)?;
    value.set_sensitive(true);
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, value);
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .connect_timeout(TIMEOUT)
        .timeout(TIMEOUT)
        .build()
        .map_err(BuildError::Http)?;
    Ok(Client::new_with_client(base_url, http))
}

/// The error body of a failed call, when the server answered with a documented error
/// status (`error.code` is the stable code, such as `LESSON_LOCKED`).
pub fn error_body(error: &Error<types::ErrorEnvelope>) -> Option<&types::ErrorBody> {
    match error {
        Error::ErrorResponse(response) => Some(&response.error),
        _ => None,
    }
}

/// Why [`authenticated`] could not build a client.
#[derive(Debug)]
pub enum BuildError {
    /// The token cannot be sent in a header (it has control or non-ASCII characters).
    InvalidToken,
    /// The HTTP client could not be set up (for example, its TLS backend failed).
    Http(reqwest::Error),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidToken => f.write_str("the access token is not a valid header value"),
            Self::Http(_) => f.write_str("the HTTP client could not be built"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidToken => None,
            Self::Http(e) => Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_with_a_newline_is_refused() {
        assert!(matches!(
            authenticated("http://127.0.0.1:1", "a\nb"),
            Err(BuildError::InvalidToken)
        ));
        assert!(authenticated("http://127.0.0.1:1", "header.payload.signature").is_ok());
    }
}
