//! Rendering estimates as text, JSON or CSV. Probabilities are printed as fractions in JSON
//! and CSV (full precision) and as percentages in text; a group without an estimate (no
//! voters, or voters only in mesas without votes) prints as `null` (JSON), an empty field
//! (CSV) or `—` (text, with a note under the table saying why). So does a standard error
//! the bootstrap cannot measure (one mesa, resampled, is always that mesa).

use serde_json::{json, Value};

use crate::csv_text;
use crate::table::{plural, thousands, Align, Table};
use crate::Format;
use cifra_ei::{Estimate, Method};

/// Group and option names, in the order of the estimate's rows and columns.
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    /// One per group (row).
    pub groups: &'a [String],
    /// One per option (column).
    pub options: &'a [String],
}

/// The estimation problem of the mesas read: their groups' voters and options' votes,
/// each mesa named by its line (the CLI and the Python module both start from it).
pub fn problem(data: &cifra_results::mesas::Dataset) -> Result<cifra_ei::Problem, cifra_ei::Error> {
    let (groups, options) = (data.groups.len(), data.options.len());
    Ok(
        cifra_ei::Problem::from_counts(groups, options, &data.votes, &data.voters)?
            .with_lines(data.lines.clone()),
    )
}

/// One territory's estimate, for `--by` output.
#[derive(Debug, Clone)]
pub struct Territorial {
    /// The territory's value of the `by` column.
    pub key: String,
    /// Its estimate.
    pub estimate: Estimate,
}

impl Territorial {
    /// Every territory of `data` estimated on its own, in parallel, in the order their
    /// first mesa appears in the file: `problem` (the whole file's) cut to its mesas,
    /// with standard errors when `resampling` is given (`progress` is called after each
    /// resample, from any thread).
    pub fn estimate_each(
        data: &cifra_results::mesas::Dataset,
        problem: &cifra_ei::Problem,
        options: &cifra_ei::Options,
        resampling: Option<cifra_ei::Bootstrap>,
        progress: &(dyn Fn() + Sync),
    ) -> Result<Vec<Territorial>, cifra_ei::Error> {
        use rayon::prelude::*;
        data.territories()
            .into_par_iter()
            .map(|t| {
                let problem = problem.subset(&t.mesas);
                let estimate =
                    cifra_ei::estimate_with_errors(&problem, options, resampling, progress)?;
                Ok(Territorial {
                    key: t.key,
                    estimate,
                })
            })
            .collect()
    }
}

/// One estimate in `format` ([`text`], [`json`] or [`csv`]).
pub fn render(format: Format, est: &Estimate, labels: Labels<'_>) -> String {
    match format {
        Format::Text => text(est, labels),
        Format::Json => json(est, labels),
        Format::Csv => csv(est, labels),
    }
}

/// The estimates of every territory of column `by` in `format` ([`text_by`],
/// [`json_by`] or [`csv_by`]).
pub fn render_by(format: Format, by: &str, results: &[Territorial], labels: Labels<'_>) -> String {
    match format {
        Format::Text => text_by(by, results, labels),
        Format::Json => json_by(by, results, labels),
        Format::Csv => csv_by(by, results, labels),
    }
}

/// `{"method", "iterations", "groups", "options", "probabilities", ...}`, one line.
pub fn json(est: &Estimate, labels: Labels<'_>) -> String {
    let v = json!({
        "method": est.method.name(),
        "iterations": est.iterations,
        "converged": est.converged,
        "mesas": est.mesas,
        "groups": labels.groups,
        "options": labels.options,
        "probabilities": matrix(&est.probabilities, est.options),
    });
    with_std_errors(v, est).to_string() + "\n"
}

/// `{"by", "method", "groups", "options", "results": [{"key", "mesas", "iterations", "probabilities"}, ...]}`.
pub fn json_by(by: &str, results: &[Territorial], labels: Labels<'_>) -> String {
    let method = results.first().map_or("mult", |t| t.estimate.method.name());
    let items: Vec<Value> = results
        .iter()
        .map(|t| {
            let est = &t.estimate;
            let v = json!({
                "key": t.key,
                "mesas": est.mesas,
                "iterations": est.iterations,
                "converged": est.converged,
                "probabilities": matrix(&est.probabilities, est.options),
            });
            with_std_errors(v, est)
        })
        .collect();
    let v = json!({
        "by": by,
        "method": method,
        "groups": labels.groups,
        "options": labels.options,
        "results": items,
    });
    v.to_string() + "\n"
}

