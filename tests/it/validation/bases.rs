//! The bases are valid, so every problem in the other modules comes from the one thing broken.

use magloop::model::{self, Overrides};

use super::{LOOP, MM1};
use crate::common::{load, repo};

#[test]
fn base_models_are_valid() {
    let m = load(MM1);
    assert_eq!(m.model.nodes.len(), 3);
    let l = load(LOOP);
    // drives, rotors, ils, hub, separator, market, buyers; six links and the hub's
    // co-products to the buyers.
    assert_eq!(l.model.nodes.len(), 7);
    assert_eq!(l.model.links.len(), 7);
}

#[test]
fn shipped_models_load() {
    for file in ["models/mm1.yaml", "models/us_magnet_network.yaml"] {
        let path = repo().join(file);
        if let Err(e) = model::load_file(&path, &Overrides::default()) {
            panic!("{file} should be valid:\n{e}");
        }
    }
}
