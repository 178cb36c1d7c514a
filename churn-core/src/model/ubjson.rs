//! A UBJSON (Draft 12) decoder into `serde_json::Value`, enough for XGBoost's `.ubj` files.
//!
//! Hostile input is expected: every length is checked against the bytes actually present
//! before anything is allocated, and nesting is bounded.

use serde_json::{Map, Number, Value};

use crate::error::{Error, Result};

/// Containers nested deeper than this are refused (XGBoost models nest about 8 levels).
const MAX_NESTING: usize = 128;

pub(crate) fn parse(bytes: &[u8]) -> Result<Value> {
    let mut r = Reader { bytes, pos: 0 };
    let marker = r.marker()?;
    let v = r.value(marker, 0)?;
    // Trailing no-ops are allowed; anything else after the root is not.
    while r.pos < bytes.len() {
        if bytes[r.pos] != b'N' {
            return Err(r.err("unexpected bytes after the end of the document"));
        }
        r.pos += 1;
    }
    Ok(v)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn err(&self, reason: impl Into<String>) -> Error {
        Error::Ubjson {
            offset: self.pos,
            reason: reason.into(),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| {
                self.err(format!(
                    "needs {n} more bytes but only {} remain (file truncated?)",
                    self.bytes.len() - self.pos
                ))
            })?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    /// The next type marker, skipping no-ops.
    fn marker(&mut self) -> Result<u8> {
        loop {
            let m = self.byte()?;
            if m != b'N' {
                return Ok(m);
            }
        }
    }

    fn int_of(&mut self, marker: u8) -> Result<i64> {
        Ok(match marker {
            b'i' => self.byte()? as i8 as i64,
            b'U' => self.byte()? as i64,
            b'I' => i16::from_be_bytes([self.byte()?, self.byte()?]) as i64,
            b'l' => {
                let b = self.take(4)?;
                i32::from_be_bytes([b[0], b[1], b[2], b[3]]) as i64
            }
            b'L' => {
                let b = self.take(8)?;
                i64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
            }
            other => {
                self.pos -= 1;
                return Err(self.err(format!(
                    "expected an integer type marker, found {:?}",
                    other as char
                )));
            }
        })
    }

    fn length(&mut self) -> Result<usize> {
        let m = self.marker()?;
        let n = self.int_of(m)?;
        usize::try_from(n).map_err(|_| self.err(format!("negative length {n}")))
    }

    fn string(&mut self) -> Result<String> {
        let n = self.length()?;
        let at = self.pos;
        let raw = self.take(n)?;
        String::from_utf8(raw.to_vec()).map_err(|_| Error::Ubjson {
            offset: at,
            reason: "string is not valid UTF-8".into(),
        })
    }

    fn float(x: f64) -> Value {
        Number::from_f64(x)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }

    fn value(&mut self, marker: u8, depth: usize) -> Result<Value> {
        Ok(match marker {
            b'Z' => Value::Null,
            b'T' => Value::Bool(true),
            b'F' => Value::Bool(false),
            b'i' | b'U' | b'I' | b'l' | b'L' => Value::from(self.int_of(marker)?),
            b'd' => {
                let b = self.take(4)?;
                Self::float(f32::from_be_bytes([b[0], b[1], b[2], b[3]]) as f64)
            }
            b'D' => {
                let b = self.take(8)?;
                Self::float(f64::from_be_bytes([
                    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                ]))
            }
            b'C' => Value::String((self.byte()? as char).to_string()),
            b'S' => Value::String(self.string()?),
            b'H' => {
                let s = self.string()?;
                match s.parse::<f64>() {
                    Ok(x) => Self::float(x),
                    Err(_) => return Err(self.err(format!("{s:?} is not a number"))),
                }
            }
            b'[' => self.array(depth + 1)?,
            b'{' => self.object(depth + 1)?,
            other => {
                self.pos -= 1;
                return Err(self.err(format!("unknown type marker {:?}", other as char)));
            }
        })
    }

    /// Reads the optional `$type` and `#count` of a container.
    fn container_header(&mut self) -> Result<(Option<u8>, Option<usize>)> {
        let mut ty = None;
        if self.bytes.get(self.pos) == Some(&b'$') {
            self.pos += 1;
            ty = Some(self.byte()?);
            if self.bytes.get(self.pos) != Some(&b'#') {
                return Err(self.err("a typed container must give a count ('#')"));
            }
        }
        let mut count = None;
        if self.bytes.get(self.pos) == Some(&b'#') {
            self.pos += 1;
            count = Some(self.length()?);
        }
        Ok((ty, count))
    }

    fn check_depth(&self, depth: usize) -> Result<()> {
        if depth > MAX_NESTING {
            Err(self.err(format!("containers nested deeper than {MAX_NESTING}")))
        } else {
            Ok(())
        }
    }

    /// Capacity for `count` elements of at least `min_size` bytes each, bounded by the bytes
    /// that remain: a lying count cannot make us allocate.
    fn capacity(&self, count: usize, min_size: usize) -> usize {
        count.min((self.bytes.len() - self.pos) / min_size.max(1))
    }

    fn array(&mut self, depth: usize) -> Result<Value> {
        self.check_depth(depth)?;
        let (ty, count) = self.container_header()?;
        let mut out = Vec::new();
        match (ty, count) {
            (Some(t), Some(n)) => {
                let size = match t {
                    b'i' | b'U' | b'C' => 1,
                    b'I' => 2,
                    b'l' | b'd' => 4,
                    b'L' | b'D' => 8,
                    _ => 1,
                };
                if matches!(t, b'Z' | b'T' | b'F' | b'N') {
                    return Err(self.err("typed arrays of valueless types are not supported"));
                }
                if n.checked_mul(size)
                    .is_none_or(|b| b > self.bytes.len() - self.pos)
                {
                    return Err(self.err(format!(
                        "array declares {n} elements but the file is too short for them"
                    )));
                }
                out.reserve_exact(self.capacity(n, size));
                for _ in 0..n {
                    out.push(self.value(t, depth)?);
                }
            }
            (None, Some(n)) => {
                out.reserve(self.capacity(n, 1));
                for _ in 0..n {
                    let m = self.marker()?;
                    out.push(self.value(m, depth)?);
                }
            }
            _ => loop {
                let m = self.marker()?;
                if m == b']' {
                    break;
                }
                out.push(self.value(m, depth)?);
            },
        }
        Ok(Value::Array(out))
    }

    fn object(&mut self, depth: usize) -> Result<Value> {
        self.check_depth(depth)?;
        let (ty, count) = self.container_header()?;
        let mut out = Map::new();
        match count {
            Some(n) => {
                for _ in 0..n {
                    let key = self.string()?;
                    let m = match ty {
                        Some(t) => t,
                        None => self.marker()?,
                    };
                    let v = self.value(m, depth)?;
                    out.insert(key, v);
                }
            }
            None => loop {
                if self.bytes.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                    break;
                }
                if self.bytes.get(self.pos) == Some(&b'N') {
                    self.pos += 1;
                    continue;
                }
                let key = self.string()?;
                let m = self.marker()?;
                let v = self.value(m, depth)?;
                out.insert(key, v);
            },
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_typed_arrays_and_objects() {
        // {"a": [$d#i2 1.5 -2.0], "b": "x"}
        let mut b = vec![b'{', b'i', 1, b'a', b'[', b'$', b'd', b'#', b'i', 2];
        b.extend(1.5f32.to_be_bytes());
        b.extend((-2.0f32).to_be_bytes());
        b.extend([b'i', 1, b'b', b'S', b'i', 1, b'x', b'}']);
        let v = parse(&b).unwrap();
        assert_eq!(v["a"][0].as_f64(), Some(1.5));
        assert_eq!(v["a"][1].as_f64(), Some(-2.0));
        assert_eq!(v["b"].as_str(), Some("x"));
    }

    #[test]
    fn lying_counts_and_truncation_are_errors() {
        let b = [
            b'[', b'$', b'd', b'#', b'L', 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ];
        assert!(parse(&b).unwrap_err().to_string().contains("too short"));
        let b = [b'{', b'i', 5, b'a'];
        assert!(matches!(parse(&b), Err(Error::Ubjson { .. })));
        let deep = vec![b'['; 10_000];
        assert!(parse(&deep).unwrap_err().to_string().contains("nested"));
    }
}