/// `v` with the estimate's standard errors, when it has them, as its last key.
fn with_std_errors(mut v: Value, est: &Estimate) -> Value {
    if let Some(se) = &est.std_errors {
        v["std_errors"] = matrix(se, est.options);
    }
    v
}

fn matrix(values: &[f64], columns: usize) -> Value {
    Value::Array(
        values
            .chunks_exact(columns)
            .map(|row| Value::Array(row.iter().map(|&v| number(v)).collect()))
            .collect(),
    )
}

fn number(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// Header `group,<options>` then one row per group; with standard errors, a `<option>_se`
/// column after the options.
pub fn csv(est: &Estimate, labels: Labels<'_>) -> String {
    let mut writer = csv_text::writer();
    csv_header(&mut writer, None, est, labels);
    csv_rows(&mut writer, None, est, labels);
    csv_text::finish(writer)
}

/// Like [`csv()`] with a first column named after `by` holding each territory's key.
pub fn csv_by(by: &str, results: &[Territorial], labels: Labels<'_>) -> String {
    let Some(first) = results.first() else {
        return String::new();
    };
    let mut writer = csv_text::writer();
    csv_header(&mut writer, Some(by), &first.estimate, labels);
    for t in results {
        csv_rows(&mut writer, Some(&t.key), &t.estimate, labels);
    }
    csv_text::finish(writer)
}

fn csv_header(writer: &mut csv_text::Writer, by: Option<&str>, est: &Estimate, labels: Labels<'_>) {
    let mut fields: Vec<String> = by.into_iter().map(str::to_string).collect();
    fields.push("group".into());
    fields.extend(labels.options.iter().cloned());
    if est.std_errors.is_some() {
        fields.extend(labels.options.iter().map(|o| format!("{o}_se")));
    }
    csv_text::record(writer, &fields);
}

fn csv_rows(writer: &mut csv_text::Writer, key: Option<&str>, est: &Estimate, labels: Labels<'_>) {
    for (g, name) in labels.groups.iter().enumerate() {
        let mut fields: Vec<String> = key.into_iter().map(str::to_string).collect();
        fields.push(name.clone());
        fields.extend(est.row(g).iter().map(|&v| csv_number(v)));
        if let Some(se) = &est.std_errors {
            fields.extend(
                se[g * est.options..(g + 1) * est.options]
                    .iter()
                    .map(|&v| csv_number(v)),
            );
        }
        csv_text::record(writer, &fields);
    }
}

/// A number as JSON writes it (the shortest form that reads back the same, `1e-34` rather
/// than 33 zeros) where that form has an exponent, and as Rust writes it otherwise (`1`, not
/// JSON's `1.0`), as this CSV always did; empty when there is no number.
fn csv_number(v: f64) -> String {
    match serde_json::Number::from_f64(v).map(|n| n.to_string()) {
        Some(json) if json.contains('e') => json,
        Some(_) => format!("{v}"),
        None => String::new(),
    }
}

/// A readable table: one row per group, one column per option, percentages; under it, a
/// note for each group without an estimate, saying why.
pub fn text(est: &Estimate, labels: Labels<'_>) -> String {
    let mut out = summary_line(est, None);
    out.push_str(&table(est, labels));
    out.push_str(&notes(est, labels));
    out
}

/// One [`text`] block per territory.
pub fn text_by(by: &str, results: &[Territorial], labels: Labels<'_>) -> String {
    let mut out = String::new();
    for (i, t) in results.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&summary_line(&t.estimate, Some((by, &t.key))));
        out.push_str(&table(&t.estimate, labels));
        out.push_str(&notes(&t.estimate, labels));
    }
    out
}

