//! `cargo xtask bench`: runs the criterion benchmarks of causeway-core and writes their
//! results, with the targets they are held to, into `docs/benchmarks.md`.

use std::{path::Path, process::Command};

use eyre::{Result, WrapErr, bail};

/// (criterion id, what it measures, target in nanoseconds or None)
const ROWS: &[(&str, &str, Option<f64>)] = &[
    (
        "tree_build_1m/causeway",
        "bulk-build a 1,000,000-leaf tree (levels split across cores) and take its root",
        Some(500e6),
    ),
    (
        "tree_build_1m/causeway_insert_1_thread",
        "insert 1,000,000 leaves one by one on one thread, then the root",
        None,
    ),
    (
        "tree_build_1m/rs_merkle",
        "rs_merkle 1.5 on the same leaves and keccak (reference, one thread)",
        None,
    ),
    ("tree_proof_1m/tip", "proof of a random leaf against the current root", Some(2e3)),
    (
        "tree_proof_1m/historical_count",
        "proof of a random leaf against a random earlier root",
        None,
    ),
    ("message_id_32b_body", "message id (keccak256 of 109 packed bytes)", None),
    ("quorum_verify_10_sigs", "quorum check of 10 signatures (10 ecrecovers)", None),
];

const BEGIN: &str = "<!-- core-bench:begin -->";
const END: &str = "<!-- core-bench:end -->";

pub(crate) fn run(root: &Path) -> Result<()> {
    let status = Command::new(super::cargo())
        .current_dir(root)
        .args(["bench", "-p", "causeway-core", "--bench", "core", "--locked"])
        .status()
        .wrap_err("running cargo bench")?;
    if !status.success() {
        bail!("cargo bench failed ({status})");
    }
    let criterion = root.join("target/criterion");
    let mut table =
        String::from("| benchmark | what | mean | target | |\n|---|---|---:|---:|---|\n");
    let mut means = std::collections::HashMap::new();
    for (id, what, target) in ROWS {
        let path = criterion.join(id).join("new/estimates.json");
        let text = std::fs::read_to_string(&path)
            .wrap_err_with(|| format!("reading {}", path.display()))?;
        let json: serde_json::Value = serde_json::from_str(&text)?;
        let mean = json["mean"]["point_estimate"]
            .as_f64()
            .ok_or_else(|| eyre::eyre!("no mean in {}", path.display()))?;
        means.insert(*id, mean);
        let (target, verdict) = match target {
            Some(t) => (human(*t), if mean <= *t { "met" } else { "**missed**" }),
            None => ("—".to_string(), ""),
        };
        table.push_str(&format!("| `{id}` | {what} | {} | {target} | {verdict} |\n", human(mean)));
    }
    let ratio = means["tree_build_1m/rs_merkle"] / means["tree_build_1m/causeway"];
    let verdict = if ratio >= 1.5 { "met" } else { "**missed**" };
    table.push_str(&format!(
        "| speed-up over rs_merkle | bulk build | {ratio:.2}× | ≥ 1.50× | {verdict} |\n"
    ));
    let single = means["tree_build_1m/rs_merkle"] / means["tree_build_1m/causeway_insert_1_thread"];
    table.push_str(&format!(
        "| speed-up over rs_merkle | one thread, one insert at a time | {single:.2}× | — | |\n"
    ));
    let section = format!(
        "{BEGIN}\n## Core (criterion, `cargo xtask bench`)\n\nMeasured {} on {} \
         ({} cores), release build. Means of criterion samples.\n\n{table}{END}",
        today(),
        machine(),
        std::thread::available_parallelism().map_or(0, usize::from),
    );
    let path = root.join("docs/benchmarks.md");
    let current = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n\n".into());
    let updated = match (current.find(BEGIN), current.find(END)) {
        (Some(b), Some(e)) => format!("{}{section}{}", &current[..b], &current[e + END.len()..]),
        _ => format!("{}\n{section}\n", current.trim_end()),
    };
    std::fs::write(&path, updated).wrap_err_with(|| format!("writing {}", path.display()))?;
    println!("{table}\nwritten to docs/benchmarks.md");
    Ok(())
}

fn human(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn today() -> String {
    Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "unknown date".into(), |s| s.trim().to_string())
}

fn machine() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}
