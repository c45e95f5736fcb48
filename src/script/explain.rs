//! Rhai's errors in magloop's words: a call that matches no function (did-you-mean and the
//! expected arguments from the API table), Python habits (quotes, `#`, `and`/`or`, `def`,
//! `elif`, `True`), an unclosed brace (found by scanning the text, strings and comments
//! skipped), a function that reads an outer variable. The run, `validate` and the literal
//! checks all word a problem through here, so each is said one way.

use std::collections::BTreeSet;

use rhai::{Engine, EvalAltResult, LexError, ParseError, ParseErrorType};

use crate::script::api::{self, ApiFn, Kind, Shape};

/// A problem said for a beginner: what is wrong, and what to do (shown in parentheses).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Said {
    pub message: String,
    pub hint: Option<String>,
    /// A second place to show (the `{` a block opened with), and what to say under it.
    pub related: Option<((usize, usize), String)>,
}

impl Said {
    pub fn new(message: impl Into<String>, hint: Option<String>) -> Self {
        Said {
            message: message.into(),
            hint,
            related: None,
        }
    }
}

/// The type of an argument, as Rhai reports it or a literal shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ty {
    Str,
    Int,
    Float,
    Bool,
    Char,
    Unit,
    Array,
    Map,
    Fn,
    /// Anything else, by Rhai's name.
    Other(String),
}

impl Ty {
    /// From a type name in Rhai's "Function not found: f (i64, ...)".
    pub fn from_rhai(name: &str) -> Ty {
        match name.trim() {
            "&str | ImmutableString | String" | "string" | "&str" | "ImmutableString" => Ty::Str,
            "i64" => Ty::Int,
            "f64" => Ty::Float,
            "bool" => Ty::Bool,
            "char" => Ty::Char,
            "()" => Ty::Unit,
            "array" => Ty::Array,
            "map" => Ty::Map,
            "Fn" => Ty::Fn,
            other => Ty::Other(other.to_string()),
        }
    }

    fn words(&self) -> &str {
        match self {
            Ty::Str => "string",
            Ty::Int => "integer",
            Ty::Float => "float",
            Ty::Bool => "bool",
            Ty::Char => "character",
            Ty::Unit => "nothing ()",
            Ty::Array => "array",
            Ty::Map => "map",
            Ty::Fn => "function",
            Ty::Other(s) => s,
        }
    }
}

/// The arguments as a list of types: `(string, integer)`; `?` where a type is not known
/// before the run (a variable, a call).
fn got_list(got: &[Option<Ty>]) -> String {
    let words: Vec<&str> = got
        .iter()
        .map(|t| t.as_ref().map_or("?", Ty::words))
        .collect();
    format!("({})", words.join(", "))
}

/// What an argument of `kind` must be, in words.
pub(crate) fn kind_words(kind: Kind, f: &ApiFn) -> String {
    match kind {
        Kind::Node if f.node_kinds.is_empty() => "string node id".into(),
        Kind::Node => format!("string node id ({})", f.node_kinds.join(" or ")),
        Kind::Link => "string link id".into(),
        Kind::Origin => "string import origin".into(),
        Kind::Sector => "string demand sector".into(),
        Kind::Date => "date string \"YYYY-MM-DD\"".into(),
        Kind::Duration => "duration string such as \"3 months\"".into(),
        Kind::Period => "period string of at least \"1 hour\"".into(),
        Kind::Number(r) => format!("number {}", r.says),
        Kind::Count(r) => format!("whole number {}", r.says),
        Kind::Items => "array of items such as [\"Dy\", \"magnets\"]".into(),
        Kind::Grade => "string magnet grade".into(),
        Kind::Stage => "stage string \"mine\", \"oxide\" or \"magnet\"".into(),
        Kind::Tag => "string origin of the origin tags".into(),
        Kind::Shares => "map #{link_id: share, ...}".into(),
        Kind::Yield => "string yield name".into(),
        Kind::Text => "string".into(),
        Kind::Closure => "closure || { ... }".into(),
    }
}

