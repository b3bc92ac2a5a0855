//! `lms-load`: the data side of the load benchmark (`benches/load/run.sh`).
//!
//! - `seed`: a fresh database seeded through the core, learners' sessions, a few passwords,
//!   the completion scenario's enrollments in courses of text lessons, an admin;
//! - `tokens`: access tokens for the seeded sessions, one `TOKEN COURSE LESSON` line each;
//! - `complete-tokens`: access tokens for the completion enrollments, one
//!   `TOKEN LESSON,LESSON,…` line each;
//! - `admin-token`: an access token of the seeded admin;
//! - `receive`: the webhook receiver of the completion scenario ([`lms_benches::receiver`]);
//! - `tally`: the stored video heartbeats of the seeded enrollments, as JSON;
//! - `drop-mongo`: removes the benchmark's MongoDB database afterwards;
//! - `report`: the results table from the run's JSON lines.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use lms_benches::dataset::{self, Spec};
use lms_benches::load::{self, CompletionSession, LearnerSession, Minter};
use lms_benches::{receiver, report};
use lms_core::domain::user::Role;
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
        /// Courses of text lessons only, for the completion scenario: each learner gets one
        /// more enrollment, with no progress, in one of them.
        #[arg(long, default_value_t = 4)]
        completion_courses: usize,
        /// Lessons per course of text lessons.
        #[arg(long, default_value_t = 30)]
        completion_lessons: usize,
        /// Writes in flight.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Directory for `sessions.tsv`, `logins.tsv`, `completions.tsv` (the completion
        /// enrollments: `USER FAMILY COURSE LESSON,LESSON,…`, tab-separated) and `admin.tsv`
        /// (`USER FAMILY` of the admin).
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
    /// Mint access tokens for the completion enrollments: `TOKEN LESSON,LESSON,…` lines.
    CompleteTokens {
        /// The seed's `completions.tsv`.
        #[arg(long)]
        completions: PathBuf,
        /// The server's secret.
        #[arg(long, env = "LMS_JWT_SECRET", hide_env_values = true)]
        secret: String,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print an access token of the seeded admin.
    AdminToken {
        /// The seed's `admin.tsv`.
        #[arg(long)]
        admin: PathBuf,
        /// The server's secret.
        #[arg(long, env = "LMS_JWT_SECRET", hide_env_values = true)]
        secret: String,
    },
    /// Receive webhooks: answer 204 to every POST, count the `webhook-id`s, answer the
    /// counts at `GET /summary` and write them to `--out` on SIGTERM.
    Receive {
        /// Address to listen on.
        #[arg(long)]
        bind: String,
        /// Where to write the summary on SIGTERM.
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

/// The courses of text lessons of the completion scenario: how many, and their lessons.
#[derive(Debug, Clone, Copy)]
struct CompletionSpec {
    courses: usize,
    lessons: usize,
}

async fn seed(
    database_url: String,
    spec: Spec,
    completion: CompletionSpec,
    logins: usize,
    concurrency: usize,
    out: PathBuf,
) -> Result<(), String> {
    let (storage, stores) = open(&database_url).await?;
    let started = Instant::now();
    let data = dataset::seed(&stores, spec, concurrency)
        .await
        .map_err(|e| format!("seed: {e}"))?;
    let completion_samples = dataset::seed_completions(
        &stores,
        data.instructor,
        &data.learners(),
        completion.courses,
        completion.lessons,
        concurrency,
    )
    .await
    .map_err(|e| format!("seed completions: {e}"))?;
    let admin = dataset::seed_admin(&stores)
        .await
        .map_err(|e| format!("seed admin: {e}"))?;
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
    let completions = load::completion_sessions(&completion_samples, &sessions)?;
    let admin_family = load::open_session(&stores, admin, chrono::Utc::now())
        .await
        .map_err(|e| format!("admin session: {e}"))?;
    storage.close().await;
    std::fs::create_dir_all(&out).map_err(|e| format!("create {}: {e}", out.display()))?;
    write(
        out.join("sessions.tsv"),
        sessions.iter().map(|s| format!("{s}\n")).collect(),
    )?;
    write(out.join("logins.tsv"), login_lines)?;
    write(
        out.join("completions.tsv"),
        completions.iter().map(|c| format!("{c}\n")).collect(),
    )?;
    write(out.join("admin.tsv"), format!("{admin}\t{admin_family}\n"))?;
    let learners = data.samples.len().div_ceil(spec.enrollments_per_learner);
    println!(
        "seeded {} courses × {} lessons, {learners} learners with sessions, {} enrollments, \
         {} courses × {} text lessons with {} fresh enrollments, an admin in {:.1} s (sessions {:.1} s more)",
        spec.courses,
        spec.lessons_per_course,
        data.samples.len(),
        completion.courses,
        completion.lessons,
        completions.len(),
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

fn complete_tokens(completions: PathBuf, secret: String, out: PathBuf) -> Result<(), String> {
    let text = std::fs::read_to_string(&completions).map_err(|e| format!("read {}: {e}", completions.display()))?;
    let completions: Vec<CompletionSession> = load::parse_completions(&text).map_err(|e| e.to_string())?;
    let minter = Minter::new(secret.as_bytes());
    let lines: String = completions
        .iter()
        .map(|c| {
            let lessons: Vec<String> = c.lesson_ids.iter().map(ToString::to_string).collect();
            format!(
                "{} {}\n",
                minter.mint_as(c.user_id, c.family_id, Role::Student),
                lessons.join(",")
            )
        })
        .collect();
    write(out, lines)
}

fn admin_token(admin: PathBuf, secret: String) -> Result<(), String> {
    let text = std::fs::read_to_string(&admin).map_err(|e| format!("read {}: {e}", admin.display()))?;
    let invalid = || format!("{}: expected `USER\tFAMILY`", admin.display());
    let (user, family) = text.trim().split_once('\t').ok_or_else(invalid)?;
    let user: UserId = user.parse().map_err(|_| invalid())?;
    let family: uuid::Uuid = family.parse().map_err(|_| invalid())?;
    println!("{}", Minter::new(secret.as_bytes()).mint_as(user, family, Role::Admin));
    Ok(())
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
    // The receiver shares two cores with the server and wrk: one thread is plenty.
    let runtime = match cli.command {
        Command::Receive { .. } => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    }
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
                completion_courses,
                completion_lessons,
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
                let completion = CompletionSpec {
                    courses: completion_courses,
                    lessons: completion_lessons,
                };
                seed(database_url, spec, completion, logins, concurrency, out).await
            }
            Command::Tokens {
                sessions,
                limit,
                secret,
                out,
            } => tokens(sessions, limit, secret, out),
            Command::CompleteTokens {
                completions,
                secret,
                out,
            } => complete_tokens(completions, secret, out),
            Command::AdminToken { admin, secret } => admin_token(admin, secret),
            Command::Receive { bind, out } => receiver::serve(bind, out).await,
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
