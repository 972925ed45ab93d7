//! SVG heatmap of the estimates: groups down, options across, the percentage in each cell.

use crate::ei::Labels;
use cifra_ei::Estimate;

const CELL_W: f64 = 78.0;
const CELL_H: f64 = 30.0;
const MARGIN: f64 = 16.0;

/// The heatmap as a standalone SVG document. Colour runs from white (0) to dark blue (the
/// largest estimate), so the darkest cell in each row is that group's favourite.
///
/// ```
/// use cifra_ei::{estimate, Options, Problem};
/// use cifra_report::{ei::Labels, plot};
/// let problem = Problem::new(1, 2, vec![6.0, 4.0], vec![10.0]).unwrap();
/// let est = estimate(&problem, &Options::default()).unwrap();
/// let (g, o) = (vec!["all".to_string()], vec!["yes".to_string(), "no".to_string()]);
/// let svg = plot::heatmap(&est, Labels { groups: &g, options: &o }, "Who voted how");
/// assert!(svg.starts_with("<svg") && svg.contains("60.0"));
/// ```
pub fn heatmap(est: &Estimate, labels: Labels<'_>, title: &str) -> String {
    let label_w = 8.0
        * labels
            .groups
            .iter()
            .map(|g| g.chars().count())
            .max()
            .unwrap_or(5) as f64
        + 12.0;
    let top = MARGIN + 30.0 + CELL_H;
    let width = label_w + CELL_W * est.options as f64 + 2.0 * MARGIN;
    let height = top + CELL_H * est.groups as f64 + MARGIN;
    let max = est
        .probabilities
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"13\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{MARGIN}\" y=\"{}\" font-size=\"16\" font-weight=\"bold\">{}</text>\n",
        MARGIN + 16.0,
        escape(title)
    );
    for (c, option) in labels.options.iter().enumerate() {
        let x = MARGIN + label_w + CELL_W * (c as f64 + 0.5);
        svg += &format!(
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            top - 10.0,
            escape(option)
        );
    }
    for (g, group) in labels.groups.iter().enumerate() {
        let y = top + CELL_H * g as f64;
        svg += &format!(
            "<text x=\"{MARGIN}\" y=\"{}\">{}</text>\n",
            y + CELL_H / 2.0 + 4.5,
            escape(group)
        );
        for c in 0..est.options {
            svg += &cell(
                est.probability(g, c),
                max,
                MARGIN + label_w + CELL_W * c as f64,
                y,
            );
        }
    }
    svg + "</svg>\n"
}

fn cell(v: f64, max: f64, x: f64, y: f64) -> String {
    let (fill, ink, text) = if v.is_finite() {
        let t = if max > 0.0 { v / max } else { 0.0 };
        let shade = |from: f64, to: f64| (from + (to - from) * t).round() as u8;
        let fill = format!(
            "#{:02x}{:02x}{:02x}",
            shade(247.0, 8.0),
            shade(251.0, 48.0),
            shade(255.0, 107.0)
        );
        let ink = if t > 0.55 { "white" } else { "black" };
        (fill, ink, format!("{:.1}", 100.0 * v))
    } else {
        ("#dddddd".to_string(), "black", "—".to_string())
    };
    format!(
        "<rect x=\"{x}\" y=\"{y}\" width=\"{CELL_W}\" height=\"{CELL_H}\" fill=\"{fill}\" stroke=\"white\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{ink}\">{text}</text>\n",
        x + CELL_W / 2.0,
        y + CELL_H / 2.0 + 4.5
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
