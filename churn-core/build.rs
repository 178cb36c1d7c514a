//! Writes the built-in vocabulary, authored as TOML in `data/vocabulary.toml`, to
//! `$OUT_DIR/vocabulary.json`. The library reads that copy with serde_json, which it links
//! anyway for model files, so builds that never parse user TOML (the WASM package) link no
//! TOML parser.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=data/vocabulary.toml");
    let text = std::fs::read_to_string("data/vocabulary.toml")
        .unwrap_or_else(|e| panic!("data/vocabulary.toml: {e}"));
    // Through serde_json's Value: tables become objects, arrays keep their order.
    let value: serde_json::Value =
        toml::from_str(&text).unwrap_or_else(|e| panic!("data/vocabulary.toml: {e}"));
    let json = serde_json::to_string(&value).unwrap_or_else(|e| panic!("vocabulary JSON: {e}"));
    let out = std::env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    std::fs::write(out.join("vocabulary.json"), json)
        .unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
