//! Credentials and sessions: the auth store contract and the login/refresh rules.

use chrono::{DateTime, Duration, Utc};
use futures::future::join_all;
use uuid::Uuid;

use super::fixtures::{admin, student, tag};
use super::{behaviour_list, Behaviour, Ctx};
use crate::domain::password::Password;
use crate::ids::UserId;
use crate::ports::{RefreshToken, RefreshTokenState, StoreError, UniqueKey};
use crate::services::{AuthSettings, NewUser};
use crate::Error;

pub(super) fn behaviours() -> Vec<Behaviour> {
    behaviour_list![
        password_hash_is_set_and_replaced,
        refresh_token_round_trips_and_is_unique,
        only_active_tokens_rotate,
        concurrent_rotations_have_one_winner,
        revocation_covers_family_or_user,
        family_revocation_is_in_the_feed_with_its_time,
        user_revocation_lists_every_family_of_the_user,
        rotation_alone_ends_no_session,
        registration_with_password_then_login,
        wrong_password_and_unknown_email_fail_alike,
        weak_passwords_are_rejected_with_every_field,
        refresh_rotates_and_reuse_revokes_family,
        logout_ends_the_session,
        logout_and_reuse_detection_feed_the_ended_sessions,
        idle_sessions_time_out,
        sessions_end_at_absolute_expiry,
        password_change_ends_sessions,
    ]
}

fn token(user_id: UserId, family_id: Uuid, ctx: &Ctx) -> RefreshToken {
    RefreshToken {
        token_hash: format!("{:064x}", fastrand::u128(..)),
        family_id,
        user_id,
        issued_at: ctx.clock_now(),
        expires_at: ctx.clock_now() + Duration::days(7),
        state: RefreshTokenState::Active,
    }
}

async fn password_hash_is_set_and_replaced(ctx: Ctx) {
    let user = student(&ctx).await;
    let auth = &ctx.stores.auth;
    assert_eq!(auth.password_hash(user.user_id).await.expect("none"), None);
    auth.set_password_hash(user.user_id, "$argon2id$first")
        .await
        .expect("set");
    auth.set_password_hash(user.user_id, "$argon2id$second")
        .await
        .expect("replace");
    assert_eq!(
        auth.password_hash(user.user_id).await.expect("get").as_deref(),
        Some("$argon2id$second")
    );
}

async fn refresh_token_round_trips_and_is_unique(ctx: Ctx) {
    let stored = token(UserId::new(), Uuid::now_v7(), &ctx);
    let auth = &ctx.stores.auth;
    auth.insert_refresh_token(&stored).await.expect("insert");
    assert_eq!(
        auth.refresh_token(&stored.token_hash).await.expect("get"),
        Some(stored.clone())
    );
    let again = auth.insert_refresh_token(&stored).await;
    assert!(
        matches!(again, Err(StoreError::Duplicate(UniqueKey::Id))),
        "got {again:?}"
    );
    assert_eq!(auth.refresh_token("missing").await.expect("missing"), None);
}

async fn only_active_tokens_rotate(ctx: Ctx) {
    let auth = &ctx.stores.auth;
    let first = token(UserId::new(), Uuid::now_v7(), &ctx);
    auth.insert_refresh_token(&first).await.expect("insert");
    let second = token(first.user_id, first.family_id, &ctx);
    auth.rotate_refresh_token(&first.token_hash, &second)
        .await
        .expect("rotate");
    let old = auth
        .refresh_token(&first.token_hash)
        .await
        .expect("get")
        .expect("present");
    assert_eq!(old.state, RefreshTokenState::Rotated);
    assert_eq!(
        auth.refresh_token(&second.token_hash).await.expect("get"),
        Some(second.clone())
    );
    let third = token(first.user_id, first.family_id, &ctx);
    let stale = auth.rotate_refresh_token(&first.token_hash, &third).await;
    assert!(matches!(stale, Err(StoreError::VersionConflict)), "got {stale:?}");
    assert_eq!(
        auth.refresh_token(&third.token_hash).await.expect("get"),
        None,
        "nothing stored"
    );
    let missing = auth.rotate_refresh_token("missing", &third).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "got {missing:?}");
}

