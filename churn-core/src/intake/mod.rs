//! Intake: from a customer export's cells to model inputs.
//!
//! [`schema`] says what the model needs, [`vocabulary`] the names churn columns go by,
//! [`mapping`] matches the export's columns to features, [`normalize`] turns cells into
//! numbers, [`validate`] checks each row (every problem with its row, column and reason) and
//! [`table`] holds the cells. Lower than the report and everything that runs a job.
//!
//! Inside, the lowest modules are `values` (reading one cell: numbers, dates, booleans,
//! category keys) and `issue` (what the validator reports); the schema, the normaliser, the
//! mapper and the validator import them, never each other in a circle. Their items keep their
//! public paths in [`normalize`] and [`validate`].

mod issue;
pub mod mapping;
pub mod normalize;
pub mod schema;
pub mod table;
pub mod validate;
mod values;
pub mod vocabulary;
