//! Reading a submission: one acta or a batch, checked field by field against the election
//! before anything is recorded. Every refusal names the acta (its place in the batch), the
//! mesa and the field.

use crate::election::Election;
use crate::error::ApiError;
use axum::http::StatusCode;
use serde::de::DeserializeSeed;
use serde_json::{Map, Value};
use std::cell::{Cell, RefCell};

/// The most actas one request may carry.
pub const MAX_BATCH: usize = 50_000;
/// The longest correction reason, in characters.
pub const MAX_REASON: usize = 2_000;
/// The largest count one option of one mesa may have (as the file readers).
pub const MAX_COUNT: u64 = 999_999_999;

/// An acta that passed every check that does not depend on what is already recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acta {
    /// The mesa's position in the election.
    pub mesa: u32,
    /// Its place in the request (0 for a single acta).
    pub position: usize,
    /// Votes per option, in the election's order.
    pub votes: Vec<u64>,
    /// The scanned sheet's SHA-256, lowercase hex.
    pub image_sha256: Option<String>,
    /// For a correction: why, and the version it replaces.
    pub correction: Option<Correction>,
}

/// A correction of a recorded acta: recorded only if the version it replaces is still
/// the mesa's latest, so that of two corrections made at once neither is lost unseen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// Why.
    pub reason: String,
    /// The version of the mesa's acta it replaces.
    pub replaces: u32,
}

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// The actas of a request body, checked against `election`. Malformed JSON or a body that
/// is neither an acta nor an array of actas is 400; anything an acta says that the
/// election does not allow is 422.
///
/// The body is read as a stream of actas: each is built as a JSON value, checked and
/// dropped before the next is read, and reading stops at the acta past [`MAX_BATCH`]
/// (413). A hostile body therefore costs its bytes and one acta at a time, never a JSON
/// value of the whole. The reading is CPU-bound: call it off the async workers.
pub fn read(election: &Election, body: &[u8]) -> Result<Vec<Acta>, ApiError> {
    let reading = RefCell::new(Reading::new(election));
    let notes = RefCell::new(Notes::default());
    let mut json = serde_json::Deserializer::from_slice(body);
    let parsed = Body {
        reading: &reading,
        notes: &notes,
    }
    .deserialize(&mut json)
    .and_then(|shape| json.end().map(|()| shape));
    let (reading, notes) = (reading.into_inner(), notes.into_inner());
    let shape = match (parsed, notes.stop) {
        (Ok(shape), _) => shape,
        (Err(e), None) => {
            let e = format!("malformed JSON: {e}");
            return Err(ApiError::request(StatusCode::BAD_REQUEST, e));
        }
        // A key repeated before reading stopped is said first, as for a whole body.
        (Err(_), Some(stop)) => return Err(notes.repeated.map_or(stop, repeated_key)),
    };
    if let Some(repeated) = notes.repeated {
        return Err(repeated_key(repeated));
    }
    match shape {
        Shape::Other => Err(ApiError::request(
            StatusCode::BAD_REQUEST,
            "expected an acta (a JSON object) or an array of actas",
        )),
        Shape::Batch if reading.count == 0 => {
            Err(ApiError::request(UNPROCESSABLE, "an empty batch: no actas"))
        }
        Shape::Batch | Shape::Single => match reading.refused {
            Some(refusal) => Err(refusal),
            None => Ok(reading.actas),
        },
    }
}

/// The refusal of a key repeated in acta `acta`, at path `field`.
fn repeated_key((acta, field): (usize, String)) -> ApiError {
    ApiError::acta(
        UNPROCESSABLE,
        acta,
        None,
        Some(&field),
        format!("{field} is given twice: an acta names each field and option once"),
    )
}

/// What a body is at its top level.
enum Shape {
    /// One acta.
    Single,
    /// An array of actas (read into [`Reading`]).
    Batch,
    /// Anything else.
    Other,
}

/// The actas of a body as they are read, one at a time.
struct Reading<'a> {
    election: &'a Election,
    /// The actas read so far, each checked.
    actas: Vec<Acta>,
    /// Each mesa's place in the batch.
    seen: std::collections::HashMap<u32, usize>,
    /// How many actas the body has had so far.
    count: usize,
    /// The first acta refused; the rest are still read (a repeated key or malformed
    /// JSON later in the body is said first) but no longer kept.
    refused: Option<ApiError>,
}

/// What reading a body noted on the way, apart from its actas.
#[derive(Default)]
struct Notes {
    /// The first key an object repeats: the acta's place and the key's path.
    repeated: Option<(usize, String)>,
    /// Why reading stopped before the end of the body (too many actas, too large an
    /// acta): the answer, unless a key was repeated before.
    stop: Option<ApiError>,
}