async fn concurrent_rotations_have_one_winner(ctx: Ctx) {
    let auth = ctx.stores.auth.clone();
    let first = token(UserId::new(), Uuid::now_v7(), &ctx);
    auth.insert_refresh_token(&first).await.expect("insert");
    let nexts: Vec<_> = (0..8).map(|_| token(first.user_id, first.family_id, &ctx)).collect();
    let results = join_all(
        nexts
            .iter()
            .map(|next| auth.rotate_refresh_token(&first.token_hash, next)),
    )
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(results
        .iter()
        .all(|r| r.is_ok() || matches!(r, Err(StoreError::VersionConflict))));
}

async fn revocation_covers_family_or_user(ctx: Ctx) {
    let auth = &ctx.stores.auth;
    let user = UserId::new();
    let family = Uuid::now_v7();
    let a = token(user, family, &ctx);
    let b = token(user, family, &ctx);
    let other_family = token(user, Uuid::now_v7(), &ctx);
    let other_user = token(UserId::new(), family, &ctx);
    for t in [&a, &b, &other_family, &other_user] {
        auth.insert_refresh_token(t).await.expect("insert");
    }
    let at = ctx.clock_now();
    assert!(auth.session_active(family).await.expect("active"));
    assert_eq!(auth.revoke_token_family(family, at).await.expect("family"), 3);
    assert!(!auth.session_active(family).await.expect("revoked"));
    assert!(!auth.session_active(Uuid::now_v7()).await.expect("unknown family"));
    assert_eq!(auth.revoke_token_family(family, at).await.expect("again"), 0);
    let state = |t: &RefreshToken| {
        let hash = t.token_hash.clone();
        async move { auth.refresh_token(&hash).await.expect("get").expect("present").state }
    };
    assert_eq!(state(&other_family).await, RefreshTokenState::Active);
    assert_eq!(state(&other_user).await, RefreshTokenState::Revoked);
    assert_eq!(auth.revoke_user_tokens(user, at).await.expect("user"), 1);
    assert_eq!(state(&other_family).await, RefreshTokenState::Revoked);
}

/// The feed's entry for `family` among the sessions ended at or after `since`, checking
/// that the family is listed at most once.
async fn ended_at(ctx: &Ctx, family: Uuid, since: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let ended = ctx.stores.auth.sessions_ended_since(since).await.expect("feed");
    let mut times = ended.into_iter().filter(|(f, _)| *f == family).map(|(_, at)| at);
    let first = times.next();
    assert_eq!(times.next(), None, "family {family} listed more than once");
    first
}

async fn family_revocation_is_in_the_feed_with_its_time(ctx: Ctx) {
    let auth = &ctx.stores.auth;
    let user = UserId::new();
    let family = Uuid::now_v7();
    let first = token(user, family, &ctx);
    auth.insert_refresh_token(&first).await.expect("insert");
    let second = token(user, family, &ctx);
    auth.rotate_refresh_token(&first.token_hash, &second)
        .await
        .expect("rotate");
    let before = ctx.clock_now() - Duration::hours(1);
    let at = ctx.clock_now() + Duration::seconds(3) + Duration::microseconds(250);
    assert_eq!(auth.revoke_token_family(family, at).await.expect("revoke"), 1);
    let micro = Duration::microseconds(1);
    assert_eq!(
        ended_at(&ctx, family, before).await,
        Some(at),
        "rotated and active tokens revoked at once"
    );
    assert_eq!(ended_at(&ctx, family, at).await, Some(at), "`since` is inclusive");
    assert_eq!(ended_at(&ctx, family, at + micro).await, None, "revoked before `since`");

    // Revoking again changes nothing: the tokens keep their revocation time.
    let later = at + Duration::minutes(1);
    assert_eq!(auth.revoke_token_family(family, later).await.expect("again"), 0);
    assert_eq!(ended_at(&ctx, family, before).await, Some(at));
    assert_eq!(ended_at(&ctx, family, at + micro).await, None);

    // A token of the family revoked later makes the family's entry that later time.
    let straggler = token(user, family, &ctx);
    auth.insert_refresh_token(&straggler).await.expect("insert");
    assert_eq!(auth.revoke_token_family(family, later).await.expect("straggler"), 1);
    assert_eq!(ended_at(&ctx, family, before).await, Some(later), "the latest time");
    assert_eq!(ended_at(&ctx, family, at + micro).await, Some(later));
}

