//! The flows a server runs, each as its published versions (SPEC §9.4).
//!
//! A version is immutable: a bundle (the flow file and the files it names) checked as `routeflow check`
//! checks files, its content hash, and the runner it compiled to. Each flow has one active version, the
//! one new workitems run: the newest, until an admin activates another (a roll back). A workitem keeps
//! the version it started on to its end ([`FlowRef`] in its record), across restarts too, since the
//! journal replays publications, activations and creations in their order.

use super::command::LiveError;
use super::views::{FlowVersionView, FlowView, PublishedFlowView};
use crate::center::Center;
use crate::flow::Bundle;
use crate::runtime::Runner;
use std::sync::Arc;

/// A workitem's flow and version (indices: the flow's place, the version's number).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(super) struct FlowRef {
    pub flow: u32,
    pub version: u32,
}

/// One published version.
pub(super) struct Version {
    pub hash: String,
    pub runner: Arc<Runner>,
    pub bundle: Arc<Bundle>,
    pub published_s: f64,
}

/// One flow: its versions, numbered from 1, and the active one.
pub(super) struct Published {
    pub name: String,
    versions: Vec<Version>,
    active: u32,
}

/// Every flow of the server, and the one a workitem runs when it names none.
#[derive(Default)]
pub(super) struct Flows {
    flows: Vec<Published>,
    default: Option<u32>,
}

/// What publishing a bundle did.
pub(super) struct Publication {
    pub flow: FlowRef,
    /// False: the flow already had a version with the same content (nothing changed).
    pub created: bool,
}

impl Flows {
    /// Publish `bundle` (compiled to `runner`) as flow `name`, at `now_s`: a new version, made
    /// active; or, when a version of `name` holds the same content, that version, and nothing
    /// changes.
    pub fn publish(
        &mut self,
        name: &str,
        bundle: Arc<Bundle>,
        hash: String,
        runner: Arc<Runner>,
        now_s: f64,
    ) -> Result<Publication, LiveError> {
        let flow = match self.flows.iter().position(|flow| flow.name == name) {
            Some(at) => at,
            None => {
                self.flows.push(Published {
                    name: name.to_owned(),
                    versions: Vec::new(),
                    active: 0,
                });
                self.flows.len() - 1
            }
        };
        let flow_index = u32::try_from(flow).map_err(|_| LiveError::Full)?;
        let published = &mut self.flows[flow];
        if let Some(at) = published.versions.iter().position(|v| v.hash == hash) {
            return Ok(Publication {
                flow: FlowRef {
                    flow: flow_index,
                    version: at as u32 + 1,
                },
                created: false,
            });
        }
        published.versions.push(Version {
            hash,
            runner,
            bundle,
            published_s: now_s,
        });
        let version = u32::try_from(published.versions.len()).map_err(|_| LiveError::Full)?;
        published.active = version;
        Ok(Publication {
            flow: FlowRef {
                flow: flow_index,
                version,
            },
            created: true,
        })
    }

    /// Make version `version` of flow `name` the one new workitems run.
    pub fn activate(&mut self, name: &str, version: u32) -> Result<FlowRef, LiveError> {
        let flow = self.find(name)?;
        let published = &mut self.flows[flow as usize];
        if version == 0 || version as usize > published.versions.len() {
            return Err(no_version(name, version, published.versions.len()));
        }
        published.active = version;
        Ok(FlowRef { flow, version })
    }

    /// Make flow `name` the one a workitem runs when it names none.
    pub fn set_default(&mut self, name: &str) -> Result<(), LiveError> {
        self.default = Some(self.find(name)?);
        Ok(())
    }

    fn find(&self, name: &str) -> Result<u32, LiveError> {
        self.flows
            .iter()
            .position(|flow| flow.name == name)
            .map(|at| at as u32)
            .ok_or_else(|| LiveError::NotFound(format!("no flow `{name}` is published here")))
    }

    /// The active version of the flow named `name` (of the default flow when `None`), for a new
    /// workitem.
    pub fn for_new(&self, name: Option<&str>) -> Result<FlowRef, LiveError> {
        let flow = match name {
            Some(name) => self.find(name).map_err(|_| LiveError::Invalid {
                field: "/flow".to_owned(),
                detail: format!(
                    "no flow `{name}` is published here; published: {}",
                    self.names().join(", ")
                ),
            })?,
            None => self.default.ok_or_else(|| LiveError::Invalid {
                field: "/flow".to_owned(),
                detail: "this server has no default flow: name one".to_owned(),
            })?,
        };
        Ok(FlowRef {
            flow,
            version: self.flows[flow as usize].active,
        })
    }

