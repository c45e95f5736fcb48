//! magloop's own Rhai definition file (`magloop.d.rhai`): only the API's functions, each with
//! its documentation, what each argument must be (ranges, dates of the run) and the model's
//! ids that fit it, for an editor's completion and hover; Rhai's built-ins go to their own
//! files beside it.

use crate::model::{Model, is_rare_earth};
use crate::script::api::{API, ApiFn, Kind, Names, Returns, Shape};
use crate::script::explain::kind_words;
use crate::script::when::Calendar;

/// The type a definition file gives an argument of `kind`.
fn def_type(kind: Kind) -> &'static str {
    match kind.shape() {
        Shape::Text => "string",
        Shape::Number => "float",
        Shape::Count => "int",
        Shape::Array => "array",
        Shape::Map => "map",
        Shape::Closure => "Fn",
    }
}

fn def_return(r: Returns) -> &'static str {
    match r {
        Returns::Nothing => "()",
        Returns::Float => "float",
        Returns::Int => "int",
        Returns::Bool => "bool",
        Returns::Text => "string",
    }
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// `"a", "b", "c"`.
fn quoted(ids: &[&str]) -> String {
    if ids.is_empty() {
        return "none".into();
    }
    ids.iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The ids of `model` an argument of `kind` of `f` may take, in words; empty when the kind
/// is not a name.
fn ids_for(kind: Kind, f: &ApiFn, names: &Names, cal: &Calendar) -> String {
    let nodes = || -> Vec<&str> {
        names
            .node_ids
            .iter()
            .zip(&names.node_kinds)
            .filter(|(_, k)| f.node_kinds.is_empty() || f.node_kinds.contains(k))
            .map(|(id, _)| id.as_str())
            .collect()
    };
    match kind {
        Kind::Node => quoted(&nodes()),
        Kind::Link => quoted(&strs(&names.link_ids)),
        Kind::Origin => quoted(&strs(&names.origins)),
        Kind::Sector => quoted(&strs(&names.sectors)),
        Kind::Grade => quoted(&strs(&names.grades)),
        Kind::Stage => quoted(&crate::sim::mass::Stage::NAMES),
        Kind::Tag => quoted(&strs(&names.tags)),
        Kind::Date => format!(
            "from {} to {} in this model's run",
            cal.label(0),
            cal.label(cal.horizon)
        ),
        Kind::Items => {
            let mut items = vec!["magnets"];
            items.extend(
                names
                    .elements
                    .iter()
                    .map(String::as_str)
                    .filter(|e| is_rare_earth(e)),
            );
            format!("of {}", quoted(&items))
        }
        Kind::Shares => {
            let by_node: Vec<String> = names
                .node_ids
                .iter()
                .enumerate()
                .filter_map(|(n, id)| {
                    let links: Vec<&str> = (0..names.link_ids.len())
                        .filter(|&l| names.link_from[l].0 == n)
                        .map(|l| names.link_ids[l].as_str())
                        .collect();
                    (links.len() > 1).then(|| format!("{id}: {}", links.join(", ")))
                })
                .collect();
            format!("links leaving the node ({})", by_node.join("; "))
        }
        Kind::Yield => "\"recovery\" (preprocessor), \"extraction\" or \"unsuitable\" (hpms), an element (oxide_plant)".into(),
        Kind::Duration | Kind::Period | Kind::Number(_) | Kind::Count(_) | Kind::Text | Kind::Closure => {
            String::new()
        }
    }
}

/// The text of `magloop.d.rhai` for `model` (named `origin`).
pub fn magloop_definitions(model: &Model, origin: &str) -> String {
    let names = Names::new(model);
    let cal = Calendar {
        start: model.start,
        horizon: model.horizon,
    };
    let mut out = String::from("module static;\n\n");
    out.push_str(&format!(
        "// magloop {}: the functions a policy script may call, and nothing of Rhai's own\n// (those are in __static__.d.rhai and __builtin*.d.rhai beside this file).\n// Ids are those of {origin}; regenerate with `magloop api --definitions DIR --model FILE`\n// for another model. Ids are listed in the documentation, not declared as constants:\n// scripts write them as text in double quotes, and a constant declared here would not exist\n// when the script runs.\n//\n// nodes: {}\n// links: {}\n// import origins: {}\n// demand sectors: {}\n",
        env!("CARGO_PKG_VERSION"),
        quoted(&names.node_ids.iter().map(String::as_str).collect::<Vec<_>>()),
        quoted(&names.link_ids.iter().map(String::as_str).collect::<Vec<_>>()),
        quoted(&names.origins.iter().map(String::as_str).collect::<Vec<_>>()),
        quoted(&names.sectors.iter().map(String::as_str).collect::<Vec<_>>()),
    ));
    for f in API {
        out.push('\n');
        out.push_str(&f.comment());
        out.push('\n');
        if !f.params.is_empty() {
            out.push_str("///\n");
        }
        for p in f.params {
            let ids = ids_for(p.kind, f, &names, &cal);
            let sep = if ids.is_empty() { "" } else { ": " };
            out.push_str(&format!(
                "/// - `{}`: {}{sep}{ids}\n",
                p.name,
                kind_words(p.kind, f)
            ));
        }
        let params: Vec<String> = f
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, def_type(p.kind)))
            .collect();
        out.push_str(&format!(
            "fn {}({}) -> {};\n",
            f.name,
            params.join(", "),
            def_return(f.returns)
        ));
    }
    out
}
