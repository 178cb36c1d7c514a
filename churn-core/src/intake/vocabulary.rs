//! The churn vocabulary: concepts that churn tables hold (customer id, tenure, monthly charges,
//! contract, support tickets, churn label, ...) with the names real exports give them, and the
//! header normalisation that makes those names comparable.
//!
//! The built-in vocabulary is `data/vocabulary.toml`, compiled into the crate. Both headers and
//! target feature names are resolved against it, so a model whose feature is `monthly_charges`
//! receives a column headed `MRR`.
//!
//! ```
//! use churn_core::Vocabulary;
//! let vocab = Vocabulary::builtin();
//! assert_eq!(vocab.normalize("Monthly Charge ($)").tokens, ["monthly", "charge"]);
//! assert_eq!(vocab.resolve("MRR")[0].concept, "monthly_charges");
//! assert_eq!(vocab.resolve("RowNumber")[0].concept, "row_number");
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The text of the built-in vocabulary file.
///
/// ```
/// assert!(churn_core::vocabulary::BUILTIN_VOCABULARY_TOML.contains("[[concept]]"));
/// ```
pub const BUILTIN_VOCABULARY_TOML: &str = include_str!("../../data/vocabulary.toml");

/// The same file in the line format `build.rs` writes (its header says why and how):
/// [`Vocabulary::builtin`] reads this, so that a build that never parses user vocabularies (the
/// WASM package) links neither a TOML parser nor serde's reader for the vocabulary.
const BUILTIN_VOCABULARY_LINES: &str = include_str!(concat!(env!("OUT_DIR"), "/vocabulary.txt"));

/// What values a concept holds; guides value-based evidence when mapping columns.
///
/// ```
/// let v = churn_core::Vocabulary::builtin();
/// assert_eq!(v.concept("seats").unwrap().kind, churn_core::ConceptKind::Count);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConceptKind {
    /// Unique per customer (customer id, account number).
    Identifier,
    /// The churn outcome: two values.
    Label,
    /// Non-negative whole numbers (tickets, seats, months).
    Count,
    /// Money amounts.
    Currency,
    /// Any number.
    Numeric,
    /// A small set of levels (contract, plan).
    Categorical,
    /// Two values: yes/no, true/false, 1/0.
    Boolean,
    /// Calendar dates.
    Date,
    /// Free text (names, reasons).
    Text,
    /// No expectation.
    Any,
}

/// One concept of the vocabulary.
///
/// ```
/// let c = churn_core::Vocabulary::builtin().concept("monthly_charges").unwrap();
/// assert!(c.synonyms.iter().any(|s| s == "mrr"));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Concept {
    /// Stable id, e.g. `monthly_charges`.
    pub id: String,
    /// Human-readable name.
    #[serde(default)]
    pub label: String,
    /// What values it holds.
    pub kind: ConceptKind,
    /// Usual unit (`months`, `currency`, `years`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Names it goes by, as free text.
    #[serde(default)]
    pub synonyms: Vec<String>,
}

/// A header after normalisation.
///
/// ```
/// let k = churn_core::Vocabulary::builtin().normalize("Customer Tenure (months)");
/// assert_eq!(k.tokens, ["customer", "tenure"]);
/// assert!(k.variants.iter().any(|(t, _)| t == &["tenure"]));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct HeaderKey {
    /// Normalised tokens of the whole header (lowercase, split, abbreviations expanded,
    /// singular, stopwords and unit words in brackets removed).
    pub tokens: Vec<String>,
    /// The unit the header names, normalised (`months`, `days`, `years`, `currency`,
    /// `percent`), if any.
    pub unit: Option<String>,
    /// Readings of the header to try, each with a weight <= 1: the whole header, its last
    /// dotted segment, without a leading entity word ("Customer Tenure" -> tenure), without a
    /// trailing unit word ("tenure_months" -> tenure).
    pub variants: Vec<(Vec<String>, f64)>,
}

/// A concept a header may denote, with a similarity score in 0..1.
///
/// ```
/// let m = &churn_core::Vocabulary::builtin().resolve("Tot. Charges")[0];
/// assert_eq!((m.concept.as_str(), m.score), ("total_charges", 1.0));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ConceptMatch {
    /// Concept id.
    pub concept: String,
    /// 1 for an exact synonym; lower for fuzzy matches.
    pub score: f64,
    /// The synonym that matched best.
    pub synonym: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabularyFile {
    format_version: u32,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    filler: Vec<String>,
    #[serde(default)]
    context: Vec<String>,
    #[serde(default)]
    abbreviations: BTreeMap<String, String>,
    #[serde(default)]
    units: BTreeMap<String, String>,
    #[serde(default, rename = "concept")]
    concepts: Vec<Concept>,
}

