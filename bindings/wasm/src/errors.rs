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
    js_error_at(
        err.code(),
        &err.to_string(),
        position_object(&err.position()),
    )
}

/// The known parts of a position as a plain object: the keys and values of the core's JSON form
/// of `Position` (what Node and Python give), set one by one rather than through the serde
/// round trip via `JSON.parse` that other results take, to add as few bytes as possible to a
/// module at its size budget.
fn position_object(p: &churn_core::Position) -> JsValue {
    let obj = Object::new();
    let put = |key: &str, value: JsValue| {
        let _ = Reflect::set(&obj, &JsValue::from_str(key), &value);
    };
    if let Some(file) = &p.file {
        put("file", JsValue::from_str(file));
    }
    let numbers = [
        ("line", p.line),
        ("row", p.row),
        ("column", p.column),
        ("tree", p.tree.map(|t| t as u64)),
        ("node", p.node.map(|n| n as u64)),
    ];
    for (key, value) in numbers {
        if let Some(v) = value {
            put(key, JsValue::from_f64(v as f64));
        }
    }
    if let Some(field) = &p.field {
        put("field", JsValue::from_str(field));
    }
    if let Some(byte) = p.byte {
        put("byte", JsValue::from_f64(byte as f64));
    }
    obj.into()
}

/// The same message the core gives, for checks made before calling it.
pub(crate) fn input_error(reason: impl std::fmt::Display) -> JsValue {
    js_error("input", &format!("invalid input: {reason}"))
}
