//! The mapper's decisions: overrides first, then every (header, feature) pair scored, then a
//! one-to-one assignment, then per feature the chosen header, or why none was (ambiguity,
//! threshold, taken by a better-fitting feature), and the alternatives.

use std::collections::{HashMap, HashSet};

use super::headers::{name_score, shared_prefix, FeatureInfo, HeaderInfo};
use super::samples::{value_multiplier, ValueProfile};
use super::{Candidate, FeatureMatch, MapOptions, Mapping, MatchSource, Overrides, UnmappedColumn};
use crate::error::{Error, Result};
use crate::intake::schema::Schema;
use crate::intake::values::preview;
use crate::intake::vocabulary::Vocabulary;

/// Scores below this are not kept as candidates at all (not even as alternatives).
const FLOOR: f64 = 0.3;

/// One feature's candidate headers: (column, confidence, source), best first.
type Scores = Vec<(usize, f64, MatchSource)>;

/// What the overrides decide: feature index -> column (`None`: kept unmapped), and the
/// columns they give away.
struct Forced {
    columns: HashMap<usize, Option<usize>>,
    taken: HashSet<usize>,
}

/// [`map_columns_with`](super::map_columns_with) once for every header type.
pub(super) fn map_headers(
    headers: Vec<String>,
    schema: &Schema,
    samples: Option<&[Vec<String>]>,
    overrides: Option<&Overrides>,
    options: &MapOptions,
) -> Result<Mapping> {
    let vocab: &Vocabulary = match &options.vocabulary {
        Some(v) => v,
        None => Vocabulary::builtin(),
    };
    let threshold = options.threshold.clamp(0.0, 1.0);
    let forced = apply_overrides(&headers, schema, overrides)?;
    let prefix = shared_prefix(&headers, vocab);
    let infos: Vec<HeaderInfo> = headers
        .iter()
        .map(|h| HeaderInfo::new(h, vocab, prefix.as_deref()))
        .collect();
    let feats: Vec<FeatureInfo> = schema
        .features
        .iter()
        .map(|f| FeatureInfo::new(f, vocab))
        .collect();
    let sample_rows: &[Vec<String>] = match samples {
        Some(s) => &s[..s.len().min(options.sample_rows)],
        None => &[],
    };
    let scores = score_pairs(&infos, &feats, &forced, sample_rows, vocab);
    let assigned = assign(&scores, &forced, threshold);
    let decider = Decider {
        headers: &headers,
        scores: &scores,
        assigned: &assigned,
        used_by: assigned
            .iter()
            .enumerate()
            .filter_map(|(fi, c)| c.map(|c| (c, fi)))
            .collect(),
        threshold,
        options,
    };
    let out: Vec<FeatureMatch> = feats
        .iter()
        .enumerate()
        .map(|(fi, f)| decider.decide(fi, f, forced.columns.get(&fi).copied()))
        .collect();
    let unmapped = unmapped_columns(&headers, &infos, &out);
    Ok(Mapping {
        headers,
        features: out,
        unmapped,
        threshold,
    })
}

/// Resolves the overrides against the schema and the headers (exact header first, then
/// trimmed and case-insensitive); errors name the feature and what is wrong.
fn apply_overrides(
    headers: &[String],
    schema: &Schema,
    overrides: Option<&Overrides>,
) -> Result<Forced> {
    let mut forced = Forced {
        columns: HashMap::new(),
        taken: HashSet::new(),
    };
    let Some(o) = overrides else {
        return Ok(forced);
    };
    for (feature, header) in &o.columns {
        let fi = schema
            .features
            .iter()
            .position(|f| &f.name == feature)
            .ok_or_else(|| Error::Override {
                feature: feature.clone(),
                reason: format!(
                    "the schema has no such feature (features: {})",
                    preview(
                        &schema
                            .features
                            .iter()
                            .map(|f| f.name.clone())
                            .collect::<Vec<_>>()
                    )
                ),
            })?;
        let col = match header {
            None => None,
            Some(h) => {
                let c = headers
                    .iter()
                    .position(|x| x == h)
                    .or_else(|| {
                        headers
                            .iter()
                            .position(|x| x.trim().eq_ignore_ascii_case(h.trim()))
                    })
                    .ok_or_else(|| Error::Override {
                        feature: feature.clone(),
                        reason: format!("the table has no column headed {h:?}"),
                    })?;
                if !forced.taken.insert(c) {
                    return Err(Error::Override {
                        feature: feature.clone(),
                        reason: format!("column {h:?} is already given to another feature"),
                    });
                }
                Some(c)
            }
        };
        forced.columns.insert(fi, col);
    }
    Ok(forced)
}