impl VocabularyFile {
    /// Reads the line format of `build.rs`; `None` if a line does not fit it.
    fn from_lines(text: &str) -> Option<VocabularyFile> {
        let list = |s: &str| -> Vec<String> {
            s.split('|')
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect()
        };
        let mut file = VocabularyFile {
            format_version: 0,
            stopwords: Vec::new(),
            filler: Vec::new(),
            context: Vec::new(),
            abbreviations: BTreeMap::new(),
            units: BTreeMap::new(),
            concepts: Vec::new(),
        };
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            match f[..] {
                ["format_version", n] => file.format_version = n.parse().ok()?,
                ["stopwords", w] => file.stopwords = list(w),
                ["filler", w] => file.filler = list(w),
                ["context", w] => file.context = list(w),
                ["abbreviation", k, v] => {
                    file.abbreviations.insert(k.to_string(), v.to_string());
                }
                ["unit", k, v] => {
                    file.units.insert(k.to_string(), v.to_string());
                }
                ["concept", id, label, kind, unit, synonyms] => file.concepts.push(Concept {
                    id: id.to_string(),
                    label: label.to_string(),
                    kind: ConceptKind::named(kind)?,
                    unit: (!unit.is_empty()).then(|| unit.to_string()),
                    synonyms: list(synonyms),
                }),
                _ => return None,
            }
        }
        Some(file)
    }
}

