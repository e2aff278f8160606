//! The live runtime's engine (SPEC §9): the replay's routing engine and interpreter, serving workitems
//! created over HTTP, on the real clock or a test clock.
//!
//! One thread owns everything that changes ([`core`]: the simulation, the workitems' records and tasks,
//! the agents' event streams); the API talks to it through an [`Engine`] handle, which sends commands and
//! awaits their replies. Each command is handled whole, with all its consequences (tasks run, events
//! due), before the next: no locks, and the same commands at the same clock times always give the same
//! results, which is what lets a `--clock test` server reproduce a replay.

mod change;
mod clock;
mod command;
mod core;
mod engine;
mod feed;
mod flows;
mod metrics;
mod port;
mod recovery;
mod setup;
mod views;

pub use clock::ClockKind;
pub use command::{
    Created, FeedSubscription, LiveError, NewWorkitem, Page, PublishedVersion, Subscription,
};
pub use feed::FeedEvent;
pub use flows::{compile, from_disk};
pub use metrics::LiveMetrics;
pub use recovery::Recovered;
pub use setup::check_agent_id;
pub use views::{
    AgentEvent, AgentStateKind, AgentView, BlockCountView, BlockCountsView, ClockView,
    FlowVersionView, FlowView, HistoryEvent, PopupView, PublishedFlowView, QueueView, State,
    TargetView, WorkitemView,
};

use crate::center::Center;
use crate::flow::Bundle;
use crate::journal::{Journal, Stored};
use crate::runtime::Runner;
use crate::time::Instant;
use command::Command;
use std::sync::Arc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::sync::oneshot;

/// A handle on the engine thread: cheap to clone, usable from any thread.
#[derive(Clone, Debug)]
pub struct Engine {
    commands: UnboundedSender<Command>,
    /// Why the journal failed, once it has (shared with the engine thread and the journal's writer).
    journal_failures: Arc<std::sync::OnceLock<String>>,
    /// What the engine counts (shared with the engine thread).
    metrics: LiveMetrics,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Command")
    }
}

impl Engine {
    /// Start the engine thread serving `flow` (a bundle, compiled to a runner) to `center`, on
    /// `clock`, without a journal (its changes are acknowledged at once and forgotten with the
    /// process). The thread ends when every handle is dropped.
    pub fn start(
        flow: (Bundle, Arc<Runner>),
        center: Arc<Center>,
        clock: ClockKind,
    ) -> std::io::Result<Engine> {
        Engine::spawn(move |receiver, _, metrics| async move {
            let core = engine::core(center, clock::Clock::new(clock));
            core.borrow_mut().metrics = metrics;
            engine::started(&core, flow).await;
            engine::run(core, receiver).await;
        })
    }

    /// Start the engine thread with a journal: it first applies again the changes `stored` (what the
    /// journal held when it was opened), publishes `flow` (unless a version of it holds the same
    /// content) as the flow of workitems that name none, journals that it started, and tells
    /// `recovered` how that went; then it handles commands (those sent meanwhile wait),
    /// acknowledging each change once it is journaled. When recovery fails (an entry cannot be read),
    /// the thread ends after telling `recovered`, and every command is refused as
    /// [`LiveError::Gone`].
    pub fn start_durable(
        flow: (Bundle, Arc<Runner>),
        center: Arc<Center>,
        kind: ClockKind,
        (journal, stored): (Journal, Vec<Stored>),
        recovered: impl FnOnce(Result<Recovered, String>) + Send + 'static,
    ) -> std::io::Result<Engine> {
        Engine::spawn(move |receiver, failures, metrics| async move {
            let clock = match stored.first() {
                Some(first) => {
                    clock::Clock::replaying(kind, Instant::from_micros(first.entry.at_us))
                }
                None => clock::Clock::new(kind),
            };
            let core = engine::core(center, clock);
            core.borrow_mut().metrics = metrics;
            let outcome = recovery::recover(&core, stored).await;
            let Ok(done) = outcome else {
                recovered(outcome);
                return;
            };
            core.borrow_mut().journal = Some(journal);
            core.borrow_mut().journal_failures = failures;
            engine::started(&core, flow).await;
            recovered(Ok(done));
            engine::run(core, receiver).await;
        })
    }

