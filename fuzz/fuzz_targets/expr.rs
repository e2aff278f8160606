//! Parse, compile and evaluate arbitrary text as an expression; print and re-parse what parses.
//! Nothing may panic, overflow the stack or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use routeflow::expr::{Scope, Value, compile, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(ast) = parse(source) {
        let printed = ast.to_string();
        let reparsed = parse(&printed).expect("printed expressions parse");
        assert_eq!(
            reparsed, ast,
            "printing then parsing changes {source:?} (printed {printed:?})"
        );
    }
    let scope = Scope::with_names(["s", "n", "b", "z", "l"]);
    let frame = [
        Value::from("Gold 😀"),
        Value::Number(-2.5),
        Value::Bool(true),
        Value::Null,
        Value::List(vec![Value::from("a"), Value::Number(1.0)].into()),
    ];
    if let Ok(expression) = compile(source, &scope) {
        let _ = expression.eval(&frame);
        let _ = expression.eval_bool(&frame);
    }
});
