//! `routeflow demo`: the sample flow live in one command (issue 18). It starts `routeflow serve` on a
//! fresh data directory with a test clock, and plays a contact center against it over HTTP, as the
//! real parties would: a CRM creating the workload's workitems when they arrive, and every agent of the
//! center at a desktop (ready, taking offers a few seconds after they come, now and then letting one
//! go, marking work done after its handle time). The demo moves the server's clock at `--speed` times
//! real time, so that a minute shows ten minutes of a contact center, the Route timeouts and offer
//! expiries included. It prints the web view's address and a viewer token.
//!
//! - [`server`]: the server process, the tokens, and the API calls the parties make.
//! - [`desktop`]: an agent's event stream, read on a thread of its own.
//! - [`script`]: the parties' next actions, in virtual time.

mod desktop;
mod script;
mod server;

use crate::center::Center;
use script::{Arrival, Script};
use server::Server;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What the demo runs.
#[derive(Clone, Debug)]
pub struct Options {
    pub flow: PathBuf,
    pub center: PathBuf,
    pub workitems: PathBuf,
    pub listen: String,
    /// Virtual seconds per real second.
    pub speed: f64,
    /// Stop after this long (none: at Ctrl-C).
    pub duration: Option<Duration>,
}

/// How often the demo moves the clock and acts, in real time.
const TICK: Duration = Duration::from_millis(200);

/// Run the demo; `Err` is a message for standard error.
pub fn run(options: &Options, center: &Center) -> Result<(), String> {
    // First, so that Ctrl-C at any later instant stops the demo the same way: its server killed, its
    // directory removed.
    let interrupted = server::on_interrupt();
    let arrivals = script::read_workload(&options.workitems, center.default_handle_s())?;
    if arrivals.is_empty() {
        return Err(format!(
            "{}: no workitem to create",
            options.workitems.display()
        ));
    }
    let data = fresh_directory()?;
    let agents: Vec<String> = center.agents().iter().map(|a| a.id.clone()).collect();
    let outcome = Server::start(options, &data, &agents, interrupted).and_then(|server| {
        let Some(server) = server else {
            return Ok(());
        };
        tell(&server, options);
        let outcome = play(&server, options, arrivals, &agents);
        drop(server);
        outcome
    });
    let _ = std::fs::remove_dir_all(&data);
    outcome
}

/// Say where to look.
fn tell(server: &Server, options: &Options) {
    let url = format!("{}/ui", server.base);
    let signed = url.replacen("http://", &format!("http://viewer:{}@", server.viewer), 1);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "routeflow demo: {} live, a simulated CRM and {} agents, the clock at {}× real time\n\
         \n  web view:  {url}\n  sign in with any user name, and this viewer token as the password:\n  \
         {}\n  or open:   {signed}\n  admin token (for the API, `Authorization: Bearer …`): {}\n\n\
         Ctrl-C stops it.",
        options.flow.display(),
        server.agents,
        options.speed,
        server.viewer,
        server.admin,
    );
    let _ = out.flush();
}

/// Play the script until Ctrl-C (or `--for-s`), a line of progress now and then.
fn play(
    server: &Server,
    options: &Options,
    arrivals: Vec<Arrival>,
    agents: &[String],
) -> Result<(), String> {
    let events = desktop::follow_all(server, agents);
    let mut script = Script::new(arrivals, agents);
    let started = Instant::now();
    let stop = || {
        server.interrupted()
            || options
                .duration
                .is_some_and(|limit| started.elapsed() >= limit)
    };
    script.log_in_everyone(server, &stop)?;
    let mut said = Instant::now();
    let mut moved = Instant::now();
    while !stop() {
        let tick = Instant::now();
        while let Ok(event) = events.try_recv() {
            script.heard(event);
        }
        // The clock follows real time (times the speed), however long a tick took; not more than
        // a second at once (a machine that was asleep).
        let now = Instant::now();
        let real = (now - moved).min(Duration::from_secs(1));
        moved = now;
        script.advance(server, real.as_secs_f64() * options.speed, &events, &stop)?;
        if server.ended() {
            return Err("the server stopped (its messages are above)".to_owned());
        }
        if said.elapsed() >= Duration::from_secs(10) {
            say(&script.progress());
            said = Instant::now();
        }
        if let Some(rest) = TICK.checked_sub(tick.elapsed()) {
            std::thread::sleep(rest);
        }
    }
    say(&script.progress());
    Ok(())
}

pub(crate) fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "routeflow demo: {line}");
}

/// A new directory for the journal, under the system's temporary directory.
fn fresh_directory() -> Result<PathBuf, String> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|error| format!("no randomness: {error}"))?;
    let path = std::env::temp_dir().join(format!("routeflow-demo-{}", hex::encode(bytes)));
    std::fs::create_dir_all(&path)
        .map_err(|error| format!("cannot create {}: {error}", path.display()))?;
    Ok(path)
}

/// The path of a file of the shipped sample (`flows/…`), from where the demo runs.
pub fn sample(name: &str) -> PathBuf {
    Path::new("flows").join(name)
}
