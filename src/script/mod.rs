//! Policy scripts in Rhai: compiled once, sandboxed, acting on a run only through
//! `sim::policy::Control` (the API is the table in `api.rs`, registered in `register.rs`).
//!
//! A script's top level runs once at the start of the run (in the order the scripts were
//! given); it acts directly (`outage(...)`) or schedules closures (`at`, `every`,
//! `on_record`) that run later at their simulated times. All of it shares the run's
//! [`Budget`] of operations (`budget.rs`).

pub mod api;
pub mod budget;
pub mod definitions;
pub(crate) mod explain;
mod literals;
mod register;
pub mod when;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rhai::{AST, Engine, EvalAltResult, FnPtr, Position, Scope};

use crate::error::{Error, Result, ScriptError};
use crate::kernel::SimTime;
use crate::model::{Model, NodeKind, sha256_hex};
use crate::sim::policy::{Action, Control, Policy, ShockRow};
use budget::Meter;
pub use budget::{Budget, Usage, parse_budget};
use when::{Calendar, Span};

/// Limits that keep a script from hanging or exhausting a run.
pub mod limits {
    /// Operations per call of a script or hook: `loop {}` stops here with an error
    /// (about 0.1 s of work). All calls of a run share a larger budget (`budget.rs`).
    pub const MAX_OPERATIONS: u64 = 2_000_000;
    /// Nested function calls (recursion).
    pub const MAX_CALL_LEVELS: usize = 48;
    pub const MAX_EXPR_DEPTH: usize = 64;
    pub const MAX_FN_EXPR_DEPTH: usize = 32;
    /// Bytes in one string.
    pub const MAX_STRING_SIZE: usize = 1 << 20;
    /// Items in one array (nested arrays and maps counted in). Rhai measures a whole array
    /// after each change to it, so growing one to n items costs n²/2 steps: 10,000 fails
    /// in about 0.05 s where 100,000 took 4 to 6 s.
    pub const MAX_ARRAY_SIZE: usize = 10_000;
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
    /// When it first runs (`at`, `every`).
    pub at: SimTime,
    /// Its period (`every`).
    pub period: Option<Span>,
    /// An `on_record` closure, run at every recording step.
    pub on_record: bool,
    pub f: FnPtr,
    pub script: usize,
    /// Where the hook was registered, for errors the engine cannot place.
    pub line: Option<(usize, usize)>,
}

/// What the API functions read and write while a script runs. The policy fills the
/// snapshot before each call and carries out the requests after it.
pub struct Bridge {
    pub(crate) cal: Calendar,
    pub(crate) now: SimTime,
    pub(crate) script: usize,
    pub(crate) script_names: Vec<String>,
    pub(crate) names: api::Names,
    /// Per link: its current share.
    pub(crate) link_share: Vec<f64>,
    /// Per node: its (possibly moved) commissioning time.
    pub(crate) commissioning: Vec<SimTime>,
    pub(crate) snapshot: Snapshot,
    /// Cumulative outputs per node at each recording step, for `throughput`.
    pub(crate) history: Vec<(SimTime, Vec<f64>)>,
    pub(crate) requests: Vec<(SimTime, Action, ShockRow)>,
    pub(crate) new_hooks: Vec<NewHook>,
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
    /// Origin -> (imports since the start in t, current share of its projection, supply
    /// available now in t/yr).
    pub imports: BTreeMap<String, (f64, f64, f64)>,
    /// Commercial inventory and strategic stockpile now, t.
    pub stock_t: f64,
    pub stockpile_t: f64,
    pub demand_t_per_year: f64,
    pub shortfall_t: f64,
    pub recycled_t: f64,
    /// Per grade (`Names::grades` order): magnets supplied since the start, t.
    pub grade_t: Vec<f64>,
    /// Per sector (`Names::sectors` order): supply under an origin requirement, t.
    pub compliant_t: Vec<f64>,
}

impl Bridge {
    fn new(model: &Model, script_names: Vec<String>) -> Self {
        let commissioning = model
            .nodes
            .iter()
            .map(|n| match &n.kind {
                NodeKind::Hpms(h) => h.commissioning,
                NodeKind::OxidePlant(o) => o.commissioning,
                NodeKind::Producer(p) => p.commissioning,
                _ => 0,
            })
            .collect();
        Bridge {
            cal: Calendar {
                start: model.start,
                horizon: model.horizon,
            },
            now: 0,
            script: 0,
            script_names,
            names: api::Names::new(model),
            link_share: model.links.iter().map(|l| l.share).collect(),
            commissioning,
            snapshot: Snapshot::default(),
            history: Vec::new(),
            requests: Vec::new(),
            new_hooks: Vec::new(),
        }
    }

