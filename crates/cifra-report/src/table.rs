//! Aligned text tables and number formats for people reading a terminal.

use unicode_width::UnicodeWidthStr;

/// How a column's cells line up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Text: flush left.
    Left,
    /// Numbers: flush right.
    Right,
}

/// A table of text cells rendered with columns padded to their widest cell (by display
/// width, so accented names line up), two spaces apart.
#[derive(Debug, Clone)]
pub struct Table {
    aligns: Vec<Align>,
    rows: Vec<Vec<String>>,
    rule: bool,
}

impl Table {
    /// A table with these column headers and alignments; the header is underlined.
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Table {
            aligns: columns.iter().map(|c| c.1).collect(),
            rows: vec![columns.iter().map(|c| c.0.to_string()).collect()],
            rule: true,
        }
    }

    /// The same table with the header not underlined.
    pub fn without_rule(self) -> Self {
        Table {
            rule: false,
            ..self
        }
    }

    /// Adds a row (missing cells are blank).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as lines, each starting with `indent`, the header underlined unless
    /// [`Table::without_rule`].
    pub fn render(&self, indent: &str) -> String {
        let mut out = String::new();
        self.render_into(indent, &mut out);
        out
    }

    /// [`Table::render`] written at the end of `out`, with no string made per cell.
    pub fn render_into(&self, indent: &str, out: &mut String) {
        let widths: Vec<usize> = (0..self.aligns.len())
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| r.get(i).map_or(0, |c| width(c)))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for (n, row) in self.rows.iter().enumerate() {
            out.push_str(indent);
            let start = out.len();
            for (i, (&width, &align)) in widths.iter().zip(&self.aligns).enumerate() {
                if i > 0 {
                    out.push_str("  ");
                }
                let cell = row.get(i).map_or("", String::as_str);
                let fill = width.saturating_sub(self::width(cell));
                match align {
                    Align::Left => {
                        out.push_str(cell);
                        repeat(out, SPACES, fill);
                    }
                    Align::Right => {
                        repeat(out, SPACES, fill);
                        out.push_str(cell);
                    }
                }
            }
            // The padding after the last cell with text goes.
            let kept = out[start..].trim_end().len();
            out.truncate(start + kept);
            out.push('\n');
            if n == 0 && self.rule {
                out.push_str(indent);
                let rule = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
                repeat(out, RULE, rule);
                out.push('\n');
            }
        }
    }
}

/// A cell's display width; printable ASCII, the usual cell, without looking it up.
fn width(cell: &str) -> usize {
    if cell.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        cell.len()
    } else {
        cell.width()
    }
}

/// 32 spaces, and a rule 32 characters long.
const SPACES: &str = "                                ";
const RULE: &str = "────────────────────────────────";

/// `n` characters of `run` (a run of 32 of one character), written 32 at a time.
fn repeat(out: &mut String, run: &str, n: usize) {
    let unit = run.len() / 32;
    let mut left = n;
    while left > 0 {
        let now = left.min(32);
        out.push_str(&run[..now * unit]);
        left -= now;
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// The noun that agrees with `n`: `one` for 1, `many` otherwise (`0 mesas`, `1 mesa`).
pub fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// A fraction as a percentage with two decimals, `0.2791` as `27.91 %`.
pub fn percent(fraction: f64) -> String {
    format!("{:.2} %", fraction * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_953_207), "1,953,207");
        assert_eq!(percent(0.27914), "27.91 %");
        assert_eq!(plural(1, "mesa", "mesas"), "mesa");
        assert_eq!(plural(0, "mesa", "mesas"), "mesas");
        assert_eq!(plural(46_606, "mesa", "mesas"), "mesas");
    }

    #[test]
    fn aligns_by_display_width() {
        let mut t = Table::new(&[("Name", Align::Left), ("Votes", Align::Right)]);
        t.row(vec!["Muñoz".into(), "5".into()]);
        t.row(vec!["Li".into(), "1,000".into()]);
        assert_eq!(
            t.render(""),
            "Name   Votes\n────────────\nMuñoz      5\nLi     1,000\n"
        );
        let mut wide = Table::new(&[("N", Align::Right)]);
        wide.row(vec!["x".repeat(40)]);
        let rule = "─".repeat(40);
        let expected = format!("{}N\n{rule}\n{}\n", " ".repeat(39), "x".repeat(40));
        assert_eq!(wide.render(""), expected);
        assert_eq!(
            t.without_rule().render("  "),
            "  Name   Votes\n  Muñoz      5\n  Li     1,000\n"
        );
    }
}
