//! Core errors as JS `Error`s: `code` is the core's `Error::code` (the same strings as Python's
//! `err.code` and the WASM package's; docs/errors.md lists them) and `position` the core's
//! `Error::position` as a plain object of the known parts (`file`, `line`, `row`, `column`,
//! `tree`, `node`, `field`, `byte`; `{}` when none is known).

use churn_core::Position;
use napi::bindgen_prelude::*;

/// A JS `Error` with `code` and `position` set, built on the JS thread so that promises reject
/// with it too.
fn js_error_at(env: &Env, code: &str, message: String, position: &Position) -> Error {
    let build = || -> Result<Error> {
        let mut obj = env.create_error(Error::new(Status::GenericFailure, message.clone()))?;
        obj.set("code", code)?;
        obj.set("position", crate::intake::to_js(env, position)?)?;
        Ok(Error::from(obj.to_unknown()))
    };
    build().unwrap_or_else(|_| Error::new(Status::GenericFailure, message))
}

/// An error found by the binding itself (`"input"`, `"internal"`): no position.
pub(crate) fn js_error(env: &Env, code: &str, message: String) -> Error {
    js_error_at(env, code, message, &Position::default())
}

pub(crate) fn core_error(env: &Env, err: churn_core::Error) -> Error {
    js_error_at(env, err.code(), err.to_string(), &err.position())
}

pub(crate) fn input_error(env: &Env, message: String) -> Error {
    js_error(env, "input", format!("invalid input: {message}"))
}
