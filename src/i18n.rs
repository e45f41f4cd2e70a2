//! The languages pages are drawn in: English and Spanish messages in Project Fluent files
//! (`locales/<lang>/*.ftl`, built into the binary), and the reader's language, from their saved
//! choice or else their browser's `Accept-Language` (RFC 9110 §12.5.4).
//!
//! Domain code knows nothing of languages: its refusals and form errors are English sentences
//! (the API answers in English). A page shows them in the reader's language by looking the
//! English sentence up in `domain.ftl`, the way gettext uses the source text as the message id.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language careledger's pages are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English, the default.
    #[default]
    En,
    /// Spanish.
    Es,
}

impl Lang {
    /// Every language, in the order the choice lists them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The BCP 47 tag (RFC 5646) written in `<html lang>` and saved with a person's choice.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language's own name for itself (shown in the choice whatever the page's language).
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }

    /// A saved or submitted choice (`en`, `es`, `es-MX`…): a language tag of RFC 5646's shape
    /// (subtags of 1 to 8 letters or digits, at most 35 characters); `None` for anything else
    /// or a language not offered.
    pub fn parse(tag: &str) -> Option<Self> {
        let tag = tag.trim();
        let well_formed =
            tag.len() <= 35 && tag.split(['-', '_']).all(|s| (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()));
        if !well_formed {
            return None;
        }
        let primary = tag.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            _ => None,
        }
    }

    /// The language a browser prefers among those offered (RFC 9110 §12.5.4: the highest
    /// `q`, earlier first on a tie, `q=0` meaning "not this"); English when none is offered.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let Some(header) = header else { return Lang::En };
        let mut best: Option<(u16, Lang)> = None;
        for item in header.split(',').take(32) {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .map(|q| {
                    q.trim().parse::<f64>().map(|q| if q.is_nan() { 0 } else { (q.clamp(0.0, 1.0) * 1000.0).round() as u16 }).unwrap_or(0)
                })
                .unwrap_or(1000);
            if q == 0 {
                continue;
            }
            if let Some(lang) = Lang::parse(tag)
                && best.is_none_or(|(b, _)| q > b)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or(Lang::En)
    }
}

/// Every message file, by name, in English and Spanish (the same names in both).
macro_rules! message_files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../locales/en/", $name, ".ftl")), include_str!(concat!("../locales/es/", $name, ".ftl")))),*]
    };
}

/// `(name, English, Spanish)` for each file under `locales/`.
pub const FILES: &[(&str, &str, &str)] = message_files!(
    "common",
    "words",
    "flash",
    "domain",
    "errors",
    "dates",
    "access_log",
    "admin_audit",
    "admin_emergency",
    "admin_erase",
    "admin_ledger",
    "admin_status",
    "admin_users",
    "appointments",
    "base",
    "care_team",
    "chart",
    "doctor_dashboard",
    "emergency_access",
    "error",
    "forgot_password",
    "history",
    "lab",
    "landing",
    "login",
    "login_code",
    "logout",
    "mfa",
    "notice",
    "patient_dashboard",
    "patient_register",
    "patients",
    "pharmacy",
    "prescription",
    "prescription_form",
    "prescription_verify",
    "print_records",
    "privacy",
    "record",
    "record_confirm",
    "record_form",
    "records_table",
    "register",
    "reset_link",
    "security",
    "set_password",
    "share",
    "shares",
    "unlock",
);

/// The files whose English texts are sentences domain code and handlers write (looked up by
/// their English text).
const SENTENCE_FILES: &[&str] = &["domain", "flash"];

/// Every message in both languages, parsed once at start and shared by every request.
pub struct Catalog {
    en: FluentBundle<FluentResource>,
    es: FluentBundle<FluentResource>,
    /// The English sentences of [`SENTENCE_FILES`] to their message ids.
    english_ids: HashMap<String, String>,
    /// Those with arguments (`{ $field } is required`): their English pieces and argument
    /// names, and their message id, for sentences the code makes with `format!`.
    patterns: Vec<Pattern>,
    /// What did not parse or was defined twice (empty when the files are sound; a test keeps it so).
    problems: Vec<String>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").field("domain_sentences", &self.english_ids.len()).finish_non_exhaustive()
    }
}

