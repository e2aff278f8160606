//! The demo's server: `routeflow serve` on the sample with a test clock, in a process of its own (this
//! same binary), with a token for every party; and the API calls the parties make, over HTTP.

use super::Options;
use crate::serve::auth::{generate_token, sha256_hex};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A running server and the parties' tokens.
pub struct Server {
    /// `http://ADDR`.
    pub base: String,
    pub admin: String,
    pub viewer: String,
    crm: String,
    desktops: HashMap<String, String>,
    pub agents: usize,
    child: Mutex<Child>,
    client: reqwest::blocking::Client,
    interrupted: Arc<AtomicBool>,
}

/// How long the server may take to say where it listens.
const START_TIMEOUT: Duration = Duration::from_secs(30);

impl Server {
    /// Write the tokens file into `data`, start the server on it, and wait until it is ready; `None`
    /// when `interrupted` is set meanwhile (the server is stopped then).
    pub fn start(
        options: &Options,
        data: &Path,
        agents: &[String],
        interrupted: Arc<AtomicBool>,
    ) -> Result<Option<Server>, String> {
        let token = || generate_token().map_err(|error| format!("no randomness: {error}"));
        let (admin, viewer, crm) = (token()?, token()?, token()?);
        let mut desktops = HashMap::new();
        let mut lines = String::new();
        for (role, token) in [
            ("admin", &admin),
            ("viewer", &viewer),
            ("integration", &crm),
        ] {
            lines.push_str(&format!(
                "- {{ role: {role}, sha256: {} }}\n",
                sha256_hex(token)
            ));
        }
        for agent in agents {
            let token = token()?;
            let role = serde_json::to_string(&format!("agent:{agent}")).unwrap_or_default();
            lines.push_str(&format!(
                "- {{ role: {role}, sha256: {} }}\n",
                sha256_hex(&token)
            ));
            desktops.insert(agent.clone(), token);
        }
        std::fs::create_dir_all(data)
            .map_err(|error| format!("cannot create {}: {error}", data.display()))?;
        let tokens = data.join("demo-tokens.yaml");
        std::fs::write(&tokens, lines)
            .map_err(|error| format!("cannot write {}: {error}", tokens.display()))?;
        let program = std::env::current_exe()
            .map_err(|error| format!("cannot find this program to start the server: {error}"))?;
        let mut child = Command::new(program)
            .arg("serve")
            .arg("--flow")
            .arg(&options.flow)
            .arg("--center")
            .arg(&options.center)
            .arg("--data")
            .arg(data.join("journal"))
            .args(["--listen", &options.listen, "--clock", "test", "--tokens"])
            .arg(&tokens)
            // The server's problems only: not a line per request of the simulated parties.
            .env("RUST_LOG", "warn")
            // Its own process group: Ctrl-C at the terminal reaches the demo only, which stops the
            // parties first and then the server, rather than the server under them.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start the server: {error}"))?;
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|error| format!("cannot make an HTTP client: {error}"))?;
        let base = listening(&mut child, &interrupted);
        let mut server = Server {
            base: String::new(),
            admin,
            viewer,
            crm,
            desktops,
            agents: agents.len(),
            child: Mutex::new(child),
            client,
            interrupted,
        };
        match base? {
            Some(base) => server.base = base,
            None => return Ok(None),
        }
        Ok(server.wait_ready()?.then_some(server))
    }

    /// Whether Ctrl-C (or SIGTERM) asked the demo to end.
    pub fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::Relaxed)
    }

    /// Whether the server process has ended.
    pub fn ended(&self) -> bool {
        let Ok(mut child) = self.child.lock() else {
            return true;
        };
        !matches!(child.try_wait(), Ok(None))
    }

    /// Wait until the server is ready: true, or false when interrupted meanwhile.
    fn wait_ready(&self) -> Result<bool, String> {
        let url = format!("{}/readyz", self.base);
        for _ in 0..300 {
            if self.interrupted() {
                return Ok(false);
            }
            let reply = self.client.get(&url).bearer_auth(&self.admin).send();
            if reply.is_ok_and(|reply| reply.status().is_success()) {
                return Ok(true);
            }
            if self.ended() {
                return Err("the server stopped (its messages are above)".to_owned());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err("the server did not get ready within 30 s".to_owned())
    }

    /// Agent `agent`'s desktop token.
    pub fn desktop(&self, agent: &str) -> &str {
        self.desktops.get(agent).map_or("", String::as_str)
    }

    /// `METHOD path` with `token` and `body`: the reply's JSON, or a message.
    fn call(&self, method: &str, path: &str, token: &str, body: Value) -> Result<Value, String> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let reply = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .map_err(|error| format!("{method} {path}: {error}"))?;
        let status = reply.status();
        let json: Value = reply.json().unwrap_or(Value::Null);
        if status.is_success() {
            Ok(json)
        } else {
            Err(format!("{method} {path}: {status} {}", json["detail"]))
        }
    }

    /// The CRM creates a workitem.
    pub fn create(&self, body: &Value) -> Result<Value, String> {
        self.call("POST", "/v1/workitems", &self.crm, body.clone())
    }

    /// Move the clock on; the time now.
    pub fn advance(&self, by_s: f64) -> Result<f64, String> {
        let reply = self.call(
            "POST",
            "/v1/clock/advance",
            &self.admin,
            json!({ "by_s": by_s }),
        )?;
        reply["now_s"]
            .as_f64()
            .ok_or_else(|| "the clock's reply has no time".to_owned())
    }

    /// Agent `agent` sets its state.
    pub fn set_state(&self, agent: &str, state: &str) -> Result<Value, String> {
        let path = format!("/v1/agents/{}/state", segment(agent));
        self.call("PUT", &path, self.desktop(agent), json!({ "state": state }))
    }

    /// Agent `agent` accepts or rejects `offer`.
    pub fn answer(&self, agent: &str, offer: &str, accept: bool) -> Result<Value, String> {
        let how = if accept { "accept" } else { "reject" };
        let path = format!("/v1/offers/{}/{how}", segment(offer));
        self.call("POST", &path, self.desktop(agent), Value::Null)
    }

    /// Agent `agent` marks `workitem` done.
    pub fn done(&self, agent: &str, workitem: &str, disposition: &str) -> Result<Value, String> {
        let path = format!("/v1/workitems/{}/done", segment(workitem));
        let body = json!({ "disposition": disposition });
        self.call("POST", &path, self.desktop(agent), body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGKILL: its journal is thrown away with its directory.
        if let Ok(child) = self.child.get_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An id as one path segment.
pub fn segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Read the server's standard error until it says where it listens (`None` when `interrupted` is set
/// first); pass on what it says after.
fn listening(child: &mut Child, interrupted: &AtomicBool) -> Result<Option<String>, String> {
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| "the server has no standard error".to_owned())?;
    let (found, address) = mpsc::channel();
    std::thread::spawn(move || {
        let mut found = Some(found);
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(base) = line.strip_prefix("routeflow: listening on ") {
                if let Some(found) = found.take() {
                    let _ = found.send(Ok(base.trim().to_owned()));
                }
                continue;
            }
            let _ = writeln!(std::io::stderr(), "{line}");
        }
        if let Some(found) = found.take() {
            let _ = found.send(Err("the server stopped before it listened".to_owned()));
        }
    });
    let started = std::time::Instant::now();
    while started.elapsed() < START_TIMEOUT {
        if interrupted.load(Ordering::Relaxed) {
            return Ok(None);
        }
        match address.recv_timeout(Duration::from_millis(50)) {
            Ok(base) => return base.map(Some),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    Err("the server did not say where it listens within 30 s".to_owned())
}

/// A flag set at Ctrl-C (SIGINT) or SIGTERM, from this call on: the handlers are in place when it
/// returns (a signal before would end the process without its clean-up).
pub fn on_interrupt() -> Arc<AtomicBool> {
    use tokio::signal::unix::{SignalKind, signal};
    let flag = Arc::new(AtomicBool::new(false));
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return flag;
    };
    let (interrupt, terminate) = {
        let _entered = runtime.enter();
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    let set = flag.clone();
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let heard = |stream: Option<tokio::signal::unix::Signal>| async move {
                match stream {
                    Some(mut stream) => {
                        stream.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = heard(interrupt) => {}
                () = heard(terminate) => {}
            }
        });
        set.store(true, Ordering::Relaxed);
    });
    flag
}
