//! Policy scripts in Rhai: compiled once, sandboxed, acting on a run only through
//! `sim::policy::Control` (the API is registered in `api.rs`).
//!
//! A script's top level runs once at the start of the run (in the order the scripts were
//! given); it acts directly (`outage(...)`) or schedules closures (`at`, `every`,
//! `on_record`) that run later at their simulated times.

pub mod api;
pub mod when;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rhai::{AST, Engine, EvalAltResult, FnPtr, Position, Scope};

use crate::error::{Error, Result, ScriptError};
use crate::kernel::SimTime;
use crate::model::{Model, NodeKind, sha256_hex};
use crate::sim::policy::{Action, Control, Policy, ShockRow};
use when::{Calendar, Span};

/// Limits that keep a script from hanging or exhausting a run.
pub mod limits {
    /// Operations per call of a script or hook: `loop {}` stops here with an error
    /// (about 0.1 s of work).
    pub const MAX_OPERATIONS: u64 = 2_000_000;
    /// Nested function calls (recursion).
    pub const MAX_CALL_LEVELS: usize = 48;
    pub const MAX_EXPR_DEPTH: usize = 64;
    pub const MAX_FN_EXPR_DEPTH: usize = 32;
    /// Bytes in one string.
    pub const MAX_STRING_SIZE: usize = 1 << 20;
    /// Items in one array or map.
    pub const MAX_ARRAY_SIZE: usize = 100_000;
    pub const MAX_MAP_SIZE: usize = 10_000;
    /// Hooks (`at`, `every`, `on_record`) all scripts of a run may register.
    pub const MAX_HOOKS: usize = 100_000;
    /// Hook calls in one run (a daily `on_record` over 40 years is 14,610).
    pub const MAX_HOOK_CALLS: u64 = 1_000_000;
}

/// One compiled script.
#[derive(Clone)]
pub struct Script {
    /// As the user named it.
    pub file: String,
    pub text: String,
    pub sha256: String,
    pub ast: AST,
}

/// A hook a script asked for while running.
pub(crate) struct NewHook {
    pub at: SimTime,
    pub period: Option<Span>,
    pub f: FnPtr,
    pub script: usize,
    /// Where the hook was registered, for errors the engine cannot place.
    pub line: Option<(usize, usize)>,
}

/// An `on_record` closure and where it was registered.
#[derive(Clone)]
pub(crate) struct RecordHook {
    pub script: usize,
    pub f: FnPtr,
    pub line: Option<(usize, usize)>,
}

/// What the API functions read and write while a script runs. The policy fills the
/// snapshot before each call and carries out the requests after it.
pub struct Bridge {
    pub(crate) cal: Calendar,
    pub(crate) now: SimTime,
    pub(crate) script: usize,
    pub(crate) script_names: Vec<String>,
    pub(crate) node_ids: Vec<String>,
    pub(crate) node_kinds: Vec<&'static str>,
    pub(crate) link_ids: Vec<String>,
    /// Per link: (from node, port), and its current share.
    pub(crate) link_from: Vec<(usize, usize)>,
    pub(crate) link_share: Vec<f64>,
    pub(crate) origins: Vec<String>,
    pub(crate) sectors: Vec<String>,
    pub(crate) elements: Vec<String>,
    /// Per node: its (possibly moved) commissioning time.
    pub(crate) commissioning: Vec<SimTime>,
    pub(crate) snapshot: Snapshot,
    /// Cumulative outputs per node at each recording step, for `throughput`.
    pub(crate) history: Vec<(SimTime, Vec<f64>)>,
    pub(crate) requests: Vec<(SimTime, Action, ShockRow)>,
    pub(crate) new_hooks: Vec<NewHook>,
    pub(crate) new_record_hooks: Vec<RecordHook>,
}

/// The state scripts can read, taken just before a call.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub inventory_kg: Vec<f64>,
    pub storage_kg: Vec<f64>,
    pub cumulative_output_kg: Vec<f64>,
    pub capacity: Vec<i64>,
    pub availability: Vec<f64>,
    pub commissioned: Vec<bool>,
    /// Origin -> (imports since the start in t, current share of baseline).
    pub imports: BTreeMap<String, (f64, f64)>,
    pub demand_t_per_year: f64,
    pub shortfall_t: f64,
    pub recycled_t: f64,
}

