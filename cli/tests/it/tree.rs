use std::io::Write;

use crate::{assert_clean_failure, causeway, stdout, vectors};

fn leaves_file() -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "# vector leaves").unwrap();
    for leaf in vectors("merkle.json")["leaves"].as_array().unwrap() {
        writeln!(file, "{}", leaf.as_str().unwrap()).unwrap();
    }
    file
}

#[test]
fn roots_and_proofs_agree_with_vectors() {
    let file = leaves_file();
    let path = file.path().to_str().unwrap();
    let v = vectors("merkle.json");
    for r in v["roots"].as_array().unwrap().iter().step_by(9) {
        let count = r["count"].as_u64().unwrap().to_string();
        let out = causeway(&["tree", "root", "--leaves", path, "--count", &count]);
        assert!(out.status.success(), "{out:?}");
        let shown: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(shown["root"], r["root"], "count {count}");
    }
    for p in v["proofs"].as_array().unwrap() {
        let (count, index) = (p["count"].to_string(), p["index"].to_string());
        let out =
            causeway(&["tree", "proof", "--leaves", path, "--count", &count, "--index", &index]);
        let shown: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(shown["branch"], p["branch"]);
        assert_eq!(shown["root"], p["root"]);
    }
}

#[test]
fn verify_accepts_a_proof_and_refuses_a_tampered_one() {
    let file = leaves_file();
    let out = causeway(&[
        "tree",
        "proof",
        "--leaves",
        file.path().to_str().unwrap(),
        "--count",
        "100",
        "--index",
        "37",
    ]);
    let mut proof = tempfile::NamedTempFile::new().unwrap();
    proof.write_all(&out.stdout).unwrap();
    let proof_path = proof.path().to_str().unwrap();
    let ok = causeway(&["tree", "verify", "--proof", proof_path]);
    assert!(ok.status.success(), "{ok:?}");
    assert!(stdout(&ok).starts_with("valid"));

    // Same proof against the newest root (128 leaves) is not valid: it proves the 100-leaf root.
    let newest = vectors("merkle.json")["roots"][128]["root"].as_str().unwrap().to_string();
    assert_clean_failure(
        &causeway(&["tree", "verify", "--proof", proof_path, "--root", &newest]),
        1,
        "INVALID",
    );
    assert_clean_failure(
        &causeway(&["tree", "verify", "--proof", proof_path, "--index", "38"]),
        1,
        "INVALID",
    );
}

#[test]
fn bad_tree_input_is_refused_clearly() {
    assert_clean_failure(
        &causeway(&["tree", "root", "--leaves", "/nonexistent/leaves.txt"]),
        2,
        "cannot read leaves file /nonexistent/leaves.txt",
    );
    let mut bad = tempfile::NamedTempFile::new().unwrap();
    writeln!(bad, "0x{}", "00".repeat(32)).unwrap();
    writeln!(bad, "0x1234").unwrap();
    let bad_path = bad.path().to_str().unwrap().to_string();
    assert_clean_failure(
        &causeway(&["tree", "root", "--leaves", &bad_path]),
        2,
        &format!("{bad_path}:2: expected 32 bytes"),
    );
    let file = leaves_file();
    let path = file.path().to_str().unwrap();
    assert_clean_failure(
        &causeway(&["tree", "proof", "--leaves", path, "--index", "128"]),
        2,
        "leaf index 128 is not in a tree of 128 leaves",
    );
    assert_clean_failure(
        &causeway(&["tree", "root", "--leaves", path, "--count", "129"]),
        2,
        "--count 129 is more than the 128 leaves given",
    );
    assert_clean_failure(
        &causeway(&["tree", "verify", "--leaf", "0x00"]),
        2,
        "--leaf: expected 32 bytes",
    );
    let zero = format!("0x{}", "00".repeat(32));
    let out = causeway(&[
        "tree",
        "verify",
        "--leaf",
        &zero,
        "--root",
        &zero,
        "--index",
        "0",
        "--branch",
        &format!("{zero},{zero}"),
    ]);
    assert_clean_failure(&out, 2, "branch has 2 hashes; a proof has exactly 32");
}
