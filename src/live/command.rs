//! The commands the API sends the engine thread, and what can go wrong with them.

use super::views::{
    AgentEvent, AgentStateKind, AgentView, BlockCountsView, ClockView, HistoryEvent,
    PublishedFlowView, QueueView, State, WorkitemView,
};
use crate::flow::Bundle;
use crate::runtime::Runner;
use serde_json::{Map, Value as Json};
use std::sync::Arc;
use tokio::sync::mpsc::Receiver;
use tokio::sync::oneshot::Sender;

/// A workitem to create (`POST /v1/workitems`).
///
/// As the journal keeps it (JSON): the request's `body`, its `key` when it had one, and of `id`,
/// `priority`, `userdata` and `flow` only those that are not what the body says ([`Implied`]): from
/// the API they never are (they are read from the body), so a create is journaled as its body alone
/// rather than with its user data twice. Reading, a field left out is taken from the body; an entry of
/// the journal's first format, which has every field, reads as it did.
#[derive(Clone, Debug, Default)]
pub struct NewWorkitem {
    /// The third party's id (unique); made up when not given.
    pub id: Option<String>,
    /// Its priority (default 0).
    pub priority: Option<i64>,
    /// Its user data.
    pub userdata: Map<String, Json>,
    /// The flow it asks for (must be the server's).
    pub flow: Option<String>,
    /// The request's `Idempotency-Key`.
    pub key: Option<String>,
    /// The request body as sent: the same id or key again with another body is a conflict.
    pub body: Json,
}

/// What a create body says of the fields `POST /v1/workitems` reads from it.
struct Implied<'a> {
    id: Option<&'a str>,
    priority: Option<i64>,
    userdata: Option<&'a Map<String, Json>>,
    flow: Option<&'a str>,
}

impl<'a> Implied<'a> {
    fn of(body: &'a Json) -> Implied<'a> {
        Implied {
            id: body.get("id").and_then(Json::as_str),
            priority: body.get("priority").and_then(Json::as_i64),
            userdata: body.get("userdata").and_then(Json::as_object),
            flow: body.get("flow").and_then(Json::as_str),
        }
    }
}

/// Whether `a` and `b` are the same JSON, as exactly as the journal must keep it: `==`, and a float
/// zero of the same sign (`==` holds `-0.0` equal to `0.0`). Objects are sorted maps: equal maps list
/// their keys alike.
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            x == y && x.as_f64().map(f64::to_bits) == y.as_f64().map(f64::to_bits)
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Json::Object(x), Json::Object(y)) => same_map(x, y),
        _ => a == b,
    }
}

fn same_map(a: &Map<String, Json>, b: &Map<String, Json>) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|((k, x), (l, y))| k == l && same(x, y))
}

impl serde::Serialize for NewWorkitem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let implied = Implied::of(&self.body);
        let mut map = serializer.serialize_map(None)?;
        if self.id.as_deref() != implied.id {
            map.serialize_entry("id", &self.id)?;
        }
        if self.priority != implied.priority {
            map.serialize_entry("priority", &self.priority)?;
        }
        let no_userdata = Map::new();
        if !same_map(&self.userdata, implied.userdata.unwrap_or(&no_userdata)) {
            map.serialize_entry("userdata", &self.userdata)?;
        }
        if self.flow.as_deref() != implied.flow {
            map.serialize_entry("flow", &self.flow)?;
        }
        if self.key.is_some() {
            map.serialize_entry("key", &self.key)?;
        }
        map.serialize_entry("body", &self.body)?;
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for NewWorkitem {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// A field that may be left out (`None`) or be there, `null` included (`Some(None)`).
        fn there<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
            deserializer: D,
        ) -> Result<Option<Option<T>>, D::Error> {
            Option::<T>::deserialize(deserializer).map(Some)
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Journaled {
            #[serde(default, deserialize_with = "there")]
            id: Option<Option<String>>,
            #[serde(default, deserialize_with = "there")]
            priority: Option<Option<i64>>,
            userdata: Option<Map<String, Json>>,
            #[serde(default, deserialize_with = "there")]
            flow: Option<Option<String>>,
            key: Option<String>,
            body: Json,
        }
        let Journaled {
            id,
            priority,
            userdata,
            flow,
            key,
            body,
        } = Journaled::deserialize(deserializer)?;
        let implied = Implied::of(&body);
        let id = id.unwrap_or_else(|| implied.id.map(str::to_owned));
        let priority = priority.unwrap_or(implied.priority);
        let userdata = userdata.unwrap_or_else(|| implied.userdata.cloned().unwrap_or_default());
        let flow = flow.unwrap_or_else(|| implied.flow.map(str::to_owned));
        Ok(NewWorkitem {
            id,
            priority,
            userdata,
            flow,
            key,
            body,
        })
    }
}

