//! The report as readable text: the summary, the mapping table, the column table and the
//! suggestions.

use std::fmt::Write as _;

use super::{pct, QualityReport};

/// The whole text of [`QualityReport::to_text`].
pub(super) fn render(r: &QualityReport) -> String {
    let mut s = String::new();
    summary(&mut s, r);
    mapping_table(&mut s, r);
    column_table(&mut s, r);
    suggestion_list(&mut s, r);
    s
}

fn summary(s: &mut String, r: &QualityReport) {
    let _ = writeln!(s, "Data-quality report");
    let _ = writeln!(s, "===================");
    let _ = write!(s, "Rows: {}", r.rows);
    if let (Some(a), Some(rej)) = (r.rows_accepted, r.rows_rejected) {
        let _ = write!(s, " ({a} accepted, {rej} rejected)");
    }
    let _ = writeln!(s, "    Columns: {}", r.columns);
    let _ = writeln!(s, "Quality score: {:.2} ({})", r.score, r.grade);
    match &r.accuracy {
        Some(a) => {
            let _ = writeln!(
                s,
                "Estimated AUC: {:.4} with this table's missing data, {:.4} on complete data ({}{:.4}); {} labelled reference rows x {} repeats",
                a.expected_auc,
                a.complete_auc,
                if a.drop > 0.0 { "-" } else { "+" },
                a.drop.abs(),
                a.reference_rows,
                a.repeats
            );
        }
        None => {
            let _ = writeln!(
                s,
                "Estimated AUC: not available (the bundle has no labelled reference sample)"
            );
        }
    }
}

fn mapping_table(s: &mut String, r: &QualityReport) {
    let mapped = r.mapping.iter().filter(|m| m.header.is_some()).count();
    let _ = writeln!(
        s,
        "\nMapping: {mapped} of {} features mapped",
        r.mapping.len()
    );
    let w1 = r
        .mapping
        .iter()
        .map(|m| m.feature.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    let w2 = r
        .mapping
        .iter()
        .filter_map(|m| m.header.as_ref().map(|h| h.chars().count()))
        .max()
        .unwrap_or(6)
        .clamp(6, 40);
    let _ = writeln!(
        s,
        "  {:w1$}  {:w2$}  confidence  source",
        "feature", "column"
    );
    for m in &r.mapping {
        let h: String = m
            .header
            .clone()
            .unwrap_or_else(|| "-".into())
            .chars()
            .take(40)
            .collect();
        let _ = writeln!(
            s,
            "  {:w1$}  {:w2$}  {:>10}  {}{}{}",
            m.feature,
            h,
            if m.header.is_some() {
                format!("{:.2}", m.confidence)
            } else {
                "-".into()
            },
            m.source.map_or("-", |x| x.as_str()),
            if m.required { ", required" } else { "" },
            if m.ambiguous { ", ambiguous" } else { "" },
        );
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    let _ = writeln!(
        s,
        "Features without a column: {}",
        list(&r.missing_features)
    );
    let _ = writeln!(s, "Columns not used: {}", list(&r.unmapped_columns));
}

fn column_table(s: &mut String, r: &QualityReport) {
    let _ = writeln!(s, "\nColumns");
    let wc = r
        .column_quality
        .iter()
        .map(|c| c.header.chars().count())
        .max()
        .unwrap_or(6)
        .clamp(6, 40);
    let _ = writeln!(
        s,
        "  {:wc$}  {:>8}  {:>8}  {:>8}  {:>8}  {:<7}  {:>5}  drift",
        "column", "complete", "valid", "unique", "type", "", "score"
    );
    for c in &r.column_quality {
        let h: String = c.header.chars().take(40).collect();
        let drift = match &c.drift {
            Some(d) => format!(
                "PSI {:.3} {} ({}: {} -> {})",
                d.psi,
                d.band,
                d.moved,
                pct(d.expected_share),
                pct(d.actual_share)
            ),
            None => "-".into(),
        };
        let _ = writeln!(
            s,
            "  {:wc$}  {:>8}  {:>8}  {:>8}  {:>8}  {:<7}  {:>5}  {}",
            h,
            pct(c.completeness),
            c.validity.map_or("-".into(), pct),
            pct(c.uniqueness),
            pct(c.type_consistency),
            c.dominant_type,
            c.score.map_or("-".into(), |x| format!("{x:.2}")),
            drift
        );
    }
}

fn suggestion_list(s: &mut String, r: &QualityReport) {
    let _ = writeln!(s, "\nSuggestions");
    if r.suggestions.is_empty() {
        let _ = writeln!(s, "  none: the table looks ready to score");
    }
    for g in &r.suggestions {
        let _ = writeln!(s, "  [{}] {}", g.severity.as_str(), g.message);
    }
}
