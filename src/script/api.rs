//! The script API as one table, [`API`]: for every function a policy script may call, its
//! name, arguments and what kind of value each is, the node kinds it applies to, its
//! signature and documentation. `magloop api` prints it, `register.rs` registers each
//! implementation against its entry (with the entry's names, types and documentation, which
//! the definition files are written from), and `literals.rs` checks literal arguments by
//! kind. The checks each kind implies ([`Names`], [`Range`]) live here too, so a name or a
//! number is refused with the same words whether the run or `validate` finds it.

use crate::model::{LinkId, Model, NodeId, NodeKind, RARE_EARTHS};
use crate::sim::policy::YieldKind;

/// The allowed values of a number argument, and how to say so.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// What the number is, as a message names it ("a multiplier").
    pub what: &'static str,
    pub min: f64,
    pub max: f64,
    /// `min` itself is refused.
    pub above_min: bool,
    /// The range in words ("from 0 to 1").
    pub says: &'static str,
}

impl Range {
    /// `v` if it is in range (NaN and infinities never are), else the message.
    pub fn check(&self, v: f64) -> Result<f64, String> {
        self.check_as(self.what, v)
    }

    /// As [`Range::check`], naming the number `what`.
    pub fn check_as(&self, what: &str, v: f64) -> Result<f64, String> {
        let inside = v.is_finite() && v >= self.min && v <= self.max;
        if inside && !(self.above_min && v == self.min) {
            Ok(v)
        } else {
            Err(format!("{what} must be {}, found {v}", self.says))
        }
    }

    /// A whole number in range.
    pub fn check_int(&self, v: i64) -> Result<i64, String> {
        let inside = (v as f64) >= self.min && (v as f64) <= self.max;
        if inside && !(self.above_min && v as f64 == self.min) {
            Ok(v)
        } else {
            Err(format!("{} must be {}, found {v}", self.what, self.says))
        }
    }
}

pub const SHARE: Range = Range {
    what: "share",
    min: 0.0,
    max: 1.0,
    above_min: false,
    says: "from 0 to 1",
};
pub const BASELINE_SHARE: Range = Range {
    what: "share",
    min: 0.0,
    max: 10.0,
    above_min: false,
    says: "from 0 to 10 (1 = baseline)",
};
pub const LEVEL_RATIO: Range = Range {
    what: "a ratio",
    min: 0.0,
    max: 10.0,
    above_min: false,
    says: "from 0 to 10 (1 = the origin's level at the calendar start)",
};
pub const TONNES: Range = Range {
    what: "tonnes",
    min: 0.0,
    max: 1e6,
    above_min: true,
    says: "above 0 and at most 1,000,000",
};
pub const YIELD_SHARE: Range = Range {
    what: "a yield",
    ..SHARE
};
pub const MULTIPLIER: Range = Range {
    what: "a multiplier",
    min: 0.0,
    max: 1000.0,
    above_min: true,
    says: "above 0 and at most 1000",
};
pub const DEMAND_MULTIPLIER: Range = Range {
    what: "a demand multiplier",
    min: 0.0,
    max: 1000.0,
    above_min: false,
    says: "from 0 to 1000",
};
pub const COST_PER_MILE: Range = Range {
    what: "cost",
    min: 0.0,
    max: 1e6,
    above_min: false,
    says: "from 0 to 1,000,000 USD per mile",
};
pub const SERVER_COUNT: Range = Range {
    what: "count",
    min: 1.0,
    max: 1000.0,
    above_min: false,
    says: "from 1 to 1000",
};

/// The longest note, in bytes.
pub const MAX_NOTE_LEN: usize = 1000;

