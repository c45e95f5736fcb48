//! Fuzz target: any bytes given as a model file load or fail with problems, never panic.
//!
//! Runs what `magloop run MODEL` does before simulating: `model::load_str` (YAML parse,
//! spec reading, validation, problem placement), rendering the error as `main` prints it,
//! and, for a model that validates, building the simulation (which must not reject what
//! validation accepted: that would be exit 1, a bug).

#![no_main]

use libfuzzer_sys::fuzz_target;
use magloop::model::{self, Overrides};
use magloop::sim::{RunOptions, Simulation};

fuzz_target!(|data: &[u8]| {
    // Invalid UTF-8 is refused by `load_file` before the loader sees it; feed the rest.
    let text = String::from_utf8_lossy(data);
    match model::load_str(&text, "fuzz.yaml", &Overrides::default()) {
        Ok(loaded) => {
            if let Err(e) = Simulation::new(&loaded.model, RunOptions::default()) {
                panic!("a validated model was rejected when building the simulation: {e}");
            }
        }
        Err(e) => {
            assert_eq!(e.exit_code(), 2, "a bad model must be exit 2: {e}");
            let _ = e.to_string();
        }
    }
});
