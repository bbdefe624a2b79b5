//! The crate says what it was generated from: the record `import-references` wrote.

#[test]
fn the_crate_names_its_references() {
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../references/source.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let source = record["source"].as_str().unwrap();
    let file = source.rsplit('/').next().unwrap();
    assert!(
        tc_client::REFERENCES.contains(file),
        "{}",
        tc_client::REFERENCES
    );
    assert_eq!(
        tc_client::REFERENCES_SHA256,
        record["sha256"].as_str().unwrap()
    );
}