/// A created (or found again) workitem.
#[derive(Clone, Debug)]
pub struct Created {
    /// Whether this request created it (false: an earlier one with the same id or key did).
    pub created: bool,
    /// The workitem, once its flow has run as far as it can.
    pub view: WorkitemView,
}

/// Why the engine refused a command.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LiveError {
    /// No such workitem, agent or offer.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the state things are in.
    #[error("{detail}")]
    Conflict {
        /// What conflicts.
        detail: String,
        /// The workitem's state, when a workitem's.
        state: Option<State>,
    },
    /// The caller may not do this (an agent acting on another agent's work).
    #[error("{0}")]
    Forbidden(String),
    /// A field of the request is wrong.
    #[error("{detail}")]
    Invalid {
        /// The field, as a JSON pointer (`/flow`).
        field: String,
        /// What is wrong.
        detail: String,
    },
    /// `If-Match` names an earlier revision of the workitem's user data.
    #[error("workitem `{id}` is at revision {revision}: its user data changed since")]
    Stale {
        /// The workitem.
        id: String,
        /// Its revision now.
        revision: u64,
    },
    /// The clock cannot be moved: the server runs on the real clock.
    #[error("the server runs on the real clock; start it with `--clock test` to move time by hand")]
    NotTestClock,
    /// The server holds as many workitems as it can number.
    #[error("the server holds as many workitems as it can")]
    Full,
    /// The engine thread is gone (the server is shutting down).
    #[error("the engine is shutting down")]
    Gone,
    /// The journal failed: nothing more can be acknowledged.
    #[error("the server cannot journal changes any more ({0}); it must be restarted")]
    Journal(String),
}

type Reply<T> = Sender<T>;

/// A bundle published: its flow (with every version) and the version it is.
#[derive(Clone, Debug)]
pub struct PublishedVersion {
    /// Whether this request published it (false: a version with the same content was there).
    pub created: bool,
    /// Its number.
    pub version: u32,
    /// Its flow, with every version.
    pub flow: PublishedFlowView,
}

/// A page of workitems, in creation order.
#[derive(Clone, Debug, Default)]
pub struct Page {
    /// The workitems of the page.
    pub workitems: Vec<WorkitemView>,
    /// Where the next page starts (the number of workitems created before its first), when there
    /// is one.
    pub next: Option<u64>,
}

/// An agent's kept events, and a receiver of the next ones.
pub type Subscription = (Vec<AgentEvent>, Receiver<AgentEvent>);

/// The supervisors' stream: the kept events after the one asked, and a receiver of the next ones.
pub type FeedSubscription = (
    Vec<super::feed::FeedEvent>,
    Receiver<super::feed::FeedEvent>,
);

/// One command, with where its reply goes.
pub(super) enum Command {
    Create {
        new: NewWorkitem,
        reply: Reply<Result<Created, LiveError>>,
    },
    Get {
        id: String,
        reply: Reply<Option<WorkitemView>>,
    },
    List {
        state: Option<State>,
        after: u64,
        limit: usize,
        reply: Reply<Page>,
    },
    History {
        id: String,
        reply: Reply<Option<Vec<HistoryEvent>>>,
    },
    Stop {
        id: String,
        reply: Reply<Result<WorkitemView, LiveError>>,
    },
    Done {
        id: String,
        disposition: Option<String>,
        /// The agent acting, when the caller is an agent.
        agent: Option<String>,
        reply: Reply<Result<WorkitemView, LiveError>>,
    },
    AgentState {
        agent: String,
        state: AgentStateKind,
        reason: Option<String>,
        reply: Reply<Result<AgentView, LiveError>>,
    },
    Agents {
        reply: Reply<Vec<AgentView>>,
    },
    Agent {
        agent: String,
        reply: Reply<Option<AgentView>>,
    },
    Subscribe {
        agent: String,
        after: Option<u64>,
        reply: Reply<Result<Subscription, LiveError>>,
    },
    /// Open a supervisors' stream.
    Feed {
        after: Option<u64>,
        reply: Reply<Result<FeedSubscription, LiveError>>,
    },
    Answer {
        offer: String,
        accept: bool,
        /// The agent acting, when the caller is an agent.
        agent: Option<String>,
        reply: Reply<Result<WorkitemView, LiveError>>,
    },
    Advance {
        by_s: f64,
        reply: Reply<Result<f64, LiveError>>,
    },
    Queues {
        reply: Reply<Vec<QueueView>>,
    },
    BlockCounts {
        name: String,
        version: u32,
        reply: Reply<Result<BlockCountsView, LiveError>>,
    },
    Patch {
        id: String,
        /// The revision `If-Match` names, when it names one.
        if_match: Option<u64>,
        set: Map<String, Json>,
        reply: Reply<Result<WorkitemView, LiveError>>,
    },
    Clock {
        reply: Reply<ClockView>,
    },
    Publish {
        name: String,
        bundle: Bundle,
        /// What the API compiled the bundle to.
        runner: Arc<Runner>,
        reply: Reply<Result<PublishedVersion, LiveError>>,
    },
    Activate {
        name: String,
        version: u32,
        reply: Reply<Result<PublishedFlowView, LiveError>>,
    },
    Flows {
        /// One flow (by name), or every flow.
        name: Option<String>,
        reply: Reply<Result<Vec<PublishedFlowView>, LiveError>>,
    },
    Bundle {
        name: String,
        version: u32,
        reply: Reply<Result<Arc<Bundle>, LiveError>>,
    },
    /// The flow a version compiled to.
    CompiledFlow {
        name: String,
        version: u32,
        reply: Reply<Result<Arc<crate::flow::Flow>, LiveError>>,
    },
    /// The agent setup now (the center file's, with the API's changes).
    Center {
        reply: Reply<Arc<crate::center::Center>>,
    },
    /// Panics the engine thread: for tests of what the API does once the engine is gone.
    #[cfg(test)]
    Panic,
    PutAgent {
        id: String,
        setup: crate::center::setup::AgentSetup,
        /// The agent, and whether it is new.
        reply: Reply<Result<(AgentView, bool), LiveError>>,
    },
    DeleteAgent {
        id: String,
        reply: Reply<Result<(), LiveError>>,
    },
}

