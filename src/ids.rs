//! Identifier and value newtypes that parse, so an invalid id or email cannot be constructed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh UUIDv7 (time-ordered, not guessable).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::try_parse(s).map(Self).map_err(|_| InvalidId)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.to_string()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Lower-case hyphenated, the one form stored and compared.
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

uuid_id!(
    /// A user of any role (patients included).
    UserId
);
uuid_id!(
    /// A clinical record.
    RecordId
);
uuid_id!(
    /// A signed-in device: one API refresh-token family or one page session.
    SessionId
);

/// A string that is not a valid identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid identifier")]
pub struct InvalidId;

/// A syntactically valid email address, lower-cased so comparisons ignore case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct Email(String);

impl Email {
    /// Parses and normalises an address. The check is deliberately plain (one `@`, a dotted
    /// domain, no spaces, at most 254 octets per RFC 5321 section 4.5.3.1.3); delivery is the
    /// real test.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err("email is required");
        }
        if s.len() > 254 {
            return Err("email is too long");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err("email must contain @");
        };
        let ok = !local.is_empty()
            && local.len() <= 64
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok { Ok(Self(s)) } else { Err("email is not a valid address") }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let id = RecordId::new();
        assert_eq!(id.to_string().parse::<RecordId>(), Ok(id));
        assert_eq!("not-a-uuid".parse::<RecordId>(), Err(InvalidId));
        assert_eq!("".parse::<UserId>(), Err(InvalidId));
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse(" Ana@Clinic.Example ").map(String::from), Ok("ana@clinic.example".into()));
        for bad in ["", "ana", "ana@", "@x.org", "ana@localhost", "a b@x.org", "a@x.org."] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
