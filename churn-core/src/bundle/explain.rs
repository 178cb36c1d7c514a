//! Explaining rows of model inputs with a bundle: each row's churn probability, risk tier and
//! reasons ([`explain_rows`]), the few lines people read ([`RowExplanation::to_text`]), and the
//! reading of labelled values such as `"Male"` or `"Month-to-month"` into model inputs
//! ([`text_inputs`]).
//!
//! Every binding's `explain` calls these, so a row gets the same probability, tier, reasons and
//! text in every runtime, and the same as the main job's scored rows.

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::bundle::tiers_of;
use crate::bundle::Bundle;
use crate::error::{Error, Result};
use crate::intake::normalize::{normalize_cell, Cell, NormalizeOptions};
use crate::intake::schema::Schema;
use crate::report::risk::{tier_index, Explainer, Explanation};

/// One explained row: the reasons, the model's churn probability and its risk tier.
///
/// ```
/// let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let x = bundle.sample().unwrap().matrix();
/// let rows = churn_core::bundle::explain::explain_rows(&bundle, x.view(), Some(3))?;
/// assert_eq!(rows.len(), x.nrows());
/// assert!(rows[0].to_text().starts_with("churn probability "));
/// # Ok::<(), churn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RowExplanation {
    /// The reasons each way, with the probability the SHAP values imply.
    pub explanation: Explanation,
    /// The model's churn probability (what the main job reports for the row).
    pub probability: f64,
    /// The risk tier of `probability`: the bundle's tiers, or the defaults.
    pub tier: Option<String>,
}

impl RowExplanation {
    /// A few lines for people: the probability, the tier and the average customer's
    /// probability, then one reason per line, raising risk first.
    ///
    /// ```
    /// let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
    /// let x = bundle.sample().unwrap().matrix();
    /// let row = &churn_core::bundle::explain::explain_rows(&bundle, x.view(), Some(2))?[0];
    /// let text = row.to_text();
    /// let lines: Vec<&str> = text.lines().collect();
    /// let reasons = row.explanation.raises.len() + row.explanation.lowers.len();
    /// assert_eq!(lines.len(), 1 + reasons);
    /// assert!(lines[0].contains("(average customer "));
    /// assert!(lines[1..].iter().all(|l| l.starts_with("  - ")));
    /// # Ok::<(), churn_core::Error>(())
    /// ```
    pub fn to_text(&self) -> String {
        explanation_text(&self.explanation, self.probability, self.tier.as_deref())
    }
}

/// The text of [`RowExplanation::to_text`] from its parts, for callers that keep them apart.
///
/// ```
/// use churn_core::bundle::explain::{explain_rows, explanation_text};
/// let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let x = bundle.sample().unwrap().matrix();
/// let row = &explain_rows(&bundle, x.view(), Some(3))?[0];
/// let text = explanation_text(&row.explanation, row.probability, row.tier.as_deref());
/// assert_eq!(text, row.to_text());
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn explanation_text(explanation: &Explanation, probability: f64, tier: Option<&str>) -> String {
    let tier = tier.map_or(String::new(), |t| format!(", tier {t}"));
    let mut s = format!(
        "churn probability {:.1}%{tier} (average customer {:.1}%)\n",
        100.0 * probability,
        100.0 * explanation.base_probability
    );
    for r in explanation.raises.iter().chain(&explanation.lowers) {
        s.push_str("  - ");
        s.push_str(&r.text);
        s.push('\n');
    }
    s
}