/// What an argument is: how it is typed and documented, and what `validate` checks when it
/// is written as a literal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A node id; the function's [`ApiFn::node_kinds`] say which kinds it accepts.
    Node,
    Link,
    /// An import origin of a market.
    Origin,
    /// A demand sector of a market.
    Sector,
    /// "YYYY-MM-DD", inside the run.
    Date,
    /// "18 months", "3 days".
    Duration,
    /// A duration of at least an hour, for `every`.
    Period,
    /// A number (an integer is taken as a float) within its range.
    Number(Range),
    /// A whole number within its range.
    Count(Range),
    /// Element symbols, grade names or "magnets", for `restrict_imports`.
    Items,
    /// A magnet grade of a market.
    Grade,
    /// A supply-chain stage: "mine", "oxide" or "magnet".
    Stage,
    /// An origin named by the model's origin tags (`us`, `recycled`, `china`, ...).
    Tag,
    /// `#{link_id: share, ...}` over the links leaving the node argument.
    Shares,
    /// "recovery", "extraction", "unsuitable" or an element, as the node's kind allows.
    Yield,
    /// Free text (a note), at most [`MAX_NOTE_LEN`] bytes.
    Text,
    /// A closure, `|| { ... }`.
    Closure,
}

/// The script value of an argument ([`Kind::shape`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A string.
    Text,
    /// A number (an integer is taken as a float).
    Number,
    /// A whole number.
    Count,
    Array,
    Map,
    Closure,
}

impl Kind {
    /// The Rust type the implementation takes (numbers are taken as `Dynamic` so that `2`
    /// and `2.0` both work, and documented as floats); Rhai turns these into the
    /// definition files' types.
    pub fn rust_type(self) -> &'static str {
        match self.shape() {
            Shape::Text => "&str",
            Shape::Number => "f64",
            Shape::Count => "i64",
            Shape::Array => "Array",
            Shape::Map => "Map",
            Shape::Closure => "FnPtr",
        }
    }

    /// The script value an argument of this kind is written as, whatever it names: the
    /// one place that says so for the implementation's types, the definitions file and
    /// `validate`'s literal checks.
    pub fn shape(self) -> Shape {
        match self {
            Kind::Node
            | Kind::Link
            | Kind::Origin
            | Kind::Sector
            | Kind::Date
            | Kind::Duration
            | Kind::Period
            | Kind::Yield
            | Kind::Grade
            | Kind::Stage
            | Kind::Tag
            | Kind::Text => Shape::Text,
            Kind::Number(_) => Shape::Number,
            Kind::Count(_) => Shape::Count,
            Kind::Items => Shape::Array,
            Kind::Shares => Shape::Map,
            Kind::Closure => Shape::Closure,
        }
    }

    /// The type the implementation's closure has for this argument.
    pub fn type_id(self) -> std::any::TypeId {
        use std::any::TypeId;
        match self {
            Kind::Number(_) => TypeId::of::<rhai::Dynamic>(),
            Kind::Count(_) => TypeId::of::<i64>(),
            Kind::Items => TypeId::of::<rhai::Array>(),
            Kind::Shares => TypeId::of::<rhai::Map>(),
            Kind::Closure => TypeId::of::<rhai::FnPtr>(),
            _ => TypeId::of::<&str>(),
        }
    }
}

/// What a function gives back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    Nothing,
    Float,
    Int,
    Bool,
    Text,
}

impl Returns {
    pub fn rust_type(self) -> &'static str {
        match self {
            Returns::Nothing => "()",
            Returns::Float => "f64",
            Returns::Int => "i64",
            Returns::Bool => "bool",
            Returns::Text => "String",
        }
    }
}

/// One argument.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    pub name: &'static str,
    pub kind: Kind,
}

/// One API function (an overload is its own entry).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ApiFn {
    /// `schedule`, `read`, `act` or `mark`: the sections of `magloop api`.
    pub group: &'static str,
    pub name: &'static str,
    pub params: &'static [Param],
    pub returns: Returns,
    /// The node kinds the node argument may be; empty for any node.
    pub node_kinds: &'static [&'static str],
    /// As documented, e.g. `outage(node: string, from: string, duration: string)`; made
    /// from the name, parameters and return above.
    pub signature: &'static str,
    pub doc: &'static str,
}

impl ApiFn {
    /// The parameter names with their Rust types, then the return type, as Rhai's
    /// metadata (and so the definition files) take them.
    pub fn params_info(&self) -> Vec<String> {
        self.params
            .iter()
            .map(|p| format!("{}: {}", p.name, p.kind.rust_type()))
            .chain([self.returns.rust_type().to_string()])
            .collect()
    }

