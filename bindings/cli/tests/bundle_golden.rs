//! `churnlens bundle build` on the demo inputs, byte for byte.
//!
//! The golden bundle was written by the CLI before bundle building moved into the core (issue
//! 19): rebuilding it must give the same bytes, so the move changed no one's bundles. When a
//! change is *meant* to alter the bundle, regenerate it with
//! `CHURNLENS_BLESS=1 cargo test -p churnlens-cli --test bundle_golden` and say why in the commit.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

fn root(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// The demo bundle's model and schema as the files a user would have.
fn demo_inputs(dir: &Path) {
    let demo = churn_core::Bundle::load(root("examples/demo/telco_bundle.json")).expect("demo");
    std::fs::write(dir.join("model.json"), demo.model_bytes()).expect("model");
    std::fs::write(dir.join("schema.json"), demo.schema().to_json()).expect("schema");
}

#[test]
fn bundle_build_on_the_demo_inputs_is_unchanged() {
    let dir = TempDir::new().expect("tempdir");
    demo_inputs(dir.path());
    Command::new(env!("CARGO_BIN_EXE_churnlens"))
        .current_dir(dir.path())
        .args([
            "bundle",
            "build",
            "--model",
            "model.json",
            "--schema",
            "schema.json",
            "--out",
            "built.json",
            "--description",
            "golden",
            "--created",
            "2026-12-01T00:00:00Z",
            "--training",
        ])
        .arg(root("examples/data/telco.csv"))
        .assert()
        .success();
    let got = std::fs::read(dir.path().join("built.json")).expect("built bundle");
    let path = root("tests/golden/telco.bundle.json");
    if std::env::var_os("CHURNLENS_BLESS").is_some() {
        std::fs::write(&path, &got).expect("write golden file");
        return;
    }
    let want = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (bless with CHURNLENS_BLESS=1)", path.display()));
    if want != got {
        let (w, g) = (
            String::from_utf8_lossy(&want),
            String::from_utf8_lossy(&got),
        );
        let line = w
            .lines()
            .zip(g.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| w.lines().count().min(g.lines().count()));
        panic!(
            "the built bundle differs from {} at line {}:\n want: {}\n  got: {}",
            path.display(),
            line + 1,
            w.lines().nth(line).unwrap_or("<end of file>"),
            g.lines().nth(line).unwrap_or("<end of file>"),
        );
    }
}