impl Catalog {
    /// Parses the built-in message files. A file that does not parse loses only its broken
    /// entries (listed in [`Catalog::problems`]); a missing message shows its English text.
    pub fn load() -> Self {
        let mut problems = Vec::new();
        let mut en = bundle(Lang::En);
        let mut es = bundle(Lang::Es);
        let mut english_ids = HashMap::new();
        let mut patterns = Vec::new();
        for (name, english, spanish) in FILES {
            for (lang, text, target) in [(Lang::En, *english, &mut en), (Lang::Es, *spanish, &mut es)] {
                let resource = match FluentResource::try_new(text.to_string()) {
                    Ok(r) => r,
                    Err((r, errors)) => {
                        problems.extend(errors.iter().map(|e| format!("{}/{name}.ftl: {e:?}", lang.code())));
                        r
                    }
                };
                if lang == Lang::En && SENTENCE_FILES.contains(name) {
                    for entry in resource.entries() {
                        if let fluent_syntax::ast::Entry::Message(m) = entry
                            && let Some(value) = &m.value
                        {
                            match Pattern::of(value, m.id.name) {
                                Some(pattern) => patterns.push(pattern),
                                None => {
                                    english_ids.insert(plain_text(value), m.id.name.to_string());
                                }
                            }
                        }
                    }
                }
                if let Err(errors) = target.add_resource(resource) {
                    problems.extend(errors.iter().map(|e| format!("{}/{name}.ftl: {e:?}", lang.code())));
                }
            }
        }
        // The most specific pattern first, so a general one does not shadow it.
        patterns.sort_by_key(|p| std::cmp::Reverse(p.literal_len()));
        Self { en, es, english_ids, patterns, problems }
    }

    /// What did not load (parse errors, messages defined twice).
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        match lang {
            Lang::En => &self.en,
            Lang::Es => &self.es,
        }
    }

    /// Whether `key` is a message in `lang`.
    pub fn has(&self, lang: Lang, key: &str) -> bool {
        self.bundle(lang).has_message(key)
    }

    /// The message `key` in `lang` (else in English, else the key itself, so a gap shows
    /// rather than failing the page).
    pub fn text(&self, lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        for bundle in [self.bundle(lang), &self.en] {
            if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return bundle.format_pattern(pattern, args, &mut errors).into_owned();
            }
        }
        key.to_string()
    }

    /// An English sentence from domain code in `lang`: its translation when `domain.ftl` has
    /// it, else the sentence as it is.
    pub fn sentence(&self, lang: Lang, english: &str) -> String {
        if lang == Lang::En {
            return english.to_string();
        }
        let english = english.trim();
        if let Some(key) = self.english_ids.get(english) {
            return self.text(lang, key, None);
        }
        for pattern in &self.patterns {
            if let Some(values) = pattern.matches(english) {
                let mut args = FluentArgs::new();
                for (name, value) in pattern.names.iter().zip(values) {
                    // An argument may be a sentence of its own (a password's weakness).
                    args.set(name.clone(), FluentValue::from(self.sentence(lang, value)));
                }
                return self.text(lang, &pattern.key, Some(&args));
            }
        }
        english.to_string()
    }
}

fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = match lang {
        Lang::En => "en".parse().unwrap_or_default(),
        Lang::Es => "es".parse().unwrap_or_default(),
    };
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Unicode isolation marks around each argument help right-to-left scripts; neither
    // language here is one, and the marks would sit invisibly in copied text.
    bundle.set_use_isolating(false);
    bundle
}

/// An English sentence with arguments, as pieces of text between them.
struct Pattern {
    key: String,
    /// The text before the first argument, between each two, and after the last.
    pieces: Vec<String>,
    /// The arguments' names, in order.
    names: Vec<String>,
}

