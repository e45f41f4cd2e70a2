//! Parsing, validating and querying the knowledge base's two kinds of CSV file.
//!
//! `drugs.csv`: `name,synonyms,classes,min_daily_mg,max_daily_mg,source`: one generic name per
//! row (lowercase), synonyms and classes separated by `|`, the usual adult daily dose range in
//! milligrams (both empty when no single range fits, such as a drug mostly inhaled), and where
//! the row comes from. `interactions.csv`: `a,b,severity,message,source`: `a` and `b` each a
//! drug (its name or a synonym) or `class:<class>`, severity `high`, `moderate` or `low`.
//! Files are RFC 4180 CSV with a header line; every error names its file and line.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

/// The files shipped with careledger, compiled in.
const BUILTIN: [(&str, &str); 2] = [
    ("assets/drugs/drugs.csv", include_str!("../../assets/drugs/drugs.csv")),
    ("assets/drugs/interactions.csv", include_str!("../../assets/drugs/interactions.csv")),
];

/// Classes within which an allergy to one member counts as an allergy to all.
const CROSS_REACTIVE: [&str; 1] = ["penicillin"];

const DRUGS_HEADER: [&str; 6] = ["name", "synonyms", "classes", "min_daily_mg", "max_daily_mg", "source"];
const INTERACTIONS_HEADER: [&str; 5] = ["a", "b", "severity", "message", "source"];

/// What is wrong with a knowledge-base file, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct DrugFileError {
    /// The file as it was named.
    pub file: String,
    /// Its line (1 is the header; 0 when the error is about the whole file).
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// Which of the two kinds a file is, told by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Drugs, their classes and dose ranges.
    Drugs,
    /// Drug–drug interactions.
    Interactions,
}

/// How serious an interaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Avoid the combination (contraindicated or dangerous).
    High,
    /// Use with monitoring or a changed dose.
    Moderate,
    /// Worth knowing.
    Low,
}

impl Severity {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "high" => Some(Self::High),
            "moderate" => Some(Self::Moderate),
            "low" => Some(Self::Low),
            _ => None,
        }
    }
}

/// One drug.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drug {
    /// Its generic name (lowercase).
    pub name: String,
    /// Other names it is found under (lowercase).
    pub synonyms: Vec<String>,
    /// Its classes (`nsaid`, `penicillin`, ...).
    pub classes: Vec<String>,
    /// The usual adult daily dose range in mg, when one range fits.
    pub daily_mg: Option<(f64, f64)>,
    /// Where the row comes from.
    pub source: String,
}

/// One side of an interaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    /// A drug, by generic name.
    Drug(String),
    /// Every drug of a class.
    Class(String),
}

impl Party {
    fn matches(&self, drug: &Drug) -> bool {
        match self {
            Party::Drug(name) => *name == drug.name,
            Party::Class(class) => drug.classes.iter().any(|c| c == class),
        }
    }
}

/// A known interaction between two drugs or classes.
#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    /// One side.
    pub a: Party,
    /// The other.
    pub b: Party,
    /// How serious.
    pub severity: Severity,
    /// What happens and what to do.
    pub message: String,
    /// Where the row comes from.
    pub source: String,
}

/// The loaded knowledge base. Built once at start and shared; lookups take no lock.
#[derive(Debug, Default, Clone)]
pub struct DrugBase {
    drugs: Vec<Drug>,
    /// Normalised name or synonym → index in `drugs`.
    names: HashMap<String, usize>,
    interactions: Vec<Interaction>,
}

/// A name as the base compares it: letters without accents, lowercase, single spaces.
pub fn normalise(name: &str) -> String {
    // Invisible format characters (zero-width space and joiners, soft hyphen, bidi marks, BOM)
    // are dropped too: a name must not dodge the checks by holding one.
    let invisible = |c: char| matches!(c, '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}');
    let folded: String = name
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c) && !invisible(*c) && !c.is_control())
        .collect::<String>()
        .to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Other names people write for a class (English and Spanish, as normalised), such as an
