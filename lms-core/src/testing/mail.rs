//! Email: the event-driven messages and password reset by mailed token.

use std::sync::Arc;

use chrono::Duration;

use super::auth::{NEW_PASSWORD, PASSWORD};
use super::fixtures::{instructor, published_course, student, tag, text};
use super::{behaviour_list, Behaviour, Ctx};
use crate::domain::events::{DomainEvent, EventPayload};
use crate::ids::{CertificateId, EnrollmentId};
use crate::mail::{MailNotifier, MailSettings};
use crate::ports::{Mail, Notifier, RecordingMailer};
use crate::services::{NewUser, PasswordResetService, RESET_TOKEN_TTL};
use crate::Error;

pub(super) fn behaviours() -> Vec<Behaviour> {
    behaviour_list![
        registration_and_certificates_send_mail,
        password_reset_mails_a_single_use_token_that_ends_sessions,
        password_reset_answers_alike_for_unknown_addresses,
        password_reset_tokens_expire,
        a_refused_new_password_leaves_the_token_usable,
    ]
}

fn resets(ctx: &Ctx) -> (PasswordResetService, Arc<RecordingMailer>) {
    let mailer = Arc::new(RecordingMailer::default());
    (ctx.lms.password_resets(mailer.clone(), MailSettings::default()), mailer)
}

/// The token in a reset mail sent without a public address.
fn token_in(mail: &Mail) -> String {
    let line = mail
        .text
        .lines()
        .find_map(|l| l.strip_prefix("Your reset code is "))
        .expect("the mail carries the token");
    line.to_owned()
}

async fn registered(ctx: &Ctx) -> NewUser {
    let input = NewUser {
        email: format!("reset-{}@example.com", tag()),
        display_name: "Reset Ünïcode".into(),
    };
    ctx.lms.auth.register(input.clone(), PASSWORD).await.expect("register");
    input
}

async fn registration_and_certificates_send_mail(ctx: Ctx) {
    let mailer = Arc::new(RecordingMailer::default());
    let settings = MailSettings {
        product_name: "Academy".into(),
        public_url: Some("https://learn.example.com/".into()),
    };
    let notifier: MailNotifier = ctx.lms.mail_notifier(mailer.clone(), settings);
    let learner = student(&ctx).await;
    let user = ctx.lms.users.load(learner.user_id).await.expect("user");
    let owner = instructor(&ctx).await;
    let course = published_course(&ctx, &owner, vec![text("Only")]).await;
    let now = ctx.clock_now();
    let welcome = DomainEvent::new(EventPayload::UserRegistered { user_id: user.id }, now);
    let certificate_id = CertificateId::new();
    let completed = DomainEvent::new(
        EventPayload::CertificateIssued {
            certificate_id,
            enrollment_id: EnrollmentId::new(),
            user_id: user.id,
            course_id: course.id,
        },
        now,
    );
    let unrelated = DomainEvent::new(
        EventPayload::CourseCreated {
            course_id: course.id,
            owner_id: owner.user_id,
        },
        now,
    );
    for event in [&welcome, &completed, &unrelated] {
        notifier.deliver(event).await.expect("deliver");
    }
    let sent = mailer.sent();
    assert_eq!(sent.len(), 2, "one mail per mailed event type: {sent:?}");
    assert_eq!(sent[0].to, user.email.as_str());
    assert_eq!(sent[0].subject, "Welcome to Academy");
    assert_eq!(
        sent[0].id,
        welcome.id.to_string(),
        "the event id makes redelivery recognisable"
    );
    assert!(sent[0].text.contains("https://learn.example.com/"), "{}", sent[0].text);
    assert_eq!(sent[1].subject, format!("You completed {}", course.title.as_str()));
    assert!(sent[1].text.contains(&certificate_id.to_string()));
    assert!(sent[1]
        .text
        .contains(&format!("https://learn.example.com/certificates/{certificate_id}")));
    let gone = DomainEvent::new(
        EventPayload::UserRegistered {
            user_id: crate::ids::UserId::new(),
        },
        now,
    );
    notifier.deliver(&gone).await.expect("a user gone since gets nothing");
    assert_eq!(mailer.sent().len(), 2);
}

