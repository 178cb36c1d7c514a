//! What lasts between runs: the prediction log and recorded outcomes ([`outcomes`]), in
//! SQLite (feature `sqlite`), and the logging of a scoring run into it as it runs
//! ([`logger`]).

pub mod logger;
pub mod outcomes;

pub use logger::{LoggedRun, RunLogger};
