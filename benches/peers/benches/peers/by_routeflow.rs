//! routeflow: the shipped sample flow, loaded once, its Initialize phase run per workitem.

use crate::workitems::{Parameters, Workitem};
use routeflow::expr::Value;
use routeflow::flow::{self, Flow};
use routeflow::runtime::Runner;
use routeflow::table::DataTable;
use routeflow::workitem::Userdata;
use std::path::Path;
use std::sync::Arc;

pub struct Routeflow {
    runner: Runner,
    /// Slots of requestedAgent, skillExpression, requestedAgentGroup, resolved once.
    slots: [usize; 3],
}

impl Routeflow {
    pub fn load(root: &Path) -> Routeflow {
        Routeflow::load_flow(&root.join("flows/gtr_sample.yaml"))
    }

    /// Load a flow declaring the sample's variables (the profile driver runs cut-down variants).
    pub fn load_flow(path: &Path) -> Routeflow {
        let loaded = flow::load(path);
        let flow: Flow = loaded.flow.expect("the flow loads");
        let runner = Runner::new(Arc::new(flow));
        let scope = &runner.flow().scope;
        let slot = |name: &str| scope.slot(name).expect("declared in the sample");
        let slots = [
            slot("requestedAgent"),
            slot("skillExpression"),
            slot("requestedAgentGroup"),
        ];
        Routeflow { runner, slots }
    }

    /// The flow's data table, OPEN_MEDIA_ROUTING_CONFIG.
    pub fn table(&self) -> &DataTable {
        let tables = &self.runner.flow().tables;
        tables
            .iter()
            .find(|table| table.name() == "OPEN_MEDIA_ROUTING_CONFIG")
            .expect("the sample's table")
    }

    /// The workitem's user data as the replay reader gives it to the interpreter.
    pub fn input(workitem: &Workitem) -> Userdata {
        workitem
            .userdata
            .iter()
            .map(|&(key, value)| (key, Value::string(value)))
            .collect()
    }

    /// Run Initialize and read the three slots. `initialize` starts from a copy of the user data (the
    /// run keeps and extends it), so the copy is part of the cost, as the rhai contender's is.
    pub fn decide(&self, userdata: &Userdata) -> [Value; 3] {
        let frame = self
            .runner
            .initialize(userdata, 0.0)
            .expect("Initialize ends normally");
        self.slots.map(|slot| frame.slots[slot].clone())
    }

    pub fn parameters(out: &[Value; 3]) -> Parameters {
        let [agent, skill, group] = out.each_ref().map(|v| v.as_str().expect("a string"));
        Parameters::new(agent, skill, group)
    }
}