impl ConceptKind {
    /// The kind a vocabulary file names (its serde name, read by the derived reader).
    fn named(name: &str) -> Option<ConceptKind> {
        use serde::de::IntoDeserializer;
        let name: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            name.into_deserializer();
        ConceptKind::deserialize(name).ok()
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Synonym {
    concept: usize,
    tokens: Vec<String>,
    text: String,
}

/// Concepts, synonyms and the word lists used to normalise headers.
///
/// ```
/// use churn_core::Vocabulary;
/// let mut vocab = Vocabulary::builtin().clone();
/// vocab.add_synonyms("seats", &["workspace members"])?;
/// assert_eq!(vocab.resolve("Workspace Members")[0].concept, "seats");
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Vocabulary {
    concepts: Vec<Concept>,
    stopwords: HashSet<String>,
    filler: HashSet<String>,
    context: HashSet<String>,
    abbreviations: HashMap<String, Vec<String>>,
    units: HashMap<String, String>,
    lexicon: HashSet<String>,
    synonyms: Vec<Synonym>,
    exact: HashMap<String, Vec<usize>>,
    by_prefix: HashMap<String, Vec<usize>>,
}

/// Longest header (in characters) that gets fuzzy matching; longer ones only match exactly.
const MAX_FUZZY_CHARS: usize = 80;
/// Longest token the run-together splitter tries to segment.
const MAX_SEGMENT_CHARS: usize = 40;

impl Vocabulary {
    /// The built-in vocabulary (parsed once, then shared).
    ///
    /// ```
    /// let v = churn_core::Vocabulary::builtin();
    /// assert!(v.concept("tenure").is_some());
    /// assert!(v.concepts().len() > 50);
    /// ```
    pub fn builtin() -> &'static Vocabulary {
        static BUILTIN: OnceLock<Vocabulary> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let parsed = VocabularyFile::from_lines(BUILTIN_VOCABULARY_LINES)
                .ok_or_else(|| Error::Vocabulary {
                    field: "file".into(),
                    reason: "the built-in vocabulary is damaged".into(),
                })
                .and_then(Vocabulary::from_file);
            match parsed {
                Ok(v) => v,
                // The file is compiled in and checked by this crate's tests; an empty
                // vocabulary (exact names only) is the safe fallback rather than a panic.
                Err(_) => Vocabulary::empty(),
            }
        })
    }

    /// A vocabulary with no concepts and no word lists: mapping then uses names only.
    ///
    /// ```
    /// assert!(churn_core::Vocabulary::empty().concepts().is_empty());
    /// ```
    pub fn empty() -> Vocabulary {
        Vocabulary {
            concepts: Vec::new(),
            stopwords: HashSet::new(),
            filler: HashSet::new(),
            context: HashSet::new(),
            abbreviations: HashMap::new(),
            units: HashMap::new(),
            lexicon: HashSet::new(),
            synonyms: Vec::new(),
            exact: HashMap::new(),
            by_prefix: HashMap::new(),
        }
    }

    /// Parses a vocabulary file in the format of the built-in `data/vocabulary.toml`.
    ///
    /// ```
    /// let v = churn_core::Vocabulary::from_toml(r#"
    ///     format_version = 1
    ///     [[concept]]
    ///     id = "seats"
    ///     kind = "count"
    ///     synonyms = ["seats", "licences"]
    /// "#)?;
    /// assert_eq!(v.resolve("Seats")[0].concept, "seats");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn from_toml(text: &str) -> Result<Vocabulary> {
        let file: VocabularyFile = toml::from_str(text).map_err(|e| Error::Vocabulary {
            field: e
                .span()
                .map(|s| format!("byte {}", s.start))
                .unwrap_or_else(|| "file".into()),
            reason: e.message().to_string(),
        })?;
        Vocabulary::from_file(file)
    }

    fn from_file(file: VocabularyFile) -> Result<Vocabulary> {
        if file.format_version != 1 {
            return Err(Error::Vocabulary {
                field: "format_version".into(),
                reason: format!(
                    "version {} is not supported (expected 1)",
                    file.format_version
                ),
            });
        }
        let mut v = Vocabulary::empty();
        let lower = |w: &String| w.trim().to_lowercase();
        v.stopwords = file.stopwords.iter().map(lower).collect();
        v.filler = file.filler.iter().map(lower).collect();
        v.context = file.context.iter().map(lower).collect();
        for (k, val) in &file.abbreviations {
            let words: Vec<String> = val.split_whitespace().map(str::to_lowercase).collect();
            if words.is_empty() {
                return Err(Error::Vocabulary {
                    field: format!("abbreviations.{k}"),
                    reason: "the expansion is empty".into(),
                });
            }
            v.abbreviations.insert(k.trim().to_lowercase(), words);
        }
        v.units = file
            .units
            .iter()
            .map(|(k, u)| (k.trim().to_lowercase(), u.trim().to_string()))
            .collect();
        let mut seen = HashSet::new();
        for c in &file.concepts {
            if c.id.trim().is_empty() {
                return Err(Error::Vocabulary {
                    field: "concept".into(),
                    reason: "a concept has an empty id".into(),
                });
            }
            if !seen.insert(c.id.clone()) {
                return Err(Error::Vocabulary {
                    field: format!("concept `{}`", c.id),
                    reason: "the id is defined twice".into(),
                });
            }
        }
        v.concepts = file.concepts;
        v.reindex();
        Ok(v)
    }

    /// All concepts, in file order.
    ///
    /// ```
    /// let ids: Vec<_> = churn_core::Vocabulary::builtin().concepts().iter().map(|c| &c.id).collect();
    /// assert!(ids.iter().any(|id| *id == "churn"));
    /// ```
    pub fn concepts(&self) -> &[Concept] {
        &self.concepts
    }

    /// The concept with this id.
    ///
    /// ```
    /// let c = churn_core::Vocabulary::builtin().concept("churn").unwrap();
    /// assert_eq!(c.kind, churn_core::ConceptKind::Label);
    /// ```
    pub fn concept(&self, id: &str) -> Option<&Concept> {
        self.concepts.iter().find(|c| c.id == id)
    }

    /// Adds synonyms to an existing concept.
    ///
    /// ```
    /// let mut v = churn_core::Vocabulary::builtin().clone();
    /// v.add_synonyms("tenure", &["time on books"])?;
    /// assert!(v.add_synonyms("no_such_concept", &["x"]).is_err());
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn add_synonyms(&mut self, concept: &str, synonyms: &[&str]) -> Result<()> {
        let c = self
            .concepts
            .iter_mut()
            .find(|c| c.id == concept)
            .ok_or_else(|| Error::Vocabulary {
                field: format!("concept `{concept}`"),
                reason: "no such concept".into(),
            })?;
        c.synonyms.extend(synonyms.iter().map(|s| s.to_string()));
        self.reindex();
        Ok(())
    }

    /// Adds a new concept (its id must be new).
    ///
    /// ```
    /// use churn_core::{Concept, ConceptKind, Vocabulary};
    /// let mut v = Vocabulary::builtin().clone();
    /// v.add_concept(Concept { id: "nps_detractor".into(), label: "NPS detractor".into(),
    ///     kind: ConceptKind::Boolean, unit: None, synonyms: vec!["detractor".into()] })?;
    /// assert_eq!(v.resolve("Detractor")[0].concept, "nps_detractor");
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn add_concept(&mut self, concept: Concept) -> Result<()> {
        if self.concept(&concept.id).is_some() {
            return Err(Error::Vocabulary {
                field: format!("concept `{}`", concept.id),
                reason: "the id already exists".into(),
            });
        }
        self.concepts.push(concept);
        self.reindex();
        Ok(())
    }

    fn reindex(&mut self) {
        self.lexicon.clear();
        for w in self.abbreviations.keys() {
            self.lexicon.insert(w.clone());
        }
        for ws in self.abbreviations.values() {
            self.lexicon.extend(ws.iter().cloned());
        }
        self.lexicon.extend(self.stopwords.iter().cloned());
        self.lexicon.extend(self.units.keys().cloned());
        let mut raw_words = Vec::new();
        for c in &self.concepts {
            for s in c.synonyms.iter().chain(std::iter::once(&c.id)) {
                for seg in split_segments(s).0 {
                    raw_words.extend(seg);
                }
            }
        }
        for w in raw_words {
            let st = stem(&w);
            self.lexicon.insert(st);
            self.lexicon.insert(w);
        }
        self.lexicon.retain(|w| w.chars().count() >= 2);

        self.synonyms.clear();
        self.exact.clear();
        self.by_prefix.clear();
        for ci in 0..self.concepts.len() {
            let texts: Vec<String> = self.concepts[ci].synonyms.clone();
            for text in texts {
                let key = self.normalize(&text);
                if key.tokens.is_empty() {
                    continue;
                }
                let idx = self.synonyms.len();
                self.exact
                    .entry(exact_key(&key.tokens))
                    .or_default()
                    .push(idx);
                self.exact.entry(key.tokens.concat()).or_default().push(idx);
                for t in &key.tokens {
                    self.by_prefix.entry(prefix3(t)).or_default().push(idx);
                }
                self.synonyms.push(Synonym {
                    concept: ci,
                    tokens: key.tokens,
                    text,
                });
            }
        }
        for list in self.exact.values_mut().chain(self.by_prefix.values_mut()) {
            crate::order::sort(list);
            list.dedup();
        }
    }

    /// Normalises a header (or a feature name): splits words at punctuation, case changes and
    /// digits, splits run-together words found in the vocabulary (`totalcharges`), lowercases,
    /// expands abbreviations (`cust`, `amt`, `num`, `avg`, `mo`, `chg`, ...), makes plurals
    /// singular, drops stopwords, and reads units from brackets or a trailing unit word.
    ///
    /// ```
    /// let v = churn_core::Vocabulary::builtin();
    /// assert_eq!(v.normalize("cust_MonthlyChg_Amt").tokens, ["customer", "monthly", "charge", "amount"]);
    /// assert_eq!(v.normalize("TOTALCHARGES").tokens, ["total", "charge"]);
    /// let k = v.normalize("Tenure (months)");
    /// assert_eq!((k.tokens.as_slice(), k.unit.as_deref()), (&["tenure".to_string()][..], Some("months")));
    /// assert_eq!(v.normalize("billing.mrr").variants[1].0, ["mrr"]);
    /// ```
    pub fn normalize(&self, header: &str) -> HeaderKey {
        let (segments, bracket) = split_segments(header);
        let mut unit: Option<String> = None;
        let mut extra: Vec<String> = Vec::new();
        let bracket: Vec<String> = bracket.iter().flat_map(|w| self.expand_word(w)).collect();
        // A bracket naming a unit or a time window ("(months)", "[USD]", "(last 90 days)")
        // qualifies the header: only its unit is kept. So is a list of values ("(Yes/No)").
        let qualifier = bracket.iter().any(|t| {
            self.units.contains_key(t)
                || matches!(t.as_str(), "last" | "past" | "trailing" | "rolling" | "ago")
        }) || bracket.iter().all(|t| {
            matches!(
                t.as_str(),
                "yes" | "no" | "number" | "y" | "n" | "true" | "false" | "t" | "f" | "1" | "0"
            )
        });
        for t in bracket {
            if let Some(u) = self.units.get(&t) {
                unit.get_or_insert_with(|| u.clone());
            } else if !qualifier && !self.stopwords.contains(&t) {
                extra.push(t);
            }
        }
        let segs: Vec<Vec<String>> = segments
            .iter()
            .map(|seg| seg.iter().flat_map(|w| self.expand_word(w)).collect())
            .collect();
        let clean = |ts: Vec<String>| -> Vec<String> {
            let kept: Vec<String> = ts
                .iter()
                .filter(|t| !self.stopwords.contains(*t))
                .cloned()
                .collect();
            if kept.is_empty() {
                ts
            } else {
                kept
            }
        };
        let mut full: Vec<String> = segs.iter().flatten().cloned().collect();
        full.extend(extra.iter().cloned());
        let full = clean(full);
        // A symbol unit anywhere ("Monthly Charge $") or a trailing unit word.
        for t in &full {
            if matches!(t.as_str(), "usd" | "eur" | "gbp" | "percent") {
                if let Some(u) = self.units.get(t) {
                    unit.get_or_insert_with(|| u.clone());
                }
            }
        }
        let mut variants: Vec<(Vec<String>, f64)> = Vec::new();
        let push = |ts: Vec<String>, w: f64, variants: &mut Vec<(Vec<String>, f64)>| {
            if ts.is_empty() {
                return;
            }
            if let Some(v) = variants.iter_mut().find(|(t, _)| *t == ts) {
                v.1 = v.1.max(w);
            } else {
                variants.push((ts, w));
            }
        };
        push(full.clone(), 1.0, &mut variants);
        if segs.len() > 1 {
            if let Some(last) = segs.last() {
                let mut l = last.clone();
                l.extend(extra.iter().cloned());
                push(clean(l), 0.99, &mut variants);
            }
        }
        let base: Vec<(Vec<String>, f64)> = variants.clone();
        for (ts, w) in base {
            // Without a trailing unit word.
            if ts.len() >= 2 {
                if let Some(u) = ts.last().and_then(|t| self.units.get(t)) {
                    let rest = ts[..ts.len() - 1].to_vec();
                    if rest.iter().any(|t| !t.chars().all(|c| c.is_ascii_digit())) {
                        unit.get_or_insert_with(|| u.clone());
                        push(rest, w * 0.98, &mut variants);
                    }
                }
            }
        }
        let base: Vec<(Vec<String>, f64)> = variants.clone();
        for (ts, w) in base {
            // Without a leading entity word.
            if ts.len() >= 2 && self.context.contains(&ts[0]) {
                push(ts[1..].to_vec(), w * 0.96, &mut variants);
            }
        }
        HeaderKey {
            tokens: full,
            unit,
            variants,
        }
    }

    /// Lowercases, segments run-together words, expands abbreviations and stems one raw word.
    fn expand_word(&self, word: &str) -> Vec<String> {
        let w = word.to_lowercase();
        let parts = if self.lexicon.contains(&w)
            || self.abbreviations.contains_key(&w)
            || self.lexicon.contains(&stem(&w))
        {
            vec![w]
        } else {
            self.segment(&w).unwrap_or_else(|| vec![w])
        };
        let mut out = Vec::new();
        for p in parts {
            match self.abbreviations.get(&p) {
                Some(exp) => out.extend(exp.iter().map(|e| stem(e))),
                None => out.push(stem(&p)),
            }
        }
        out
    }

    /// Splits a run-together lowercase word into known words (fewest pieces, each >= 2 chars),
    /// e.g. `monthlycharges` -> `monthly` + `charges`. `None` when no full split exists.
    fn segment(&self, w: &str) -> Option<Vec<String>> {
        let chars: Vec<char> = w.chars().collect();
        let n = chars.len();
        if !(4..=MAX_SEGMENT_CHARS).contains(&n) || !chars.iter().all(|c| c.is_alphanumeric()) {
            return None;
        }
        // best[i] = (pieces, start of last piece) for chars[..i]
        let mut best: Vec<Option<(usize, usize)>> = vec![None; n + 1];
        best[0] = Some((0, 0));
        for i in 1..=n {
            for j in 0..i {
                let Some((pieces, _)) = best[j] else { continue };
                let piece: String = chars[j..i].iter().collect();
                let ok = (i - j >= 2 && self.lexicon.contains(&piece))
                    || piece.chars().all(|c| c.is_ascii_digit());
                let better = match best[i] {
                    None => true,
                    Some((p, _)) => pieces + 1 < p,
                };
                if ok && better {
                    best[i] = Some((pieces + 1, j));
                }
            }
        }
        let (pieces, _) = best[n]?;
        if !(2..=5).contains(&pieces) {
            return None;
        }
        let mut out = Vec::new();
        let mut i = n;
        while i > 0 {
            let (_, j) = best[i]?;
            out.push(chars[j..i].iter().collect::<String>());
            i = j;
        }
        out.reverse();
        Some(out)
    }

    /// The concepts a header may denote, best first (at most 5, each scoring at least 0.6).
    ///
    /// ```
    /// let v = churn_core::Vocabulary::builtin();
    /// let m = v.resolve("Churn Score");
    /// assert_eq!(m[0].concept, "churn_score");
    /// assert_eq!(m[0].score, 1.0);
    /// assert_eq!(v.resolve("Monthly Charegs")[0].concept, "monthly_charges"); // typo
    /// ```
    pub fn resolve(&self, header: &str) -> Vec<ConceptMatch> {
        let key = self.normalize(header);
        self.resolve_key(&key, header.chars().count() <= MAX_FUZZY_CHARS)
    }

    pub(crate) fn resolve_key(&self, key: &HeaderKey, fuzzy: bool) -> Vec<ConceptMatch> {
        let mut best: HashMap<usize, (f64, usize)> = HashMap::new();
        let mut note = |concept: usize, score: f64, syn: usize| {
            let e = best.entry(concept).or_insert((0.0, syn));
            if score > e.0 {
                *e = (score, syn);
            }
        };
        for (tokens, w) in &key.variants {
            let mut exact_hit = false;
            for k in [exact_key(tokens), tokens.concat()] {
                if let Some(list) = self.exact.get(&k) {
                    for &si in list {
                        note(self.synonyms[si].concept, *w, si);
                        exact_hit = true;
                    }
                }
            }
            if !fuzzy || tokens.len() > 10 {
                continue;
            }
            let mut cands: Vec<usize> = Vec::new();
            for t in tokens {
                if let Some(list) = self.by_prefix.get(&prefix3(t)) {
                    cands.extend_from_slice(list);
                }
            }
            crate::order::sort(&mut cands);
            cands.dedup();
            for si in cands {
                let syn = &self.synonyms[si];
                let s = token_similarity(tokens, &syn.tokens, &self.filler);
                if s >= 0.6 && (!exact_hit || s < 1.0) {
                    note(syn.concept, s * w, si);
                }
            }
        }
        let mut out: Vec<ConceptMatch> = best
            .into_iter()
            .filter(|(_, (s, _))| *s >= 0.6)
            .map(|(ci, (score, si))| ConceptMatch {
                concept: self.concepts[ci].id.clone(),
                score,
                synonym: self.synonyms[si].text.clone(),
            })
            .collect();
        crate::order::sort_by(&mut out, |a, b| {
            b.score.total_cmp(&a.score).then(a.concept.cmp(&b.concept))
        });
        out.truncate(5);
        out
    }

    /// Similarity (0..1) of two normalised token lists, as used for headers vs synonyms and
    /// headers vs feature names: 1 for the same words in any order; otherwise a weighted Dice
    /// overlap where words may differ by a typo or be prefixes, or the normalised
    /// Damerau-Levenshtein similarity of the run-together strings, whichever is higher.
    ///
    /// ```
    /// let v = churn_core::Vocabulary::builtin();
    /// let a = v.normalize("charges monthly").tokens;
    /// let b = v.normalize("MonthlyCharges").tokens;
    /// assert_eq!(v.similarity(&a, &b), 1.0);
    /// ```
    pub fn similarity(&self, a: &[String], b: &[String]) -> f64 {
        token_similarity(a, b, &self.filler)
    }
}

