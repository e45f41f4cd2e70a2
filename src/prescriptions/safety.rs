//! The offline drug-safety checks of a prescription, pure: its items against each other, the
//! patient's active prescriptions, their allergies (by substance and by class) and the usual
//! adult daily dose range, all from the knowledge base careledger ships (`drugs/`).

use crate::drugs::base::{Drug, DrugBase, Severity};
use crate::error::SafetyWarning;
use crate::prescriptions::model::Item;

/// Warnings that stop a prescription until acknowledged: every one but a `low` `unknown_drug`
/// (a drug the base does not know and that looks like none it knows).
pub fn blocking(warnings: &[SafetyWarning]) -> bool {
    warnings.iter().any(|w| !(w.kind == "unknown_drug" && w.severity == "low"))
}

/// Therapeutic classes whose two members on one patient are duplicate therapy (mechanism
/// classes such as `strong-cyp3a4-inhibitor` are not).
const DUPLICATE_THERAPY: [&str; 12] = [
    "nsaid",
    "ssri",
    "statin",
    "pde5-inhibitor",
    "ppi",
    "ace-inhibitor",
    "maoi",
    "penicillin",
    "macrolide",
    "fluoroquinolone",
    "calcium-channel-blocker",
    "vitamin-k-antagonist",
];

fn severity(s: Severity) -> String {
    match s {
        Severity::High => "high",
        Severity::Moderate => "moderate",
        Severity::Low => "low",
    }
    .into()
}

fn warning(kind: &str, severity: String, drugs: Vec<String>, message: String) -> SafetyWarning {
    SafetyWarning { kind: kind.into(), severity, drugs, message }
}

/// Every warning for `items`, given the drugs the patient already takes (`active`, as written)
/// and their recorded allergy substances; most serious first.
pub fn check(base: &DrugBase, items: &[Item], active: &[String], allergies: &[String]) -> Vec<SafetyWarning> {
    let mut out = Vec::new();
    // A known drug named inside a longer name (`Amoxicillin 500mg`) is checked as that drug,
    // and the prescriber is asked to write the name alone (a blocking warning).
    let known: Vec<Option<&Drug>> = items.iter().map(|i| base.find(&i.drug).or_else(|| base.find_within(&i.drug))).collect();
    for (item, drug) in items.iter().zip(&known) {
        if let Some(d) = drug
            && base.find(&item.drug).is_none()
        {
            out.push(warning(
                "unknown_drug",
                "moderate".into(),
                vec![item.drug.clone()],
                format!(
                    "\"{}\" was read as {}: write the drug's name alone (the strength goes in the dose, the form in the instructions), or acknowledge.",
                    item.drug, d.name
                ),
            ));
        }
    }
    for (item, drug) in items.iter().zip(&known) {
        let Some(drug) = drug else {
            // A near miss of a known name is most likely that drug misspelt: it stops the
            // prescription (a misspelling must not skip the allergy check).
            match base.closest(&item.drug) {
                Some(meant) => out.push(warning(
                    "unknown_drug",
                    "moderate".into(),
                    vec![item.drug.clone()],
                    format!(
                        "{} is not in the drug knowledge base. Did you mean {}? Nothing was checked: correct the name, or acknowledge to prescribe it as written.",
                        item.drug, meant.name
                    ),
                )),
                None => out.push(warning(
                    "unknown_drug",
                    "low".into(),
                    vec![item.drug.clone()],
                    format!("{} is not in the drug knowledge base: no interaction, allergy or dose check was possible.", item.drug),
                )),
            }
            // An allergy written with this very name still counts.
            for substance in allergies {
                if crate::drugs::base::normalise(substance) == crate::drugs::base::normalise(&item.drug) {
                    out.push(allergy(&item.drug, substance));
                }
            }
            continue;
        };
        for substance in allergies {
            if base.allergy_covers(substance, drug) {
                out.push(allergy(&item.drug, substance));
            }
        }
        if let Some((low, high)) = drug.daily_mg {
            let daily = item.dose_mg * item.frequency_per_day as f64;
            if daily > high {
                out.push(warning(
                    "dose",
                    "high".into(),
                    vec![item.drug.clone()],
                    format!("{} mg a day is above the usual adult maximum of {high} mg a day for {}.", trim(daily), drug.name),
                ));
            } else if daily < low {
                out.push(warning(
                    "dose",
                    "low".into(),
                    vec![item.drug.clone()],
                    format!("{} mg a day is below the usual adult range ({low}–{high} mg a day) for {}.", trim(daily), drug.name),
                ));
            }
        }
    }
    // Each pair of items, then each item against each drug already taken.
    for i in 0..items.len() {
        for j in i + 1..items.len() {
            if let (Some(x), Some(y)) = (known[i], known[j]) {
                pair(base, x, y, &items[i].drug, &items[j].drug, "", &mut out);
            }
        }
        if let Some(x) = known[i] {
            for taken in active {
                if let Some(y) = base.find(taken) {
                    pair(base, x, y, &items[i].drug, taken, " (already prescribed)", &mut out);
                }
            }
        }
    }
    out.sort_by_key(|w| match w.severity.as_str() {
        "high" => 0,
        "moderate" => 1,
        _ => 2,
    });
    out
}