impl Bridge {
    fn new(model: &Model, script_names: Vec<String>) -> Self {
        let mut origins = Vec::new();
        let mut sectors = Vec::new();
        let mut commissioning = Vec::new();
        for n in &model.nodes {
            if let NodeKind::Market(m) = &n.kind {
                for i in &m.imports {
                    if !origins.contains(&i.origin) {
                        origins.push(i.origin.clone());
                    }
                }
                for d in &m.demand {
                    if !sectors.contains(&d.sector) {
                        sectors.push(d.sector.clone());
                    }
                }
            }
            commissioning.push(match &n.kind {
                NodeKind::Hpms(h) => h.commissioning,
                NodeKind::OxidePlant(o) => o.commissioning,
                _ => 0,
            });
        }
        Bridge {
            cal: Calendar {
                start: model.start,
                horizon: model.horizon,
            },
            now: 0,
            script: 0,
            script_names,
            node_ids: model.nodes.iter().map(|n| n.id.clone()).collect(),
            node_kinds: model.nodes.iter().map(|n| n.kind.name()).collect(),
            link_ids: model.links.iter().map(|l| l.id.clone()).collect(),
            link_from: model.links.iter().map(|l| (l.from, l.port)).collect(),
            link_share: model.links.iter().map(|l| l.share).collect(),
            origins,
            sectors,
            elements: model.elements.clone(),
            commissioning,
            snapshot: Snapshot::default(),
            history: Vec::new(),
            requests: Vec::new(),
            new_hooks: Vec::new(),
            new_record_hooks: Vec::new(),
        }
    }

    pub(crate) fn script_name(&self) -> String {
        self.script_names
            .get(self.script)
            .cloned()
            .unwrap_or_default()
    }

    fn fill(&mut self, ctl: &Control) {
        let n = self.node_ids.len();
        let s = &mut self.snapshot;
        self.now = ctl.now();
        s.inventory_kg = (0..n).map(|i| ctl.inventory_kg(i)).collect();
        s.storage_kg = (0..n).map(|i| ctl.storage_kg(i)).collect();
        s.cumulative_output_kg = (0..n).map(|i| ctl.cumulative_output_kg(i)).collect();
        s.capacity = (0..n).map(|i| ctl.capacity(i)).collect();
        s.availability = (0..n).map(|i| ctl.availability(i)).collect();
        s.commissioned = (0..n).map(|i| ctl.commissioned(i)).collect();
        s.imports = self
            .origins
            .iter()
            .map(|o| (o.clone(), ctl.imports(o)))
            .collect();
        s.demand_t_per_year = ctl.demand_t_per_year();
        let (_, recycled, shortfall) = ctl.market_totals();
        s.recycled_t = recycled;
        s.shortfall_t = shortfall;
    }
}

/// A sandboxed engine: no file, network, environment or clock access (no modules to
/// import, `no_time`, no `eval`), with operation, depth and size limits.
fn engine() -> Engine {
    let mut e = Engine::new();
    e.set_max_operations(limits::MAX_OPERATIONS)
        .set_max_call_levels(limits::MAX_CALL_LEVELS)
        .set_max_expr_depths(limits::MAX_EXPR_DEPTH, limits::MAX_FN_EXPR_DEPTH)
        .set_max_string_size(limits::MAX_STRING_SIZE)
        .set_max_array_size(limits::MAX_ARRAY_SIZE)
        .set_max_map_size(limits::MAX_MAP_SIZE)
        .set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
    e.disable_symbol("eval");
    // print() and debug() go nowhere: outputs are the shock log and the notes.
    e.on_print(|_| {});
    e.on_debug(|_, _, _| {});
    e
}

/// An engine with the API registered, for `magloop api` and definition files.
pub fn documentation_engine() -> Engine {
    let mut e = engine();
    let empty = Model {
        name: String::new(),
        description: String::new(),
        start: chrono::NaiveDate::default(),
        years: 1.0,
        horizon: 0,
        record_every: crate::kernel::DAY,
        elements: Vec::new(),
        materials: Vec::new(),
        nodes: Vec::new(),
        links: Vec::new(),
    };
    api::register(
        &mut e,
        &Arc::new(Mutex::new(Bridge::new(&empty, Vec::new()))),
    );
    e
}