/// allergy recorded as "NSAIDs", "AINE" or "penicilinas".
const CLASS_NAMES: &[(&str, &[&str])] = &[
    (
        "nsaid",
        &[
            "aine",
            "aines",
            "antiinflamatorio no esteroideo",
            "antiinflamatorios no esteroideos",
            "non-steroidal anti-inflammatory drug",
            "non-steroidal anti-inflammatory drugs",
        ],
    ),
    ("penicillin", &["penicilina", "penicilinas", "betalactamico", "betalactamicos", "beta-lactam", "beta-lactams"]),
    ("statin", &["estatina", "estatinas"]),
    ("macrolide", &["macrolido", "macrolidos"]),
    ("fluoroquinolone", &["fluoroquinolona", "fluoroquinolonas", "quinolona", "quinolonas"]),
    ("ssri", &["isrs", "selective serotonin reuptake inhibitor", "selective serotonin reuptake inhibitors"]),
    ("maoi", &["imao", "monoamine oxidase inhibitor", "monoamine oxidase inhibitors"]),
    ("ace-inhibitor", &["ieca", "inhibidor de la eca", "inhibidores de la eca", "ace inhibitor", "ace inhibitors"]),
    ("anticoagulant", &["anticoagulante", "anticoagulantes"]),
    ("antiplatelet", &["antiagregante", "antiagregantes", "antiagregante plaquetario", "antiagregantes plaquetarios"]),
    (
        "vitamin-k-antagonist",
        &["antagonista de la vitamina k", "antagonistas de la vitamina k", "avk", "vitamin k antagonist", "vitamin k antagonists"],
    ),
    ("nitrate", &["nitrato", "nitratos"]),
    ("pde5-inhibitor", &["inhibidor de la pde5", "inhibidores de la pde5", "pde5 inhibitor", "pde5 inhibitors"]),
    ("biguanide", &["biguanida", "biguanidas"]),
    ("antifolate", &["antifolato", "antifolatos"]),
    ("triptan", &["triptan", "triptanes"]),
    (
        "ppi",
        &[
            "ibp",
            "inhibidor de la bomba de protones",
            "inhibidores de la bomba de protones",
            "proton pump inhibitor",
            "proton pump inhibitors",
        ],
    ),
    ("calcium-channel-blocker", &["calcioantagonista", "calcioantagonistas", "calcium channel blocker", "calcium channel blockers"]),
    ("beta2-agonist", &["agonista beta2", "agonistas beta2", "beta2 agonist", "beta2 agonists"]),
    ("protease-inhibitor", &["inhibidor de la proteasa", "inhibidores de la proteasa", "protease inhibitor", "protease inhibitors"]),
    ("analgesic", &["analgesico", "analgesicos"]),
    ("muscle-relaxant", &["relajante muscular", "relajantes musculares", "muscle relaxant", "muscle relaxants"]),
    ("antibacterial", &["antibacteriano", "antibacterianos", "antibiotico", "antibioticos"]),
];

/// The class codes a normalised name may stand for: the code itself (`nsaid`), its plural
/// (`nsaids`), with spaces for hyphens (`ace inhibitors`), or another name in [`CLASS_NAMES`].
fn class_candidates(name: &str) -> Vec<String> {
    if let Some((class, _)) = CLASS_NAMES.iter().find(|(_, names)| names.contains(&name)) {
        return vec![(*class).to_string()];
    }
    let hyphened = name.replace(' ', "-");
    let singular = hyphened.strip_suffix('s').map(str::to_string);
    std::iter::once(hyphened).chain(singular).collect()
}

/// The Levenshtein distance between two names (insertions, deletions, substitutions).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

fn is_class_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

impl DrugBase {
    /// The files shipped with careledger.
    pub fn builtin() -> Result<Self, Vec<DrugFileError>> {
        let mut base = Self::default();
        base.add_files(BUILTIN.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect())?;
        Ok(base)
    }

