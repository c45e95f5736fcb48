//! `validate`'s check of literal arguments: a walk of each script's syntax tree, closures
//! and functions included, that checks every literal argument of an API call against the
//! model by the kind the API table gives it (names with did-you-mean, node kinds, dates,
//! durations, numbers, items, share maps), before any closure has run.

use rhai::{ASTNode, Expr, FnCallExpr, OptimizationLevel, Position, Stmt};

use crate::error::ScriptError;
use crate::model::{Model, NodeId};
use crate::script::api::{self, ApiFn, Kind, Names, Returns};
use crate::script::explain::{self, Known, Said, Ty};
use crate::script::when::{Calendar, parse_period, parse_span};
use crate::script::{Script, engine, pos_of, said_problem};

/// What the static check found in one script: problems (exit 2) and warnings, each with its
/// place and no date (nothing ran), in the order of the text.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub problems: Vec<ScriptError>,
    pub warnings: Vec<ScriptError>,
}

/// Every call in `s` that cannot be right: unknown functions, API calls with the wrong
/// number or types of literal arguments, and literal arguments the model refuses.
/// `capacity` is each node's lines, vessels or servers at the start.
pub(crate) fn check(model: &Model, s: &Script, capacity: &[i64]) -> Found {
    // Compiled again without optimisation: the optimiser folds `"dfw_" + "hmps"` into a
    // literal the script never wrote, and inlines constants.
    let mut e = engine();
    e.set_optimization_level(OptimizationLevel::None);
    let Ok(ast) = e.compile(&s.text) else {
        return Found::default();
    };
    let known = Known::new(&crate::script::documentation_engine(), &ast, &s.text);
    // A script's own function of an API name and arity is called instead of the API's.
    let own: Vec<(String, usize)> = ast
        .iter_functions()
        .map(|f| (f.name.to_string(), f.params.len()))
        .collect();
    let mut cx = Cx {
        names: Names::new(model),
        cal: Calendar {
            start: model.start,
            horizon: model.horizon,
        },
        lines: s.text.lines().collect(),
        problems: Vec::new(),
        warnings: Vec::new(),
        capacity,
        added_to: Vec::new(),
    };
    // Nodes the script adds capacity to anywhere: removing more than the model has may be
    // meant for lines added first.
    let mut added: Vec<String> = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some((call, object, _)) = call_of(path)
            && call.name.as_str() == api::ADD_CAPACITY.name
            && let Some(Expr::StringConstant(n, _)) = object.or_else(|| call.args.first())
        {
            added.push(n.to_string());
        }
        true
    });
    cx.added_to = added.iter().filter_map(|n| cx.names.node(n).ok()).collect();
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some((call, object, pos)) = call_of(path) {
            cx.check_call(call, object, pos, &own, &known);
        }
        true
    });
    let mut found = Found::default();
    cx.problems.sort_by_key(|p| p.0);
    cx.warnings.sort_by_key(|p| p.0);
    for (at, said) in cx.problems {
        found
            .problems
            .push(said_problem(&s.file, &s.text, Some(at), None, said));
    }
    for (at, said) in cx.warnings {
        found
            .warnings
            .push(said_problem(&s.file, &s.text, Some(at), None, said));
    }
    found
}

/// The function call a walk has reached, if it is one: the call, the object of a method
/// call (its first argument) and the call's place.
fn call_of<'a>(path: &[ASTNode<'a>]) -> Option<(&'a FnCallExpr, Option<&'a Expr>, Position)> {
    match path.last() {
        Some(ASTNode::Stmt(Stmt::FnCall(call, pos)) | ASTNode::Expr(Expr::FnCall(call, pos))) => {
            Some((&**call, None, *pos))
        }
        // `"reno_nv".inventory()`: the object is the first argument.
        Some(ASTNode::Expr(Expr::Dot(x, _, _))) => match &x.rhs {
            Expr::MethodCall(call, pos) => Some((&**call, Some(&x.lhs), *pos)),
            _ => None,
        },
        _ => None,
    }
}

