//! The API's refusals at the HTTP edge: a status and [`ErrorBody`]. The writer refuses in
//! the election's terms ([`Refusal`]); the status each refusal gets is chosen here.

use crate::writer::Refusal;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cifra_night::api::ErrorBody;

/// A refusal: the HTTP status and a JSON body naming the acta, the mesa and the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What the client is told (the body, as `docs/api.md` describes it).
    pub body: ErrorBody,
}

impl ApiError {
    /// A refusal of the whole request.
    pub fn request(status: StatusCode, error: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                error: error.into(),
                acta: None,
                mesa: None,
                field: None,
            },
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
            body: ErrorBody {
                error: error.into(),
                acta: Some(acta),
                mesa: mesa.map(str::to_string),
                field: field.map(str::to_string),
            },
        }
    }
}

/// The writer's refusals: a conflict with what is recorded is 409; a store that did not
/// confirm, or a server that is stopping, is 503 (for a moment: send again).
impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        let error = refusal.to_string();
        match refusal {
            Refusal::Conflict {
                acta, mesa, field, ..
            } => ApiError::acta(StatusCode::CONFLICT, acta, Some(&mesa), Some(&field), error),
            Refusal::Unrecorded { .. } | Refusal::Stopping => {
                ApiError::request(StatusCode::SERVICE_UNAVAILABLE, error)
            }
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
        let mut response = (self.status, axum::Json(&self.body)).into_response();
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