fn exact_key(tokens: &[String]) -> String {
    let mut t: Vec<&str> = tokens.iter().map(String::as_str).collect();
    crate::order::sort(&mut t);
    t.join(" ")
}

fn prefix3(t: &str) -> String {
    t.chars().take(3).collect()
}

/// Singular form of an English word, conservatively.
pub(crate) fn stem(w: &str) -> String {
    let n = w.chars().count();
    if n <= 3 || !w.is_ascii() {
        return w.to_string();
    }
    if let Some(base) = w.strip_suffix("ies") {
        if n > 4 {
            return format!("{base}y");
        }
    }
    if let Some(base) = w.strip_suffix("sses") {
        return format!("{base}ss");
    }
    if w.ends_with("ss") || w.ends_with("us") || w.ends_with("is") || w.ends_with("os") {
        return w.to_string();
    }
    if let Some(base) = w.strip_suffix('s') {
        return base.to_string();
    }
    w.to_string()
}

/// Splits a raw header into dotted segments of raw words, plus the words found inside brackets.
fn split_segments(raw: &str) -> (Vec<Vec<String>>, Vec<String>) {
    let raw = raw.trim_start_matches('\u{feff}').trim();
    let chars: Vec<char> = raw.chars().take(512).collect();
    let mut segments: Vec<Vec<String>> = vec![Vec::new()];
    let mut bracket: Vec<String> = Vec::new();
    let mut depth = 0usize;
    let mut word = String::new();
    let flush =
        |word: &mut String, depth: usize, segs: &mut Vec<Vec<String>>, br: &mut Vec<String>| {
            if word.is_empty() {
                return;
            }
            let parts = camel_split(word);
            if depth > 0 {
                br.extend(parts);
            } else if let Some(last) = segs.last_mut() {
                last.extend(parts);
            }
            word.clear();
        };
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '(' | '[' | '{' | '<' => {
                flush(&mut word, depth, &mut segments, &mut bracket);
                depth += 1;
            }
            ')' | ']' | '}' | '>' => {
                flush(&mut word, depth, &mut segments, &mut bracket);
                depth = depth.saturating_sub(1);
            }
            '$' | '€' | '£' | '%' | '#' => {
                flush(&mut word, depth, &mut segments, &mut bracket);
                let s = c.to_string();
                if depth > 0 {
                    bracket.push(s);
                } else if let Some(last) = segments.last_mut() {
                    last.push(s);
                }
            }
            '.' => {
                flush(&mut word, depth, &mut segments, &mut bracket);
                let prev_alnum = i > 0 && chars[i - 1].is_alphanumeric();
                let next_alpha = chars.get(i + 1).is_some_and(|n| n.is_alphabetic());
                if depth == 0
                    && prev_alnum
                    && next_alpha
                    && segments.last().is_some_and(|s| !s.is_empty())
                {
                    segments.push(Vec::new());
                }
            }
            c if c.is_alphanumeric() => word.push(c),
            _ => flush(&mut word, depth, &mut segments, &mut bracket),
        }
    }
    flush(&mut word, depth, &mut segments, &mut bracket);
    segments.retain(|s| !s.is_empty());
    (segments, bracket)
}

