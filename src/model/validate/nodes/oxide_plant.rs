//! `oxide_plant`: a separation plant, scrap in and rare-earth oxides out, element by element.

use std::collections::BTreeSet;

use super::NodeCx;
use crate::model::network::{MaterialRole, OxidePlant, OxideProduct};
use crate::model::spec::OxidePlantSpec;
use crate::model::validate::{did_you_mean, finite, show};

pub(super) fn oxide_plant(n: &mut NodeCx) -> Option<OxidePlant> {
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
