//! `lms-server`: the LMS HTTP server and its operator commands.

fn main() -> std::process::ExitCode {
    lms_http::cli::main()
}
