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