    /// The documentation as a doc comment, for the definition files.
    pub fn comment(&self) -> String {
        format!("/// {}", self.doc)
    }
}

/// The entry of the function `name` taking `arity` arguments.
pub fn lookup(name: &str, arity: usize) -> Option<&'static ApiFn> {
    API.iter()
        .find(|f| f.name == name && f.params.len() == arity)
}

macro_rules! doc_type {
    (Number) => {
        "float"
    };
    (Count) => {
        "int"
    };
    (Items) => {
        "array"
    };
    (Shares) => {
        "map"
    };
    (Closure) => {
        "fn()"
    };
    ($other:ident) => {
        "string"
    };
}

macro_rules! doc_params {
    () => { "" };
    ($p:ident : $k:ident) => { concat!(stringify!($p), ": ", doc_type!($k)) };
    ($p:ident : $k:ident, $($rest:tt)+) => {
        concat!(stringify!($p), ": ", doc_type!($k), ", ", doc_params!($($rest)+))
    };
}

macro_rules! doc_returns {
    () => {
        ""
    };
    (Float) => {
        " -> float"
    };
    (Int) => {
        " -> int"
    };
    (Bool) => {
        " -> bool"
    };
    (Text) => {
        " -> string"
    };
}

macro_rules! returns {
    () => {
        Returns::Nothing
    };
    ($r:ident) => {
        Returns::$r
    };
}

/// Declares each entry as a constant (which `register.rs` registers against) and the table
/// of them all, in the order `magloop api` prints them.
macro_rules! api_table {
    ($(
        $group:ident $id:ident = $name:ident ( $($p:ident : $k:ident $(($range:expr))?),* )
            $(-> $ret:ident)? $(nodes [$($nk:literal),*])?, $doc:literal;
    )*) => {
        $(
            pub const $id: ApiFn = ApiFn {
                group: stringify!($group),
                name: stringify!($name),
                params: &[$(Param { name: stringify!($p), kind: Kind::$k $(($range))? }),*],
                returns: returns!($($ret)?),
                node_kinds: &[$($($nk),*)?],
                signature: concat!(
                    stringify!($name), "(", doc_params!($($p : $k),*), ")", doc_returns!($($ret)?)
                ),
                doc: $doc,
            };
        )*
        /// The reference `magloop api` prints; [`crate::script::register`] registers every entry.
        pub const API: &[ApiFn] = &[$($id),*];
    };
}

