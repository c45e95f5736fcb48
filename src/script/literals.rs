//! `validate`'s check of literal arguments: a walk of each script's syntax tree, closures
//! and functions included, that checks every literal argument of an API call against the
//! model by the kind the API table gives it (names with did-you-mean, node kinds, dates,
//! durations, numbers, items, share maps), before any closure has run.

use rhai::{ASTNode, Expr, FnCallExpr, OptimizationLevel, Position, Stmt};

use crate::error::Result;
use crate::model::{Model, NodeId};
use crate::script::api::{self, ApiFn, Kind, Names};
use crate::script::when::{Calendar, parse_period, parse_span};
use crate::script::{Script, engine, pos_of, script_error};

/// The first (in the text) literal argument that cannot be right, as a script error with
/// its place and no date (nothing ran).
pub(crate) fn check(model: &Model, s: &Script) -> Result<()> {
    let cx = Cx {
        names: Names::new(model),
        cal: Calendar {
            start: model.start,
            horizon: model.horizon,
        },
        lines: s.text.lines().collect(),
        problems: Vec::new(),
    };
    // Compiled again without optimisation: the optimiser folds `"dfw_" + "hmps"` into a
    // literal the script never wrote, and inlines constants.
    let mut e = engine();
    e.set_optimization_level(OptimizationLevel::None);
    let Ok(ast) = e.compile(&s.text) else {
        return Ok(());
    };
    // A script's own function of an API name and arity is called instead of the API's.
    let own: Vec<(String, usize)> = ast
        .iter_functions()
        .map(|f| (f.name.to_string(), f.params.len()))
        .collect();
    let mut cx = cx;
    ast.walk(&mut |path: &[ASTNode]| {
        let call = match path.last() {
            Some(ASTNode::Stmt(Stmt::FnCall(call, _)) | ASTNode::Expr(Expr::FnCall(call, _))) => {
                Some((&**call, None))
            }
            // `"reno_nv".inventory()`: the object is the first argument.
            Some(ASTNode::Expr(Expr::Dot(x, _, _))) => match &x.rhs {
                Expr::MethodCall(call, _) => Some((&**call, Some(&x.lhs))),
                _ => None,
            },
            _ => None,
        };
        if let Some((call, object)) = call {
            let args: Vec<&Expr> = object.into_iter().chain(call.args.iter()).collect();
            if let Some(f) = api_call(call, args.len(), &own) {
                cx.call(f, &args);
            }
        }
        true
    });
    match cx.problems.into_iter().min_by_key(|p| p.0) {
        Some((at, message)) => Err(script_error(&s.file, &s.text, Some(at), None, message)),
        None => Ok(()),
    }
}

/// The API function a call reaches, if any.
fn api_call(call: &FnCallExpr, arity: usize, own: &[(String, usize)]) -> Option<&'static ApiFn> {
    if call.is_qualified() || call.is_operator_call() {
        return None;
    }
    let name = call.name.as_str();
    if own.iter().any(|(n, a)| n == name && *a == arity) {
        return None;
    }
    api::lookup(name, arity)
}

struct Cx<'a> {
    names: Names,
    cal: Calendar,
    lines: Vec<&'a str>,
    problems: Vec<((usize, usize), String)>,
}

impl Cx<'_> {
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

    fn problem(&mut self, pos: Position, r: std::result::Result<(), String>) {
        if let Err(m) = r {
            let at = self.place(pos);
            self.problems.push((at, m));
        }
    }

    fn call(&mut self, f: &'static ApiFn, args: &[&Expr]) {
        let mut node: Option<NodeId> = None;
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
                    self.problem(*pos, r.check_int(*v).map(|_| ()));
                }
                (Kind::Items, Expr::Array(items, pos)) => self.items(items, *pos),
                (Kind::Shares, Expr::Map(m, _)) => {
                    for (key, value) in &m.0 {
                        if let Some(n) = node {
                            let r = self.names.share_link(n, &key.name).map(|_| ());
                            self.problem(key.pos, r);
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
    }

    fn items(&mut self, items: &[Expr], pos: Position) {
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