    /// The shipped files and then every `*.csv` in `dir` (a clinic's additions), in name order.
    pub fn load(dir: Option<&Path>) -> Result<Self, Vec<DrugFileError>> {
        let mut base = Self::builtin()?;
        if let Some(dir) = dir {
            base.add_files(read_dir(dir)?)?;
        }
        Ok(base)
    }

    /// Adds files (name, text): drugs files before interaction files, so an interaction may
    /// name a drug from any of them. Nothing is added when any file has an error; every error
    /// found is returned.
    pub fn add_files(&mut self, files: Vec<(String, String)>) -> Result<(), Vec<DrugFileError>> {
        let mut next = self.clone();
        let mut errors = Vec::new();
        let mut parsed = Vec::new();
        for (name, text) in files {
            match parse_csv(&name, &text) {
                Ok((kind, rows)) => parsed.push((name, kind, rows)),
                Err(e) => errors.push(e),
            }
        }
        parsed.sort_by_key(|(_, kind, _)| *kind == FileKind::Interactions);
        for (name, kind, rows) in &parsed {
            for (line, row) in rows {
                let added = match kind {
                    FileKind::Drugs => next.add_drug(row),
                    FileKind::Interactions => next.add_interaction(row),
                };
                if let Err(message) = added {
                    errors.push(DrugFileError { file: name.clone(), line: *line, message });
                }
            }
        }
        if errors.is_empty() {
            *self = next;
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn add_drug(&mut self, row: &[String]) -> Result<(), String> {
        let [name, synonyms, classes, min, max, source] = row else {
            return Err(format!("expected {} fields", DRUGS_HEADER.len()));
        };
        let name = name.trim();
        if name.is_empty() {
            return Err("the name is empty".into());
        }
        if normalise(name) != name {
            return Err(format!("the name `{name}` must be written lowercase, without accents, with single spaces"));
        }
        let synonyms: Vec<String> = split_list(synonyms).map(normalise).collect();
        let classes: Vec<String> = split_list(classes).map(str::to_string).collect();
        if classes.is_empty() {
            return Err(format!("`{name}` has no class"));
        }
        if let Some(bad) = classes.iter().find(|c| !is_class_name(c)) {
            return Err(format!("the class `{bad}` must be lowercase letters, digits and hyphens"));
        }
        let daily_mg = match (min.trim(), max.trim()) {
            ("", "") => None,
            (lo, hi) => {
                let lo = parse_mg(lo).ok_or_else(|| format!("min_daily_mg `{lo}` is not a positive number of mg"))?;
                let hi = parse_mg(hi).ok_or_else(|| format!("max_daily_mg `{hi}` is not a positive number of mg"))?;
                if lo > hi {
                    return Err(format!("min_daily_mg {lo} is above max_daily_mg {hi}"));
                }
                Some((lo, hi))
            }
        };
        if source.trim().is_empty() {
            return Err(format!("`{name}` names no source"));
        }
        let index = self.drugs.len();
        // Every name checked before any is taken, so a refused row leaves nothing behind.
        let all: Vec<String> = std::iter::once(name.to_string()).chain(synonyms.iter().cloned()).collect();
        for (i, n) in all.iter().enumerate() {
            if n.contains(':') {
                return Err(format!("the name `{n}` must not hold `:` (it would read as `class:`)"));
            }
            if all[..i].contains(n) {
                return Err(format!("`{n}` is given twice in this row"));
            }
            if let Some(&other) = self.names.get(n) {
                return Err(format!("`{n}` is already a name of `{}`", self.drugs[other].name));
            }
        }
        for n in all {
            self.names.insert(n, index);
        }
        self.drugs.push(Drug { name: name.to_string(), synonyms, classes, daily_mg, source: source.trim().to_string() });
        Ok(())
    }

    fn party(&self, s: &str) -> Result<Party, String> {
        let s = s.trim();
        match s.strip_prefix("class:").map(str::trim) {
            Some(class) if self.drugs.iter().any(|d| d.classes.iter().any(|c| c == class)) => Ok(Party::Class(class.to_string())),
            Some(class) => Err(format!("no drug in the knowledge base has the class `{class}`")),
            None => self.find(s).map(|d| Party::Drug(d.name.clone())).ok_or_else(|| format!("`{s}` is not a drug in the knowledge base")),
        }
    }

    fn add_interaction(&mut self, row: &[String]) -> Result<(), String> {
        let [a, b, severity, message, source] = row else {
            return Err(format!("expected {} fields", INTERACTIONS_HEADER.len()));
        };
        let (a, b) = (self.party(a)?, self.party(b)?);
        if a == b {
            return Err("both sides are the same".into());
        }
        let severity = Severity::parse(severity.trim()).ok_or_else(|| format!("severity `{severity}` is not high, moderate or low"))?;
        if message.trim().is_empty() {
            return Err("the message is empty".into());
        }
        if source.trim().is_empty() {
            return Err("the row names no source".into());
        }
        if self.interactions.iter().any(|i| (i.a == a && i.b == b) || (i.a == b && i.b == a)) {
            return Err("this pair is already in the knowledge base".into());
        }
        self.interactions.push(Interaction { a, b, severity, message: message.trim().to_string(), source: source.trim().to_string() });
        Ok(())
    }

    /// The drug a prescriber's word names (generic name or synonym; case, accents and spacing
    /// do not matter).
    pub fn find(&self, name: &str) -> Option<&Drug> {
        self.names.get(&normalise(name)).map(|&i| &self.drugs[i])
    }

    /// The known interactions between two drugs, most serious first.
    pub fn interactions(&self, x: &Drug, y: &Drug) -> Vec<&Interaction> {
        let mut found: Vec<&Interaction> =
            self.interactions.iter().filter(|i| (i.a.matches(x) && i.b.matches(y)) || (i.a.matches(y) && i.b.matches(x))).collect();
        found.sort_by_key(|i| i.severity);
        found
    }

    /// Whether an allergy to `substance` (a drug, a synonym or a class, such as `penicillin`,
    /// `Penicillins` or `class:nsaid`) rules out `drug`. An allergy to one drug of a
    /// cross-reactive class (the penicillins: a shared beta-lactam ring) covers the whole class.
    pub fn allergy_covers(&self, substance: &str, drug: &Drug) -> bool {
        let substance = normalise(substance);
        let substance = substance.strip_prefix("class:").map_or(substance.as_str(), str::trim);
        if let Some(named) = self.find(substance) {
            if named.name == drug.name {
                return true;
            }
            if named.classes.iter().any(|c| CROSS_REACTIVE.contains(&c.as_str()) && drug.classes.contains(c)) {
                return true;
            }
        }
        let candidates = class_candidates(substance);
        drug.classes.iter().any(|c| candidates.contains(c))
    }

    /// The one known drug named inside a longer name (`Amoxicillin 500mg`, `amoxicillin
    /// tablets`): a word of it, or two words in a row, that is a drug's name or synonym; `None`
    /// when there is none or more than one.
    pub fn find_within(&self, name: &str) -> Option<&Drug> {
        let folded = normalise(name);
        let words: Vec<&str> = folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
        let mut found: Option<usize> = None;
        let pairs = words.windows(2).map(|w| format!("{} {}", w[0], w[1]));
        for candidate in words.iter().map(|w| (*w).to_string()).chain(pairs) {
            if let Some(&i) = self.names.get(&candidate) {
                match found {
                    Some(j) if j != i => return None,
                    _ => found = Some(i),
                }
            }
        }
        found.map(|i| &self.drugs[i])
    }

    /// The drug a name not in the base was probably meant to be: the one name or synonym within
    /// two edits (Levenshtein) of it, for names of five letters or more; `None` when there is
    /// none or more than one.
    pub fn closest(&self, name: &str) -> Option<&Drug> {
        let name = normalise(name);
        if name.chars().count() < 5 || self.names.contains_key(&name) {
            return None;
        }
        let mut found: Option<usize> = None;
        for (known, &i) in &self.names {
            if edit_distance(&name, known) <= 2 {
                match found {
                    Some(j) if j != i => return None,
                    _ => found = Some(i),
                }
            }
        }
        found.map(|i| &self.drugs[i])
    }

    /// How many drugs, classes and interactions the base holds.
    pub fn counts(&self) -> (usize, usize, usize) {
        let classes: BTreeSet<&String> = self.drugs.iter().flat_map(|d| &d.classes).collect();
        (self.drugs.len(), classes.len(), self.interactions.len())
    }

    /// Every drug, in the order loaded.
    pub fn drugs(&self) -> &[Drug] {
        &self.drugs
    }
}

fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split('|').map(str::trim).filter(|x| !x.is_empty())
}

fn parse_mg(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0)
}