api_table! {
    schedule AT = at(date: Date, f: Closure),
        "Calls `f` at 00:00 on `date` (\"YYYY-MM-DD\", inside the run).";
    schedule EVERY = every(period: Period, f: Closure),
        "Calls `f` at the start and then every `period` (\"1 month\", \"7 days\", \"1 year\").";
    schedule EVERY_FROM = every(from: Date, period: Period, f: Closure),
        "Calls `f` on `from` and then every `period`.";
    schedule ON_RECORD = on_record(f: Closure),
        "Calls `f` at every recording step (daily by default), after the step is recorded: for state-triggered policies.";

    read DATE = date() -> Text,
        "The current simulated date, \"YYYY-MM-DD\".";
    read DAYS = days() -> Float,
        "Days since the run's start.";
    read INVENTORY = inventory(node: Node) -> Float,
        "Material held at a node now, kg (input queue, in process, blocked output; a market: unsold stock).";
    read STORAGE = storage(node: Node) -> Float,
        "Output waiting for a truck at a node now, kg.";
    read CUMULATIVE_OUTPUT = cumulative_output(node: Node) -> Float,
        "Mass a node has sent on since the start, kg.";
    read THROUGHPUT = throughput(node: Node, window: Duration) -> Float,
        "Mass a node sent on over the last `window` (\"30 days\"), kg, from the recorded steps.";
    read CAPACITY = capacity(node: Node) -> Int,
        "Lines, vessels or servers in service (not retired; a producer: its lines).";
    read AVAILABILITY = availability(node: Node) -> Float,
        "Share of a node's lines, vessels or servers up now (an oxide plant: 1 when running; a producer: its `availability` when running).";
    read COMMISSIONED = commissioned(node: Node) -> Bool,
        "Whether a plant is operating yet.";
    read IMPORTS = imports(origin: Origin) -> Float,
        "Imports from `origin` since the start, t.";
    read IMPORT_SHARE = import_share(origin: Origin) -> Float,
        "Share of `origin`'s baseline supply available now (1 = baseline).";
    read IMPORT_SUPPLY = import_supply(origin: Origin) -> Float,
        "Supply available from `origin` now, t/yr, after every policy (what the market may take, not what it took).";
    read STOCK = stock() -> Float,
        "Commercial magnet inventory now, t (markets with `inventory`).";
    read STOCKPILE = stockpile() -> Float,
        "Strategic stockpile now, t (markets with `stockpile`).";
    read DEMAND = demand() -> Float,
        "Current US demand, t/yr.";
    read SHORTFALL = shortfall() -> Float,
        "Demand not met since the start, t.";
    read RECYCLED_SUPPLY = recycled_supply() -> Float,
        "Recycled material sold since the start, t.";
    read GRADE_SUPPLY = grade_supply(grade: Grade) -> Float,
        "Magnets of `grade` supplied since the start (recycled, domestic, imported, from stocks), t.";
    read COMPLIANT_SUPPLY = compliant_supply(sector: Sector) -> Float,
        "Supply to `sector` under its origin requirement (`require_origin`) since the start, t.";

    act RESTRICT_IMPORTS_FOR = restrict_imports(
            origin: Origin, items: Items, share: Number(SHARE), from: Date, duration: Duration),
        "From `from`, for `duration`, supply from `origin` is `share` of baseline on the grades `items` reach: \"magnets\" all, a grade by name, an element such as \"Dy\" the grades whose composition carries it (at least 0.1 wt%); overlapping restrictions multiply.";
    act RESTRICT_IMPORTS = restrict_imports(
            origin: Origin, items: Items, share: Number(SHARE), from: Date),
        "As above, with no end.";
    act SET_IMPORT_SHARE = set_import_share(origin: Origin, share: Number(BASELINE_SHARE)),
        "From now on, `origin`'s base supply is `share` of baseline (restrictions still multiply it).";
    act SET_IMPORT_SHARE_FROM = set_import_share(
            origin: Origin, share: Number(BASELINE_SHARE), from: Date),
        "As above, from `from`.";
    act SET_IMPORT_RATIO = set_import_ratio(
            origin: Origin, ratio: Number(LEVEL_RATIO), from: Date),
        "From `from`, `origin` supplies `ratio` times its level at the calendar start (its `t_per_year`), flat whatever its growth; restrictions still multiply it; `set_import_share` returns it to its projection.";
    act RELEASE_STOCKPILE = release_stockpile(tonnes: Number(TONNES), from: Date),
        "From `from`, up to `tonnes` of the strategic stockpile serve demand the market cannot otherwise meet (in the sectors the stockpile serves); releases add up.";
    act DELAY_COMMISSIONING = delay_commissioning(node: Node, delay: Duration)
        nodes ["hpms", "oxide_plant", "producer"],
        "Moves a plant's commissioning later by `delay` (\"18 months\"); it must not have happened.";
    act SET_COMMISSIONING = set_commissioning(node: Node, date: Date)
        nodes ["hpms", "oxide_plant", "producer"],
        "Moves a plant's commissioning to `date`.";
    act OUTAGE = outage(node: Node, from: Date, duration: Duration)
        nodes ["preprocessor", "station", "hpms", "oxide_plant", "producer"],
        "Takes a preprocessor, station, HPMS plant, oxide plant or magnet producer down from `from` for `duration`; jobs in progress resume after.";
    act ADD_CAPACITY = add_capacity(node: Node, count: Count(SERVER_COUNT), from: Date)
        nodes ["preprocessor", "station", "hpms", "producer"],
        "Adds `count` lines, vessels or servers from `from` (a producer: lines of its `line_t_per_year`).";
    act REMOVE_CAPACITY = remove_capacity(node: Node, count: Count(SERVER_COUNT), from: Date)
        nodes ["preprocessor", "station", "hpms", "producer"],
        "Retires `count` lines, vessels or servers from `from` (a job in progress finishes; a producer: lines of its `line_t_per_year`).";
    act SET_SOURCE_RATE = set_source_rate(node: Node, multiplier: Number(MULTIPLIER), from: Date)
        nodes ["hdd_source", "scrap_source", "source"],
        "From `from`, a source's rate is `multiplier` times its modelled rate (above 0).";
    act SURGE = surge(node: Node, multiplier: Number(MULTIPLIER), from: Date, duration: Duration)
        nodes ["hdd_source", "scrap_source", "source"],
        "A source's rate times `multiplier` from `from` for `duration` (a refresh-cycle surge), then back to 1.";
    act SET_TRANSIT = set_transit(
            link: Link, multiplier: Number(MULTIPLIER), from: Date, duration: Duration),
        "A link's transit times times `multiplier` from `from` for `duration` (a route disruption), then back to 1.";
    act SET_COST = set_cost(link: Link, usd_per_mile: Number(COST_PER_MILE), from: Date),
        "A link's cost per truck-mile from `from`.";
    act SET_DEMAND = set_demand(sector: Sector, multiplier: Number(DEMAND_MULTIPLIER), from: Date),
        "One sector's demand times `multiplier` from `from`.";
    act SET_YIELD = set_yield(node: Node, which: Yield, value: Number(YIELD_SHARE), from: Date)
        nodes ["preprocessor", "hpms", "oxide_plant"],
        "Sets a yield from `from`: \"recovery\" (preprocessor), \"extraction\" or \"unsuitable\" (HPMS), or an element such as \"Nd\" (oxide plant recovery).";
    act SET_SHARES = set_shares(node: Node, shares: Shares),
        "Now, splits a node's output over its links: #{link_id: share, ...}; the shares of one output must add up to 1.";
    act EXCLUDE_ORIGIN = exclude_origin(sector: Sector, origin: Origin, from: Date),
        "From `from`, `sector` may not be supplied from `origin` (e.g. defence without Chinese content).";
    act REQUIRE_ORIGIN = require_origin(sector: Sector, stage: Stage, origin: Tag, from: Date),
        "From `from`, `sector` takes only material with no content from `origin` at `stage` or any later stage (mine, oxide, magnet): imports by their origin's chain, recycled and domestic magnets by their origin tags.";

    mark NOTE = note(text: Text),
        "Puts a labelled marker into shocks.parquet at the current date.";
}