/// Explains rows of model inputs (`x`: one row per customer, the schema's inputs in model
/// order, NaN = missing): the model's probability, its tier, and up to `top_k` reasons each
/// way (`None`: every contributing feature). The same numbers and words as the main job gives
/// the same rows.
///
/// Errors with [`Error::Unsupported`] unless the model is a binary classifier with a logistic
/// output, and with [`Error::Input`] when `x` does not have one column per model input.
///
/// ```
/// use churn_core::bundle::explain::explain_rows;
/// let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let x = bundle.sample().unwrap().matrix();
/// let all = explain_rows(&bundle, x.view(), None)?;
/// assert_eq!(all[0].explanation.other_points, 0.0);
/// let top = explain_rows(&bundle, x.view(), Some(1))?;
/// assert!(top[0].explanation.raises.len() <= 1);
/// assert_eq!(top[0].probability, all[0].probability);
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn explain_rows(
    bundle: &Bundle,
    x: ArrayView2<'_, f64>,
    top_k: Option<usize>,
) -> Result<Vec<RowExplanation>> {
    let explainer = Explainer::new(bundle, top_k.unwrap_or(0))?;
    let model = bundle.model();
    if x.ncols() != model.num_features() {
        return Err(Error::Input {
            reason: format!(
                "rows must have the bundle's {} inputs, got {} columns",
                model.num_features(),
                x.ncols()
            ),
        });
    }
    let p = model.predict(x)?;
    let phi = model.shap_values(x)?;
    let tiers = tiers_of(bundle);
    let mut out = Vec::with_capacity(x.nrows());
    for (r, xr) in x.rows().into_iter().enumerate() {
        let xr = xr.to_vec();
        let pr = phi.index_axis(Axis(0), r).row(0).to_vec();
        let explanation = match top_k {
            Some(_) => explainer.explain(&xr, &pr),
            None => explainer.explain_all(&xr, &pr),
        };
        let probability = p[[r, 0]];
        let tier = tiers
            .tiers
            .get(tier_index(&tiers, probability))
            .map(|t| t.name.clone());
        out.push(RowExplanation {
            explanation,
            probability,
            tier,
        });
    }
    Ok(out)
}

/// A text value in a matrix of model inputs: `x[[row, column]]` holds `text` as people write
/// it (`"Male"`, `"Month-to-month"`, `"Yes"`, `"$1,200"`).
///
/// ```
/// let cell = churn_core::bundle::explain::TextCell { row: 0, column: 2, text: "Yes" };
/// assert_eq!(cell.column, 2);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextCell<'a> {
    /// Row of the matrix.
    pub row: usize,
    /// Column of the matrix: the index of the schema input.
    pub column: usize,
    /// The value as written.
    pub text: &'a str,
}