/// The type of an argument when the text shows it: a literal, a closure, an API read, or
/// arithmetic on literals (an unquoted date `2026-03-01` is an integer).
fn type_of(e: &Expr) -> Option<Ty> {
    Some(match e {
        Expr::StringConstant(..) | Expr::InterpolatedString(..) => Ty::Str,
        Expr::IntegerConstant(..) => Ty::Int,
        Expr::FloatConstant(..) => Ty::Float,
        Expr::BoolConstant(..) => Ty::Bool,
        Expr::CharConstant(..) => Ty::Char,
        Expr::Unit(..) => Ty::Unit,
        Expr::Array(..) => Ty::Array,
        Expr::Map(..) => Ty::Map,
        Expr::DynamicConstant(d, _) => {
            if d.is_fnptr() {
                Ty::Fn
            } else if d.is_array() {
                Ty::Array
            } else if d.is_map() {
                Ty::Map
            } else if d.is_string() {
                Ty::Str
            } else if d.is_int() {
                Ty::Int
            } else if d.is_float() {
                Ty::Float
            } else {
                return None;
            }
        }
        Expr::FnCall(call, _) => {
            let name = call.name.as_str();
            if name == "curry" || name == "Fn" {
                return Some(Ty::Fn);
            }
            if call.is_operator_call() || matches!(name, "+" | "-" | "*" | "/" | "%") {
                let types: Vec<Option<Ty>> = call.args.iter().map(type_of).collect();
                if matches!(name, "-" | "*" | "/" | "%" | "+")
                    && types.iter().all(|t| matches!(t, Some(Ty::Int)))
                {
                    return Some(Ty::Int);
                }
                if matches!(name, "-" | "*" | "/" | "%" | "+")
                    && types.iter().all(|t| matches!(t, Some(Ty::Int | Ty::Float)))
                {
                    return Some(Ty::Float);
                }
                if name == "+" && types.contains(&Some(Ty::Str)) {
                    return Some(Ty::Str);
                }
                return None;
            }
            match api::API
                .iter()
                .find(|f| f.name == name && f.params.len() == call.args.len())
            {
                Some(f) => match f.returns {
                    Returns::Nothing => Ty::Unit,
                    Returns::Float => Ty::Float,
                    Returns::Int => Ty::Int,
                    Returns::Bool => Ty::Bool,
                    Returns::Text => Ty::Str,
                },
                None => return None,
            }
        }
        _ => return None,
    })
}

struct Cx<'a> {
    names: Names,
    cal: Calendar,
    lines: Vec<&'a str>,
    problems: Vec<((usize, usize), Said)>,
    warnings: Vec<((usize, usize), Said)>,
    /// Per node: lines, vessels or servers at the start.
    capacity: &'a [i64],
    /// Nodes the script adds capacity to somewhere.
    added_to: Vec<NodeId>,
}

