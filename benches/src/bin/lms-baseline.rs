//! `lms-baseline`: the load benchmark's reference point, a minimal poem-openapi server that
//! answers `GET /api/v1/courses/{id}/progress` with a fixed JSON document read at start (the
//! real server's outline, so the body size matches) and does nothing else: no
//! authentication, storage, rate limiting, logging or metrics.
//!
//! Usage: `lms-baseline ADDRESS BODY_FILE`

use std::process::ExitCode;

use poem::listener::TcpListener;
use poem::{Route, Server};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{OpenApi, OpenApiService};
use uuid::Uuid;

struct Baseline {
    body: serde_json::Value,
}

#[OpenApi(prefix_path = "/api/v1")]
impl Baseline {
    /// The fixed outline, whatever the course.
    #[oai(path = "/courses/:id/progress", method = "get")]
    async fn outline(&self, id: Path<Uuid>) -> Json<serde_json::Value> {
        let _ = id;
        Json(self.body.clone())
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, address, body_file] = args.as_slice() else {
        eprintln!("usage: lms-baseline ADDRESS BODY_FILE");
        return ExitCode::from(2);
    };
    let body = match std::fs::read_to_string(body_file)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(body) => body,
        Err(e) => {
            eprintln!("lms-baseline: {body_file}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let service = OpenApiService::new(Baseline { body }, "baseline", "1");
    let app = Route::new().nest("/", service);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let served = runtime.block_on(async {
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut sig) => {
                    sig.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        let shutdown = async {
            tokio::select! {
                () = stop => {},
                () = terminate => {},
            }
        };
        Server::new(TcpListener::bind(address.as_str()))
            .run_with_graceful_shutdown(app, shutdown, None)
            .await
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lms-baseline: {e}");
            ExitCode::FAILURE
        }
    }
}
