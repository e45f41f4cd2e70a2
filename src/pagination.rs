//! Keyset pagination shared by every list: `?limit=` (default 50, max 200) and an opaque
//! `?cursor=`; responses are `{"items": [...], "next_cursor": ...}` (DESIGN.md, Contracts).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Validator;

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page size.
pub const MAX_LIMIT: i64 = 200;

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// Pass as `?cursor=` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// `limit` and `cursor` as sent, parsed by [`PageRequest::parse`] so errors name the field.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1–200 (default 50).
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A validated page request: where to start (a `(time, id)` sort key) and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// Items per page.
    pub limit: i64,
    /// The sort key of the last item already seen.
    pub after: Option<(String, String)>,
}

impl PageRequest {
    /// Parses `limit` and `cursor`, adding any problem to `v`.
    pub fn parse(p: &PageParams, v: &mut Validator) -> Self {
        let limit = match p.limit.as_deref().map(str::trim) {
            None | Some("") => DEFAULT_LIMIT,
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    v.add("limit", format!("limit must be a whole number from 1 to {MAX_LIMIT}"));
                    DEFAULT_LIMIT
                }
            },
        };
        let after = match p.cursor.as_deref() {
            None | Some("") => None,
            Some(c) => match decode_cursor(c) {
                Some(key) => Some(key),
                None => {
                    v.add("cursor", "cursor is not one this server issued");
                    None
                }
            },
        };
        Self { limit, after }
    }

    /// How many rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts the extra row off and makes the next cursor from the last item's sort key.
    pub fn finish<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> (String, String)) -> Page<T> {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next_cursor = if more { rows.last().map(|r| encode_cursor(&key(r))) } else { None };
        Page { items: rows, next_cursor }
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { limit: DEFAULT_LIMIT, after: None }
    }
}

fn encode_cursor((at, id): &(String, String)) -> String {
    URL_SAFE_NO_PAD.encode(format!("{at}|{id}"))
}

fn decode_cursor(c: &str) -> Option<(String, String)> {
    if c.len() > 200 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(c).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (at, id) = text.split_once('|')?;
    // Both halves are checked so a crafted cursor cannot smuggle odd values into a query.
    crate::clock::parse(at)?;
    uuid::Uuid::try_parse(id).ok()?;
    Some((at.to_string(), id.to_string()))
}

impl PageParams {
    /// Validates into a page request (422 naming `limit` or `cursor`).
    pub fn into_request(self) -> Result<PageRequest, crate::error::Error> {
        let mut v = Validator::default();
        let page = PageRequest::parse(&self, &mut v);
        v.finish()?;
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_garbage_is_refused() {
        let key = ("2026-11-26T08:55:55.123456Z".to_string(), uuid::Uuid::now_v7().to_string());
        assert_eq!(decode_cursor(&encode_cursor(&key)), Some(key));
        assert_eq!(decode_cursor("%%%"), None);
        assert_eq!(decode_cursor(&URL_SAFE_NO_PAD.encode("x|y")), None);
    }

    #[test]
    fn limits_are_bounded() {
        for (raw, ok) in [("1", true), ("200", true), ("0", false), ("201", false), ("ten", false)] {
            let mut v = Validator::default();
            PageRequest::parse(&PageParams { limit: Some(raw.into()), cursor: None }, &mut v);
            assert_eq!(v.finish().is_ok(), ok, "limit={raw}");
        }
    }
}
