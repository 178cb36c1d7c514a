//! Writes the built-in vocabulary, authored as TOML in `data/vocabulary.toml`, to
//! `$OUT_DIR/vocabulary.txt` in a plain line format that `Vocabulary::builtin` splits with a
//! few lines of code. Why not ship the TOML (or JSON) itself: the WASM package never parses
//! user vocabularies, and a TOML parser (~80 KB of wasm) or serde's derived JSON reader for the
//! vocabulary (~15 KB, plus ~9 KB of quotes and keys) would be there only for this file.
//!
//! One record per line, fields separated by tabs, lists by `|`:
//! `format_version <n>`, `stopwords|filler|context <w1|w2|...>`,
//! `abbreviation <short> <expansion>`, `unit <word> <unit>`,
//! `concept <id> <label> <kind> <unit or empty> <synonym|synonym|...>`.
//! The build fails on a key it does not know or a value holding a tab, `|` or a line break.
//! A unit test checks that the result equals `Vocabulary::from_toml` of the TOML file.

use std::fmt::Write as _;
use std::path::PathBuf;

use toml::Value;

fn text<'a>(v: &'a Value, what: &str) -> &'a str {
    clean(
        v.as_str()
            .unwrap_or_else(|| panic!("data/vocabulary.toml: {what} is not a string")),
        what,
    )
}

fn clean<'a>(s: &'a str, what: &str) -> &'a str {
    assert!(
        !s.contains(['\t', '\n', '\r', '|']),
        "data/vocabulary.toml: {what} {s:?} holds a tab, a line break or `|`"
    );
    s
}

fn list(v: &Value, what: &str) -> String {
    let items = v
        .as_array()
        .unwrap_or_else(|| panic!("data/vocabulary.toml: {what} is not a list"));
    assert!(
        items.iter().all(|i| !text(i, what).is_empty()),
        "data/vocabulary.toml: {what} has an empty entry"
    );
    items
        .iter()
        .map(|i| text(i, what))
        .collect::<Vec<_>>()
        .join("|")
}

fn main() {
    println!("cargo::rerun-if-changed=data/vocabulary.toml");
    let source = std::fs::read_to_string("data/vocabulary.toml")
        .unwrap_or_else(|e| panic!("data/vocabulary.toml: {e}"));
    let file: toml::Table =
        toml::from_str(&source).unwrap_or_else(|e| panic!("data/vocabulary.toml: {e}"));
    let mut out = String::new();
    for (key, value) in &file {
        match key.as_str() {
            "format_version" => {
                let n = value
                    .as_integer()
                    .unwrap_or_else(|| panic!("data/vocabulary.toml: format_version"));
                writeln!(out, "format_version\t{n}").ok();
            }
            "stopwords" | "filler" | "context" => {
                writeln!(out, "{key}\t{}", list(value, key)).ok();
            }
            "abbreviations" | "units" => {
                let table = value
                    .as_table()
                    .unwrap_or_else(|| panic!("data/vocabulary.toml: {key} is not a table"));
                let record = if key == "units" {
                    "unit"
                } else {
                    "abbreviation"
                };
                for (k, v) in table {
                    let k = clean(k, key);
                    writeln!(out, "{record}\t{k}\t{}", text(v, &format!("{key}.{k}"))).ok();
                }
            }
            "concept" => {
                let concepts = value
                    .as_array()
                    .unwrap_or_else(|| panic!("data/vocabulary.toml: concept is not a list"));
                for c in concepts {
                    let c = c.as_table().unwrap_or_else(|| {
                        panic!("data/vocabulary.toml: a concept is not a table")
                    });
                    for k in c.keys() {
                        assert!(
                            ["id", "label", "kind", "unit", "synonyms"].contains(&k.as_str()),
                            "data/vocabulary.toml: unknown concept key {k:?}"
                        );
                    }
                    let field = |k: &str| c.get(k).map_or("", |v| text(v, k));
                    let synonyms = c
                        .get("synonyms")
                        .map_or(String::new(), |v| list(v, "synonyms"));
                    let id = field("id");
                    writeln!(
                        out,
                        "concept\t{id}\t{}\t{}\t{}\t{synonyms}",
                        field("label"),
                        field("kind"),
                        field("unit"),
                    )
                    .ok();
                }
            }
            other => panic!("data/vocabulary.toml: unknown key {other:?}"),
        }
    }
    let dir = std::env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    std::fs::write(dir.join("vocabulary.txt"), out)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
}
