//! A run's output folder: its default name, who may write into it, and replacing it in
//! one step (the run is written into a new folder beside it, then renamed into place).

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{EVENTS, MANIFEST, NODES, SHOCKS, SUMMARY, TIMESERIES};
use crate::error::{Error, Result};
use crate::model::{DEFAULT_MODEL_YAML, sha256_hex};

/// What makes two runs the same run, as `manifest.json` records it: equal inputs give
/// byte-identical tables, so a folder of the same run may be replaced without a word.
/// `--set` overrides join it as a list of `(path, value)`, and the folder name's hash
/// with them.
#[derive(Debug, Clone, Deserialize)]
pub struct RunIdentity {
    /// The model file as the user named it (messages only; the hash decides).
    pub model_file: String,
    pub model_sha256: String,
    /// Policy scripts in the order applied: (file, SHA-256 of its text).
    #[serde(default)]
    pub scripts: Vec<(String, String)>,
    pub seed: u64,
    pub years: f64,
    /// `--set PATH=VALUE` overrides in the order given (value as YAML text).
    #[serde(default)]
    pub sets: Vec<(String, String)>,
}

impl RunIdentity {
    fn same_run(&self, other: &RunIdentity) -> bool {
        self.model_sha256 == other.model_sha256
            && self.seed == other.seed
            && self.years == other.years
            && self.sets == other.sets
            && self
                .scripts
                .iter()
                .map(|s| &s.1)
                .eq(other.scripts.iter().map(|s| &s.1))
    }

