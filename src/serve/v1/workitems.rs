//! Workitems (SPEC §9.2): the third party creates, reads, updates, stops and marks them done.

use super::{INTEGRATION, READERS, problem};
use crate::live::{HistoryEvent, NewWorkitem, State, WorkitemView};
use crate::serve::auth::{Caller, Role};
use crate::serve::json::Json;
use crate::serve::problem::Problem;
use crate::serve::router::app::AppState;
use axum::extract::{Path, Query, State as Shared};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::{Map, Value};
use std::fmt;
use utoipa::ToSchema;

/// What a path segment percent-encodes: all but RFC 3986's unreserved characters.
pub(super) const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `POST /v1/workitems`'s body.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWorkitem {
    /// The third party's id for it, unique, not blank, without control characters, at most 256
    /// characters; one is made up when left out.
    // The pattern: no control character (Rust's `char::is_control`) and one that is not white space
    // either (`char::is_whitespace`): the engine's checks; a test compares them.
    #[schema(
        max_length = 256,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub id: Option<String>,
    /// Higher is served first (default 0). A whole number: `3` or `3.0`, as in workitem files.
    #[serde(default, deserialize_with = "whole_number")]
    pub priority: Option<i64>,
    /// The workitem's user data.
    #[schema(value_type = Object)]
    pub userdata: Map<String, Value>,
    /// The flow to run (the server's flow; there is one until flows are published).
    pub flow: Option<String>,
}

/// `POST /v1/workitems/{id}/done`'s body.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkDone {
    /// The disposition code.
    pub disposition: Option<String>,
}