/// Writes text values into a matrix of model inputs, each read the way validation reads a
/// cell of its feature ([`normalize_cell`]): a category name becomes its code (case, spacing
/// and punctuation ignored), yes/no words 1/0, `"$1,200"` 1200, a blank or `"N/A"` missing
/// (NaN). Numbers already in `x` are left as they are.
///
/// Errors with [`Error::Input`] naming the feature when a text is not a valid value for it
/// (an unknown category, a word for a number) or a cell lies outside `x`.
///
/// ```
/// use churn_core::bundle::explain::{text_inputs, TextCell};
/// let bundle = churn_core::Bundle::load("../examples/demo/telco_bundle.json")?;
/// let schema = bundle.schema();
/// let gender = schema.input_names().iter().position(|n| *n == "gender").unwrap();
/// let mut x = ndarray::Array2::from_elem((1, schema.num_inputs()), f64::NAN);
/// text_inputs(schema, &mut x, &[TextCell { row: 0, column: gender, text: "male" }])?;
/// assert_eq!(x[[0, gender]], 1.0); // the schema's categories are Female, Male
/// let bad = [TextCell { row: 0, column: gender, text: "Robot" }];
/// assert!(text_inputs(schema, &mut x, &bad).unwrap_err().to_string().contains("gender"));
/// # Ok::<(), churn_core::Error>(())
/// ```
pub fn text_inputs(schema: &Schema, x: &mut Array2<f64>, cells: &[TextCell<'_>]) -> Result<()> {
    let specs: Vec<_> = schema.inputs().collect();
    let options = NormalizeOptions::default();
    for cell in cells {
        let (Some(spec), Some(slot)) = (specs.get(cell.column), x.get_mut((cell.row, cell.column)))
        else {
            return Err(Error::Input {
                reason: format!(
                    "text value at row {}, input {} lies outside the {} x {} inputs",
                    cell.row,
                    cell.column,
                    x.nrows(),
                    specs.len()
                ),
            });
        };
        *slot = match normalize_cell(spec, cell.text, &options) {
            Cell::Value(v) => v,
            Cell::Missing => f64::NAN,
            Cell::Invalid { reason, .. } => {
                return Err(Error::Input {
                    reason: format!("feature '{}', row {}: {reason}", spec.name, cell.row),
                })
            }
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::default_tiers;

    fn demo() -> Bundle {
        Bundle::load("../examples/demo/telco_bundle.json").expect("the demo bundle loads")
    }

    #[test]
    fn rows_match_the_explainer_and_the_tiers() {
        let b = demo();
        let x = b.sample().expect("the demo has a sample").matrix();
        let rows = explain_rows(&b, x.view(), Some(3)).expect("explains");
        let p = b.model().predict(x.view()).expect("predicts");
        let phi = b.model().shap_values(x.view()).expect("shap");
        let ex = Explainer::new(&b, 3).expect("binary");
        let tiers = tiers_of(&b);
        for (r, row) in rows.iter().enumerate() {
            assert_eq!(row.probability, p[[r, 0]]);
            let want = ex.explain(
                &x.row(r).to_vec(),
                &phi.index_axis(Axis(0), r).row(0).to_vec(),
            );
            assert_eq!(row.explanation, want);
            let i = tier_index(&tiers, row.probability);
            assert_eq!(row.tier.as_deref(), Some(tiers.tiers[i].name.as_str()));
        }
    }

    #[test]
    fn text_lists_probability_tier_and_reasons() {
        let b = demo();
        let x = b.sample().expect("sample").matrix();
        let row = explain_rows(&b, x.slice_axis(Axis(0), (0..1).into()), Some(2))
            .expect("explains")
            .remove(0);
        let text = row.to_text();
        let want_head = format!(
            "churn probability {:.1}%, tier {} (average customer {:.1}%)",
            100.0 * row.probability,
            row.tier.as_deref().unwrap_or_default(),
            100.0 * row.explanation.base_probability
        );
        assert_eq!(text.lines().next(), Some(want_head.as_str()));
        let reasons: Vec<String> = row
            .explanation
            .raises
            .iter()
            .chain(&row.explanation.lowers)
            .map(|r| format!("  - {}", r.text))
            .collect();
        assert_eq!(text.lines().skip(1).collect::<Vec<_>>(), reasons);
        assert!(text.ends_with('\n'));
        let untiered = RowExplanation { tier: None, ..row };
        assert!(untiered.to_text().starts_with(&format!(
            "churn probability {:.1}% (average",
            100.0 * untiered.probability
        )));
    }

    #[test]
    fn wrong_width_and_non_binary_models_are_refused() {
        let b = demo();
        let x = Array2::<f64>::zeros((1, 2));
        let e = explain_rows(&b, x.view(), Some(3)).unwrap_err();
        assert!(matches!(e, Error::Input { .. }), "{e}");
        let reg = Bundle::load("../tests/fixtures/xgb_regression/model.json").expect("loads");
        let x = Array2::<f64>::zeros((1, reg.model().num_features()));
        let e = explain_rows(&reg, x.view(), Some(3)).unwrap_err();
        assert!(matches!(e, Error::Unsupported { .. }), "{e}");
        assert_eq!(tiers_of(&reg), default_tiers());
    }

    #[test]
    fn text_values_read_like_validation() {
        let b = demo();
        let s = b.schema();
        let names = s.input_names();
        let col = |n: &str| names.iter().position(|m| *m == n).expect("a demo input");
        let mut x = Array2::from_elem((2, s.num_inputs()), 7.0);
        let cells = [
            TextCell {
                row: 0,
                column: col("Contract"),
                text: "two YEAR",
            },
            TextCell {
                row: 0,
                column: col("Partner"),
                text: "Yes",
            },
            TextCell {
                row: 1,
                column: col("MonthlyCharges"),
                text: "$1,200",
            },
            TextCell {
                row: 1,
                column: col("gender"),
                text: "N/A",
            },
        ];
        text_inputs(s, &mut x, &cells).expect("valid values");
        assert_eq!(x[[0, col("Contract")]], 2.0);
        assert_eq!(x[[0, col("Partner")]], 1.0);
        assert_eq!(x[[1, col("MonthlyCharges")]], 1200.0);
        assert!(x[[1, col("gender")]].is_nan());
        assert_eq!(x[[0, col("tenure")]], 7.0); // numbers are left alone
        let e = text_inputs(
            s,
            &mut x,
            &[TextCell {
                row: 1,
                column: col("tenure"),
                text: "long",
            }],
        )
        .unwrap_err();
        assert!(e.to_string().contains("feature 'tenure', row 1"), "{e}");
        let outside = [TextCell {
            row: 5,
            column: 0,
            text: "Male",
        }];
        assert!(matches!(
            text_inputs(s, &mut x, &outside),
            Err(Error::Input { .. })
        ));
    }
}
