//! What privacy adds to hot paths: reading a user through encryption at rest (AES-256-GCM
//! of the email and name) and finding one by email (the blind index), against the plain
//! store; and appending to the audit log, which every login does.
//!
//! `cargo bench -p lms-benches --bench privacy` (backends as in the storage bench:
//! `LMS_BENCH_BACKENDS`, the Postgres and MongoDB URLs).

use std::sync::Arc;

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use lms_benches::backends;
use lms_core::domain::text::Email;
use lms_core::privacy::audit::action;
use lms_core::privacy::encryption::{BlindIndex, KeyRing};
use lms_core::privacy::{AuditLog, AuditRecord};
use lms_core::records::Records;
use lms_core::services::NewUser;
use lms_core::Lms;
use tokio::runtime::Runtime;

const KEYS: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn privacy(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    backends::for_each_selected(&rt, |backend| {
        let mut group = c.benchmark_group(format!("privacy/{}", backend.name));
        let plain = backend.stores.clone();
        let encrypted = plain.clone().with_encryption(
            Arc::new(KeyRing::parse(KEYS).expect("keys")),
            Arc::new(BlindIndex::new(&[9u8; 32]).expect("blind key")),
        );
        for (name, stores) in [("plain", plain.clone()), ("encrypted", encrypted)] {
            let lms = Lms::with_system_clock(stores.clone());
            let email = format!("bench-{name}-{}@example.com", uuid::Uuid::now_v7().simple());
            let user = rt
                .block_on(lms.users.register(NewUser {
                    email: email.clone(),
                    display_name: "Bench Learner".into(),
                }))
                .expect("register");
            let email = Email::parse(&email).expect("email");
            group.bench_function(format!("get user ({name})"), |b| {
                b.to_async(&rt)
                    .iter(|| async { stores.users.get_user(user.id).await.expect("get") })
            });
            group.bench_function(format!("find user by email ({name})"), |b| {
                b.to_async(&rt)
                    .iter(|| async { stores.users.find_user_by_email(&email).await.expect("find") })
            });
        }
        let audit = AuditLog::new(Records::new(plain.records.clone()));
        group.bench_function("audit append (a login's entry)", |b| {
            b.to_async(&rt).iter(|| async {
                audit
                    .append(AuditRecord::new(action::LOGIN), Utc::now())
                    .await
                    .expect("append")
            })
        });
        group.finish();
    });
}

criterion_group!(benches, privacy);
criterion_main!(benches);
