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

/// An email address in one canonical form: Unicode NFC, the local part lower-cased, the domain
/// through IDNA (UTS 46) processing. Addresses that could pass for another person's are refused
/// when parsed from input: invisible, control, bidirectional-control and format characters,
/// compatibility look-alikes (U+2024 for a dot, fullwidth letters), and local parts or domain
/// labels that mix scripts (a Cyrillic `а` among Latin letters), by UTS 39's identifier and
/// mixed-script rules (the `unicode-security` crate).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct Email(String);

/// The ASCII characters RFC 5322 (section 3.2.3, `atext`) allows in a local part, and the dot.
fn ascii_local_ok(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c)
}

/// Whether a non-ASCII character may appear: UTS 39 Identifier_Status=Allowed (no format,
/// control, invisible or compatibility characters).
fn unicode_ok(c: char) -> bool {
    use unicode_security::GeneralSecurityProfile;
    c.is_ascii() || GeneralSecurityProfile::identifier_allowed(c)
}

/// Combining marks that NFC could not compose into a letter (an `i` with a combining dot
/// above): a precomposed letter is what people type, a leftover mark is how look-alikes are made.
fn loose_mark(c: char) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    matches!(c.general_category(), GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark | GeneralCategory::SpacingMark)
}

fn single_script(s: &str) -> bool {
    use unicode_security::MixedScript;
    s.is_single_script()
}

/// `(local, domain)` in canonical form, without the look-alike checks: NFC, lower case, and the
/// domain through UTS 46 when it is a valid domain name.
fn canonical(raw: &str) -> Option<(String, String)> {
    use unicode_normalization::UnicodeNormalization;
    let s: String = raw.trim().nfc().collect();
    let (local, domain) = s.rsplit_once('@')?;
    let local: String = local.to_lowercase().nfc().collect();
    let domain = match idna::domain_to_ascii(domain) {
        Ok(ascii) => idna::domain_to_unicode(&ascii).0,
        Err(_) => domain.to_lowercase(),
    };
    Some((local, domain))
}

