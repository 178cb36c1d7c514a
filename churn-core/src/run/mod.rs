//! Running the main job: [`records`] reads and checks input, [`pipeline`] streams it through
//! intake, engine and report chunk by chunk, [`scored`] collects results, [`export`] writes
//! them as CSV and JSON lines (and XLSX with the `xlsx` feature); [`options`] parses run options
//! as people type them, once for every runtime; [`train`] reads a training
//! CSV for the bundle builder.

pub mod export;
pub mod options;
pub mod pipeline;
pub mod read;
pub mod records;
pub mod scored;
pub mod train;
#[cfg(feature = "xlsx")]
mod xlsx;
