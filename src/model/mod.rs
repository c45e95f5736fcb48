//! Model files: YAML in (`spec`), a validated network out (`network`), every problem reported at once.

pub mod calendar;
pub mod kinds;
pub mod locate;
pub mod network;
pub mod origins;
pub mod spec;
pub mod validate;

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
pub use network::*;
pub use validate::Overrides;

/// The default model, embedded so `magloop run` works anywhere.
pub const DEFAULT_MODEL_YAML: &str = include_str!("../../models/us_magnet_network.yaml");
/// How the embedded default model is named in messages and manifests.
pub const DEFAULT_MODEL_NAME: &str = "models/us_magnet_network.yaml (embedded)";

/// A validated model with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    pub model: Model,
    /// The file as the user named it, or the embedded default's label.
    pub origin: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// The YAML text, kept so scripts and batch overrides can re-read it.
    pub text: String,
}

/// Loads and validates a model file.
pub fn load_file(path: &Path, overrides: &Overrides) -> Result<LoadedModel> {
    let bytes = crate::files::read_input(path)?;
    let origin = path.display().to_string();
    let text = String::from_utf8(bytes).map_err(|e| Error::Model {
        file: origin.clone(),
        problems: vec![crate::error::Problem {
            path: String::new(),
            line: None,
            message: format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
            hint: Some("a model file is YAML text; check that you named the right file".into()),
        }],
    })?;
    load_str(&text, &origin, overrides)
}

/// Loads the embedded default model.
pub fn load_default(overrides: &Overrides) -> Result<LoadedModel> {
    load_str(DEFAULT_MODEL_YAML, DEFAULT_MODEL_NAME, overrides)
}

/// Validates YAML text; `origin` names it in messages.
pub fn load_str(text: &str, origin: &str, overrides: &Overrides) -> Result<LoadedModel> {
    let model = validate::validate(text, overrides).map_err(|problems| Error::Model {
        file: origin.to_string(),
        problems,
    })?;
    Ok(LoadedModel {
        model,
        origin: origin.to_string(),
        sha256: sha256_hex(text.as_bytes()),
        text: text.to_string(),
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The closest known name to `word`, if one is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| {
            (
                strsim::jaro_winkler(&word.to_lowercase(), &k.to_lowercase()),
                *k,
            )
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}