impl Notes {
    /// Ends the reading with `answer`: the error stops the deserializer, and [`read`]
    /// answers with what was noted rather than with it.
    fn stop<E: serde::de::Error>(&mut self, answer: ApiError) -> E {
        self.stop = Some(answer);
        E::custom("reading stopped")
    }
}

impl<'a> Reading<'a> {
    fn new(election: &'a Election) -> Self {
        Reading {
            election,
            actas: Vec::new(),
            seen: std::collections::HashMap::new(),
            count: 0,
            refused: None,
        }
    }

    /// The most JSON values one acta may hold: its fields and one count per option,
    /// with room to name a few unknown fields in an error. More is no acta, and reading
    /// it whole would let one acta cost memory out of all proportion to its bytes.
    fn values_per_acta(&self) -> usize {
        self.election.spec.options.len() + 64
    }

    /// Checks the acta at `position` (already read as `value`) and keeps it, unless an
    /// earlier one was refused.
    fn take(&mut self, position: usize, value: Value) {
        if self.refused.is_some() {
            return;
        }
        let checked = read_acta(self.election, position, value).and_then(|acta| {
            match self.seen.insert(acta.mesa, position) {
                Some(first) => {
                    let id = &self.election.spec.mesas[acta.mesa as usize].id;
                    Err(ApiError::acta(
                        UNPROCESSABLE,
                        position,
                        Some(id),
                        Some("mesa"),
                        format!("mesa {id:?} is also acta {first} of this batch"),
                    ))
                }
                None => Ok(acta),
            }
        });
        match checked {
            Ok(acta) => self.actas.push(acta),
            Err(refusal) => {
                self.refused = Some(refusal);
                self.actas = Vec::new();
            }
        }
    }
}

/// Reads a body's top level: an array is read acta by acta into the [`Reading`], an
/// object is one acta, anything else is no acta.
struct Body<'r, 'a> {
    reading: &'r RefCell<Reading<'a>>,
    notes: &'r RefCell<Notes>,
}

