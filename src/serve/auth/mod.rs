//! Who is calling: bearer tokens, their roles, and the [`Caller`] extractor that every endpoint but
//! `/healthz` takes (SPEC §9.4).
//!
//! The server keeps only the SHA-256 of each token ([`Tokens`], read from `--tokens FILE`), compares
//! the hash of the presented token with every stored hash in constant time, and never writes a token
//! anywhere: not in replies, not on standard error.

mod tokens;

pub use tokens::{
    LoadedTokens, TOKEN_PREFIX, Tokens, admin_token_file, generate_token, sha256_hex,
};

use super::problem::Problem;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use std::fmt;
use std::sync::Arc;

/// What a token may do.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything: flows, agents, administration.
    Admin,
    /// A third-party system (CRM, ticketing): creates, updates and stops workitems.
    Integration,
    /// Reads only.
    Viewer,
    /// One agent's desktop: acts only for the agent with this id.
    Agent(String),
}

impl Role {
    /// The role written as `admin`, `integration`, `viewer` or `agent:<id>`; the error says why not.
    pub fn parse(text: &str) -> Result<Role, String> {
        match text {
            "admin" => Ok(Role::Admin),
            "integration" => Ok(Role::Integration),
            "viewer" => Ok(Role::Viewer),
            _ => match text.strip_prefix("agent:") {
                Some(id) if id.trim().is_empty() => {
                    Err("`agent:` needs the agent's id after it".to_owned())
                }
                Some(id) if id.trim() != id => {
                    Err(format!("the agent id `{id}` starts or ends with a space"))
                }
                Some(id) => Ok(Role::Agent(id.to_owned())),
                None => Err(format!("unknown role `{text}`")),
            },
        }
    }

    /// The roles as a help text says them.
    pub const CHOICES: &'static str = "`admin`, `integration`, `viewer` or `agent:<agent id>`";
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Admin => f.write_str("admin"),
            Role::Integration => f.write_str("integration"),
            Role::Viewer => f.write_str("viewer"),
            Role::Agent(id) => write!(f, "agent:{id}"),
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Role, String> {
        Role::parse(text)
    }
}

/// The caller of a request, known by its bearer token: the extractor rejects a request without a
/// known token with 401 (and `WWW-Authenticate: Bearer`). Handlers then check the role with
/// [`require`](Caller::require) or [`require_agent`](Caller::require_agent) (403).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    role: Role,
}

impl Caller {
    /// A caller with `role` (for tests and in-process calls).
    pub fn new(role: Role) -> Caller {
        Caller { role }
    }

    /// The caller's role.
    pub fn role(&self) -> &Role {
        &self.role
    }

    /// Ok if the caller's role is one of `allowed` (an `agent:<id>` entry allows that agent only),
    /// a 403 problem otherwise.
    pub fn require(&self, allowed: &[Role]) -> Result<(), Problem> {
        if allowed.contains(&self.role) {
            return Ok(());
        }
        let names: Vec<String> = allowed.iter().map(|role| format!("`{role}`")).collect();
        let needed = match names.as_slice() {
            [] => "no role may".to_owned(),
            [one] => format!("only the role {one} may"),
            [first @ .., last] => format!("only the roles {} or {last} may", first.join(", ")),
        };
        Err(Problem::forbidden(format!(
            "{needed} do this; this token's role is `{}`",
            self.role
        )))
    }

    /// Whether the caller is agent `agent`'s own desktop.
    pub fn may_act_for_agent(&self, agent: &str) -> bool {
        matches!(&self.role, Role::Agent(id) if id == agent)
    }

    /// Ok if the caller is agent `agent` itself or has one of the roles `also` (e.g. admin), a 403
    /// problem otherwise.
    pub fn require_agent(&self, agent: &str, also: &[Role]) -> Result<(), Problem> {
        if self.may_act_for_agent(agent) || also.contains(&self.role) {
            return Ok(());
        }
        Err(Problem::forbidden(format!(
            "only agent `{agent}`'s own token may do this; this token's role is `{}`",
            self.role
        )))
    }
}

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    Arc<Tokens>: FromRef<S>,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Caller, Problem> {
        let tokens = Arc::<Tokens>::from_ref(state);
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(Problem::unauthorized(
                "this endpoint needs a token: send `Authorization: Bearer <token>`",
                false,
            ));
        };
        if parts.headers.get_all(header::AUTHORIZATION).iter().count() > 1 {
            return Err(Problem::unauthorized(
                "the request has more than one Authorization header: send one",
                true,
            ));
        }
        let reads = parts.method == Method::GET || parts.method == Method::HEAD;
        // The header's text is never quoted back: it holds a secret, maybe mistyped.
        let Some(token) = presented_token(value, reads) else {
            let detail = if !reads && is_basic(value) {
                "HTTP Basic is taken on GET and HEAD requests only (a browser sends it by itself, to \
                 other sites' requests too): send `Authorization: Bearer <token>`"
            } else {
                "the Authorization header must be `Bearer <token>` (or, on GET and HEAD requests, \
                 HTTP Basic with the token as its password)"
            };
            return Err(Problem::unauthorized(detail, true));
        };
        let token = token.as_str();
        match tokens.role_of(token) {
            Some(role) => Ok(Caller { role: role.clone() }),
            None => Err(Problem::unauthorized(
                "the bearer token is not one of this server's tokens",
                true,
            )),
        }
    }
}

