//! `lms-load`: the data side of the load benchmark (`benches/load/run.sh`).
//!
//! - `seed`: a fresh database seeded through the core, learners' sessions, a few passwords;
//! - `tokens`: access tokens for the seeded sessions, one `TOKEN COURSE LESSON` line each;
//! - `tally`: the stored video heartbeats of the seeded enrollments, as JSON;
//! - `drop-mongo`: removes the benchmark's MongoDB database afterwards;
//! - `report`: the results table from the run's JSON lines.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use lms_benches::dataset::{self, Spec};
use lms_benches::load::{self, LearnerSession, Minter};
use lms_benches::report;
use lms_core::ids::UserId;
use lms_core::ports::Stores;
use lms_core::Lms;
use lms_http::Storage;
use lms_storage_mongo::MongoStore;

#[derive(Debug, Parser)]
#[command(name = "lms-load")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate the empty database at `--database-url` and seed it through the core.
    Seed {
        /// `sqlite:…`, `postgres://…` or `mongodb://…`, as the server takes it.
        #[arg(long)]
        database_url: String,
        /// Courses of `--lessons` lessons (a third each video, text and quiz).
        #[arg(long, default_value_t = 1_000)]
        courses: usize,
        /// Lessons per course.
        #[arg(long, default_value_t = 30)]
        lessons: usize,
        /// Learners, each with a live session.
        #[arg(long, default_value_t = 100_000)]
        learners: usize,
        /// Enrollments per learner, with random progress.
        #[arg(long, default_value_t = 2)]
        enrollments_per_learner: usize,
        /// Learners who also get a password, to log in through the API.
        #[arg(long, default_value_t = 4)]
        logins: usize,
        /// Writes in flight.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Directory for `sessions.tsv` and `logins.tsv`.
        #[arg(long)]
        out: PathBuf,
    },
    /// Mint access tokens for the sessions of a sessions file.
    Tokens {
        /// The seed's `sessions.tsv`.
        #[arg(long)]
        sessions: PathBuf,
        /// Only the first this many sessions.
        #[arg(long)]
        limit: Option<usize>,
        /// The server's secret.
        #[arg(long, env = "LMS_JWT_SECRET", hide_env_values = true)]
        secret: String,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the stored heartbeats and watch time of the sessions' video lessons.
    Tally {
        /// `sqlite:…`, `postgres://…` or `mongodb://…`.
        #[arg(long)]
        database_url: String,
        /// The seed's `sessions.tsv`.
        #[arg(long)]
        sessions: PathBuf,
        /// Only the first this many sessions.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Drop the MongoDB database a `mongodb://…/<database>` URL names (the benchmark's own).
    DropMongo {
        /// `mongodb://…/<database>`.
        #[arg(long)]
        database_url: String,
    },
    /// Print the results table of a run's `results.jsonl`.
    Report {
        /// The results file.
        results: PathBuf,
    },
}

/// The password of the learners who log in through the API.
const LOGIN_PASSWORD: &str = "LoadBench-2026-pw";

async fn open(url: &str) -> Result<(Storage, Stores), String> {
    let storage = Storage::open(url).await.map_err(|e| format!("open {url}: {e}"))?;
    storage.migrate().await.map_err(|e| format!("migrate: {e}"))?;
    let stores = storage.stores().0;
    Ok((storage, stores))
}

fn read_sessions(path: &PathBuf, limit: Option<usize>) -> Result<Vec<LearnerSession>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
    let mut sessions = load::parse_sessions(&text).map_err(|e| e.to_string())?;
    if let Some(limit) = limit {
        sessions.truncate(limit);
    }
    Ok(sessions)
}

fn write(path: PathBuf, text: String) -> Result<(), String> {
    std::fs::write(&path, text).map_err(|e| format!("write {}: {e}", path.display()))
}

