#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mongo")))]
compile_error!("lms-http needs at least one storage driver: enable `sqlite`, `postgres` or `mongo`");

pub mod admin_audit;
pub mod admin_page;
pub mod api;
pub mod app;
pub mod backup;
pub mod body_shape;
pub mod certificate_page;
pub mod cli;
pub mod client_addr;
pub mod connections;
pub mod csv_payload;
pub mod deck_files;
pub mod drain;
pub mod error;
pub mod export_zip;
pub mod field_errors;
pub mod gateway;
pub mod healthcheck;
pub mod metrics;
pub mod monitoring;
pub mod openapi_doc;
pub mod payment_metrics;
pub mod ratelimit;
pub mod request_id;
pub mod retention;
pub mod settings;
pub mod signing_key;
pub mod status_page;
pub mod store_metrics;
pub mod tls;
pub mod tokens;
pub mod webhook_transport;

pub use app::{openapi_json, Application, StartError, Storage};
pub use settings::{Secret, Settings};
