//! Runs the real `causeway` binary: its output must agree with `vectors/`, and bad input must
//! give one clear line and the documented exit code, never a panic.

mod config;
mod devnet_folder;
mod message;
mod tree;

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub(crate) fn causeway(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(args)
        .current_dir(root())
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run causeway")
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Fails unless the command exited with `code` and printed a single `error:` line, no panic.
pub(crate) fn assert_clean_failure(out: &Output, code: i32, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert!(err.starts_with("error: "), "stderr: {err}");
    assert!(err.contains(needle), "expected {needle:?} in: {err}");
    assert!(!err.contains("panicked") && !err.contains("backtrace"), "stderr: {err}");
}

pub(crate) fn vectors(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(root().join("vectors").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}
