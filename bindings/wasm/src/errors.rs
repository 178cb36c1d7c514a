//! Core errors as JS `Error`s: `code` is the core's `Error::code` (the same strings as Python's
//! `err.code` and the Node package's; docs/errors.md lists them). Unlike Python and Node, the
//! browser package does not set `position` yet (see `core_error`).

use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// A JS `Error` with `code` set.
pub(crate) fn js_error(code: &str, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(code));
    err.into()
}

pub(crate) fn core_error(err: churn_core::Error) -> JsValue {
    // No `position` here yet: the core's `Error::position` and the object built from it added
    // about 4.4 KB, and the module is at its 1,000,000-byte budget (issue 6). Python and Node
    // have it; the browser package gets it when the module finds the room.
    js_error(err.code(), &err.to_string())
}

/// The same message the core gives, for checks made before calling it.
pub(crate) fn input_error(reason: impl std::fmt::Display) -> JsValue {
    js_error("input", &format!("invalid input: {reason}"))
}
