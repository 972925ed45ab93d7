//! Reading a submission: one acta or a batch, checked field by field against the election
//! before anything is recorded. Every refusal names the acta (its place in the batch), the
//! mesa and the field.

use crate::election::Election;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeSeed;
use serde::Serialize;
use serde_json::{Map, Value};
use std::cell::RefCell;

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

/// A refusal: the status and a JSON body naming the acta, the mesa and the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    /// The HTTP status.
    #[serde(skip)]
    pub status: StatusCode,
    /// What is wrong, in a sentence.
    pub error: String,
    /// The acta's place in the request; `None` when the request as a whole is wrong.
    pub acta: Option<usize>,
    /// The mesa, when known.
    pub mesa: Option<String>,
    /// The field, e.g. `votes.boric`.
    pub field: Option<String>,
}

impl ApiError {
    /// A refusal of the whole request.
    pub fn request(status: StatusCode, error: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error: error.into(),
            acta: None,
            mesa: None,
            field: None,
        }
    }

    /// A refusal of acta `acta`.
    pub fn acta(
        status: StatusCode,
        acta: usize,
        mesa: Option<&str>,
        field: Option<&str>,
        error: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            error: error.into(),
            acta: Some(acta),
            mesa: mesa.map(str::to_string),
            field: field.map(str::to_string),
        }
    }
}

/// A query string the route cannot read: 400, with axum's reason.
impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(e: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::request(StatusCode::BAD_REQUEST, e.body_text())
    }
}

/// A body that cannot be read (too large: 413), with axum's status and reason.
impl From<axum::extract::rejection::BytesRejection> for ApiError {
    fn from(e: axum::extract::rejection::BytesRejection) -> Self {
        ApiError::request(e.status(), e.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(&self)).into_response();
        // Unavailable is for a moment (the database): say when to try again.
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        response
    }
}

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// The actas of a request body, checked against `election`. Malformed JSON or a body that
/// is neither an acta nor an array of actas is 400; anything an acta says that the
/// election does not allow is 422.
pub fn read(election: &Election, body: &[u8]) -> Result<Vec<Acta>, ApiError> {
    let (value, repeated) = parse(body)
        .map_err(|e| ApiError::request(StatusCode::BAD_REQUEST, format!("malformed JSON: {e}")))?;
    if let Some((acta, field)) = repeated {
        return Err(ApiError::acta(
            UNPROCESSABLE,
            acta,
            None,
            Some(&field),
            format!("{field} is given twice: an acta names each field and option once"),
        ));
    }
    let items = match value {
        Value::Array(items) => items,
        single @ Value::Object(_) => vec![single],
        _ => {
            return Err(ApiError::request(
                StatusCode::BAD_REQUEST,
                "expected an acta (a JSON object) or an array of actas",
            ))
        }
    };
    if items.is_empty() {
        return Err(ApiError::request(UNPROCESSABLE, "an empty batch: no actas"));
    }
    if items.len() > MAX_BATCH {
        return Err(ApiError::request(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("{} actas in one request; at most {MAX_BATCH}", items.len()),
        ));
    }
    let mut seen = std::collections::HashMap::with_capacity(items.len());
    let mut actas = Vec::with_capacity(items.len());
    for (position, item) in items.into_iter().enumerate() {
        let acta = read_acta(election, position, item)?;
        if let Some(first) = seen.insert(acta.mesa, position) {
            let id = &election.spec.mesas[acta.mesa as usize].id;
            return Err(ApiError::acta(
                UNPROCESSABLE,
                position,
                Some(id),
                Some("mesa"),
                format!("mesa {id:?} is also acta {first} of this batch"),
            ));
        }
        actas.push(acta);
    }
    Ok(actas)
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

/// `body` as JSON, read once, with the first key repeated within one of its objects:
/// the acta's place (0 for a single acta) and the key's path, e.g. `votes.boric`.
/// serde_json's own `Value` keeps the last of repeated keys without a word; an acta must
/// name each option once. (The value keeps the last too, as serde_json's does.)
#[allow(clippy::type_complexity)]
fn parse(body: &[u8]) -> Result<(Value, Option<(usize, String)>), serde_json::Error> {
    let repeated = RefCell::new(None);
    let mut json = serde_json::Deserializer::from_slice(body);
    let value = Unique {
        at: None,
        repeated: &repeated,
    }
    .deserialize(&mut json)?;
    json.end()?;
    let repeated = repeated.into_inner().map(|path: String| {
        // A batch's paths start with the acta's place: "[3].votes.boric".
        match path.strip_prefix('[').and_then(|rest| rest.split_once(']')) {
            Some((place, rest)) => (
                place.parse().unwrap_or(0),
                rest.trim_start_matches('.').to_string(),
            ),
            None => (0, path),
        }
    });
    Ok((value, repeated))
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

/// Builds a JSON value, noting in `repeated` the path of the first key an object
/// repeats.
struct Unique<'a> {
    at: Option<&'a At<'a>>,
    repeated: &'a RefCell<Option<String>>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Unique<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
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
            let seed = Unique {
                at: Some(&at),
                repeated: self.repeated,
            };
            match seq.next_element_seed(seed)? {
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
            if repeated && self.repeated.borrow().is_none() {
                *self.repeated.borrow_mut() = Some(at.path());
            }
            let value = map.next_value_seed(Unique {
                at: Some(&at),
                repeated: self.repeated,
            })?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_reading_gives_serde_json_s_value_and_the_first_repeated_key() {
        let bodies: [(&str, Option<(usize, &str)>); 6] = [
            (r#"{"mesa":"1","votes":{"a":1,"b":2}}"#, None),
            (
                r#"[{"mesa":"1"},{"mesa":"2","votes":{"a":1,"a":-3.5}}]"#,
                Some((1, "votes.a")),
            ),
            (r#"{"mesa":"1","mesa":"2"}"#, Some((0, "mesa"))),
            (
                r#"[[{"x":1,"x":2}],{"y":{"z":null,"z":true}}]"#,
                Some((0, "[0].x")),
            ),
            (r#"[1, "two", 3.0, null, false, {"k":[]}]"#, None),
            (r#""just a string""#, None),
        ];
        for (body, repeated) in bodies {
            let (value, found) = parse(body.as_bytes()).unwrap();
            let expected: Value = serde_json::from_str(body).unwrap();
            assert_eq!(value, expected, "{body}");
            assert_eq!(found, repeated.map(|(a, f)| (a, f.to_string())), "{body}");
        }
        for malformed in ["{", "[1,]", "{} {}", ""] {
            assert!(parse(malformed.as_bytes()).is_err(), "{malformed}");
        }
    }
}