/// Splits `MonthlyCharges`, `CLTVScore`, `Months12` at case and digit boundaries.
fn camel_split(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for i in 0..chars.len() {
        let c = chars[i];
        if i > 0 {
            let p = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let boundary = (p.is_lowercase() && c.is_uppercase())
                || (p.is_uppercase() && c.is_uppercase() && next_lower)
                || (p.is_alphabetic() && c.is_ascii_digit())
                || (p.is_ascii_digit() && c.is_alphabetic());
            if boundary && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out.into_iter().map(|w| w.to_lowercase()).collect()
}

fn word_weight(t: &str, filler: &HashSet<String>) -> f64 {
    if filler.contains(t) || t.chars().count() == 1 || t.chars().all(|c| c.is_ascii_digit()) {
        0.3
    } else {
        1.0
    }
}

/// How alike two single words are: 1 equal, 0.9 a typo apart, 0.75 an abbreviation prefix.
fn word_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    // Damerau-Levenshtein similarity >= 0.8 needs lengths within 20% of each other.
    if la >= 5
        && lb >= 5
        && la.abs_diff(lb) * 5 <= la.max(lb)
        && strsim::normalized_damerau_levenshtein(a, b) >= 0.8
    {
        return 0.9;
    }
    let (short, long, ls, ll) = if la <= lb {
        (a, b, la, lb)
    } else {
        (b, a, lb, la)
    };
    if ls >= 3
        && ll >= ls + 2
        && long.starts_with(short)
        && !short.chars().all(|c| c.is_ascii_digit())
    {
        return 0.75;
    }
    0.0
}

pub(crate) fn token_similarity(a: &[String], b: &[String], filler: &HashSet<String>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a.concat() == b.concat() || (a.len() == b.len() && exact_key(a) == exact_key(b)) {
        return 1.0;
    }
    // Greedy soft matching of words, strongest pairs first.
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            let s = word_similarity(x, y);
            if s > 0.0 {
                pairs.push((s, i, j));
            }
        }
    }
    crate::order::sort_by(&mut pairs, |p, q| q.0.total_cmp(&p.0));
    let mut used_a = vec![false; a.len()];
    let mut used_b = vec![false; b.len()];
    let mut matched = 0.0;
    for (s, i, j) in pairs {
        if used_a[i] || used_b[j] {
            continue;
        }
        used_a[i] = true;
        used_b[j] = true;
        matched += s * word_weight(&a[i], filler).min(word_weight(&b[j], filler));
    }
    let wa: f64 = a.iter().map(|t| word_weight(t, filler)).sum();
    let wb: f64 = b.iter().map(|t| word_weight(t, filler)).sum();
    let dice = if wa + wb > 0.0 {
        2.0 * matched / (wa + wb)
    } else {
        0.0
    };
    let (ja, jb) = (a.concat(), b.concat());
    let (na, nb) = (ja.chars().count(), jb.chars().count());
    // A similarity >= 0.85 needs lengths within 15% of each other.
    let lev = if na >= 6 && nb >= 6 && na.abs_diff(nb) * 100 <= 15 * na.max(nb) {
        let s = strsim::normalized_damerau_levenshtein(&ja, &jb);
        if s >= 0.85 {
            s
        } else {
            0.0
        }
    } else {
        0.0
    };
    dice.max(lev).min(0.99)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_parses() {
        let v = Vocabulary::from_toml(BUILTIN_VOCABULARY_TOML).expect("built-in vocabulary");
        assert!(v.concepts().len() > 100);
        assert!(v.synonyms.len() > 1000);
        // The line format that build.rs writes holds the same vocabulary.
        assert_eq!(Vocabulary::builtin(), &v);
    }

    #[test]
    fn concept_kinds_are_read_by_their_serde_names() {
        assert_eq!(ConceptKind::named("count"), Some(ConceptKind::Count));
        assert_eq!(
            ConceptKind::named("identifier"),
            Some(ConceptKind::Identifier)
        );
        assert_eq!(ConceptKind::named("Count"), None);
        assert_eq!(ConceptKind::named(""), None);
    }

    #[test]
    fn damaged_lines_are_refused() {
        assert!(VocabularyFile::from_lines("format_version\t1\n").is_some());
        assert!(VocabularyFile::from_lines("format_version\tone\n").is_none());
        assert!(VocabularyFile::from_lines("concept\tx\tX\tsize\t\tx\n").is_none());
        assert!(VocabularyFile::from_lines("synonyms\tx\n").is_none());
    }

    #[test]
    fn camel_and_digits() {
        assert_eq!(camel_split("CLTVScore"), ["cltv", "score"]);
        assert_eq!(camel_split("Months12Mon"), ["months", "12", "mon"]);
        assert_eq!(camel_split("customerID"), ["customer", "id"]);
    }

    #[test]
    fn stems() {
        assert_eq!(stem("charges"), "charge");
        assert_eq!(stem("addresses"), "address");
        assert_eq!(stem("status"), "status");
        assert_eq!(stem("categories"), "category");
        assert_eq!(stem("yes"), "yes");
    }

    #[test]
    fn normalisation_examples() {
        let v = Vocabulary::builtin();
        assert_eq!(v.normalize("NumOfProducts").tokens, ["number", "product"]);
        assert_eq!(v.normalize("paymentmethod").tokens, ["payment", "method"]);
        assert_eq!(v.resolve("CLIENTNUM")[0].concept, "customer_id");
        assert_eq!(
            v.normalize("Monthly Charge ($)").unit.as_deref(),
            Some("currency")
        );
        assert_eq!(v.normalize("tenure_mo").unit.as_deref(), Some("months"));
        assert_eq!(v.normalize("").tokens, Vec::<String>::new());
        assert_eq!(v.normalize("((((").tokens, Vec::<String>::new());
    }

    #[test]
    fn resolves_lookalikes_to_their_own_concepts() {
        let v = Vocabulary::builtin();
        for (h, c) in [
            ("TechSupport", "tech_support"),
            ("RowNumber", "row_number"),
            ("Churn Score", "churn_score"),
            ("AnnualRevenue", "annual_revenue"),
            ("Total day charge", "total_day_charge"),
            ("CustServ Calls", "support_tickets"),
        ] {
            assert_eq!(
                v.resolve(h).first().map(|m| m.concept.as_str()),
                Some(c),
                "{h}"
            );
        }
    }
}

#[cfg(test)]
mod collision_tests {
    use super::*;

    /// Two concepts must not share a normalised synonym: stopword removal or abbreviations can
    /// make distinct names collide ("churned at" -> "churned").
    #[test]
    fn no_synonym_means_two_concepts() {
        let v = Vocabulary::from_toml(BUILTIN_VOCABULARY_TOML).expect("built-in vocabulary");
        let mut clashes = Vec::new();
        for (key, list) in &v.exact {
            let mut concepts: Vec<&str> = list
                .iter()
                .map(|&i| v.concepts[v.synonyms[i].concept].id.as_str())
                .collect();
            concepts.sort_unstable();
            concepts.dedup();
            if concepts.len() > 1 {
                clashes.push(format!("{key:?}: {concepts:?}"));
            }
        }
        clashes.sort();
        assert!(
            clashes.is_empty(),
            "synonym clashes:\n{}",
            clashes.join("\n")
        );
    }
}
