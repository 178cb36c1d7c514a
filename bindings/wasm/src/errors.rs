//! Core errors as JS `Error`s: `code` is the core's `Error::code` (the same strings as Python's
//! `err.code` and the Node package's; docs/errors.md lists them) and `position` the core's
//! `Error::position` as a plain object of the known parts (`file`, `line`, `row`, `column`,
//! `tree`, `node`, `field`, `byte`; `{}` when none is known).

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

/// A JS `Error` with `code` and `position` set.
fn js_error_at(code: &str, message: &str, position: JsValue) -> JsValue {
    let err = js_sys::Error::new(message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(code));
    let _ = Reflect::set(&err, &JsValue::from_str("position"), &position);
    err.into()
}

/// An error found by the binding itself (`"input"`, `"internal"`): no position.
pub(crate) fn js_error(code: &str, message: &str) -> JsValue {
    js_error_at(code, message, Object::new().into())
}

pub(crate) fn core_error(err: churn_core::Error) -> JsValue {
    // The position through the core's serde form, as every other result: one converter.
    let position = crate::intake::to_js(&err.position()).unwrap_or_else(|_| Object::new().into());
    js_error_at(err.code(), &err.to_string(), position)
}

/// The same message the core gives, for checks made before calling it.
pub(crate) fn input_error(reason: impl std::fmt::Display) -> JsValue {
    js_error("input", &format!("invalid input: {reason}"))
}
