//! Ledger entries and their canonical bytes: RFC 8785 JSON Canonicalization Scheme (JCS).
//!
//! Entries hold only strings and integers, for which JCS is: object members sorted by key
//! (UTF-16 code units; every key here is ASCII), no insignificant white space, strings escaped
//! as ECMAScript's JSON.stringify does (which serde_json's escaping matches), integers in plain
//! decimal. Floats are refused, so no number formatting question can arise.

use std::collections::BTreeMap;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::Error;

/// The canonical (RFC 8785) serialisation of a JSON value made of objects, arrays, strings,
/// integers, booleans and null.
pub fn canonical(value: &Value) -> Result<String, Error> {
    let mut out = String::new();
    write(value, &mut out)?;
    Ok(out)
}

fn write(value: &Value, out: &mut String) -> Result<(), Error> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_i64() || n.is_u64() => out.push_str(&n.to_string()),
        Value::Number(_) => return Err(Error::Internal(anyhow::anyhow!("ledger entries hold no floats"))),
        Value::String(s) => out.push_str(&serde_json::to_string(s).map_err(|e| Error::Internal(e.into()))?),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Sort by UTF-16 code units, as RFC 8785 section 3.2.3 says.
            let sorted: BTreeMap<Vec<u16>, (&String, &Value)> = map.iter().map(|(k, v)| (k.encode_utf16().collect(), (k, v))).collect();
            out.push('{');
            for (i, (_, (k, v))) in sorted.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).map_err(|e| Error::Internal(e.into()))?);
                out.push(':');
                write(v, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// SHA-256 of the canonical form of some content, lowercase hex. Entries carry this, never
/// the content itself (so erasing content leaves the log verifiable).
pub fn content_sha256(content: &Value) -> Result<String, Error> {
    Ok(hex::encode(Sha256::digest(canonical(content)?.as_bytes())))
}

/// What a clinical write appends.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// `record_created`, `record_amended`, `staff_approved`, `role_changed`, …
    pub kind: &'static str,
    /// The main thing the entry is about (record or user id), for lookups.
    pub subject_id: String,
    /// Ids involved, by name (`record_id`, `patient_id`, `user_id`, …).
    pub ids: Vec<(&'static str, String)>,
    /// Who did it.
    pub actor: String,
    /// When (RFC 3339).
    pub time: String,
    /// SHA-256 of the stored content's canonical form.
    pub content_sha256: String,
}

impl NewEntry {
    /// The entry's canonical bytes at position `index` of the log.
    pub fn encode(&self, index: i64) -> Result<String, Error> {
        let mut ids = serde_json::Map::new();
        for (k, v) in &self.ids {
            ids.insert((*k).to_string(), Value::String(v.clone()));
        }
        canonical(&serde_json::json!({
            "index": index,
            "kind": self.kind,
            "ids": ids,
            "actor": self.actor,
            "time": self.time,
            "content_sha256": self.content_sha256,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8785_example_without_numbers() -> Result<(), Error> {
        // RFC 8785 section 3.2.2's example, less its floats (which entries never hold).
        let input: Value =
            serde_json::from_str(r#"{"string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}"#)
                .map_err(|e| Error::Internal(e.into()))?;
        assert_eq!(canonical(&input)?, r#"{"literals":[null,true,false],"string":"€$\u000f\nA'B\"\\\\\"/"}"#);
        Ok(())
    }

    #[test]
    fn keys_sort_by_utf16_and_floats_are_refused() -> Result<(), Error> {
        let v = serde_json::json!({"b": 1, "a": {"z": [2, "x"], "y": null}, "\u{e9}": true});
        assert_eq!(canonical(&v)?, r#"{"a":{"y":null,"z":[2,"x"]},"b":1,"é":true}"#);
        assert!(canonical(&serde_json::json!({"f": 1.5})).is_err());
        Ok(())
    }
}