/// One line per group without an estimate (a row of `—` in the table), saying why; and
/// one when the bootstrap had a single mesa to resample (no standard errors).
fn notes(est: &Estimate, labels: Labels<'_>) -> String {
    let mut out = String::new();
    for (g, name) in labels.groups.iter().enumerate() {
        if est.row(g).iter().all(|v| v.is_finite()) {
            continue;
        }
        let why = if est.voters[g] == 0.0 {
            "has no voters in these mesas"
        } else if est.method == Method::Exact {
            "has voters only in mesas the exact method leaves out (without votes, or whose \
             voters and votes differ)"
        } else {
            "has voters only in mesas without votes"
        };
        out.push_str(&format!("Note: group {name} {why}: no estimate.\n"));
    }
    if est.std_errors.is_some() && est.mesas < 2 {
        out.push_str(
            "Note: no standard errors: with 1 mesa, every bootstrap resample is that same mesa.\n",
        );
    }
    out
}

fn summary_line(est: &Estimate, territory: Option<(&str, &str)>) -> String {
    let place = territory.map_or(String::new(), |(by, key)| format!("{by} {key}: "));
    let status = if est.converged {
        "converged"
    } else {
        "NOT converged: iteration limit reached"
    };
    let se = est
        .std_errors
        .as_ref()
        .map_or(String::new(), |_| ", ± bootstrap standard error".into());
    format!(
        "{place}{} {}, method {}, {} {} ({status})\n\
         Estimated % of each group's voters who chose each option (rows add up to 100{se}):\n",
        thousands(est.mesas as u64),
        plural(est.mesas as u64, "mesa", "mesas"),
        est.method,
        est.iterations,
        plural(est.iterations as u64, "iteration", "iterations"),
    )
}

/// The table itself, without the summary line: groups down, options across, percentages.
pub fn table(est: &Estimate, labels: Labels<'_>) -> String {
    let cell = |g: usize, c: usize| {
        let v = est.probability(g, c);
        if !v.is_finite() {
            return "—".to_string();
        }
        match est.std_error(g, c) {
            Some(se) if se.is_finite() => format!("{:.1} ±{:.1}", 100.0 * v, 100.0 * se),
            _ => format!("{:.1}", 100.0 * v),
        }
    };
    let columns: Vec<(&str, Align)> = std::iter::once(("group", Align::Left))
        .chain(labels.options.iter().map(|o| (o.as_str(), Align::Right)))
        .collect();
    let mut table = Table::new(&columns).without_rule();
    for (g, name) in labels.groups.iter().enumerate() {
        table.row(
            std::iter::once(name.clone())
                .chain((0..est.options).map(|c| cell(g, c)))
                .collect(),
        );
    }
    table.render("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(probabilities: Vec<f64>) -> Estimate {
        Estimate {
            method: Method::Mult,
            groups: probabilities.len() / 2,
            options: 2,
            iterations: 3,
            converged: true,
            last_change: 0.0,
            mesas: 2,
            voters: vec![10.0; probabilities.len() / 2],
            std_errors: None,
            probabilities,
        }
    }

    #[test]
    fn one_mesa_and_one_iteration_are_singular() {
        let mut est = estimate(vec![0.6, 0.4]);
        (est.mesas, est.iterations) = (1, 1);
        let (groups, options) = (vec!["g".to_string()], vec!["x".into(), "y".into()]);
        let labels = Labels {
            groups: &groups,
            options: &options,
        };
        assert!(text(&est, labels).starts_with("1 mesa, method mult, 1 iteration (converged)\n"));
        (est.mesas, est.iterations) = (1_234, 2);
        assert!(text(&est, labels).starts_with("1,234 mesas, method mult, 2 iterations ("));
    }

    #[test]
    fn csv_numbers_are_shortest_and_tiny_ones_in_exponent_form() {
        let est = estimate(vec![
            1e-34,
            1.0 - 1e-34,
            0.3273486120349713,
            0.6726513879650287,
            6.095342095981252e-18,
            0.25,
            f64::NAN,
            f64::NAN,
            1.0,
            0.0,
        ]);
        let groups: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        let options: Vec<String> = ["x", "y"].map(String::from).to_vec();
        let labels = Labels {
            groups: &groups,
            options: &options,
        };
        assert_eq!(
            csv(&est, labels),
            "group,x,y\n\
             a,1e-34,1\n\
             b,0.3273486120349713,0.6726513879650287\n\
             c,6.095342095981252e-18,0.25\n\
             d,,\n\
             e,1,0\n"
        );
    }
}
