//! Reading the user's input files (models, scripts, experiments): at most
//! `MAX_INPUT_BYTES`, so `/dev/zero` or a huge file fails fast and clearly.

use std::io::{self, Read};
use std::path::Path;

use crate::error::{Error, Result};

/// The largest input file read: model, script and experiment files are small text files.
pub const MAX_INPUT_BYTES: u64 = 16 << 20;

fn refuse(path: &Path, why: String) -> Error {
    Error::Read {
        path: path.to_path_buf(),
        source: io::Error::new(io::ErrorKind::InvalidInput, why),
    }
}

/// The bytes of a file (not a folder) of at most `MAX_INPUT_BYTES`.
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    let read_err = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    if meta.is_dir() {
        return Err(refuse(
            path,
            "it is a folder; name a YAML or Rhai file".into(),
        ));
    }
    // Pipes and devices are read like files (`magloop validate <(make-model)` works), up to
    // the size limit, so `/dev/zero` fails fast instead of filling memory.
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut buf))
        .map_err(read_err)?;
    if buf.len() as u64 > MAX_INPUT_BYTES {
        return Err(refuse(
            path,
            format!(
                "it is larger than {} MiB; input files are small text files",
                MAX_INPUT_BYTES >> 20
            ),
        ));
    }
    Ok(buf)
}

/// As `read_input`, as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String> {
    String::from_utf8(read_input(path)?).map_err(|e| {
        refuse(
            path,
            format!(
                "it is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}
