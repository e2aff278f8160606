//! `GET /ui`: the web view (SPEC §10, issue 18). One page, its script and its style sheet, embedded in
//! the binary (no build step, nothing fetched from elsewhere): the flow drawn with live counts on its
//! blocks, the queues and the agents, from the API and the supervisors' event stream.
//!
//! A browser cannot put a bearer token on a page's address or on an event stream, so these pages, like
//! every reading request, also take HTTP Basic credentials with the token as the password; their 401
//! asks for them (`WWW-Authenticate: Basic`), so that a browser shows its sign-in dialog and then sends
//! them with every request of the page.

use crate::serve::auth::{Caller, Role};
use crate::serve::problem::Problem;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};

const PAGE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("page.js");
const STYLE: &str = include_str!("page.css");

/// Who may see the web view: as `GET /v1/events` and the flows' drawings.
const VIEWERS: [Role; 2] = [Role::Admin, Role::Viewer];

/// The page only loads what it is served from here, and is not framed by other sites.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                      img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The web view: the active flow with live counts, queues, agents.
#[utoipa::path(
    get, path = "/ui", tag = "ui",
    responses(
        (status = 200, description = "The page", body = String, content_type = "text/html"),
        (status = 401, description = "No token, or an unknown one: sign in with HTTP Basic, any user name and the token as password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin's or a viewer's token", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn page(caller: Result<Caller, Problem>) -> Result<Response, Problem> {
    asset(caller, PAGE, "text/html; charset=utf-8")
}

/// The web view's script.
#[utoipa::path(
    get, path = "/ui/page.js", tag = "ui",
    responses(
        (status = 200, description = "The script", body = String, content_type = "text/javascript"),
        (status = 401, description = "No token, or an unknown one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin's or a viewer's token", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn script(caller: Result<Caller, Problem>) -> Result<Response, Problem> {
    asset(caller, SCRIPT, "text/javascript; charset=utf-8")
}

/// The web view's style sheet.
#[utoipa::path(
    get, path = "/ui/page.css", tag = "ui",
    responses(
        (status = 200, description = "The style sheet", body = String, content_type = "text/css"),
        (status = 401, description = "No token, or an unknown one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin's or a viewer's token", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn style(caller: Result<Caller, Problem>) -> Result<Response, Problem> {
    asset(caller, STYLE, "text/css; charset=utf-8")
}

fn asset(
    caller: Result<Caller, Problem>,
    text: &'static str,
    content_type: &'static str,
) -> Result<Response, Problem> {
    let caller = caller.map_err(|problem| {
        problem
            .with_detail(
                "the web view needs an admin's or a viewer's token: sign in with any user name \
                 and the token as the password (HTTP Basic), or send `Authorization: Bearer <token>`",
            )
            .with_header(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Basic realm="routeflow", charset="UTF-8""#),
        )
    })?;
    caller.require(&VIEWERS)?;
    let mut reply = text.into_response();
    let headers = reply.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(POLICY),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("no-referrer"),
    );
    Ok(reply)
}
