//! What the engine counts for `GET /metrics` (Prometheus, SPEC §9.4): workitems created and ended by
//! outcome, Route waits per block, offers by how they ended. Counted where the engine applies a change,
//! so recovery counts the journal's changes again: after a restart the counters carry on from where the
//! journal's history puts them, rather than from zero (a scrape sees no reset).
//!
//! Every label value is bounded: flows, versions and blocks are the published flows'; outcomes and
//! offer results are fixed words. No workitem or agent id is ever a label.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// A flow's version.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FlowLabels {
    pub flow: String,
    pub version: String,
}

/// How a workitem ended.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndedLabels {
    pub flow: String,
    pub version: String,
    /// `done`, `stopped`, `unrouted` or `error`.
    pub outcome: &'static str,
}

/// A Route block's request, and how it ended.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub flow: String,
    pub version: String,
    pub block: String,
    /// `routed`, `timed_out`, `stopped` or `rejected` (the target was not one routing takes).
    pub result: &'static str,
}

/// A block of a flow's version.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BlockLabels {
    pub flow: String,
    pub version: String,
    pub block: String,
}

/// How a workitem left a block of a flow's version.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BlockExitLabels {
    pub flow: String,
    pub version: String,
    pub block: String,
    /// `next`, `branch 0 (name)`, `otherwise`, `output NAME`, `routed`, `timed out`, `rejected`,
    /// `stopped`, `error`, `finish` (the coverage page's words).
    pub exit: String,
}

/// How an offer ended.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OfferLabels {
    /// `accepted`, `rejected`, `expired`, or why it was withdrawn: `stopped`, `logged_out`,
    /// `restarted`.
    pub result: &'static str,
}

/// The buckets of Route waits, in seconds: from an agent free at once to the hour of a long queue.
pub const WAIT_BUCKETS_S: [f64; 12] = [
    1.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 180.0, 300.0, 600.0, 1800.0, 3600.0,
];

fn wait_histogram() -> Histogram {
    Histogram::new(WAIT_BUCKETS_S)
}

/// The engine's counters (cheap to clone: every family is shared).
#[derive(Clone, Debug)]
pub struct LiveMetrics {
    created: Family<FlowLabels, Counter>,
    ended: Family<EndedLabels, Counter>,
    waits: Family<RouteLabels, Histogram, fn() -> Histogram>,
    offers_made: Counter,
    offers: Family<OfferLabels, Counter>,
    entries: Family<BlockLabels, Counter>,
    exits: Family<BlockExitLabels, Counter>,
}

impl Default for LiveMetrics {
    fn default() -> LiveMetrics {
        LiveMetrics {
            created: Family::default(),
            ended: Family::default(),
            waits: Family::new_with_constructor(wait_histogram),
            offers_made: Counter::default(),
            offers: Family::default(),
            entries: Family::default(),
            exits: Family::default(),
        }
    }
}

impl LiveMetrics {
    /// Add the engine's metrics to `registry` (names prefixed `routeflow_`).
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "routeflow_workitems_created",
            "Workitems created, by flow and version",
            self.created.clone(),
        );
        registry.register(
            "routeflow_workitems_ended",
            "Workitems ended, by flow, version and outcome (done, stopped, unrouted, error)",
            self.ended.clone(),
        );
        registry.register(
            "routeflow_route_wait_seconds",
            "Time from a Route block's request to its result (routed, timed_out, stopped, rejected), \
             by flow, version and block",
            self.waits.clone(),
        );
        registry.register(
            "routeflow_block_entries",
            "Workitems that entered each block, by flow, version and block",
            self.entries.clone(),
        );
        registry.register(
            "routeflow_block_exits",
            "Workitems that left each block, by flow, version, block and exit (a branch, an output, \
             routed, timed out, rejected, stopped, error, finish, next)",
            self.exits.clone(),
        );
        registry.register(
            "routeflow_offers_made",
            "Offers made to agents",
            self.offers_made.clone(),
        );
        registry.register(
            "routeflow_offers_ended",
            "Offers ended, by result (accepted, rejected, expired, or withdrawn: stopped, logged_out, \
             restarted)",
            self.offers.clone(),
        );
    }

    /// The counter of workitems created on `flow` (kept by the caller: a lookup per flow version,
    /// not per workitem).
    pub(super) fn created(&self, flow: FlowLabels) -> Counter {
        self.created.get_or_create(&flow).clone()
    }

    /// The counter of workitems of `flow` ended with `outcome`.
    pub(super) fn ended(&self, flow: FlowLabels, outcome: &'static str) -> Counter {
        let labels = EndedLabels {
            flow: flow.flow,
            version: flow.version,
            outcome,
        };
        self.ended.get_or_create(&labels).clone()
    }

    /// The histogram of waits in `block` of `flow` that ended with `result`.
    pub(super) fn waits(&self, flow: FlowLabels, block: &str, result: &'static str) -> Histogram {
        let labels = RouteLabels {
            flow: flow.flow,
            version: flow.version,
            block: block.to_owned(),
            result,
        };
        self.waits.get_or_create(&labels).clone()
    }

    /// The counter of entries into `block` of `flow`.
    pub(super) fn entries(&self, flow: FlowLabels, block: &str) -> Counter {
        let labels = BlockLabels {
            flow: flow.flow,
            version: flow.version,
            block: block.to_owned(),
        };
        self.entries.get_or_create(&labels).clone()
    }

    /// The counter of workitems leaving `block` of `flow` by `exit`.
    pub(super) fn exits(&self, flow: FlowLabels, block: &str, exit: String) -> Counter {
        let labels = BlockExitLabels {
            flow: flow.flow,
            version: flow.version,
            block: block.to_owned(),
            exit,
        };
        self.exits.get_or_create(&labels).clone()
    }

    pub(super) fn offered(&self) {
        self.offers_made.inc();
    }

    pub(super) fn offer_ended(&self, result: &'static str) {
        self.offers.get_or_create(&OfferLabels { result }).inc();
    }
}
