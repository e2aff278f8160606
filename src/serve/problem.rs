//! Errors at the edge: RFC 9457 problem details, the body of every 4xx and 5xx reply
//! (`application/problem+json`).
//!
//! ```json
//! {"type": "urn:routeflow:problem:unknown-field", "title": "Unknown field", "status": 422,
//!  "detail": "unknown field `priorty`, expected one of `id`, `priority`", "field": "/priorty"}
//! ```
//!
//! `type` is `about:blank` when the status says it all (its title is then the status's reason phrase),
//! otherwise a `urn:routeflow:problem:<kind>` URI a client may act on. `field` is a JSON Pointer
//! (RFC 6901) to the member of the request body at fault, when one is.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use utoipa::openapi::{RefOr, schema::Schema};
use utoipa::{PartialSchema, ToSchema};

/// The media type of a problem body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The `type` of a problem whose status says it all.
const ABOUT_BLANK: &str = "about:blank";

/// What went wrong with a request, as its reply: an RFC 9457 problem. Boxed: handlers return it as
/// their `Err`, which should stay small.
#[derive(Clone, Debug, Serialize)]
#[serde(transparent)]
pub struct Problem(Box<Members>);

/// An RFC 9457 problem: what went wrong with a request (the members of [`Problem`]).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Problem, example = json!({
    "type": "urn:routeflow:problem:invalid-value", "title": "Invalid value", "status": 422,
    "detail": "invalid type: string \"high\", expected u32 at line 1 column 17", "field": "/priority"
}))]
struct Members {
    /// A URI naming the kind of problem: `about:blank`, or `urn:routeflow:problem:<kind>`.
    #[serde(rename = "type")]
    kind: String,
    /// A short summary of the kind of problem, the same for every occurrence.
    title: String,
    /// The HTTP status code.
    status: u16,
    /// What went wrong with this request.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    detail: Option<String>,
    /// A JSON Pointer (RFC 6901) to the member of the request body at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    field: Option<String>,
    /// Members that a kind of problem adds (e.g. the state a workitem is in, on a 409).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    extensions: Map<String, Value>,
    /// Headers the reply carries besides its body (`WWW-Authenticate`, `Retry-After`).
    #[serde(skip)]
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl PartialSchema for Problem {
    fn schema() -> RefOr<Schema> {
        Members::schema()
    }
}

impl ToSchema for Problem {
    fn name() -> Cow<'static, str> {
        Members::name()
    }
}

impl Problem {
    /// A problem of `status` saying nothing more than the status does.
    pub fn from_status(status: StatusCode) -> Problem {
        Problem(Box::new(Members {
            kind: ABOUT_BLANK.to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: None,
            field: None,
            extensions: Map::new(),
            headers: Vec::new(),
        }))
    }

    /// A problem of `status` and of kind `urn:routeflow:problem:<kind>`, summed up by `title`.
    pub fn of_kind(status: StatusCode, kind: &str, title: &str) -> Problem {
        let mut problem = Problem::from_status(status);
        problem.0.kind = format!("urn:routeflow:problem:{kind}");
        problem.0.title = title.to_owned();
        problem
    }

    /// 400: the body is not JSON (or not one JSON value); `detail` says where it stops being.
    pub fn malformed_json(detail: impl Into<String>) -> Problem {
        Problem::of_kind(StatusCode::BAD_REQUEST, "malformed-json", "Malformed JSON")
            .with_detail(detail)
    }

