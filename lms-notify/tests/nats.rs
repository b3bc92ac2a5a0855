//! `NatsNotifier` against a real NATS server with JetStream: core subscribers receive each
//! event on its subject, and a stream stores an event delivered twice once.

mod common;

use std::time::Duration;

use async_nats::header::NATS_MESSAGE_ID;
use async_nats::jetstream::{self, stream};
use async_nats::Client;
use chrono::{SubsecRound, Utc};
use futures::StreamExt;
use lms_core::domain::events::{DomainEvent, EventPayload};
use lms_core::ids::{CourseId, EnrollmentId, LessonId, UserId};
use lms_core::ports::Notifier;
use lms_notify::{Error, NatsNotifier};

fn lesson_completed() -> DomainEvent {
    let payload = EventPayload::LessonCompleted {
        enrollment_id: EnrollmentId::new(),
        user_id: UserId::new(),
        course_id: CourseId::new(),
        lesson_id: LessonId::new(),
    };
    DomainEvent::new(payload, Utc::now().trunc_subsecs(6))
}

/// A request nobody answers: when the server's "no responders" comes back, it has
/// processed everything this connection sent before (a subscription, say).
async fn round_trip(client: &Client) {
    let error = client
        .request(client.new_inbox(), "".into())
        .await
        .expect_err("nobody answers a fresh inbox");
    assert_eq!(error.kind(), async_nats::RequestErrorKind::NoResponders, "{error}");
}

#[cfg_attr(lms_skip_nats, ignore = "LMS_TEST_NATS_URL is not set")]
#[tokio::test]
async fn core_subscribers_receive_each_event_on_its_subject() {
    let Some(url) = common::server_url("LMS_TEST_NATS_URL", "nats", "lms-notify nats (core)") else {
        return;
    };
    let client = async_nats::connect(&url).await.expect("subscriber connects");
    let mut subscriber = client.subscribe("lms.events.>").await.expect("subscribe");
    round_trip(&client).await;
    let notifier = NatsNotifier::connect(&url).await.expect("notifier connects");
    let event = lesson_completed();

    // Quickly: a JetStream publish that no stream answers would wait for an
    // acknowledgement from this subscriber, and time out.
    tokio::time::timeout(Duration::from_secs(3), notifier.deliver(&event))
        .await
        .expect("delivered without waiting for an acknowledgement")
        .expect("delivered");

    let id = event.id.to_string();
    let message = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            // Other test runs may publish on the same server: wait for this event.
            let message = subscriber.next().await.expect("the subscription is open");
            let message_id = message.headers.as_ref().and_then(|h| h.get(NATS_MESSAGE_ID));
            if message_id.map(|v| v.as_str()) == Some(id.as_str()) {
                return message;
            }
        }
    })
    .await
    .expect("the event arrives");
    assert_eq!(message.subject.as_str(), "lms.events.lesson.completed");
    let body: serde_json::Value = serde_json::from_slice(&message.payload).expect("a JSON body");
    assert_eq!(body, event.delivered_body());
    assert_eq!(body["id"], id);
    assert_eq!(body["type"], "lesson.completed");
    let EventPayload::LessonCompleted { lesson_id, .. } = &event.payload else {
        unreachable!("built above")
    };
    assert_eq!(body["data"]["lesson_id"], lesson_id.to_string());
}

/// A memory stream over `<prefix>.>`, deleted when this guard goes out of scope, including
/// when the test fails.
struct TestStream {
    url: String,
    name: String,
    prefix: String,
}

impl TestStream {
    async fn create(url: &str) -> (Self, stream::Stream) {
        let run = format!("{:016x}", fastrand::u64(..));
        let guard = Self {
            url: url.to_owned(),
            name: format!("LMS_NOTIFY_TEST_{run}"),
            prefix: format!("lms_notify_test_{run}.events"),
        };
        let client = async_nats::connect(url).await.expect("connect");
        let stream = jetstream::new(client)
            .create_stream(stream::Config {
                name: guard.name.clone(),
                subjects: vec![format!("{}.>", guard.prefix)],
                storage: stream::StorageType::Memory,
                duplicate_window: Duration::from_secs(120),
                ..Default::default()
            })
            .await
            .expect("create the stream");
        (guard, stream)
    }
}

impl Drop for TestStream {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot block on async work: a
        // separate thread with its own runtime does it and is waited for.
        let deleted = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let client = async_nats::connect(&url).await?;
                jetstream::new(client).delete_stream(&name).await?;
                Ok::<_, async_nats::Error>(())
            })
        })
        .join();
        match deleted {
            Ok(Ok(())) => {}
            Ok(Err(err)) => eprintln!("could not delete test stream {}: {err}", self.name),
            Err(_) => eprintln!("could not delete test stream {}: the thread panicked", self.name),
        }
    }
}

#[cfg_attr(lms_skip_nats, ignore = "LMS_TEST_NATS_URL is not set")]
#[tokio::test]
async fn a_stream_stores_an_event_delivered_twice_once() {
    let Some(url) = common::server_url("LMS_TEST_NATS_URL", "nats", "lms-notify nats (JetStream)") else {
        return;
    };
    let (test_stream, mut stream) = TestStream::create(&url).await;
    let notifier = NatsNotifier::connect(&url)
        .await
        .expect("notifier connects")
        .with_prefix(&test_stream.prefix)
        .expect("a valid prefix");
    let event = lesson_completed();

    notifier.deliver(&event).await.expect("first delivery");
    notifier
        .deliver(&event)
        .await
        .expect("second delivery, acknowledged as a duplicate");
    assert_eq!(stream.info().await.expect("stream info").state.messages, 1);

    let stored = stream.get_raw_message(1).await.expect("the stored message");
    assert_eq!(
        stored.subject.as_str(),
        format!("{}.lesson.completed", test_stream.prefix)
    );
    let message_id = stored.headers.get(NATS_MESSAGE_ID).map(|v| v.as_str().to_owned());
    assert_eq!(message_id, Some(event.id.to_string()));
    let body: serde_json::Value = serde_json::from_slice(&stored.payload).expect("a JSON body");
    assert_eq!(body, event.delivered_body());

    // Another event is another message: the stream counts what it stores.
    let other = DomainEvent::new(EventPayload::UserRegistered { user_id: UserId::new() }, Utc::now());
    notifier.deliver(&other).await.expect("another event");
    assert_eq!(stream.info().await.expect("stream info").state.messages, 2);
    let stored = stream.get_raw_message(2).await.expect("the second message");
    assert_eq!(
        stored.subject.as_str(),
        format!("{}.user.registered", test_stream.prefix)
    );
}

#[tokio::test]
async fn an_unreachable_server_fails_at_connect_without_showing_the_password() {
    let started = std::time::Instant::now();
    let error = NatsNotifier::connect("nats://lms:s3cret@127.0.0.1:1")
        .await
        .expect_err("nothing listens on port 1");
    assert!(
        started.elapsed() < lms_notify::CONNECT_TIMEOUT,
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            error,
            Error::Failed {
                operation: "NATS connect",
                ..
            }
        ),
        "{error:?}"
    );
    let mut chain = Vec::new();
    let mut next: Option<&dyn std::error::Error> = Some(&error);
    while let Some(error) = next {
        chain.push(error.to_string());
        next = error.source();
    }
    assert!(!chain.concat().contains("s3cret"), "{chain:?}");
}