/// `(node: string node id, from: date string "YYYY-MM-DD")`.
pub(crate) fn expects(f: &ApiFn) -> String {
    let params: Vec<String> = f
        .params
        .iter()
        .map(|p| format!("{}: {}", p.name, kind_words(p.kind, f)))
        .collect();
    format!("({})", params.join(", "))
}

/// Whether a value of type `t` fits an argument of `kind`.
pub(crate) fn fits(kind: Kind, t: &Ty) -> bool {
    match kind.shape() {
        Shape::Text => *t == Ty::Str,
        Shape::Number => matches!(t, Ty::Int | Ty::Float),
        Shape::Count => *t == Ty::Int,
        Shape::Array => *t == Ty::Array,
        Shape::Map => *t == Ty::Map,
        Shape::Closure => *t == Ty::Fn,
    }
}

/// An unquoted date such as `2026-03-01` on `line`, outside strings.
fn unquoted_date(line: &str) -> Option<String> {
    let code = code_only(line);
    let b = code.as_bytes();
    for i in 0..b.len() {
        let starts = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if !starts {
            continue;
        }
        let digits = |from: usize, n: usize| {
            from + n <= b.len() && b[from..from + n].iter().all(u8::is_ascii_digit)
        };
        if digits(i, 4) && b.get(i + 4) == Some(&b'-') {
            let m = (i + 5..b.len())
                .take_while(|&j| b[j].is_ascii_digit())
                .count();
            let after_m = i + 5 + m;
            if (1..=2).contains(&m) && b.get(after_m) == Some(&b'-') {
                let d = (after_m + 1..b.len())
                    .take_while(|&j| b[j].is_ascii_digit())
                    .count();
                if (1..=2).contains(&d) {
                    return Some(code[i..after_m + 1 + d].to_string());
                }
            }
        }
    }
    None
}

/// `line` with string and character literals blanked and a `//` comment cut.
fn code_only(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
                out.push(' ');
            }
            None => {
                if c == '/' && chars.peek() == Some(&'/') {
                    break;
                }
                if c == '"' || c == '`' || c == '\'' {
                    quote = Some(c);
                    out.push(' ');
                } else {
                    out.push(c);
                }
            }
        }
    }
    out
}

/// What to write instead, for a value of type `got` where `f`'s parameter `p` (of `kind`)
/// was expected; `line` is the call's line, when known.
fn mismatch_hint(f: &ApiFn, p: &api::Param, got: &Ty, line: Option<&str>) -> Option<String> {
    let name = p.name;
    Some(match (p.kind, got) {
        (Kind::Date, Ty::Int | Ty::Float) => {
            let written = line
                .and_then(unquoted_date)
                .unwrap_or_else(|| "2026-03-01".into());
            let parts: Vec<&str> = written.split('-').collect();
            let value = parts
                .iter()
                .map(|s| s.parse::<i64>().unwrap_or(0))
                .reduce(|a, b| a - b)
                .unwrap_or(0);
            format!(
                "a date is text: write \"{written}\" in double quotes; unquoted, {written} is the subtraction {} = {value}",
                parts
                    .iter()
                    .map(|s| s.trim_start_matches('0'))
                    .map(|s| if s.is_empty() { "0" } else { s })
                    .collect::<Vec<_>>()
                    .join(" - ")
            )
        }
        (Kind::Duration | Kind::Period, Ty::Int | Ty::Float) => {
            format!("`{name}` is text with a unit, in double quotes, such as \"3 months\"")
        }
        (Kind::Closure, _) => format!(
            "`{name}` must be a closure, written `|| ...`: a call written there runs at once and passes its result; write `|| note(\"x\")` (or `|| {{ ... }}`) to run it when {} says",
            f.name
        ),
        (Kind::Count(_), Ty::Float) => {
            format!("`{name}` is a whole number: write 1, not 1.5 or 1.0")
        }
        (Kind::Text, Ty::Int | Ty::Float | Ty::Bool) => {
            "a note is text: write it in double quotes, or join a number to text, note(\"stock: \" + x)".into()
        }
        (_, Ty::Char) => {
            "text is written in double quotes; single quotes hold one character".into()
        }
        (
            Kind::Node
            | Kind::Link
            | Kind::Origin
            | Kind::Sector
            | Kind::Yield
            | Kind::Grade
            | Kind::Stage
            | Kind::Tag,
            Ty::Int | Ty::Float | Ty::Bool,
        ) => format!("`{name}` is a name, written in double quotes, such as \"reno_nv\""),
        (Kind::Number(_) | Kind::Count(_), Ty::Str) => {
            format!("`{name}` is a number, written without quotes: 0.5, not \"0.5\"")
        }
        (Kind::Items, Ty::Str) => {
            format!("`{name}` is an array: [\"Dy\"], not \"Dy\"")
        }
        (Kind::Shares, _) => {
            format!("`{name}` is a map: #{{ link_a: 0.5, link_b: 0.5 }}")
        }
        _ => return None,
    })
}