    /// The version `at` names.
    pub fn version(&self, at: FlowRef) -> &Version {
        &self.flows[at.flow as usize].versions[at.version as usize - 1]
    }

    /// The bundle of version `version` of flow `name`.
    pub fn bundle(&self, name: &str, version: u32) -> Result<Arc<Bundle>, LiveError> {
        let at = self.find_version(name, version)?;
        Ok(self.version(at).bundle.clone())
    }

    /// Version `version` of flow `name`.
    pub fn find_version(&self, name: &str, version: u32) -> Result<FlowRef, LiveError> {
        let flow = self.find(name)?;
        let versions = self.flows[flow as usize].versions.len();
        if version == 0 || version as usize > versions {
            return Err(no_version(name, version, versions));
        }
        Ok(FlowRef { flow, version })
    }

    /// The runner of the version `at` names.
    pub fn runner(&self, at: FlowRef) -> &Arc<Runner> {
        &self.version(at).runner
    }

    /// The names of the flows, in publishing order.
    pub fn names(&self) -> Vec<String> {
        self.flows.iter().map(|flow| flow.name.clone()).collect()
    }

    /// Whether flow `name` has a version with content hash `hash`.
    pub fn has(&self, name: &str, hash: &str) -> bool {
        self.flows
            .iter()
            .any(|flow| flow.name == name && flow.versions.iter().any(|v| v.hash == hash))
    }

    /// What a workitem's view shows of its flow.
    pub fn view(&self, at: FlowRef) -> FlowView {
        FlowView {
            name: self.flows[at.flow as usize].name.clone(),
            version: at.version,
        }
    }

    /// Flow `name` as `GET /v1/flows/{name}` shows it; `running`: how many workitems that have not
    /// ended run each version (by [`FlowRef`]).
    pub fn published(
        &self,
        name: &str,
        running: impl Fn(FlowRef) -> usize,
    ) -> Result<PublishedFlowView, LiveError> {
        let flow = self.find(name)?;
        Ok(self.published_at(flow, &running))
    }

    /// Every flow as `GET /v1/flows` shows them.
    pub fn all(&self, running: impl Fn(FlowRef) -> usize) -> Vec<PublishedFlowView> {
        (0..self.flows.len() as u32)
            .map(|flow| self.published_at(flow, &running))
            .collect()
    }

    fn published_at(&self, flow: u32, running: &impl Fn(FlowRef) -> usize) -> PublishedFlowView {
        let published = &self.flows[flow as usize];
        PublishedFlowView {
            name: published.name.clone(),
            active: published.active,
            default: self.default == Some(flow),
            versions: published
                .versions
                .iter()
                .enumerate()
                .map(|(at, version)| {
                    let number = at as u32 + 1;
                    FlowVersionView {
                        version: number,
                        hash: version.hash.clone(),
                        published_s: version.published_s,
                        active: number == published.active,
                        running: running(FlowRef {
                            flow,
                            version: number,
                        }),
                        blocks: version.runner.flow().graph.blocks().count(),
                        bytes: version.bundle.bytes(),
                    }
                })
                .collect(),
        }
    }
}

fn no_version(name: &str, version: u32, versions: usize) -> LiveError {
    LiveError::NotFound(format!(
        "flow `{name}` has no version {version} (it has 1 to {versions})"
    ))
}

/// Load and check `bundle`, to be published as flow `name`, as `routeflow check` does (with `center`,
/// as `check --center`): the runner of its flow, with the report (warnings); or the report with its
/// errors (one more when `name` is not the flow's application).
pub fn compile(
    name: &str,
    bundle: &Bundle,
    center: &Center,
) -> Result<(Arc<Runner>, crate::diagnostic::Report), crate::diagnostic::Report> {
    let mut loaded = bundle.load();
    let Some(flow) = loaded.flow else {
        return Err(loaded.report);
    };
    if let Some(misnamed) = flow.published_as(name) {
        loaded.report.append(misnamed);
        return Err(loaded.report);
    }
    loaded
        .report
        .append(flow.check_against(center, "the server's agent setup"));
    Ok((Arc::new(Runner::new(Arc::new(flow))), loaded.report))
}

/// The flow file at `path`, bundled with the files it names and compiled: what a server serves (its
/// report rendered as the error when it does not load).
pub fn from_disk(path: &std::path::Path) -> Result<(Bundle, Arc<Runner>), String> {
    let (loaded, bundle) = Bundle::from_disk(path);
    match (loaded.flow, bundle) {
        (Some(flow), Ok(bundle)) => Ok((bundle, Arc::new(Runner::new(Arc::new(flow))))),
        (_, Err(error)) => Err(format!("{}{error}", loaded.report.render())),
        (None, Ok(_)) => Err(loaded.report.render()),
    }
}