/// A file's kind (from its header) and its rows with their line numbers.
type Rows = Vec<(u64, Vec<String>)>;

fn parse_csv(name: &str, text: &str) -> Result<(FileKind, Rows), DrugFileError> {
    let error = |line: u64, message: String| DrugFileError { file: name.to_string(), line, message };
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().map_err(|e| error(1, e.to_string()))?.iter().map(|h| h.trim().to_string()).collect();
    let kind = if header == DRUGS_HEADER {
        FileKind::Drugs
    } else if header == INTERACTIONS_HEADER {
        FileKind::Interactions
    } else {
        return Err(error(
            1,
            format!("the header must be `{}` (drugs) or `{}` (interactions)", DRUGS_HEADER.join(","), INTERACTIONS_HEADER.join(",")),
        ));
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| error(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        rows.push((line, record.iter().map(str::to_string).collect()));
    }
    Ok((kind, rows))
}

/// Every `*.csv` in `dir`, in name order.
fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, Vec<DrugFileError>> {
    let whole = |message: String| vec![DrugFileError { file: dir.display().to_string(), line: 0, message }];
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| whole(format!("cannot read the folder: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            std::fs::read_to_string(&p)
                .map(|t| (p.display().to_string(), t))
                .map_err(|e| vec![DrugFileError { file: p.display().to_string(), line: 0, message: format!("cannot read: {e}") }])
        })
        .collect()
}

/// Validates files together against the shipped base, as `serve --drug-data` would load them
/// (an interaction file may name drugs from the shipped files or from another file given):
/// each file's kind and row count, or every error found.
pub fn check_files(paths: &[std::path::PathBuf]) -> Result<Vec<(FileKind, usize)>, Vec<DrugFileError>> {
    let mut files = Vec::new();
    let mut summary = Vec::new();
    let mut errors = Vec::new();
    let mut shipped_given = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                errors.push(DrugFileError { file: name, line: 0, message: format!("cannot read: {e}") });
                continue;
            }
        };
        match parse_csv(&name, &text) {
            Ok((kind, rows)) => summary.push((kind, rows.len())),
            Err(e) => {
                errors.push(e);
                continue;
            }
        }
        // A shipped file itself (same text): checked from scratch, not against itself.
        if let Some(i) = BUILTIN.iter().position(|(_, t)| *t == text) {
            shipped_given.push(i);
        }
        files.push((name, text));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut base = DrugBase::default();
    // The shipped files not given are the base the given ones are checked against.
    let rest: Vec<(String, String)> =
        BUILTIN.iter().enumerate().filter(|(i, _)| !shipped_given.contains(i)).map(|(_, (n, t))| (n.to_string(), t.to_string())).collect();
    base.add_files(rest)?;
    base.add_files(files)?;
    Ok(summary)
}

