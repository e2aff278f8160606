//! A workitem's state while it runs through a flow.

use crate::expr::{Text, Value};
use crate::flow::Flow;
use crate::workitem::Userdata;

/// One workitem's variables (a value per slot of the flow's scope) and user data.
#[derive(Clone, Debug, Default)]
pub struct Frame {
    /// Variable values, by slot.
    pub slots: Vec<Value>,
    /// The workitem's user data, as blocks read and write it.
    pub userdata: Userdata,
    /// What the run has made secret beyond the secure variables (boxed: most runs have none).
    pub taint: Option<Box<super::secure::Taint>>,
}

impl Frame {
    /// The frame a workitem starts with: every variable at its default (cheap copies of shared
    /// values), and the workitem's user data.
    /// `writes` is how many keys the flow may add (worked out once per flow): room is made for them up
    /// front, so that writing them never reallocates.
    /// When the flow reads the workitem's fields (`workitem.priority`), they follow the variables.
    pub fn new(flow: &Flow, mut userdata: Userdata, writes: usize, facts: &Facts) -> Frame {
        userdata.reserve(writes);
        let mut slots: Vec<Value> = flow.variables.iter().map(|v| v.default.clone()).collect();
        if flow.workitem_slot.is_some() {
            slots.extend([
                Value::String(facts.id.clone()),
                Value::Number(facts.priority as f64),
                Value::Number(facts.arrive_s),
            ]);
        }
        Frame {
            slots,
            userdata,
            taint: None,
        }
    }
}

/// What a flow may read of the workitem itself: `workitem.id`, `workitem.priority` (as the workitem
/// arrived, before any Route block's `priority:`) and `workitem.arrive_s`.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// The workitem's id.
    pub id: Text,
    /// Its priority as it arrived.
    pub priority: i64,
    /// When it arrived, in seconds of virtual time.
    pub arrive_s: f64,
}
