use lms_core::domain::events::SecuritySignal;
use lms_core::ids::UserId;
use lms_core::services::{AccessChange, NewUser, PasswordResetService, ProfilePatch, Session};
use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use serde_json::json;
use uuid::Uuid;

use super::types::{
    AccessPatch, LoginRequest, PasswordResetConfirm, PasswordResetRequest, ProfileRequest, RefreshRequest,
    RegisterRequest, TokenResponse, UserResponse,
};
use super::{ApiResult, ApiTags, BearerAuth, State};
use crate::error::ApiError;
use crate::gateway::ClientIp;
use crate::ratelimit::{raise_alert, LoginFailures};

/// Registration, login, tokens and accounts.
#[derive(Debug)]
pub struct AuthApi;

#[derive(ApiResponse)]
enum Created {
    /// The account was created.
    #[oai(status = 201)]
    Created(Json<UserResponse>),
}

#[derive(ApiResponse)]
enum Tokens {
    /// A new session's tokens.
    #[oai(status = 200)]
    Ok(Json<TokenResponse>),
}

#[derive(ApiResponse)]
enum NoContent {
    /// Done.
    #[oai(status = 204)]
    NoContent,
}

#[derive(ApiResponse)]
enum Accepted {
    /// Taken; the outcome is not told.
    #[oai(status = 202)]
    Accepted,
}

/// The password-reset service, or 503 when the server sends no mail.
fn password_resets(state: &State) -> ApiResult<&PasswordResetService> {
    state.password_resets.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "MAIL_NOT_CONFIGURED",
            "password reset needs email, which this server is not configured to send (LMS_SMTP_URL)",
            json!({}),
        )
    })
}

fn tokens(state: &State, session: Session) -> ApiResult<Json<TokenResponse>> {
    let access_token = state
        .tokens
        .issue(&session.user, session.family_id)
        .map_err(|e| ApiError::internal(&e))?;
    Ok(Json(TokenResponse {
        access_token,
        refresh_token: session.refresh_token,
        token_type: "Bearer".to_owned(),
        expires_in: state.tokens.ttl().as_secs(),
        refresh_expires_at: session.refresh_expires_at,
        user: session.user.into(),
    }))
}

