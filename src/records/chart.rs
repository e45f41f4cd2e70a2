//! The patient dashboard's chart of visits per month, drawn on the server as SVG (no script):
//! pure, from the counts.

/// An SVG bar chart of `counts` (`YYYY-MM` and how many records that month), oldest first,
/// with a title and each bar labelled for screen readers, in the reader's `words`.
pub fn visits_svg(counts: &[(String, i64)], words: &crate::i18n::Words) -> String {
    let (width, height, bar, gap, base) = (36 * counts.len().max(1) + 20, 160, 24, 12, 130);
    let max = counts.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"visits-title\">\
         <title id=\"visits-title\">{}</title>",
        escape(&words.count("patient_dashboard-chart-title", counts.len() as i64))
    );
    for (i, (month, n)) in counts.iter().enumerate() {
        let x = 10 + i * (bar + gap);
        let h = (*n as usize * 100) / max as usize;
        let y = base - h;
        // Month strings come from the database as YYYY-MM; only digits and '-' are written.
        let label: String = month.chars().filter(|c| c.is_ascii_digit() || *c == '-').collect();
        let month_no: usize = label.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(0);
        let month_words = if (1..=12).contains(&month_no) { words.t(&format!("month-short-{month_no}")) } else { String::new() };
        let year = label.get(..4).unwrap_or("");
        let tip = escape(&words.with("patient_dashboard-chart-bar", &[("month", &month_words), ("year", &year), ("n", n)]));
        let short = escape(&month_words);
        // Text in the page's own colour (currentColor), so it reads in dark mode too.
        svg.push_str(&format!(
            "<g><title>{tip}</title><rect x=\"{x}\" y=\"{y}\" width=\"{bar}\" height=\"{h}\" fill=\"#2a9d94\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"currentColor\">{short}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"currentColor\">{n}</text></g>",
            x + bar / 2,
            base + 16,
            x + bar / 2,
            y.saturating_sub(4).max(10),
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Text made safe to write into the SVG (the page writes the SVG as it is).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The last `months` months up to `now` (`YYYY-MM`, oldest first), each with its count from
/// `counts` (months without records count 0).
pub fn last_months(now: chrono::NaiveDate, months: u32, counts: &[(String, i64)]) -> Vec<(String, i64)> {
    use chrono::Datelike;
    (0..months)
        .rev()
        .map(|back| {
            let total = now.year() * 12 + now.month0() as i32 - back as i32;
            let key = format!("{:04}-{:02}", total.div_euclid(12), total.rem_euclid(12) + 1);
            let n = counts.iter().find(|(m, _)| *m == key).map(|(_, n)| *n).unwrap_or(0);
            (key, n)
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn months_are_filled_and_bars_drawn() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 2, 10).unwrap();
        let months = last_months(now, 3, &[("2026-01".into(), 4), ("2025-12".into(), 2)]);
        assert_eq!(months, [("2025-12".to_string(), 2), ("2026-01".to_string(), 4), ("2026-02".to_string(), 0)]);
        let svg = visits_svg(&months, &crate::i18n::Words::english());
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("<title>Jan 2026: 4</title>") && svg.contains("height=\"100\"") && svg.contains(">Jan</text>"), "{svg}");
    }
}
