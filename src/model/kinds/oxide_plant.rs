//! `oxide_plant`: a separation plant, scrap in and rare-earth oxides out, element by element.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::kernel::SimTime;
use crate::model::network::{ElementId, MatId, MaterialRole};
use crate::model::validate::{NodeCx, did_you_mean, finite, show};

/// Output ports, in port-index order.
pub const PORTS: &[&str] = &["oxides"];

/// One oxide product of an oxide plant.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OxideProductSpec {
    pub material: String,
    /// Element -> oxide mass per element mass (stoichiometry, e.g. Nd2O3: 1.1664).
    pub oxide_factor: BTreeMap<String, f64>,
    pub purity: f64,
}

/// Ionic Technologies-style separation plant: scrap in, rare-earth oxides out.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OxidePlantSpec {
    pub id: String,
    pub kind: String,
    pub feed_t_per_year: f64,
    pub commissioning: String,
    /// Element -> share recovered into its oxide product.
    pub recovery: BTreeMap<String, f64>,
    pub products: Vec<OxideProductSpec>,
    pub input_capacity_kg: f64,
    pub storage_capacity_kg: f64,
}

#[derive(Debug, Clone)]
pub struct OxideProduct {
    pub material: MatId,
    /// (element, oxide mass per element mass).
    pub elements: Vec<(ElementId, f64)>,
    pub purity: f64,
}

/// A validated `oxide_plant`: recoveries by element, its products, capacities in mg.
#[derive(Debug, Clone)]
pub struct OxidePlant {
    pub feed_t_per_year: f64,
    pub commissioning: SimTime,
    /// Recovery per element (0 for elements no product takes).
    pub recovery: Vec<f64>,
    pub products: Vec<OxideProduct>,
    /// The element whose mass oxygen adds to the products.
    pub oxygen: ElementId,
    pub input_capacity_mg: i64,
    pub storage_capacity_mg: i64,
}

/// Checks one `oxide_plant` node and builds its settings; `None` if its fields cannot be read.
pub(crate) fn validate(n: &mut NodeCx) -> Option<OxidePlant> {
    let s: OxidePlantSpec = n.read()?;
    n.positive("feed_t_per_year", s.feed_t_per_year, 1e8);
    let commissioning = n.date("commissioning", &s.commissioning).unwrap_or(0);
    let elements = n.elements;
    let n_el = elements.len();
    let el_names: Vec<&str> = elements[..n_el - 1].iter().map(String::as_str).collect();
    // The index of a declared element; a problem at `p` if it is not one.
    let el_index = |n: &mut NodeCx, p: &str, el: &str| -> Option<usize> {
        let i = el_names.iter().position(|e| *e == el);
        if i.is_none() {
            n.cx.problem(
                p,
                format!("element `{el}` is not declared"),
                Some(did_you_mean(el, &el_names, "add it to `elements:`")),
            );
        }
        i
    };
    let oxygen = elements.iter().position(|e| e == "O");
    if oxygen.is_none() {
        n.problem(
            "products",
            "oxide products need element `O` for the oxygen they take up",
            Some("add O to `elements:`".into()),
        );
    }
    let mut recovery = vec![0.0; n_el];
    for (k, pr) in s.products.iter().enumerate() {
        for el in pr.oxide_factor.keys() {
            if !s.recovery.contains_key(el) {
                n.problem(
                    &format!("products[{k}].oxide_factor.{el}"),
                    format!(
                        "no recovery is given for `{el}`, so none of it would reach the product"
                    ),
                    Some(format!(
                        "add `{el}: 0.95` (or its recovery) under `recovery:`"
                    )),
                );
            }
        }
    }
    for (el, r) in &s.recovery {
        let p = n.at(&format!("recovery.{el}"));
        if let Some(i) = el_index(n, &p, el) {
            n.cx.share(&p, *r);
            recovery[i] = *r;
        }
    }
    let mut products = Vec::new();
    let mut taken = BTreeSet::new();
    for (k, pr) in s.products.iter().enumerate() {
        let pp = n.at(&format!("products[{k}]"));
        let m = n.material(&format!("products[{k}].material"), &pr.material);
        n.role_is(
            &format!("products[{k}].material"),
            m,
            &[MaterialRole::Product],
        );
        n.cx.share(&format!("{pp}.purity"), pr.purity);
        let mut els = Vec::new();
        for (el, f) in &pr.oxide_factor {
            let p = format!("{pp}.oxide_factor.{el}");
            if let Some(i) = el_index(n, &p, el) {
                if !(finite(*f) && (1.0..=3.0).contains(f)) {
                    n.cx.problem(
                        &p,
                        format!(
                            "an oxide factor is oxide mass per element mass, from 1 to 3; found {}",
                            show(*f)
                        ),
                        None,
                    );
                }
                if !taken.insert(i) {
                    n.cx.problem(&p, format!("`{el}` already goes to another product"), None);
                }
                if Some(i) == oxygen {
                    n.cx.problem(&p, "oxygen is added to oxides, not recovered", None);
                }
                els.push((i, *f));
            }
        }
        if els.is_empty() {
            n.cx.problem(
                &format!("{pp}.oxide_factor"),
                "a product needs at least one element",
                None,
            );
        }
        products.push(OxideProduct {
            material: m,
            elements: els,
            purity: pr.purity,
        });
    }
    for (el, r) in &s.recovery {
        if let Some(i) = el_names.iter().position(|e| e == el)
            && *r > 0.0
            && !taken.contains(&i)
        {
            n.problem(
                &format!("recovery.{el}"),
                format!("`{el}` is recovered but no product takes it"),
                Some("add it to a product's oxide_factor, or remove it".into()),
            );
        }
    }
    let (input, storage) = n.input_and_storage(s.input_capacity_kg, s.storage_capacity_kg);
    Some(OxidePlant {
        feed_t_per_year: s.feed_t_per_year,
        commissioning: commissioning.max(0),
        recovery,
        products,
        oxygen: oxygen.unwrap_or(0),
        input_capacity_mg: input,
        storage_capacity_mg: storage,
    })
}