fn allergy(drug: &str, substance: &str) -> SafetyWarning {
    warning(
        "allergy",
        "high".into(),
        vec![drug.to_string()],
        format!("The patient has a recorded allergy to {substance}, which covers {drug}."),
    )
}

fn pair(base: &DrugBase, x: &Drug, y: &Drug, x_as: &str, y_as: &str, note: &str, out: &mut Vec<SafetyWarning>) {
    if x.name == y.name {
        out.push(warning(
            "interaction",
            "moderate".into(),
            vec![x_as.to_string(), format!("{y_as}{note}")],
            format!("{} is prescribed twice: the doses add up.", x.name),
        ));
        return;
    }
    if let Some(class) = x.classes.iter().find(|c| DUPLICATE_THERAPY.contains(&c.as_str()) && y.classes.contains(c)) {
        out.push(warning(
            "interaction",
            "moderate".into(),
            vec![x_as.to_string(), format!("{y_as}{note}")],
            format!("{} and {} are both {class} drugs: duplicate therapy, their effects and side effects add up.", x.name, y.name),
        ));
    }
    for i in base.interactions(x, y) {
        out.push(warning("interaction", severity(i.severity), vec![x_as.to_string(), format!("{y_as}{note}")], i.message.clone()));
    }
}

/// A dose without a needless `.0`.
fn trim(mg: f64) -> String {
    let s = format!("{mg:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn item(drug: &str, dose_mg: f64, frequency_per_day: i64) -> Item {
        Item { drug: drug.into(), generic: None, dose_mg, frequency_per_day, duration_days: 7, instructions: None }
    }

    fn kinds(w: &[SafetyWarning]) -> Vec<(&str, &str)> {
        w.iter().map(|w| (w.kind.as_str(), w.severity.as_str())).collect()
    }

    #[test]
    fn interactions_by_name_and_by_class_with_items_and_active_drugs() {
        let base = DrugBase::builtin().unwrap();
        // By name: simvastatin + clarithromycin, between two items.
        let w = check(&base, &[item("simvastatin", 20.0, 1), item("clarithromycin", 500.0, 2)], &[], &[]);
        assert_eq!(kinds(&w), [("interaction", "high")]);
        // By class: warfarin (already taken) + naproxen (an NSAID).
        let w = check(&base, &[item("naproxen", 250.0, 2)], &["warfarin".into()], &[]);
        assert_eq!(kinds(&w), [("interaction", "high")]);
        assert!(w[0].drugs[1].contains("already prescribed"));
        // Nothing known between these.
        assert!(check(&base, &[item("amlodipine", 5.0, 1), item("metformin", 500.0, 2)], &[], &[]).is_empty());
    }

    #[test]
    fn allergies_by_substance_and_class_and_doses_out_of_range() {
        let base = DrugBase::builtin().unwrap();
        let w = check(&base, &[item("amoxicillin", 500.0, 3)], &[], &["Penicillin".into()]);
        assert_eq!(kinds(&w), [("allergy", "high")]);
        let w = check(&base, &[item("ibuprofen", 400.0, 3)], &[], &["NSAIDs".into()]);
        assert_eq!(kinds(&w), [("allergy", "high")]);
        let w = check(&base, &[item("paracetamol", 1000.0, 6)], &[], &[]);
        assert_eq!(kinds(&w), [("dose", "high")]);
        assert!(w[0].message.contains("6000 mg a day"), "{}", w[0].message);
        // A synonym is the same drug, and a usual dose raises nothing.
        assert!(check(&base, &[item("acetaminophen", 500.0, 4)], &[], &[]).is_empty());
    }

    #[test]
    fn a_misspelt_drug_and_a_second_drug_of_a_class_stop_the_prescription() {
        let base = DrugBase::builtin().unwrap();
        let w = check(&base, &[item("amoxicilin", 500.0, 3)], &[], &[]);
        assert_eq!(kinds(&w), [("unknown_drug", "moderate")]);
        assert!(w[0].message.contains("Did you mean amoxicillin?"), "{}", w[0].message);
        assert!(blocking(&w));
        // A strength or a form after the name does not hide it either.
        let w = check(&base, &[item("Amoxicillin 500mg", 500.0, 3)], &[], &["penicillin".into()]);
        assert_eq!(kinds(&w), [("allergy", "high"), ("unknown_drug", "moderate")]);
        // An invisible character does not hide a drug.
        let w = check(&base, &[item("amoxi\u{200b}cillin", 500.0, 3)], &[], &["penicillin".into()]);
        assert_eq!(kinds(&w), [("allergy", "high")]);
        let w = check(&base, &[item("naproxen", 250.0, 2)], &["ibuprofen".into()], &[]);
        assert_eq!(kinds(&w), [("interaction", "moderate")]);
        assert!(w[0].message.contains("duplicate therapy"), "{}", w[0].message);
    }

    #[test]
    fn an_unknown_drug_warns_without_blocking() {
        let base = DrugBase::builtin().unwrap();
        let w = check(&base, &[item("zzfictional", 10.0, 1)], &[], &[]);
        assert_eq!(kinds(&w), [("unknown_drug", "low")]);
        assert!(!blocking(&w));
        let w = check(&base, &[item("zzfictional", 10.0, 1)], &[], &["ZZfictional".into()]);
        assert!(blocking(&w));
    }
}
