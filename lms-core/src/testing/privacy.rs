//! The privacy contract: an erased user leaves no trace in any table or collection of the
//! backend ([`crate::ports::DataDump`]), the erasure saga completes after a failure at any
//! step, and exports, consents and the audit chain behave alike everywhere.

use chrono::Duration;
use futures::future::join_all;

use super::auth::PASSWORD;
use super::fixtures::{instructor, published_course, tag, text};
use super::records::store_held_voucher;
use super::{behaviour_list, Behaviour, Ctx};
use crate::domain::events::EventPayload;
use crate::domain::money::Money;
use crate::payments::{Order, Product, RevenueShare};
use crate::ports::Clock as _;
use crate::privacy::audit::action;
use crate::privacy::erasure::{is_erased, REMOVED_USER_NAME};
use crate::privacy::{AuditQuery, AuditRecord, ErasureStatus, ErasureStep, PrivacyService, PrivacySettings, Purpose};
use crate::records::Records;
use crate::services::{Actor, NewUser};
use crate::Error;

pub(super) fn behaviours() -> Vec<Behaviour> {
    behaviour_list![
        erasure_leaves_no_trace_in_any_table,
        erasure_resumes_after_a_failure_at_each_step,
        erasure_waits_for_its_cool_off_and_can_be_cancelled,
        erasure_needs_the_password_or_an_admin,
        export_holds_everything_about_the_user,
        consents_are_given_and_withdrawn_alike,
        audit_chain_stays_whole_under_concurrent_appends,
        certificates_verify_with_the_name_only_by_consent_and_not_after_erasure,
        audit_purge_keeps_the_chain_verifiable_and_a_lost_head_is_found,
    ]
}

fn privacy(ctx: &Ctx) -> PrivacyService {
    ctx.lms.privacy(PrivacySettings::default())
}

/// A learner whose personal data is marked: a unique email, display name and a free
/// text of theirs, all containing `marker`.
struct MarkedLearner {
    actor: Actor,
    email: String,
    name: String,
    note: String,
}

impl MarkedLearner {
    fn markers(&self) -> [&str; 3] {
        [&self.email, &self.name, &self.note]
    }
}

/// Registers a learner with a password and gives them data everywhere: a session, an
/// enrollment with progress, a consent, an order (kept on erasure), a voucher of a kind
/// the privacy code does not know, and a course they created as an instructor.
async fn marked_learner(ctx: &Ctx) -> MarkedLearner {
    let marker = tag();
    let email = format!("erase-me-{marker}@example.com");
    let name = format!("Erasable {marker}");
    let note = format!("my-own-words-{marker}");
    let user = ctx
        .lms
        .auth
        .register(
            NewUser {
                email: email.clone(),
                display_name: name.clone(),
            },
            PASSWORD,
        )
        .await
        .expect("register");
    ctx.lms.auth.login(&email, PASSWORD).await.expect("login");
    let actor = Actor::of(&user);

    let owner = instructor(ctx).await;
    let course = published_course(ctx, &owner, vec![text("One"), text("Two")]).await;
    ctx.lms.learning.enroll(&actor, course.id).await.expect("enroll");
    ctx.lms
        .learning
        .complete_lesson(&actor, course.lessons[0].id, None)
        .await
        .expect("progress");
    privacy(ctx)
        .set_consent(&actor, user.id, Purpose::Marketing, true, "2026-01")
        .await
        .expect("consent");
    let amount = Money::new(1999, "EUR").expect("money");
    let split = RevenueShare::new(70).expect("share").split(amount.amount_minor);
    let order = Order::new(
        user.id,
        Product::Course(course.id),
        owner.user_id,
        amount,
        "manual",
        split,
        ctx.clock_now(),
    );
    Records::new(ctx.stores.records.clone())
        .insert(&order, &[])
        .await
        .expect("order");
    store_held_voucher(ctx, user.id, &note).await;
    MarkedLearner {
        actor,
        email,
        name,
        note,
    }
}

async fn assert_no_trace(ctx: &Ctx, learners: &[&MarkedLearner]) {
    let dump = ctx.stores.dump.dump_all().await.expect("dump");
    for learner in learners {
        for marker in learner.markers() {
            assert!(!dump.contains(marker), "{marker:?} is still stored after erasure");
        }
    }
}

