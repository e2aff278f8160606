//! An agent's desktop, listening: its event stream (`GET /v1/agents/{id}/events`), read on a thread of
//! its own, each event passed to the script. A stream that breaks is opened again after the last
//! event read (`Last-Event-ID`).

use super::server::{Server, segment};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

/// An event of an agent's stream, as the script needs it.
#[derive(Clone, Debug)]
pub struct Heard {
    pub agent: String,
    /// `offer`, `offer_rescinded`, `assigned`, `stopped`, …
    pub event: String,
    pub workitem: String,
    pub offer: Option<String>,
    /// Why an offer was withdrawn (`offer_rescinded`).
    pub reason: Option<String>,
}

/// Follow every agent's stream; their events, in the order each stream sends them.
pub fn follow_all(server: &Server, agents: &[String]) -> Receiver<Heard> {
    let (heard, events) = channel();
    for agent in agents {
        let url = format!("{}/v1/agents/{}/events", server.base, segment(agent));
        let token = server.desktop(agent).to_owned();
        let agent = agent.clone();
        let heard = heard.clone();
        std::thread::spawn(move || follow(&url, &token, &agent, &heard));
    }
    events
}

fn follow(url: &str, token: &str, agent: &str, heard: &Sender<Heard>) {
    // No timeout: a stream is open for as long as the demo runs.
    let Ok(client) = reqwest::blocking::Client::builder().timeout(None).build() else {
        return;
    };
    let mut last: Option<String> = None;
    loop {
        let mut request = client.get(url).bearer_auth(token);
        if let Some(last) = &last {
            request = request.header("Last-Event-ID", last);
        }
        if let Ok(reply) = request.send()
            && reply.status().is_success()
            && !read(reply, agent, heard, &mut last)
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Read events until the stream ends; false when the script is gone.
fn read(
    reply: reqwest::blocking::Response,
    agent: &str,
    heard: &Sender<Heard>,
    last: &mut Option<String>,
) -> bool {
    let (mut id, mut event, mut data) = (None, String::new(), String::new());
    for line in BufReader::new(reply).lines() {
        let Ok(line) = line else { return true };
        if line.is_empty() {
            if !data.is_empty() {
                if id.is_some() {
                    *last = id.take();
                }
                let json: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
                let text = |key: &str| json[key].as_str().map(str::to_owned);
                let message = Heard {
                    agent: agent.to_owned(),
                    event: std::mem::take(&mut event),
                    workitem: text("workitem").unwrap_or_default(),
                    offer: text("offer"),
                    reason: text("reason"),
                };
                if heard.send(message).is_err() {
                    return false;
                }
            }
            (event, data) = (String::new(), String::new());
        } else if let Some(value) = line.strip_prefix("id:") {
            id = Some(value.trim().to_owned());
        } else if let Some(value) = line.strip_prefix("event:") {
            event = value.trim().to_owned();
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push_str(value.strip_prefix(' ').unwrap_or(value));
        }
    }
    true
}