/// What a script knows of itself: its functions (name and parameters) and the variables it
/// declares, and the engine's built-in function names.
#[derive(Debug, Clone, Default)]
pub(crate) struct Known {
    pub own: Vec<(String, Vec<String>)>,
    pub variables: BTreeSet<String>,
    pub builtins: BTreeSet<String>,
}

/// Functions the engine handles itself, not listed among its signatures.
const KEYWORDS: [&str; 10] = [
    "print",
    "debug",
    "type_of",
    "eval",
    "Fn",
    "call",
    "curry",
    "is_shared",
    "is_def_var",
    "is_def_fn",
];

impl Known {
    /// From a compiled script and the engine it runs on.
    pub fn new(engine: &Engine, ast: &rhai::AST, text: &str) -> Known {
        let own = ast
            .iter_functions()
            .filter(|f| !f.name.starts_with("anon$"))
            .map(|f| {
                (
                    f.name.to_string(),
                    f.params.iter().map(|p| p.to_string()).collect(),
                )
            })
            .collect();
        Known {
            own,
            variables: declared_variables(text),
            builtins: builtin_names(engine),
        }
    }

    /// Whether `name` is one of Rhai's own functions.
    pub fn is_builtin(&self, name: &str) -> bool {
        KEYWORDS.contains(&name)
            || (self.builtins.contains(name) && !api::API.iter().any(|f| f.name == name))
    }

    /// Whether `name` is a function the engine knows (API, built-in or the script's own).
    pub fn is_function(&self, name: &str) -> bool {
        KEYWORDS.contains(&name)
            || self.builtins.contains(name)
            || self.own.iter().any(|(n, _)| n == name)
            || api::API.iter().any(|f| f.name == name)
    }
}

/// Every function name the engine has registered (the API and Rhai's packages).
pub(crate) fn builtin_names(engine: &Engine) -> BTreeSet<String> {
    engine
        .gen_fn_signatures(true)
        .iter()
        .filter_map(|s| s.split('(').next())
        .map(|n| {
            let n = n.trim().trim_start_matches("fn ");
            n.trim_start_matches("get$")
                .trim_start_matches("set$")
                .to_string()
        })
        .collect()
}

/// Names declared by `let`, `const` or `for` in `text` (a scan of the words; strings and
/// comments skipped).
fn declared_variables(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = code_only(line);
        let words: Vec<&str> = code
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        for pair in words.windows(2) {
            if matches!(pair[0], "let" | "const" | "for") {
                found.insert(pair[1].to_string());
            }
        }
    }
    found
}