async fn erasure_leaves_no_trace_in_any_table(ctx: Ctx) {
    let learner = marked_learner(&ctx).await;
    let user_id = learner.actor.user_id;
    let dump = ctx.stores.dump.dump_all().await.expect("dump");
    for marker in learner.markers() {
        assert!(dump.contains(marker), "the dump must show {marker:?} before erasure");
    }

    let privacy = privacy(&ctx);
    let request = privacy
        .request_erasure(&learner.actor, user_id, Some(PASSWORD))
        .await
        .expect("request");
    let before = ctx.stores.outbox.last_sequence().await.expect("sequence");
    let done = privacy.run_erasure(request.id).await.expect("run");
    assert_eq!(done.status, ErasureStatus::Completed);
    assert_eq!(done.steps_done, ErasureStep::ALL.to_vec());
    assert_eq!(done.removed.enrollments, 1);
    assert!(
        done.removed.records >= 2,
        "the consent and the voucher: {:?}",
        done.removed
    );
    assert!(done.removed.sessions >= 1);

    assert_no_trace(&ctx, &[&learner]).await;
    let login = ctx.lms.auth.login(&learner.email, PASSWORD).await;
    assert!(matches!(login, Err(Error::Unauthenticated(_))), "got {login:?}");
    let tombstone = ctx.lms.users.load(user_id).await.expect("the account id remains");
    assert!(is_erased(&tombstone.email));
    assert_eq!(tombstone.display_name.as_str(), REMOVED_USER_NAME);

    // Payment records stay (bookkeeping), nothing else the user owned does.
    let kinds: Vec<String> = Records::new(ctx.stores.records.clone())
        .owned_by(user_id)
        .await
        .expect("owned")
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert_eq!(kinds, vec!["order".to_owned()]);

    // The email is free again.
    ctx.lms
        .auth
        .register(
            NewUser {
                email: learner.email.clone(),
                display_name: "Someone New".into(),
            },
            PASSWORD,
        )
        .await
        .expect("the email registers again");

    // Running it again changes nothing; the erasure is audited once, without the data.
    let again = privacy.run_erasure(request.id).await.expect("rerun");
    assert_eq!(again, done);
    let audited = privacy.audit().about_user(user_id).await.expect("audit");
    let completions = audited.iter().filter(|e| e.action == action::ERASURE_COMPLETED).count();
    assert_eq!(completions, 1);
    let announced = ctx
        .stores
        .outbox
        .events_after(before, 1000)
        .await
        .expect("outbox")
        .into_iter()
        .filter(|m| matches!(m.event.payload, EventPayload::UserErased { user_id: u, .. } if u == user_id))
        .count();
    assert_eq!(announced, 1, "user.erased is announced once");
}

async fn erasure_resumes_after_a_failure_at_each_step(ctx: Ctx) {
    let privacy = privacy(&ctx);
    let mut learners = Vec::new();
    for step in ErasureStep::ALL {
        let learner = marked_learner(&ctx).await;
        let request = privacy
            .request_erasure(&learner.actor, learner.actor.user_id, Some(PASSWORD))
            .await
            .expect("request");
        let failed = privacy.run_erasure_until(request.id, Some(step)).await;
        assert!(matches!(failed, Err(Error::Internal(_))), "{step:?}: got {failed:?}");
        let stuck = privacy.erasure(&learner.actor, request.id).await.expect("read");
        assert_eq!(stuck.status, ErasureStatus::InProgress, "{step:?}");
        assert!(!stuck.steps_done.contains(&step), "{step:?} was not recorded");
        // The periodic sweep picks it up, as after a crash.
        privacy.run_due_erasures().await.expect("sweep");
        let done = privacy.erasure(&learner.actor, request.id).await.expect("read");
        assert_eq!(done.status, ErasureStatus::Completed, "{step:?}");
        assert_eq!(done.steps_done, ErasureStep::ALL.to_vec(), "{step:?}");
        learners.push(learner);
    }
    assert_no_trace(&ctx, &learners.iter().collect::<Vec<_>>()).await;
}