/// The model's names a script may use, and the checks on them that the run and `validate`
/// share.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub node_ids: Vec<String>,
    pub node_kinds: Vec<&'static str>,
    pub link_ids: Vec<String>,
    /// Per link: (from node, port).
    pub link_from: Vec<(NodeId, usize)>,
    pub origins: Vec<String>,
    pub sectors: Vec<String>,
    pub elements: Vec<String>,
    /// Magnet grades of the markets, and the elements some grade carries.
    pub grades: Vec<String>,
    pub carried: Vec<String>,
    /// Origins of the model's origin tags.
    pub tags: Vec<String>,
    /// Some market has a strategic stockpile.
    pub has_stockpile: bool,
}

impl Names {
    pub fn new(model: &Model) -> Self {
        let mut origins = Vec::new();
        let mut sectors = Vec::new();
        let mut has_stockpile = false;
        let mut grades: Vec<String> = Vec::new();
        let mut carried: Vec<String> = Vec::new();
        for n in &model.nodes {
            if let NodeKind::Market(m) = &n.kind {
                has_stockpile |= m.stockpile.is_some();
                for g in &m.grades {
                    if !grades.contains(&g.name) {
                        grades.push(g.name.clone());
                    }
                    let symbols = model.elements.iter().map(String::as_str);
                    let all = RARE_EARTHS.iter().copied();
                    for e in symbols.chain(all) {
                        if g.carries(e) && !carried.iter().any(|c| c == e) {
                            carried.push(e.to_string());
                        }
                    }
                }
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
        }
        Names {
            node_ids: model.nodes.iter().map(|n| n.id.clone()).collect(),
            node_kinds: model.nodes.iter().map(|n| n.kind.name()).collect(),
            link_ids: model.links.iter().map(|l| l.id.clone()).collect(),
            link_from: model.links.iter().map(|l| (l.from, l.port)).collect(),
            origins,
            sectors,
            elements: model.elements.clone(),
            grades,
            carried,
            tags: model.origins.clone(),
            has_stockpile,
        }
    }

    /// Whether the model has a stockpile to release.
    pub fn stockpile(&self) -> Result<(), String> {
        if self.has_stockpile {
            Ok(())
        } else {
            Err("the model has no strategic stockpile to release: add `stockpile:` to a market (models/README.md)".into())
        }
    }

    pub fn node(&self, name: &str) -> Result<NodeId, String> {
        self.node_ids
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| unknown("node", name, &self.node_ids))
    }

