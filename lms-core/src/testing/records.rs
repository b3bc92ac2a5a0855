//! The record store's contract ([`crate::ports::RecordStore`]), checked through a kind
//! declared here and nowhere else: no adapter knows it, so passing these behaviours shows
//! that a new kind costs a declaration. `Class`, the first aggregate stored as a record,
//! is checked too.

use std::collections::HashSet;
use std::ops::Bound;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::fixtures::{tag, user_event};
use super::stores::{assert_not_found, assert_version_conflict, collect_pages, outbox_end};
use super::{behaviour_list, Behaviour, Ctx};
use crate::domain::class::Class;
use crate::domain::text::{Description, Title};
use crate::ids::{ClassId, CourseId, UserId};
use crate::ports::{PageRequest, StoreError, StoreResult, UniqueKey, UnitOfWork};
use crate::records::{Index, IndexValue, KeySpec, Range, Record, RecordKind, Records};

pub(super) fn behaviours() -> Vec<Behaviour> {
    behaviour_list![
        class_round_trips_and_updates,
        class_update_checks_version,
        classes_page_in_id_order,
        classes_listed_by_owner,
        record_round_trips,
        duplicate_record_id_is_rejected,
        unique_conflicts_name_kind_and_key,
        records_found_by_unique_keys,
        unique_values_are_freed_by_update_and_delete,
        same_values_in_other_kinds_do_not_clash,
        records_listed_and_counted_by_lookup_key,
        record_update_checks_version,
        record_delete_checks_version_and_removes_keys,
        unset_keys_are_not_indexed,
        range_scan_respects_bounds_and_order,
        range_scan_pages_through_ties,
        range_scan_over_ten_thousand_records,
        unit_of_work_applies_writes_and_events_together,
        unit_of_work_with_broken_unique_key_leaves_nothing,
        unit_of_work_with_stale_update_leaves_nothing,
        unit_of_work_with_missing_delete_leaves_nothing,
        everything_a_user_owns_is_found_across_kinds,
        undeclared_keys_are_refused,
    ]
}

/// A kind declared only here: a voucher with a code, a serial number within a campaign,
/// an amount and an expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Voucher {
    id: Uuid,
    version: u64,
    code: String,
    campaign: String,
    serial: u32,
    holder: Option<UserId>,
    amount: i64,
    expires_at: DateTime<Utc>,
}

impl Record for Voucher {
    const KIND: RecordKind = RecordKind {
        name: "conformance_voucher",
        keys: &[
            KeySpec::unique("code"),
            KeySpec::unique("campaign_serial"),
            KeySpec::lookup("campaign"),
            KeySpec::lookup("holder"),
            KeySpec::ordered("campaign_amount"),
            KeySpec::ordered("campaign_expiry"),
        ],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn owner(&self) -> Option<UserId> {
        self.holder
    }

    fn index(&self, index: &mut Index) {
        index.set("code", self.code.as_str());
        index.set("campaign_serial", (self.campaign.as_str(), self.serial));
        index.set("campaign", self.campaign.as_str());
        index.set_some("holder", self.holder);
        // Scans within one campaign: a compound value orders by its last part once the
        // first parts are equal.
        index.set("campaign_amount", (self.campaign.as_str(), self.amount));
        index.set("campaign_expiry", (self.campaign.as_str(), self.expires_at));
    }
}

/// The same declaration under another kind name: equal values must not clash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Coupon(Voucher);

impl Record for Coupon {
    const KIND: RecordKind = RecordKind {
        name: "conformance_coupon",
        keys: Voucher::KIND.keys,
    };

    fn id(&self) -> Uuid {
        self.0.id
    }

    fn version(&self) -> u64 {
        self.0.version
    }

    fn owner(&self) -> Option<UserId> {
        self.0.holder
    }

