//! Fuzz rhai scripts on the sandboxed engine a flow's scripts run on: no source may panic, hang or
//! exhaust memory, whether it compiles or not. A panic inside a call is caught and told as an error:
//! the target turns that error back into a crash, so that the fuzzer still finds it. Limits are
//! small so every run ends quickly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use routeflow::expr::Value;
use routeflow::script::call::Failed;
use routeflow::script::{
    Binding, Bound, Engine, Origin, Script, ScriptCall, ScriptLimits, Secrecy, sandbox,
};
use routeflow::workitem::Userdata;
use std::sync::{Arc, LazyLock};

static ENGINE: LazyLock<Arc<Engine>> = LazyLock::new(|| {
    let limits = ScriptLimits {
        operations: 10_000,
        string_size: 4_096,
        array_size: 256,
        map_size: 256,
        memory: 1 << 20,
        log_size: 4_096,
        ..ScriptLimits::default()
    };
    Arc::new(sandbox::engine(&limits, &[]))
});

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(script) = Script::compile(
        ENGINE.clone(),
        source,
        Origin::Inline,
        &["tier", "userdata"],
    ) else {
        return;
    };
    let binding = Binding {
        name: "tier".to_owned(),
        bound: Bound::Variable(0),
    };
    let call = ScriptCall::new(Arc::new(script), vec![binding], vec!["gold".into()]);
    let mut slots = vec![Value::string("gold")];
    let mut userdata: Userdata = [("CRM_tier", Value::string("gold"))].into_iter().collect();
    if let Err(Failed::Script { error, .. }) =
        call.run(&mut slots, &mut userdata, Some(4096), &Secrecy::default())
        && error
            .message
            .starts_with("the script engine failed inside this call")
    {
        panic!("{}", error.message);
    }
});