/// A call of `name` with arguments of types `got` that no function takes; `line` is the
/// text of the call's line, when known.
pub(crate) fn call(name: &str, got: &[Option<Ty>], known: &Known, line: Option<&str>) -> Said {
    let overloads: Vec<&ApiFn> = api::API.iter().filter(|f| f.name == name).collect();
    let args = if got.is_empty() {
        "no arguments".to_string()
    } else {
        got_list(got)
    };
    if !overloads.is_empty() {
        let takes: Vec<String> = overloads.iter().map(|f| expects(f)).collect();
        let message = format!("{name} takes {}, got {args}", takes.join(" or "));
        let hint = overloads
            .iter()
            .filter(|f| f.params.len() == got.len())
            .find_map(|f| {
                f.params.iter().zip(got).find_map(|(p, t)| match t {
                    Some(t) if !fits(p.kind, t) => mismatch_hint(f, p, t, line),
                    _ => None,
                })
            })
            .or_else(|| {
                let counts: Vec<String> = overloads
                    .iter()
                    .map(|f| f.params.len().to_string())
                    .collect();
                (!overloads.iter().any(|f| f.params.len() == got.len())).then(|| {
                    format!(
                        "{name} takes {} argument{}, not {}",
                        counts.join(" or "),
                        if counts.len() == 1 && counts[0] == "1" {
                            ""
                        } else {
                            "s"
                        },
                        got.len()
                    )
                })
            });
        return Said::new(message, hint);
    }
    if let Some((_, params)) = known.own.iter().find(|(n, _)| n == name) {
        return Said::new(
            format!(
                "{name} takes {} argument{} ({}), got {args}",
                params.len(),
                if params.len() == 1 { "" } else { "s" },
                params.join(", ")
            ),
            Some(format!("it is the script's own `fn {name}`")),
        );
    }
    if KEYWORDS.contains(&name) || known.builtins.contains(name) {
        return Said::new(
            format!("no form of `{name}` takes {args}"),
            Some(format!(
                "`{name}` is a Rhai built-in: the Rhai book lists the arguments it takes (https://rhai.rs/book/)"
            )),
        );
    }
    if known.variables.contains(name) {
        return Said::new(
            format!("`{name}` is a variable, not a function"),
            Some(format!(
                "a closure held in a variable is called with `{name}.call()`"
            )),
        );
    }
    let mut names: Vec<&str> = api::API.iter().map(|f| f.name).collect();
    names.dedup();
    names.extend(known.own.iter().map(|(n, _)| n.as_str()));
    let mut others: Vec<&str> = KEYWORDS.to_vec();
    others.extend(known.builtins.iter().map(String::as_str));
    let hint = match suggest_function(name, &names).or_else(|| suggest_function(name, &others)) {
        Some(s) => {
            let takes: Vec<String> = api::API
                .iter()
                .filter(|f| f.name == s)
                .map(expects)
                .collect();
            if takes.is_empty() {
                Some(format!("did you mean `{s}`?"))
            } else {
                Some(format!(
                    "did you mean `{s}`? it takes {}",
                    takes.join(" or ")
                ))
            }
        }
        None => Some(
            "`magloop api` lists the functions a script can call; scripts cannot read files, run programs, or read the clock or the environment"
                .into(),
        ),
    };
    Said::new(format!("unknown function `{name}`"), hint)
}

/// The closest of `known` to a misspelt function name, if close enough.
fn suggest_function<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(word, k), *k))
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// Rhai's "Function not found: name (types)" split into the name and the types.
pub(crate) fn split_signature(sig: &str) -> (String, Vec<Option<Ty>>) {
    let (name, rest) = sig.split_once(" (").unwrap_or((sig, ")"));
    let inner = rest.strip_suffix(')').unwrap_or(rest).trim();
    let got = if inner.is_empty() {
        Vec::new()
    } else {
        inner.split(", ").map(|t| Some(Ty::from_rhai(t))).collect()
    };
    (name.trim().to_string(), got)
}

// ---- acts that would change nothing ---------------------------------------------------------

// ---- runtime errors -------------------------------------------------------------------------

/// A runtime error in magloop's words, when there are better ones than Rhai's: `inner` is
/// the innermost error, `at` its place in `text`.
pub(crate) fn runtime(
    inner: &EvalAltResult,
    text: &str,
    known: &Known,
    at: Option<(usize, usize)>,
) -> Option<Said> {
    let line = at.and_then(|(l, _)| text.lines().nth(l.wrapping_sub(1)));
    match inner {
        EvalAltResult::ErrorFunctionNotFound(sig, _) => {
            let (name, got) = split_signature(sig);
            Some(call(&name, &got, known, line))
        }
        EvalAltResult::ErrorVariableNotFound(name, _) => Some(variable(
            name,
            text,
            at,
            known.variables.contains(name.as_str()),
        )),
        _ => None,
    }
}