async fn user_revocation_lists_every_family_of_the_user(ctx: Ctx) {
    let auth = &ctx.stores.auth;
    let user = UserId::new();
    let families: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
    let ended_earlier = Uuid::now_v7();
    let someone_else = token(UserId::new(), Uuid::now_v7(), &ctx);
    for family in families.iter().chain([&ended_earlier]) {
        auth.insert_refresh_token(&token(user, *family, &ctx))
            .await
            .expect("insert");
    }
    auth.insert_refresh_token(&someone_else).await.expect("insert");
    let earlier = ctx.clock_now() + Duration::seconds(1);
    let at = earlier + Duration::seconds(1);
    auth.revoke_token_family(ended_earlier, earlier).await.expect("earlier");
    assert_eq!(auth.revoke_user_tokens(user, at).await.expect("user"), 3);
    for family in &families {
        assert_eq!(ended_at(&ctx, *family, at).await, Some(at), "family {family}");
    }
    assert_eq!(ended_at(&ctx, ended_earlier, at).await, None, "keeps its earlier time");
    assert_eq!(ended_at(&ctx, ended_earlier, earlier).await, Some(earlier));
    assert_eq!(
        ended_at(&ctx, someone_else.family_id, earlier - Duration::hours(1)).await,
        None,
        "another user's session goes on"
    );
}

async fn rotation_alone_ends_no_session(ctx: Ctx) {
    let input = new_user();
    ctx.lms.auth.register(input.clone(), PASSWORD).await.expect("register");
    let since = ctx.clock_now() - Duration::hours(1);
    let mut session = ctx.lms.auth.login(&input.email, PASSWORD).await.expect("login");
    for _ in 0..3 {
        session = ctx.lms.auth.refresh(&session.refresh_token).await.expect("refresh");
    }
    let ended = ctx.lms.auth.ended_sessions_since(since).await.expect("feed");
    assert!(
        ended.iter().all(|(family, _)| *family != session.family_id),
        "a rotated session is not ended"
    );
    ctx.lms.auth.check_session(session.family_id).await.expect("still live");
}

fn new_user() -> NewUser {
    NewUser {
        email: format!("auth-{}@example.com", tag()),
        display_name: "Auth User".into(),
    }
}

/// The password of the test accounts: four words and a number, which the policy accepts.
pub(super) const PASSWORD: &str = "correct-horse-battery-staple-42";
/// The password the accounts change to.
pub(super) const NEW_PASSWORD: &str = "quiet-otter-lantern-meadow-17";

async fn registration_with_password_then_login(ctx: Ctx) {
    let input = new_user();
    let user = ctx.lms.auth.register(input.clone(), PASSWORD).await.expect("register");
    let stored = ctx
        .stores
        .auth
        .password_hash(user.id)
        .await
        .expect("hash")
        .expect("present");
    assert!(stored.starts_with("$argon2id$") && !stored.contains(PASSWORD));
    let session = ctx
        .lms
        .auth
        .login(&input.email.to_uppercase(), PASSWORD)
        .await
        .expect("login");
    assert_eq!(session.user.id, user.id);
    assert!(session.refresh_token.len() >= 43, "256-bit token");
    assert!(
        !format!("{session:?}").contains(&session.refresh_token),
        "Debug hides the token"
    );
}

async fn wrong_password_and_unknown_email_fail_alike(ctx: Ctx) {
    let input = new_user();
    ctx.lms.auth.register(input.clone(), PASSWORD).await.expect("register");
    let wrong = ctx.lms.auth.login(&input.email, "Wr0ng-password").await.map(|_| ());
    let unknown = ctx
        .lms
        .auth
        .login(&format!("x{}", input.email), PASSWORD)
        .await
        .map(|_| ());
    let passwordless = student(&ctx).await;
    let no_hash = ctx.lms.users.load(passwordless.user_id).await.expect("load");
    let none = ctx.lms.auth.login(no_hash.email.as_str(), PASSWORD).await.map(|_| ());
    for result in [wrong, unknown, none] {
        match result {
            Err(err @ Error::Unauthenticated(_)) => {
                assert_eq!(err.code(), "UNAUTHORIZED");
                assert_eq!(err.to_string(), "unauthenticated: invalid email or password");
            }
            other => panic!("expected UNAUTHORIZED, got {other:?}"),
        }
    }
}