/// Every free feature's candidate headers, best first: the name score times the value
/// evidence of the sampled cells (each column profiled once, on first need).
fn score_pairs(
    infos: &[HeaderInfo],
    feats: &[FeatureInfo],
    forced: &Forced,
    sample_rows: &[Vec<String>],
    vocab: &Vocabulary,
) -> Vec<Scores> {
    let mut profiles: HashMap<usize, Option<ValueProfile>> = HashMap::new();
    let mut scores: Vec<Scores> = vec![Vec::new(); feats.len()];
    for (fi, f) in feats.iter().enumerate() {
        if forced.columns.contains_key(&fi) {
            continue;
        }
        for (hi, h) in infos.iter().enumerate() {
            if forced.taken.contains(&hi) {
                continue;
            }
            let Some((base, source)) = name_score(h, f, vocab) else {
                continue;
            };
            if base < FLOOR {
                continue;
            }
            let prof = profiles
                .entry(hi)
                .or_insert_with(|| ValueProfile::of(sample_rows, hi));
            let m = prof.as_ref().map_or(1.0, |p| value_multiplier(p, f));
            let conf = if source == MatchSource::Exact {
                base * m.max(0.85)
            } else {
                (base * m).min(0.99)
            };
            if conf >= FLOOR {
                scores[fi].push((hi, conf, source));
            }
        }
        crate::order::sort_by(&mut scores[fi], |a, b| {
            b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
        });
    }
    scores
}

/// The column of each feature: the overrides' choice, else a one-to-one assignment (Hungarian
/// algorithm) over the pairs at or above the threshold, maximising the total confidence.
fn assign(scores: &[Scores], forced: &Forced, threshold: f64) -> Vec<Option<usize>> {
    let mut assigned: Vec<Option<usize>> = vec![None; scores.len()];
    let free_feats: Vec<usize> = (0..scores.len())
        .filter(|fi| !forced.columns.contains_key(fi))
        .collect();
    let mut cand_cols: Vec<usize> = free_feats
        .iter()
        .flat_map(|&fi| scores[fi].iter().filter(|s| s.1 >= threshold).map(|s| s.0))
        .collect();
    crate::order::sort(&mut cand_cols);
    cand_cols.dedup();
    if !free_feats.is_empty() && !cand_cols.is_empty() {
        let col_pos: HashMap<usize, usize> =
            cand_cols.iter().enumerate().map(|(i, &c)| (c, i)).collect();
        // One dummy column per feature, so every feature can stay unassigned.
        let ncols = cand_cols.len() + free_feats.len();
        let mut weights = pathfinding::matrix::Matrix::new(free_feats.len(), ncols, 0i64);
        for (r, &fi) in free_feats.iter().enumerate() {
            for &(hi, conf, _) in &scores[fi] {
                if conf >= threshold {
                    if let Some(&c) = col_pos.get(&hi) {
                        weights[(r, c)] = (conf * 1_000_000.0).round() as i64;
                    }
                }
            }
        }
        let (_, cols) = pathfinding::kuhn_munkres::kuhn_munkres(&weights);
        for (r, &c) in cols.iter().enumerate() {
            if c < cand_cols.len() && weights[(r, c)] > 0 {
                assigned[free_feats[r]] = Some(cand_cols[c]);
            }
        }
    }
    for (&fi, &col) in &forced.columns {
        assigned[fi] = col;
    }
    assigned
}

/// Turns the assignment into one [`FeatureMatch`] per feature.
struct Decider<'a> {
    headers: &'a [String],
    scores: &'a [Scores],
    assigned: &'a [Option<usize>],
    /// Column -> the feature it was assigned to.
    used_by: HashMap<usize, usize>,
    threshold: f64,
    options: &'a MapOptions,
}

