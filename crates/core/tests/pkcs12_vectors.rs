//! Every PKCS#12 file in `tests/fixtures/pkcs12` (written by ten other
//! projects, see its README) gives the outcome `expected.tsv` names: the
//! right contents, or the right kind of error.

use std::path::PathBuf;

use certdesk_core::{pkcs12, Secret};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pkcs12")
}

struct Row {
    file: String,
    password: String,
    outcome: String,
    certificates: Option<usize>,
    keys: Option<usize>,
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(fixtures().join("expected.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Row {
                file: f[0].into(),
                password: f[1].into(),
                outcome: f[2].into(),
                certificates: f[3].parse().ok(),
                keys: f[4].parse().ok(),
            }
        })
        .collect()
}

#[test]
fn every_manifest_row_gives_its_expected_outcome() {
    let rows = rows();
    assert!(rows.len() >= 110, "the manifest lists {} rows", rows.len());
    let mut failures = Vec::new();
    for row in &rows {
        let bytes = std::fs::read(fixtures().join(&row.file)).unwrap();
        let got = pkcs12::read(&bytes, &Secret::from(row.password.as_str()));
        let verdict = match (&got, row.outcome.as_str()) {
            (Ok(p), "ok") => {
                let counts = (p.certificates.len(), p.keys.len());
                let expected = (row.certificates.unwrap_or(counts.0), row.keys.unwrap_or(counts.1));
                (counts == expected).then_some(()).ok_or(format!("read {counts:?}, expected {expected:?}"))
            }
            (Ok(_), want) => Err(format!("read fine, expected {want}")),
            (Err(e), want) if e.kind() == want => Ok(()),
            (Err(e), want) => Err(format!("{} ({e}), expected {want}", e.kind())),
        };
        if let Err(why) = verdict {
            failures.push(format!("{} [{}]: {why}", row.file, row.password));
        }
    }
    assert!(failures.is_empty(), "{} of {} rows failed:\n{}", failures.len(), rows.len(), failures.join("\n"));
}

#[test]
fn error_messages_never_contain_the_password() {
    for row in rows().iter().filter(|r| r.outcome != "ok" && r.password.len() > 3) {
        let bytes = std::fs::read(fixtures().join(&row.file)).unwrap();
        if let Err(e) = pkcs12::read(&bytes, &Secret::from(row.password.as_str())) {
            assert!(!e.to_string().contains(&row.password), "{}: {e}", row.file);
        }
    }
}
