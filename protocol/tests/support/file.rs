//! Vector files: one JSON object per file under `vectors/{client,server}/`.

use std::path::PathBuf;

use serde_json::{Map, Value};

/// One golden vector.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Vector {
    /// File stem, unique within its direction.
    pub(crate) name: String,
    /// `client` (client → server, `decode_client`) or `server`.
    pub(crate) direction: &'static str,
    /// What the vector pins down, in prose.
    pub(crate) description: String,
    /// The frame's bytes, lowercase hex.
    pub(crate) hex: String,
    /// What a decoder must make of them.
    pub(crate) expect: Expect,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expect {
    /// Decodes to `message`; `message` encodes to `canonical_hex`, or to `hex` when absent.
    Valid {
        message: Value,
        canonical_hex: Option<String>,
        keypoints: Vec<Value>,
    },
    /// Decoding fails with `error` (and `field` or `detail` when given).
    Invalid {
        error: String,
        field: Option<String>,
        detail: Option<String>,
    },
}

pub(crate) fn dir(direction: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("vectors")
        .join(direction)
}

impl Vector {
    pub(crate) fn path(&self) -> PathBuf {
        dir(self.direction).join(format!("{}.json", self.name))
    }

    /// The file's text: fixed key order, two-space indentation, arrays of scalars on one line.
    pub(crate) fn render(&self) -> String {
        let mut fields: Vec<(&str, Value)> = vec![
            ("name", self.name.clone().into()),
            ("direction", self.direction.into()),
            ("description", self.description.clone().into()),
            ("hex", self.hex.clone().into()),
        ];
        match &self.expect {
            Expect::Valid {
                message,
                canonical_hex,
                keypoints,
            } => {
                if let Some(c) = canonical_hex {
                    fields.push(("canonical_hex", c.clone().into()));
                }
                fields.push(("message", message.clone()));
                if !keypoints.is_empty() {
                    fields.push(("keypoints", Value::Array(keypoints.clone())));
                }
            }
            Expect::Invalid {
                error,
                field,
                detail,
            } => {
                fields.push(("error", error.clone().into()));
                if let Some(f) = field {
                    fields.push(("field", f.clone().into()));
                }
                if let Some(d) = detail {
                    fields.push(("detail", d.clone().into()));
                }
            }
        }
        let mut out = String::from("{\n");
        for (i, (key, value)) in fields.iter().enumerate() {
            out.push_str(&format!("  {}: ", Value::from(*key)));
            pretty(value, 1, &mut out);
            out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
        }
        out.push_str("}\n");
        out
    }

    pub(crate) fn parse(text: &str) -> Result<Vector, String> {
        let v: Map<String, Value> = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let string = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let required = |key: &str| string(key).ok_or(format!("`{key}` is missing"));
        let direction = match required("direction")?.as_str() {
            "client" => "client",
            "server" => "server",
            other => return Err(format!("bad direction `{other}`")),
        };
        let expect = match (v.get("message"), string("error")) {
            (Some(message), None) => Expect::Valid {
                message: message.clone(),
                canonical_hex: string("canonical_hex"),
                keypoints: v
                    .get("keypoints")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            },
            (None, Some(error)) => Expect::Invalid {
                error,
                field: string("field"),
                detail: string("detail"),
            },
            _ => return Err("needs exactly one of `message` and `error`".to_owned()),
        };
        Ok(Vector {
            name: required("name")?,
            direction,
            description: required("description")?,
            hex: required("hex")?,
            expect,
        })
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

fn pretty(v: &Value, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth + 1);
    let end = "  ".repeat(depth);
    match v {
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Array(items) if items.iter().all(is_scalar) => {
            let parts: Vec<String> = items.iter().map(Value::to_string).collect();
            out.push_str(&format!("[{}]", parts.join(", ")));
        }
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad);
                pretty(item, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&end);
            out.push(']');
        }
        Value::Object(map) => {
            out.push_str("{\n");
            for (i, (key, value)) in map.iter().enumerate() {
                out.push_str(&format!("{pad}{}: ", Value::from(key.as_str())));
                pretty(value, depth + 1, out);
                out.push_str(if i + 1 < map.len() { ",\n" } else { "\n" });
            }
            out.push_str(&end);
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}