/// `Variable not found: name`, with what probably went wrong.
fn variable(name: &str, text: &str, at: Option<(usize, usize)>, declared: bool) -> Said {
    let message = format!("unknown variable `{name}`");
    let hint = match name {
        "True" | "False" => Some(format!("Rhai writes `{}`", name.to_lowercase())),
        "None" | "null" | "nil" => Some(
            "Rhai has no None: use () for nothing, or a flag such as `let found = false;`".into(),
        ),
        _ if at.is_some_and(|p| inside_fn(text, p)) && declared => Some(format!(
            "a function (`fn`) does not see variables declared outside it: pass `{name}` as an argument (`fn f({name}) {{ ... }}`, called `f({name})`), or write a closure, which does see them (`let f = || {{ ... }};`, called `f.call()`)"
        )),
        _ => {
            let assigned = at
                .and_then(|(l, _)| text.lines().nth(l.wrapping_sub(1)))
                .is_some_and(|l| {
                    let t = l.trim_start();
                    t.starts_with(name)
                        && t[name.len()..].trim_start().starts_with('=')
                        && !t[name.len()..].trim_start().starts_with("==")
                });
            if assigned {
                Some(format!("declare it first: `let {name} = ...;`"))
            } else {
                None
            }
        }
    };
    Said::new(message, hint)
}

/// Whether `at` is inside the body of a `fn` in `text`.
fn inside_fn(text: &str, at: (usize, usize)) -> bool {
    let scan = Scan::of(text);
    scan.pairs.iter().any(|p| {
        p.opens_fn && p.open <= at && p.close.is_none_or(|c| at <= c) && p.open_char == '{'
    })
}

// ---- syntax errors --------------------------------------------------------------------------