#[cfg(test)]
// In tests a failed unwrap is a failed test (the lint holds outside tests).
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn base() -> DrugBase {
        DrugBase::builtin().unwrap()
    }

    #[test]
    fn the_shipped_files_load_and_hold_what_the_issue_lists() {
        let b = base();
        for name in [
            "amoxicillin",
            "ampicillin",
            "penicillin",
            "ibuprofen",
            "naproxen",
            "aspirin",
            "warfarin",
            "sildenafil",
            "tadalafil",
            "nitroglycerin",
            "isosorbide mononitrate",
            "paracetamol",
            "acetaminophen",
            "metformin",
            "simvastatin",
            "clarithromycin",
            "methotrexate",
            "trimethoprim",
            "tizanidine",
            "ciprofloxacin",
            "fluoxetine",
            "sertraline",
            "phenelzine",
            "lisinopril",
            "amlodipine",
            "atorvastatin",
            "omeprazole",
            "salbutamol",
        ] {
            assert!(b.find(name).is_some(), "{name} missing");
        }
        assert_eq!(b.find("Acetaminophen").unwrap().name, "paracetamol");
        assert_eq!(b.find("  PARACÉTAMOL ").unwrap().name, "paracetamol");
        let (drugs, classes, interactions) = b.counts();
        assert!(drugs >= 28 && classes >= 15 && interactions >= 10, "{drugs} {classes} {interactions}");
    }

    #[test]
    fn interactions_match_by_name_and_by_class_either_way_round() {
        let b = base();
        let d = |n: &str| b.find(n).unwrap().clone();
        // By class on both sides.
        assert_eq!(b.interactions(&d("tadalafil"), &d("isosorbide mononitrate"))[0].severity, Severity::High);
        assert_eq!(b.interactions(&d("nitroglycerin"), &d("sildenafil"))[0].severity, Severity::High);
        // A drug against a class.
        assert_eq!(b.interactions(&d("naproxen"), &d("warfarin"))[0].severity, Severity::High);
        assert_eq!(b.interactions(&d("sertraline"), &d("phenelzine"))[0].severity, Severity::High);
        assert_eq!(b.interactions(&d("simvastatin"), &d("clarithromycin"))[0].severity, Severity::High);
        assert_eq!(b.interactions(&d("trimethoprim"), &d("methotrexate"))[0].severity, Severity::High);
        assert_eq!(b.interactions(&d("tizanidine"), &d("ciprofloxacin"))[0].severity, Severity::High);
        // Nothing known.
        assert!(b.interactions(&d("paracetamol"), &d("amoxicillin")).is_empty());
        assert!(b.interactions(&d("metformin"), &d("omeprazole")).is_empty());
    }

    #[test]
    fn an_allergy_covers_the_drug_its_synonyms_and_its_class() {
        let b = base();
        let amox = b.find("amoxicillin").unwrap();
        assert!(b.allergy_covers("Penicillin", amox));
        assert!(b.allergy_covers("amoxycillin", amox));
        assert!(!b.allergy_covers("ibuprofen", amox));
        assert!(b.allergy_covers("nsaid", b.find("ibuprofen").unwrap()));
        assert!(b.allergy_covers("acetaminophen", b.find("paracetamol").unwrap()));
        // Cross-reactive class, plurals and the class: form.
        assert!(b.allergy_covers("amoxicillin", b.find("ampicillin").unwrap()));
        assert!(b.allergy_covers("penicillin vk", amox));
        assert!(b.allergy_covers("Penicillins", amox));
        // Written in Spanish, or as a class's everyday name (the allergy form suggests both).
        let ibu = b.find("ibuprofeno").unwrap();
        assert_eq!(ibu.name, "ibuprofen");
        assert!(b.allergy_covers("AINE", ibu));
        assert!(b.allergy_covers("ibuprofeno", ibu));
        assert!(b.allergy_covers("penicilinas", amox));
        assert!(b.allergy_covers("Penicilina", amox));
        assert!(b.allergy_covers("ACE inhibitors", b.find("lisinopril").unwrap()));
        assert!(b.allergy_covers("IECA", b.find("lisinopril").unwrap()));
        assert!(b.allergy_covers("dmards", b.find("methotrexate").unwrap()));
        assert!(!b.allergy_covers("AINE", amox));
        assert!(!b.allergy_covers("estatinas", ibu));
        assert!(b.allergy_covers("NSAIDs", b.find("naproxen").unwrap()));
        assert!(b.allergy_covers("class:nsaid", b.find("naproxen").unwrap()));
        // NSAIDs are not one cross-reactive class here: an ibuprofen allergy names ibuprofen.
        assert!(!b.allergy_covers("ibuprofen", b.find("naproxen").unwrap()));
    }

    fn check(kind_header: &str, body: &str) -> Vec<DrugFileError> {
        let mut b = base();
        b.add_files(vec![("clinic.csv".into(), format!("{kind_header}\n{body}"))]).err().unwrap_or_default()
    }

    const DRUGS: &str = "name,synonyms,classes,min_daily_mg,max_daily_mg,source";
    const INTER: &str = "a,b,severity,message,source";

    #[test]
    fn bad_rows_are_refused_with_their_file_and_line() {
        let e = check(DRUGS, "newdrug,,nsaid,10,5,label");
        assert_eq!((e[0].file.as_str(), e[0].line), ("clinic.csv", 2));
        assert!(e[0].message.contains("above"), "{e:?}");
        assert!(check(DRUGS, "Newdrug,,nsaid,,,label")[0].message.contains("lowercase"));
        assert!(check(DRUGS, "newdrug,,,,,label")[0].message.contains("no class"));
        assert!(check(DRUGS, "newdrug,,NSAID,,,label")[0].message.contains("class"));
        assert!(check(DRUGS, "newdrug,,nsaid,abc,10,label")[0].message.contains("min_daily_mg"));
        assert!(check(DRUGS, "newdrug,,nsaid,,,")[0].message.contains("source"));
        assert!(check(DRUGS, "newdrug,acetaminophen,nsaid,,,label")[0].message.contains("paracetamol"));
        assert!(check(DRUGS, "ibuprofen,,nsaid,,,label")[0].message.contains("already"));
        // A name given twice in its own row, and a name that would read as a class.
        assert!(check(DRUGS, "newdrug,Newdrug,nsaid,,,label")[0].message.contains("twice"));
        assert!(check(DRUGS, "newdrug,nd|ND,nsaid,,,label")[0].message.contains("twice"));
        assert!(check(DRUGS, "newdrug,class:nsaid,nsaid,,,label")[0].message.contains(":"));
        assert!(check(INTER, "ibuprofen,nodrug,high,x,src")[0].message.contains("nodrug"));
        assert!(check(INTER, "ibuprofen,class:nope,high,x,src")[0].message.contains("nope"));
        assert!(check(INTER, "ibuprofen,metformin,severe,x,src")[0].message.contains("severity"));
        // A pair covered by a class row may still get a row of its own.
        assert!(check(INTER, "naproxen,warfarin,high,x,src").is_empty());
        assert!(check(INTER, "class:nsaid,warfarin,high,x,src")[0].message.contains("already"));
        assert!(check("name,classes", "x,y")[0].message.contains("header"));
        // Two errors in one file: both reported, and nothing of the file added.
        let mut b = base();
        let before = b.counts();
        let e = b.add_files(vec![("c.csv".into(), format!("{DRUGS}\ngooddrug,,nsaid,,,src\nbad,,,,,src\nworse,,x y,,,src"))]).unwrap_err();
        assert_eq!(e.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(b.counts(), before);
    }

    #[test]
    fn a_clinic_adds_a_drug_and_its_interaction_in_one_go() {
        let mut b = base();
        b.add_files(vec![
            ("z-inter.csv".into(), format!("{INTER}\nnewcoxib,warfarin,moderate,Bleeding,Clinic formulary 2026")),
            ("a-drugs.csv".into(), format!("{DRUGS}\nnewcoxib,nc-1,nsaid|coxib,100,400,Clinic formulary 2026")),
        ])
        .unwrap();
        let new = b.find("NC-1").unwrap().clone();
        // Its own row and the shipped class row (warfarin + NSAIDs) both apply.
        let found = b.interactions(&new, b.find("warfarin").unwrap());
        assert_eq!(found.iter().map(|i| i.severity).collect::<Vec<_>>(), vec![Severity::High, Severity::Moderate]);
    }
}
