use crate::{assert_clean_failure, causeway, stdout, vectors};

#[test]
fn encode_decode_and_id_agree_with_vectors() {
    for m in vectors("message.json")["messages"].as_array().unwrap() {
        let s = |k: &str| m[k].as_str().unwrap().to_string();
        let n = |k: &str| m[k].as_u64().unwrap().to_string();
        let out = causeway(&[
            "message",
            "encode",
            "--json",
            "--nonce",
            &n("nonce"),
            "--origin",
            &n("origin"),
            "--sender",
            &s("sender"),
            "--destination",
            &n("destination"),
            "--recipient",
            &s("recipient"),
            "--body",
            &s("body"),
        ]);
        assert!(out.status.success(), "{out:?}");
        let shown: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(shown["packed"], m["packed"]);
        assert_eq!(shown["id"], m["id"]);

        let decoded = causeway(&["message", "decode", &s("packed")]);
        let decoded: serde_json::Value = serde_json::from_str(&stdout(&decoded)).unwrap();
        assert_eq!(decoded, shown);

        let id = causeway(&["message", "id", &s("packed")]);
        assert_eq!(stdout(&id).trim(), s("id"));
    }
}

#[test]
fn bad_messages_are_refused_clearly() {
    assert_clean_failure(
        &causeway(&["message", "decode", "0x0102"]),
        2,
        "shorter than the 77-byte header",
    );
    assert_clean_failure(&causeway(&["message", "id", "0xnothex"]), 2, "not hex");
    assert_clean_failure(&causeway(&["message", "decode", "0xabc"]), 2, "odd number of digits");
    let sender = format!("0x{}", "11".repeat(21));
    let out = causeway(&[
        "message",
        "encode",
        "--nonce",
        "1",
        "--origin",
        "1",
        "--sender",
        &sender,
        "--destination",
        "2",
        "--recipient",
        "0x00",
    ]);
    assert_clean_failure(
        &out,
        2,
        "--sender: expected a 20-byte EVM address or a 32-byte account, got 21 bytes",
    );
    let big = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(big.path(), vec![0u8; 64 * 1024 + 1]).unwrap();
    let addr = format!("0x{}", "22".repeat(20));
    let encode = |body_file: &str| {
        causeway(&[
            "message",
            "encode",
            "--nonce",
            "1",
            "--origin",
            "1",
            "--sender",
            &addr,
            "--destination",
            "2",
            "--recipient",
            &addr,
            "--body-file",
            body_file,
        ])
    };
    assert_clean_failure(
        &encode(big.path().to_str().unwrap()),
        2,
        "body is 65537 bytes; the maximum is 65536",
    );
    std::fs::write(big.path(), vec![0u8; 64 * 1024]).unwrap();
    assert!(encode(big.path().to_str().unwrap()).status.success());
    assert_clean_failure(
        &encode("/nonexistent/body"),
        2,
        "cannot read --body-file /nonexistent/body",
    );
}