async fn erasure_waits_for_its_cool_off_and_can_be_cancelled(ctx: Ctx) {
    let privacy = ctx.lms.privacy(PrivacySettings {
        erasure_cool_off: Duration::days(7),
    });
    let learner = marked_learner(&ctx).await;
    let user_id = learner.actor.user_id;
    let first = privacy
        .request_erasure(&learner.actor, user_id, Some(PASSWORD))
        .await
        .expect("request");
    assert_eq!(first.not_before, first.requested_at + Duration::days(7));
    let waiting = privacy.run_erasure(first.id).await.expect("run");
    assert_eq!(waiting.status, ErasureStatus::Requested, "not before the cool-off ends");
    let again = privacy
        .request_erasure(&learner.actor, user_id, Some(PASSWORD))
        .await
        .expect("again");
    assert_eq!(again.id, first.id, "an open request is not doubled");
    let cancelled = privacy.cancel_erasure(&learner.actor, first.id).await.expect("cancel");
    assert_eq!(cancelled.status, ErasureStatus::Cancelled);
    assert!(
        ctx.lms.auth.login(&learner.email, PASSWORD).await.is_ok(),
        "nothing was erased"
    );

    let second = privacy
        .request_erasure(&learner.actor, user_id, Some(PASSWORD))
        .await
        .expect("request again");
    assert_ne!(second.id, first.id);
    ctx.clock.advance(Duration::days(7) + Duration::seconds(1));
    privacy.run_due_erasures().await.expect("sweep");
    let done = privacy.erasure(&learner.actor, second.id).await.expect("read");
    assert_eq!(done.status, ErasureStatus::Completed);
    let late = privacy.cancel_erasure(&learner.actor, second.id).await;
    assert!(matches!(late, Err(Error::Forbidden(_))), "got {late:?}");
    assert_no_trace(&ctx, &[&learner]).await;
}

async fn erasure_needs_the_password_or_an_admin(ctx: Ctx) {
    let privacy = privacy(&ctx);
    let learner = marked_learner(&ctx).await;
    let user_id = learner.actor.user_id;
    let wrong = privacy
        .request_erasure(&learner.actor, user_id, Some("not-the-password"))
        .await;
    assert!(matches!(wrong, Err(Error::Forbidden(_))), "got {wrong:?}");
    let by_other = privacy.request_erasure(&learner.actor, user_id, None).await;
    assert!(
        matches!(by_other, Err(Error::Forbidden(_))),
        "a student is no admin: {by_other:?}"
    );
    let admin = super::fixtures::admin(&ctx).await;
    let request = privacy
        .request_erasure(&admin, user_id, None)
        .await
        .expect("admin path");
    let stranger = super::fixtures::student(&ctx).await;
    let hidden = privacy.erasure(&stranger, request.id).await;
    assert!(matches!(hidden, Err(Error::NotFound { .. })), "got {hidden:?}");
    let done = privacy.run_erasure(request.id).await.expect("run");
    assert_eq!(done.status, ErasureStatus::Completed);
    let audited = privacy.audit().about_user(user_id).await.expect("audit");
    let requested = audited
        .iter()
        .find(|e| e.action == action::ERASURE_REQUESTED)
        .expect("the request is audited");
    assert_eq!(requested.actor, Some(admin.user_id));
    assert_eq!(requested.details.get("channel").map(String::as_str), Some("admin"));
}

async fn export_holds_everything_about_the_user(ctx: Ctx) {
    let learner = marked_learner(&ctx).await;
    let user_id = learner.actor.user_id;
    let privacy = privacy(&ctx);
    let stranger = super::fixtures::student(&ctx).await;
    let refused = privacy.export(&stranger, user_id).await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "got {refused:?}");

    let export = privacy.export(&learner.actor, user_id).await.expect("export");
    assert_eq!(export.profile.email.as_str(), learner.email);
    assert_eq!(export.enrollments.len(), 1);
    assert!(export.enrollments[0].lessons().len() == 1, "the progress is included");
    for kind in ["consent", "order", "conformance_voucher"] {
        assert_eq!(
            export.records.get(kind).map(Vec::len),
            Some(1),
            "{kind} in {:?}",
            export.records.keys()
        );
    }
    let json = serde_json::to_string(&export).expect("serializes");
    assert!(json.contains(&learner.note), "a kind unknown to the export is included");
    let actions: Vec<&str> = export.audit.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&action::LOGIN), "{actions:?}");
    let after = privacy.audit().about_user(user_id).await.expect("audit");
    assert!(
        after.iter().any(|e| e.action == action::DATA_EXPORTED),
        "the export is audited"
    );
}

