//! zen-engine (GoRules): the same decision as a JDM graph (`gtr_initialize.jdm.json`): a first-hit
//! decision table holding the published rows, default row last as the catch-all, then an expression node
//! applying the overrides. Compiled once (expressions to bytecode), evaluated per workitem.

use crate::workitems::{Parameters, Workitem};
use std::path::Path;
use zen_engine::model::DecisionContent;
use zen_engine::{Decision, Variable};

pub struct Zen {
    decision: Decision,
}

impl Zen {
    pub fn new(root: &Path) -> Zen {
        let path = root.join("benches/peers/gtr_initialize.jdm.json");
        let text = std::fs::read_to_string(path).expect("the JDM graph is readable");
        let content: DecisionContent = serde_json::from_str(&text).expect("a JDM graph");
        let graph = content.as_graph().expect("a graph, not a policy").clone();
        let mut decision = Decision::from(graph);
        decision.compile();
        decision.validate().expect("the graph is valid");
        Zen { decision }
    }

    pub fn input(workitem: &Workitem) -> Variable {
        let object: serde_json::Map<String, serde_json::Value> = workitem
            .userdata
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.into()))
            .collect();
        Variable::from(serde_json::Value::Object(object))
    }

    /// `Variable` is reference-counted: the clone shares the object, which the engine only reads (checked
    /// before timing).
    pub async fn decide(&self, userdata: &Variable) -> Variable {
        self.decision
            .evaluate(userdata.clone())
            .await
            .expect("the decision evaluates")
            .result
    }

    pub fn parameters(out: &Variable) -> Parameters {
        let text = |key: &str| {
            out.dot(key)
                .and_then(|v| v.as_str().map(str::to_owned))
                .expect("a string")
        };
        Parameters::new(
            &text("requestedAgent"),
            &text("skillExpression"),
            &text("requestedAgentGroup"),
        )
    }
}
