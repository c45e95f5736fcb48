//! The script API's implementations, each registered against its entry of the table in
//! `api.rs` (name, parameter names and types, documentation come from there; a unit test
//! checks that every entry is registered once, with the types its kinds say).

use std::sync::{Arc, Mutex, MutexGuard};

use rhai::{
    Array, Dynamic, Engine, EvalAltResult, FnPtr, FuncRegistration, Map, NativeCallContext,
    RhaiNativeFunc, Variant,
};

use crate::kernel::SimTime;
use crate::model::{LinkId, NodeId};
use crate::script::api::{self, ApiFn, Range};
use crate::script::when::{Span, parse_period, parse_span};
use crate::script::{Bridge, NewHook};
use crate::sim::policy::{Action, ShockRow};

type Res<T> = Result<T, Box<EvalAltResult>>;

fn fail<T>(ctx: &NativeCallContext, msg: impl Into<String>) -> Res<T> {
    Err(EvalAltResult::ErrorRuntime(msg.into().into(), ctx.call_position()).into())
}

/// A check's message as a runtime error at the call.
fn at_call<T>(ctx: &NativeCallContext, r: Result<T, String>) -> Res<T> {
    r.or_else(|e| fail(ctx, e))
}

fn lock(b: &Arc<Mutex<Bridge>>) -> MutexGuard<'_, Bridge> {
    b.lock().unwrap_or_else(|e| e.into_inner())
}

/// One row of a shock log, from the calling context.
fn row(
    b: &Bridge,
    ctx: &NativeCallContext,
    action: &str,
    effective: SimTime,
    args: String,
) -> ShockRow {
    let pos = ctx.call_position();
    ShockRow {
        time_s: b.now,
        effective_s: effective,
        script: b.script_name(),
        line: pos.line().map(|l| l as u32),
        action: action.to_string(),
        arguments: args,
    }
}

impl Bridge {
    /// A node `f` may act on.
    fn node(&self, ctx: &NativeCallContext, f: &ApiFn, name: &str) -> Res<NodeId> {
        let n = at_call(ctx, self.names.node(name))?;
        at_call(ctx, self.names.node_for(n, f))?;
        Ok(n)
    }

    fn link(&self, ctx: &NativeCallContext, name: &str) -> Res<LinkId> {
        at_call(ctx, self.names.link(name))
    }

    fn origin(&self, ctx: &NativeCallContext, name: &str) -> Res<String> {
        at_call(ctx, self.names.origin(name))
    }

    fn sector(&self, ctx: &NativeCallContext, name: &str) -> Res<String> {
        at_call(ctx, self.names.sector(name))
    }

    /// A date inside the run and not before the current simulated date.
    fn date(&self, ctx: &NativeCallContext, text: &str) -> Res<SimTime> {
        let t = at_call(ctx, self.cal.at(text))?;
        if t < self.now {
            return fail(
                ctx,
                format!(
                    "{text} is before the current simulated date {}; a policy cannot act in the past",
                    self.cal.label(self.now)
                ),
            );
        }
        Ok(t)
    }

    fn span(&self, ctx: &NativeCallContext, text: &str) -> Res<Span> {
        at_call(ctx, parse_span(text))
    }

    fn act(&mut self, at: SimTime, action: Action, row: ShockRow) {
        self.requests.push((at, action, row));
    }

    /// A hook for the policy to add after this call.
    fn hook(&mut self, ctx: &NativeCallContext, at: SimTime, period: Option<Span>, f: FnPtr) {
        let script = self.script;
        self.new_hooks.push(NewHook {
            at,
            period,
            on_record: false,
            f,
            script,
            line: super::pos_of(ctx.call_position()),
        });
    }
}

/// A number argument: scripts may write `2` or `2.0`.
fn number(ctx: &NativeCallContext, range: &Range, v: &Dynamic) -> Res<f64> {
    number_as(ctx, range, range.what, v)
}