impl Email {
    /// Parses an address someone typed, in canonical form, refusing look-alikes. The syntax
    /// check is deliberately plain (a dotted domain, at most 254 octets per RFC 5321 section
    /// 4.5.3.1.3); delivery is the real test.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.trim().is_empty() {
            return Err("email is required");
        }
        if raw.chars().any(|c| c.is_control()) {
            return Err("email must not contain control characters");
        }
        let Some((local, domain)) = canonical(raw) else { return Err("email must contain @") };
        if local.is_empty() || local.len() > 64 || domain.contains('@') {
            return Err("email is not a valid address");
        }
        if local.chars().any(|c| c.is_whitespace() || (c.is_ascii() && !ascii_local_ok(c)) || !unicode_ok(c) || loose_mark(c)) {
            return Err("email contains a character that is invisible, a control or format character, or looks like another one");
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err("email is not a valid address");
        }
        if !single_script(&local) {
            return Err("email mixes alphabets that look alike (for example Latin and Cyrillic letters)");
        }
        // The domain: a valid IDNA name (UTS 46, which refuses invisible and disallowed code
        // points), dotted, each label in one script.
        let Ok(ascii) = idna::domain_to_ascii_strict(&domain) else {
            return Err("the email's domain is not a valid domain name");
        };
        if !ascii.contains('.') || ascii.starts_with('.') || ascii.ends_with('.') {
            return Err("email is not a valid address");
        }
        if domain.split('.').any(|label| !label.chars().all(|c| unicode_ok(c) && !loose_mark(c)) || !single_script(label)) {
            return Err("the email's domain mixes alphabets that look alike or holds a look-alike character");
        }
        let email = format!("{local}@{domain}");
        if email.len() > 254 {
            return Err("email is too long");
        }
        Ok(Self(email))
    }

    /// The canonical form of an address, for finding an account (sign-in, writing a record for
    /// a patient by email): the same folding as [`Email::parse`], none of its refusals, so an
    /// account made before those checks can still be found.
    pub fn lookup(raw: &str) -> Option<Self> {
        let (local, domain) = canonical(raw)?;
        (!local.is_empty() && !domain.is_empty() && !raw.contains('\0')).then(|| Self(format!("{local}@{domain}")))
    }

    /// An address as the database holds it (it was canonical when stored).
    pub fn from_stored(stored: String) -> Self {
        Self(stored)
    }

    /// What the address looks like: its UTS 39 skeleton (confusable characters mapped to one
    /// prototype, e.g. Cyrillic `о` and Greek `ο` to Latin `o`, a dotless `ı` to `i`), lower-cased.
    /// Two addresses with one skeleton can pass for each other.
    pub fn skeleton(&self) -> String {
        unicode_security::skeleton(&self.0).collect::<String>().to_lowercase()
    }

    /// The address for an SMTP envelope: the domain in its ASCII (Punycode) form, which every
    /// relay accepts, where the Unicode form needs SMTPUTF8 (RFC 6531).
    pub fn for_smtp(&self) -> String {
        match self.0.rsplit_once('@') {
            Some((local, domain)) => format!("{local}@{}", idna::domain_to_ascii(domain).unwrap_or_else(|_| domain.to_string())),
            None => self.0.clone(),
        }
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
        for bad in ["", "ana", "ana@", "@x.org", "ana@localhost", "a b@x.org", "a@x.org.", "a..b@x.org", ".a@x.org"] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn look_alike_emails_are_refused() {
        let real = "maria.santos@clinic.example";
        let impostors = [
            "maria.santos\u{200B}@clinic.example", // zero-width space (format)
            "m\u{0430}ria.santos@clinic.example",  // Cyrillic a among Latin letters
            "maria\u{2024}santos@clinic.example",  // ONE DOT LEADER for the dot
            "maria.santos\u{202E}@clinic.example", // right-to-left override
            "maria.santos@cl\u{0456}nic.example",  // Cyrillic i in the domain
            "maria.santos\u{00AD}@clinic.example", // soft hyphen (invisible)
            "\u{FF4D}aria.santos@clinic.example",  // fullwidth m
            "maria.santos\u{0000}@clinic.example", // NUL
        ];
        for bad in impostors {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(Email::parse(real).map(String::from), Ok(real.to_string()));
        // One script at a time is fine, and forms that mean the same are stored the same way.
        assert!(Email::parse("мария@клиника.рф").is_ok());
        assert!(Email::parse("josé@clinic.example").is_ok());
        assert_eq!(Email::parse("jose\u{301}@clinic.example"), Email::parse("jos\u{e9}@clinic.example"), "NFC");
        assert_eq!(Email::parse("ana@MÜNCHEN.de"), Email::parse("ana@xn--mnchen-3ya.de"), "UTS 46");
        assert!(Email::parse("mari\u{0307}a@clinic.example").is_err(), "a loose combining mark");
        assert_eq!(Email::parse("ana@münchen.de").map(|e| e.for_smtp()), Ok("ana@xn--mnchen-3ya.de".into()));
    }

    #[test]
    fn look_alikes_within_one_script_share_a_skeleton() {
        let skel = |s: &str| Email::parse(s).map(|e| e.skeleton()).unwrap_or_default();
        let real = skel("maria.santos@clinic.example");
        for fake in ["mar\u{0131}a.santos@clinic.example", "maria.santos@clinic.example"] {
            assert_eq!(skel(fake), real, "{fake}");
        }
        assert_eq!(
            skel("\u{0458}\u{043e}\u{0435}.\u{0455}\u{0430}\u{0445}@clinic.example"),
            skel("joe.sax@clinic.example"),
            "all Cyrillic"
        );
        assert_eq!(skel("\u{03bf}\u{03bf}@clinic.example"), skel("oo@clinic.example"), "Greek");
        assert_eq!(skel("maria@\u{0430}\u{0441}\u{0435}.example"), skel("maria@ace.example"), "Cyrillic domain");
        assert_ne!(skel("maria@clinic.example"), skel("mario@clinic.example"));
    }
}