    pub(crate) fn script_name(&self) -> String {
        self.script_names
            .get(self.script)
            .cloned()
            .unwrap_or_default()
    }

    fn fill(&mut self, ctl: &Control) {
        let n = self.names.node_ids.len();
        let s = &mut self.snapshot;
        self.now = ctl.now();
        s.inventory_kg = (0..n).map(|i| ctl.inventory_kg(i)).collect();
        s.storage_kg = (0..n).map(|i| ctl.storage_kg(i)).collect();
        s.cumulative_output_kg = (0..n).map(|i| ctl.cumulative_output_kg(i)).collect();
        s.capacity = (0..n).map(|i| ctl.capacity(i)).collect();
        s.availability = (0..n).map(|i| ctl.availability(i)).collect();
        s.commissioned = (0..n).map(|i| ctl.commissioned(i)).collect();
        s.imports = self
            .names
            .origins
            .iter()
            .map(|o| (o.clone(), ctl.imports(o)))
            .collect();
        s.demand_t_per_year = ctl.demand_t_per_year();
        s.grade_t = self
            .names
            .grades
            .iter()
            .map(|g| ctl.grade_supply_t(g))
            .collect();
        s.compliant_t = self
            .names
            .sectors
            .iter()
            .map(|x| ctl.compliant_supply_t(x))
            .collect();
        (s.stock_t, s.stockpile_t) = ctl.stocks_t();
        let (_, recycled, shortfall) = ctl.market_totals();
        s.recycled_t = recycled;
        s.shortfall_t = shortfall;
    }
}

/// A model with nothing in it, for engines that only document or compile.
pub(crate) fn empty_model() -> Model {
    Model {
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
        origins: Vec::new(),
    }
}