    pub fn link(&self, name: &str) -> Result<LinkId, String> {
        self.link_ids
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| unknown("link", name, &self.link_ids))
    }

    pub fn origin(&self, name: &str) -> Result<String, String> {
        if self.origins.iter().any(|o| o == name) {
            Ok(name.to_string())
        } else {
            Err(unknown("import origin", name, &self.origins))
        }
    }

    pub fn sector(&self, name: &str) -> Result<String, String> {
        if self.sectors.iter().any(|o| o == name) {
            Ok(name.to_string())
        } else {
            Err(unknown("demand sector", name, &self.sectors))
        }
    }

    /// Whether node `n` is of a kind `f` applies to.
    pub fn node_for(&self, n: NodeId, f: &ApiFn) -> Result<(), String> {
        let kind = self.node_kinds[n];
        if f.node_kinds.is_empty() || f.node_kinds.contains(&kind) {
            Ok(())
        } else {
            Err(format!(
                "`{}` is {} {kind}; {} applies to {}",
                self.node_ids[n],
                article(kind),
                f.name,
                f.node_kinds.join(" or ")
            ))
        }
    }

    pub fn grade(&self, name: &str) -> Result<String, String> {
        if self.grades.iter().any(|o| o == name) {
            Ok(name.to_string())
        } else {
            Err(unknown("magnet grade", name, &self.grades))
        }
    }

    pub fn stage(&self, name: &str) -> Result<crate::sim::mass::Stage, String> {
        crate::sim::mass::Stage::parse(name).ok_or_else(|| {
            let known: Vec<String> = crate::sim::mass::Stage::NAMES.map(String::from).into();
            unknown("stage", name, &known)
        })
    }

    pub fn tag(&self, name: &str) -> Result<String, String> {
        if self.tags.iter().any(|o| o == name) {
            Ok(name.to_string())
        } else {
            Err(unknown(
                "origin (of the model's origin tags)",
                name,
                &self.tags,
            ))
        }
    }

    /// Why a restriction of `items` would change nothing, if it would: it names no grade,
    /// not "magnets", and no element any grade carries.
    pub fn restriction_changes_nothing(&self, items: &[String]) -> Option<String> {
        let applies = items
            .iter()
            .any(|n| n == "magnets" || self.grades.contains(n) || self.carried.contains(n));
        (!applies).then(|| {
            format!(
                "restricting {items:?} would change nothing: no magnet grade of the market carries {} (at least 0.1 wt%); name \"magnets\", a grade ({}) or an element a grade carries ({})",
                if items.len() == 1 { "it" } else { "them" },
                self.grades.join(", "),
                self.carried.join(", ")
            )
        })
    }

    /// One item of a `restrict_imports` list.
    pub fn item(&self, name: &str) -> Result<(), String> {
        let known = name == "magnets"
            || self.grades.iter().any(|g| g == name)
            || self.elements.iter().any(|e| e == name)
            || RARE_EARTHS.contains(&name);
        if known {
            Ok(())
        } else {
            Err(format!(
                "unknown item `{name}`: use rare-earth element symbols (\"Dy\", \"Tb\", \"Sm\", ...), a magnet grade ({}) or \"magnets\"",
                self.grades.join(", ")
            ))
        }
    }

    /// The yield `which` of node `n`.
    pub fn yield_of(&self, n: NodeId, which: &str) -> Result<YieldKind, String> {
        match (self.node_kinds[n], which) {
            ("preprocessor", "recovery") => Ok(YieldKind::Recovery),
            ("hpms", "extraction") => Ok(YieldKind::Extraction),
            ("hpms", "unsuitable") => Ok(YieldKind::Unsuitable),
            ("oxide_plant", el) if self.elements.iter().any(|e| e == el) => Ok(YieldKind::Element(
                self.elements.iter().position(|e| e == el).unwrap_or(0),
            )),
            (k, _) => Err(format!(
                "`{which}` is not a yield of a {k}: a preprocessor has \"recovery\", an HPMS plant \"extraction\" and \"unsuitable\", an oxide plant one per element (\"Nd\", ...)"
            )),
        }
    }

    /// Link `l` of a `set_shares` map for node `n`: it must leave `n`.
    pub fn share_link(&self, n: NodeId, name: &str) -> Result<(LinkId, usize), String> {
        let l = self.link(name)?;
        let (from, port) = self.link_from[l];
        if from != n {
            return Err(format!(
                "link `{name}` does not leave `{}`",
                self.node_ids[n]
            ));
        }
        Ok((l, port))
    }
}