/// Reads and compiles script files; syntax errors name the file, line and column.
pub fn compile(files: &[PathBuf]) -> Result<Vec<Script>> {
    let e = engine();
    files.iter().map(|f| compile_one(&e, f)).collect()
}

fn compile_one(e: &Engine, path: &Path) -> Result<Script> {
    let file = path.display().to_string();
    let bytes = crate::files::read_input(path)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        script_error(
            &file,
            "",
            None,
            None,
            "not UTF-8 text: is this a Rhai script?".into(),
        )
    })?;
    compile_text(e, &file, &text)
}

/// Compiles script text named `file`.
pub fn compile_text(e: &Engine, file: &str, text: &str) -> Result<Script> {
    let mut ast = e.compile(text).map_err(|err| {
        let pos = err.position();
        script_error(
            file,
            text,
            pos_of(pos),
            None,
            format!("syntax error: {}", err.err_type()),
        )
    })?;
    ast.set_source(file.to_string());
    Ok(Script {
        file: file.to_string(),
        text: text.to_string(),
        sha256: sha256_hex(text.as_bytes()),
        ast,
    })
}

pub(crate) fn pos_of(p: Position) -> Option<(usize, usize)> {
    p.line().map(|l| (l, p.position().unwrap_or(1)))
}

fn script_error(
    file: &str,
    text: &str,
    line: Option<(usize, usize)>,
    date: Option<String>,
    message: String,
) -> Error {
    Error::Script(Box::new(ScriptError {
        file: file.to_string(),
        line,
        date,
        message,
        source: text.to_string(),
    }))
}

/// Turns a Rhai runtime error into a script error at its innermost position.
/// A runtime error at its place; `fallback` (where a closure was registered) stands in when
/// the engine gives none, as for an endless loop inside a closure.
fn runtime_error(
    script: &Script,
    date: Option<String>,
    err: &EvalAltResult,
    fallback: Option<(usize, usize)>,
) -> Error {
    let inner = err.unwrap_inner();
    let message = match inner {
        EvalAltResult::ErrorRuntime(v, _) => v.to_string(),
        EvalAltResult::ErrorTooManyOperations(_) => format!(
            "the script ran more than {} operations in one call (an endless loop?)",
            limits::MAX_OPERATIONS
        ),
        EvalAltResult::ErrorStackOverflow(_) => format!(
            "calls nested deeper than {} levels (endless recursion?)",
            limits::MAX_CALL_LEVELS
        ),
        other => {
            let s = other.to_string();
            s.split(" (line ").next().unwrap_or(&s).to_string()
        }
    };
    // The deepest known place: a nested call error carries its call site when the
    // innermost error (a stack overflow, say) has none.
    let mut pos = Position::NONE;
    let mut e = err;
    loop {
        if !e.position().is_none() {
            pos = e.position();
        }
        match e {
            EvalAltResult::ErrorInFunctionCall(_, _, inner, _)
            | EvalAltResult::ErrorInModule(_, inner, _) => e = inner,
            _ => break,
        }
    }
    match (pos_of(pos), fallback) {
        (Some(at), _) => script_error(&script.file, &script.text, Some(at), date, message),
        (None, Some(at)) => script_error(
            &script.file,
            &script.text,
            Some(at),
            date,
            format!("in the closure registered here: {message}"),
        ),
        (None, None) => script_error(&script.file, &script.text, None, date, message),
    }
}

struct Hook {
    script: usize,
    f: FnPtr,
    line: Option<(usize, usize)>,
    period: Option<Span>,
    anchor: SimTime,
    k: u32,
}

/// Scripts driving a run: the `Policy` the simulation calls.
pub struct ScriptPolicy {
    engine: Engine,
    scripts: Vec<Script>,
    bridge: Arc<Mutex<Bridge>>,
    hooks: Vec<Hook>,
    record_hooks: Vec<RecordHook>,
    calls: u64,
}

