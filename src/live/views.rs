//! What the live engine shows of its workitems and agents: the bodies of the API's replies and events.

use serde::Serialize;
use serde_json::Value as Json;
use utoipa::ToSchema;

/// Where a live workitem is (SPEC §9.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Running blocks (never seen from outside: a workitem runs until it waits or ends).
    Running,
    /// In a Route block, waiting for an agent.
    Waiting,
    /// Offered to one agent, who has not answered yet.
    Offered,
    /// An agent holds it.
    Assigned,
    /// Marked done.
    Done,
    /// Stopped by the third party.
    Stopped,
    /// The flow ended without routing it.
    Unrouted,
    /// A block failed.
    Error,
}

impl State {
    /// Whether the workitem is over (nothing more can happen to it).
    pub fn ended(self) -> bool {
        matches!(
            self,
            State::Done | State::Stopped | State::Unrouted | State::Error
        )
    }

    /// The word the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Waiting => "waiting",
            State::Offered => "offered",
            State::Assigned => "assigned",
            State::Done => "done",
            State::Stopped => "stopped",
            State::Unrouted => "unrouted",
            State::Error => "error",
        }
    }
}

/// A Route block's target.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct TargetView {
    /// `agent`, `agent_group` or `skill`.
    pub kind: String,
    /// The agent id, group name or skill expression.
    pub value: String,
}

/// The flow a workitem runs on.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FlowView {
    /// The flow's application name.
    pub name: String,
    /// The version it runs (from 1; it keeps it to its end).
    pub version: u32,
}

/// One published version of a flow.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FlowVersionView {
    /// Its number, from 1.
    pub version: u32,
    /// Its content hash: `sha256:` and 64 hex digits.
    pub hash: String,
    /// When it was published, in seconds of the server's clock.
    pub published_s: f64,
    /// Whether new workitems run it.
    pub active: bool,
    /// How many workitems that have not ended run it.
    pub running: usize,
    /// Its blocks.
    pub blocks: usize,
    /// Its bundle's size: the bytes of its files' names and text.
    pub bytes: usize,
}

/// A published flow and its versions.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PublishedFlowView {
    /// Its name (the flow's application).
    pub name: String,
    /// The version new workitems run.
    pub active: u32,
    /// Whether a workitem that names no flow runs this one.
    pub default: bool,
    /// Every version, oldest first.
    pub versions: Vec<FlowVersionView>,
}

/// A workitem, as `GET /v1/workitems/{id}` shows it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct WorkitemView {
    /// The third party's id.
    pub id: String,
    /// Where it is.
    pub state: State,
    /// The priority it was created with.
    pub priority: i64,
    /// The flow it runs on.
    pub flow: FlowView,
    /// The Route block it waits in, is offered from or was routed by.
    pub block: Option<String>,
    /// That block's target.
    pub target: Option<TargetView>,
    /// When that block's timeout passes (while it waits or is offered), in seconds.
    pub deadline_s: Option<f64>,
    /// The agent it is offered to or held by.
    pub agent: Option<String>,
    /// Its open offer's id, while it is offered.
    pub offer: Option<String>,
    /// When it was created, in seconds of the server's clock.
    pub created_s: f64,
    /// When an agent accepted it.
    pub routed_s: Option<f64>,
    /// When it ended.
    pub ended_s: Option<f64>,
    /// The disposition code it was marked done with.
    pub disposition: Option<String>,
    /// Its user data as the flow last showed it (secure values masked).
    #[schema(value_type = Object)]
    pub userdata: Json,
    /// When the flow ended: its outcome line, as `routeflow replay` writes it.
    #[schema(value_type = Option<Object>)]
    pub outcome: Option<Json>,
    /// Counts the changes of its user data: the `ETag` (`"r<revision>"`) that `If-Match` compares.
    pub revision: u64,
}

/// The server's clock (`GET /v1/clock`, `POST /v1/clock/advance`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ClockView {
    /// `real` (seconds since the Unix epoch) or `test` (seconds since the server started, moved by hand).
    pub clock: String,
    /// The time now, in seconds.
    pub now_s: f64,
    /// When the next timer is due (a Route timeout, an offer expiring), if any is.
    pub next_event_s: Option<f64>,
}

/// An agent's state, as agents set it (SPEC §9.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgentStateKind {
    /// Takes workitems.
    Ready,
    /// Logged in, takes nothing new.
    NotReady,
    /// Logged out (how every agent starts).
    LoggedOut,
}