    /// How `there` (a folder's manifest) differs from this run, for a refusal.
    fn differences(&self, there: &RunIdentity) -> String {
        let short = |sha: &str| sha.chars().take(8).collect::<String>();
        let scripts = |r: &RunIdentity| match r.scripts.len() {
            0 => "none".to_string(),
            _ => r
                .scripts
                .iter()
                .map(|(f, _)| f.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        };
        let mut d = Vec::new();
        if there.model_sha256 != self.model_sha256 {
            d.push(format!(
                "model {} (sha256 {}) there, {} (sha256 {}) here",
                there.model_file,
                short(&there.model_sha256),
                self.model_file,
                short(&self.model_sha256)
            ));
        }
        if there.seed != self.seed {
            d.push(format!("seed {} there, {} here", there.seed, self.seed));
        }
        if there.sets != self.sets {
            let show = |r: &RunIdentity| match r.sets.len() {
                0 => "no --set".to_string(),
                _ => r
                    .sets
                    .iter()
                    .map(|(p, v)| format!("--set {p}={v}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            d.push(format!("{} there, {} here", show(there), show(self)));
        }
        if there.years != self.years {
            d.push(format!("years {} there, {} here", there.years, self.years));
        }
        if !there
            .scripts
            .iter()
            .map(|s| &s.1)
            .eq(self.scripts.iter().map(|s| &s.1))
        {
            let (a, b) = (scripts(there), scripts(self));
            if a == b {
                d.push(format!("scripts {a}, edited since"));
            } else {
                d.push(format!("scripts {a} there, {b} here"));
            }
        }
        d.join("; ")
    }
}

/// The longest stem of a script kept in a folder name (the hash covers the rest).
const MAX_STEM_CHARS: usize = 32;
/// The most scripts named in a folder name; more are counted (`+2-more`).
const MAX_NAMED_SCRIPTS: usize = 3;

/// The folder `magloop run` writes when `--out` is not given:
/// `outputs/<model name>/seed-<N>[+years-<Y>][+<script>...][-<hash>]`.
///
/// - `+years-<Y>` when `--years` was given;
/// - `+<script stem>` for each script, in order (at most three, then `+<K>-more`);
/// - `-<hash>`, 8 hex digits of a SHA-256 over the model's SHA-256 and each script's, when
///   the model is not byte for byte the embedded default or any script is applied, so an
///   edited model or script, or another file of the same name, gets its own folder.
///
/// The plain embedded run keeps `outputs/us_magnet_network/seed-1/`.
pub fn default_dir(model_name: &str, years_flag: Option<f64>, id: &RunIdentity) -> PathBuf {
    let mut name = format!("seed-{}", id.seed);
    if let Some(y) = years_flag {
        name.push_str(&format!("+years-{y}"));
    }
    for (i, (file, _)) in id.scripts.iter().enumerate() {
        if i == MAX_NAMED_SCRIPTS {
            name.push_str(&format!("+{}-more", id.scripts.len() - i));
            break;
        }
        let stem = Path::new(file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let readable: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .take(MAX_STEM_CHARS)
            .collect();
        name.push('+');
        name.push_str(&readable);
    }
    if !id.sets.is_empty() {
        name.push_str(&format!("+set-{}", id.sets.len()));
    }
    let default_model = id.model_sha256 == sha256_hex(DEFAULT_MODEL_YAML.as_bytes());
    if !default_model || !id.scripts.is_empty() || !id.sets.is_empty() {
        let mut key = format!("model {}\n", id.model_sha256);
        for (_, sha) in &id.scripts {
            key.push_str(&format!("script {sha}\n"));
        }
        for (path, value) in &id.sets {
            key.push_str(&format!("set {path}={value}\n"));
        }
        name.push('-');
        name.push_str(&sha256_hex(key.as_bytes())[..8]);
    }
    PathBuf::from("outputs").join(model_name).join(name)
}

/// What an output folder holds, as far as a new run is concerned.
enum Occupant {
    /// Nothing (absent or empty): nothing to lose.
    Nothing,
    /// This same run's results and nothing else: replaced without a word.
    SameRun,
    /// Anything else, and why it may not be replaced (the text of a refusal).
    Other {
        why: String,
        /// It holds folders: not a run folder, so even `--force` leaves it alone.
        has_folders: bool,
    },
}

/// How a committed run found its folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replaced {
    /// It was absent or empty.
    Nothing,
    /// It held an earlier copy of this same run.
    SameRun,
    /// It held something else, replaced because of `--force`.
    Forced,
}

/// What a manifest lists, enough to tell a run folder's own files from others.
#[derive(Deserialize)]
struct Recorded {
    #[serde(flatten)]
    identity: RunIdentity,
    #[serde(default)]
    files: BTreeMap<String, String>,
}

/// Whether `name` is a temporary a magloop write left behind (`.NAME.tmp-XXXXXX`, NAME one
/// of a run's files) or an older magloop's writability probe.
fn magloop_temporary(name: &str) -> bool {
    let written = name
        .strip_prefix('.')
        .and_then(|n| n.split_once(".tmp-"))
        .is_some_and(|(file, _)| {
            [TIMESERIES, SUMMARY, NODES, EVENTS, SHOCKS, MANIFEST].contains(&file)
        });
    written || name.starts_with(".magloop-probe-")
}

fn listing(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut s = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    s
}

fn occupant(dir: &Path, this: &RunIdentity) -> io::Result<Occupant> {
    let entries = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Occupant::Nothing),
        Err(e) => return Err(e),
    };
    let mut names = Vec::new();
    let mut folders = Vec::new();
    for e in entries {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if e.file_type()?.is_dir() {
            folders.push(format!("{name}/"));
        } else {
            names.push(name);
        }
    }
    names.sort();
    folders.sort();
    if names.is_empty() && folders.is_empty() {
        return Ok(Occupant::Nothing);
    }
    let has_folders = !folders.is_empty();
    let recorded = fs::read(dir.join(MANIFEST))
        .ok()
        .and_then(|b| serde_json::from_slice::<Recorded>(&b).ok());
    let Some(recorded) = recorded else {
        let mut all = folders;
        all.extend(names);
        return Ok(Occupant::Other {
            why: format!(
                "it is not empty and holds no magloop run (no readable {MANIFEST}): {}",
                listing(&all)
            ),
            has_folders,
        });
    };
    let mut foreign = folders;
    foreign.extend(
        names
            .into_iter()
            .filter(|n| n != MANIFEST && !recorded.files.contains_key(n) && !magloop_temporary(n)),
    );
    let same = this.same_run(&recorded.identity);
    let why = match (same, foreign.is_empty()) {
        (true, true) => return Ok(Occupant::SameRun),
        (true, false) => format!(
            "it holds this same run's results and files magloop did not write: {}",
            listing(&foreign)
        ),
        (false, true) => format!(
            "it holds the results of another run ({})",
            this.differences(&recorded.identity)
        ),
        (false, false) => format!(
            "it holds the results of another run ({}) and files magloop did not write: {}",
            this.differences(&recorded.identity),
            listing(&foreign)
        ),
    };
    Ok(Occupant::Other { why, has_folders })
}

/// A run being written: a hidden folder (`.NAME.incomplete-XXXXXX`) beside its destination,
/// renamed into place by [`StagedRun::commit`]. Dropped uncommitted (the run failed), it is
/// removed, with any folders made for the destination, so a failed run leaves the
/// destination as it was. A killed run leaves only the hidden folder, which may be deleted.
pub struct StagedRun {
    /// The folder as the user named it, for messages.
    dest: PathBuf,
    /// The folder itself (`dest`, or where it links to).
    target: PathBuf,
    staging: PathBuf,
    /// Folders made for the destination, outermost first.
    made: Vec<PathBuf>,
    identity: RunIdentity,
    force: bool,
    done: bool,
}

/// Checks that `dest` may take this run and creates the folder the run is written into.
///
/// `dest` may take it when it is absent, empty, or holds this same run's results and
/// nothing else (per its `manifest.json`); with `force`, also when it holds anything else
/// but folders (a run folder has none, so `--force` cannot wipe a project or a batch).
/// Refusals come before the run, so no time is spent on results that could not be kept.
pub fn stage(dest: &Path, identity: RunIdentity, force: bool) -> Result<StagedRun> {
    if dest.file_name().is_none() {
        return Err(Error::output(
            dest,
            "name the folder itself, e.g. --out runs/baseline: a run is written beside its folder and renamed into place",
        ));
    }
    let mut made: Vec<PathBuf> = dest
        .ancestors()
        .take_while(|a| !a.as_os_str().is_empty() && fs::symlink_metadata(a).is_err())
        .map(Path::to_path_buf)
        .collect();
    made.reverse();
    fs::create_dir_all(dest).map_err(|e| {
        Error::output(
            dest,
            format!("{e}; choose another folder with --out, or fix its permissions"),
        )
    })?;
    // From here on, leaving early removes what was made.
    let mut staged = StagedRun {
        dest: dest.to_path_buf(),
        target: dest.to_path_buf(),
        staging: PathBuf::new(),
        made,
        identity,
        force,
        done: false,
    };
    // A symbolic link (`--out` to a link into scratch space) is followed: the run replaces
    // the folder it points to, and the link keeps working.
    if fs::symlink_metadata(dest).is_ok_and(|m| m.file_type().is_symlink()) {
        staged.target = fs::canonicalize(dest).map_err(|e| Error::output(dest, e))?;
    }
    let name = staged
        .target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = match staged.target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    staged
        .admits()
        .map_err(|(why, fix)| Error::output(dest, format!("{why}; nothing was written. {fix}")))?;
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.incomplete-"))
        .disable_cleanup(true)
        .make_in(&parent, |p| fs::create_dir(p))
        .map_err(|e| {
            Error::output(
                dest,
                format!(
                    "the folder is not writable: cannot create a folder beside it in {} ({e}); \
                     choose another with --out, or fix the permissions",
                    parent.display()
                ),
            )
        })?;
    staged.staging = staging.path().to_path_buf();
    Ok(staged)
}

impl StagedRun {
    /// The folder to write the run's files into.
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// Whether the destination may take this run now and how, or why not and what to do.
    fn admits(&self) -> std::result::Result<Replaced, (String, &'static str)> {
        let occupant = occupant(&self.target, &self.identity)
            .map_err(|e| (e.to_string(), "choose another folder with --out"))?;
        match occupant {
            Occupant::Nothing => Ok(Replaced::Nothing),
            Occupant::SameRun => Ok(Replaced::SameRun),
            Occupant::Other { why, has_folders } if has_folders => Err((
                why,
                "A run folder holds no folders, so even --force leaves this one alone: \
                 choose another folder with --out",
            )),
            Occupant::Other { .. } if self.force => Ok(Replaced::Forced),
            Occupant::Other { why, .. } => Err((
                why,
                "Choose another folder with --out, or pass --force to replace it and \
                 everything in it",
            )),
        }
    }

    /// Puts the written run in place of the destination in one step: the destination holds
    /// either its old contents or the whole new run, never a mixture, even if killed.
    pub fn commit(mut self) -> Result<Replaced> {
        let how = match self.admits() {
            Ok(how) => how,
            Err((why, fix)) => {
                // Filled by someone else while this run ran: keep the results where they are.
                self.done = true;
                return Err(Error::output(
                    &self.dest,
                    format!(
                        "it changed while this run ran: {why}; this run's results are kept in {}. {fix}",
                        self.staging.display()
                    ),
                ));
            }
        };
        let moved = match how {
            // An empty folder is replaced by rename(2) itself.
            Replaced::Nothing => fs::rename(&self.staging, &self.target),
            Replaced::SameRun | Replaced::Forced => exchange(&self.staging, &self.target),
        };
        moved.map_err(|e| {
            Error::output(
                &self.dest,
                format!(
                    "cannot move the finished run into place from {} ({e})",
                    self.staging.display()
                ),
            )
        })?;
        self.done = true;
        if how != Replaced::Nothing {
            // The old contents, now under the hidden name. Losing this only leaves litter.
            let _ = fs::remove_dir_all(&self.staging);
        }
        Ok(how)
    }
}

impl Drop for StagedRun {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if !self.staging.as_os_str().is_empty() {
            let _ = fs::remove_dir_all(&self.staging);
        }
        // Only folders this run made, and only while empty.
        for dir in self.made.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Swaps two folders atomically (Linux `renameat2(RENAME_EXCHANGE)`); where the file system
/// cannot, moves the old one aside, the new one in, then the old one to `new`'s name,
/// putting the old one back if the second move fails.
fn exchange(new: &Path, dest: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        use rustix::io::Errno;
        match renameat_with(CWD, new, CWD, dest, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            // File systems without the flag fall through to two renames.
            Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => {}
            Err(e) => return Err(e.into()),
        }
    }
    // Move the destination onto a fresh empty folder beside it, then the new run in.
    let parent = new.parent().unwrap_or(Path::new("."));
    let aside = tempfile::Builder::new()
        .prefix(".magloop-replaced-")
        .disable_cleanup(true)
        .make_in(parent, |p| fs::create_dir(p))?
        .path()
        .to_path_buf();
    fs::rename(dest, &aside)?;
    if let Err(e) = fs::rename(new, dest) {
        let _ = fs::rename(&aside, dest);
        return Err(e);
    }
    // `new` is expected to hold the old contents afterwards, as after a swap.
    fs::rename(&aside, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(model: &str, scripts: &[&str], seed: u64, years: f64) -> RunIdentity {
        RunIdentity {
            model_file: "m.yaml".into(),
            model_sha256: model.into(),
            scripts: scripts
                .iter()
                .map(|s| (format!("scripts/{s}.rhai"), sha256_hex(s.as_bytes())))
                .collect(),
            seed,
            years,
            sets: Vec::new(),
        }
    }

    #[test]
    fn the_plain_embedded_run_keeps_its_folder_and_anything_else_gets_a_hash() {
        let default = sha256_hex(DEFAULT_MODEL_YAML.as_bytes());
        let plain = id(&default, &[], 1, 10.0);
        assert_eq!(
            default_dir("us_magnet_network", None, &plain),
            Path::new("outputs/us_magnet_network/seed-1")
        );
        assert_eq!(
            default_dir("us_magnet_network", Some(2.5), &plain),
            Path::new("outputs/us_magnet_network/seed-1+years-2.5")
        );
        let scripted = default_dir("m", None, &id(&default, &["reno_outage"], 1, 10.0));
        let s = scripted.to_str().unwrap();
        assert!(s.starts_with("outputs/m/seed-1+reno_outage-"), "{s}");
        assert_eq!(s.len(), "outputs/m/seed-1+reno_outage-".len() + 8, "{s}");
        // An edited model of the same name: same readable part, another hash.
        let edited = default_dir("us_magnet_network", None, &id("edited", &[], 1, 10.0));
        assert!(
            edited
                .to_str()
                .unwrap()
                .starts_with("outputs/us_magnet_network/seed-1-")
        );
        assert_ne!(
            edited,
            default_dir("us_magnet_network", None, &id("edited again", &[], 1, 10.0))
        );
        // An edited script: another hash.
        let mut other = id(&default, &["reno_outage"], 1, 10.0);
        other.scripts[0].1 = "changed".into();
        assert_ne!(scripted, default_dir("m", None, &other));
        // Many scripts: three named, the rest counted; odd characters made safe.
        let many = default_dir(
            "m",
            None,
            &id(&default, &["a b", "c", "d", "e", "f"], 1, 1.0),
        );
        let s = many.file_name().unwrap().to_str().unwrap();
        assert!(s.starts_with("seed-1+a_b+c+d+2-more-"), "{s}");
    }

    #[test]
    fn runs_are_the_same_when_model_scripts_seed_and_years_are() {
        let a = id("m", &["x"], 1, 2.0);
        assert!(a.same_run(&a.clone()));
        let mut renamed = a.clone();
        renamed.scripts[0].0 = "elsewhere/x.rhai".into();
        renamed.model_file = "other/path.yaml".into();
        assert!(
            a.same_run(&renamed),
            "file names do not matter, contents do"
        );
        for b in [
            id("m2", &["x"], 1, 2.0),
            id("m", &["y"], 1, 2.0),
            id("m", &["x", "x"], 1, 2.0),
            id("m", &["x"], 2, 2.0),
            id("m", &["x"], 1, 3.0),
        ] {
            assert!(!a.same_run(&b), "{b:?}");
        }
        let d = a.differences(&id("m", &[], 1, 10.0));
        assert_eq!(
            d,
            "years 10 there, 2 here; scripts none there, scripts/x.rhai here"
        );
    }

    #[test]
    fn temporaries_of_magloop_writes_are_told_from_user_files() {
        assert!(magloop_temporary(".timeseries.parquet.tmp-a1B2c3"));
        assert!(magloop_temporary(".magloop-probe-xyz"));
        assert!(!magloop_temporary("notes.txt"));
        assert!(!magloop_temporary(".tmp-"));
        assert!(!magloop_temporary(".notes.txt.tmp-abc"));
    }
}