impl ScriptPolicy {
    pub fn new(model: &Model, scripts: Vec<Script>) -> Self {
        let names = scripts.iter().map(|s| s.file.clone()).collect();
        let bridge = Arc::new(Mutex::new(Bridge::new(model, names)));
        let mut engine = engine();
        api::register(&mut engine, &bridge);
        ScriptPolicy {
            engine,
            scripts,
            bridge,
            hooks: Vec::new(),
            record_hooks: Vec::new(),
            calls: 0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Bridge> {
        self.bridge.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Carries out what the last call asked for: actions, then new hooks.
    fn drain(&mut self, script: usize, ctl: &mut Control) -> Result<()> {
        let (requests, hooks, records) = {
            let mut b = self.lock();
            (
                std::mem::take(&mut b.requests),
                std::mem::take(&mut b.new_hooks),
                std::mem::take(&mut b.new_record_hooks),
            )
        };
        if self.hooks.len() + self.record_hooks.len() + hooks.len() + records.len()
            > limits::MAX_HOOKS
        {
            return Err(self.limit_error(
                script,
                ctl,
                format!(
                    "the scripts registered more than {} hooks (`at`, `every`, `on_record`); register them once, not in a loop",
                    limits::MAX_HOOKS
                ),
            ));
        }
        for (at, action, row) in requests {
            ctl.act(at, action, row);
        }
        for h in hooks {
            let id = self.hooks.len() as u32;
            self.hooks.push(Hook {
                script: h.script,
                f: h.f,
                line: h.line,
                period: h.period,
                anchor: h.at,
                k: 0,
            });
            ctl.schedule_hook(h.at, id);
        }
        self.record_hooks.extend(records);
        Ok(())
    }

    /// A run-wide limit broken by `script` (no single line to blame), at the current date.
    fn limit_error(&self, script: usize, ctl: &Control, message: String) -> Error {
        let s = &self.scripts[script];
        let date = self.lock().cal.label(ctl.now());
        script_error(&s.file, &s.text, None, Some(date), message)
    }

    fn call(
        &mut self,
        script: usize,
        f: &FnPtr,
        line: Option<(usize, usize)>,
        ctl: &mut Control,
    ) -> Result<()> {
        self.calls += 1;
        if self.calls > limits::MAX_HOOK_CALLS {
            return Err(self.limit_error(
                script,
                ctl,
                format!(
                    "the scripts' hooks ran more than {} times in one run; use a longer `every` period or fewer hooks",
                    limits::MAX_HOOK_CALLS
                ),
            ));
        }
        {
            let mut b = self.lock();
            b.script = script;
            b.fill(ctl);
        }
        let s = &self.scripts[script];
        // Called as a function of the script's own AST (captured variables first), so the
        // engine knows the source and every error carries its line and column.
        let args: Vec<rhai::Dynamic> = f.curry().to_vec();
        let options = rhai::CallFnOptions::new()
            .eval_ast(false)
            .rewind_scope(true);
        let result = self.engine.call_fn_with_options::<rhai::Dynamic>(
            options,
            &mut Scope::new(),
            &s.ast,
            f.fn_name(),
            args,
        );
        if let Err(e) = result {
            let date = self.lock().cal.label(ctl.now());
            return Err(runtime_error(s, Some(date), &e, line));
        }
        self.drain(script, ctl)
    }
}

impl Policy for ScriptPolicy {
    fn start(&mut self, ctl: &mut Control<'_, '_>) -> Result<()> {
        for i in 0..self.scripts.len() {
            {
                let mut b = self.lock();
                b.script = i;
                b.fill(ctl);
            }
            let mut scope = Scope::new();
            let s = &self.scripts[i];
            if let Err(e) = self.engine.run_ast_with_scope(&mut scope, &s.ast) {
                let date = self.lock().cal.label(ctl.now());
                return Err(runtime_error(s, Some(date), &e, None));
            }
            self.drain(i, ctl)?;
        }
        Ok(())
    }

    fn fire(&mut self, hook: u32, ctl: &mut Control<'_, '_>) -> Result<()> {
        let Some(h) = self.hooks.get(hook as usize) else {
            return Ok(());
        };
        let (script, f, period, line) = (h.script, h.f.clone(), h.period, h.line);
        self.call(script, &f, line, ctl)?;
        if let Some(span) = period {
            let cal = self.lock().cal;
            let h = &mut self.hooks[hook as usize];
            h.k += 1;
            let next = cal.nth(h.anchor, span, h.k);
            if next <= cal.horizon {
                ctl.schedule_hook(next, hook);
            }
        }
        Ok(())
    }

    fn on_record(&mut self, ctl: &mut Control<'_, '_>) -> Result<()> {
        {
            let mut b = self.lock();
            let n = b.node_ids.len();
            let cum: Vec<f64> = (0..n).map(|i| ctl.cumulative_output_kg(i)).collect();
            b.history.push((ctl.now(), cum));
        }
        for i in 0..self.record_hooks.len() {
            let h = self.record_hooks[i].clone();
            self.call(h.script, &h.f, h.line, ctl)?;
        }
        Ok(())
    }
}

/// Checks scripts against a model without running it: compiles them, runs their top
/// level at the model's start (which checks every name used there), and checks the
/// string names passed to API functions inside closures where they are literals.
pub fn check(model: &Model, scripts: &[Script]) -> Result<()> {
    let mut sim = crate::sim::Simulation::new(model, Default::default())?;
    let mut policy = ScriptPolicy::new(model, scripts.to_vec());
    sim.start_policy_only(&mut policy)?;
    for s in scripts {
        check_literals(model, s)?;
    }
    Ok(())
}

/// API functions whose first argument names a node, a link, an origin or a sector.
const NAMED_FIRST: [(&str, &str); 21] = [
    ("inventory", "node"),
    ("storage", "node"),
    ("cumulative_output", "node"),
    ("throughput", "node"),
    ("capacity", "node"),
    ("availability", "node"),
    ("commissioned", "node"),
    ("delay_commissioning", "node"),
    ("set_commissioning", "node"),
    ("outage", "node"),
    ("add_capacity", "node"),
    ("remove_capacity", "node"),
    ("set_source_rate", "node"),
    ("surge", "node"),
    ("set_yield", "node"),
    ("set_shares", "node"),
    ("set_transit", "link"),
    ("set_cost", "link"),
    ("imports", "origin"),
    ("import_share", "origin"),
    ("set_demand", "sector"),
];

/// Finds `name("literal"` calls in the text and checks the literal against the model.
fn check_literals(model: &Model, s: &Script) -> Result<()> {
    let b = Bridge::new(model, Vec::new());
    let extra = [
        ("restrict_imports", "origin"),
        ("set_import_share", "origin"),
        ("exclude_origin", "sector"),
    ];
    for (line_no, line) in s.text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (f, what) in NAMED_FIRST.iter().chain(extra.iter()) {
            let pattern = format!("{f}(\"");
            let mut from = 0;
            while let Some(i) = code[from..].find(&pattern) {
                let start = from + i;
                from = start + pattern.len();
                // A longer name ending in this one (e.g. `my_outage(`) is not an API call.
                if start > 0
                    && code[..start]
                        .chars()
                        .last()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                {
                    continue;
                }
                let rest = &code[from..];
                let Some(end) = rest.find('"') else { continue };
                let name = &rest[..end];
                // Only a whole literal argument (`f("x", ...)`, `f("x")`), not `f("x" + y)`.
                let after = rest[end + 1..].trim_start();
                if !(after.starts_with(',') || after.starts_with(')')) {
                    continue;
                }
                let known: &[String] = match *what {
                    "node" => &b.node_ids,
                    "link" => &b.link_ids,
                    "origin" => &b.origins,
                    _ => &b.sectors,
                };
                if !known.iter().any(|k| k == name) {
                    let refs: Vec<&str> = known.iter().map(String::as_str).collect();
                    let hint = match crate::model::suggest(name, &refs) {
                        Some(x) => format!(" (did you mean `{x}`?)"),
                        None => format!("; known: {}", refs.join(", ")),
                    };
                    return Err(script_error(
                        &s.file,
                        &s.text,
                        Some((line_no + 1, from + 1)),
                        None,
                        format!("unknown {what} `{name}`{hint}"),
                    ));
                }
            }
        }
    }
    Ok(())
}
