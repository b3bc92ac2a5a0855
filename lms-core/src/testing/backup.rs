//! The backup contract ([`crate::ports::BackupStore`]) as code: a store filled by the
//! conformance suite is copied section by section into a fresh store of the same adapter
//! (or another), and both must then hold the same items and answer the ports alike.
//!
//! ```ignore
//! let report = lms_core::testing::run_all(Stores::from_backend(Arc::new(store.clone()))).await;
//! lms_core::testing::backup::check_round_trip(&store, &fresh_store).await;
//! ```

use std::collections::BTreeMap;

use chrono::DateTime;
use serde_json::Value;

use crate::ports::{AuthStore, BackupStore, OutboxStore, PageRequest, Section, UserStore};

/// Items read or restored at a time.
const PAGE: u32 = 250;

/// Every item of every section, read in one view.
pub async fn export(store: &dyn BackupStore) -> BTreeMap<Section, Vec<Value>> {
    let mut reader = store.begin_backup().await.expect("begin a backup");
    let mut all = BTreeMap::new();
    for section in Section::ALL {
        let mut items: Vec<Value> = Vec::new();
        loop {
            let after = items.last().map(|last| section.cursor_of(last).expect("a cursor"));
            let page = reader.page(section, after.as_ref(), PAGE).await.expect("read a page");
            let full = page.len() == PAGE as usize;
            items.extend(page);
            if !full {
                break;
            }
        }
        all.insert(section, items);
    }
    reader.finish().await.expect("finish the backup");
    all
}

/// Copies every item of `source` into `target`, section by section in pages.
pub async fn copy(source: &dyn BackupStore, target: &dyn BackupStore) {
    for (section, items) in export(source).await {
        for page in items.chunks(PAGE as usize) {
            target.restore(section, page).await.expect("restore a page");
        }
    }
}

/// Checks the backup contract on `source`, already holding data of every section (run
/// the conformance suite on it first), with `fresh`, an empty store.
pub async fn check_round_trip<S>(source: &S, fresh: &S)
where
    S: BackupStore + UserStore + OutboxStore + AuthStore,
{
    assert!(fresh.is_empty().await.expect("is_empty"), "the target starts empty");
    assert!(!source.is_empty().await.expect("is_empty"), "the source holds data");
    let before = export(source).await;
    for section in Section::ALL {
        assert!(
            !before[&section].is_empty(),
            "the conformance suite left no {} item to back up",
            section.name()
        );
    }

    copy(source, fresh).await;
    assert!(!fresh.is_empty().await.expect("is_empty"));
    let after = export(fresh).await;
    for section in Section::ALL {
        assert_eq!(
            before[&section].len(),
            after[&section].len(),
            "{} items restored",
            section.name()
        );
        for (original, restored) in before[&section].iter().zip(&after[&section]) {
            assert_eq!(original, restored, "a restored {} item", section.name());
        }
    }

    // The ports read the restored data as they read the original.
    let users = source
        .list_users(PageRequest::new(None, Some(100)).expect("page"))
        .await
        .expect("list");
    assert!(!users.items.is_empty());
    for user in &users.items {
        assert_eq!(fresh.get_user(user.id).await.expect("get").as_ref(), Some(user));
        assert_eq!(
            fresh.password_hash(user.id).await.expect("hash"),
            source.password_hash(user.id).await.expect("hash")
        );
    }
    assert_eq!(
        fresh.last_sequence().await.expect("last"),
        source.last_sequence().await.expect("last")
    );
    assert_eq!(
        fresh.events_after(0, 500).await.expect("events"),
        source.events_after(0, 500).await.expect("events")
    );
    let ended = |mut v: Vec<_>| {
        v.sort();
        v
    };
    assert_eq!(
        ended(fresh.sessions_ended_since(DateTime::UNIX_EPOCH).await.expect("feed")),
        ended(source.sessions_ended_since(DateTime::UNIX_EPOCH).await.expect("feed")),
        "the revocation feed"
    );

    // A restore never overwrites: the same users again clash with the stored ones.
    let clash = fresh.restore(Section::Users, &before[&Section::Users][..1]).await;
    assert!(clash.is_err(), "restoring a stored user again is refused");
}