/// A sandboxed engine: no file, network, environment or clock access (no modules to
/// import, `no_time`, no `eval`), with operation, depth and size limits.
pub(crate) fn engine() -> Engine {
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

/// The sandboxed engine scripts run on, without the API: Rhai's built-ins alone.
pub fn sandboxed_engine() -> Engine {
    engine()
}

/// An engine with the API registered, for `magloop api` and definition files.
pub fn documentation_engine() -> Engine {
    let mut e = engine();
    register::register(
        &mut e,
        &Arc::new(Mutex::new(Bridge::new(&empty_model(), Vec::new()))),
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
        let (at, said) = explain::syntax(text, &err);
        said_error(file, text, at, None, said)
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

pub(crate) fn script_error(
    file: &str,
    text: &str,
    line: Option<(usize, usize)>,
    date: Option<String>,
    message: String,
) -> Error {
    said_error(
        file,
        text,
        line,
        date,
        explain::Said {
            message,
            hint: None,
            related: None,
        },
    )
}

/// A problem as magloop says it (`explain.rs`), as a script error.
pub(crate) fn said_error(
    file: &str,
    text: &str,
    line: Option<(usize, usize)>,
    date: Option<String>,
    said: explain::Said,
) -> Error {
    Error::Script(Box::new(said_problem(file, text, line, date, said)))
}

pub(crate) fn said_problem(
    file: &str,
    text: &str,
    line: Option<(usize, usize)>,
    date: Option<String>,
    said: explain::Said,
) -> ScriptError {
    ScriptError {
        file: file.to_string(),
        line,
        date,
        message: said.message,
        hint: said.hint,
        related: said.related,
        source: text.to_string(),
    }
}

/// A runtime error at its innermost place; `fallback` (where a closure was registered) stands in when
/// the engine gives none, as for an endless loop inside a closure.
fn runtime_error(
    engine: &Engine,
    script: &Script,
    date: Option<String>,
    err: &EvalAltResult,
    fallback: Option<(usize, usize)>,
) -> Error {
    let inner = err.unwrap_inner();
    let pos = pos_of(innermost(err));
    let known = explain::Known::new(engine, &script.ast, &script.text);
    if let Some(said) = explain::runtime(inner, &script.text, &known, pos.or(fallback)) {
        return said_error(&script.file, &script.text, pos.or(fallback), date, said);
    }
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
    let pos = innermost(err);
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

/// What one caller (a top level or a hook) has used of the run's budget.
#[derive(Debug, Clone, Copy, Default)]
struct Spent {
    operations: u64,
    calls: u64,
    time: Duration,
}

struct Hook {
    script: usize,
    f: FnPtr,
    line: Option<(usize, usize)>,
    period: Option<Span>,
    on_record: bool,
    anchor: SimTime,
    k: u32,
    spent: Spent,
}

impl Hook {
    /// The function that registered it.
    fn kind(&self) -> &'static str {
        match (self.on_record, self.period) {
            (true, _) => "on_record",
            (false, Some(_)) => "every",
            (false, None) => "at",
        }
    }
}

/// Who is running: the top level of a script, or a hook (by its index in `hooks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Top(usize),
    Hook(usize),
}

/// Scripts driving a run: the `Policy` the simulation calls.
pub struct ScriptPolicy {
    engine: Engine,
    scripts: Vec<Script>,
    bridge: Arc<Mutex<Bridge>>,
    /// Every hook registered, in order; `at` and `every` hooks are scheduled by index.
    hooks: Vec<Hook>,
    /// The `on_record` hooks, as indices into `hooks`, in registration order.
    record_hooks: Vec<usize>,
    /// What each script's top level used.
    top: Vec<Spent>,
    calls: u64,
    budget: Budget,
    meter: Arc<Meter>,
    operations: u64,
    time: Duration,
    /// `validate`: run every script's top level even when an earlier one fails, keeping the
    /// failures here.
    keep_going: bool,
    failures: Vec<(usize, Error)>,
}

impl ScriptPolicy {
    /// Scripts for a run of `model`, with the default budget.
    pub fn new(model: &Model, scripts: Vec<Script>) -> Self {
        let names = scripts.iter().map(|s| s.file.clone()).collect();
        let bridge = Arc::new(Mutex::new(Bridge::new(model, names)));
        let mut engine = engine();
        register::register(&mut engine, &bridge);
        let meter = Meter::install(&mut engine);
        ScriptPolicy {
            engine,
            top: vec![Spent::default(); scripts.len()],
            scripts,
            bridge,
            hooks: Vec::new(),
            record_hooks: Vec::new(),
            calls: 0,
            budget: Budget::default(),
            meter,
            operations: 0,
            time: Duration::ZERO,
            keep_going: false,
            failures: Vec::new(),
        }
    }

    /// The same, held to `budget`.
    pub fn with_budget(mut self, budget: Budget) -> Self {
        self.budget = budget;
        self
    }

    /// A handle to what the scripts use, readable after the run.
    pub fn usage(&self) -> Usage {
        Usage {
            meter: self.meter.clone(),
            budget: self.budget,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Bridge> {
        self.bridge.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Carries out what the last call asked for: actions, then new hooks.
    fn drain(&mut self, script: usize, ctl: &mut Control) -> Result<()> {
        let (requests, hooks) = {
            let mut b = self.lock();
            (
                std::mem::take(&mut b.requests),
                std::mem::take(&mut b.new_hooks),
            )
        };
        if self.hooks.len() + hooks.len() > limits::MAX_HOOKS {
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
            let id = self.hooks.len();
            self.hooks.push(Hook {
                script: h.script,
                f: h.f,
                line: h.line,
                period: h.period,
                on_record: h.on_record,
                anchor: h.at,
                k: 0,
                spent: Spent::default(),
            });
            if h.on_record {
                self.record_hooks.push(id);
            } else if h.period.is_none() || h.at < self.lock().cal.horizon {
                ctl.schedule_hook(h.at, id as u32);
            }
        }
        Ok(())
    }

    /// A run-wide limit broken by `script` (no single line to blame), at the current date.
    fn limit_error(&self, script: usize, ctl: &Control, message: String) -> Error {
        let s = &self.scripts[script];
        let date = self.lock().cal.label(ctl.now());
        script_error(&s.file, &s.text, None, Some(date), message)
    }

    fn spent(&mut self, who: Caller) -> &mut Spent {
        match who {
            Caller::Top(i) => &mut self.top[i],
            Caller::Hook(h) => &mut self.hooks[h].spent,
        }
    }

    /// Runs a script's top level, or calls a hook, within the run's limits and budget.
    fn run(&mut self, who: Caller, ctl: &mut Control) -> Result<()> {
        let (script, line) = match who {
            Caller::Top(i) => (i, None),
            Caller::Hook(h) => (self.hooks[h].script, self.hooks[h].line),
        };
        if let Caller::Hook(_) = who {
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
        }
        let started = Instant::now();
        {
            let mut b = self.lock();
            b.script = script;
            b.fill(ctl);
        }
        self.meter.begin(
            self.budget.operations.saturating_sub(self.operations),
            self.budget.time_limit().saturating_sub(self.time),
        );
        let s = &self.scripts[script];
        let result = match who {
            Caller::Top(_) => self.engine.run_ast_with_scope(&mut Scope::new(), &s.ast),
            Caller::Hook(h) => {
                // Called as a function of the script's own AST (captured variables first), so
                // the engine knows the source and every error carries its line and column.
                let f = &self.hooks[h].f;
                let args: Vec<rhai::Dynamic> = f.curry().to_vec();
                let options = rhai::CallFnOptions::new()
                    .eval_ast(false)
                    .rewind_scope(true);
                self.engine
                    .call_fn_with_options::<rhai::Dynamic>(
                        options,
                        &mut Scope::new(),
                        &s.ast,
                        f.fn_name(),
                        args,
                    )
                    .map(|_| ())
            }
        };
        let (operations, time) = (self.meter.call_ops(), started.elapsed());
        self.operations += operations;
        self.time += time;
        self.meter.set_total(self.operations);
        let spent = self.spent(who);
        spent.operations += operations;
        spent.calls += 1;
        spent.time += time;
        if let Err(e) = result {
            if let EvalAltResult::ErrorTerminated(..) = e.unwrap_inner() {
                return Err(self.over_budget(who, ctl, innermost(&e)));
            }
            let date = self.lock().cal.label(ctl.now());
            return Err(runtime_error(
                &self.engine,
                &self.scripts[script],
                Some(date),
                &e,
                line,
            ));
        }
        if self.time > self.budget.time_limit() {
            return Err(self.over_budget(who, ctl, Position::NONE));
        }
        self.drain(script, ctl)
    }

    /// The run's budget is spent (its operations, or the time backstop). The caller that
    /// used the most is blamed, at the place it was registered; the one running is named
    /// too when it is another.
    fn over_budget(&self, running: Caller, ctl: &Control, pos: Position) -> Error {
        let by_time = self.operations <= self.budget.operations;
        let measure = |s: &Spent| {
            if by_time {
                s.time.as_nanos() as u64
            } else {
                s.operations
            }
        };
        let callers = (0..self.top.len())
            .map(Caller::Top)
            .chain((0..self.hooks.len()).map(Caller::Hook));
        let spent = |c: Caller| match c {
            Caller::Top(i) => self.top[i],
            Caller::Hook(h) => self.hooks[h].spent,
        };
        let blamed = callers
            .max_by_key(|&c| measure(&spent(c)))
            .unwrap_or(running);
        let describe = |c: Caller| match c {
            Caller::Top(i) => format!("the top level of {}", self.scripts[i].file),
            Caller::Hook(h) => {
                let hook = &self.hooks[h];
                let at = hook.line.map(|l| format!(":{}", l.0)).unwrap_or_default();
                format!(
                    "the `{}` closure registered at {}{at}",
                    hook.kind(),
                    self.scripts[hook.script].file
                )
            }
        };
        let (script, place) = match blamed {
            Caller::Top(i) => (i, if blamed == running { pos_of(pos) } else { None }),
            Caller::Hook(h) => (self.hooks[h].script, self.hooks[h].line),
        };
        let b = spent(blamed);
        let calls = if b.calls == 1 {
            "1 call".to_string()
        } else {
            format!("{} calls", b.calls)
        };
        let its = if by_time {
            format!(
                "{} took {:.1} s of it in {calls}",
                describe(blamed),
                b.time.as_secs_f64()
            )
        } else {
            format!(
                "{} used {} of them in {calls}",
                describe(blamed),
                b.operations
            )
        };
        let also = if blamed == running {
            String::new()
        } else {
            format!("; it ran out in {}", describe(running))
        };
        let what = if by_time {
            format!(
                "the scripts ran for more than the run's {:.0} s of script time (1 µs for each operation of the budget of {}, at least 1 s): their operations are costly ones, such as sorting, searching or copying large arrays, maps or strings",
                self.budget.time_limit().as_secs_f64(),
                self.budget.operations
            )
        } else {
            format!(
                "the scripts used more than the run's budget of {} operations",
                self.budget.operations
            )
        };
        let fix = match blamed {
            Caller::Top(_) => "make the script's top level do less",
            Caller::Hook(_) => "make the closure do less or run less often",
        };
        let message = format!(
            "{what}; {its}{also}; if that much work is meant, raise the budget with `--script-budget N` (in an experiment file, `script_budget: N`), otherwise {fix}"
        );
        let s = &self.scripts[script];
        let date = self.lock().cal.label(ctl.now());
        script_error(&s.file, &s.text, place, Some(date), message)
    }
}

/// The innermost known position of an error.
fn innermost(err: &EvalAltResult) -> Position {
    let mut pos = Position::NONE;
    let mut e = err;
    loop {
        if !e.position().is_none() {
            pos = e.position();
        }
        match e {
            EvalAltResult::ErrorInFunctionCall(_, _, inner, _)
            | EvalAltResult::ErrorInModule(_, inner, _) => e = inner,
            _ => return pos,
        }
    }
}

impl Policy for ScriptPolicy {
    fn start(&mut self, ctl: &mut Control<'_, '_>) -> Result<()> {
        for i in 0..self.scripts.len() {
            match self.run(Caller::Top(i), ctl) {
                Err(e) if self.keep_going => {
                    // What the failed call asked for before failing is dropped with it.
                    {
                        let mut b = self.lock();
                        b.requests.clear();
                        b.new_hooks.clear();
                    }
                    self.failures.push((i, e));
                }
                r => r?,
            }
        }
        Ok(())
    }

    fn fire(&mut self, hook: u32, ctl: &mut Control<'_, '_>) -> Result<()> {
        let h = hook as usize;
        let Some(period) = self.hooks.get(h).map(|h| h.period) else {
            return Ok(());
        };
        self.run(Caller::Hook(h), ctl)?;
        if let Some(span) = period {
            let cal = self.lock().cal;
            let h = &mut self.hooks[h];
            h.k += 1;
            let next = cal.nth(h.anchor, span, h.k);
            // Never at the horizon: a yearly hook over ten years fires ten times.
            if next < cal.horizon {
                ctl.schedule_hook(next, hook);
            }
        }
        Ok(())
    }

    fn on_record(&mut self, ctl: &mut Control<'_, '_>) -> Result<()> {
        {
            let mut b = self.lock();
            let n = b.names.node_ids.len();
            let cum: Vec<f64> = (0..n).map(|i| ctl.cumulative_output_kg(i)).collect();
            b.history.push((ctl.now(), cum));
        }
        for i in 0..self.record_hooks.len() {
            let h = self.record_hooks[i];
            self.run(Caller::Hook(h), ctl)?;
        }
        Ok(())
    }
}

/// What `validate` found in scripts checked against a model.
#[derive(Debug, Default)]
pub struct Checked {
    /// Every problem, script by script in the order given, each in the order of its text.
    pub problems: Vec<ScriptError>,
    /// Mistakes that would not stop a run, such as removing more lines than a site has.
    pub warnings: Vec<ScriptError>,
}

/// Checks scripts against a model without running it: runs their top levels at the model's
/// start (which checks every name used there), and checks every call of their text,
/// closures and functions included, statically (`literals.rs`): unknown functions, wrong
/// argument numbers or types, literal arguments the model refuses.
pub fn check(model: &Model, scripts: &[Script]) -> Result<()> {
    check_with_budget(model, scripts, Budget::default())
}

/// As [`check`], with the top levels held to `budget`; every problem found is reported.
pub fn check_with_budget(model: &Model, scripts: &[Script], budget: Budget) -> Result<()> {
    let checked = check_all(model, scripts, budget)?;
    match Error::scripts(checked.problems) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Everything [`check`] finds, problems and warnings. A script whose top level fails still
/// has its text checked, and the scripts after it run; a failure at the top level is left
/// out where the static check found a problem on the same line (it says more, and where).
pub fn check_all(model: &Model, scripts: &[Script], budget: Budget) -> Result<Checked> {
    let mut sim = crate::sim::Simulation::new(model, Default::default())?;
    let mut policy = ScriptPolicy::new(model, scripts.to_vec()).with_budget(budget);
    policy.keep_going = true;
    sim.start_policy_only(&mut policy)?;
    let capacity = {
        let mut ctl = Control { sim: &mut sim };
        (0..model.nodes.len())
            .map(|i| ctl_capacity(&mut ctl, i))
            .collect::<Vec<_>>()
    };
    let mut checked = Checked::default();
    for (i, s) in scripts.iter().enumerate() {
        let found = literals::check(model, s, &capacity);
        let lines: Vec<usize> = found
            .problems
            .iter()
            .filter_map(|p| p.line.map(|l| l.0))
            .collect();
        let mut problems = found.problems;
        for (_, e) in policy.failures.iter().filter(|(k, _)| *k == i) {
            match e {
                Error::Script(p) if p.line.is_some_and(|l| lines.contains(&l.0)) => {}
                Error::Script(p) => problems.push((**p).clone()),
                other => problems.push(said_problem(
                    &s.file,
                    &s.text,
                    None,
                    None,
                    explain::Said::new(other.to_string(), None),
                )),
            }
        }
        problems.sort_by_key(|p| p.line);
        checked.problems.extend(problems);
        checked.warnings.extend(found.warnings);
    }
    Ok(checked)
}

fn ctl_capacity(ctl: &mut Control<'_, '_>, n: usize) -> i64 {
    ctl.capacity(n)
}
