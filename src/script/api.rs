//! The script API, registered in one place: every function a policy script may call, with
//! the documentation `magloop api` prints and the definition files editors read.

use std::sync::{Arc, Mutex, MutexGuard};

use rhai::{
    Array, Dynamic, Engine, EvalAltResult, FnPtr, FuncRegistration, Map, NativeCallContext,
};

use crate::kernel::SimTime;
use crate::model::{LinkId, NodeId, is_rare_earth};
use crate::script::Bridge;
use crate::script::when::{Span, parse_span};
use crate::sim::policy::{Action, ShockRow, YieldKind};

/// One API function as documented.
pub struct ApiDoc {
    pub group: &'static str,
    pub signature: &'static str,
    pub doc: &'static str,
}

/// The reference `magloop api` prints; every entry is registered by [`register`].
pub const API: &[ApiDoc] = &[
    ApiDoc {
        group: "schedule",
        signature: "at(date: string, f: fn())",
        doc: "Calls `f` at 00:00 on `date` (\"YYYY-MM-DD\", inside the run).",
    },
    ApiDoc {
        group: "schedule",
        signature: "every(period: string, f: fn())",
        doc: "Calls `f` at the start and then every `period` (\"1 month\", \"7 days\", \"1 year\").",
    },
    ApiDoc {
        group: "schedule",
        signature: "every(from: string, period: string, f: fn())",
        doc: "Calls `f` on `from` and then every `period`.",
    },
    ApiDoc {
        group: "schedule",
        signature: "on_record(f: fn())",
        doc: "Calls `f` at every recording step (daily by default), after the step is recorded: for state-triggered policies.",
    },
    ApiDoc {
        group: "read",
        signature: "date() -> string",
        doc: "The current simulated date, \"YYYY-MM-DD\".",
    },
    ApiDoc {
        group: "read",
        signature: "days() -> float",
        doc: "Days since the run's start.",
    },
    ApiDoc {
        group: "read",
        signature: "inventory(node: string) -> float",
        doc: "Material held at a node now, kg (input queue, in process, blocked output; a market: unsold stock).",
    },
    ApiDoc {
        group: "read",
        signature: "storage(node: string) -> float",
        doc: "Output waiting for a truck at a node now, kg.",
    },
    ApiDoc {
        group: "read",
        signature: "cumulative_output(node: string) -> float",
        doc: "Mass a node has sent on since the start, kg.",
    },
    ApiDoc {
        group: "read",
        signature: "throughput(node: string, window: string) -> float",
        doc: "Mass a node sent on over the last `window` (\"30 days\"), kg, from the recorded steps.",
    },
    ApiDoc {
        group: "read",
        signature: "capacity(node: string) -> int",
        doc: "Lines, vessels or servers in service (not retired).",
    },
    ApiDoc {
        group: "read",
        signature: "availability(node: string) -> float",
        doc: "Share of a node's lines, vessels or servers up now (an oxide plant: 1 when running).",
    },
    ApiDoc {
        group: "read",
        signature: "commissioned(node: string) -> bool",
        doc: "Whether a plant is operating yet.",
    },
    ApiDoc {
        group: "read",
        signature: "imports(origin: string) -> float",
        doc: "Imports from `origin` since the start, t.",
    },
    ApiDoc {
        group: "read",
        signature: "import_share(origin: string) -> float",
        doc: "Share of `origin`'s baseline supply available now (1 = baseline).",
    },
    ApiDoc {
        group: "read",
        signature: "demand() -> float",
        doc: "Current US demand, t/yr.",
    },
    ApiDoc {
        group: "read",
        signature: "shortfall() -> float",
        doc: "Demand not met since the start, t.",
    },
    ApiDoc {
        group: "read",
        signature: "recycled_supply() -> float",
        doc: "Recycled material sold since the start, t.",
    },
    ApiDoc {
        group: "act",
        signature: "restrict_imports(origin: string, items: array, share: float, from: string, duration: string)",
        doc: "From `from`, for `duration`, supply from `origin` is `share` of baseline, for `items` (elements such as \"Dy\" or \"magnets\"); overlapping restrictions multiply.",
    },
    ApiDoc {
        group: "act",
        signature: "restrict_imports(origin: string, items: array, share: float, from: string)",
        doc: "As above, with no end.",
    },
    ApiDoc {
        group: "act",
        signature: "set_import_share(origin: string, share: float)",
        doc: "From now on, `origin`'s base supply is `share` of baseline (restrictions still multiply it).",
    },
    ApiDoc {
        group: "act",
        signature: "set_import_share(origin: string, share: float, from: string)",
        doc: "As above, from `from`.",
    },
    ApiDoc {
        group: "act",
        signature: "delay_commissioning(node: string, delay: string)",
        doc: "Moves a plant's commissioning later by `delay` (\"18 months\"); it must not have happened.",
    },
    ApiDoc {
        group: "act",
        signature: "set_commissioning(node: string, date: string)",
        doc: "Moves a plant's commissioning to `date`.",
    },
    ApiDoc {
        group: "act",
        signature: "outage(node: string, from: string, duration: string)",
        doc: "Takes a preprocessor, station, HPMS plant or oxide plant down from `from` for `duration`; jobs in progress resume after.",
    },
    ApiDoc {
        group: "act",
        signature: "add_capacity(node: string, count: int, from: string)",
        doc: "Adds `count` lines, vessels or servers from `from`.",
    },
    ApiDoc {
        group: "act",
        signature: "remove_capacity(node: string, count: int, from: string)",
        doc: "Retires `count` lines, vessels or servers from `from` (a job in progress finishes).",
    },
    ApiDoc {
        group: "act",
        signature: "set_source_rate(node: string, multiplier: float, from: string)",
        doc: "From `from`, a source's rate is `multiplier` times its modelled rate (above 0).",
    },
    ApiDoc {
        group: "act",
        signature: "surge(node: string, multiplier: float, from: string, duration: string)",
        doc: "A source's rate times `multiplier` from `from` for `duration` (a refresh-cycle surge), then back to 1.",
    },
    ApiDoc {
        group: "act",
        signature: "set_transit(link: string, multiplier: float, from: string, duration: string)",
        doc: "A link's transit times times `multiplier` from `from` for `duration` (a route disruption), then back to 1.",
    },
    ApiDoc {
        group: "act",
        signature: "set_cost(link: string, usd_per_mile: float, from: string)",
        doc: "A link's cost per truck-mile from `from`.",
    },
    ApiDoc {
        group: "act",
        signature: "set_demand(sector: string, multiplier: float, from: string)",
        doc: "One sector's demand times `multiplier` from `from`.",
    },
    ApiDoc {
        group: "act",
        signature: "set_yield(node: string, which: string, value: float, from: string)",
        doc: "Sets a yield from `from`: \"recovery\" (preprocessor), \"extraction\" or \"unsuitable\" (HPMS), or an element such as \"Nd\" (oxide plant recovery).",
    },
    ApiDoc {
        group: "act",
        signature: "set_shares(node: string, shares: map)",
        doc: "Now, splits a node's output over its links: #{link_id: share, ...}; the shares of one output must add up to 1.",
    },
    ApiDoc {
        group: "act",
        signature: "exclude_origin(sector: string, origin: string, from: string)",
        doc: "From `from`, `sector` may not be supplied from `origin` (e.g. defence without Chinese content).",
    },
    ApiDoc {
        group: "mark",
        signature: "note(text: string)",
        doc: "Puts a labelled marker into shocks.parquet at the current date.",
    },
];

