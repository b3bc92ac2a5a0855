//! The load benchmark's results table, from the JSON lines `benches/load/run.sh` writes
//! (one per scenario run).

use std::fmt::Write as _;

use serde::Deserialize;

/// What wrk measured (printed by `benches/load/common.lua`).
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct WrkSummary {
    /// Responses received.
    pub requests: u64,
    /// Length of the run in microseconds.
    pub duration_us: u64,
    /// Latency percentiles in microseconds.
    pub p50_us: u64,
    /// 95th percentile.
    pub p95_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// Slowest response.
    pub max_us: u64,
    /// Connections that could not be opened.
    pub connect_errors: u64,
    /// Socket read errors.
    pub read_errors: u64,
    /// Socket write errors.
    pub write_errors: u64,
    /// Requests with no response within wrk's timeout.
    pub timeouts: u64,
    /// Responses with a status of 400 or more.
    pub non_2xx: u64,
}

impl WrkSummary {
    /// Responses per second.
    pub fn rate(&self) -> f64 {
        if self.duration_us == 0 {
            0.0
        } else {
            self.requests as f64 * 1e6 / self.duration_us as f64
        }
    }

    /// Socket errors and timeouts.
    pub fn socket_errors(&self) -> u64 {
        self.connect_errors + self.read_errors + self.write_errors + self.timeouts
    }
}

/// One scenario run.
#[derive(Debug, Clone, Deserialize)]
pub struct Row {
    /// `sqlite`, `postgres` or `baseline`.
    pub backend: String,
    /// `outline`, `heartbeat`, `mixed`, `connections`.
    pub scenario: String,
    /// Open connections.
    pub connections: u64,
    /// One-minute load average when the scenario started.
    pub load1: f64,
    /// Server resident set before any load, in KiB.
    pub rss_idle_kb: u64,
    /// Server peak resident set during the scenario, in KiB.
    pub rss_peak_kb: u64,
    /// CPU time (user and system) the server used during the scenario, in milliseconds.
    #[serde(default)]
    pub server_cpu_ms: u64,
    /// The outcome of the scenario's own check (`ok`, or what failed).
    pub check: String,
    /// What wrk measured.
    pub wrk: WrkSummary,
}

/// Why results could not be read.
#[derive(Debug)]
pub struct ReportError(String);

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReportError {}

/// Reads the JSON lines of a run.
pub fn parse(text: &str) -> Result<Vec<Row>, ReportError> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| ReportError(format!("results line {}: {e}", i + 1))))
        .collect()
}

fn ms(us: u64) -> String {
    format!("{:.2}", us as f64 / 1000.0)
}

fn mib(kb: u64) -> String {
    format!("{:.0}", kb as f64 / 1024.0)
}

impl Row {
    /// Cores the server kept busy on average.
    pub fn server_cores(&self) -> f64 {
        if self.wrk.duration_us == 0 {
            0.0
        } else {
            self.server_cpu_ms as f64 * 1000.0 / self.wrk.duration_us as f64
        }
    }

    /// Server CPU time per response, in microseconds.
    pub fn cpu_us_per_request(&self) -> f64 {
        if self.wrk.requests == 0 {
            0.0
        } else {
            self.server_cpu_ms as f64 * 1000.0 / self.wrk.requests as f64
        }
    }
}

/// The Markdown results table: one row a scenario run, with its throughput as a share of the
/// baseline's in the same scenario at the same number of connections (the baseline's outline
/// read at that number, for scenarios the baseline does not run).
pub fn table(text: &str) -> Result<String, ReportError> {
    let rows = parse(text)?;
    let baseline_of = |scenario: &str, connections: u64| {
        rows.iter()
            .find(|r| r.backend == "baseline" && r.scenario == scenario && r.connections == connections)
    };
    let baseline = |r: &Row| {
        baseline_of(&r.scenario, r.connections)
            .or_else(|| baseline_of("outline", r.connections))
            .or_else(|| {
                rows.iter()
                    .find(|b| b.backend == "baseline" && b.connections == r.connections)
            })
            .map(|b| b.wrk.rate())
    };
    let mut out = String::from(
        "| backend | scenario | conns | req/s | vs baseline | P50 ms | P95 ms | P99 ms | max ms | socket errors | non-2xx | server cores | CPU µs/req | RSS idle MiB | RSS peak MiB | load1 | check |\n\
         |---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n",
    );
    for r in &rows {
        let ratio = match baseline(r) {
            Some(b) if b > 0.0 => format!("{:.1} %", 100.0 * r.wrk.rate() / b),
            _ => "–".to_owned(),
        };
        writeln!(
            out,
            "| {} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {:.2} | {:.0} | {} | {} | {:.2} | {} |",
            r.backend,
            r.scenario,
            r.connections,
            r.wrk.rate(),
            ratio,
            ms(r.wrk.p50_us),
            ms(r.wrk.p95_us),
            ms(r.wrk.p99_us),
            ms(r.wrk.max_us),
            r.wrk.socket_errors(),
            r.wrk.non_2xx,
            r.server_cores(),
            r.cpu_us_per_request(),
            mib(r.rss_idle_kb),
            mib(r.rss_peak_kb),
            r.load1,
            r.check,
        )
        .expect("writing to a String cannot fail");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(backend: &str, scenario: &str, connections: u64, requests: u64) -> String {
        format!(
            r#"{{"backend":"{backend}","scenario":"{scenario}","connections":{connections},"load1":1.5,"rss_idle_kb":20480,"rss_peak_kb":40960,"server_cpu_ms":15000,"check":"ok","wrk":{{"requests":{requests},"duration_us":10000000,"p50_us":1500,"p95_us":2500,"p99_us":4000,"max_us":9000,"connect_errors":0,"read_errors":1,"write_errors":0,"timeouts":2,"non_2xx":0}}}}"#
        )
    }

    #[test]
    fn rows_are_compared_with_the_baseline_at_the_same_connections() {
        let text = [
            line("baseline", "outline", 256, 1_000_000),
            line("sqlite", "outline", 256, 250_000),
            line("sqlite", "connections", 10_000, 50_000),
        ]
        .join("\n");
        let table = table(&text).unwrap();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(lines[2].starts_with("| baseline | outline | 256 | 100000 | 100.0 % | 1.50 | 2.50 | 4.00 | 9.00 | 3 | 0 | 1.50 | 15 | 20 | 40 | 1.50 | ok |"), "{}", lines[2]);
        assert!(lines[3].contains("| 25000 | 25.0 % |"), "{}", lines[3]);
        assert!(lines[4].contains("| 5000 | – |"), "{}", lines[4]);
    }

    #[test]
    fn malformed_lines_are_reported() {
        let err = table("{\"backend\":\"sqlite\"}").unwrap_err();
        assert!(err.to_string().contains("results line 1"), "{err}");
    }
}
