//! Value evidence: what a sample of a column's cells looks like, and how well that fits a
//! feature (a yes/no column is not a count, a row number is not a customer id).

use std::collections::HashSet;

use super::headers::FeatureInfo;
use crate::intake::schema::ValueKind;
use crate::intake::values::{
    category_key, is_missing, parse_bool, parse_date, parse_label, parse_number,
};
use crate::intake::vocabulary::ConceptKind;

/// What a sample of a column's values looks like.
#[derive(Clone, Debug, Default)]
pub(super) struct ValueProfile {
    n: usize,
    numeric: usize,
    integer: usize,
    negative: usize,
    bool_words: usize,
    bools: usize,
    dates: usize,
    currency: usize,
    keys: HashSet<String>,
    values: Vec<f64>,
    label_like: usize,
    sequential: bool,
}

impl ValueProfile {
    pub(super) fn of(rows: &[Vec<String>], col: usize) -> Option<ValueProfile> {
        let mut p = ValueProfile::default();
        let mut ints: Vec<f64> = Vec::new();
        for row in rows {
            let Some(raw) = row.get(col) else { continue };
            if is_missing(raw) {
                continue;
            }
            p.n += 1;
            let key = category_key(raw);
            if p.keys.len() < 1000 {
                p.keys.insert(key.clone());
            }
            let lower = raw.trim().to_lowercase();
            if matches!(lower.as_str(), "yes" | "no" | "y" | "n" | "true" | "false") {
                p.bool_words += 1;
            }
            if parse_bool(raw).is_some() {
                p.bools += 1;
            }
            if parse_label(raw, &[]).is_some() {
                p.label_like += 1;
            }
            if let Some(num) = parse_number(raw) {
                p.numeric += 1;
                if num.currency {
                    p.currency += 1;
                }
                if num.value < 0.0 {
                    p.negative += 1;
                }
                if num.value.fract() == 0.0 {
                    p.integer += 1;
                    ints.push(num.value);
                }
                p.values.push(num.value);
            } else if parse_date(raw).is_some() {
                p.dates += 1;
            }
        }
        if p.n == 0 {
            return None;
        }
        p.sequential = ints.len() == p.n && p.n >= 5 && ints.windows(2).all(|w| w[1] - w[0] == 1.0);
        Some(p)
    }

    fn share(&self, k: usize) -> f64 {
        k as f64 / self.n.max(1) as f64
    }
}

/// How well the sampled values fit the feature: 1 = fits, lower = cannot be this feature.
pub(super) fn value_multiplier(p: &ValueProfile, f: &FeatureInfo) -> f64 {
    if p.n < 3 {
        return 1.0;
    }
    let spec = f.spec;
    let distinct = p.keys.len();
    let num = p.share(p.numeric);
    let boolw = p.share(p.bool_words);
    let dates = p.share(p.dates);
    let mut m: f64 = match spec.kind {
        ValueKind::Identifier => {
            if p.sequential {
                0.4
            } else if p.n >= 10 && (distinct as f64) < 0.9 * p.n as f64 {
                0.3
            } else {
                1.0
            }
        }
        ValueKind::Label => {
            if distinct > 2 {
                0.3
            } else if p.share(p.label_like) >= 0.9 || !spec.categories.is_empty() {
                1.0
            } else {
                0.7
            }
        }
        ValueKind::Boolean => {
            if distinct <= 2 || p.share(p.bools) >= 0.9 {
                1.0
            } else if num >= 0.9 {
                0.4
            } else {
                0.5
            }
        }
        ValueKind::Categorical => {
            if spec.categories.is_empty() {
                1.0
            } else {
                let known: HashSet<String> =
                    spec.categories.iter().map(|c| category_key(c)).collect();
                let hit = p.keys.iter().filter(|k| known.contains(*k)).count();
                let share = hit as f64 / distinct.max(1) as f64;
                if share >= 0.8 {
                    1.0
                } else if share >= 0.5 {
                    0.95
                } else if share >= 0.2 {
                    0.8
                } else {
                    0.5
                }
            }
        }
        ValueKind::Numeric => {
            if num + boolw >= 0.9 {
                1.0
            } else if dates >= 0.8 {
                0.5
            } else if num + boolw < 0.5 {
                0.4
            } else {
                0.8
            }
        }
        ValueKind::DateDerived => {
            if dates >= 0.8 || num >= 0.9 {
                1.0
            } else {
                0.5
            }
        }
    };
    if spec.kind.is_input() {
        match f.concept_kind {
            Some(ConceptKind::Count) => {
                if boolw >= 0.5 {
                    m = m.min(0.3);
                } else if num >= 0.9 && (p.share(p.negative) > 0.05 || p.share(p.integer) < 0.9) {
                    m = m.min(0.7);
                }
                if p.share(p.currency) >= 0.5 {
                    m = m.min(0.6);
                }
            }
            Some(ConceptKind::Currency) if boolw >= 0.5 => m = m.min(0.3),
            Some(ConceptKind::Boolean) if distinct > 3 => m = m.min(0.5),
            _ => {}
        }
        if let (Some(lo), Some(hi)) = (spec.min, spec.max) {
            if !p.values.is_empty() && hi > lo {
                let span = hi - lo;
                let out = p
                    .values
                    .iter()
                    .filter(|&&v| v < lo - 0.1 * span || v > hi + 0.1 * span)
                    .count();
                if out * 2 >= p.values.len() {
                    m = m.min(0.6);
                }
            }
        }
    }
    m
}