async fn weak_passwords_are_rejected_with_every_field(ctx: Ctx) {
    let input = NewUser {
        email: "bad".into(),
        display_name: "Weak".into(),
    };
    match ctx.lms.auth.register(input, "password").await {
        Err(Error::Validation(fields)) => {
            let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(names, ["email", "password"]);
        }
        other => panic!("expected validation error, got {other:?}"),
    }
    let input = new_user();
    assert!(ctx.lms.auth.register(input.clone(), "short1A").await.is_err());
    // The local part of the user's email is random enough on its own, but guessable to
    // anyone who knows the address.
    let local_part = input.email.split('@').next().expect("local part");
    assert!(Password::parse(local_part).is_ok(), "unguessable without context");
    assert!(is_weak_password(ctx.lms.auth.register(input.clone(), local_part).await));
    assert_eq!(
        ctx.lms.users.find_by_email(&input.email).await.expect("find"),
        None,
        "nothing stored"
    );
}

/// Whether `result` is a refusal of the password field as guessable.
fn is_weak_password<T: std::fmt::Debug>(result: Result<T, Error>) -> bool {
    match result {
        Err(Error::Validation(fields)) => fields
            .iter()
            .any(|f| f.field == "password" && f.code == "weak_password"),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn refresh_rotates_and_reuse_revokes_family(ctx: Ctx) {
    let input = new_user();
    ctx.lms.auth.register(input.clone(), PASSWORD).await.expect("register");
    let first = ctx.lms.auth.login(&input.email, PASSWORD).await.expect("login");
    let second = ctx.lms.auth.refresh(&first.refresh_token).await.expect("refresh");
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(second.family_id, first.family_id);
    let reuse = ctx.lms.auth.refresh(&first.refresh_token).await;
    assert!(matches!(reuse, Err(Error::Unauthenticated(_))), "got {reuse:?}");
    let after = ctx.lms.auth.refresh(&second.refresh_token).await;
    assert!(
        matches!(after, Err(Error::Unauthenticated(_))),
        "the whole family is revoked"
    );
    let fresh = ctx
        .lms
        .auth
        .login(&input.email, PASSWORD)
        .await
        .expect("new login still works");
    assert!(ctx.lms.auth.refresh(&fresh.refresh_token).await.is_ok());
    assert!(matches!(
        ctx.lms.auth.refresh("garbage").await,
        Err(Error::Unauthenticated(_))
    ));
}

async fn logout_ends_the_session(ctx: Ctx) {
    let input = new_user();
    ctx.lms.auth.register(input.clone(), PASSWORD).await.expect("register");
    let session = ctx.lms.auth.login(&input.email, PASSWORD).await.expect("login");
    ctx.lms
        .auth
        .check_session(session.family_id)
        .await
        .expect("live session");
    ctx.lms.auth.logout(&session.refresh_token).await.expect("logout");
    assert!(ctx.lms.auth.check_session(session.family_id).await.is_err());
    ctx.lms.auth.logout(&session.refresh_token).await.expect("logout twice");
    ctx.lms.auth.logout("unknown").await.expect("unknown token");
    assert!(matches!(
        ctx.lms.auth.refresh(&session.refresh_token).await,
        Err(Error::Unauthenticated(_))
    ));
}

async fn logout_and_reuse_detection_feed_the_ended_sessions(ctx: Ctx) {
    let input = new_user();
    let user = ctx.lms.auth.register(input.clone(), PASSWORD).await.expect("register");
    let listed = |since: DateTime<Utc>| {
        let auth = ctx.lms.auth.clone();
        async move { auth.ended_sessions_since(since).await.expect("feed") }
    };

    let session = ctx.lms.auth.login(&input.email, PASSWORD).await.expect("login");
    ctx.clock.advance(Duration::seconds(5));
    let logged_out = ctx.clock_now();
    ctx.lms.auth.logout(&session.refresh_token).await.expect("logout");
    assert!(
        listed(logged_out).await.contains(&(session.family_id, logged_out)),
        "logout is listed at the core's clock time"
    );
    let after = logged_out + Duration::microseconds(1);
    assert!(listed(after).await.iter().all(|(f, _)| *f != session.family_id));

    let first = ctx.lms.auth.login(&input.email, PASSWORD).await.expect("login");
    let second = ctx.lms.auth.refresh(&first.refresh_token).await.expect("refresh");
    ctx.clock.advance(Duration::seconds(5));
    let detected = ctx.clock_now();
    assert!(listed(detected).await.iter().all(|(f, _)| *f != second.family_id));
    let reuse = ctx.lms.auth.refresh(&first.refresh_token).await;
    assert!(matches!(reuse, Err(Error::Unauthenticated(_))), "got {reuse:?}");
    assert!(
        listed(detected).await.contains(&(second.family_id, detected)),
        "reuse detection is listed"
    );

    let third = ctx.lms.auth.login(&input.email, PASSWORD).await.expect("login");
    ctx.clock.advance(Duration::seconds(5));
    let everywhere = ctx.clock_now();
    let actor = crate::Actor::of(&user);
    assert_eq!(
        ctx.lms
            .auth
            .logout_everywhere(&actor, user.id)
            .await
            .expect("everywhere"),
        1
    );
    let ended = listed(everywhere).await;
    assert!(
        ended.contains(&(third.family_id, everywhere)),
        "logout everywhere is listed"
    );
    assert!(
        ended
            .iter()
            .all(|(f, _)| *f != session.family_id && *f != second.family_id),
        "sessions ended before keep their time"
    );
}

async fn idle_sessions_time_out(ctx: Ctx) {
    let input = new_user();
    ctx.lms.auth.register(input.clone(), PASSWORD).await.expect("register");
    let session = ctx.lms.auth.login(&input.email, PASSWORD).await.expect("login");
    ctx.clock.advance(Duration::minutes(59));
    let active = ctx
        .lms
        .auth
        .refresh(&session.refresh_token)
        .await
        .expect("within idle time");
    ctx.clock.advance(Duration::minutes(60));
    let idle = ctx.lms.auth.refresh(&active.refresh_token).await;
    assert!(matches!(idle, Err(Error::Unauthenticated(_))), "got {idle:?}");
}

async fn sessions_end_at_absolute_expiry(ctx: Ctx) {
    let auth = ctx.lms.auth.clone().with_settings(AuthSettings {
        refresh_ttl: Duration::hours(2),
        idle_timeout: Duration::hours(1),
    });
    let input = new_user();
    auth.register(input.clone(), PASSWORD).await.expect("register");
    let mut session = auth.login(&input.email, PASSWORD).await.expect("login");
    let expires = session.refresh_expires_at;
    for _ in 0..3 {
        ctx.clock.advance(Duration::minutes(35));
        session = auth
            .refresh(&session.refresh_token)
            .await
            .expect("active session refreshes");
        assert_eq!(
            session.refresh_expires_at, expires,
            "rotation keeps the family's expiry"
        );
    }
    ctx.clock.advance(Duration::minutes(16));
    let expired = auth.refresh(&session.refresh_token).await;
    assert!(matches!(expired, Err(Error::Unauthenticated(_))), "got {expired:?}");
}

async fn password_change_ends_sessions(ctx: Ctx) {
    let input = new_user();
    let user = ctx.lms.auth.register(input.clone(), PASSWORD).await.expect("register");
    let actor = crate::Actor::of(&user);
    let session = ctx.lms.auth.login(&input.email, PASSWORD).await.expect("login");
    let other = student(&ctx).await;
    assert!(matches!(
        ctx.lms.auth.set_password(&other, user.id, NEW_PASSWORD).await,
        Err(Error::Forbidden(_))
    ));
    let local_part = input.email.split('@').next().expect("local part");
    assert!(
        is_weak_password(ctx.lms.auth.set_password(&actor, user.id, local_part).await),
        "the user's own email counts as guessable"
    );
    ctx.lms
        .auth
        .set_password(&actor, user.id, NEW_PASSWORD)
        .await
        .expect("change");
    assert!(matches!(
        ctx.lms.auth.refresh(&session.refresh_token).await,
        Err(Error::Unauthenticated(_))
    ));
    assert!(ctx.lms.auth.login(&input.email, PASSWORD).await.is_err());
    ctx.lms
        .auth
        .login(&input.email, NEW_PASSWORD)
        .await
        .expect("new password");
    let boss = admin(&ctx).await;
    ctx.lms
        .auth
        .set_password(&boss, user.id, "amber-falcon-harbor-violet-58")
        .await
        .expect("admin reset");
}