/// A whole number, written as an integer or as a number without fraction (`3.0`: JSON has one number
/// type, and a replay's workitem lines read it so too), or null. An integer's range is i64's (the
/// document says `int64`).
fn whole_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    struct Whole;

    impl<'de> Visitor<'de> for Whole {
        type Value = Option<i64>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(
                "a whole number from -2^63 to 2^63-1 (written with a fraction or an exponent: at most 2^53 - 1 in size)",
            )
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<i64>, E> {
            Ok(Some(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<i64>, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<i64>, E> {
            // A number written with a fraction or an exponent (`3.0`, `1e3`), or an integer past the
            // range of i64, which serde_json reads as a double: taken when it is whole and at most
            // 2^53 - 1 in size, where every whole number is exact (past it, `-9223372036854775809` would
            // be read as -2^63, a number the client did not write).
            crate::expr::js::number::exact_whole(v)
                .map(Some)
                .ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Option<i64>, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Option<i64>, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<i64>, D::Error> {
            d.deserialize_any(Whole)
        }
    }

    deserializer.deserialize_option(Whole)
}

/// A workitem with its `ETag`.
fn with_etag(status: StatusCode, view: WorkitemView) -> Response {
    let etag = format!("\"r{}\"", view.revision);
    let mut response = (status, Json(view)).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// Create a workitem: it runs through the flow as far as it can (usually into a Route block) before
/// the reply. The same `Idempotency-Key`, or the same `id`, with the same body gets the first reply
/// again; with another body, 409.
#[utoipa::path(
    post, path = "/v1/workitems", tag = "workitems", request_body = CreateWorkitem,
    params((
        "Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[!-~]{1,255}$",
        description = "Makes a retried create safe: 1 to 255 visible ASCII characters"
    )),
    responses(
        (status = 201, description = "Created (or created before by the same request)", body = WorkitemView,
            headers(
                ("Location" = String, description = "The workitem's URL"),
                ("ETag" = String, description = "Its user data's revision, for `If-Match`"),
            )),
        (status = 400, description = "A malformed `Idempotency-Key`, or a body that is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an integration's or an admin's token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The id or key was used with another body", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A body that is not a new workitem, or a flow this server does not run", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn create(
    caller: Caller,
    Shared(state): Shared<AppState>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Response, Problem> {
    caller.require(&INTEGRATION)?;
    let create: CreateWorkitem = crate::serve::json::parse(body.to_string().as_bytes())?;
    if create.id.as_deref().is_some_and(|id| id.trim().is_empty()) {
        return Err(Problem::invalid_value("/id", "an id is not blank"));
    }
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .filter(|key| {
                    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
                })
                .ok_or_else(|| {
                    Problem::bad_request(
                        "`Idempotency-Key` must be 1 to 255 characters of visible ASCII",
                    )
                })?
                .to_owned(),
        ),
    };
    let new = NewWorkitem {
        id: create.id,
        priority: create.priority,
        userdata: create.userdata,
        flow: create.flow,
        key,
        body,
    };
    let created = state.engine.create(new).await.map_err(problem)?;
    // The id as one path segment: percent-encoded, as ids may hold `/`, `?`, `#`, spaces or non-ASCII.
    let segment = percent_encoding::utf8_percent_encode(&created.view.id, PATH_SEGMENT);
    let location = format!("/v1/workitems/{segment}");
    let mut response = with_etag(StatusCode::CREATED, created.view);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// A workitem: its state, flow, block, target, agent, times and user data (secure values masked).
#[utoipa::path(
    get, path = "/v1/workitems/{id}", tag = "workitems",
    params(("id" = String, Path, description = "The workitem's id")),
    responses(
        (status = 200, body = WorkitemView, headers(("ETag" = String, description = "Its user data's revision"))),
        (status = 403, description = "An agent's token, for a workitem it is not offered nor holds", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such workitem", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn get(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let view = found(&state, &id).await?;
    may_read(&caller, &view)?;
    Ok(with_etag(StatusCode::OK, view))
}

async fn found(state: &AppState, id: &str) -> Result<WorkitemView, Problem> {
    state
        .engine
        .workitem(id)
        .await
        .map_err(problem)?
        .ok_or_else(|| Problem::not_found(format!("no workitem `{id}`")))
}

/// Readers read every workitem; an agent reads those it holds or is offered.
fn may_read(caller: &Caller, view: &WorkitemView) -> Result<(), Problem> {
    match (caller.role(), &view.agent) {
        (Role::Agent(agent), Some(holder)) if agent == holder => Ok(()),
        _ => caller.require(&READERS),
    }
}

/// The workitems a page has when `limit` is not given.
pub const DEFAULT_PAGE: usize = 100;
/// The most workitems a page may have.
pub const MAX_PAGE: usize = 1000;

/// Workitems, in the order they were created, a page at a time; `?state=waiting` (or another state)
/// keeps those in it. When there are more, the `Link` header names the next page (`rel="next"`).
#[utoipa::path(
    get, path = "/v1/workitems", tag = "workitems",
    params(
        ("state" = Option<State>, Query, nullable = false, description = "Only workitems in this state"),
        ("limit" = Option<u32>, Query, nullable = false, minimum = 1, maximum = 1000,
            description = "The most workitems in the page (default 100)"),
        ("after" = Option<u64>, Query, nullable = false, minimum = 0,
            description = "Where the page starts, as the `next` link gives it: the workitems created \
                           after the first `after` (default 0: from the first)"),
    ),
    responses(
        (status = 200, body = [WorkitemView], headers(
            ("Link" = String, description = "`<URL>; rel=\"next\"`: the next page, when there are more workitems"),
        )),
        (status = 403, description = "An agent's token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown state, a `limit` or `after` out of range, a parameter given twice, or one that is not `state`, `limit` or `after`", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn list(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    caller.require(&READERS)?;
    let mut wanted = None;
    let mut limit = None;
    let mut after = None;
    for (name, value) in &query {
        let given = match name.as_str() {
            "state" => wanted.replace(read_state(value)?).is_some(),
            "limit" => limit.replace(read_limit(value)?).is_some(),
            "after" => after.replace(read_after(value)?).is_some(),
            _ => {
                return Err(Problem::unknown_field(
                    format!("/{name}"),
                    format!(
                        "unknown query parameter `{name}`; the parameters are `state`, `limit` and `after`"
                    ),
                ));
            }
        };
        if given {
            return Err(Problem::invalid_value(
                format!("/{name}"),
                format!("the query parameter `{name}` is given more than once"),
            ));
        }
    }
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    let page = state
        .engine
        .workitems(wanted, after.unwrap_or(0), limit)
        .await
        .map_err(problem)?;
    let mut response = Json(page.workitems).into_response();
    if let Some(next) = page.next {
        let state = wanted.map_or(String::new(), |s| format!("state={}&", s.as_str()));
        let link = format!("</v1/workitems?{state}limit={limit}&after={next}>; rel=\"next\"");
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(response)
}

fn read_state(value: &str) -> Result<State, Problem> {
    serde_json::from_value(Value::String(value.to_owned())).map_err(|_| {
        Problem::invalid_value(
            "/state",
            format!(
                "unknown state `{value}`: waiting, offered, assigned, done, stopped, unrouted, error or running"
            ),
        )
    })
}

/// Digits only: `from_str` would take `+5` too.
fn read_digits(value: &str) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

fn read_limit(value: &str) -> Result<usize, Problem> {
    read_digits(value)
        .and_then(|limit| usize::try_from(limit).ok())
        .filter(|limit| (1..=MAX_PAGE).contains(limit))
        .ok_or_else(|| {
            Problem::invalid_value(
                "/limit",
                format!("`limit` is a whole number from 1 to {MAX_PAGE}, not `{value}`"),
            )
        })
}

fn read_after(value: &str) -> Result<u64, Problem> {
    read_digits(value)
        .filter(|&after| i64::try_from(after).is_ok())
        .ok_or_else(|| {
            Problem::invalid_value(
                "/after",
                format!(
                    "`after` is a whole number from 0 to 2^63-1, as the `next` link gives it, not `{value}`"
                ),
            )
        })
}

/// A workitem's history: every event that changed it, in order.
#[utoipa::path(
    get, path = "/v1/workitems/{id}/history", tag = "workitems",
    params(("id" = String, Path, description = "The workitem's id")),
    responses(
        (status = 200, body = [HistoryEvent]),
        (status = 403, description = "An agent's token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such workitem", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn history(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<HistoryEvent>>, Problem> {
    caller.require(&READERS)?;
    let history = state.engine.history(&id).await.map_err(problem)?;
    history
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("no workitem `{id}`")))
}

/// Set user-data keys: blocks that run later see them, and the agent holding the workitem gets a
/// `userdata_updated` event. `If-Match` with the `ETag` last read: 412 if it changed since.
#[utoipa::path(
    patch, path = "/v1/workitems/{id}/userdata", tag = "workitems",
    params(
        ("id" = String, Path, description = "The workitem's id"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(\*|(W/)?"[!#-~]*")$"#,
            description = "One entity tag: the ETag last read (`\"r<revision>\"`), or `*`. Compared strongly \
                           (RFC 9110): a weak tag, or one this server never gave, matches nothing"),
    ),
    request_body(content = Object, description = "The keys to set, with their values"),
    responses(
        (status = 200, body = WorkitemView, headers(("ETag" = String, description = "Its user data's revision"))),
        (status = 403, description = "Not an integration's or an admin's token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such workitem", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The workitem has ended", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "`If-Match` is not `*` nor one entity tag, or the body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Its user data changed since the ETag given (or the tag is not one of its revisions)", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn patch_userdata(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(set): Json<Map<String, Value>>,
) -> Result<Response, Problem> {
    caller.require(&INTEGRATION)?;
    let if_match = match headers.get(header::IF_MATCH) {
        None => None,
        Some(value) => match value.to_str().map(|text| IfMatch::read(text.trim())) {
            Ok(Some(IfMatch::Any)) => None,
            Ok(Some(IfMatch::Revision(revision))) => Some(revision),
            Ok(Some(IfMatch::Never)) => {
                // No such workitem is still a 404 (workitems are never removed: no race here).
                found(&state, &id).await?;
                return Err(Problem::precondition_failed(format!(
                    "`If-Match` names no revision of workitem `{id}` (a weak tag never matches)"
                )));
            }
            Ok(None) | Err(_) => {
                return Err(Problem::bad_request(
                    "`If-Match` must be `*` or one entity tag: the ETag last read, `\"r<revision>\"`",
                ));
            }
        },
    };
    let view = state
        .engine
        .patch_userdata(&id, if_match, set)
        .await
        .map_err(problem)?;
    Ok(with_etag(StatusCode::OK, view))
}

/// What an `If-Match` header asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IfMatch {
    /// `*`: any revision.
    Any,
    /// `"r<n>"`: revision n.
    Revision(u64),
    /// An entity tag that matches no revision: weak (`If-Match` compares strongly, RFC 9110
    /// §13.1.1), or one this server never gives.
    Never,
}

impl IfMatch {
    /// `text` read as `*` or one entity tag (`"..."` or `W/"..."`, RFC 9110 §8.8.3); `None` if it is
    /// neither (a list of tags is not taken).
    fn read(text: &str) -> Option<IfMatch> {
        if text == "*" {
            return Some(IfMatch::Any);
        }
        let (weak, tag) = match text.strip_prefix("W/") {
            Some(tag) => (true, tag),
            None => (false, text),
        };
        let opaque = tag.strip_prefix('"')?.strip_suffix('"')?;
        // etagc: visible ASCII but the double quote (obs-text is not readable as a header's text).
        if !opaque
            .bytes()
            .all(|b| b == b'!' || (b'#'..=b'~').contains(&b))
        {
            return None;
        }
        let revision = opaque
            .strip_prefix('r')
            .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|digits| digits.parse::<u64>().ok());
        Some(match revision {
            Some(revision) if !weak => IfMatch::Revision(revision),
            _ => IfMatch::Never,
        })
    }
}

/// Stop a workitem (the interaction no longer exists): a waiting or offered one ends `stopped`; an
/// assigned one too, and its agent gets a `stopped` event. Stopping an ended workitem changes nothing.
#[utoipa::path(
    post, path = "/v1/workitems/{id}/stop", tag = "workitems",
    params(("id" = String, Path, description = "The workitem's id")),
    responses(
        (status = 200, body = WorkitemView, headers(("ETag" = String, description = "Its user data's revision"))),
        (status = 403, description = "Not an integration's or an admin's token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such workitem", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn stop(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require(&INTEGRATION)?;
    let view = state.engine.stop(&id).await.map_err(problem)?;
    Ok(with_etag(StatusCode::OK, view))
}

/// Mark Done, with a disposition code: by the third party, or by the agent holding the workitem. Its
/// capacity frees, and the agent takes its next workitem. Marking a done workitem done again changes
/// nothing; any other state is 409. The body is optional: no body, `null` and `{}` all mean no
/// disposition.
#[utoipa::path(
    post, path = "/v1/workitems/{id}/done", tag = "workitems",
    params(("id" = String, Path, description = "The workitem's id")),
    request_body(content = Option<MarkDone>),
    responses(
        (status = 200, body = WorkitemView, headers(("ETag" = String, description = "Its user data's revision"))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not assigned", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn done(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, Problem> {
    let body =
        body.map_err(|rejection| crate::serve::json::unread(&rejection, Some(state.max_body)))?;
    let acting = match caller.role() {
        Role::Agent(agent) => Some(agent.clone()),
        _ => {
            caller.require(&INTEGRATION)?;
            None
        }
    };
    let mark: MarkDone = if body.iter().all(u8::is_ascii_whitespace) {
        MarkDone::default()
    } else if !crate::serve::json::declares_json(&headers) {
        return Err(Problem::unsupported_media_type(
            "the body must be JSON, sent with `Content-Type: application/json`",
        ));
    } else {
        crate::serve::json::parse::<Option<MarkDone>>(&body)?.unwrap_or_default()
    };
    let view = state
        .engine
        .done(&id, mark.disposition, acting)
        .await
        .map_err(problem)?;
    Ok(with_etag(StatusCode::OK, view))
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::PartialSchema;
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::Schema;

    /// The pattern the document gives `id`, the class of characters that are not white space.
    fn id_pattern() -> String {
        let RefOr::T(Schema::Object(create)) = CreateWorkitem::schema() else {
            panic!("CreateWorkitem is an object");
        };
        let Some(RefOr::T(Schema::Object(id))) = create.properties.get("id") else {
            panic!("it has an id");
        };
        id.pattern.clone().unwrap_or_default()
    }

    #[test]
    fn the_id_pattern_names_the_control_characters_and_white_space_the_engine_refuses() {
        // Characters that are not control characters around one that is not white space either:
        // the classes the pattern excludes, read from their escapes, are exactly `char::is_control`'s
        // and that plus `char::is_whitespace`'s.
        let pattern = id_pattern();
        let controls = r"\x00-\x1F\x7F-\x9F";
        let class = pattern
            .strip_prefix(&format!("^[^{controls}]*[^"))
            .and_then(|rest| rest.strip_suffix(&format!("][^{controls}]*$")))
            .expect("the pattern's shape");
        let wanted = |c: char| c.is_whitespace() || c.is_control();
        assert_eq!(excluded(class), every(wanted), "{pattern}");
        assert_eq!(excluded(controls), every(char::is_control), "{pattern}");
    }

    fn every(class: impl Fn(char) -> bool) -> Vec<char> {
        (0..=u32::from(char::MAX))
            .filter_map(char::from_u32)
            .filter(|&c| class(c))
            .collect()
    }

    /// The characters a negated class's body (`\t\x0B\u2000-\u200A`) names, sorted.
    fn excluded(class: &str) -> Vec<char> {
        let mut excluded = Vec::new();
        let mut chars = class.chars().peekable();
        let read_one = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| -> char {
            match chars.next() {
                Some('\\') => match chars.next() {
                    Some('t') => '\t',
                    Some('n') => '\n',
                    Some('f') => '\u{c}',
                    Some('r') => '\r',
                    Some('x') => {
                        let hex: String = chars.by_ref().take(2).collect();
                        char::from_u32(u32::from_str_radix(&hex, 16).expect("hex")).expect("char")
                    }
                    Some('u') => {
                        let hex: String = chars.by_ref().take(4).collect();
                        char::from_u32(u32::from_str_radix(&hex, 16).expect("hex")).expect("char")
                    }
                    other => panic!("unexpected escape {other:?}"),
                },
                Some(c) => c,
                None => panic!("the class ends early"),
            }
        };
        while chars.peek().is_some() {
            let first = read_one(&mut chars);
            if chars.peek() == Some(&'-') {
                chars.next();
                let last = read_one(&mut chars);
                excluded.extend(first..=last);
            } else {
                excluded.push(first);
            }
        }
        excluded.sort_unstable();
        excluded.dedup();
        excluded
    }

    #[test]
    fn if_match_reads_a_star_or_one_entity_tag() {
        for (text, read) in [
            ("*", Some(IfMatch::Any)),
            ("\"r0\"", Some(IfMatch::Revision(0))),
            ("\"r42\"", Some(IfMatch::Revision(42))),
            ("W/\"r42\"", Some(IfMatch::Never)),
            ("\"abc\"", Some(IfMatch::Never)),
            ("\"\"", Some(IfMatch::Never)),
            ("\"r+1\"", Some(IfMatch::Never)),
            ("\"r18446744073709551616\"", Some(IfMatch::Never)),
            ("", None),
            ("r0", None),
            ("\"r0", None),
            ("\"r0\", \"r1\"", None),
            ("\"a b\"", None),
            ("W/*", None),
        ] {
            assert_eq!(IfMatch::read(text), read, "{text}");
        }
    }

    #[test]
    fn a_priority_is_read_as_a_whole_number() {
        let read = |priority: &str| {
            crate::serve::json::parse::<CreateWorkitem>(
                format!("{{\"priority\": {priority}, \"userdata\": {{}}}}").as_bytes(),
            )
            .map(|create| create.priority)
            .map_err(|problem| problem.field().map(str::to_owned))
        };
        assert_eq!(read("7"), Ok(Some(7)));
        assert_eq!(read("7.0"), Ok(Some(7)));
        assert_eq!(read("-7e2"), Ok(Some(-700)));
        assert_eq!(read("null"), Ok(None));
        assert_eq!(read("9007199254740991.0"), Ok(Some(9_007_199_254_740_991)));
        // 2^53 + 1 written with a fraction reads as 2^53: not a number the client can be said to mean.
        assert!(read("9007199254740993.0").is_err());
        assert_eq!(read("9223372036854775807"), Ok(Some(i64::MAX)));
        for bad in [
            "7.5",
            "9007199254740994.0",
            "9223372036854775808",
            "-9223372036854775809",
            "\"7\"",
            "true",
        ] {
            assert_eq!(read(bad), Err(Some("/priority".to_owned())), "{bad}");
        }
        let missing = crate::serve::json::parse::<CreateWorkitem>(b"{\"userdata\": {}}");
        assert_eq!(missing.map(|create| create.priority).ok(), Some(None));
    }
}