async fn consents_are_given_and_withdrawn_alike(ctx: Ctx) {
    let privacy = privacy(&ctx);
    let learner = super::fixtures::student(&ctx).await;
    let user = learner.user_id;
    let initial = privacy.consents(&learner, user).await.expect("consents");
    assert_eq!(
        initial.iter().map(|c| c.purpose).collect::<Vec<_>>(),
        Purpose::ALL.to_vec()
    );
    assert!(initial.iter().all(|c| !c.granted && c.history.is_empty()));
    assert!(!privacy.has_consent(user, Purpose::Analytics).await.expect("has"));

    let given = privacy
        .set_consent(&learner, user, Purpose::Analytics, true, "2026-01")
        .await
        .expect("give");
    assert!(given.granted);
    assert_eq!(given.policy_version.as_deref(), Some("2026-01"));
    assert!(privacy.has_consent(user, Purpose::Analytics).await.expect("has"));
    let withdrawn = privacy
        .set_consent(&learner, user, Purpose::Analytics, false, "2026-02")
        .await
        .expect("withdraw");
    assert!(!withdrawn.granted);
    assert_eq!(withdrawn.history.len(), 2);
    assert!(!privacy.has_consent(user, Purpose::Analytics).await.expect("has"));
    assert!(!privacy
        .has_consent(user, Purpose::Marketing)
        .await
        .expect("others untouched"));

    let other = super::fixtures::admin(&ctx).await;
    let on_behalf = privacy.set_consent(&other, user, Purpose::Marketing, true, "1").await;
    assert!(matches!(on_behalf, Err(Error::Forbidden(_))), "got {on_behalf:?}");
    let bad = privacy
        .set_consent(&learner, user, Purpose::Marketing, true, "no spaces")
        .await;
    assert!(matches!(bad, Err(Error::Validation(_))), "got {bad:?}");

    // Concurrent first answers both land in the ledger.
    let answers = (0..4).map(|i| privacy.set_consent(&learner, user, Purpose::Cookies, i % 2 == 0, "1"));
    for result in join_all(answers).await {
        result.expect("concurrent answer");
    }
    let cookies = privacy.consents(&learner, user).await.expect("consents")[2].clone();
    assert_eq!(cookies.history.len(), 4);
}

async fn audit_chain_stays_whole_under_concurrent_appends(ctx: Ctx) {
    let privacy = privacy(&ctx);
    let subject = super::fixtures::student(&ctx).await.user_id;
    let appends =
        (0..16).map(|i| privacy.record(AuditRecord::new(action::ADMIN_REQUEST).subject(subject).detail("n", i)));
    for result in join_all(appends).await {
        result.expect("append");
    }
    let once = || {
        privacy.record(
            AuditRecord::new(action::OPERATOR_COMMAND)
                .subject(subject)
                .once(format!("conformance:{subject}")),
        )
    };
    once().await.expect("first");
    once().await.expect("second is a no-op");

    let report = privacy.audit().verify().await.expect("verify");
    assert_eq!(report.broken, None, "the chain is whole");
    let about = privacy.audit().about_user(subject).await.expect("about");
    assert_eq!(about.len(), 17);
    let mut positions: Vec<i64> = about.iter().map(|e| e.seq).collect();
    positions.dedup();
    assert_eq!(positions.len(), 17, "each entry has its own position");

    let query = AuditQuery {
        subject: Some(subject),
        action: Some(action::ADMIN_REQUEST.to_owned()),
        limit: 10,
        ..AuditQuery::default()
    };
    let first = privacy.audit().query(&query).await.expect("query");
    assert_eq!(first.entries.len(), 10);
    let rest = privacy
        .audit()
        .query(&AuditQuery {
            after: first.next.clone(),
            ..query.clone()
        })
        .await
        .expect("next page");
    assert_eq!(rest.entries.len(), 6);
    assert!(first
        .entries
        .iter()
        .chain(&rest.entries)
        .all(|e| e.subject == Some(subject)));
}

