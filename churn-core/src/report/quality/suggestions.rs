//! Step 2 of the report, in words: what a person can do about the data, most serious first.

use std::fmt::Write as _;

use super::profile::{ColumnProfile, QualityProfile};
use super::{pct, QualityReport, ReportOptions, Suggestion};
use crate::intake::mapping::{Mapping, MatchSource};
use crate::intake::schema::{FeatureSpec, Policy, Schema, ValueKind};
use crate::intake::validate::{Severity, ValidationSummary};

/// Suggestions in the order they are found; sorted by severity (stably) at the end.
struct Found(Vec<Suggestion>);

impl Found {
    fn add(&mut self, severity: Severity, column: Option<&str>, message: String) {
        self.0.push(Suggestion {
            severity,
            column: column.map(str::to_string),
            message,
        })
    }
}

/// Every suggestion for a report, most serious first, at most `options.max_suggestions`.
pub(super) fn suggestions(
    report: &QualityReport,
    profile: &QualityProfile,
    mapping: &Mapping,
    schema: &Schema,
    validation: Option<&ValidationSummary>,
    options: &ReportOptions,
) -> Vec<Suggestion> {
    let mut out = Found(Vec::new());
    if report.rows == 0 {
        out.add(Severity::Error, None, "the table has no data rows".into());
    }
    features_without_column(&mut out, report, mapping);
    doubtful_matches(&mut out, mapping);
    for p in &profile.columns {
        let Some(feature) = p.feature.as_deref() else {
            continue;
        };
        let Some(spec) = schema.feature(feature) else {
            continue;
        };
        if p.missing > 0 && spec.kind != ValueKind::Label {
            blanks(&mut out, p, spec, profile, schema);
        }
        if p.invalid > 0 {
            invalid_values(&mut out, p, spec);
        }
        if spec.kind == ValueKind::Identifier {
            duplicate_ids(&mut out, p);
        }
    }
    drift(&mut out, report);
    accuracy(&mut out, report);
    if let Some(v) = validation {
        rejections(&mut out, v, schema);
    }
    let mut out = out.0;
    crate::order::sort_by_key(&mut out, |s| std::cmp::Reverse(s.severity));
    out.truncate(options.max_suggestions);
    out
}

/// Features without a column (the label aside), with the closest column and the AUC the gap
/// costs when known.
fn features_without_column(out: &mut Found, report: &QualityReport, mapping: &Mapping) {
    for m in &mapping.features {
        if m.column.is_some() || m.kind == ValueKind::Label {
            continue;
        }
        let closest = m
            .alternatives
            .first()
            .map(|c| {
                format!(
                    "; closest column: '{}' ({:.2}), map it with an override if that is it",
                    c.header, c.confidence
                )
            })
            .unwrap_or_default();
        let loss = report
            .accuracy
            .as_ref()
            .and_then(|a| a.largest_losses.iter().find(|(f, _)| *f == m.feature))
            .map(|(_, l)| format!(" (costs about {l:.3} AUC)"))
            .unwrap_or_default();
        if m.required {
            out.add(
                Severity::Error,
                Some(&m.feature),
                format!(
                    "required feature '{}' has no column: every row is rejected{closest}",
                    m.feature
                ),
            );
        } else if m.kind.is_input() {
            out.add(
                Severity::Warning,
                Some(&m.feature),
                format!(
                    "'{}' has no column: rows are scored as if it were unknown{loss}{closest}",
                    m.feature
                ),
            );
        } else {
            out.add(
                Severity::Info,
                Some(&m.feature),
                format!("'{}' has no column{closest}", m.feature),
            );
        }
    }
}

