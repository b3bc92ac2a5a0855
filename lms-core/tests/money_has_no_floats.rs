//! Money is integer minor units everywhere: no floating-point type appears in the money
//! code (the core's payments module and money type, the Stripe adapter, the server's
//! payment endpoints and payment metrics), so no amount is ever rounded by a float.

use std::path::Path;

/// The floating-point types, as whole words.
const FLOATS: [&str; 2] = ["f32", "f64"];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn mentions_float(source: &str) -> Option<(usize, String)> {
    source.lines().enumerate().find_map(|(n, line)| {
        let words = line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
        words
            .clone()
            .any(|w| FLOATS.contains(&w) || w == "as_f64")
            .then(|| (n + 1, line.trim().to_owned()))
    })
}

#[test]
fn the_money_code_holds_no_float() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = vec![
        root.join("lms-core/src/domain/money.rs"),
        root.join("lms-http/src/api/payments.rs"),
        root.join("lms-http/src/payment_metrics.rs"),
    ];
    rust_files(&root.join("lms-core/src/payments"), &mut files);
    let core_files = files.len();
    rust_files(&root.join("lms-stripe/src"), &mut files);
    assert!(
        core_files > 7 && files.len() > core_files + 2,
        "the money code is where it was: {files:?}"
    );
    for file in files {
        let source = std::fs::read_to_string(&file).expect("readable source");
        if let Some((line, text)) = mentions_float(&source) {
            panic!("{}:{line} uses a float in money code: {text}", file.display());
        }
    }
}

#[test]
fn the_check_sees_a_float() {
    assert!(mentions_float("let x: f64 = 1.0;").is_some());
    assert!(mentions_float("value.as_f64()").is_some());
    assert!(mentions_float("let cents: i64 = 100;").is_none());
}