/// Retention (G5) on the audit log: entries past the cutoff go, a floor checkpoint keeps
/// what remains verifiable, and purging again removes nothing. Verification also finds the
/// newest entry gone once a checkpoint has seen it (the deletion no link shows).
async fn audit_purge_keeps_the_chain_verifiable_and_a_lost_head_is_found(ctx: Ctx) {
    let privacy = privacy(&ctx);
    let audit = privacy.audit();
    let subject = super::fixtures::student(&ctx).await.user_id;
    let record = |n: i32| privacy.record(AuditRecord::new(action::ADMIN_REQUEST).subject(subject).detail("n", n));
    for n in 0..5 {
        record(n).await.expect("an old entry");
    }
    let cutoff = ctx.clock.now() + Duration::days(1);
    ctx.clock.advance(Duration::days(2));
    for n in 5..8 {
        record(n).await.expect("a recent entry");
    }
    let before = audit.verify().await.expect("verify");
    assert_eq!(before.broken, None);

    let purged = audit.purge_before(cutoff, ctx.clock.now()).await.expect("purge");
    assert!(purged >= 5, "every entry before the cutoff goes ({purged} did)");
    let after = audit.verify().await.expect("verify after the purge");
    assert_eq!(after.broken, None, "the chain verifies from its floor");
    assert_eq!(
        after.entries + purged,
        before.entries,
        "only entries before the cutoff went"
    );
    assert_eq!(after.head, before.head);
    let left: Vec<String> = audit
        .about_user(subject)
        .await
        .expect("about")
        .iter()
        .map(|e| e.details["n"].clone())
        .collect();
    assert_eq!(left, ["5", "6", "7"]);
    assert_eq!(audit.purge_before(cutoff, ctx.clock.now()).await.expect("again"), 0);

    // A checkpoint saw the head; deleting it is found, and putting it back mends the chain.
    audit.checkpoint(ctx.clock.now()).await.expect("checkpoint");
    let head = audit.head().await.expect("head").expect("an entry");
    let records = Records::new(ctx.stores.records.clone());
    let mut unit = crate::ports::UnitOfWork::default();
    unit.delete(&head);
    records.write(&unit).await.expect("delete the head");
    let broken = audit.verify().await.expect("verify").broken.expect("the loss is found");
    assert_eq!(broken.seq, head.seq, "{broken:?}");
    let mut unit = crate::ports::UnitOfWork::default();
    unit.insert(&head).expect("declared kind");
    records.write(&unit).await.expect("restore the head");
    assert_eq!(audit.verify().await.expect("verify").broken, None);
}

async fn certificates_verify_with_the_name_only_by_consent_and_not_after_erasure(ctx: Ctx) {
    let learner = marked_learner(&ctx).await;
    let user_id = learner.actor.user_id;
    let owner = instructor(&ctx).await;
    let course = published_course(&ctx, &owner, vec![text("Only")]).await;
    ctx.lms
        .learning
        .enroll(&learner.actor, course.id)
        .await
        .expect("enroll");
    ctx.lms
        .learning
        .complete_lesson(&learner.actor, course.lessons[0].id, None)
        .await
        .expect("complete");
    let enrollment = ctx
        .stores
        .enrollments
        .find_enrollment(user_id, course.id)
        .await
        .expect("read")
        .expect("enrolled");
    let id = enrollment.certificate().expect("a certificate on completion").id;
    let signer = std::sync::Arc::new(
        crate::certificates::CertificateSigner::from_secret(b"conformance-certificate-secret-32-bytes").expect("key"),
    );
    let certificates = ctx.lms.certificates(signer.clone());

    let anonymous = certificates.verify(id).await.expect("verify");
    assert_eq!(anonymous.facts.learner_name, None, "no name without consent");
    assert_eq!(anonymous.facts.course_id, course.id);
    assert!(crate::certificates::verify_signature(
        &signer.public_key(),
        &anonymous.signed_payload,
        &anonymous.signature
    ));
    privacy(&ctx)
        .set_consent(&learner.actor, user_id, Purpose::CertificateName, true, "1")
        .await
        .expect("consent");
    let named = certificates.verify(id).await.expect("verify");
    assert_eq!(named.facts.learner_name.as_deref(), Some(learner.name.as_str()));
    assert!(named.signed_payload.contains(&learner.name));
    assert!(crate::certificates::verify_signature(
        &signer.public_key(),
        &named.signed_payload,
        &named.signature
    ));
    let stranger = super::fixtures::student(&ctx).await;
    let refused = certificates.own(&stranger, id).await;
    assert!(matches!(refused, Err(Error::NotFound { .. })), "got {refused:?}");
    certificates.own(&learner.actor, id).await.expect("the learner's own");

    let privacy = privacy(&ctx);
    let request = privacy
        .request_erasure(&learner.actor, user_id, Some(PASSWORD))
        .await
        .expect("request");
    privacy.run_erasure(request.id).await.expect("erase");
    let gone = certificates.verify(id).await;
    assert!(
        matches!(gone, Err(Error::NotFound { .. })),
        "an erased learner's certificate: {gone:?}"
    );
}
