//! Graceful shutdown of the real binary under load: SIGTERM turns readiness to 503 on
//! both listeners while the server keeps serving, no request fails, and the process
//! exits 0. And at the moment the listener closes: idle keep-alive connections are
//! closed cleanly, and a connection opened just before still gets its request answered.

mod support;

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{Backend, TestApp, PASSWORD};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The drain delay the server gets: readiness is 503 this long before the listeners close.
const DRAIN_SECONDS: u64 = 2;
/// How long after seeing readiness fail the load keeps coming, as a load balancer's would
/// while its health checks take the instance out: well inside the drain delay.
const REACTION: Duration = Duration::from_millis(1000);
/// Keep-alive clients sending requests back to back.
const WORKERS: usize = 6;

/// A port nothing listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The server binary on SQLite with a short drain, its public base URL read from its
/// first line of output.
async fn start(dir: &std::path::Path, ops_port: u16) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lms-server"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("LMS_")) {
        command.env_remove(key);
    }
    let mut child = command
        .envs([
            ("LMS_DATABASE_URL", format!("sqlite:{}", dir.join("lms.db").display())),
            ("LMS_DATA_DIR", dir.display().to_string()),
            ("LMS_BIND", "127.0.0.1:0".to_owned()),
            ("LMS_OPS_BIND", format!("127.0.0.1:{ops_port}")),
            ("LMS_SHUTDOWN_DRAIN_SECONDS", DRAIN_SECONDS.to_string()),
            ("LMS_SHUTDOWN_GRACE_SECONDS", "20".to_owned()),
            ("LMS_RATE_LIMIT_PER_MINUTE", "1000000".to_owned()),
            ("LMS_LOGIN_RATE_LIMIT_PER_MINUTE", "1000000".to_owned()),
            ("LMS_LOG", "error".to_owned()),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start lms-server");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    // The output is read to the end so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let first = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(60)))
        .await
        .unwrap()
        .expect("the server announced its address");
    let base = first
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    (child, base)
}

/// What one request came to.
#[derive(Debug)]
struct Outcome {
    what: &'static str,
    at: Instant,
    result: Result<StatusCode, String>,
    /// Whether the response asked to close the connection.
    closes: bool,
}

/// One keep-alive client sending a mix of reads, writes and slow logins until `until`
/// says stop.
async fn worker(base: String, email: String, token: String, until: Arc<Mutex<Option<Instant>>>) -> Vec<Outcome> {
    let client = reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(90))
        .build()
        .unwrap();
    let mut outcomes = Vec::new();
    for n in 0u64.. {
        if until.lock().unwrap().is_some_and(|t| Instant::now() >= t) {
            break;
        }
        let (what, request, expected) = match n % 8 {
            0 => (
                "login",
                client
                    .post(format!("{base}/api/v1/auth/login"))
                    .json(&json!({"email": email, "password": PASSWORD})),
                StatusCode::OK,
            ),
            1 | 4 => (
                "create deck",
                client
                    .post(format!("{base}/api/v1/decks"))
                    .bearer_auth(&token)
                    .json(&json!({"title": format!("deck {n}")})),
                StatusCode::CREATED,
            ),
            2 | 5 | 7 => (
                "me",
                client.get(format!("{base}/api/v1/me")).bearer_auth(&token),
                StatusCode::OK,
            ),
            _ => ("courses", client.get(format!("{base}/api/v1/courses")), StatusCode::OK),
        };
        let result = request.send().await;
        let at = Instant::now();
        let (result, closes) = match result {
            Ok(resp) if resp.status() == expected => {
                let closes = resp
                    .headers()
                    .get("connection")
                    .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
                (Ok(resp.status()), closes)
            }
            Ok(resp) => (Err(format!("status {}", resp.status())), false),
            Err(e) => (Err(format!("{e:?}")), false),
        };
        outcomes.push(Outcome {
            what,
            at,
            result,
            closes,
        });
    }
    outcomes
}

/// What the readiness poller saw.
#[derive(Debug, Default)]
struct Readiness {
    /// When readiness first answered 503.
    unready_at: Option<Instant>,
    /// Whether that answer carried `Connection: close`.
    unready_closes: bool,
    /// When a probe first found the listener closed.
    closed_at: Option<Instant>,
    /// Statuses other than 200 and 503.
    unexpected: Vec<String>,
}