/// Counts a failed login against its account's budgets (the gateway refuses logins over
/// them); the failure that uses one up raises a `RepeatedLoginFailures` alert, naming the
/// account when it exists.
async fn count_failed_login(state: &State, email: &str, client: ClientIp) {
    let limits = &state.settings.rate_limits;
    let Some(failures) = LoginFailures::new(email, &client)
        .count_failure(&state.limiter, limits)
        .await
    else {
        return;
    };
    let user_id = match state.lms.users.find_by_email(email).await {
        Ok(user) => user.map(|user| user.id),
        Err(e) => {
            tracing::warn!(error = %e, "the account of a security alert was not looked up");
            None
        }
    };
    raise_alert(
        &state.lms,
        SecuritySignal::RepeatedLoginFailures,
        user_id,
        client.0,
        failures,
    )
    .await;
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Register a student account.
    #[oai(path = "/auth/register", method = "post", operation_id = "register")]
    async fn register(&self, state: Data<&State>, body: Json<RegisterRequest>) -> ApiResult<Created> {
        let body = body.0;
        let input = NewUser {
            email: body.email.into(),
            display_name: body.display_name.into(),
        };
        let user = state.lms.auth.register(input, &body.password).await?;
        Ok(Created::Created(Json(user.into())))
    }

    /// Log in with email and password: an access token and a refresh token.
    #[oai(path = "/auth/login", method = "post", operation_id = "login")]
    async fn login(&self, state: Data<&State>, client: Data<&ClientIp>, body: Json<LoginRequest>) -> ApiResult<Tokens> {
        let outcome = state.lms.auth.login(&body.email, &body.password).await;
        if let Err(lms_core::Error::Unauthenticated(_)) = outcome {
            count_failed_login(&state, &body.email, *client.0).await;
        }
        Ok(Tokens::Ok(tokens(&state, outcome?)?))
    }

    /// Exchange a refresh token for new tokens. The old refresh token stops working;
    /// presenting it again revokes the whole session.
    #[oai(path = "/auth/refresh", method = "post", operation_id = "refresh")]
    async fn refresh(&self, state: Data<&State>, body: Json<RefreshRequest>) -> ApiResult<Tokens> {
        match state.lms.auth.refresh(&body.refresh_token).await {
            Ok(session) => Ok(Tokens::Ok(tokens(&state, session)?)),
            Err(e) => {
                if matches!(e, lms_core::Error::Unauthenticated(_)) {
                    // A refused refresh may have revoked its session (reuse detection).
                    state.tokens.ended_here(&state.lms).await;
                }
                Err(e.into())
            }
        }
    }

    /// End the session of a refresh token; its access tokens stop working too.
    #[oai(path = "/auth/logout", method = "post", operation_id = "logout")]
    async fn logout(&self, state: Data<&State>, body: Json<RefreshRequest>) -> ApiResult<NoContent> {
        state.lms.auth.logout(&body.refresh_token).await?;
        state.tokens.ended_here(&state.lms).await;
        Ok(NoContent::NoContent)
    }

    /// Ask for a password-reset mail. The answer is 202 whether or not the address has an
    /// account; the mail, if any, carries a single-use token valid for 30 minutes.
    #[oai(
        path = "/auth/password-reset",
        method = "post",
        operation_id = "requestPasswordReset"
    )]
    async fn request_password_reset(
        &self,
        state: Data<&State>,
        body: Json<PasswordResetRequest>,
    ) -> ApiResult<Accepted> {
        let resets = password_resets(&state)?.clone();
        PasswordResetService::check_request(&body.email)?;
        // The lookup and the mail run after the answer, so its timing says nothing
        // about whether the account exists.
        let email = body.0.email.0;
        tokio::spawn(async move {
            if let Err(e) = resets.request(&email).await {
                tracing::error!(error = %e, "password-reset mail not sent");
            }
        });
        Ok(Accepted::Accepted)
    }

    /// Set a new password with the token from a reset mail. The token works once, and
    /// every session of the account ends.
    #[oai(
        path = "/auth/password-reset/confirm",
        method = "post",
        operation_id = "confirmPasswordReset"
    )]
    async fn confirm_password_reset(
        &self,
        state: Data<&State>,
        body: Json<PasswordResetConfirm>,
    ) -> ApiResult<NoContent> {
        password_resets(&state)?
            .confirm(&body.token, &body.new_password)
            .await?;
        state.tokens.ended_here(&state.lms).await;
        Ok(NoContent::NoContent)
    }

    /// The caller's account.
    #[oai(path = "/me", method = "get", operation_id = "getMe")]
    async fn me(&self, state: Data<&State>, auth: BearerAuth) -> ApiResult<Json<UserResponse>> {
        let user = state.lms.users.get(&auth.0, auth.0.user_id).await?;
        Ok(Json(user.into()))
    }

    /// Correct my email or display name (rectification, GDPR art. 16); absent fields stay
    /// as they are. The change is audited (which fields, never their values).
    #[oai(path = "/me", method = "patch", operation_id = "updateMe")]
    async fn update_me(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        body: Json<ProfileRequest>,
    ) -> ApiResult<Json<UserResponse>> {
        let body = body.0;
        let patch = ProfilePatch {
            email: body.email.map(Into::into),
            display_name: body.display_name.map(Into::into),
        };
        let user = state.lms.users.update_profile(&auth.0, auth.0.user_id, patch).await?;
        Ok(Json(user.into()))
    }

    /// Change a user's role or premium flag (admins only).
    #[oai(path = "/admin/users/:id", method = "patch", operation_id = "updateUserAccess")]
    async fn update_access(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<AccessPatch>,
    ) -> ApiResult<Json<UserResponse>> {
        let change = AccessChange {
            role: body.role.map(Into::into),
            premium: body.premium,
        };
        let user = state
            .lms
            .users
            .change_access(&auth.0, UserId::from(id.0), change)
            .await?;
        Ok(Json(user.into()))
    }
}