    fn index(&self, index: &mut Index) {
        self.0.index(index);
    }
}

/// The key names of [`Voucher`], checked by type in one place.
const CODE: &str = "code";
const CAMPAIGN_SERIAL: &str = "campaign_serial";

fn records(ctx: &Ctx) -> Records {
    Records::new(ctx.stores.records.clone())
}

fn voucher(campaign: &str, serial: u32, amount: i64, now: DateTime<Utc>) -> Voucher {
    Voucher {
        id: Uuid::now_v7(),
        version: 1,
        code: format!("{campaign}-{serial}"),
        campaign: campaign.to_owned(),
        serial,
        holder: None,
        amount,
        expires_at: now + Duration::days(i64::from(serial)),
    }
}

/// Stores a voucher of a kind the privacy code knows nothing about, held by `holder`,
/// with `code` as free text of theirs; returns its id.
pub(super) async fn store_held_voucher(ctx: &Ctx, holder: UserId, code: &str) -> Uuid {
    let mut held = voucher(code, 1, 100, ctx.clock_now());
    held.holder = Some(holder);
    records(ctx).insert(&held, &[]).await.expect("insert voucher");
    held.id
}

fn next_version(mut v: Voucher) -> Voucher {
    v.version += 1;
    v
}

fn assert_duplicate<T: std::fmt::Debug>(result: StoreResult<T>, kind: &str, key: &str) {
    assert!(
        matches!(&result, Err(StoreError::Duplicate(UniqueKey::Record { kind: k, key: n })) if *k == kind && *n == key),
        "expected Duplicate({kind} {key}), got {result:?}"
    );
}

fn class(owner: UserId, title: &str, ctx: &Ctx) -> Class {
    Class::new(
        owner,
        Title::parse(title).expect("title"),
        Description::parse("A cohort").expect("description"),
        ctx.clock_now(),
    )
}

async fn class_round_trips_and_updates(ctx: Ctx) {
    let records = records(&ctx);
    let mut class = class(UserId::new(), "Cohort 7", &ctx);
    records.insert(&class, &[]).await.expect("insert");
    assert_eq!(records.get::<Class>(class.id).await.expect("get"), Some(class.clone()));
    class.add_course(CourseId::new()).expect("add");
    class.version = 2;
    records.update(&class, 1, &[]).await.expect("update");
    assert_eq!(records.get::<Class>(class.id).await.expect("get"), Some(class));
    assert_eq!(records.get::<Class>(ClassId::new()).await.expect("get missing"), None);
}

async fn class_update_checks_version(ctx: Ctx) {
    let records = records(&ctx);
    let mut class = class(UserId::new(), "C", &ctx);
    records.insert(&class, &[]).await.expect("insert");
    assert_duplicate(records.insert(&class, &[]).await, "class", "id");
    class.version = 2;
    records.update(&class, 1, &[]).await.expect("update");
    assert_version_conflict(records.update(&class, 1, &[]).await);
    let mut missing = self::class(UserId::new(), "M", &ctx);
    missing.version = 2;
    assert_not_found(records.update(&missing, 1, &[]).await);
}

async fn classes_page_in_id_order(ctx: Ctx) {
    let records = records(&ctx);
    let mut mine = HashSet::new();
    for i in 0..4 {
        let class = class(UserId::new(), &format!("C{i}"), &ctx);
        records.insert(&class, &[]).await.expect("insert");
        mine.insert(class.id);
    }
    let all = collect_pages(3, |c: &Class| c.id.as_uuid(), |page| records.list::<Class>(page)).await;
    assert_eq!(all.iter().filter(|c| mine.contains(&c.id)).count(), 4);
}

async fn classes_listed_by_owner(ctx: Ctx) {
    let records = records(&ctx);
    let owner = UserId::new();
    let mut mine = Vec::new();
    for i in 0..3 {
        let class = class(owner, &format!("Mine {i}"), &ctx);
        records.insert(&class, &[]).await.expect("insert");
        mine.push(class.id);
    }
    records
        .insert(&class(UserId::new(), "Theirs", &ctx), &[])
        .await
        .expect("insert");
    let listed = collect_pages(
        2,
        |c: &Class| c.id.as_uuid(),
        |page| records.list_by::<Class>("owner_id", owner, page),
    )
    .await;
    assert_eq!(listed.iter().map(|c| c.id).collect::<Vec<_>>(), mine);
}

async fn record_round_trips(ctx: Ctx) {
    let records = records(&ctx);
    let mut v = voucher(&tag(), 1, -250, ctx.clock_now());
    v.holder = Some(UserId::new());
    v.code = "Ünïcödé 🎓 code".into();
    records.insert(&v, &[]).await.expect("insert");
    assert_eq!(records.get::<Voucher>(v.id).await.expect("get"), Some(v.clone()));
    assert_eq!(records.get::<Voucher>(Uuid::now_v7()).await.expect("get missing"), None);
    assert_eq!(
        records.get::<Coupon>(v.id).await.expect("get as another kind"),
        None,
        "a record belongs to its kind"
    );
}

async fn duplicate_record_id_is_rejected(ctx: Ctx) {
    let records = records(&ctx);
    let campaign = tag();
    let first = voucher(&campaign, 1, 10, ctx.clock_now());
    records.insert(&first, &[]).await.expect("insert");
    let mut same_id = voucher(&campaign, 2, 20, ctx.clock_now());
    same_id.id = first.id;
    assert_duplicate(records.insert(&same_id, &[]).await, Voucher::KIND.name, "id");
    assert_eq!(records.get::<Voucher>(first.id).await.expect("get"), Some(first));
    assert_eq!(
        records
            .get_unique::<Voucher>(CODE, same_id.code.as_str())
            .await
            .expect("by code"),
        None,
        "the rejected record left no key behind"
    );
}

async fn unique_conflicts_name_kind_and_key(ctx: Ctx) {
    let records = records(&ctx);
    let campaign = tag();
    let first = voucher(&campaign, 1, 10, ctx.clock_now());
    records.insert(&first, &[]).await.expect("insert");
    let mut same_code = voucher(&campaign, 2, 10, ctx.clock_now());
    same_code.code = first.code.clone();
    assert_duplicate(records.insert(&same_code, &[]).await, Voucher::KIND.name, CODE);
    let mut same_serial = voucher(&campaign, 1, 10, ctx.clock_now());
    same_serial.code = tag();
    assert_duplicate(
        records.insert(&same_serial, &[]).await,
        Voucher::KIND.name,
        CAMPAIGN_SERIAL,
    );
    let second = voucher(&campaign, 3, 10, ctx.clock_now());
    records.insert(&second, &[]).await.expect("insert second");
    let mut taking = next_version(second.clone());
    taking.code = first.code.clone();
    assert_duplicate(records.update(&taking, 1, &[]).await, Voucher::KIND.name, CODE);
    assert_eq!(
        records.get::<Voucher>(second.id).await.expect("get"),
        Some(second),
        "a rejected update changes nothing"
    );
}

async fn records_found_by_unique_keys(ctx: Ctx) {
    let records = records(&ctx);
    let campaign = tag();
    let v = voucher(&campaign, 7, 10, ctx.clock_now());
    records.insert(&v, &[]).await.expect("insert");
    assert_eq!(
        records
            .get_unique::<Voucher>(CODE, v.code.as_str())
            .await
            .expect("by code"),
        Some(v.clone())
    );
    assert_eq!(
        records
            .get_unique::<Voucher>(CAMPAIGN_SERIAL, (campaign.as_str(), 7u32))
            .await
            .expect("by compound key"),
        Some(v)
    );
    assert_eq!(
        records
            .get_unique::<Voucher>(CAMPAIGN_SERIAL, (campaign.as_str(), 8u32))
            .await
            .expect("by missing compound key"),
        None
    );
}

async fn unique_values_are_freed_by_update_and_delete(ctx: Ctx) {
    let records = records(&ctx);
    let campaign = tag();
    let v = voucher(&campaign, 1, 10, ctx.clock_now());
    records.insert(&v, &[]).await.expect("insert");
    let old_code = v.code.clone();
    let mut renamed = next_version(v);
    renamed.code = tag();
    records.update(&renamed, 1, &[]).await.expect("update");
    assert_eq!(
        records
            .get_unique::<Voucher>(CODE, old_code.as_str())
            .await
            .expect("old code"),
        None
    );
    let mut reuse = voucher(&campaign, 2, 10, ctx.clock_now());
    reuse.code = old_code;
    records.insert(&reuse, &[]).await.expect("the old code is free");
    records.delete(&renamed, &[]).await.expect("delete");
    let mut again = voucher(&campaign, 1, 10, ctx.clock_now());
    again.code = tag();
    records
        .insert(&again, &[])
        .await
        .expect("the deleted record's serial is free");
}

async fn same_values_in_other_kinds_do_not_clash(ctx: Ctx) {
    let records = records(&ctx);
    let v = voucher(&tag(), 1, 10, ctx.clock_now());
    records.insert(&v, &[]).await.expect("insert voucher");
    let coupon = Coupon(v.clone());
    records
        .insert(&coupon, &[])
        .await
        .expect("same id and keys in another kind");
    assert_eq!(records.get::<Coupon>(v.id).await.expect("coupon"), Some(coupon));
    assert_eq!(records.get::<Voucher>(v.id).await.expect("voucher"), Some(v));
}

async fn records_listed_and_counted_by_lookup_key(ctx: Ctx) {
    let records = records(&ctx);
    let campaign = tag();
    let mut ids = Vec::new();
    for serial in 0..7 {
        let v = voucher(&campaign, serial, 10, ctx.clock_now());
        records.insert(&v, &[]).await.expect("insert");
        ids.push(v.id);
    }
    records
        .insert(&voucher(&tag(), 0, 10, ctx.clock_now()), &[])
        .await
        .expect("another campaign");
    let listed = collect_pages(
        3,
        |v: &Voucher| v.id,
        |page| records.list_by::<Voucher>("campaign", campaign.as_str(), page),
    )
    .await;
    assert_eq!(listed.iter().map(|v| v.id).collect::<Vec<_>>(), ids);
    assert_eq!(
        records
            .count::<Voucher>("campaign", campaign.as_str())
            .await
            .expect("count"),
        7
    );
    assert_eq!(
        records.count::<Voucher>("campaign", tag()).await.expect("count none"),
        0
    );
    let all = collect_pages(50, |v: &Voucher| v.id, |page| records.list::<Voucher>(page)).await;
    let all: HashSet<Uuid> = all.iter().map(|v| v.id).collect();
    assert!(
        ids.iter().all(|id| all.contains(id)),
        "listing the kind finds every record"
    );
}

async fn record_update_checks_version(ctx: Ctx) {
    let records = records(&ctx);
    let v = voucher(&tag(), 1, 10, ctx.clock_now());
    records.insert(&v, &[]).await.expect("insert");
    let mut changed = next_version(v.clone());
    changed.amount = 99;
    records.update(&changed, 1, &[]).await.expect("update");
    assert_version_conflict(records.update(&next_version(v.clone()), 1, &[]).await);
    assert_eq!(records.get::<Voucher>(v.id).await.expect("get"), Some(changed));
    let missing = next_version(voucher(&tag(), 1, 10, ctx.clock_now()));
    assert_not_found(records.update(&missing, 1, &[]).await);
}

async fn record_delete_checks_version_and_removes_keys(ctx: Ctx) {
    let records = records(&ctx);
    let campaign = tag();
    let v = voucher(&campaign, 1, 10, ctx.clock_now());
    records.insert(&v, &[]).await.expect("insert");
    assert_version_conflict(records.delete(&next_version(v.clone()), &[]).await);
    records.delete(&v, &[]).await.expect("delete");
    assert_eq!(records.get::<Voucher>(v.id).await.expect("get"), None);
    assert_eq!(
        records
            .get_unique::<Voucher>(CODE, v.code.as_str())
            .await
            .expect("by code"),
        None
    );
    assert_eq!(
        records
            .count::<Voucher>("campaign", campaign.as_str())
            .await
            .expect("count"),
        0
    );
    let scan = Range::all("campaign_amount", 10).between(
        Bound::Included((campaign.as_str(), i64::MIN).into()),
        Bound::Included((campaign.as_str(), i64::MAX).into()),
    );
    assert!(records.range::<Voucher>(scan).await.expect("range").items.is_empty());
    assert_not_found(records.delete(&v, &[]).await);
}

async fn unset_keys_are_not_indexed(ctx: Ctx) {
    let records = records(&ctx);
    let holder = UserId::new();
    let mut held = voucher(&tag(), 1, 10, ctx.clock_now());
    held.holder = Some(holder);
    records.insert(&held, &[]).await.expect("insert held");
    let mut released = next_version(held.clone());
    released.holder = None;
    records.update(&released, 1, &[]).await.expect("release");
    assert_eq!(records.count::<Voucher>("holder", holder).await.expect("count"), 0);
    assert!(records.owned_by(holder).await.expect("owned").is_empty());
}

fn in_campaign(campaign: &str, lower: Bound<i64>, upper: Bound<i64>) -> Range {
    let wrap = |b: Bound<i64>, open: i64| -> Bound<IndexValue> {
        match b {
            Bound::Included(n) => Bound::Included((campaign, n).into()),
            Bound::Excluded(n) => Bound::Excluded((campaign, n).into()),
            Bound::Unbounded => Bound::Included((campaign, open).into()),
        }
    };
    Range::all("campaign_amount", 100).between(wrap(lower, i64::MIN), wrap(upper, i64::MAX))
}

async fn range_scan_respects_bounds_and_order(ctx: Ctx) {
    let records = records(&ctx);
    let campaign = tag();
    let amounts = [-500, -1, 0, 3, 250, 1000, i64::MAX];
    for (serial, amount) in amounts.iter().enumerate() {
        records
            .insert(&voucher(&campaign, serial as u32, *amount, ctx.clock_now()), &[])
            .await
            .expect("insert");
    }
    let amounts_in = |range: Range| {
        let records = records.clone();
        async move {
            let page = records.range::<Voucher>(range).await.expect("range");
            page.items.iter().map(|v| v.amount).collect::<Vec<_>>()
        }
    };
    use Bound::{Excluded, Included, Unbounded};
    assert_eq!(amounts_in(in_campaign(&campaign, Unbounded, Unbounded)).await, amounts);
    assert_eq!(
        amounts_in(in_campaign(&campaign, Included(-1), Excluded(250))).await,
        [-1, 0, 3]
    );
    assert_eq!(
        amounts_in(in_campaign(&campaign, Excluded(-1), Included(250))).await,
        [0, 3, 250]
    );
    assert_eq!(
        amounts_in(in_campaign(&campaign, Included(0), Unbounded).descending()).await,
        [i64::MAX, 1000, 250, 3, 0]
    );
    assert_eq!(
        amounts_in(in_campaign(&campaign, Included(4), Included(249))).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        amounts_in(in_campaign(&campaign, Included(10), Included(-10))).await,
        Vec::<i64>::new(),
        "inverted bounds select nothing"
    );
    let mut limited = in_campaign(&campaign, Unbounded, Unbounded).descending();
    limited.limit = 2;
    assert_eq!(amounts_in(limited).await, [i64::MAX, 1000]);
    let expiring = Range::all("campaign_expiry", 100).between(
        Included((campaign.as_str(), ctx.clock_now() + Duration::days(2)).into()),
        Excluded((campaign.as_str(), ctx.clock_now() + Duration::days(5)).into()),
    );
    let serials: Vec<u32> = records
        .range::<Voucher>(expiring)
        .await
        .expect("by time")
        .items
        .iter()
        .map(|v| v.serial)
        .collect();
    assert_eq!(serials, [2, 3, 4]);
}

async fn range_scan_pages_through_ties(ctx: Ctx) {
    let records = records(&ctx);
    let campaign = tag();
    let mut expected = Vec::new();
    for serial in 0..9 {
        let v = voucher(&campaign, serial, i64::from(serial % 3), ctx.clock_now());
        records.insert(&v, &[]).await.expect("insert");
        expected.push((v.amount, v.id));
    }
    for descending in [false, true] {
        let mut wanted = expected.clone();
        wanted.sort();
        if descending {
            wanted.reverse();
        }
        let mut got = Vec::new();
        let mut cursor = None;
        loop {
            let mut range = in_campaign(&campaign, Bound::Unbounded, Bound::Unbounded).after(cursor);
            range.limit = 2;
            if descending {
                range = range.descending();
            }
            let page = records.range::<Voucher>(range).await.expect("page");
            assert!(page.items.len() <= 2);
            got.extend(page.items.iter().map(|v| (v.amount, v.id)));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(got, wanted, "descending: {descending}");
    }
}

/// Scans exactly the records in bounds, in order, among 10,000 of the kind.
async fn range_scan_over_ten_thousand_records(ctx: Ctx) {
    const TOTAL: u32 = 10_000;
    let records = records(&ctx);
    let campaign = tag();
    let amount = |serial: u32| i64::from((serial * 7919) % TOTAL) - 5000;
    for chunk in (0..TOTAL).collect::<Vec<_>>().chunks(1000) {
        let mut unit = UnitOfWork::default();
        for &serial in chunk {
            unit.insert(&voucher(&campaign, serial, amount(serial), ctx.clock_now()))
                .expect("declared");
        }
        records.write(&unit).await.expect("insert a thousand");
    }
    let (low, high) = (-1234, 2345);
    let mut wanted: Vec<i64> = (0..TOTAL).map(amount).filter(|a| (low..high).contains(a)).collect();
    wanted.sort();
    let mut got = Vec::new();
    let mut cursor = None;
    loop {
        let mut range = in_campaign(&campaign, Bound::Included(low), Bound::Excluded(high)).after(cursor);
        range.limit = 1000;
        let page = records.range::<Voucher>(range).await.expect("page");
        got.extend(page.items.iter().map(|v| v.amount));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(got.len(), wanted.len());
    assert_eq!(got, wanted);
    assert_eq!(
        records
            .count::<Voucher>("campaign", campaign.as_str())
            .await
            .expect("count"),
        u64::from(TOTAL)
    );
}

async fn unit_of_work_applies_writes_and_events_together(ctx: Ctx) {
    let end = outbox_end(&ctx).await;
    let records = records(&ctx);
    let campaign = tag();
    let kept = voucher(&campaign, 1, 10, ctx.clock_now());
    let dropped = voucher(&campaign, 2, 20, ctx.clock_now());
    records.insert(&kept, &[]).await.expect("insert");
    records.insert(&dropped, &[]).await.expect("insert");
    let added = voucher(&campaign, 3, 30, ctx.clock_now());
    let mut changed = next_version(kept.clone());
    changed.amount = 11;
    let events = vec![
        user_event(UserId::new(), ctx.clock_now()),
        user_event(UserId::new(), ctx.clock_now()),
    ];
    let mut unit = UnitOfWork::with_events(events.clone());
    unit.insert(&added).expect("declared");
    unit.update(&changed, 1).expect("declared");
    unit.delete(&dropped);
    records.write(&unit).await.expect("unit");
    assert_eq!(records.get::<Voucher>(added.id).await.expect("added"), Some(added));
    assert_eq!(records.get::<Voucher>(kept.id).await.expect("changed"), Some(changed));
    assert_eq!(records.get::<Voucher>(dropped.id).await.expect("dropped"), None);
    let pending = ctx.stores.outbox.events_after(end, 10).await.expect("pending");
    assert_eq!(pending.into_iter().map(|m| m.event).collect::<Vec<_>>(), events);
}

/// Asserts that the writes of a failed unit left nothing: the records are as `before`
/// (`None` for those it tried to insert) and the outbox is empty.
async fn assert_untouched(ctx: &Ctx, end: u64, before: &[(Uuid, Option<Voucher>)]) {
    let records = records(ctx);
    for (id, expected) in before {
        assert_eq!(&records.get::<Voucher>(*id).await.expect("get"), expected);
    }
    assert!(
        ctx.stores
            .outbox
            .events_after(end, 10)
            .await
            .expect("pending")
            .is_empty(),
        "a failed unit appends no event"
    );
}

async fn unit_of_work_with_broken_unique_key_leaves_nothing(ctx: Ctx) {
    let end = outbox_end(&ctx).await;
    let records = records(&ctx);
    let campaign = tag();
    let holder = voucher(&campaign, 1, 10, ctx.clock_now());
    records.insert(&holder, &[]).await.expect("insert");
    let first = voucher(&campaign, 2, 20, ctx.clock_now());
    let second = voucher(&campaign, 3, 30, ctx.clock_now());
    let mut third = voucher(&campaign, 4, 40, ctx.clock_now());
    third.code = holder.code.clone();
    let mut unit = UnitOfWork::with_events(vec![
        user_event(UserId::new(), ctx.clock_now()),
        user_event(UserId::new(), ctx.clock_now()),
    ]);
    for v in [&first, &second, &third] {
        unit.insert(v).expect("declared");
    }
    assert_duplicate(records.write(&unit).await, Voucher::KIND.name, CODE);
    assert_untouched(
        &ctx,
        end,
        &[
            (first.id, None),
            (second.id, None),
            (third.id, None),
            (holder.id, Some(holder.clone())),
        ],
    )
    .await;
    assert_eq!(
        records
            .count::<Voucher>("campaign", campaign.as_str())
            .await
            .expect("count"),
        1,
        "no index entry of the failed unit is left"
    );
    let retry = voucher(&campaign, 2, 20, ctx.clock_now());
    records
        .insert(&retry, &[])
        .await
        .expect("no unique value of the failed unit is left");
}

async fn unit_of_work_with_stale_update_leaves_nothing(ctx: Ctx) {
    let end = outbox_end(&ctx).await;
    let records = records(&ctx);
    let campaign = tag();
    let a = voucher(&campaign, 1, 10, ctx.clock_now());
    let b = voucher(&campaign, 2, 20, ctx.clock_now());
    records.insert(&a, &[]).await.expect("insert");
    records.insert(&b, &[]).await.expect("insert");
    let added = voucher(&campaign, 3, 30, ctx.clock_now());
    let mut a2 = next_version(a.clone());
    a2.amount = 11;
    let mut b_stale = next_version(next_version(b.clone()));
    b_stale.amount = 21;
    let mut unit = UnitOfWork::with_events(vec![
        user_event(UserId::new(), ctx.clock_now()),
        user_event(UserId::new(), ctx.clock_now()),
    ]);
    unit.insert(&added).expect("declared");
    unit.update(&a2, 1).expect("declared");
    unit.update(&b_stale, 2).expect("declared");
    assert_version_conflict(records.write(&unit).await);
    assert_untouched(&ctx, end, &[(added.id, None), (a.id, Some(a)), (b.id, Some(b))]).await;
}

async fn unit_of_work_with_missing_delete_leaves_nothing(ctx: Ctx) {
    let end = outbox_end(&ctx).await;
    let records = records(&ctx);
    let campaign = tag();
    let a = voucher(&campaign, 1, 10, ctx.clock_now());
    records.insert(&a, &[]).await.expect("insert");
    let never_stored = voucher(&campaign, 2, 20, ctx.clock_now());
    let mut unit = UnitOfWork::with_events(vec![user_event(UserId::new(), ctx.clock_now())]);
    unit.delete(&a);
    unit.delete(&never_stored);
    assert_not_found(records.write(&unit).await);
    assert_untouched(&ctx, end, &[(a.id, Some(a.clone()))]).await;
    assert_eq!(
        records
            .get_unique::<Voucher>(CODE, a.code.as_str())
            .await
            .expect("by code"),
        Some(a),
        "the first delete's keys were restored"
    );
}

async fn everything_a_user_owns_is_found_across_kinds(ctx: Ctx) {
    let records = records(&ctx);
    let owner = UserId::new();
    let mut v = voucher(&tag(), 1, 10, ctx.clock_now());
    v.holder = Some(owner);
    records.insert(&v, &[]).await.expect("insert voucher");
    let class = class(owner, "Owned", &ctx);
    records.insert(&class, &[]).await.expect("insert class");
    records
        .insert(&voucher(&tag(), 1, 10, ctx.clock_now()), &[])
        .await
        .expect("insert unowned");
    let owned = records.owned_by(owner).await.expect("owned");
    let mut found: Vec<(String, Uuid)> = owned.iter().map(|r| (r.kind.clone(), r.id)).collect();
    found.sort();
    let mut wanted = vec![
        ("class".to_owned(), class.id.as_uuid()),
        (Voucher::KIND.name.to_owned(), v.id),
    ];
    wanted.sort();
    assert_eq!(found, wanted);
    let doc = owned.iter().find(|r| r.id == v.id).expect("voucher").doc.clone();
    assert_eq!(serde_json::from_value::<Voucher>(doc).expect("decodes"), v);
}

async fn undeclared_keys_are_refused(ctx: Ctx) {
    let records = records(&ctx);
    assert!(matches!(
        records.get_unique::<Voucher>("campaign", "x").await,
        Err(StoreError::Backend(_))
    ));
    assert!(matches!(
        records.list_by::<Voucher>("nope", "x", PageRequest::first()).await,
        Err(StoreError::Backend(_))
    ));
    assert!(matches!(
        records.range::<Voucher>(Range::all("campaign", 10)).await,
        Err(StoreError::Backend(_))
    ));
}