    /// 400 for anything else wrong with the request as sent.
    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::from_status(StatusCode::BAD_REQUEST).with_detail(detail)
    }

    /// 401, with `WWW-Authenticate: Bearer` (and `error="invalid_token"` when a token was given).
    pub fn unauthorized(detail: impl Into<String>, token_given: bool) -> Problem {
        let challenge = if token_given {
            r#"Bearer error="invalid_token""#
        } else {
            "Bearer"
        };
        Problem::from_status(StatusCode::UNAUTHORIZED)
            .with_detail(detail)
            .with_header(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            )
    }

    /// 403: the caller's role may not do this.
    pub fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::from_status(StatusCode::FORBIDDEN).with_detail(detail)
    }

    /// 404: no such endpoint, workitem, agent or offer.
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::from_status(StatusCode::NOT_FOUND).with_detail(detail)
    }

    /// 405: the endpoint exists, not with this method (axum adds the `Allow` header).
    pub fn method_not_allowed(detail: impl Into<String>) -> Problem {
        Problem::from_status(StatusCode::METHOD_NOT_ALLOWED).with_detail(detail)
    }

    /// 409: the request conflicts with the state of what it names (add that state with
    /// [`with_extension`](Problem::with_extension)).
    pub fn conflict(detail: impl Into<String>) -> Problem {
        Problem::from_status(StatusCode::CONFLICT).with_detail(detail)
    }

    /// 412: an `If-Match` precondition does not hold.
    pub fn precondition_failed(detail: impl Into<String>) -> Problem {
        Problem::from_status(StatusCode::PRECONDITION_FAILED).with_detail(detail)
    }

    /// 413: the body is larger than `limit` bytes.
    pub fn payload_too_large(limit: Option<usize>) -> Problem {
        let detail = match limit {
            Some(limit) => format!(
                "the request body is larger than the server's limit of {limit} bytes (--max-body)"
            ),
            None => "the request body is larger than the server's limit (--max-body)".to_owned(),
        };
        Problem::from_status(StatusCode::PAYLOAD_TOO_LARGE).with_detail(detail)
    }

    /// 415: the body is not declared as JSON.
    pub fn unsupported_media_type(detail: impl Into<String>) -> Problem {
        Problem::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE).with_detail(detail)
    }

    /// 422: the body has a member the endpoint does not know, at `field` (a JSON Pointer).
    pub fn unknown_field(field: impl Into<String>, detail: impl Into<String>) -> Problem {
        Problem::of_kind(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown-field",
            "Unknown field",
        )
        .with_field(field)
        .with_detail(detail)
    }

    /// 422: the body lacks a member the endpoint needs, at `field` (a JSON Pointer).
    pub fn missing_field(field: impl Into<String>, detail: impl Into<String>) -> Problem {
        Problem::of_kind(
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing-field",
            "Missing field",
        )
        .with_field(field)
        .with_detail(detail)
    }

    /// 422: the value at `field` (a JSON Pointer) has the wrong type or fails a check.
    pub fn invalid_value(field: impl Into<String>, detail: impl Into<String>) -> Problem {
        Problem::of_kind(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-value",
            "Invalid value",
        )
        .with_field(field)
        .with_detail(detail)
    }

    /// 503: the server is not ready yet (recovering); with `Retry-After`.
    pub fn not_ready(detail: impl Into<String>) -> Problem {
        Problem::from_status(StatusCode::SERVICE_UNAVAILABLE)
            .with_detail(detail)
            .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
    }

    /// 500: a bug; the detail never says more, the server's standard error may.
    pub fn internal() -> Problem {
        Problem::from_status(StatusCode::INTERNAL_SERVER_ERROR)
            .with_detail("the server failed to handle this request; this is a bug in routeflow")
    }

    /// The same problem with `detail` saying what went wrong with this request.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Problem {
        self.0.detail = Some(detail.into());
        self
    }

    /// The same problem naming the member at fault by its JSON Pointer.
    pub fn with_field(mut self, pointer: impl Into<String>) -> Problem {
        self.0.field = Some(pointer.into());
        self
    }

    /// The same problem with one more member (`"state": "assigned"`); the standard members cannot
    /// be replaced this way.
    pub fn with_extension(mut self, name: &str, value: impl Into<Value>) -> Problem {
        if !matches!(name, "type" | "title" | "status" | "detail" | "field") {
            self.0.extensions.insert(name.to_owned(), value.into());
        }
        self
    }

    /// The same problem, its reply carrying header `name`.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Problem {
        self.0.headers.push((name, value));
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The `type` URI.
    pub fn kind(&self) -> &str {
        &self.0.kind
    }

    /// What went wrong with this request.
    pub fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }

    /// The JSON Pointer to the member at fault.
    pub fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        // A problem holds strings, numbers and JSON values only: serializing it cannot fail.
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        for (name, value) in self.0.headers {
            headers.append(name, value);
        }
        response
    }
}

/// Whether a reply's headers say its body is a problem.
pub fn is_problem(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()))
}

/// The JSON Pointer (RFC 6901) of a serde path: `/userdata/GTR_level1`, `/items/0`.
pub fn pointer(path: &serde_path_to_error::Path) -> String {
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => {
                pointer.push('/');
                pointer.push_str(&index.to_string());
            }
            serde_path_to_error::Segment::Map { key } => push_token(&mut pointer, key),
            serde_path_to_error::Segment::Enum { variant } => push_token(&mut pointer, variant),
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    pointer
}

/// Append one reference token to a JSON Pointer, escaped (`~` is `~0`, `/` is `~1`).
pub fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    pointer.push_str(&token.replace('~', "~0").replace('/', "~1"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_is_problem_json_with_its_status_and_headers() {
        let problem = Problem::unauthorized("no token", false).with_extension("state", "assigned");
        let response = problem.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(is_problem(&response));
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
    }

    #[test]
    fn members_serialize_as_rfc_9457_names() {
        let problem = Problem::invalid_value("/priority", "not a number")
            .with_extension("state", "waiting")
            .with_extension("status", 200);
        let json = serde_json::to_value(&problem).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({
                "type": "urn:routeflow:problem:invalid-value", "title": "Invalid value", "status": 422,
                "detail": "not a number", "field": "/priority", "state": "waiting"
            })
        );
        let plain = serde_json::to_value(Problem::from_status(StatusCode::NOT_FOUND));
        assert_eq!(
            plain.unwrap_or_default(),
            serde_json::json!({"type": "about:blank", "title": "Not Found", "status": 404})
        );
    }

    #[test]
    fn pointers_escape_tilde_and_slash() {
        let mut pointer = String::new();
        push_token(&mut pointer, "a/b~c");
        push_token(&mut pointer, "");
        assert_eq!(pointer, "/a~1b~0c/");
    }
}
