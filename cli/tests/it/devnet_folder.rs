//! `causeway devnet --dir` clears only a devnet's folder, and never one a running devnet holds.

use std::fs;

use crate::{assert_clean_failure, causeway};

#[test]
fn a_folder_that_is_not_a_devnets_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let precious = dir.path().join("thesis.tex");
    fs::write(&precious, "years of work").unwrap();
    let out = causeway(&["devnet", "--once", "--any-ports", "--dir", dir.path().to_str().unwrap()]);
    assert_clean_failure(&out, 1, "is not a devnet folder");
    assert_eq!(fs::read_to_string(&precious).unwrap(), "years of work");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "nothing added either");
}

#[test]
fn a_folder_a_running_devnet_holds_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(".causeway-devnet"), "").unwrap();
    fs::write(dir.path().join("devnet.toml"), "# the running devnet's config").unwrap();
    // Hold the lock as a running devnet does.
    let lock = fs::File::create(dir.path().join("devnet.lock")).unwrap();
    lock.lock().unwrap();
    let out = causeway(&["devnet", "--once", "--any-ports", "--dir", dir.path().to_str().unwrap()]);
    assert_clean_failure(&out, 1, "is in use by a running devnet");
    assert_eq!(
        fs::read_to_string(dir.path().join("devnet.toml")).unwrap(),
        "# the running devnet's config",
        "the running devnet's config is not rewritten"
    );
    drop(lock);
}

#[test]
fn a_taken_port_is_named_before_anything_starts() {
    // Hold the indexer's fixed port (9100) as another program would.
    let Ok(held) = std::net::TcpListener::bind("127.0.0.1:9100") else {
        eprintln!("skipped: 127.0.0.1:9100 is taken by something else already");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = causeway(&["devnet", "--once", "--evm-only", "--dir", dir.path().to_str().unwrap()]);
    assert_clean_failure(&out, 1, "port 9100 (the indexer API) is not free");
    assert!(crate::stderr(&out).contains("--any-ports"));
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "nothing was started or written");
    drop(held);
}
