//! magloop's one error type, split by phase; only `main` turns it into text and an exit code.

use std::fmt;
use std::path::PathBuf;

/// One problem found in a model file: where it is, what is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// YAML path, e.g. `nodes[2].vessels` (empty for the whole file).
    pub path: String,
    /// 1-based line and column, where they could be found.
    pub line: Option<(usize, usize)>,
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Problem {
    /// `file:line:col: path: message (hint)`, the form editors and terminals link to.
    pub fn render(&self, file: &str) -> String {
        let mut s = String::from(file);
        if let Some((line, col)) = self.line {
            s.push_str(&format!(":{line}:{col}"));
        }
        s.push_str(": ");
        if !self.path.is_empty() {
            s.push_str(&self.path);
            s.push_str(": ");
        }
        s.push_str(&self.message);
        if let Some(h) = &self.hint {
            s.push_str(&format!(" ({h})"));
        }
        s
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A model file could not be read, parsed or validated.
    #[error("{}", render_problems(file, problems))]
    Model {
        file: String,
        problems: Vec<Problem>,
    },
    /// A file the user named could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A policy script failed to compile, named something that does not exist, or failed
    /// while running.
    #[error("{}", .0.render())]
    Script(Box<ScriptError>),
    /// Several script problems, found by `validate` (every script, every problem found).
    #[error("{}", render_script_problems(.0))]
    Scripts(Vec<ScriptError>),
    /// The simulation broke an invariant: a bug in magloop, not in the input.
    #[error("internal error during the run: {0}")]
    Run(String),
    /// Writing results failed.
    #[error("cannot write {}: {message}", path.display())]
    Output { path: PathBuf, message: String },
    /// `magloop report` was given a folder that is not a complete run or batch, or one of
    /// its tables is missing or unreadable.
    #[error("cannot report on {}: {message}", path.display())]
    Report { path: PathBuf, message: String },
}

/// The most problems listed one by one; the rest are counted.
pub const MAX_PROBLEMS_SHOWN: usize = 100;

fn render_problems(file: &str, problems: &[Problem]) -> String {
    let mut s = String::new();
    let n = problems.len();
    for p in problems.iter().take(MAX_PROBLEMS_SHOWN) {
        s.push_str(&p.render(file));
        s.push('\n');
    }
    if n > MAX_PROBLEMS_SHOWN {
        s.push_str(&format!("... and {} more\n", n - MAX_PROBLEMS_SHOWN));
    }
    s.push_str(&format!(
        "{n} problem{} in {file}",
        if n == 1 { "" } else { "s" }
    ));
    s
}

fn render_script_problems(problems: &[ScriptError]) -> String {
    let mut s = String::new();
    let mut files: Vec<&str> = Vec::new();
    for p in problems {
        if !files.contains(&p.file.as_str()) {
            files.push(&p.file);
        }
    }
    for p in problems.iter().take(MAX_PROBLEMS_SHOWN) {
        s.push_str(&p.render());
        s.push('\n');
    }
    let n = problems.len();
    if n > MAX_PROBLEMS_SHOWN {
        s.push_str(&format!("... and {} more\n", n - MAX_PROBLEMS_SHOWN));
    }
    s.push_str(&format!(
        "{n} problem{} in {}",
        if n == 1 { "" } else { "s" },
        files.join(", ")
    ));
    s
}

impl Error {
    /// Script problems found together, as one error: the problem itself when there is one.
    pub fn scripts(mut problems: Vec<ScriptError>) -> Option<Self> {
        match problems.len() {
            0 => None,
            1 => problems.pop().map(|p| Error::Script(Box::new(p))),
            _ => Some(Error::Scripts(problems)),
        }
    }

    /// Exit code: 2 for anything the user can fix in their input, 1 for magloop's own failures.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Model { .. }
            | Error::Read { .. }
            | Error::Output { .. }
            | Error::Report { .. }
            | Error::Script(_)
            | Error::Scripts(_) => 2,
            Error::Run(_) => 1,
        }
    }

    pub fn output(path: impl Into<PathBuf>, message: impl fmt::Display) -> Self {
        Error::Output {
            path: path.into(),
            message: message.to_string(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where and why a script failed.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptError {
    /// The script file as the user named it.
    pub file: String,
    /// 1-based line and column, where known.
    pub line: Option<(usize, usize)>,
    /// Simulated date when it failed while running (`None` at compile time).
    pub date: Option<String>,
    pub message: String,
    /// What to do about it, shown in parentheses after the message.
    pub hint: Option<String>,
    /// A second place to quote (the `{` of a block never closed), with a word under it.
    pub related: Option<((usize, usize), String)>,
    /// The script's text, to quote the failing line.
    pub source: String,
}

impl ScriptError {
    /// `file:line:col: [at DATE: ]message[ (hint)]`, then the line with a caret under the
    /// column, and the related place, if any, the same way.
    pub fn render(&self) -> String {
        let mut s = self.file.clone();
        if let Some((l, c)) = self.line {
            s.push_str(&format!(":{l}:{c}"));
        }
        s.push_str(": ");
        if let Some(d) = &self.date {
            s.push_str(&format!("at simulated date {d}: "));
        }
        s.push_str(&self.message);
        if let Some(h) = &self.hint {
            s.push_str(&format!(" ({h})"));
        }
        if let Some(at) = self.line {
            s.push_str(&quote(&self.source, at, ""));
        }
        if let Some((at, label)) = &self.related {
            s.push_str(&quote(&self.source, *at, label));
        }
        s
    }
}

/// Line `l` of `source` with a caret under column `c` and `label` after it; nothing when
/// the line does not exist (an error at the end of the file). A long line is quoted as a
/// window of at most 100 characters around the column.
fn quote(source: &str, (l, c): (usize, usize), label: &str) -> String {
    let Some(text) = source.lines().nth(l.saturating_sub(1)) else {
        return String::new();
    };
    let chars: Vec<char> = text.chars().collect();
    let col = c.saturating_sub(1).min(chars.len());
    let from = col.saturating_sub(50);
    let to = (from + 100).min(chars.len());
    let (pre, post) = (
        if from > 0 { "..." } else { "" },
        if to < chars.len() { "..." } else { "" },
    );
    let window: String = chars[from..to].iter().collect();
    let gutter = format!("{l}");
    let label = if label.is_empty() {
        String::new()
    } else {
        format!(" {label}")
    };
    format!(
        "\n {gutter} | {pre}{window}{post}\n {} | {}^{label}",
        " ".repeat(gutter.len()),
        " ".repeat(pre.len() + col - from)
    )
}
