//! Reading a submission: one acta or a batch, checked field by field against the election
//! before anything is recorded. Every refusal names the acta (its place in the batch), the
//! mesa and the field.

use crate::election::Election;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeSeed;
use serde::Serialize;
use serde_json::{Map, Value};

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
    /// For a correction: why.
    pub reason: Option<String>,
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
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::request(StatusCode::BAD_REQUEST, format!("malformed JSON: {e}")))?;
    if let Some((acta, field)) = repeated_key(body) {
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
    let reason = match fields.remove("correction") {
        None | Some(Value::Null) => None,
        Some(Value::Object(mut correction)) => Some(
            read_reason(correction.remove("reason")).map_err(|e| fail("correction.reason", e))?,
        ),
        Some(_) => {
            let e = "\"correction\" must be an object {\"reason\": TEXT}";
            return Err(fail("correction", e.into()));
        }
    };
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
        reason,
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

/// The first key repeated within one JSON object of `body` (which is valid JSON): the
/// acta's place (0 for a single acta) and the key's path, e.g. `votes.boric`. serde_json
/// keeps the last of repeated keys without a word; an acta must name each option once.
fn repeated_key(body: &[u8]) -> Option<(usize, String)> {
    let mut json = serde_json::Deserializer::from_slice(body);
    let path = Repeated {
        path: String::new(),
    }
    .deserialize(&mut json)
    .ok()??;
    // A batch's paths start with the acta's place: "[3].votes.boric".
    match path.strip_prefix('[').and_then(|rest| rest.split_once(']')) {
        Some((place, rest)) => Some((
            place.parse().unwrap_or(0),
            rest.trim_start_matches('.').to_string(),
        )),
        None => Some((0, path)),
    }
}

/// Walks a JSON value, returning the path of the first key repeated in an object.
struct Repeated {
    path: String,
}

impl Repeated {
    fn child(&self, key: &str) -> Repeated {
        let path = if self.path.is_empty() {
            key.to_string()
        } else if key.starts_with('[') {
            format!("{}{key}", self.path)
        } else {
            format!("{}.{key}", self.path)
        };
        Repeated { path }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Repeated {
    type Value = Option<String>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Repeated {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut found: Option<String> = None;
        let mut i = 0usize;
        while let Some(inner) = seq.next_element_seed(self.child(&format!("[{i}]")))? {
            if found.is_none() {
                found = inner;
            }
            i += 1;
        }
        Ok(found)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut keys = std::collections::HashSet::new();
        let mut found: Option<String> = None;
        while let Some(key) = map.next_key::<String>()? {
            let child = self.child(&key);
            if !keys.insert(key) && found.is_none() {
                found = Some(child.path.clone());
            }
            let inner = map.next_value_seed(child)?;
            if found.is_none() {
                found = inner;
            }
        }
        Ok(found)
    }
}