async fn password_reset_mails_a_single_use_token_that_ends_sessions(ctx: Ctx) {
    let input = registered(&ctx).await;
    let session = ctx.lms.auth.login(&input.email, PASSWORD).await.expect("login");
    let (resets, mailer) = resets(&ctx);
    resets.request(&input.email.to_uppercase()).await.expect("request");
    let sent = mailer.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, input.email);
    assert_eq!(sent[0].to_name, "Reset Ünïcode");
    let token = token_in(&sent[0]);
    assert!(token.len() >= 43, "256-bit token");
    resets.confirm(&token, NEW_PASSWORD).await.expect("confirm");
    assert!(matches!(
        ctx.lms.auth.refresh(&session.refresh_token).await,
        Err(Error::Unauthenticated(_))
    ));
    assert!(
        ctx.lms.auth.check_session(session.family_id).await.is_err(),
        "sessions end"
    );
    assert!(ctx.lms.auth.login(&input.email, PASSWORD).await.is_err());
    ctx.lms
        .auth
        .login(&input.email, NEW_PASSWORD)
        .await
        .expect("new password");
    assert_invalid_token(resets.confirm(&token, "another-fine-password-99").await);
}

async fn password_reset_answers_alike_for_unknown_addresses(ctx: Ctx) {
    let (resets, mailer) = resets(&ctx);
    resets
        .request(&format!("nobody-{}@example.com", tag()))
        .await
        .expect("same answer as for an account");
    assert!(mailer.sent().is_empty());
    match resets.request("not an address").await {
        Err(Error::Validation(fields)) => assert_eq!(fields[0].field, "email"),
        other => panic!("a malformed address is refused, got {other:?}"),
    }
    assert_invalid_token(resets.confirm("made-up", NEW_PASSWORD).await);
}

async fn password_reset_tokens_expire(ctx: Ctx) {
    let input = registered(&ctx).await;
    let (resets, mailer) = resets(&ctx);
    resets.request(&input.email).await.expect("request");
    resets.request(&input.email).await.expect("again");
    let sent = mailer.sent();
    let (first, second) = (token_in(&sent[0]), token_in(&sent[1]));
    assert_ne!(first, second);
    let asked_at = ctx.clock_now();
    ctx.clock.set(asked_at + RESET_TOKEN_TTL + Duration::seconds(1));
    assert_invalid_token(resets.confirm(&first, NEW_PASSWORD).await);
    ctx.clock.set(asked_at + RESET_TOKEN_TTL - Duration::seconds(1));
    resets
        .confirm(&second, NEW_PASSWORD)
        .await
        .expect("valid for 30 minutes");
    ctx.clock.set(asked_at);
    assert_invalid_token(resets.confirm(&first, NEW_PASSWORD).await);
}

async fn a_refused_new_password_leaves_the_token_usable(ctx: Ctx) {
    let input = registered(&ctx).await;
    let (resets, mailer) = resets(&ctx);
    resets.request(&input.email).await.expect("request");
    let token = token_in(&mailer.sent()[0]);
    match resets.confirm(&token, "password").await {
        Err(Error::Validation(fields)) => assert!(fields.iter().all(|f| f.field.starts_with("new_password"))),
        other => panic!("a weak password is refused, got {other:?}"),
    }
    ctx.lms
        .auth
        .login(&input.email, PASSWORD)
        .await
        .expect("old password still works");
    resets
        .confirm(&token, NEW_PASSWORD)
        .await
        .expect("the token still works");
}

fn assert_invalid_token(result: crate::Result<()>) {
    match result {
        Err(Error::Validation(fields)) => {
            assert_eq!(fields.len(), 1);
            assert_eq!(fields[0].field, "token");
            assert_eq!(fields[0].code, "invalid_token");
        }
        other => panic!("expected an invalid token, got {other:?}"),
    }
}