type Res<T> = Result<T, Box<EvalAltResult>>;

fn fail<T>(ctx: &NativeCallContext, msg: impl Into<String>) -> Res<T> {
    Err(EvalAltResult::ErrorRuntime(msg.into().into(), ctx.call_position()).into())
}

fn lock(b: &Arc<Mutex<Bridge>>) -> MutexGuard<'_, Bridge> {
    b.lock().unwrap_or_else(|e| e.into_inner())
}

fn doc(signature_prefix: &str) -> String {
    API.iter()
        .find(|a| a.signature.starts_with(signature_prefix))
        .map(|a| format!("/// {}", a.doc))
        .unwrap_or_default()
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
    fn node(&self, ctx: &NativeCallContext, name: &str) -> Res<NodeId> {
        match self.node_ids.iter().position(|n| n == name) {
            Some(i) => Ok(i),
            None => fail(ctx, unknown("node", name, &self.node_ids)),
        }
    }

    fn link(&self, ctx: &NativeCallContext, name: &str) -> Res<LinkId> {
        match self.link_ids.iter().position(|n| n == name) {
            Some(i) => Ok(i),
            None => fail(ctx, unknown("link", name, &self.link_ids)),
        }
    }

    fn origin(&self, ctx: &NativeCallContext, name: &str) -> Res<String> {
        if self.origins.iter().any(|o| o == name) {
            Ok(name.to_string())
        } else {
            fail(ctx, unknown("import origin", name, &self.origins))
        }
    }

    fn sector(&self, ctx: &NativeCallContext, name: &str) -> Res<String> {
        if self.sectors.iter().any(|o| o == name) {
            Ok(name.to_string())
        } else {
            fail(ctx, unknown("demand sector", name, &self.sectors))
        }
    }

    /// A date inside the run and not before the current simulated date.
    fn date(&self, ctx: &NativeCallContext, text: &str) -> Res<SimTime> {
        let t = self.cal.at(text).or_else(|e| fail(ctx, e))?;
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
        parse_span(text).or_else(|e| fail(ctx, e))
    }

    /// A repeat period for `every`: at least an hour.
    fn period(&self, ctx: &NativeCallContext, text: &str) -> Res<Span> {
        let span = self.span(ctx, text)?;
        if matches!(span, Span::Seconds(s) if s < crate::kernel::HOUR) || span == Span::Months(0) {
            return fail(ctx, "the period must be at least 1 hour");
        }
        Ok(span)
    }

    fn kind_is(&self, ctx: &NativeCallContext, n: NodeId, kinds: &[&str], what: &str) -> Res<()> {
        let kind = self.node_kinds[n];
        if kinds.contains(&kind) {
            Ok(())
        } else {
            fail(
                ctx,
                format!(
                    "`{}` is {} {kind}; {what} applies to {}",
                    self.node_ids[n],
                    article(kind),
                    kinds.join(" or ")
                ),
            )
        }
    }

    fn act(&mut self, at: SimTime, action: Action, row: ShockRow) {
        self.requests.push((at, action, row));
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

/// A number argument: scripts may write `2` or `2.0`.
fn number(ctx: &NativeCallContext, what: &str, v: &Dynamic) -> Res<f64> {
    v.as_float()
        .or_else(|_| v.as_int().map(|i| i as f64))
        .or_else(|_| {
            fail(
                ctx,
                format!("{what} must be a number, found {}", v.type_name()),
            )
        })
}

fn share(ctx: &NativeCallContext, what: &str, v: &Dynamic) -> Res<f64> {
    let v = number(ctx, what, v)?;
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        fail(ctx, format!("{what} must be from 0 to 1, found {v}"))
    }
}

fn multiplier(ctx: &NativeCallContext, v: &Dynamic) -> Res<f64> {
    let v = number(ctx, "a multiplier", v)?;
    if v.is_finite() && v > 0.0 && v <= 1000.0 {
        Ok(v)
    } else {
        fail(
            ctx,
            format!("a multiplier must be above 0 and at most 1000, found {v}"),
        )
    }
}

macro_rules! reg {
    ($engine:expr, $sig:literal, [$($p:literal),*], $f:expr) => {
        FuncRegistration::new($sig.split('(').next().unwrap_or($sig))
            .with_comments([doc($sig)])
            .with_params_info([$($p),*])
            .register_into_engine($engine, $f);
    };
}

/// Registers the whole API on `engine`, acting on `bridge`.
pub fn register(engine: &mut Engine, bridge: &Arc<Mutex<Bridge>>) {
    // ---- schedule
    let b = bridge.clone();
    reg!(
        engine,
        "at(date",
        ["date: &str", "f: FnPtr", "()"],
        move |ctx: NativeCallContext, date: &str, f: FnPtr| -> Res<()> {
            let mut br = lock(&b);
            let t = br.date(&ctx, date)?;
            let script = br.script;
            br.new_hooks.push(super::NewHook {
                at: t,
                period: None,
                f,
                script,
                line: super::pos_of(ctx.call_position()),
            });
            Ok(())
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "every(period",
        ["period: &str", "f: FnPtr", "()"],
        move |ctx: NativeCallContext, period: &str, f: FnPtr| -> Res<()> {
            let mut br = lock(&b);
            let span = br.period(&ctx, period)?;
            let (script, at) = (br.script, br.now);
            br.new_hooks.push(super::NewHook {
                at,
                period: Some(span),
                f,
                script,
                line: super::pos_of(ctx.call_position()),
            });
            Ok(())
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "every(from",
        ["from: &str", "period: &str", "f: FnPtr", "()"],
        move |ctx: NativeCallContext, from: &str, period: &str, f: FnPtr| -> Res<()> {
            let mut br = lock(&b);
            let at = br.date(&ctx, from)?;
            let span = br.period(&ctx, period)?;
            let script = br.script;
            br.new_hooks.push(super::NewHook {
                at,
                period: Some(span),
                f,
                script,
                line: super::pos_of(ctx.call_position()),
            });
            Ok(())
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "on_record(",
        ["f: FnPtr", "()"],
        move |ctx: NativeCallContext, f: FnPtr| {
            let mut br = lock(&b);
            let script = br.script;
            br.new_record_hooks.push(super::RecordHook {
                script,
                f,
                line: super::pos_of(ctx.call_position()),
            });
        }
    );

    // ---- read
    let b = bridge.clone();
    reg!(engine, "date(", ["String"], move || -> String {
        let br = lock(&b);
        br.cal.label(br.now)
    });
    let b = bridge.clone();
    reg!(engine, "days(", ["f64"], move || -> f64 {
        lock(&b).now as f64 / 86_400.0
    });
    let b = bridge.clone();
    reg!(
        engine,
        "inventory(",
        ["node: &str", "f64"],
        move |ctx: NativeCallContext, node: &str| -> Res<f64> {
            let br = lock(&b);
            let n = br.node(&ctx, node)?;
            Ok(br.snapshot.inventory_kg[n])
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "storage(",
        ["node: &str", "f64"],
        move |ctx: NativeCallContext, node: &str| -> Res<f64> {
            let br = lock(&b);
            let n = br.node(&ctx, node)?;
            Ok(br.snapshot.storage_kg[n])
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "cumulative_output(",
        ["node: &str", "f64"],
        move |ctx: NativeCallContext, node: &str| -> Res<f64> {
            let br = lock(&b);
            let n = br.node(&ctx, node)?;
            Ok(br.snapshot.cumulative_output_kg[n])
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "throughput(",
        ["node: &str", "window: &str", "f64"],
        move |ctx: NativeCallContext, node: &str, window: &str| -> Res<f64> {
            let br = lock(&b);
            let n = br.node(&ctx, node)?;
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
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "capacity(",
        ["node: &str", "i64"],
        move |ctx: NativeCallContext, node: &str| -> Res<i64> {
            let br = lock(&b);
            let n = br.node(&ctx, node)?;
            Ok(br.snapshot.capacity[n])
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "availability(",
        ["node: &str", "f64"],
        move |ctx: NativeCallContext, node: &str| -> Res<f64> {
            let br = lock(&b);
            let n = br.node(&ctx, node)?;
            Ok(br.snapshot.availability[n])
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "commissioned(",
        ["node: &str", "bool"],
        move |ctx: NativeCallContext, node: &str| -> Res<bool> {
            let br = lock(&b);
            let n = br.node(&ctx, node)?;
            Ok(br.snapshot.commissioned[n])
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "imports(",
        ["origin: &str", "f64"],
        move |ctx: NativeCallContext, origin: &str| -> Res<f64> {
            let br = lock(&b);
            let o = br.origin(&ctx, origin)?;
            Ok(br.snapshot.imports.get(&o).map_or(0.0, |x| x.0))
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "import_share(",
        ["origin: &str", "f64"],
        move |ctx: NativeCallContext, origin: &str| -> Res<f64> {
            let br = lock(&b);
            let o = br.origin(&ctx, origin)?;
            Ok(br.snapshot.imports.get(&o).map_or(1.0, |x| x.1))
        }
    );
    let b = bridge.clone();
    reg!(engine, "demand(", ["f64"], move || -> f64 {
        lock(&b).snapshot.demand_t_per_year
    });
    let b = bridge.clone();
    reg!(engine, "shortfall(", ["f64"], move || -> f64 {
        lock(&b).snapshot.shortfall_t
    });
    let b = bridge.clone();
    reg!(engine, "recycled_supply(", ["f64"], move || -> f64 {
        lock(&b).snapshot.recycled_t
    });

    // ---- act
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
            let known = name == "magnets"
                || br.elements.iter().any(|e| *e == name.as_str())
                || crate::model::RARE_EARTHS.contains(&name.as_str());
            if !known {
                return fail(
                    &ctx,
                    format!(
                        "unknown item `{name}`: use rare-earth element symbols (\"Dy\", \"Tb\", \"Sm\", ...) or \"magnets\""
                    ),
                );
            }
            names.push(name.to_string());
        }
        if names.is_empty() {
            return fail(
                &ctx,
                "name at least one restricted item, e.g. [\"magnets\"]",
            );
        }
        let s = share(&ctx, "share", &s)?;
        let at = br.date(&ctx, from)?;
        let until = match duration {
            Some(d) => {
                let span = br.span(&ctx, d)?;
                Some(br.cal.after(at, span))
            }
            None => None,
        };
        // Magnets trade as NdFeB: a restriction reaches them if it names magnets or any rare earth.
        let applies = names.iter().any(|n| n == "magnets" || is_rare_earth(n));
        let args = format!(
            "{origin:?}, {names:?}, {s}, {from:?}{}",
            duration.map(|d| format!(", {d:?}")).unwrap_or_default()
        );
        let r = row(&br, &ctx, "restrict_imports", at, args);
        if applies {
            br.act(
                at,
                Action::Restrict {
                    origin,
                    share: s,
                    until,
                },
                r,
            );
        } else {
            br.act(
                at,
                Action::Note("restriction on items the market does not trade".into()),
                r,
            );
        }
        Ok(())
    };
    let r2 = restrict.clone();
    reg!(
        engine,
        "restrict_imports(origin: string, items: array, share: float, from: string, duration",
        [
            "origin: &str",
            "items: Array",
            "share: f64",
            "from: &str",
            "duration: &str",
            "()"
        ],
        move |ctx: NativeCallContext,
              origin: &str,
              items: Array,
              s: Dynamic,
              from: &str,
              duration: &str| r2(ctx, origin, items, s, from, Some(duration))
    );
    reg!(
        engine,
        "restrict_imports(origin: string, items: array, share: float, from: string)",
        [
            "origin: &str",
            "items: Array",
            "share: f64",
            "from: &str",
            "()"
        ],
        move |ctx: NativeCallContext, origin: &str, items: Array, s: Dynamic, from: &str| restrict(
            ctx, origin, items, s, from, None
        )
    );

    let b = bridge.clone();
    let set_share =
        move |ctx: NativeCallContext, origin: &str, s: Dynamic, from: Option<&str>| -> Res<()> {
            let mut br = lock(&b);
            let origin = br.origin(&ctx, origin)?;
            let s = number(&ctx, "share", &s)?;
            if !(s.is_finite() && (0.0..=10.0).contains(&s)) {
                return fail(
                    &ctx,
                    format!("share must be from 0 to 10 (1 = baseline), found {s}"),
                );
            }
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
    reg!(
        engine,
        "set_import_share(origin: string, share: float)",
        ["origin: &str", "share: f64", "()"],
        move |ctx: NativeCallContext, origin: &str, s: Dynamic| s2(ctx, origin, s, None)
    );
    reg!(
        engine,
        "set_import_share(origin: string, share: float, from",
        ["origin: &str", "share: f64", "from: &str", "()"],
        move |ctx: NativeCallContext, origin: &str, s: Dynamic, from: &str| set_share(
            ctx,
            origin,
            s,
            Some(from)
        )
    );

    let b = bridge.clone();
    reg!(
        engine,
        "delay_commissioning(",
        ["node: &str", "delay: &str", "()"],
        move |ctx: NativeCallContext, node: &str, delay: &str| -> Res<()> {
            let mut br = lock(&b);
            let n = br.node(&ctx, node)?;
            br.kind_is(&ctx, n, &["hpms", "oxide_plant"], "delay_commissioning")?;
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
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "set_commissioning(",
        ["node: &str", "date: &str", "()"],
        move |ctx: NativeCallContext, node: &str, date: &str| -> Res<()> {
            let mut br = lock(&b);
            let n = br.node(&ctx, node)?;
            br.kind_is(&ctx, n, &["hpms", "oxide_plant"], "set_commissioning")?;
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
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "outage(",
        ["node: &str", "from: &str", "duration: &str", "()"],
        move |ctx: NativeCallContext, node: &str, from: &str, duration: &str| -> Res<()> {
            let mut br = lock(&b);
            let n = br.node(&ctx, node)?;
            br.kind_is(
                &ctx,
                n,
                &["preprocessor", "station", "hpms", "oxide_plant"],
                "outage",
            )?;
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
        }
    );
    for (sig, sign) in [("add_capacity(", 1i64), ("remove_capacity(", -1i64)] {
        let b = bridge.clone();
        let name = sig.trim_end_matches('(');
        FuncRegistration::new(name)
            .with_comments([doc(sig)])
            .with_params_info(["node: &str", "count: i64", "from: &str", "()"])
            .register_into_engine(
                engine,
                move |ctx: NativeCallContext, node: &str, count: i64, from: &str| -> Res<()> {
                    let mut br = lock(&b);
                    let n = br.node(&ctx, node)?;
                    br.kind_is(&ctx, n, &["preprocessor", "station", "hpms"], name)?;
                    if !(1..=1000).contains(&count) {
                        return fail(&ctx, format!("count must be from 1 to 1000, found {count}"));
                    }
                    let at = br.date(&ctx, from)?;
                    let r = row(&br, &ctx, name, at, format!("{node:?}, {count}, {from:?}"));
                    br.act(
                        at,
                        Action::Capacity {
                            node: n,
                            delta: sign * count,
                        },
                        r,
                    );
                    Ok(())
                },
            );
    }
    let b = bridge.clone();
    let rate = move |ctx: NativeCallContext,
                     node: &str,
                     m: Dynamic,
                     from: &str,
                     duration: Option<&str>,
                     name: &str|
          -> Res<()> {
        let mut br = lock(&b);
        let n = br.node(&ctx, node)?;
        br.kind_is(&ctx, n, &["hdd_source", "scrap_source", "source"], name)?;
        let m = multiplier(&ctx, &m)?;
        let at = br.date(&ctx, from)?;
        let args = format!(
            "{node:?}, {m}, {from:?}{}",
            duration.map(|d| format!(", {d:?}")).unwrap_or_default()
        );
        let r = row(&br, &ctx, name, at, args);
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
                    action: format!("{name} ends"),
                    ..r
                },
            );
        }
        Ok(())
    };
    let rate2 = rate.clone();
    reg!(
        engine,
        "set_source_rate(",
        ["node: &str", "multiplier: f64", "from: &str", "()"],
        move |ctx: NativeCallContext, node: &str, m: Dynamic, from: &str| rate2(
            ctx,
            node,
            m,
            from,
            None,
            "set_source_rate"
        )
    );
    reg!(
        engine,
        "surge(",
        [
            "node: &str",
            "multiplier: f64",
            "from: &str",
            "duration: &str",
            "()"
        ],
        move |ctx: NativeCallContext, node: &str, m: Dynamic, from: &str, d: &str| rate(
            ctx,
            node,
            m,
            from,
            Some(d),
            "surge"
        )
    );
    let b = bridge.clone();
    reg!(
        engine,
        "set_transit(",
        [
            "link: &str",
            "multiplier: f64",
            "from: &str",
            "duration: &str",
            "()"
        ],
        move |ctx: NativeCallContext,
              link: &str,
              m: Dynamic,
              from: &str,
              duration: &str|
              -> Res<()> {
            let mut br = lock(&b);
            let l = br.link(&ctx, link)?;
            let m = multiplier(&ctx, &m)?;
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
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "set_cost(",
        ["link: &str", "usd_per_mile: f64", "from: &str", "()"],
        move |ctx: NativeCallContext, link: &str, usd: Dynamic, from: &str| -> Res<()> {
            let mut br = lock(&b);
            let l = br.link(&ctx, link)?;
            let usd = number(&ctx, "cost", &usd)?;
            if !(usd.is_finite() && (0.0..=1e6).contains(&usd)) {
                return fail(
                    &ctx,
                    format!("cost must be from 0 to 1,000,000 USD per mile, found {usd}"),
                );
            }
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
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "set_demand(",
        ["sector: &str", "multiplier: f64", "from: &str", "()"],
        move |ctx: NativeCallContext, sector: &str, m: Dynamic, from: &str| -> Res<()> {
            let mut br = lock(&b);
            let sector = br.sector(&ctx, sector)?;
            let m = number(&ctx, "a demand multiplier", &m)?;
            if !(m.is_finite() && (0.0..=1000.0).contains(&m)) {
                return fail(
                    &ctx,
                    format!("a demand multiplier must be from 0 to 1000, found {m}"),
                );
            }
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
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "set_yield(",
        [
            "node: &str",
            "which: &str",
            "value: f64",
            "from: &str",
            "()"
        ],
        move |ctx: NativeCallContext, node: &str, which: &str, v: Dynamic, from: &str| -> Res<()> {
            let mut br = lock(&b);
            let n = br.node(&ctx, node)?;
            let kind = match (br.node_kinds[n], which) {
                ("preprocessor", "recovery") => YieldKind::Recovery,
                ("hpms", "extraction") => YieldKind::Extraction,
                ("hpms", "unsuitable") => YieldKind::Unsuitable,
                ("oxide_plant", el) if br.elements.iter().any(|e| e == el) => {
                    YieldKind::Element(br.elements.iter().position(|e| e == el).expect("checked"))
                }
                (k, _) => {
                    return fail(
                        &ctx,
                        format!(
                            "`{which}` is not a yield of a {k}: a preprocessor has \"recovery\", an HPMS plant \"extraction\" and \"unsuitable\", an oxide plant one per element (\"Nd\", ...)"
                        ),
                    );
                }
            };
            let v = share(&ctx, "a yield", &v)?;
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
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "set_shares(",
        ["node: &str", "shares: Map", "()"],
        move |ctx: NativeCallContext, node: &str, shares: Map| -> Res<()> {
            let mut br = lock(&b);
            let n = br.node(&ctx, node)?;
            let mut list = Vec::new();
            let mut port = None;
            for (k, v) in &shares {
                let l = br.link(&ctx, k.as_str())?;
                let s = share(&ctx, &format!("the share of `{k}`"), v)?;
                let (from, p) = br.link_from[l];
                if from != n {
                    return fail(&ctx, format!("link `{k}` does not leave `{node}`"));
                }
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
            let total: f64 = (0..br.link_ids.len())
                .filter(|&l| br.link_from[l] == (n, port))
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
                        .map(|(l, s)| format!("{}: {s}", br.link_ids[*l]))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            br.act(now, Action::Shares { shares: list }, r);
            Ok(())
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "exclude_origin(",
        ["sector: &str", "origin: &str", "from: &str", "()"],
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
        }
    );
    let b = bridge.clone();
    reg!(
        engine,
        "note(",
        ["text: &str", "()"],
        move |ctx: NativeCallContext, text: &str| -> Res<()> {
            let mut br = lock(&b);
            if text.len() > 1000 {
                return fail(&ctx, "a note is at most 1,000 characters");
            }
            let now = br.now;
            let r = row(&br, &ctx, "note", now, format!("{text:?}"));
            br.act(now, Action::Note(text.to_string()), r);
            Ok(())
        }
    );
}