async fn seed(database_url: String, spec: Spec, logins: usize, concurrency: usize, out: PathBuf) -> Result<(), String> {
    let (storage, stores) = open(&database_url).await?;
    let started = Instant::now();
    let data = dataset::seed(&stores, spec, concurrency)
        .await
        .map_err(|e| format!("seed: {e}"))?;
    let seeded = started.elapsed();

    let lms = Lms::with_system_clock(stores.clone());
    let mut login_lines = String::new();
    let mut with_password: Vec<UserId> = Vec::new();
    for sample in &data.samples {
        if with_password.len() == logins {
            break;
        }
        if with_password.contains(&sample.user_id) {
            continue;
        }
        lms.auth
            .set_password_unchecked(sample.user_id, LOGIN_PASSWORD)
            .await
            .map_err(|e| format!("set password: {e}"))?;
        with_password.push(sample.user_id);
        login_lines.push_str(&format!(
            "{}@bench.example.com\t{LOGIN_PASSWORD}\t{}\t{}\n",
            sample.user_id, sample.course_id, sample.video_lesson_id
        ));
    }

    let sessions = load::open_sessions(&stores, &data.samples, chrono::Utc::now(), concurrency)
        .await
        .map_err(|e| format!("sessions: {e}"))?;
    storage.close().await;
    std::fs::create_dir_all(&out).map_err(|e| format!("create {}: {e}", out.display()))?;
    write(
        out.join("sessions.tsv"),
        sessions.iter().map(|s| format!("{s}\n")).collect(),
    )?;
    write(out.join("logins.tsv"), login_lines)?;
    let learners = data.samples.len().div_ceil(spec.enrollments_per_learner);
    println!(
        "seeded {} courses × {} lessons, {learners} learners with sessions, {} enrollments in {:.1} s (sessions {:.1} s more)",
        spec.courses,
        spec.lessons_per_course,
        data.samples.len(),
        seeded.as_secs_f64(),
        (started.elapsed() - seeded).as_secs_f64(),
    );
    Ok(())
}

fn tokens(sessions: PathBuf, limit: Option<usize>, secret: String, out: PathBuf) -> Result<(), String> {
    let sessions = read_sessions(&sessions, limit)?;
    let minter = Minter::new(secret.as_bytes());
    let lines: String = sessions
        .iter()
        .map(|s| format!("{} {} {}\n", minter.mint(s), s.course_id, s.video_lesson_id))
        .collect();
    write(out, lines)
}

async fn tally(database_url: String, sessions: PathBuf, limit: Option<usize>) -> Result<(), String> {
    let sessions = read_sessions(&sessions, limit)?;
    let (storage, stores) = open(&database_url).await?;
    let tally = load::video_tally(&stores, &sessions, 8)
        .await
        .map_err(|e| format!("tally: {e}"))?;
    storage.close().await;
    println!(
        "{{\"heartbeats\":{},\"watch_time_ms\":{}}}",
        tally.heartbeats, tally.watch_time_ms
    );
    Ok(())
}

async fn drop_mongo(database_url: String) -> Result<(), String> {
    let store = MongoStore::connect(&database_url)
        .await
        .map_err(|e| format!("connect {database_url}: {e}"))?;
    let dropped = store.database().drop().await.map_err(|e| format!("drop: {e}"));
    store.close().await;
    dropped
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Seed {
                database_url,
                courses,
                lessons,
                learners,
                enrollments_per_learner,
                logins,
                concurrency,
                out,
            } => {
                let spec = Spec {
                    courses,
                    lessons_per_course: lessons,
                    enrollments: learners * enrollments_per_learner,
                    enrollments_per_learner,
                };
                seed(database_url, spec, logins, concurrency, out).await
            }
            Command::Tokens {
                sessions,
                limit,
                secret,
                out,
            } => tokens(sessions, limit, secret, out),
            Command::Tally {
                database_url,
                sessions,
                limit,
            } => tally(database_url, sessions, limit).await,
            Command::DropMongo { database_url } => drop_mongo(database_url).await,
            Command::Report { results } => std::fs::read_to_string(&results)
                .map_err(|e| format!("read {}: {e}", results.display()))
                .and_then(|text| report::table(&text).map_err(|e| e.to_string()))
                .map(|table| print!("{table}")),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("lms-load: {message}");
            ExitCode::FAILURE
        }
    }
}
