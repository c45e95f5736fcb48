//! Origin tags: where a lot's content was mined, refined and made into magnets, as small
//! bit sets over the model's origins (no allocation, merged by union).

/// The stages of a magnet's supply chain an origin tag is kept for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Mining (and for recycled feed, where it was recovered).
    Mine = 0,
    /// Refining and separation into oxides or metal.
    Oxide = 1,
    /// Melting and making the magnet.
    Magnet = 2,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::Mine, Stage::Oxide, Stage::Magnet];
    pub const NAMES: [&'static str; 3] = ["mine", "oxide", "magnet"];

    pub fn name(self) -> &'static str {
        Stage::NAMES[self as usize]
    }

    pub fn parse(name: &str) -> Option<Stage> {
        Stage::NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| Stage::ALL[i])
    }
}

/// Origin tags by stage: per [`Stage`], a bit set over the model's origins
/// (`Model::origins`, at most [`MAX_ORIGINS`]) whose content the material carries at that
/// stage. Material mixed from several lots carries the union: "no Chinese content at stage
/// S" is then exact, whatever the mix. Six bytes, copied with the lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Chain(pub [u16; 3]);

/// The most origins a model may name (the bits of a [`Chain`] stage).
pub const MAX_ORIGINS: usize = 16;

impl Chain {
    pub const NONE: Chain = Chain([0; 3]);

    /// The union of two chains (material mixed from both).
    pub fn union(self, other: Chain) -> Chain {
        let mut c = self;
        for (a, b) in c.0.iter_mut().zip(other.0) {
            *a |= b;
        }
        c
    }

    /// The same chain with `stage` now made at `origin` (an origin index) only.
    pub fn stamped(mut self, stage: Stage, origin: usize) -> Chain {
        self.0[stage as usize] = 1 << origin;
        self
    }

    /// Whether any stage from `from` on (mine -> oxide -> magnet) carries an origin of `mask`.
    pub fn touches_from(&self, from: Stage, mask: u16) -> bool {
        self.0[from as usize..].iter().any(|s| s & mask != 0)
    }
}

/// Origin tags as written in YAML: per stage name, one origin or a list (content from
/// several origins, e.g. magnets made in Japan from Chinese and Australian oxide).
pub type TagsSpec = std::collections::BTreeMap<String, OneOrMany>;

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn names(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// Origin names per stage, before the model's origin table gives them bits.
pub type ChainNames = [Vec<String>; 3];

/// The first two origins of every model: its own plants, and recycled feed.
pub const HOME: usize = 0;
pub const RECYCLED: usize = 1;
pub const FIXED: [&str; 2] = ["us", "recycled"];

/// Reads a tag map: the stage names checked, each problem as (place, message, fix).
pub fn read_tags(spec: &TagsSpec) -> (ChainNames, Vec<(String, String, String)>) {
    let mut names: ChainNames = Default::default();
    let mut problems = Vec::new();
    for (stage, tags) in spec {
        match Stage::parse(stage) {
            Some(s) => {
                let list = tags.names();
                if list.is_empty() {
                    problems.push((
                        stage.clone(),
                        "names no origin".into(),
                        "name one, e.g. `china`, or leave the stage out".into(),
                    ));
                }
                names[s as usize] = list;
            }
            None => problems.push((
                stage.clone(),
                format!("unknown stage `{stage}`"),
                crate::model::validate::did_you_mean(
                    stage,
                    &Stage::NAMES,
                    "stages: mine, oxide, magnet",
                ),
            )),
        }
    }
    (names, problems)
}

/// The model's origin table: `us`, `recycled`, then every other name in `lists` in order
/// of first appearance.
pub fn table<'a>(lists: impl IntoIterator<Item = &'a ChainNames>) -> Vec<String> {
    let mut t: Vec<String> = FIXED.iter().map(|s| s.to_string()).collect();
    for l in lists {
        for stage in l {
            for n in stage {
                if !t.contains(n) {
                    t.push(n.clone());
                }
            }
        }
    }
    t
}

/// The chain of `names` over `table` (every name is in it).
pub fn chain_of(names: &ChainNames, table: &[String]) -> Chain {
    let mut c = Chain::NONE;
    for (s, list) in names.iter().enumerate() {
        for n in list {
            if let Some(i) = table.iter().position(|t| t == n) {
                c.0[s] |= 1 << i;
            }
        }
    }
    c
}

/// The bit of origin `name` in `table`, if named.
pub fn mask_of(name: &str, table: &[String]) -> u16 {
    table.iter().position(|t| t == name).map_or(0, |i| 1 << i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_union_keeps_every_origin_and_a_stamp_replaces_one_stage() {
        // Table: us 0, recycled 1, china 2, japan 3.
        let table: Vec<String> = ["us", "recycled", "china", "japan"]
            .map(String::from)
            .into();
        let names: ChainNames = [
            vec!["china".into()],
            vec!["china".into()],
            vec!["japan".into()],
        ];
        let c = chain_of(&names, &table);
        assert_eq!(c.0, [0b0100, 0b0100, 0b1000]);
        // A US oxide plant refines it: the oxide stage is now `us` only, the mine stays China.
        let refined = c.stamped(Stage::Oxide, HOME);
        assert_eq!(refined.0, [0b0100, 0b0001, 0b1000]);
        let china = mask_of("china", &table);
        assert!(refined.touches_from(Stage::Mine, china));
        assert!(!refined.touches_from(Stage::Oxide, china));
        // Mixed with recycled-mine material, the mine stage carries both.
        let r = Chain::NONE.stamped(Stage::Mine, RECYCLED);
        assert_eq!(refined.union(r).0[0], 0b0110);
    }
}
