//! A workitem's state while it runs through a flow.

use crate::expr::Value;
use crate::flow::Flow;
use crate::workitem::Userdata;

/// One workitem's variables (a value per slot of the flow's scope) and user data.
#[derive(Clone, Debug)]
pub struct Frame {
    /// Variable values, by slot.
    pub slots: Vec<Value>,
    /// The workitem's user data, as blocks read and write it.
    pub userdata: Userdata,
}

impl Frame {
    /// The frame a workitem starts with: every variable at its default (cheap copies of shared
    /// values), and the workitem's user data.
    /// `writes` is how many keys the flow may add (worked out once per flow): room is made for them up
    /// front, so that writing them never reallocates.
    pub fn new(flow: &Flow, mut userdata: Userdata, writes: usize) -> Frame {
        userdata.reserve(writes);
        Frame {
            slots: flow.variables.iter().map(|v| v.default.clone()).collect(),
            userdata,
        }
    }
}