impl<'r> Body<'r, '_> {
    /// The value of the acta at `position`, noting a repeated key and stopping at
    /// [`Reading::values_per_acta`].
    fn acta_seed(&self, position: usize, budget: &'r Cell<usize>) -> Unique<'r> {
        Unique {
            at: None,
            notes: self.notes,
            position,
            budget,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Body<'_, '_> {
    type Value = Shape;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Shape, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Body<'_, '_> {
    type Value = Shape;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an acta or an array of actas")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_str<E>(self, _: &str) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_unit<E>(self) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        let budget = Cell::new(0);
        loop {
            let position = self.reading.borrow().count;
            if position == MAX_BATCH {
                // One more acta is one too many: stop before reading it.
                let more = seq.next_element::<serde::de::IgnoredAny>()?;
                if more.is_some() {
                    return Err(self.notes.borrow_mut().stop(ApiError::request(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("more than {MAX_BATCH} actas in one request"),
                    )));
                }
                return Ok(Shape::Batch);
            }
            budget.set(self.reading.borrow().values_per_acta());
            match seq.next_element_seed(self.acta_seed(position, &budget))? {
                Some(value) => {
                    let mut reading = self.reading.borrow_mut();
                    reading.count += 1;
                    reading.take(position, value);
                }
                None => return Ok(Shape::Batch),
            }
        }
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Shape, A::Error> {
        let budget = Cell::new(self.reading.borrow().values_per_acta());
        let value = self.acta_seed(0, &budget).visit_map(map)?;
        let mut reading = self.reading.borrow_mut();
        reading.count = 1;
        reading.take(0, value);
        Ok(Shape::Single)
    }
}

fn read_acta(election: &Election, position: usize, item: Value) -> Result<Acta, ApiError> {
    let Value::Object(mut fields) = item else {
        return Err(ApiError::acta(
            StatusCode::BAD_REQUEST,
            position,
            None,
            None,
            "an acta must be a JSON object",
        ));
    };
    let mesa_id = match fields.remove("mesa") {
        Some(Value::String(id)) => id,
        Some(_) => {
            let e = "\"mesa\" must be a string (the mesa's id)";
            return Err(ApiError::acta(
                UNPROCESSABLE,
                position,
                None,
                Some("mesa"),
                e,
            ));
        }
        None => {
            let e = "no \"mesa\": every acta names its mesa";
            return Err(ApiError::acta(
                UNPROCESSABLE,
                position,
                None,
                Some("mesa"),
                e,
            ));
        }
    };
    let fail = |field: &str, error: String| {
        ApiError::acta(UNPROCESSABLE, position, Some(&mesa_id), Some(field), error)
    };
    let Some(mesa) = election.mesa(&mesa_id) else {
        return Err(fail("mesa", format!("unknown mesa {mesa_id:?}")));
    };
    let votes = match fields.remove("votes") {
        Some(Value::Object(votes)) => read_votes(election, votes).map_err(|(f, e)| fail(&f, e))?,
        Some(_) => {
            return Err(fail(
                "votes",
                "\"votes\" must be an object: option → count".into(),
            ))
        }
        None => return Err(fail("votes", "no \"votes\"".into())),
    };
    let image_sha256 = match fields.remove("image_sha256") {
        None | Some(Value::Null) => None,
        Some(Value::String(hex)) if is_sha256_hex(&hex) => Some(hex.to_ascii_lowercase()),
        Some(_) => {
            let e = "\"image_sha256\" must be 64 hexadecimal digits (a SHA-256)";
            return Err(fail("image_sha256", e.into()));
        }
    };
    let correction = read_correction(fields.remove("correction")).map_err(|(f, e)| fail(&f, e))?;
    if let Some(unknown) = fields.keys().next() {
        let e = format!(
            "unknown field {unknown:?} (an acta has mesa, votes, image_sha256, correction)"
        );
        return Err(fail(unknown, e));
    }
    Ok(Acta {
        mesa,
        position,
        votes,
        image_sha256,
        correction,
    })
}

/// The votes in the election's order: every option exactly once, each a whole number from
/// 0 to [`MAX_COUNT`]. On error: the field and what is wrong.
fn read_votes(
    election: &Election,
    votes: Map<String, Value>,
) -> Result<Vec<u64>, (String, String)> {
    let options = &election.spec.options;
    let mut out: Vec<Option<u64>> = vec![None; options.len()];
    for (option, count) in votes {
        let field = format!("votes.{option}");
        let Some(i) = election.option(&option) else {
            let known = options.join(", ");
            return Err((
                field,
                format!("unknown option {option:?} (the options are: {known})"),
            ));
        };
        let count = match count.as_u64() {
            Some(n) if n <= MAX_COUNT => n,
            Some(n) => return Err((field, format!("{n} is too large (at most {MAX_COUNT})"))),
            None if count.as_i64().is_some_and(|n| n < 0) => {
                return Err((field, format!("a negative count: {count}")))
            }
            None => {
                return Err((
                    field,
                    format!("a count must be a whole number, found {count}"),
                ))
            }
        };
        out[i] = Some(count);
    }
    if let Some(missing) = out.iter().position(Option::is_none) {
        let option = &options[missing];
        return Err((
            format!("votes.{option}"),
            format!("no count for option {option:?}"),
        ));
    }
    Ok(out.into_iter().flatten().collect())
}

/// `"correction": {"reason": TEXT, "replaces": VERSION}`, nothing else in it. On error:
/// the field and what is wrong.
fn read_correction(correction: Option<Value>) -> Result<Option<Correction>, (String, String)> {
    let mut fields = match correction {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(fields)) => fields,
        Some(_) => {
            let e = "\"correction\" must be an object {\"reason\": TEXT, \"replaces\": VERSION}";
            return Err(("correction".into(), e.into()));
        }
    };
    // An unknown key first: a misspelt "replaces" is named as such.
    if let Some(unknown) = fields
        .keys()
        .find(|k| !matches!(k.as_str(), "reason" | "replaces"))
    {
        return Err((
            format!("correction.{unknown}"),
            format!(
                "unknown field {unknown:?} in \"correction\" (a correction has reason, replaces)"
            ),
        ));
    }
    let reason =
        read_reason(fields.remove("reason")).map_err(|e| ("correction.reason".into(), e))?;
    let replaces = match fields.remove("replaces") {
        None | Some(Value::Null) => {
            let e = "a correction needs \"replaces\": the version of the mesa's acta it replaces (its latest), so that a correction made meanwhile is not lost";
            return Err(("correction.replaces".into(), e.into()));
        }
        Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) if n >= 1 => n,
            _ => {
                return Err((
                    "correction.replaces".into(),
                    format!("\"replaces\" must be a version of the mesa's acta (a whole number from 1), not {v}"),
                ))
            }
        },
    };
    Ok(Some(Correction { reason, replaces }))
}

fn read_reason(reason: Option<Value>) -> Result<String, String> {
    match reason {
        Some(Value::String(text)) if !text.trim().is_empty() => {
            if text.chars().count() > MAX_REASON {
                Err(format!("a reason of at most {MAX_REASON} characters"))
            } else {
                Ok(text)
            }
        }
        _ => Err("a correction needs a \"reason\": a non-empty text".into()),
    }
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Where a value stands: a key of an object or a place in an array, below its parent.
/// The path is written out only for a repeated key (most keys never need it).
struct At<'a> {
    step: Step<'a>,
    parent: Option<&'a At<'a>>,
}

enum Step<'a> {
    Key(&'a str),
    Place(usize),
}

impl At<'_> {
    fn path(&self) -> String {
        let mut steps = vec![self];
        while let Some(parent) = steps[steps.len() - 1].parent {
            steps.push(parent);
        }
        let mut path = String::new();
        for at in steps.iter().rev() {
            match at.step {
                Step::Place(i) => path.push_str(&format!("[{i}]")),
                Step::Key(key) if path.is_empty() => path.push_str(key),
                Step::Key(key) => {
                    path.push('.');
                    path.push_str(key);
                }
            }
        }
        path
    }
}

