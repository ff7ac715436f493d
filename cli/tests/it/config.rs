use std::io::Write;

use crate::{assert_clean_failure, causeway, stderr, stdout};

fn file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

#[test]
fn devnet_preset_is_valid() {
    let out = causeway(&["config", "check", "--preset", "devnet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("ethereum (domain 1)"));
}

#[test]
fn every_problem_is_listed_with_its_path() {
    let f = file(
        r#"
[hub]
chain = "nowhere"

[chains.a]
kind = "evm"
domain = 7
rpc = "ftp://127.0.0.1:8545"
chain_id = 1
finality = "finalized"

[chains.b]
kind = "evm"
domain = 7
rpc = "http://127.0.0.1:8546"
chain_id = 2
finality = "finalized"

[chains.b.contracts]
mailbox = "0x1234"
"#,
    );
    let out = causeway(&["config", "check", f.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for path in ["hub.chain", "chains.a.rpc", "chains.b.contracts.mailbox"] {
        assert!(err.contains(path), "missing {path} in:\n{err}");
    }
    assert!(err.contains("domain"), "duplicate domain not reported:\n{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn config_check_lists_every_unknown_key_at_once() {
    let f = file(
        "[relayer]\nbatch_sise = 3\ncolour = \"blue\"\n[indexer]\npol_interval_ms = 5\n\
         [chains.ethereum.contracts]\nmailbx = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\n",
    );
    let out = causeway(&["config", "check", "--preset", "devnet", f.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for key in [
        "relayer.batch_sise",
        "relayer.colour",
        "indexer.pol_interval_ms",
        "chains.ethereum.contracts.mailbx",
    ] {
        assert!(err.contains(key), "missing {key} in:\n{err}");
    }
}

#[test]
fn unknown_field_missing_file_and_no_source_are_clear() {
    let f = file("[relayer]\nbatch_sise = 3\n");
    let path = f.path().to_str().unwrap();
    let out = causeway(&["config", "check", "--preset", "devnet", path]);
    assert_clean_failure(&out, 2, "batch_sise");
    assert_clean_failure(
        &causeway(&["config", "check", "/nonexistent/causeway.toml"]),
        2,
        "/nonexistent/causeway.toml",
    );
    assert_clean_failure(&causeway(&["config", "check"]), 2, "give a config FILE");
}

#[test]
fn flags_override_and_show_prints_the_effective_config() {
    let out = causeway(&["config", "show", "--preset", "devnet", "--set", "relayer.batch_size=77"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("batch_size = 77"), "{}", stdout(&out));
}

#[test]
fn operator_run_needs_an_absolute_signed_log() {
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_causeway"))
            .args(["operator", "run", "--preset", "devnet"])
            .args(extra)
            .env("CAUSEWAY_OPERATOR_KEY", format!("0x{}", "11".repeat(32)))
            .env_remove("RUST_BACKTRACE")
            .output()
            .expect("run causeway")
    };
    assert_clean_failure(&run(&[]), 2, "operator.signed_log is not set");
    assert_clean_failure(&run(&["--log", "signed.db"]), 2, "give an absolute path");
    assert_clean_failure(
        &run(&["--set", "operator.signed_log=\"relative.db\""]),
        2,
        "operator.signed_log: \"relative.db\" is relative",
    );
}
