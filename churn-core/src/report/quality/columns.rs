//! Step 2 of the report, in numbers: each column's dimensions and score, and the table's score
//! and grade (weights in the [module docs](super)).

use super::drift::drift_of;
use super::profile::ColumnProfile;
use super::{round4, ColumnQuality};
use crate::intake::schema::{FeatureSpec, Schema, ValueKind};
use crate::intake::validate::ValidationSummary;
use crate::report::reference::ReferenceProfile;

/// The quality figures of one profiled column.
pub(super) fn column_quality(
    p: &ColumnProfile,
    schema: &Schema,
    reference: Option<&ReferenceProfile>,
) -> ColumnQuality {
    let non_missing = p.rows.saturating_sub(p.missing);
    let spec = p.feature.as_deref().and_then(|f| schema.feature(f));
    let completeness = if p.rows == 0 {
        0.0
    } else {
        non_missing as f64 / p.rows as f64
    };
    let validity = spec.map(|_| {
        if non_missing == 0 {
            1.0
        } else {
            p.valid as f64 / non_missing as f64
        }
    });
    let (dom, dom_n) = p.types.dominant();
    let t = &p.types;
    let all = t.total();
    // Cells of a type the feature accepts; the dominant type for other columns.
    let fitting = match spec.map(|s| (s.kind, s)) {
        Some((ValueKind::Numeric, _)) => t.numbers + t.booleans,
        Some((ValueKind::Boolean, _)) => t.numbers + t.booleans,
        Some((ValueKind::DateDerived, _)) => t.numbers + t.dates,
        Some((ValueKind::Categorical, s)) if s.categories.is_empty() => t.numbers,
        Some((ValueKind::Categorical, _)) => all,
        _ => dom_n,
    };
    let type_consistency = if all == 0 {
        1.0
    } else {
        fitting as f64 / all as f64
    };
    let uniqueness = if non_missing == 0 {
        0.0
    } else {
        (p.distinct.estimate() / non_missing as f64).min(1.0)
    };
    let drift = match (spec, reference) {
        (Some(s), Some(r)) if s.kind.is_input() => {
            r.feature(&s.name).and_then(|fr| drift_of(p, fr))
        }
        _ => None,
    };
    let score = spec.filter(|s| s.kind != ValueKind::Label).map(|s| {
        let mut parts = vec![
            (0.35, completeness),
            (0.30, validity.unwrap_or(1.0)),
            (0.15, type_consistency),
        ];
        if s.kind == ValueKind::Identifier {
            parts.push((0.10, uniqueness));
        }
        if let Some(d) = &drift {
            parts.push((0.10, 1.0 - d.psi.min(0.5) / 0.5));
        }
        let w: f64 = parts.iter().map(|p| p.0).sum();
        round4(parts.iter().map(|p| p.0 * p.1).sum::<f64>() / w)
    });
    ColumnQuality {
        header: p.header.clone(),
        feature: p.feature.clone(),
        completeness: round4(completeness),
        validity: validity.map(round4),
        uniqueness: round4(uniqueness),
        type_consistency: round4(type_consistency),
        dominant_type: dom.into(),
        drift,
        score,
    }
}

/// The table's score and grade: the mean column score over the schema's features (the label
/// aside; 0 for a feature without a column), blended with the share of accepted rows.
pub(super) fn table_score(
    schema: &Schema,
    column_quality: &[ColumnQuality],
    rows: u64,
    validation: Option<&ValidationSummary>,
) -> (f64, &'static str) {
    let scored: Vec<&FeatureSpec> = schema
        .features
        .iter()
        .filter(|f| f.kind != ValueKind::Label)
        .collect();
    let mut total = 0.0;
    for f in &scored {
        total += column_quality
            .iter()
            .find(|c| c.feature.as_deref() == Some(&f.name))
            .and_then(|c| c.score)
            .unwrap_or(0.0);
    }
    let columns_part = if scored.is_empty() {
        0.0
    } else {
        total / scored.len() as f64
    };
    let score = match validation {
        _ if rows == 0 || scored.is_empty() => 0.0,
        Some(v) if v.rows > 0 => {
            round4(0.6 * columns_part + 0.4 * v.accepted as f64 / v.rows as f64)
        }
        _ => round4(columns_part),
    };
    let grade = if score >= 0.95 {
        "good"
    } else if score >= 0.8 {
        "fair"
    } else {
        "poor"
    };
    (score, grade)
}