fn number_as(ctx: &NativeCallContext, range: &Range, what: &str, v: &Dynamic) -> Res<f64> {
    let v = v
        .as_float()
        .or_else(|_| v.as_int().map(|i| i as f64))
        .or_else(|_| {
            fail(
                ctx,
                format!("{what} must be a number, found {}", v.type_name()),
            )
        })?;
    at_call(ctx, range.check_as(what, v))
}

/// The range of `f`'s number argument `i`.
fn range_of(f: &ApiFn, i: usize) -> Range {
    match f.params.get(i).map(|p| p.kind) {
        Some(api::Kind::Number(r) | api::Kind::Count(r)) => r,
        _ => api::SHARE,
    }
}

/// Registers `func` as the API function `f`, with `f`'s name, parameter names and types and
/// documentation. A closure whose arity or argument types differ from `f`'s kinds is
/// recorded in `problems` (a unit test keeps it empty).
fn reg<A: 'static, const N: usize, const X: bool, R, const F: bool, FUNC>(
    engine: &mut Engine,
    problems: &mut Vec<String>,
    f: &'static ApiFn,
    func: FUNC,
) where
    R: Variant + Clone,
    FUNC: RhaiNativeFunc<A, N, X, R, F> + Send + Sync + 'static,
{
    let types = FUNC::param_types();
    let expected: Vec<_> = f.params.iter().map(|p| p.kind.type_id()).collect();
    if types[..] != expected[..] {
        problems.push(format!(
            "{}: the implementation's argument types differ from the table's kinds",
            f.signature
        ));
    }
    FuncRegistration::new(f.name)
        .with_comments([f.comment()])
        .with_params_info(f.params_info())
        .register_into_engine(engine, func);
}

/// Registers the whole API on `engine`, acting on `bridge`.
pub fn register(engine: &mut Engine, bridge: &Arc<Mutex<Bridge>>) {
    let _ = register_checked(engine, bridge);
}

/// As [`register`]; returns the entries whose implementation does not match the table.
pub(crate) fn register_checked(engine: &mut Engine, bridge: &Arc<Mutex<Bridge>>) -> Vec<String> {
    let mut problems = Vec::new();
    let p = &mut problems;
    schedule(engine, p, bridge);
    read(engine, p, bridge);
    act(engine, p, bridge);
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::NOTE,
        move |ctx: NativeCallContext, text: &str| -> Res<()> {
            let mut br = lock(&b);
            at_call(&ctx, api::note_text(text))?;
            let now = br.now;
            let r = row(&br, &ctx, "note", now, format!("{text:?}"));
            br.act(now, Action::Note(text.to_string()), r);
            Ok(())
        },
    );
    problems
}