/// A syntax error in magloop's words: the message (always starting `syntax error:`), its
/// place, and a hint for the usual slips.
pub(crate) fn syntax(text: &str, err: &ParseError) -> (Option<(usize, usize)>, Said) {
    let pos = crate::script::pos_of(err.position());
    let kind = err.err_type();
    let lines: Vec<&str> = text.lines().collect();
    let line = pos.and_then(|(l, _)| lines.get(l.wrapping_sub(1)).copied());
    let at_end = pos.is_none_or(|(l, _)| l > lines.len());
    let word = line
        .zip(pos)
        .map(|(l, (_, c))| {
            l.chars()
                .skip(c.saturating_sub(1))
                .take_while(|ch| ch.is_alphanumeric() || *ch == '_')
                .collect::<String>()
        })
        .unwrap_or_default();
    // The word before the place: Rhai points after `elif`, at its condition.
    let previous_word = line
        .zip(pos)
        .map(|(l, (_, c))| {
            let before: String = l.chars().take(c.saturating_sub(1)).collect();
            before
                .trim_end()
                .rsplit(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_default();
    let first_word = line
        .map(|l| {
            l.trim_start()
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_default();
    let char_at = line
        .zip(pos)
        .and_then(|(l, (_, c))| l.chars().nth(c.saturating_sub(1)));

    let mut message = format!("syntax error: {kind}");
    if at_end {
        message = format!("syntax error at the end of the file: {kind}");
    }
    let mut said = Said::new(String::new(), None);
    said.hint = match kind {
        ParseErrorType::BadInput(LexError::MalformedChar(s)) => {
            let inner = s.trim_matches('\'');
            Some(format!(
                "text is written in double quotes: \"{inner}\"; single quotes hold one character"
            ))
        }
        ParseErrorType::Reserved(s) if s == "#" => Some("a comment starts with //, not #".into()),
        _ => match word.as_str() {
            "and" => Some("Rhai writes `&&` for and".into()),
            "or" => Some("Rhai writes `||` for or".into()),
            "not" => Some("Rhai writes `!` for not: `!done`".into()),
            _ if word == "elif" || previous_word == "elif" => Some("Rhai writes `else if`".into()),
            "then" => Some("Rhai writes `if x { ... }`, without then".into()),
            _ if first_word == "def" => {
                Some("a function is written `fn name(a, b) { ... }`, with braces".into())
            }
            _ if char_at == Some(':')
                && matches!(
                    first_word.as_str(),
                    "if" | "else" | "while" | "for" | "loop"
                ) =>
            {
                Some("a block is written in braces, `if x { ... }`, not with `:`".into())
            }
            _ => None,
        },
    };
    let about_brackets = at_end
        || matches!(kind, ParseErrorType::UnexpectedEOF)
        || matches!(kind, ParseErrorType::MissingToken(t, _) if matches!(t.as_str(), "}" | ")" | "]"))
        || matches!(kind, ParseErrorType::BadInput(LexError::UnexpectedInput(t)) if matches!(t.as_str(), "}" | ")" | "]"))
        || char_at.is_some_and(|c| matches!(c, '}' | ')' | ']'));
    if said.hint.is_none() && about_brackets {
        if let Some((open, c)) = Scan::of(text).culprit() {
            said.hint = Some(format!(
                "the `{c}` on line {} is never closed: add its `{}`",
                open.0,
                closer_of(c)
            ));
            said.related = Some((open, "never closed".into()));
        }
    }
    said.message = message;
    (pos, said)
}

fn closer_of(c: char) -> char {
    match c {
        '{' => '}',
        '(' => ')',
        _ => ']',
    }
}

/// One bracket pair of a script's text.
#[derive(Debug, Clone)]
struct Pair {
    open_char: char,
    open: (usize, usize),
    /// Where its closer is; `None` when the text ends first.
    close: Option<(usize, usize)>,
    /// The indentation of the opener's line and of the closer's line, when the closer
    /// starts its line.
    open_indent: usize,
    close_indent: Option<usize>,
    /// The `{` of a `fn name(...)` body.
    opens_fn: bool,
}

/// The brackets of a script's text, strings and comments skipped.
#[derive(Debug, Default)]
struct Scan {
    pairs: Vec<Pair>,
    /// A closer that matches no opener, or the wrong one: where, and what.
    stray: Option<((usize, usize), char)>,
}

impl Scan {
    fn of(text: &str) -> Scan {
        let mut scan = Scan::default();
        let mut stack: Vec<usize> = Vec::new();
        let mut block_comment = 0usize;
        let mut quote: Option<char> = None;
        let mut escaped = false;
        // A `fn` word seen and its body's `{` not yet reached.
        let mut fn_pending = false;
        for (li, line) in text.lines().enumerate() {
            let indent = line.len() - line.trim_start().len();
            let chars: Vec<char> = line.chars().collect();
            let first_col = chars.iter().position(|c| !c.is_whitespace());
            let mut i = 0;
            // A string in double quotes ends with its line (Rhai needs `\` to continue it).
            if quote == Some('"') || quote == Some('\'') {
                quote = None;
            }
            while i < chars.len() {
                let c = chars[i];
                let at = (li + 1, i + 1);
                if block_comment > 0 {
                    if c == '*' && chars.get(i + 1) == Some(&'/') {
                        block_comment -= 1;
                        i += 1;
                    } else if c == '/' && chars.get(i + 1) == Some(&'*') {
                        block_comment += 1;
                        i += 1;
                    }
                } else if let Some(q) = quote {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == q {
                        quote = None;
                    }
                } else if c == '/' && chars.get(i + 1) == Some(&'/') {
                    break;
                } else if c == '/' && chars.get(i + 1) == Some(&'*') {
                    block_comment += 1;
                    i += 1;
                } else if c == '"' || c == '`' || c == '\'' {
                    quote = Some(c);
                } else if c == 'f'
                    && chars.get(i + 1) == Some(&'n')
                    && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'))
                    && chars
                        .get(i + 2)
                        .is_some_and(|n| !(n.is_alphanumeric() || *n == '_'))
                {
                    fn_pending = true;
                } else if matches!(c, '{' | '(' | '[') {
                    let opens_fn = c == '{' && fn_pending;
                    if c == '{' {
                        fn_pending = false;
                    }
                    stack.push(scan.pairs.len());
                    scan.pairs.push(Pair {
                        open_char: c,
                        open: at,
                        close: None,
                        open_indent: indent,
                        close_indent: None,
                        opens_fn,
                    });
                } else if matches!(c, '}' | ')' | ']') {
                    match stack.last() {
                        Some(&top) if closer_of(scan.pairs[top].open_char) == c => {
                            stack.pop();
                            let p = &mut scan.pairs[top];
                            p.close = Some(at);
                            p.close_indent = (first_col == Some(i)).then_some(indent);
                        }
                        _ => {
                            if scan.stray.is_none() {
                                scan.stray = Some((at, c));
                            }
                        }
                    }
                }
                i += 1;
            }
        }
        scan
    }

    /// The opener most likely left unclosed: the first `{` whose closer is less indented
    /// than its own line (it closed an outer block instead), else the innermost opener
    /// still open at the end or at a stray closer.
    fn culprit(&self) -> Option<((usize, usize), char)> {
        let unbalanced = self.stray.is_some() || self.pairs.iter().any(|p| p.close.is_none());
        if !unbalanced {
            return None;
        }
        let by_indent = self
            .pairs
            .iter()
            .find(|p| p.open_char == '{' && p.close_indent.is_some_and(|ci| ci < p.open_indent));
        if let Some(p) = by_indent {
            return Some((p.open, p.open_char));
        }
        let limit = self.stray.map(|(at, _)| at);
        self.pairs
            .iter()
            .rev()
            .find(|p| {
                limit.is_none_or(|l| p.open < l)
                    && p.close.is_none_or(|c| limit.is_some_and(|l| c > l))
            })
            .map(|p| (p.open, p.open_char))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unquoted_date_is_found_outside_strings() {
        assert_eq!(
            unquoted_date("outage(\"reno_nv\", 2026-03-01, \"3 months\");"),
            Some("2026-03-01".into())
        );
        assert_eq!(unquoted_date("outage(\"2026-03-01\");"), None);
        assert_eq!(unquoted_date("let x = 2026 - 3;"), None);
    }

    #[test]
    fn the_date_hint_works_the_subtraction() {
        // 2026 - 3 - 1 = 2022, the integer Rhai passes for an unquoted 2026-03-01.
        let s = call(
            "outage",
            &[Some(Ty::Str), Some(Ty::Int), Some(Ty::Str)],
            &Known::default(),
            Some("outage(\"reno_nv\", 2026-03-01, \"3 months\");"),
        );
        assert_eq!(
            s.hint.unwrap(),
            "a date is text: write \"2026-03-01\" in double quotes; unquoted, 2026-03-01 is the subtraction 2026 - 3 - 1 = 2022"
        );
    }

    #[test]
    fn the_unclosed_brace_is_found_by_indentation_or_at_the_end() {
        // Line 2's `{` is closed by the `}` of line 4, indented 0 against its 4: it is the one
        // left open, not the closure's `{` on line 1.
        let text = "at(\"2026-01-01\", || {\n    if true {\n        note(\"x\");\n});\n";
        assert_eq!(Scan::of(text).culprit(), Some(((2, 13), '{')));
        // Nothing closes the closure's `{` before the end.
        let text = "at(\"2026-01-01\", || {\n    note(\"x\");\n";
        assert_eq!(Scan::of(text).culprit(), Some(((1, 21), '{')));
        // Brackets inside strings and comments do not count.
        let text = "note(\"{ (\"); // {\n/* { */ let x = [1];\n";
        assert_eq!(Scan::of(text).culprit(), None);
    }

    #[test]
    fn a_function_body_is_told_from_a_closure() {
        let text = "let m = 3;\nfn f() { m + 1 }\nlet g = || { m };\n";
        assert!(inside_fn(text, (2, 10)));
        assert!(!inside_fn(text, (3, 14)));
    }

    #[test]
    fn rhai_signatures_split_into_a_name_and_types() {
        let (name, got) = split_signature(
            "delay_comissioning (&str | ImmutableString | String, &str | ImmutableString | String)",
        );
        assert_eq!(name, "delay_comissioning");
        assert_eq!(got, vec![Some(Ty::Str), Some(Ty::Str)]);
        assert_eq!(
            split_signature("timestamp ()"),
            ("timestamp".into(), vec![])
        );
    }
}