/// The message for a note that is too long, if it is.
pub fn note_text(text: &str) -> Result<(), String> {
    if text.len() > MAX_NOTE_LEN {
        Err("a note is at most 1,000 characters".into())
    } else {
        Ok(())
    }
}

/// "unknown node `x` (did you mean `y`?)".
fn unknown(what: &str, name: &str, known: &[String]) -> String {
    let refs: Vec<&str> = known.iter().map(String::as_str).collect();
    match crate::model::suggest(name, &refs) {
        Some(s) => format!("unknown {what} `{name}` (did you mean `{s}`?)"),
        None => format!("unknown {what} `{name}`; known: {}", refs.join(", ")),
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u', 'h']) {
        "an"
    } else {
        "a"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_made_from_the_parameters() {
        assert_eq!(
            RESTRICT_IMPORTS_FOR.signature,
            "restrict_imports(origin: string, items: array, share: float, from: string, duration: string)"
        );
        assert_eq!(
            ADD_CAPACITY.signature,
            "add_capacity(node: string, count: int, from: string)"
        );
        assert_eq!(CAPACITY.signature, "capacity(node: string) -> int");
        assert_eq!(DATE.signature, "date() -> string");
        assert_eq!(AT.signature, "at(date: string, f: fn())");
        assert_eq!(
            OUTAGE.params_info(),
            ["node: &str", "from: &str", "duration: &str", "()"]
        );
    }

    #[test]
    fn each_name_and_arity_is_one_entry_and_overloads_differ_in_arity() {
        for f in API {
            let same: Vec<_> = API
                .iter()
                .filter(|g| g.name == f.name && g.params.len() == f.params.len())
                .collect();
            assert_eq!(same.len(), 1, "{} has two entries", f.signature);
            assert_eq!(lookup(f.name, f.params.len()), Some(f));
            assert!(
                f.signature.starts_with(&format!("{}(", f.name)),
                "{}",
                f.signature
            );
            // A function with allowed node kinds takes a node.
            if !f.node_kinds.is_empty() {
                assert!(f.params.iter().any(|p| p.kind == Kind::Node), "{}", f.name);
            }
        }
        assert_eq!(lookup("every", 1), None);
    }

    #[test]
    fn ranges_refuse_nan_infinity_and_their_bounds_as_they_say() {
        assert_eq!(SHARE.check(0.0), Ok(0.0));
        assert_eq!(SHARE.check(1.0), Ok(1.0));
        assert_eq!(
            BASELINE_SHARE.check(f64::NAN).unwrap_err(),
            "share must be from 0 to 10 (1 = baseline), found NaN"
        );
        assert_eq!(
            MULTIPLIER.check(0.0).unwrap_err(),
            "a multiplier must be above 0 and at most 1000, found 0"
        );
        assert!(MULTIPLIER.check(f64::INFINITY).is_err());
        assert_eq!(
            SERVER_COUNT.check_int(0).unwrap_err(),
            "count must be from 1 to 1000, found 0"
        );
        assert_eq!(
            SHARE.check_as("the share of `x`", 2.0).unwrap_err(),
            "the share of `x` must be from 0 to 1, found 2"
        );
    }
}