fn schedule(engine: &mut Engine, p: &mut Vec<String>, bridge: &Arc<Mutex<Bridge>>) {
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::AT,
        move |ctx: NativeCallContext, date: &str, f: FnPtr| -> Res<()> {
            let mut br = lock(&b);
            let t = br.date(&ctx, date)?;
            br.hook(&ctx, t, None, f);
            Ok(())
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::EVERY,
        move |ctx: NativeCallContext, period: &str, f: FnPtr| -> Res<()> {
            let mut br = lock(&b);
            let span = at_call(&ctx, parse_period(period))?;
            let at = br.now;
            br.hook(&ctx, at, Some(span), f);
            Ok(())
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::EVERY_FROM,
        move |ctx: NativeCallContext, from: &str, period: &str, f: FnPtr| -> Res<()> {
            let mut br = lock(&b);
            let at = br.date(&ctx, from)?;
            let span = at_call(&ctx, parse_period(period))?;
            br.hook(&ctx, at, Some(span), f);
            Ok(())
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::ON_RECORD,
        move |ctx: NativeCallContext, f: FnPtr| {
            let mut br = lock(&b);
            let script = br.script;
            br.new_hooks.push(NewHook {
                at: 0,
                period: None,
                on_record: true,
                f,
                script,
                line: super::pos_of(ctx.call_position()),
            });
        },
    );
}

fn read(engine: &mut Engine, p: &mut Vec<String>, bridge: &Arc<Mutex<Bridge>>) {
    let b = bridge.clone();
    reg(engine, p, &api::DATE, move || -> String {
        let br = lock(&b);
        br.cal.label(br.now)
    });
    let b = bridge.clone();
    reg(engine, p, &api::DAYS, move || -> f64 {
        lock(&b).now as f64 / 86_400.0
    });
    // The per-node reads of the snapshot.
    type NodeRead = fn(&Bridge, NodeId) -> f64;
    let reads: [(&'static ApiFn, NodeRead); 4] = [
        (&api::INVENTORY, |b, n| b.snapshot.inventory_kg[n]),
        (&api::STORAGE, |b, n| b.snapshot.storage_kg[n]),
        (&api::CUMULATIVE_OUTPUT, |b, n| {
            b.snapshot.cumulative_output_kg[n]
        }),
        (&api::AVAILABILITY, |b, n| b.snapshot.availability[n]),
    ];
    for (f, get) in reads {
        let b = bridge.clone();
        reg(
            engine,
            p,
            f,
            move |ctx: NativeCallContext, node: &str| -> Res<f64> {
                let br = lock(&b);
                let n = br.node(&ctx, f, node)?;
                Ok(get(&br, n))
            },
        );
    }
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::THROUGHPUT,
        move |ctx: NativeCallContext, node: &str, window: &str| -> Res<f64> {
            let br = lock(&b);
            let n = br.node(&ctx, &api::THROUGHPUT, node)?;
            let span = br.span(&ctx, window)?;
            let now = br.now;
            // The window's start, on the calendar for months.
            let back = match span {
                Span::Seconds(s) => now - s,
                Span::Months(m) => {
                    let d = br.cal.date_of(now);
                    match d.checked_sub_months(chrono::Months::new(m)) {
                        Some(x) => br.cal.time_of(x),
                        None => SimTime::MIN / 4,
                    }
                }
            };
            let before = br
                .history
                .iter()
                .rev()
                .find(|(t, _)| *t <= back)
                .map_or(0.0, |(_, v)| v[n]);
            Ok(br.snapshot.cumulative_output_kg[n] - before)
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::CAPACITY,
        move |ctx: NativeCallContext, node: &str| -> Res<i64> {
            let br = lock(&b);
            let n = br.node(&ctx, &api::CAPACITY, node)?;
            Ok(br.snapshot.capacity[n])
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::COMMISSIONED,
        move |ctx: NativeCallContext, node: &str| -> Res<bool> {
            let br = lock(&b);
            let n = br.node(&ctx, &api::COMMISSIONED, node)?;
            Ok(br.snapshot.commissioned[n])
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::IMPORTS,
        move |ctx: NativeCallContext, origin: &str| -> Res<f64> {
            let br = lock(&b);
            let o = br.origin(&ctx, origin)?;
            Ok(br.snapshot.imports.get(&o).map_or(0.0, |x| x.0))
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::IMPORT_SHARE,
        move |ctx: NativeCallContext, origin: &str| -> Res<f64> {
            let br = lock(&b);
            let o = br.origin(&ctx, origin)?;
            Ok(br.snapshot.imports.get(&o).map_or(1.0, |x| x.1))
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::IMPORT_SUPPLY,
        move |ctx: NativeCallContext, origin: &str| -> Res<f64> {
            let br = lock(&b);
            let o = br.origin(&ctx, origin)?;
            Ok(br.snapshot.imports.get(&o).map_or(0.0, |x| x.2))
        },
    );
    let b = bridge.clone();
    reg(engine, p, &api::STOCK, move || -> f64 {
        lock(&b).snapshot.stock_t
    });
    let b = bridge.clone();
    reg(engine, p, &api::STOCKPILE, move || -> f64 {
        lock(&b).snapshot.stockpile_t
    });
    let b = bridge.clone();
    reg(engine, p, &api::DEMAND, move || -> f64 {
        lock(&b).snapshot.demand_t_per_year
    });
    let b = bridge.clone();
    reg(engine, p, &api::SHORTFALL, move || -> f64 {
        lock(&b).snapshot.shortfall_t
    });
    let b = bridge.clone();
    reg(engine, p, &api::RECYCLED_SUPPLY, move || -> f64 {
        lock(&b).snapshot.recycled_t
    });
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::GRADE_SUPPLY,
        move |ctx: NativeCallContext, grade: &str| -> Res<f64> {
            let br = lock(&b);
            let g = at_call(&ctx, br.names.grade(grade))?;
            let i = br.names.grades.iter().position(|x| *x == g).unwrap_or(0);
            Ok(br.snapshot.grade_t.get(i).copied().unwrap_or(0.0))
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::COMPLIANT_SUPPLY,
        move |ctx: NativeCallContext, sector: &str| -> Res<f64> {
            let br = lock(&b);
            let s = br.sector(&ctx, sector)?;
            let i = br.names.sectors.iter().position(|x| *x == s).unwrap_or(0);
            Ok(br.snapshot.compliant_t.get(i).copied().unwrap_or(0.0))
        },
    );
}

fn act(engine: &mut Engine, p: &mut Vec<String>, bridge: &Arc<Mutex<Bridge>>) {
    imports(engine, p, bridge);
    require(engine, p, bridge);
    market_levels(engine, p, bridge);
    plants(engine, p, bridge);
    sources_and_links(engine, p, bridge);
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::SET_DEMAND,
        move |ctx: NativeCallContext, sector: &str, m: Dynamic, from: &str| -> Res<()> {
            let mut br = lock(&b);
            let sector = br.sector(&ctx, sector)?;
            let m = number(&ctx, &range_of(&api::SET_DEMAND, 1), &m)?;
            let at = br.date(&ctx, from)?;
            let r = row(
                &br,
                &ctx,
                "set_demand",
                at,
                format!("{sector:?}, {m}, {from:?}"),
            );
            br.act(
                at,
                Action::Demand {
                    sector,
                    multiplier: m,
                },
                r,
            );
            Ok(())
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::SET_YIELD,
        move |ctx: NativeCallContext, node: &str, which: &str, v: Dynamic, from: &str| -> Res<()> {
            let mut br = lock(&b);
            let n = br.node(&ctx, &api::SET_YIELD, node)?;
            let kind = at_call(&ctx, br.names.yield_of(n, which))?;
            let v = number(&ctx, &range_of(&api::SET_YIELD, 2), &v)?;
            let at = br.date(&ctx, from)?;
            let r = row(
                &br,
                &ctx,
                "set_yield",
                at,
                format!("{node:?}, {which:?}, {v}, {from:?}"),
            );
            br.act(
                at,
                Action::Yield {
                    node: n,
                    kind,
                    value: v,
                },
                r,
            );
            Ok(())
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::SET_SHARES,
        move |ctx: NativeCallContext, node: &str, shares: Map| -> Res<()> {
            let mut br = lock(&b);
            let n = br.node(&ctx, &api::SET_SHARES, node)?;
            let mut list = Vec::new();
            let mut port = None;
            for (k, v) in &shares {
                let (l, p) = at_call(&ctx, br.names.share_link(n, k.as_str()))?;
                let s = number_as(&ctx, &api::SHARE, &format!("the share of `{k}`"), v)?;
                if port.is_some_and(|x| x != p) {
                    return fail(&ctx, "set the shares of one output at a time");
                }
                port = Some(p);
                list.push((l, s));
            }
            let Some(port) = port else {
                return fail(&ctx, "name at least one link");
            };
            // Links of that output not named keep their share; the total must still be 1.
            let total: f64 = (0..br.names.link_ids.len())
                .filter(|&l| br.names.link_from[l] == (n, port))
                .map(|l| {
                    list.iter()
                        .find(|x| x.0 == l)
                        .map_or(br.link_share[l], |x| x.1)
                })
                .sum();
            if (total - 1.0).abs() > 1e-9 {
                return fail(
                    &ctx,
                    format!(
                        "the shares of the links leaving `{node}` would add up to {total}, not 1"
                    ),
                );
            }
            for &(l, s) in &list {
                br.link_share[l] = s;
            }
            let now = br.now;
            let r = row(
                &br,
                &ctx,
                "set_shares",
                now,
                format!(
                    "{node:?}, {}",
                    list.iter()
                        .map(|(l, s)| format!("{}: {s}", br.names.link_ids[*l]))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            br.act(now, Action::Shares { shares: list }, r);
            Ok(())
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::EXCLUDE_ORIGIN,
        move |ctx: NativeCallContext, sector: &str, origin: &str, from: &str| -> Res<()> {
            let mut br = lock(&b);
            let sector = br.sector(&ctx, sector)?;
            let origin = br.origin(&ctx, origin)?;
            let at = br.date(&ctx, from)?;
            let r = row(
                &br,
                &ctx,
                "exclude_origin",
                at,
                format!("{sector:?}, {origin:?}, {from:?}"),
            );
            br.act(at, Action::Exclude { sector, origin }, r);
            Ok(())
        },
    );
}

fn require(engine: &mut Engine, p: &mut Vec<String>, bridge: &Arc<Mutex<Bridge>>) {
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::REQUIRE_ORIGIN,
        move |ctx: NativeCallContext,
              sector: &str,
              stage: &str,
              origin: &str,
              from: &str|
              -> Res<()> {
            let mut br = lock(&b);
            let sector = br.sector(&ctx, sector)?;
            let st = at_call(&ctx, br.names.stage(stage))?;
            let origin = at_call(&ctx, br.names.tag(origin))?;
            let at = br.date(&ctx, from)?;
            let r = row(
                &br,
                &ctx,
                "require_origin",
                at,
                format!("{sector:?}, {stage:?}, {origin:?}, {from:?}"),
            );
            br.act(
                at,
                Action::Require {
                    sector,
                    stage: st,
                    origin,
                },
                r,
            );
            Ok(())
        },
    );
}

fn imports(engine: &mut Engine, p: &mut Vec<String>, bridge: &Arc<Mutex<Bridge>>) {
    let b = bridge.clone();
    let restrict = move |ctx: NativeCallContext,
                         origin: &str,
                         items: Array,
                         s: Dynamic,
                         from: &str,
                         duration: Option<&str>|
          -> Res<()> {
        let mut br = lock(&b);
        let origin = br.origin(&ctx, origin)?;
        let mut names = Vec::new();
        for item in &items {
            let Some(name) = item.clone().into_immutable_string().ok() else {
                return fail(
                    &ctx,
                    "items must be strings, e.g. [\"Dy\", \"Tb\", \"magnets\"]",
                );
            };
            at_call(&ctx, br.names.item(&name))?;
            names.push(name.to_string());
        }
        if names.is_empty() {
            return fail(
                &ctx,
                "name at least one restricted item, e.g. [\"magnets\"]",
            );
        }
        let s = number(&ctx, &range_of(&api::RESTRICT_IMPORTS, 2), &s)?;
        let at = br.date(&ctx, from)?;
        let until = match duration {
            Some(d) => {
                let span = br.span(&ctx, d)?;
                Some(br.cal.after(at, span))
            }
            None => None,
        };
        // A restriction reaches the grades that carry a named element (or a named grade, or
        // all for "magnets"); one that reaches no grade would change nothing, and is refused.
        if let Some(m) = br.names.restriction_changes_nothing(&names) {
            return fail(&ctx, m);
        }
        let args = format!(
            "{origin:?}, {names:?}, {s}, {from:?}{}",
            duration.map(|d| format!(", {d:?}")).unwrap_or_default()
        );
        let r = row(&br, &ctx, "restrict_imports", at, args);
        br.act(
            at,
            Action::Restrict {
                origin,
                items: names,
                share: s,
                until,
            },
            r,
        );
        Ok(())
    };
    let r2 = restrict.clone();
    reg(
        engine,
        p,
        &api::RESTRICT_IMPORTS_FOR,
        move |ctx: NativeCallContext,
              origin: &str,
              items: Array,
              s: Dynamic,
              from: &str,
              duration: &str| r2(ctx, origin, items, s, from, Some(duration)),
    );
    reg(
        engine,
        p,
        &api::RESTRICT_IMPORTS,
        move |ctx: NativeCallContext, origin: &str, items: Array, s: Dynamic, from: &str| {
            restrict(ctx, origin, items, s, from, None)
        },
    );

    let b = bridge.clone();
    let set_share =
        move |ctx: NativeCallContext, origin: &str, s: Dynamic, from: Option<&str>| -> Res<()> {
            let mut br = lock(&b);
            let origin = br.origin(&ctx, origin)?;
            let s = number(&ctx, &range_of(&api::SET_IMPORT_SHARE, 1), &s)?;
            let at = match from {
                Some(f) => br.date(&ctx, f)?,
                None => br.now,
            };
            let r = row(
                &br,
                &ctx,
                "set_import_share",
                at,
                format!(
                    "{origin:?}, {s}{}",
                    from.map(|f| format!(", {f:?}")).unwrap_or_default()
                ),
            );
            br.act(at, Action::SetImportShare { origin, share: s }, r);
            Ok(())
        };
    let s2 = set_share.clone();
    reg(
        engine,
        p,
        &api::SET_IMPORT_SHARE,
        move |ctx: NativeCallContext, origin: &str, s: Dynamic| s2(ctx, origin, s, None),
    );
    reg(
        engine,
        p,
        &api::SET_IMPORT_SHARE_FROM,
        move |ctx: NativeCallContext, origin: &str, s: Dynamic, from: &str| {
            set_share(ctx, origin, s, Some(from))
        },
    );
}

/// `set_import_ratio` and `release_stockpile`: the market's levels and stocks.
fn market_levels(engine: &mut Engine, p: &mut Vec<String>, bridge: &Arc<Mutex<Bridge>>) {
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::SET_IMPORT_RATIO,
        move |ctx: NativeCallContext, origin: &str, r: Dynamic, from: &str| -> Res<()> {
            let mut br = lock(&b);
            let origin = br.origin(&ctx, origin)?;
            let ratio = number(&ctx, &range_of(&api::SET_IMPORT_RATIO, 1), &r)?;
            let at = br.date(&ctx, from)?;
            let r = row(
                &br,
                &ctx,
                "set_import_ratio",
                at,
                format!("{origin:?}, {ratio}, {from:?}"),
            );
            br.act(at, Action::SetImportRatio { origin, ratio }, r);
            Ok(())
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::RELEASE_STOCKPILE,
        move |ctx: NativeCallContext, t: Dynamic, from: &str| -> Res<()> {
            let mut br = lock(&b);
            at_call(&ctx, br.names.stockpile())?;
            let t = number(&ctx, &range_of(&api::RELEASE_STOCKPILE, 0), &t)?;
            let at = br.date(&ctx, from)?;
            let r = row(&br, &ctx, "release_stockpile", at, format!("{t}, {from:?}"));
            br.act(at, Action::ReleaseStockpile { t }, r);
            Ok(())
        },
    );
}

fn plants(engine: &mut Engine, p: &mut Vec<String>, bridge: &Arc<Mutex<Bridge>>) {
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::DELAY_COMMISSIONING,
        move |ctx: NativeCallContext, node: &str, delay: &str| -> Res<()> {
            let mut br = lock(&b);
            let n = br.node(&ctx, &api::DELAY_COMMISSIONING, node)?;
            if br.snapshot.commissioned[n] {
                return fail(
                    &ctx,
                    format!(
                        "`{node}` is already commissioned; delay it before {}",
                        br.cal.label(br.commissioning[n])
                    ),
                );
            }
            let span = br.span(&ctx, delay)?;
            let at = br.cal.after(br.commissioning[n], span);
            br.commissioning[n] = at;
            let now = br.now;
            let r = row(
                &br,
                &ctx,
                "delay_commissioning",
                now,
                format!("{node:?}, {delay:?} -> {}", br.cal.label(at)),
            );
            br.act(now, Action::Commission { node: n, at }, r);
            Ok(())
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::SET_COMMISSIONING,
        move |ctx: NativeCallContext, node: &str, date: &str| -> Res<()> {
            let mut br = lock(&b);
            let n = br.node(&ctx, &api::SET_COMMISSIONING, node)?;
            if br.snapshot.commissioned[n] {
                return fail(&ctx, format!("`{node}` is already commissioned"));
            }
            let at = br.date(&ctx, date)?;
            br.commissioning[n] = at;
            let now = br.now;
            let r = row(
                &br,
                &ctx,
                "set_commissioning",
                now,
                format!("{node:?}, {date:?}"),
            );
            br.act(now, Action::Commission { node: n, at }, r);
            Ok(())
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::OUTAGE,
        move |ctx: NativeCallContext, node: &str, from: &str, duration: &str| -> Res<()> {
            let mut br = lock(&b);
            let n = br.node(&ctx, &api::OUTAGE, node)?;
            let at = br.date(&ctx, from)?;
            let span = br.span(&ctx, duration)?;
            let until = br.cal.after(at, span);
            let r = row(
                &br,
                &ctx,
                "outage",
                at,
                format!("{node:?}, {from:?}, {duration:?}"),
            );
            br.act(at, Action::Outage { node: n, until }, r);
            Ok(())
        },
    );
    for (f, sign) in [(&api::ADD_CAPACITY, 1i64), (&api::REMOVE_CAPACITY, -1i64)] {
        let b = bridge.clone();
        reg(
            engine,
            p,
            f,
            move |ctx: NativeCallContext, node: &str, count: i64, from: &str| -> Res<()> {
                let mut br = lock(&b);
                let n = br.node(&ctx, f, node)?;
                at_call(&ctx, range_of(f, 1).check_int(count))?;
                let at = br.date(&ctx, from)?;
                let r = row(
                    &br,
                    &ctx,
                    f.name,
                    at,
                    format!("{node:?}, {count}, {from:?}"),
                );
                let by = format!(
                    "{}{}",
                    br.script_name(),
                    r.line.map(|l| format!(":{l}")).unwrap_or_default()
                );
                br.act(
                    at,
                    Action::Capacity {
                        node: n,
                        delta: sign * count,
                        by,
                    },
                    r,
                );
                Ok(())
            },
        );
    }
}

fn sources_and_links(engine: &mut Engine, p: &mut Vec<String>, bridge: &Arc<Mutex<Bridge>>) {
    let b = bridge.clone();
    let rate = move |ctx: NativeCallContext,
                     f: &'static ApiFn,
                     node: &str,
                     m: Dynamic,
                     from: &str,
                     duration: Option<&str>|
          -> Res<()> {
        let mut br = lock(&b);
        let n = br.node(&ctx, f, node)?;
        let m = number(&ctx, &range_of(f, 1), &m)?;
        let at = br.date(&ctx, from)?;
        let args = format!(
            "{node:?}, {m}, {from:?}{}",
            duration.map(|d| format!(", {d:?}")).unwrap_or_default()
        );
        let r = row(&br, &ctx, f.name, at, args);
        br.act(
            at,
            Action::SourceRate {
                node: n,
                multiplier: m,
            },
            r.clone(),
        );
        if let Some(d) = duration {
            let span = br.span(&ctx, d)?;
            let end = br.cal.after(at, span);
            br.act(
                end,
                Action::SourceRate {
                    node: n,
                    multiplier: 1.0,
                },
                ShockRow {
                    effective_s: end,
                    action: format!("{} ends", f.name),
                    ..r
                },
            );
        }
        Ok(())
    };
    let rate2 = rate.clone();
    reg(
        engine,
        p,
        &api::SET_SOURCE_RATE,
        move |ctx: NativeCallContext, node: &str, m: Dynamic, from: &str| {
            rate2(ctx, &api::SET_SOURCE_RATE, node, m, from, None)
        },
    );
    reg(
        engine,
        p,
        &api::SURGE,
        move |ctx: NativeCallContext, node: &str, m: Dynamic, from: &str, d: &str| {
            rate(ctx, &api::SURGE, node, m, from, Some(d))
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::SET_TRANSIT,
        move |ctx: NativeCallContext,
              link: &str,
              m: Dynamic,
              from: &str,
              duration: &str|
              -> Res<()> {
            let mut br = lock(&b);
            let l = br.link(&ctx, link)?;
            let m = number(&ctx, &range_of(&api::SET_TRANSIT, 1), &m)?;
            let at = br.date(&ctx, from)?;
            let span = br.span(&ctx, duration)?;
            let end = br.cal.after(at, span);
            let r = row(
                &br,
                &ctx,
                "set_transit",
                at,
                format!("{link:?}, {m}, {from:?}, {duration:?}"),
            );
            br.act(
                at,
                Action::Transit {
                    link: l,
                    multiplier: m,
                },
                r.clone(),
            );
            br.act(
                end,
                Action::Transit {
                    link: l,
                    multiplier: 1.0,
                },
                ShockRow {
                    effective_s: end,
                    action: "set_transit ends".into(),
                    ..r
                },
            );
            Ok(())
        },
    );
    let b = bridge.clone();
    reg(
        engine,
        p,
        &api::SET_COST,
        move |ctx: NativeCallContext, link: &str, usd: Dynamic, from: &str| -> Res<()> {
            let mut br = lock(&b);
            let l = br.link(&ctx, link)?;
            let usd = number(&ctx, &range_of(&api::SET_COST, 1), &usd)?;
            let at = br.date(&ctx, from)?;
            let r = row(
                &br,
                &ctx,
                "set_cost",
                at,
                format!("{link:?}, {usd}, {from:?}"),
            );
            br.act(
                at,
                Action::Cost {
                    link: l,
                    usd_per_mile: usd,
                },
                r,
            );
            Ok(())
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_entry_is_registered_once_with_its_names_and_types() {
        let mut engine = Engine::new_raw();
        let bridge = Arc::new(Mutex::new(Bridge::new(
            &crate::script::empty_model(),
            Vec::new(),
        )));
        let problems = register_checked(&mut engine, &bridge);
        assert!(problems.is_empty(), "{problems:#?}");
        // The engine's own list of what was registered, against the table.
        let mut registered: Vec<String> = engine
            .gen_fn_signatures(false)
            .into_iter()
            .map(|s| {
                let name = s.split('(').next().unwrap_or("").to_string();
                let params = s
                    .split('(')
                    .nth(1)
                    .and_then(|r| r.split(')').next())
                    .unwrap_or("")
                    .split(", ")
                    .filter(|p| !p.is_empty())
                    .map(|p| p.split(':').next().unwrap_or("").trim().to_string())
                    .collect::<Vec<_>>()
                    .join(",");
                format!("{name}({params})")
            })
            .collect();
        registered.sort();
        let mut table: Vec<String> = api::API
            .iter()
            .map(|f| {
                let params: Vec<&str> = f.params.iter().map(|p| p.name).collect();
                format!("{}({})", f.name, params.join(","))
            })
            .collect();
        table.sort();
        assert_eq!(registered, table);
    }
}
