//! `routeflow publish FLOW --server URL [--token TOKEN | --token-file FILE]`: bundle a flow with the
//! files it names (tables, rhai) and publish it into a running server (`PUT /v1/flows/{name}`, SPEC
//! §9.4). The server checks it as `routeflow check` does; its diagnostics are printed against the local
//! files, as `check` prints them. Exit 0 when published (or already published), 1 when refused.

use super::EXIT_INVALID;
use crate::diagnostic::{DiagnosticJson, Report, counted};
use crate::flow::Bundle;
use crate::flow::bundle::on_disk;
use serde::Deserialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `routeflow publish`.
#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The flow file to publish (with the tables and rhai files it names).
    #[arg(value_name = "FLOW")]
    flow: PathBuf,
    /// The server's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    server: String,
    /// An admin token (or set ROUTEFLOW_TOKEN, which keeps it out of the process list).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "ROUTEFLOW_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
    /// A file holding an admin token (e.g. the server's DIR/admin.token).
    #[arg(long = "token-file", value_name = "FILE", conflicts_with = "token")]
    token_file: Option<PathBuf>,
    /// Publish as this flow (default: the flow's application).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// How long to wait for the server, in seconds.
    #[arg(long = "timeout-s", value_name = "SECONDS", default_value_t = 60)]
    timeout_s: u64,
}

/// What the server answers to a publication.
#[derive(Debug, Deserialize)]
struct Answer {
    version: Option<u32>,
    hash: Option<String>,
    created: Option<bool>,
    #[serde(default)]
    diagnostics: Vec<DiagnosticJson>,
    title: Option<String>,
    detail: Option<String>,
    flow: Option<FlowAnswer>,
}

#[derive(Debug, Deserialize)]
struct FlowAnswer {
    active: u32,
}

/// Run `publish`.
pub fn run(args: &PublishArgs) -> ExitCode {
    let mut stderr = std::io::stderr().lock();
    let (loaded, bundle) = Bundle::from_disk(&args.flow);
    let shown = args.flow.display();
    let bundle = match bundle {
        Ok(bundle) => bundle,
        Err(error) => {
            let _ = write!(stderr, "{}", loaded.report.render());
            let _ = writeln!(stderr, "{shown}: not published: {error}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    // The flow's application, even when the flow does not check (the server says why).
    let application = loaded
        .flow
        .as_ref()
        .map(|flow| flow.application.clone())
        .or_else(|| {
            let text = bundle.files.get(&bundle.flow)?;
            let yaml: serde_yaml::Value = serde_yaml::from_str(text).ok()?;
            Some(yaml.get("application")?.as_str()?.to_owned())
        });
    let name = match (&args.name, application) {
        (Some(name), _) => name.clone(),
        (None, Some(application)) => application,
        (None, None) => {
            // Without its application's name there is nothing to publish it as.
            let _ = write!(stderr, "{}", loaded.report.render());
            let _ = writeln!(
                stderr,
                "{shown}: not published: {} (fix them, or give --name)",
                counted(loaded.report.errors(), "error")
            );
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let token = match token(args) {
        Ok(token) => token,
        Err(error) => {
            let _ = writeln!(stderr, "error: {error}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let answer = match send(args, &name, &bundle, &token) {
        Ok(answer) => answer,
        Err(error) => {
            let _ = writeln!(stderr, "error: {error}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let (status, answer) = answer;
    let report = Report::from_json(&answer.diagnostics, |file| {
        let text = bundle.files.get(file)?;
        Some((
            on_disk(&args.flow, file).display().to_string(),
            text.clone(),
        ))
    });
    let _ = write!(stderr, "{}", report.render());
    let warnings = match report.warnings() {
        0 => String::new(),
        n => format!(", {}", counted(n, "warning")),
    };
    match (status, answer.version, answer.hash) {
        (200 | 201, Some(version), Some(hash)) => {
            let active = answer.flow.map_or(version, |flow| flow.active);
            let said = if answer.created == Some(true) {
                format!("published `{name}` version {version} ({hash}), now active")
            } else if active == version {
                format!("already published: `{name}` version {version} ({hash}), active")
            } else {
                format!(
                    "already published: `{name}` version {version} ({hash}); version {active} is \
                     active (activate this one to roll back to it)"
                )
            };
            let _ = writeln!(stderr, "{shown}: {said}{warnings}");
            let _ = writeln!(std::io::stdout(), "{version}");
            ExitCode::SUCCESS
        }
        (422, _, _) if !answer.diagnostics.is_empty() => {
            let _ = writeln!(
                stderr,
                "{shown}: invalid: {}{warnings} (refused by the server)",
                counted(report.errors(), "error")
            );
            ExitCode::from(EXIT_INVALID)
        }
        (status, _, _) => {
            let title = answer.title.unwrap_or_default();
            let detail = answer.detail.map(|d| format!(": {d}")).unwrap_or_default();
            let _ = writeln!(
                stderr,
                "error: the server refused the flow: {status} {title}{detail}"
            );
            ExitCode::from(EXIT_INVALID)
        }
    }
}

/// The admin token: `--token` (or ROUTEFLOW_TOKEN), or the first line of `--token-file`.
fn token(args: &PublishArgs) -> Result<String, String> {
    if let Some(token) = &args.token {
        return Ok(token.trim().to_owned());
    }
    let Some(path) = &args.token_file else {
        return Err(
            "give an admin token: --token TOKEN, ROUTEFLOW_TOKEN, or --token-file FILE".to_owned(),
        );
    };
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read the token file {}: {error}", path.display()))?;
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| format!("the token file {} is empty", path.display()))
}

/// `PUT` the bundle; the reply's status and body.
fn send(
    args: &PublishArgs,
    name: &str,
    bundle: &Bundle,
    token: &str,
) -> Result<(u16, Answer), String> {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let segment = percent_encoding::utf8_percent_encode(name, SEGMENT);
    let url = format!("{}/v1/flows/{segment}", args.server.trim_end_matches('/'));
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(args.timeout_s))
        .build()
        .map_err(|error| format!("cannot make an HTTP client: {error}"))?;
    let response = client
        .put(&url)
        .bearer_auth(token)
        .json(bundle)
        .send()
        .map_err(|error| format!("cannot reach {url}: {}", error_chain(&error)))?;
    let status = response.status().as_u16();
    let text = response
        .text()
        .map_err(|error| format!("cannot read the answer of {url}: {error}"))?;
    let answer = serde_json::from_str(&text).unwrap_or(Answer {
        version: None,
        hash: None,
        created: None,
        diagnostics: Vec::new(),
        title: None,
        detail: Some(text.chars().take(200).collect()),
        flow: None,
    });
    Ok((status, answer))
}

/// An error and its causes, on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_file_s_first_line_is_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin.token");
        std::fs::write(&path, "\n  rft_abc  \nignored\n").unwrap();
        let args = PublishArgs {
            flow: PathBuf::from("f.yaml"),
            server: "http://127.0.0.1:1".to_owned(),
            token: None,
            token_file: Some(path.clone()),
            name: None,
            timeout_s: 1,
        };
        assert_eq!(token(&args).unwrap(), "rft_abc");
        std::fs::write(&path, "\n").unwrap();
        assert!(token(&args).unwrap_err().contains("is empty"));
    }
}