    /// The engine thread: a current-thread runtime running `main` on a `LocalSet` (the workitems'
    /// tasks are not `Send`), with the receiving end of the commands and where the journal's
    /// failure goes.
    fn spawn<F: Future<Output = ()> + 'static>(
        main: impl FnOnce(
            UnboundedReceiver<Command>,
            Arc<std::sync::OnceLock<String>>,
            LiveMetrics,
        ) -> F
        + Send
        + 'static,
    ) -> std::io::Result<Engine> {
        let (commands, receiver) = unbounded_channel();
        let journal_failures = Arc::<std::sync::OnceLock<String>>::default();
        let failures = journal_failures.clone();
        let metrics = LiveMetrics::default();
        let counted = metrics.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()?;
        std::thread::Builder::new()
            .name("routeflow-engine".to_owned())
            .spawn(move || {
                let local = tokio::task::LocalSet::new();
                local.block_on(&runtime, main(receiver, failures, counted));
            })?;
        Ok(Engine {
            commands,
            journal_failures,
            metrics,
        })
    }

    /// What the engine counts, for `GET /metrics`.
    pub fn metrics(&self) -> &LiveMetrics {
        &self.metrics
    }

    /// Whether the engine thread still takes commands: false once it has ended (it panicked; or,
    /// in tests, was told to stop), after which every command fails with [`LiveError::Gone`].
    pub fn is_running(&self) -> bool {
        !self.commands.is_closed()
    }

    /// Why the journal failed, if it has: the server then takes no more changes
    /// ([`LiveError::Journal`]) and is not ready.
    pub fn journal_failure(&self) -> Option<String> {
        self.journal_failures.get().cloned()
    }

    /// Make the engine thread panic, as a bug in it would.
    #[cfg(test)]
    pub(crate) fn panic_for_test(&self) {
        let _ = self.commands.send(Command::Panic);
    }

    async fn ask<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, LiveError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .map_err(|_| LiveError::Gone)?;
        answer.await.map_err(|_| LiveError::Gone)
    }

    /// Create a workitem (or find the one an earlier request with the same id or key created).
    pub async fn create(&self, new: NewWorkitem) -> Result<Created, LiveError> {
        self.ask(|reply| Command::Create { new, reply }).await?
    }

    /// The workitem `id`.
    pub async fn workitem(&self, id: &str) -> Result<Option<WorkitemView>, LiveError> {
        let id = id.to_owned();
        self.ask(|reply| Command::Get { id, reply }).await
    }

    /// Up to `limit` workitems (those in `state`, or all), in the order they were created, from
    /// the `after`th created on (0: the first).
    pub async fn workitems(
        &self,
        state: Option<State>,
        after: u64,
        limit: usize,
    ) -> Result<Page, LiveError> {
        self.ask(|reply| Command::List {
            state,
            after,
            limit,
            reply,
        })
        .await
    }

    /// Workitem `id`'s history.
    pub async fn history(&self, id: &str) -> Result<Option<Vec<HistoryEvent>>, LiveError> {
        let id = id.to_owned();
        self.ask(|reply| Command::History { id, reply }).await
    }

    /// Stop workitem `id` (nothing new if it has ended).
    pub async fn stop(&self, id: &str) -> Result<WorkitemView, LiveError> {
        let id = id.to_owned();
        self.ask(|reply| Command::Stop { id, reply }).await?
    }

    /// Mark workitem `id` done; `agent`: the agent acting, who must hold it.
    pub async fn done(
        &self,
        id: &str,
        disposition: Option<String>,
        agent: Option<String>,
    ) -> Result<WorkitemView, LiveError> {
        let id = id.to_owned();
        self.ask(|reply| Command::Done {
            id,
            disposition,
            agent,
            reply,
        })
        .await?
    }

    /// Set agent `agent`'s state.
    pub async fn set_agent_state(
        &self,
        agent: &str,
        state: AgentStateKind,
        reason: Option<String>,
    ) -> Result<AgentView, LiveError> {
        let agent = agent.to_owned();
        self.ask(|reply| Command::AgentState {
            agent,
            state,
            reason,
            reply,
        })
        .await?
    }

    /// Every agent.
    pub async fn agents(&self) -> Result<Vec<AgentView>, LiveError> {
        self.ask(|reply| Command::Agents { reply }).await
    }

    /// Agent `agent`.
    pub async fn agent(&self, agent: &str) -> Result<Option<AgentView>, LiveError> {
        let agent = agent.to_owned();
        self.ask(|reply| Command::Agent { agent, reply }).await
    }

    /// Agent `agent`'s events after `after` (those still kept), and a receiver of the next ones.
    pub async fn subscribe(
        &self,
        agent: &str,
        after: Option<u64>,
    ) -> Result<Subscription, LiveError> {
        let agent = agent.to_owned();
        self.ask(|reply| Command::Subscribe {
            agent,
            after,
            reply,
        })
        .await?
    }

    /// Open a supervisors' event stream: the kept events after `after` (none without it), then every
    /// new one; a conflict when events after `after` are no longer all kept.
    pub async fn feed(&self, after: Option<u64>) -> Result<FeedSubscription, LiveError> {
        self.ask(|reply| Command::Feed { after, reply }).await?
    }

    /// Accept (or reject) offer `offer`; `agent`: the agent acting, who must be the one offered.
    pub async fn answer(
        &self,
        offer: &str,
        accept: bool,
        agent: Option<String>,
    ) -> Result<WorkitemView, LiveError> {
        let offer = offer.to_owned();
        self.ask(|reply| Command::Answer {
            offer,
            accept,
            agent,
            reply,
        })
        .await?
    }

    /// Move a test clock on by `by_s` seconds; returns the time now.
    pub async fn advance(&self, by_s: f64) -> Result<f64, LiveError> {
        self.ask(|reply| Command::Advance { by_s, reply }).await?
    }

    /// Set user-data keys of workitem `id`; `if_match`: the revision the caller last saw.
    pub async fn patch_userdata(
        &self,
        id: &str,
        if_match: Option<u64>,
        set: serde_json::Map<String, serde_json::Value>,
    ) -> Result<WorkitemView, LiveError> {
        let id = id.to_owned();
        self.ask(|reply| Command::Patch {
            id,
            if_match,
            set,
            reply,
        })
        .await?
    }

    /// The clock: its kind, the time now and the next timer due.
    pub async fn clock(&self) -> Result<ClockView, LiveError> {
        self.ask(|reply| Command::Clock { reply }).await
    }

    /// Waiting workitems by target.
    pub async fn queues(&self) -> Result<Vec<QueueView>, LiveError> {
        self.ask(|reply| Command::Queues { reply }).await
    }

    /// What the blocks of version `version` of flow `name` have seen (entries, who waits in its
    /// Route blocks).
    pub async fn block_counts(
        &self,
        name: &str,
        version: u32,
    ) -> Result<BlockCountsView, LiveError> {
        let name = name.to_owned();
        self.ask(|reply| Command::BlockCounts {
            name,
            version,
            reply,
        })
        .await?
    }

    /// Publish `bundle` (checked, and compiled to `runner`, by [`compile`]) as flow `name`: a new
    /// version that new workitems run, or the version that holds the same content already.
    pub async fn publish(
        &self,
        name: &str,
        bundle: Bundle,
        runner: Arc<Runner>,
    ) -> Result<PublishedVersion, LiveError> {
        let name = name.to_owned();
        self.ask(|reply| Command::Publish {
            name,
            bundle,
            runner,
            reply,
        })
        .await?
    }

    /// Make version `version` of flow `name` the one new workitems run.
    pub async fn activate(&self, name: &str, version: u32) -> Result<PublishedFlowView, LiveError> {
        let name = name.to_owned();
        self.ask(|reply| Command::Activate {
            name,
            version,
            reply,
        })
        .await?
    }

    /// Every published flow, with its versions.
    pub async fn flows(&self) -> Result<Vec<PublishedFlowView>, LiveError> {
        self.ask(|reply| Command::Flows { name: None, reply })
            .await?
    }

    /// Flow `name`, with its versions.
    pub async fn flow(&self, name: &str) -> Result<PublishedFlowView, LiveError> {
        let name = Some(name.to_owned());
        let mut flows = self.ask(|reply| Command::Flows { name, reply }).await??;
        flows.pop().ok_or(LiveError::Gone)
    }

    /// The agent setup now: the center file's, with every `PUT|DELETE /v1/agents/{id}` since.
    pub async fn center(&self) -> Result<Arc<crate::center::Center>, LiveError> {
        self.ask(|reply| Command::Center { reply }).await
    }

    /// The bundle of version `version` of flow `name`.
    pub async fn bundle(&self, name: &str, version: u32) -> Result<Arc<Bundle>, LiveError> {
        let name = name.to_owned();
        self.ask(|reply| Command::Bundle {
            name,
            version,
            reply,
        })
        .await?
    }

    /// The flow version `version` of flow `name` compiled to (what `routeflow render` draws).
    pub async fn compiled_flow(
        &self,
        name: &str,
        version: u32,
    ) -> Result<Arc<crate::flow::Flow>, LiveError> {
        let name = name.to_owned();
        self.ask(|reply| Command::CompiledFlow {
            name,
            version,
            reply,
        })
        .await?
    }
}
