//! What lasts between runs: the prediction log and recorded outcomes ([`outcomes`]), in
//! SQLite (feature `sqlite`).

pub mod outcomes;