impl Decider<'_> {
    fn decide(&self, fi: usize, f: &FeatureInfo, forced: Option<Option<usize>>) -> FeatureMatch {
        let spec = f.spec;
        let mut m = FeatureMatch {
            feature: spec.name.clone(),
            kind: spec.kind,
            required: spec.required,
            concept: f.concept.as_ref().map(|c| c.0.clone()),
            column: None,
            header: None,
            confidence: 0.0,
            source: None,
            ambiguous: false,
            alternatives: Vec::new(),
            note: None,
        };
        if let Some(col) = forced {
            m.column = col;
            m.header = col.map(|c| self.headers[c].clone());
            m.confidence = if col.is_some() { 1.0 } else { 0.0 };
            m.source = col.map(|_| MatchSource::Override);
            m.note = Some(match col {
                Some(_) => "set by an override".into(),
                None => "kept unmapped by an override".into(),
            });
            return m;
        }
        let scores = &self.scores[fi];
        let chosen = self.assigned[fi];
        let chosen_score = chosen.and_then(|c| scores.iter().find(|s| s.0 == c).copied());
        if let Some(pick) = chosen_score {
            self.accept_or_refuse(&mut m, fi, pick);
        } else {
            m.note = Some(self.unmatched_note(scores));
        }
        m.alternatives = scores
            .iter()
            .filter(|s| Some(s.0) != m.column)
            .take(self.options.top_k)
            .map(|&(c, conf, source)| Candidate {
                column: c,
                header: self.headers[c].clone(),
                confidence: round4(conf),
                source,
            })
            .collect();
        m
    }

    /// Takes the assigned header, unless the runner-up (the best other header not given to
    /// another feature) is within the ambiguity margin: then the match is refused, except
    /// when an exact name beats a non-exact runner-up (unmapped beats wrong).
    fn accept_or_refuse(&self, m: &mut FeatureMatch, fi: usize, pick: (usize, f64, MatchSource)) {
        let (col, conf, source) = pick;
        let runner = self.scores[fi]
            .iter()
            .find(|s| Some(s.0) != Some(col) && self.used_by.get(&s.0).is_none_or_eq(fi))
            .copied();
        let mut refuse = None;
        if let Some((rcol, rconf, rsource)) = runner {
            if rconf >= self.threshold && conf - rconf < self.options.ambiguity_margin {
                m.ambiguous = true;
                let tie = (conf - rconf).abs() < 1e-9;
                let exact_wins = source == MatchSource::Exact && rsource != MatchSource::Exact;
                if tie || !exact_wins {
                    refuse = Some(format!(
                        "ambiguous: {:?} ({conf:.2}) and {:?} ({rconf:.2}) both fit; choose one with an override",
                        self.headers[col], self.headers[rcol]
                    ));
                } else {
                    m.note = Some(format!(
                        "{:?} ({rconf:.2}) also fits; the exact name was chosen",
                        self.headers[rcol]
                    ));
                }
            }
        }
        match refuse {
            Some(note) => m.note = Some(note),
            None => {
                m.column = Some(col);
                m.header = Some(self.headers[col].clone());
                m.confidence = round4(conf);
                m.source = Some(source);
            }
        }
    }

    /// Why a feature got no header.
    fn unmatched_note(&self, scores: &Scores) -> String {
        match scores.first() {
            Some(&(rcol, rconf, _)) if rconf >= self.threshold => {
                format!("{:?} fits better another feature", self.headers[rcol])
            }
            Some(&(rcol, rconf, _)) => format!(
                "no column reached the threshold {:.2}; closest is {:?} ({rconf:.2})",
                self.threshold, self.headers[rcol]
            ),
            None => "no column resembles this feature".into(),
        }
    }
}

/// The columns no feature took, with the concept the vocabulary is sure they are.
fn unmapped_columns(
    headers: &[String],
    infos: &[HeaderInfo],
    out: &[FeatureMatch],
) -> Vec<UnmappedColumn> {
    let used: HashSet<usize> = out.iter().filter_map(|m| m.column).collect();
    infos
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(i, h)| UnmappedColumn {
            column: i,
            header: headers[i].clone(),
            concept: h
                .concepts
                .first()
                .filter(|c| c.score >= 0.9)
                .map(|c| c.concept.clone()),
        })
        .collect()
}

trait NoneOrEq {
    fn is_none_or_eq(&self, v: usize) -> bool;
}

impl NoneOrEq for Option<&usize> {
    fn is_none_or_eq(&self, v: usize) -> bool {
        match self {
            None => true,
            Some(x) => **x == v,
        }
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