#[cfg(test)]
mod tests {
    use super::NewWorkitem;
    use serde_json::json;

    fn from_api(body: serde_json::Value, key: Option<&str>) -> NewWorkitem {
        NewWorkitem {
            id: body["id"].as_str().map(str::to_owned),
            priority: body["priority"].as_i64(),
            userdata: body["userdata"].as_object().cloned().unwrap_or_default(),
            flow: body["flow"].as_str().map(str::to_owned),
            key: key.map(str::to_owned),
            body,
        }
    }

    fn again(new: &NewWorkitem) -> (String, NewWorkitem) {
        let text = serde_json::to_string(new).expect("serializes");
        let read: NewWorkitem = serde_json::from_str(&text).expect("reads");
        (text, read)
    }

    fn same(a: &NewWorkitem, b: &NewWorkitem) -> bool {
        a.id == b.id
            && a.priority == b.priority
            && a.userdata == b.userdata
            && a.flow == b.flow
            && a.key == b.key
            && a.body == b.body
    }

    #[test]
    fn a_create_from_the_api_is_journaled_as_its_body_and_reads_back_whole() {
        let body = json!({ "id": "w1", "priority": 3, "flow": "GTR", "userdata": { "a": "x", "n": -0.0 } });
        let new = from_api(body.clone(), Some("k1"));
        let (text, read) = again(&new);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).expect("JSON"),
            json!({ "key": "k1", "body": body })
        );
        assert!(same(&new, &read), "{read:?}");
        assert!(
            read.userdata["n"]
                .as_f64()
                .expect("a number")
                .is_sign_negative()
        );
        let bare = from_api(json!({ "userdata": {} }), None);
        let (text, read) = again(&bare);
        assert_eq!(text, r#"{"body":{"userdata":{}}}"#);
        assert!(same(&bare, &read), "{read:?}");
    }

    #[test]
    fn fields_that_are_not_what_the_body_says_are_journaled_beside_it() {
        let body =
            json!({ "id": "w1", "priority": 3, "flow": "GTR", "userdata": { "a": "x", "z": 0.0 } });
        let mut userdata = body["userdata"].as_object().cloned().expect("an object");
        userdata.insert("z".into(), json!(-0.0));
        for new in [
            NewWorkitem {
                id: None,
                ..from_api(body.clone(), None)
            },
            NewWorkitem {
                id: Some("w2".into()),
                ..from_api(body.clone(), None)
            },
            NewWorkitem {
                priority: None,
                ..from_api(body.clone(), None)
            },
            NewWorkitem {
                flow: None,
                ..from_api(body.clone(), None)
            },
            NewWorkitem {
                userdata: serde_json::Map::new(),
                ..from_api(body.clone(), None)
            },
            NewWorkitem {
                userdata,
                ..from_api(body.clone(), None)
            },
            NewWorkitem {
                body: serde_json::Value::Null,
                ..from_api(body.clone(), None)
            },
        ] {
            let (text, read) = again(&new);
            assert!(same(&new, &read), "{text} read as {read:?}");
        }
    }

    #[test]
    fn an_entry_of_the_first_format_reads_as_it_did() {
        let text = r#"{"id":"w1","priority":null,"userdata":{"a":"x"},"flow":null,"key":null,"body":{"id":"w1","userdata":{"a":"x"}}}"#;
        let read: NewWorkitem = serde_json::from_str(text).expect("reads");
        assert!(same(
            &read,
            &from_api(json!({ "id": "w1", "userdata": { "a": "x" } }), None)
        ));
        assert!(serde_json::from_str::<NewWorkitem>(r#"{"body":{},"other":1}"#).is_err());
    }
}