impl Cx<'_> {
    /// One call: an unknown function, an API function with arguments of the wrong number
    /// or types, or the API's checks of its literal arguments.
    fn check_call(
        &mut self,
        call: &FnCallExpr,
        object: Option<&Expr>,
        pos: Position,
        own: &[(String, usize)],
        known: &Known,
    ) {
        if call.is_qualified() || call.is_operator_call() {
            return;
        }
        let name = call.name.as_str();
        if !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            return;
        }
        let args: Vec<&Expr> = object.into_iter().chain(call.args.iter()).collect();
        if own.iter().any(|(n, a)| n == name && *a == args.len()) {
            return;
        }
        let types: Vec<Option<Ty>> = args.iter().map(|a| type_of(a)).collect();
        let line = pos_of(pos).and_then(|(l, _)| self.lines.get(l.wrapping_sub(1)).copied());
        let at = pos_of(pos).unwrap_or((1, 1));
        match api::lookup(name, args.len()) {
            Some(f) => {
                let wrong_type = f
                    .params
                    .iter()
                    .zip(&types)
                    .any(|(p, t)| t.as_ref().is_some_and(|t| !explain::fits(p.kind, t)));
                if wrong_type {
                    self.problems
                        .push((at, explain::call(name, &types, known, line)));
                } else {
                    self.call(f, &args);
                }
            }
            None => {
                let api_name = api::API.iter().any(|f| f.name == name);
                let own_name = own.iter().any(|(n, _)| n == name);
                let builtin = known.is_builtin(name);
                if api_name || (own_name && !builtin) || !known.is_function(name) {
                    self.problems
                        .push((at, explain::call(name, &types, known, line)));
                }
            }
        }
    }

    /// Where a literal starts: a string's first character inside its quotes.
    fn place(&self, pos: Position) -> (usize, usize) {
        let (line, col) = pos_of(pos).unwrap_or((1, 1));
        let opens = self
            .lines
            .get(line.wrapping_sub(1))
            .and_then(|l| l.chars().nth(col.wrapping_sub(1)))
            .is_some_and(|c| c == '"' || c == '`');
        (line, if opens { col + 1 } else { col })
    }

    fn problem(&mut self, pos: Position, r: Result<(), String>) {
        if let Err(m) = r {
            let at = self.place(pos);
            self.problems.push((at, Said::new(m, None)));
        }
    }

    fn call(&mut self, f: &'static ApiFn, args: &[&Expr]) {
        let mut node: Option<NodeId> = None;
        let mut count: Option<(i64, Position)> = None;
        for (p, arg) in f.params.iter().zip(args) {
            match (p.kind, arg) {
                (Kind::Node, Expr::StringConstant(s, pos)) => match self.names.node(s) {
                    Ok(n) => {
                        node = Some(n);
                        let r = self.names.node_for(n, f);
                        self.problem(*pos, r);
                    }
                    Err(m) => self.problem(*pos, Err(m)),
                },
                (Kind::Link, Expr::StringConstant(s, pos)) => {
                    let r = self.names.link(s).map(|_| ());
                    self.problem(*pos, r);
                }
                (Kind::Origin, Expr::StringConstant(s, pos)) => {
                    let r = self.names.origin(s).map(|_| ());
                    self.problem(*pos, r);
                }
                (Kind::Sector, Expr::StringConstant(s, pos)) => {
                    let r = self.names.sector(s).map(|_| ());
                    self.problem(*pos, r);
                }
                (Kind::Grade, Expr::StringConstant(s, pos)) => {
                    let r = self.names.grade(s).map(|_| ());
                    self.problem(*pos, r);
                }
                (Kind::Stage, Expr::StringConstant(s, pos)) => {
                    let r = self.names.stage(s).map(|_| ());
                    self.problem(*pos, r);
                }
                (Kind::Tag, Expr::StringConstant(s, pos)) => {
                    let r = self.names.tag(s).map(|_| ());
                    self.problem(*pos, r);
                }
                (Kind::Date, Expr::StringConstant(s, pos)) => {
                    let r = self.cal.at(s).map(|_| ());
                    self.problem(*pos, r);
                }
                (Kind::Duration, Expr::StringConstant(s, pos)) => {
                    self.problem(*pos, parse_span(s).map(|_| ()));
                }
                (Kind::Period, Expr::StringConstant(s, pos)) => {
                    self.problem(*pos, parse_period(s).map(|_| ()));
                }
                (Kind::Number(r), Expr::FloatConstant(v, pos)) => {
                    self.problem(*pos, r.check(**v).map(|_| ()));
                }
                (Kind::Number(r), Expr::IntegerConstant(v, pos)) => {
                    self.problem(*pos, r.check(*v as f64).map(|_| ()));
                }
                (Kind::Count(r), Expr::IntegerConstant(v, pos)) => {
                    count = Some((*v, *pos));
                    self.problem(*pos, r.check_int(*v).map(|_| ()));
                }
                (Kind::Items, Expr::Array(items, pos)) => self.items(items, *pos),
                (Kind::Shares, Expr::Map(m, pos)) => {
                    if m.0.is_empty() {
                        self.problem(*pos, Err("name at least one link".into()));
                    }
                    // (link, output port, share when written as a number)
                    let mut named = Vec::new();
                    for (key, value) in &m.0 {
                        let share = match value {
                            Expr::FloatConstant(v, _) => Some(**v),
                            Expr::IntegerConstant(v, _) => Some(*v as f64),
                            _ => None,
                        };
                        if let Some(n) = node {
                            let r = self.names.share_link(n, &key.name);
                            if let Ok((l, port)) = r {
                                named.push((l, port, share));
                            }
                            self.problem(key.pos, r.map(|_| ()));
                        } else {
                            let r = self.names.link(&key.name).map(|_| ());
                            self.problem(key.pos, r);
                        }
                        let what = format!("the share of `{}`", key.name);
                        let v = match value {
                            Expr::FloatConstant(v, pos) => Some((**v, *pos)),
                            Expr::IntegerConstant(v, pos) => Some((*v as f64, *pos)),
                            _ => None,
                        };
                        if let Some((v, pos)) = v {
                            self.problem(pos, api::SHARE.check_as(&what, v).map(|_| ()));
                        }
                    }
                    if let Some(n) = node
                        && named.len() == m.0.len()
                    {
                        let r = self.shares_total(n, &named);
                        self.problem(*pos, r);
                    }
                }
                (Kind::Yield, Expr::StringConstant(s, pos)) => {
                    if let Some(n) = node {
                        let r = self.names.yield_of(n, s).map(|_| ());
                        self.problem(*pos, r);
                    }
                }
                (Kind::Text, Expr::StringConstant(s, pos)) => {
                    self.problem(*pos, api::note_text(s));
                }
                _ => {}
            }
        }
        if f.name == api::REMOVE_CAPACITY.name
            && let (Some(n), Some((c, pos))) = (node, count)
            && !self.added_to.contains(&n)
            && let Some(w) = crate::sim::policy::capacity_warning(
                &self.names.node_ids[n],
                self.names.node_kinds[n],
                c,
                self.capacity.get(n).copied().unwrap_or(0),
                "in the model",
            )
        {
            let at = self.place(pos);
            self.warnings.push((at, Said::new(w, None)));
        }
    }

    /// A literal `set_shares` map with all its links known: one output, and shares that add
    /// up to 1 when every link of that output is named (at most 1 when some are not: the
    /// others keep their share, unknown before the run, and shares are never negative).
    fn shares_total(
        &self,
        n: NodeId,
        named: &[(crate::model::LinkId, usize, Option<f64>)],
    ) -> Result<(), String> {
        let Some(&(_, port, _)) = named.first() else {
            return Ok(());
        };
        if named.iter().any(|x| x.1 != port) {
            return Err("set the shares of one output at a time".into());
        }
        let Some(total) = named.iter().map(|x| x.2).sum::<Option<f64>>() else {
            return Ok(());
        };
        let of_port = (0..self.names.link_ids.len())
            .filter(|&l| self.names.link_from[l] == (n, port))
            .count();
        let node = &self.names.node_ids[n];
        if named.len() == of_port && (total - 1.0).abs() > 1e-9 {
            return Err(format!(
                "the shares of the links leaving `{node}` would add up to {total}, not 1"
            ));
        }
        if total > 1.0 + 1e-9 {
            return Err(format!(
                "the shares of the links leaving `{node}` would add up to more than 1 ({total} for the links named)"
            ));
        }
        Ok(())
    }

    fn items(&mut self, items: &[Expr], pos: Position) {
        let written: Option<Vec<String>> = items
            .iter()
            .map(|i| match i {
                Expr::StringConstant(s, _) => Some(s.to_string()),
                _ => None,
            })
            .collect();
        if let Some(written) = written
            && !written.is_empty()
            && written.iter().all(|s| self.names.item(s).is_ok())
            && let Some(m) = self.names.restriction_changes_nothing(&written)
        {
            self.problem(pos, Err(m));
        }
        if items.is_empty() {
            self.problem(
                pos,
                Err("name at least one restricted item, e.g. [\"magnets\"]".into()),
            );
        }
        for item in items {
            match item {
                Expr::StringConstant(s, pos) => {
                    let r = self.names.item(s);
                    self.problem(*pos, r);
                }
                Expr::IntegerConstant(_, pos)
                | Expr::FloatConstant(_, pos)
                | Expr::BoolConstant(_, pos)
                | Expr::CharConstant(_, pos) => self.problem(
                    *pos,
                    Err("items must be strings, e.g. [\"Dy\", \"Tb\", \"magnets\"]".into()),
                ),
                _ => {}
            }
        }
    }
}
