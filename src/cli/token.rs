//! `routeflow token --role ROLE`: a new random token on the first line of standard output, and on
//! the second the line that gives it its role in a tokens file (which holds only its SHA-256).

use super::EXIT_INVALID;
use crate::serve::auth::{Role, generate_token, sha256_hex};
use std::io::Write;
use std::process::ExitCode;

/// Arguments of `routeflow token`.
#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// The token's role: admin, integration, viewer or agent:<agent id>.
    #[arg(long, value_name = "ROLE")]
    role: Role,
}

/// Run `token`.
pub fn run(args: &TokenArgs) -> ExitCode {
    let token = match generate_token() {
        Ok(token) => token,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: no random bytes: {error}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let hash = sha256_hex(&token);
    let role = &args.role;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{token}");
    let _ = writeln!(stdout, "- {{ role: {role}, sha256: {hash} }}");
    let _ = writeln!(
        std::io::stderr(),
        "routeflow: line 1 is the token (give it to its holder; it is shown only now), \
         line 2 goes into the tokens file"
    );
    ExitCode::SUCCESS
}
