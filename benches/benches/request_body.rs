//! What the server's gateway spends on a JSON request body before the handler runs: the
//! streaming check for undeclared fields (`BodyShapes`) and the check for `null` in fields
//! the document does not mark nullable (`RequestSchemas::null_errors`), on the hot
//! heartbeat body and on a course-creation body; and, for a refused body, naming its fields.
//!
//! `cargo bench -p lms-benches --bench request_body`

use criterion::{criterion_group, criterion_main, Criterion};
use lms_http::body_shape::BodyShapes;
use lms_http::field_errors::RequestSchemas;

const HEARTBEAT_PATH: &str = "/api/v1/lessons/01a2082b-c8af-7c4e-9f22-2e3d4c5b6a7f/video-progress";
const HEARTBEAT: &[u8] = br#"{"intervals":[[120,150]],"event_id":"01a2082b-c942-4e60-9b44-405f6e7d8c91"}"#;
const COURSE: &[u8] = br#"{"title":"Rust in a week","description":"From ownership to async.","category":"programming","difficulty":"beginner","metadata":{"level":"1"}}"#;
const BROKEN_COURSE: &[u8] = br#"{"title":7,"description":null,"category":"","difficulty":"guru"}"#;

fn request_body(c: &mut Criterion) {
    let document = lms_http::openapi_json();
    let shapes = BodyShapes::from_document(&document);
    let schemas = RequestSchemas::from_document(&document);
    let mut group = c.benchmark_group("request-body");
    group.bench_function("heartbeat: undeclared fields", |b| {
        b.iter(|| shapes.check("POST", HEARTBEAT_PATH, HEARTBEAT))
    });
    group.bench_function("heartbeat: nulls", |b| {
        b.iter(|| schemas.null_errors("POST", HEARTBEAT_PATH, HEARTBEAT))
    });
    group.bench_function("course: undeclared fields", |b| {
        b.iter(|| shapes.check("POST", "/api/v1/courses", COURSE))
    });
    group.bench_function("course: nulls", |b| {
        b.iter(|| schemas.null_errors("POST", "/api/v1/courses", COURSE))
    });
    group.bench_function("refused course: name the fields", |b| {
        b.iter(|| schemas.field_errors("POST", "/api/v1/courses", BROKEN_COURSE))
    });
    group.finish();
}

criterion_group!(benches, request_body);
criterion_main!(benches);