/// Ambiguous matches, and matches below 0.9 confidence that no override confirmed.
fn doubtful_matches(out: &mut Found, mapping: &Mapping) {
    for m in &mapping.features {
        if m.ambiguous {
            out.add(
                Severity::Warning,
                Some(&m.feature),
                format!("'{}': {}", m.feature, m.note.clone().unwrap_or_default()),
            );
        } else if let (Some(h), Some(src)) = (&m.header, m.source) {
            if m.confidence < 0.9 && src != MatchSource::Override {
                out.add(
                    Severity::Info,
                    Some(h),
                    format!(
                        "'{h}' was matched to '{}' by {} with confidence {:.2}: check it",
                        m.feature,
                        src.as_str(),
                        m.confidence
                    ),
                );
            }
        }
    }
}

/// Blank cells of a mapped column: how many, what they share, and what happens to their rows.
fn blanks(
    out: &mut Found,
    p: &ColumnProfile,
    spec: &FeatureSpec,
    profile: &QualityProfile,
    schema: &Schema,
) {
    let h = &p.header;
    let share = p.missing as f64 / p.rows.max(1) as f64;
    let mut msg = format!(
        "'{h}' is blank in {} row{} ({})",
        p.missing,
        if p.missing == 1 { "" } else { "s" },
        pct(share)
    );
    if let Some((of, v, overall)) = blank_pattern(p, profile) {
        let _ = write!(msg, ", all with {of} {v}");
        if overall == p.missing {
            let _ = write!(msg, " (and every row with {of} {v} has it blank)");
        }
        let tenure_like = schema.feature(&of).is_some_and(|f| {
            f.concept.as_deref() == Some("tenure") || of.to_lowercase().contains("tenure")
        });
        if tenure_like && v == "0" {
            msg.push_str(": new customers not billed yet? 0 may be the right value");
        } else {
            msg.push_str(": the blanks follow a pattern, check how the export fills them");
        }
    } else if spec.kind == ValueKind::Identifier {
        msg.push_str(": these rows have no customer id");
    } else if !spec.required {
        msg.push_str(": these rows are scored with the value missing");
    }
    if spec.required {
        msg.push_str(if spec.kind == ValueKind::Identifier {
            " and are rejected (the id is required)"
        } else {
            ": the feature is required, so these rows are rejected"
        });
    }
    let sev = if spec.required || share > spec.warn_above {
        Severity::Warning
    } else {
        Severity::Info
    };
    out.add(sev, Some(h), msg);
}

/// A value of another feature shared by every blank row and rare elsewhere: (feature, value,
/// rows with that value in the whole table), the rarest such value.
fn blank_pattern(p: &ColumnProfile, profile: &QualityProfile) -> Option<(String, String, u64)> {
    let mut best: Option<(String, String, u64)> = None;
    for (of, vals) in &p.missing_with {
        for (v, &c) in vals {
            if c != p.missing {
                continue;
            }
            let overall = profile
                .columns
                .iter()
                .find(|q| q.feature.as_deref() == Some(of.as_str()))
                .and_then(|q| q.values.get(v).copied());
            let Some(overall) = overall else { continue };
            // Only a pattern chance cannot explain: at least 3 blanks, and
            // share^blanks < 1% for the value's share among the rows.
            let share = overall as f64 / p.rows.max(1) as f64;
            if p.missing < 3 || share.powf(p.missing as f64) >= 0.01 {
                continue;
            }
            if best.as_ref().is_none_or_gt(overall) {
                best = Some((of.clone(), v.clone(), overall));
            }
        }
    }
    best
}

