//! Fuzz target: any text given as a policy script compiles or fails with a script error,
//! never panics (the engine is the sandboxed one `magloop api` documents).

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rhai::Engine;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(magloop::script::documentation_engine)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = magloop::script::compile_text(engine(), "fuzz.rhai", &text) {
        assert_eq!(e.exit_code(), 2, "a bad script must be exit 2: {e}");
        let _ = e.to_string();
    }
});