/// Builds the JSON value of the acta at `position`, noting in `notes` the path of the
/// first key an object repeats, and stopping once the acta holds more values than
/// `budget` allows.
struct Unique<'a> {
    at: Option<&'a At<'a>>,
    notes: &'a RefCell<Notes>,
    position: usize,
    budget: &'a Cell<usize>,
}

impl<'a> Unique<'a> {
    /// The seed of a value below this one, at `at`.
    fn below(&self, at: &'a At<'a>) -> Unique<'a> {
        Unique {
            at: Some(at),
            notes: self.notes,
            position: self.position,
            budget: self.budget,
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Unique<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        match self.budget.get().checked_sub(1) {
            Some(left) => self.budget.set(left),
            None => {
                let position = self.position;
                let e = "more JSON values than an acta holds (mesa, votes with one count per \
                         option, image_sha256, correction)";
                let answer = ApiError::acta(UNPROCESSABLE, position, None, None, e);
                return Err(self.notes.borrow_mut().stop(answer));
            }
        }
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Unique<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let at = At {
                step: Step::Place(items.len()),
                parent: self.at,
            };
            match seq.next_element_seed(self.below(&at))? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let at = At {
                step: Step::Key(&key),
                parent: self.at,
            };
            let repeated = object.contains_key(&key);
            if repeated && self.notes.borrow().repeated.is_none() {
                self.notes.borrow_mut().repeated = Some((self.position, at.path()));
            }
            let value = map.next_value_seed(self.below(&at))?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `body` read as the value of acta 3, within `budget` values.
    fn acta_value(body: &str, budget: usize) -> (Result<Value, serde_json::Error>, Notes) {
        let notes = RefCell::new(Notes::default());
        let budget = Cell::new(budget);
        let mut json = serde_json::Deserializer::from_str(body);
        let seed = Unique {
            at: None,
            notes: &notes,
            position: 3,
            budget: &budget,
        };
        let value = seed
            .deserialize(&mut json)
            .and_then(|v| json.end().map(|()| v));
        (value, notes.into_inner())
    }

    #[test]
    fn one_reading_gives_serde_json_s_value_and_the_first_repeated_key() {
        let bodies: [(&str, Option<&str>); 6] = [
            (r#"{"mesa":"1","votes":{"a":1,"b":2}}"#, None),
            (r#"{"mesa":"2","votes":{"a":1,"a":-3.5}}"#, Some("votes.a")),
            (r#"{"mesa":"1","mesa":"2"}"#, Some("mesa")),
            (
                r#"[{"x":1,"x":2},{"y":{"z":null,"z":true}}]"#,
                Some("[0].x"),
            ),
            (r#"[1, "two", 3.0, null, false, {"k":[]}]"#, None),
            (r#""just a string""#, None),
        ];
        for (body, repeated) in bodies {
            let (value, notes) = acta_value(body, 100);
            let expected: Value = serde_json::from_str(body).unwrap();
            assert_eq!(value.unwrap(), expected, "{body}");
            let expected = repeated.map(|f| (3, f.to_string()));
            assert_eq!(notes.repeated, expected, "{body}");
        }
        for malformed in ["{", "[1,]", "{} {}", ""] {
            assert!(acta_value(malformed, 100).0.is_err(), "{malformed}");
        }
    }

    #[test]
    fn an_acta_stops_at_its_budget_of_values() {
        // Six values: the array and its five numbers.
        let (value, notes) = acta_value("[1,2,3,4,5]", 6);
        assert!(value.is_ok() && notes.stop.is_none());
        let (value, notes) = acta_value("[1,2,3,4,5]", 5);
        assert!(value.is_err());
        let stop = notes.stop.expect("the reading says why it stopped");
        assert_eq!((stop.status, stop.body.acta), (UNPROCESSABLE, Some(3)));
    }
}