impl Pattern {
    /// The pattern of a message whose value is text and simple arguments (`{ $name }`); `None`
    /// for one without arguments (or with anything more).
    fn of(pattern: &fluent_syntax::ast::Pattern<&str>, key: &str) -> Option<Self> {
        use fluent_syntax::ast::{Expression, InlineExpression, PatternElement};
        let (mut pieces, mut names, mut text) = (Vec::new(), Vec::new(), String::new());
        for element in &pattern.elements {
            match element {
                PatternElement::TextElement { value } => text.push_str(value),
                PatternElement::Placeable { expression: Expression::Inline(InlineExpression::VariableReference { id }) } => {
                    pieces.push(std::mem::take(&mut text));
                    names.push(id.name.to_string());
                }
                PatternElement::Placeable { .. } => return None,
            }
        }
        pieces.push(text);
        // A pattern of little more than its arguments (`{ $name }: { $said }`) would match
        // any sentence with a colon: those are for handlers to fill in, not to recognise.
        let letters = pieces.iter().flat_map(|p| p.chars()).filter(|c| c.is_alphabetic()).count();
        (!names.is_empty() && letters >= 3).then(|| Self { key: key.to_string(), pieces, names })
    }

    /// How much fixed text it has (more is more specific).
    fn literal_len(&self) -> usize {
        self.pieces.iter().map(String::len).sum()
    }

    /// The arguments' values when `sentence` is this pattern filled in.
    fn matches<'s>(&self, sentence: &'s str) -> Option<Vec<&'s str>> {
        let first = self.pieces.first()?.trim_start();
        let mut rest = sentence.strip_prefix(first)?;
        let mut values = Vec::new();
        for (i, piece) in self.pieces.iter().enumerate().skip(1) {
            let last = i == self.pieces.len() - 1;
            let piece = if last { piece.trim_end() } else { piece.as_str() };
            let (value, after) = if last {
                (rest.strip_suffix(piece)?, "")
            } else if piece.is_empty() {
                return None;
            } else {
                let at = rest.find(piece)?;
                (&rest[..at], &rest[at + piece.len()..])
            };
            if value.is_empty() {
                return None;
            }
            values.push(value);
            rest = after;
        }
        Some(values)
    }
}

/// A message value's text when it has no placeables (the domain sentences have none).
fn plain_text(pattern: &fluent_syntax::ast::Pattern<&str>) -> String {
    let mut out = String::new();
    for element in &pattern.elements {
        match element {
            fluent_syntax::ast::PatternElement::TextElement { value } => out.push_str(value),
            fluent_syntax::ast::PatternElement::Placeable { .. } => out.push('\u{FFFD}'),
        }
    }
    out.trim().to_string()
}

/// A reader's language and the messages to draw their page with. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Words {
    catalog: Arc<Catalog>,
    /// The reader's language.
    pub lang: Lang,
}

#[cfg(test)]
impl Default for Words {
    /// English from a freshly loaded catalog.
    fn default() -> Self {
        Self { catalog: Arc::new(Catalog::load()), lang: Lang::En }
    }
}

impl Words {
    /// `lang` from `catalog`.
    pub fn new(catalog: Arc<Catalog>, lang: Lang) -> Self {
        Self { catalog, lang }
    }

    /// English, from a catalog of its own (tests).
    #[cfg(test)]
    pub fn english() -> Self {
        Self::default()
    }

    /// Whether `key` is a message in this language.
    pub fn has(&self, key: &str) -> bool {
        self.catalog.has(self.lang, key)
    }

    /// The message `key`.
    pub fn t(&self, key: &str) -> String {
        self.catalog.text(self.lang, key, None)
    }

