//! Name and concept evidence: what a header and a feature are called once the vocabulary
//! has normalised them, and how well the names (and the concepts they resolve to) agree.

use std::collections::HashMap;

use super::MatchSource;
use crate::intake::schema::FeatureSpec;
use crate::intake::vocabulary::{ConceptKind, ConceptMatch, HeaderKey, Vocabulary};

/// The first word most headers share (`cust_` in `cust_id, cust_tenure, cust_mrr`).
pub(super) fn shared_prefix(headers: &[String], vocab: &Vocabulary) -> Option<String> {
    if headers.len() < 3 {
        return None;
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    for h in headers.iter().take(2000) {
        let first = h
            .trim()
            .split(|c: char| !c.is_alphanumeric())
            .find(|w| !w.is_empty())
            .map(str::to_lowercase);
        if let Some(w) = first {
            if w.len() < h.trim().len() {
                *counts.entry(w).or_default() += 1;
            }
        }
    }
    let n = headers.len().min(2000);
    let (word, count) = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?;
    if count * 10 >= n * 6 && count >= 3 {
        // Only when the word does not itself name something in most headers.
        let key = vocab.normalize(&word);
        if key.tokens.len() <= 2 {
            return Some(word);
        }
    }
    None
}

/// A header as the vocabulary reads it.
pub(super) struct HeaderInfo {
    raw: String,
    key: HeaderKey,
    pub(super) concepts: Vec<ConceptMatch>,
}

impl HeaderInfo {
    pub(super) fn new(header: &str, vocab: &Vocabulary, prefix: Option<&str>) -> HeaderInfo {
        let mut key = vocab.normalize(header);
        if let Some(p) = prefix {
            let lower = header.trim().to_lowercase();
            if let Some(rest) = lower.strip_prefix(p) {
                let rest = rest.trim_start_matches(|c: char| !c.is_alphanumeric());
                if !rest.is_empty() {
                    // Keep the original case of the rest for camelCase splitting.
                    let start = header.trim().len() - rest.len();
                    let original = header.trim().get(start..).unwrap_or(rest);
                    let extra = vocab.normalize(original);
                    for (t, w) in extra.variants {
                        if !key.variants.iter().any(|(k, _)| *k == t) {
                            key.variants.push((t, w * 0.97));
                        }
                    }
                    if key.unit.is_none() {
                        key.unit = extra.unit;
                    }
                }
            }
        }
        let fuzzy = header.chars().count() <= 80;
        let concepts = vocab.resolve_key(&key, fuzzy);
        HeaderInfo {
            raw: header.trim().to_lowercase(),
            key,
            concepts,
        }
    }
}

/// A schema feature as the vocabulary reads it.
pub(super) struct FeatureInfo<'a> {
    pub(super) spec: &'a FeatureSpec,
    /// (normalised name, is an alias)
    names: Vec<(String, HeaderKey, bool)>,
    /// Concept id and how sure.
    pub(super) concept: Option<(String, f64)>,
    pub(super) concept_kind: Option<ConceptKind>,
    unit: Option<String>,
}

