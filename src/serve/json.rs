//! JSON request and reply bodies. [`Json`] reads a body as `T` and turns every way that can fail into
//! a 4xx [`Problem`] naming the member at fault: 415 not declared as JSON, 413 too large, 408 too slow,
//! 400 not JSON, 422 an unknown or missing member or a value of the wrong type.

use super::problem::{Problem, pointer, push_token};
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A JSON body: read from a request (as an extractor, last among a handler's arguments) or written as
/// a reply (`application/json`). Types with `#[serde(deny_unknown_fields)]` get 422 for unknown members.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

/// The server's body size limit, for the 413 problem to state it (set by the router).
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Json<T>, Problem> {
        if !declares_json(request.headers()) {
            return Err(Problem::unsupported_media_type(
                "the body must be JSON, sent with `Content-Type: application/json`",
            ));
        }
        let limit = request.extensions().get::<BodyLimit>().map(|limit| limit.0);
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| unread(&rejection, limit))?;
        parse(&bytes).map(Json)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => {
                let mut response = Response::new(Body::from(body));
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                response
            }
            Err(_) => Problem::internal().into_response(),
        }
    }
}

/// The problem of a body that could not be read: too large (413; `limit`: `--max-body`), too slow
/// (408), or cut off (400).
pub fn unread(rejection: &BytesRejection, limit: Option<usize>) -> Problem {
    if let Some(timed_out) = super::router::deadline::timed_out(rejection) {
        return Problem::from_status(StatusCode::REQUEST_TIMEOUT)
            .with_detail(timed_out.to_string());
    }
    match rejection.status().as_u16() {
        413 => Problem::payload_too_large(limit),
        _ => Problem::bad_request(format!(
            "the request body could not be read: {}",
            rejection.body_text()
        )),
    }
}

/// Read `bytes` as one JSON value of type `T`, or the 4xx problem saying why not.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| problem(error.path(), error.inner()))?;
    deserializer
        .end()
        .map_err(|error| Problem::malformed_json(error.to_string()))?;
    Ok(value)
}

/// The problem of a serde error met at `path` of the body.
fn problem(path: &serde_path_to_error::Path, error: &serde_json::Error) -> Problem {
    if !error.is_data() {
        // Syntax, end of input, I/O: the body is not JSON (serde_json's message says where).
        return Problem::malformed_json(error.to_string());
    }
    let message = error.to_string();
    // serde words these two errors as "unknown field `name`, expected ..." and "missing field `name`";
    // the path ends at the unknown field, but at the object lacking the missing one: name the field.
    if let Some(name) = quoted_after(&message, "unknown field `") {
        return Problem::unknown_field(field_pointer(path, name), message);
    }
    if let Some(name) = quoted_after(&message, "missing field `") {
        return Problem::missing_field(field_pointer(path, name), message);
    }
    let at = pointer(path);
    Problem::invalid_value(at, message)
}

/// The pointer to field `name` of the object at `path`, or to `path` if it ends with the field.
fn field_pointer(path: &serde_path_to_error::Path, name: &str) -> String {
    let mut at = pointer(path);
    let ends_with_field = matches!(
        path.iter().next_back(),
        Some(serde_path_to_error::Segment::Map { key }) if key == name
    );
    if !ends_with_field {
        push_token(&mut at, name);
    }
    at
}

/// The name quoted in `message` after `prefix`, up to the backquote that serde puts after it.
fn quoted_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let rest = message.strip_prefix(prefix)?;
    // The name may itself hold a backquote: serde's text after it starts "`, " or is "`" and the
    // position.
    let end = rest
        .rfind("`, expected")
        .or_else(|| rest.rfind("`, there are no fields"))
        .or_else(|| rest.rfind("` at line "))
        .or_else(|| rest.rfind('`'))?;
    Some(&rest[..end])
}

/// Whether the request declares a JSON body: `application/json` or `application/<something>+json`.
pub fn declares_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Create {
        #[allow(dead_code)]
        priority: Option<u32>,
        #[allow(dead_code)]
        userdata: BTreeMap<String, Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        #[allow(dead_code)]
        level: u8,
    }

    fn failure(body: &str) -> Problem {
        match parse::<Create>(body.as_bytes()) {
            Ok(value) => panic!("{body} read as {value:?}"),
            Err(problem) => problem,
        }
    }

    #[test]
    fn problems_name_the_member_at_fault() {
        let cases = [
            (r#"{"userdata": {}, "priorty": 1}"#, 422, Some("/priorty")),
            (r#"{"priority": 1}"#, 422, Some("/userdata")),
            (
                r#"{"userdata": {}, "priority": "high"}"#,
                422,
                Some("/priority"),
            ),
            (
                r#"{"userdata": {"a/b": {"level": 300}}}"#,
                422,
                Some("/userdata/a~1b/level"),
            ),
            (
                r#"{"userdata": {"x": {"level": 1, "lvl": 2}}}"#,
                422,
                Some("/userdata/x/lvl"),
            ),
            (r#"{"userdata": {"x": {}}}"#, 422, Some("/userdata/x/level")),
            (r#"{"userdata": {}"#, 400, None),
            (r#"{"userdata": {}} {}"#, 400, None),
            ("", 400, None),
        ];
        for (body, status, field) in cases {
            let problem = failure(body);
            let shown = &body[..body.len().min(60)];
            assert_eq!(problem.status().as_u16(), status, "{shown}: {problem:?}");
            assert_eq!(problem.field(), field, "{shown}: {problem:?}");
        }
    }

    #[test]
    fn deep_nesting_is_malformed_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let problem = parse::<serde_json::Value>(deep.as_bytes()).err();
        assert_eq!(problem.map(|p| p.status().as_u16()), Some(400));
    }

    #[test]
    fn an_unknown_field_holding_a_backquote_is_named_whole() {
        let problem = failure(r#"{"userdata": {}, "a`, b": 1}"#);
        assert_eq!(problem.field(), Some("/a`, b"));
    }

    #[test]
    fn json_media_types_are_recognised() {
        for (value, json) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("application/merge-patch+json", true),
            ("text/json", false),
            ("application/jsonx", false),
            ("text/plain", false),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
            assert_eq!(declares_json(&headers), json, "{value}");
        }
        assert!(!declares_json(&HeaderMap::new()));
    }
}