/// An agent, as `GET /v1/agents` shows it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct AgentView {
    /// The agent's id.
    pub id: String,
    /// Its state.
    pub state: AgentStateKind,
    /// Why it is not ready (`not_responding` after an offer it did not take).
    pub reason: Option<String>,
    /// When its state last changed, in seconds of the server's clock (none before it first did).
    pub since_s: Option<f64>,
    /// How many workitems it works at once.
    pub capacity: u32,
    /// The workitems it holds (assigned), and offered.
    pub workitems: Vec<String>,
    /// Whether it takes workitems without an offer.
    pub auto_accept: bool,
    /// The agent groups it belongs to.
    pub groups: Vec<String>,
    /// Its skills: name → level.
    pub skills: std::collections::BTreeMap<String, i64>,
}

/// One event of an agent's stream (`GET /v1/agents/{id}/events`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct AgentEvent {
    /// Its id in the agent's stream (`Last-Event-ID` resumes after it).
    pub id: u64,
    /// `offer`, `offer_rescinded`, `assigned`, `userdata_updated` or `stopped`.
    pub event: String,
    /// When, in seconds of the server's clock.
    pub at_s: f64,
    /// The workitem.
    pub workitem: String,
    /// The offer (`offer`, `offer_rescinded`).
    pub offer: Option<String>,
    /// When the offer expires (`offer`).
    pub expires_s: Option<f64>,
    /// Why an offer was withdrawn (`offer_rescinded`: `stopped` or `expired`).
    pub reason: Option<String>,
    /// The workitem's user data (`offer`, `assigned`, `userdata_updated`; secure values masked).
    #[schema(value_type = Option<Object>)]
    pub userdata: Option<Json>,
    /// The screen pop-up (`assigned`), when the user data names an integration.
    pub popup: Option<PopupView>,
}

/// The screen pop-up of an assignment: the integration the user data's override key names, and its URL
/// template filled from the user data (see `docs/center-format.md`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PopupView {
    /// The integration.
    pub integration: String,
    /// Its page for the workitem; null when the center file has no template for the integration.
    pub url: Option<String>,
    /// User-data keys the template names that the workitem does not have (left empty in the URL).
    pub missing: Vec<String>,
}

impl From<crate::center::popup::Popup> for PopupView {
    fn from(popup: crate::center::popup::Popup) -> PopupView {
        PopupView {
            integration: popup.integration,
            url: popup.url,
            missing: popup.missing,
        }
    }
}

/// One event of a workitem's history (`GET /v1/workitems/{id}/history`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct HistoryEvent {
    /// Its number among the server's events (increasing).
    pub seq: u64,
    /// When, in seconds of the server's clock.
    pub at_s: f64,
    /// What happened: `created`, `waiting`, `offered`, `offer_rescinded`, `offer_rejected`, `assigned`,
    /// `timed_out`, `stopped`, `ended`, `done`.
    pub event: String,
    /// Details: the block, target, agent, offer, outcome… as the event has them.
    #[schema(value_type = Object)]
    pub data: Json,
}

/// Waiting workitems of one target (`GET /v1/queues`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct QueueView {
    /// The target.
    pub target: TargetView,
    /// How many workitems wait for it.
    pub waiting: usize,
    /// How long the oldest has waited in this block, in seconds.
    pub oldest_wait_s: Option<f64>,
    /// How many workitems agents took from it in the last 15 minutes (a target with none waiting is
    /// listed while this is not 0).
    pub routed_last_15m: usize,
}

/// What a flow version's blocks have seen (`GET /v1/flows/{name}/versions/{version}/blocks`): the
/// counts the web view draws on its blocks.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct BlockCountsView {
    /// The flow.
    pub flow: String,
    /// The version.
    pub version: u32,
    /// The id of the last event these counts include (of `GET /v1/events`).
    pub seq: u64,
    /// When they were taken, in seconds of the server's clock.
    pub now_s: f64,
    /// Every block, in the flow's order.
    pub blocks: Vec<BlockCountView>,
}

/// One block's counts.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct BlockCountView {
    /// The block's id.
    pub block: String,
    /// Whether it is a Route block (then `waiting` and `oldest_wait_s` are given).
    pub route: bool,
    /// Workitems that entered it (since the journal began: across restarts).
    pub entered: u64,
    /// Workitems waiting in it now, offered ones included (Route blocks).
    pub waiting: Option<usize>,
    /// How long the oldest of them has waited in it, in seconds (Route blocks, when one waits).
    pub oldest_wait_s: Option<f64>,
}