impl<'a> FeatureInfo<'a> {
    pub(super) fn new(spec: &'a FeatureSpec, vocab: &Vocabulary) -> FeatureInfo<'a> {
        let mut names = vec![(
            spec.name.trim().to_lowercase(),
            vocab.normalize(&spec.name),
            false,
        )];
        if !spec.display_name.is_empty() {
            names.push((
                spec.display_name.trim().to_lowercase(),
                vocab.normalize(&spec.display_name),
                false,
            ));
        }
        for a in &spec.aliases {
            names.push((a.trim().to_lowercase(), vocab.normalize(a), true));
        }
        let concept = match &spec.concept {
            Some(c) if vocab.concept(c).is_some() => Some((c.clone(), 1.0)),
            _ => {
                let mut best: Option<(String, f64)> = None;
                for (_, key, _) in &names {
                    let found = vocab.resolve_key(key, true);
                    if let Some(top) = found.first() {
                        let second = found.get(1).map_or(0.0, |c| c.score);
                        if top.score >= 0.9
                            && top.score - second >= 0.03
                            && best.as_ref().is_none_or_lt(top.score)
                        {
                            best = Some((top.concept.clone(), top.score));
                        }
                    }
                }
                best
            }
        };
        let concept_kind = concept
            .as_ref()
            .and_then(|(c, _)| vocab.concept(c))
            .map(|c| c.kind);
        let unit = spec
            .unit
            .clone()
            .or_else(|| names.first().and_then(|n| n.1.unit.clone()))
            .or_else(|| {
                concept
                    .as_ref()
                    .and_then(|(c, _)| vocab.concept(c))
                    .and_then(|c| c.unit.clone())
            });
        FeatureInfo {
            spec,
            names,
            concept,
            concept_kind,
            unit,
        }
    }
}

trait NoneOrLt {
    fn is_none_or_lt(&self, v: f64) -> bool;
}

impl NoneOrLt for Option<&(String, f64)> {
    fn is_none_or_lt(&self, v: f64) -> bool {
        match self {
            None => true,
            Some((_, s)) => *s < v,
        }
    }
}

const TIME_UNITS: &[&str] = &["months", "days", "years", "weeks", "hours"];

/// Name- and concept-based score of a header for a feature, before value evidence.
pub(super) fn name_score(
    h: &HeaderInfo,
    f: &FeatureInfo,
    vocab: &Vocabulary,
) -> Option<(f64, MatchSource)> {
    if h.key.tokens.is_empty() && h.raw.is_empty() {
        return None;
    }
    // Raw and normalised exact matches.
    let mut name_sim: f64 = 0.0;
    let mut name_src = MatchSource::Fuzzy;
    for (raw, key, alias) in &f.names {
        if !h.raw.is_empty() && h.raw == *raw {
            let src = if *alias {
                MatchSource::Alias
            } else {
                MatchSource::Exact
            };
            return Some((1.0, src));
        }
        for (ht, hw) in &h.key.variants {
            for (ft, fw) in &key.variants {
                let s = vocab.similarity(ht, ft) * hw * fw;
                let s = if *alias { s * 0.99 } else { s };
                if s > name_sim {
                    name_sim = s;
                    name_src = if s >= 0.999 && !*alias {
                        MatchSource::Exact
                    } else if s >= 0.98 && *alias {
                        MatchSource::Alias
                    } else {
                        MatchSource::Fuzzy
                    };
                }
            }
        }
    }
    // Concepts.
    let mut concept_score: f64 = 0.0;
    let mut conflict = false;
    let top = h.concepts.first();
    match &f.concept {
        Some((cf, cf_conf)) => {
            let s_h = h
                .concepts
                .iter()
                .find(|c| &c.concept == cf)
                .map_or(0.0, |c| c.score);
            let best_other = h
                .concepts
                .iter()
                .filter(|c| &c.concept != cf)
                .map(|c| c.score)
                .fold(0.0, f64::max);
            if s_h >= 0.85 && s_h + 1e-9 >= best_other {
                concept_score = 0.97 * s_h * cf_conf.min(1.0);
            }
            if best_other >= 0.85 && best_other > s_h + 1e-9 {
                conflict = true;
            }
        }
        None => {
            if top.is_some_and(|c| c.score >= 0.95) && name_sim < 0.95 {
                conflict = true;
            }
        }
    }
    let (mut base, source) = if name_sim >= 0.999 && name_src == MatchSource::Exact {
        (1.0, MatchSource::Exact)
    } else if name_src == MatchSource::Alias && name_sim >= concept_score {
        (name_sim, MatchSource::Alias)
    } else if concept_score >= name_sim {
        (concept_score, MatchSource::Concept)
    } else {
        (name_sim, MatchSource::Fuzzy)
    };
    if conflict && source != MatchSource::Exact {
        base *= 0.5;
    }
    if source != MatchSource::Exact {
        if let (Some(hu), Some(fu)) = (&h.key.unit, &f.unit) {
            if hu != fu && TIME_UNITS.contains(&hu.as_str()) && TIME_UNITS.contains(&fu.as_str()) {
                base *= 0.5;
            }
        }
    }
    if base <= 0.0 {
        None
    } else {
        Some((base, source))
    }
}