    /// The message `key` with named arguments, each shown as text.
    pub fn with(&self, key: &str, args: &[(&str, &dyn Display)]) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            fluent.set(*name, FluentValue::from(value.to_string()));
        }
        self.catalog.text(self.lang, key, Some(&fluent))
    }

    /// The message `key` with Fluent arguments as they are.
    pub fn with_args(&self, key: &str, args: &FluentArgs<'_>) -> String {
        self.catalog.text(self.lang, key, Some(args))
    }

    /// The message `key` with a count `$n` (its plural forms chosen by the language's rules,
    /// Unicode CLDR).
    pub fn count(&self, key: &str, n: i64) -> String {
        let mut fluent = FluentArgs::new();
        fluent.set("n", FluentValue::from(n));
        self.catalog.text(self.lang, key, Some(&fluent))
    }

    /// An English sentence from domain code, in the reader's language.
    pub fn sentence(&self, english: &str) -> String {
        self.catalog.sentence(self.lang, english)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_offered_language() {
        let pick = |h: &str| Lang::from_accept_language(Some(h));
        assert_eq!(pick("es-ES,es;q=0.9,en;q=0.8"), Lang::Es);
        assert_eq!(pick("fr-FR,fr;q=0.9,es;q=0.5,en;q=0.4"), Lang::Es);
        assert_eq!(pick("en-GB,es;q=0.9"), Lang::En);
        assert_eq!(pick("es;q=0,en"), Lang::En);
        assert_eq!(pick("de,fr"), Lang::En);
        assert_eq!(pick("en;q=0.5, es;q=0.7"), Lang::Es);
        assert_eq!(pick("*"), Lang::En);
        assert_eq!(Lang::from_accept_language(None), Lang::En);
        assert_eq!(Lang::parse("es-MX"), Some(Lang::Es));
        assert_eq!(Lang::parse("pt"), None);
        assert_eq!(Lang::parse("es-<script>"), None);
        assert_eq!(Lang::parse("es-"), None);
        assert_eq!(Lang::parse(&format!("es-{}", "x".repeat(40))), None);
        assert_eq!(pick("en;q=0.250, es;q=0.251"), Lang::Es);
    }

    #[test]
    fn every_message_file_parses_and_every_key_is_in_both_languages() {
        let catalog = Catalog::load();
        assert!(catalog.problems().is_empty(), "message files with problems: {:#?}", catalog.problems());
        let mut missing = Vec::new();
        for (name, english, spanish) in FILES {
            let keys = |text: &str| -> Vec<String> {
                let resource = FluentResource::try_new(text.to_string()).unwrap_or_else(|(r, _)| r);
                resource
                    .entries()
                    .filter_map(|e| match e {
                        fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                        _ => None,
                    })
                    .collect()
            };
            let (en, es) = (keys(english), keys(spanish));
            missing.extend(en.iter().filter(|k| !es.contains(k)).map(|k| format!("es/{name}.ftl lacks {k}")));
            missing.extend(es.iter().filter(|k| !en.contains(k)).map(|k| format!("en/{name}.ftl lacks {k}")));
            for key in en.iter().filter(|k| es.contains(k)) {
                assert_ne!(catalog.text(Lang::Es, key, None).trim(), "", "es/{name}.ftl: {key} is empty");
            }
        }
        assert!(missing.is_empty(), "messages missing in one language: {missing:#?}");
    }

    /// The string literal starting at `text` (just after its opening quote).
    fn literal(text: &str) -> Option<String> {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(out),
                '\\' => out.push(chars.next()?),
                c => out.push(c),
            }
        }
        None
    }

    /// Every English sentence the code hands a page (flash messages, form errors, refusals,
    /// parse errors) has its Spanish in `flash.ftl` or `domain.ftl`; a new sentence without
    /// one fails here.
    #[test]
    fn every_sentence_the_code_shows_has_its_spanish() {
        let catalog = Catalog::load();
        let mut missing = Vec::new();
        let mut seen = 0;
        let mut stack = vec![std::path::PathBuf::from("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.starts_with("src/drugs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let text = text.split("#[cfg(test)]").next().unwrap_or_default();
                // Markers whose next argument is the sentence.
                let direct = ["Flash::done(\"", "Flash::refused(\"", "Error::Forbidden(\"", "return Err(\""];
                let second = ["FieldError::new(", "v.add("];
                for marker in direct {
                    for (i, _) in text.match_indices(marker) {
                        if let Some(s) = literal(&text[i + marker.len()..]) {
                            check(&catalog, &s, &path, &mut missing, &mut seen);
                        }
                    }
                }
                for marker in second {
                    for (i, _) in text.match_indices(marker) {
                        let call = &text[i + marker.len()..];
                        let Some(comma) = call.find(',') else { continue };
                        let rest = call[comma + 1..].trim_start();
                        if let Some(after) = rest.strip_prefix('"')
                            && let Some(s) = literal(after)
                        {
                            check(&catalog, &s, &path, &mut missing, &mut seen);
                        }
                    }
                }
            }
        }
        assert!(seen > 100, "the scan found only {seen} sentences: is it still looking in the right places?");
        assert!(missing.is_empty(), "sentences without Spanish (add them to locales/*/domain.ftl or flash.ftl): {missing:#?}");
    }

    fn check(catalog: &Catalog, sentence: &str, path: &std::path::Path, missing: &mut Vec<String>, seen: &mut usize) {
        if sentence.contains('{') || sentence.trim().is_empty() {
            return;
        }
        *seen += 1;
        if catalog.sentence(Lang::Es, sentence) == sentence {
            missing.push(format!("{}: {sentence}", path.display()));
        }
    }

    /// Cuts out every `open … close` span of `text`.
    fn without(text: &str, open: &str, close: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find(open) {
            out.push_str(&rest[..i]);
            out.push(' ');
            rest = rest[i + open.len()..].find(close).map(|j| &rest[i + open.len() + j + close.len()..]).unwrap_or("");
        }
        out.push_str(rest);
        out
    }

    /// No template says anything outside a message (text, and the attributes people read),
    /// and every message a template or handler names exists in both languages.
    #[test]
    fn templates_say_everything_through_messages_that_exist_in_both_languages() {
        let catalog = Catalog::load();
        let mut problems = Vec::new();
        let mut files: Vec<std::path::PathBuf> = Vec::new();
        let mut stack = vec![std::path::PathBuf::from("templates"), std::path::PathBuf::from("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "html" || e == "rs") {
                    files.push(path);
                }
            }
        }
        let mut used = 0;
        for path in &files {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            for marker in ["nav.t(\"", "nav.t1(\"", "nav.t2(\"", "nav.t3(\"", "nav.tn(\"", "words.t(\"", "words.with(\"", "words.count(\""]
            {
                for (i, _) in text.match_indices(marker) {
                    let Some(key) = literal(&text[i + marker.len()..]) else { continue };
                    used += 1;
                    for lang in Lang::ALL {
                        if !catalog.has(lang, &key) {
                            problems.push(format!("{}: {key} is not in locales/{}", path.display(), lang.code()));
                        }
                    }
                }
            }
            if path.extension().is_some_and(|e| e == "html") {
                let mut bare = without(&without(&without(text, "{#", "#}"), "{{", "}}"), "{%", "%}");
                bare = without(&without(&bare, "<script", "</script>"), "<style", "</style>");
                // The attributes people read (or hear).
                for attribute in ["placeholder=\"", "aria-label=\"", "title=\"", "alt=\"", "data-label=\""] {
                    for (i, _) in bare.match_indices(attribute) {
                        let value = bare[i + attribute.len()..].split('"').next().unwrap_or_default();
                        if value.chars().filter(char::is_ascii_alphabetic).count() >= 2 {
                            problems.push(format!("{}: {attribute}{value}\" is not a message", path.display()));
                        }
                    }
                }
                let text_only = without(&bare, "<", ">");
                for word in text_only.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 2) {
                    if word != "careledger" {
                        problems.push(format!("{}: \"{word}\" is outside a message", path.display()));
                    }
                }
            }
        }
        assert!(used > 500, "only {used} messages named: is the scan still looking in the right places?");
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn plurals_and_arguments_follow_each_language() {
        let catalog = Arc::new(Catalog::load());
        let en = Words::new(catalog.clone(), Lang::En);
        let es = Words::new(catalog, Lang::Es);
        assert_eq!(en.count("ago-minutes", 1), "1 minute ago");
        assert_eq!(en.count("ago-minutes", 3), "3 minutes ago");
        assert_eq!(es.count("ago-minutes", 1), "hace 1 minuto");
        assert_eq!(es.count("ago-minutes", 3), "hace 3 minutos");
        assert_eq!(es.t("no-such-key-anywhere"), "no-such-key-anywhere");
        // Sentences the code makes with `format!`, matched by their pattern.
        assert_eq!(es.sentence("title must be at most 200 characters"), "el título debe tener como máximo 200 caracteres");
        assert_eq!(es.sentence("substance must be at most 120 characters"), "debe tener como máximo 120 caracteres");
        assert_eq!(es.sentence("substance is required"), "este campo es obligatorio");
        assert_eq!(
            es.sentence("password is too weak: it is easy to guess. Add more words or characters."),
            "la contraseña es demasiado débil: es fácil de adivinar. Añada más palabras o caracteres."
        );
        assert_eq!(en.sentence("substance is required"), "substance is required");
        assert_eq!(es.sentence("something nobody wrote"), "something nobody wrote");
    }
}