/// Polls `url` over fresh connections every 50 ms until the listener closes. When it
/// first fails, the load is told to stop a reaction time later (through `until`, if
/// given), as a balancer's traffic would; if the listener closes first, at once.
async fn poll_readiness(url: String, deadline: Instant, until: Option<Arc<Mutex<Option<Instant>>>>) -> Readiness {
    let stop_load_at = |at: Instant| {
        if let Some(until) = &until {
            until.lock().unwrap().get_or_insert(at);
        }
    };
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let mut seen = Readiness::default();
    while Instant::now() < deadline {
        match client.get(&url).send().await {
            Ok(resp) if resp.status() == StatusCode::OK => {}
            Ok(resp) if resp.status() == StatusCode::SERVICE_UNAVAILABLE => {
                if seen.unready_at.is_none() {
                    seen.unready_at = Some(Instant::now());
                    stop_load_at(Instant::now() + REACTION);
                    seen.unready_closes = resp.headers().get("connection").is_some_and(|v| v == "close");
                    let body: Value = resp.json().await.unwrap_or_default();
                    assert_eq!(body["error"]["details"]["reason"], "shutting_down", "{body}");
                }
            }
            Ok(resp) => seen.unexpected.push(resp.status().to_string()),
            Err(e) if e.is_connect() => {
                seen.closed_at = Some(Instant::now());
                stop_load_at(Instant::now());
                return seen;
            }
            Err(e) => seen.unexpected.push(format!("{e:?}")),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_fails_no_request_turns_readiness_first_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let ops_port = free_port();
    let (mut child, base) = start(dir.path(), ops_port).await;
    let ops = format!("http://127.0.0.1:{ops_port}");
    let client = reqwest::Client::new();
    let ready = |url: String| {
        let client = client.clone();
        async move { client.get(url).send().await.map(|r| r.status()).ok() }
    };
    for url in [format!("{base}/health/ready"), format!("{ops}/health/ready")] {
        let start = Instant::now();
        while ready(url.clone()).await != Some(StatusCode::OK) {
            assert!(start.elapsed() < Duration::from_secs(30), "{url} never became ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    let mut accounts = Vec::new();
    for n in 0..WORKERS {
        let email = format!("drain-{n}@example.com");
        let resp = client
            .post(format!("{base}/api/v1/auth/register"))
            .json(&json!({"email": email, "password": PASSWORD, "display_name": "Learner"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
        let tokens: Value = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        accounts.push((email, tokens["access_token"].as_str().expect("token").to_owned()));
    }

    let until = Arc::new(Mutex::new(None));
    let workers: Vec<_> = accounts
        .into_iter()
        .map(|(email, token)| tokio::spawn(worker(base.clone(), email, token, until.clone())))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    let public = tokio::spawn(poll_readiness(
        format!("{base}/health/ready"),
        deadline,
        Some(until.clone()),
    ));
    let operations = tokio::spawn(poll_readiness(format!("{ops}/health/ready"), deadline, None));

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let signalled = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());

    let public = public.await.unwrap();
    let operations = operations.await.unwrap();
    until.lock().unwrap().get_or_insert_with(Instant::now);

    let mut outcomes = Vec::new();
    for worker in workers {
        outcomes.extend(worker.await.unwrap());
    }
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();

    let failed: Vec<_> = outcomes.iter().filter(|o| o.result.is_err()).collect();
    assert!(
        failed.is_empty(),
        "{} of {} requests failed, e.g. {:?}",
        failed.len(),
        outcomes.len(),
        &failed[..failed.len().min(5)]
    );
    for (listener, seen) in [("public", &public), ("operations", &operations)] {
        assert!(
            seen.unexpected.is_empty(),
            "{listener} readiness: {:?}",
            seen.unexpected
        );
        let unready = seen
            .unready_at
            .unwrap_or_else(|| panic!("{listener} readiness never answered 503"));
        let closed = seen
            .closed_at
            .unwrap_or_else(|| panic!("{listener} listener never closed"));
        assert!(unready > signalled && unready < closed);
        assert!(
            closed - signalled >= Duration::from_secs(DRAIN_SECONDS) - Duration::from_millis(200),
            "{listener}: the listener closed {:?} after the signal, before the drain delay ended",
            closed - signalled
        );
        assert!(seen.unready_closes, "{listener}: the 503 asked to close its connection");
    }
    // Answers received a moment after readiness failed were all produced while draining.
    let settled = public.unready_at.unwrap() + Duration::from_millis(200);
    let during_drain: Vec<_> = outcomes.iter().filter(|o| o.at > settled).collect();
    assert!(
        during_drain.len() >= WORKERS,
        "requests were served while draining: {}",
        during_drain.len()
    );
    assert!(
        during_drain.iter().any(|o| o.what == "create deck") && during_drain.iter().all(|o| o.closes),
        "writes went on while draining, each answer closing its connection"
    );
    assert!(outcomes.len() > 50, "steady load: {} requests", outcomes.len());
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
}

/// Everything the server sends on `stream` until it closes it.
async fn read_all(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut bytes))
        .await
        .expect("the server closed the connection")
        .expect("closed cleanly, not reset");
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_close_idle_connections_end_cleanly_and_a_fresh_one_is_answered() {
    let mut app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let request = b"GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n";
    let mut served = TcpStream::connect(&addr).await.unwrap();
    served.write_all(request).await.unwrap();
    let mut head = [0u8; 12];
    served.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    // Connected, but its request is not sent before the shutdown.
    let mut fresh = TcpStream::connect(&addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let server = app.signal_shutdown().expect("running");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rest = read_all(&mut served).await;
    assert!(
        !rest.contains("HTTP/1.1"),
        "the idle connection closed without another answer"
    );

    fresh.write_all(request).await.unwrap();
    let answer = read_all(&mut fresh).await.to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 200"), "{answer}");
    assert!(answer.contains("connection: close"), "{answer}");
    server.await.unwrap().unwrap();
    assert!(TcpStream::connect(&addr).await.is_err(), "the listener is closed");
}
