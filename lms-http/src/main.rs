//! `lms-server`: the LMS HTTP server and its operator commands.

/// mimalloc instead of the system allocator: a request allocates and frees many small
/// objects across threads, where glibc's allocator costs a quarter of the server's CPU
/// and keeps freed memory from other threads' arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    lms_http::cli::main()
}