/// The token of an `Authorization` header: `Bearer <token>`, or, when `basic` (reading requests
/// only), `Basic` credentials whose password is the token (the user name is not looked at). A browser
/// keeps Basic credentials once asked for them and sends them with every request of the page,
/// event streams included, which a bearer token cannot do; not on writes, which a page of another site
/// could make a signed-in browser send.
fn presented_token(value: &HeaderValue, basic: bool) -> Option<String> {
    let text = value.to_str().ok()?.trim();
    let (scheme, credentials) = text.split_once([' ', '\t'])?;
    let credentials = credentials.trim();
    let token = if scheme.eq_ignore_ascii_case("bearer") {
        credentials.to_owned()
    } else if basic && scheme.eq_ignore_ascii_case("basic") {
        use base64::Engine as _;
        use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
        // Padded or not, as clients write it.
        const LENIENT: GeneralPurpose = GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
        );
        let decoded = LENIENT.decode(credentials).ok()?;
        // The user name is not looked at, whatever its bytes; the password is the token.
        let colon = decoded.iter().position(|&byte| byte == b':')?;
        std::str::from_utf8(&decoded[colon + 1..]).ok()?.to_owned()
    } else {
        return None;
    };
    Some(token).filter(|token| !token.is_empty())
}

/// Whether `value` offers HTTP Basic credentials (to say why a write refuses them).
fn is_basic(value: &HeaderValue) -> bool {
    value
        .to_str()
        .ok()
        .and_then(|text| text.trim().get(..6))
        .is_some_and(|scheme| {
            scheme.eq_ignore_ascii_case("basic ") || scheme.eq_ignore_ascii_case("basic\t")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn a_token_is_a_bearer_token_or_on_reads_a_basic_password() {
        use base64::Engine as _;
        let header = |text: &str| HeaderValue::from_str(text).expect("a header");
        let basic = |credentials: &str| {
            let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
            header(&format!("Basic {encoded}"))
        };
        let token = |value: &HeaderValue, reads| presented_token(value, reads);
        assert_eq!(token(&header("Bearer  t1 "), false).as_deref(), Some("t1"));
        assert_eq!(token(&header("bearer t1"), true).as_deref(), Some("t1"));
        assert_eq!(token(&basic("viewer:t:2"), true).as_deref(), Some("t:2"));
        assert_eq!(token(&basic(":t3"), true).as_deref(), Some("t3"));
        assert_eq!(token(&header("Basic\tOnQ0"), true).as_deref(), Some("t4"));
        // Unpadded, and a user name that is not UTF-8.
        assert_eq!(token(&header("Basic OnQ1"), true).as_deref(), Some("t5"));
        assert_eq!(
            token(&header("Basic dXNlcjp0Ng"), true).as_deref(),
            Some("t6")
        );
        let latin1 = base64::engine::general_purpose::STANDARD.encode(b"\xe9t\xe9:t7");
        assert_eq!(
            token(&header(&format!("Basic {latin1}")), true).as_deref(),
            Some("t7")
        );
        // Not on writes; not without a password; not when it is no Basic credentials at all.
        assert_eq!(token(&basic("viewer:t1"), false), None);
        assert_eq!(token(&basic("viewer:"), true), None);
        assert_eq!(token(&basic("no colon"), true), None);
        assert_eq!(token(&header("Basic !!!"), true), None);
        assert_eq!(token(&header("Bearer"), true), None);
        assert_eq!(token(&header("Digest t1"), true), None);
    }

    #[test]
    fn roles_read_and_print_alike() {
        for text in ["admin", "integration", "viewer", "agent:alice", "agent:a:b"] {
            assert_eq!(
                Role::parse(text).map(|r| r.to_string()),
                Ok(text.to_owned())
            );
        }
        for text in ["Admin", "agent:", "agent: bob", "supervisor", ""] {
            assert!(Role::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn require_names_the_roles_needed_and_the_callers() {
        let viewer = Caller::new(Role::Viewer);
        assert!(viewer.require(&[Role::Viewer, Role::Admin]).is_ok());
        let Err(problem) = viewer.require(&[Role::Admin, Role::Integration]) else {
            panic!("a viewer passed");
        };
        assert_eq!(problem.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            problem.detail(),
            Some(
                "only the roles `admin` or `integration` may do this; this token's role is `viewer`"
            )
        );
    }

    #[test]
    fn an_agent_token_acts_for_its_own_agent_only() {
        let alice = Caller::new(Role::Agent("alice".to_owned()));
        assert!(alice.may_act_for_agent("alice"));
        assert!(!alice.may_act_for_agent("bob"));
        assert!(alice.require_agent("alice", &[]).is_ok());
        assert!(alice.require_agent("bob", &[Role::Admin]).is_err());
        assert!(
            Caller::new(Role::Admin)
                .require_agent("bob", &[Role::Admin])
                .is_ok()
        );
    }
}