/// Invalid cells of a mapped column, with examples and what the policy does with them.
fn invalid_values(out: &mut Found, p: &ColumnProfile, spec: &FeatureSpec) {
    let h = &p.header;
    let ex: Vec<String> = p
        .invalid_examples
        .iter()
        .map(|e| format!("{e:?}"))
        .collect();
    let what = match spec.kind {
        ValueKind::Categorical if !spec.categories.is_empty() => "not a known category",
        ValueKind::Categorical => "not an integer category code",
        ValueKind::Numeric => "not a number, or out of range",
        ValueKind::Boolean => "not yes/no",
        ValueKind::DateDerived => "not a date or a number, or out of range",
        _ => "not valid",
    };
    let policy = match spec.on_invalid {
        Policy::Reject => "their rows are rejected",
        Policy::Missing => "they are scored as missing",
        Policy::Clamp => "they are clamped or scored as missing",
    };
    out.add(
        Severity::Warning,
        Some(h),
        format!(
            "'{h}' has {} invalid value{} ({what}; e.g. {}): {policy}; fix them at the source",
            p.invalid,
            if p.invalid == 1 { "" } else { "s" },
            ex.join(", ")
        ),
    );
}

/// Duplicate ids in the identifier column (estimated by the distinct-value sketch).
fn duplicate_ids(out: &mut Found, p: &ColumnProfile) {
    let h = &p.header;
    let non_missing = p.rows.saturating_sub(p.missing) as f64;
    let distinct = p.distinct.estimate();
    if non_missing > 0.0 && distinct + 0.5 < non_missing {
        let dup = (non_missing - distinct).round();
        out.add(
            Severity::Warning,
            Some(h),
            format!(
                "'{h}' has {dup} duplicate id{}: later duplicates are rejected",
                if dup == 1.0 { "" } else { "s" }
            ),
        );
    }
}

/// Columns that moved from the training data (PSI from 0.1).
fn drift(out: &mut Found, report: &QualityReport) {
    for c in &report.column_quality {
        if let Some(d) = &c.drift {
            if d.psi >= 0.1 {
                out.add(
                    if d.psi > 0.25 { Severity::Warning } else { Severity::Info },
                    Some(&c.header),
                    format!(
                        "'{}' differs from the training data (PSI {:.2}, {}): {} is {} here vs {} in training",
                        c.header,
                        d.psi,
                        d.band,
                        d.moved,
                        pct(d.actual_share),
                        pct(d.expected_share)
                    ),
                );
            }
        }
    }
}

/// The AUC the table's missing data is expected to cost (from 0.01).
fn accuracy(out: &mut Found, report: &QualityReport) {
    let Some(a) = &report.accuracy else {
        return;
    };
    if a.drop >= 0.01 {
        let worst = a
            .largest_losses
            .first()
            .map(|(f, l)| format!("; the largest loss comes from '{f}' ({l:.3})"))
            .unwrap_or_default();
        out.add(
            if a.drop >= 0.03 { Severity::Warning } else { Severity::Info },
            None,
            format!(
                "with this table's missing data the model's AUC is expected to fall from {:.3} to {:.3}{worst}",
                a.complete_auc, a.expected_auc
            ),
        );
    }
}

/// Rows the validator rejects (the three most common reasons), and the features past the
/// schema's problem thresholds.
fn rejections(out: &mut Found, v: &ValidationSummary, schema: &Schema) {
    if v.rejected > 0 {
        let mut codes: Vec<(u64, &str)> = v
            .rejected_by_code
            .iter()
            .map(|(k, n)| (*n, k.as_str()))
            .collect();
        crate::order::sort_by(&mut codes, |a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let top: Vec<String> = codes
            .iter()
            .take(3)
            .map(|(n, k)| format!("{k} x{n}"))
            .collect();
        out.add(
            Severity::Warning,
            None,
            format!(
                "{} of {} rows are rejected by validation (rows per reason: {})",
                v.rejected,
                v.rows,
                top.join(", ")
            ),
        );
    }
    for issue in v.threshold_issues(schema) {
        out.add(issue.severity, issue.feature.as_deref(), issue.message);
    }
}

trait OptGt {
    fn is_none_or_gt(&self, v: u64) -> bool;
}

impl OptGt for Option<&(String, String, u64)> {
    fn is_none_or_gt(&self, v: u64) -> bool {
        match self {
            None => true,
            Some((_, _, x)) => *x > v,
        }
    }
}
