//! Finds the line and column of a YAML path (`nodes[2].vessels`) in block-style YAML text.
//!
//! serde_yaml keeps no positions once a document is a `Value`, so problems found while
//! reading one node at a time are placed by this small scanner. It understands block
//! mappings and sequences (what model files use); for flow style it returns the deepest
//! enclosing place it could find.

/// One step of a YAML path.
#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Splits `nodes[2].vessels` into segments.
pub fn parse_path(path: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                segs.push(Seg::Key(rest[..i].to_string()));
            }
            rest = &rest[i..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let Some(end) = stripped.find(']') else { break };
                if let Ok(n) = stripped[..end].parse() {
                    segs.push(Seg::Index(n));
                }
                rest = &stripped[end + 1..];
            }
        } else {
            segs.push(Seg::Key(rest.to_string()));
        }
    }
    segs
}

struct Line<'a> {
    text: &'a str,
    /// Column of the first non-space character.
    col: usize,
}

fn content_lines(text: &str) -> Vec<Option<Line<'_>>> {
    text.lines()
        .map(|l| {
            let col = l.len() - l.trim_start_matches(' ').len();
            let rest = l[col..].trim_end();
            if rest.is_empty() || rest.starts_with('#') || rest == "---" {
                None
            } else {
                Some(Line { text: l, col })
            }
        })
        .collect()
}

/// True when `line[..col]` is only indentation and `- ` sequence markers.
fn is_key_column(line: &str, col: usize) -> bool {
    if col > line.len() || !line.is_char_boundary(col) {
        return false;
    }
    let mut prefix = line[..col].trim_start_matches(' ');
    while let Some(p) = prefix.strip_prefix('-') {
        prefix = p.trim_start_matches(' ');
    }
    prefix.is_empty()
}

fn key_at(line: &str, col: usize, key: &str) -> bool {
    if !is_key_column(line, col) {
        return false;
    }
    let rest = &line[col..];
    let unquoted = rest
        .strip_prefix(key)
        .map(|r| r.trim_start().starts_with(':'));
    let quoted = rest
        .strip_prefix(&format!("\"{key}\""))
        .or_else(|| rest.strip_prefix(&format!("'{key}'")))
        .map(|r| r.trim_start().starts_with(':'));
    unquoted == Some(true) || quoted == Some(true)
}

/// 1-based (line, column) of the deepest part of `path` that could be found.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    let lines = content_lines(text);
    let segs = parse_path(path);
    // The node being searched: its first line, the column its entries start at, its end.
    let (mut first, mut col, mut end) = (0usize, 0usize, lines.len());
    if let Some(l) = lines.iter().flatten().next() {
        col = l.col;
    }
    let mut found: Option<(usize, usize)> = None;
    for seg in &segs {
        let mut hit = None;
        match seg {
            Seg::Key(k) => {
                for (i, l) in lines.iter().enumerate().take(end).skip(first) {
                    let Some(l) = l else { continue };
                    if key_at(l.text, col, k) {
                        hit = Some(i);
                        break;
                    }
                }
                let Some(i) = hit else { return found };
                found = Some((i + 1, col + 1));
                // The value: the next content line deeper than the key, or a sequence at its column.
                let next = (i + 1..end).find(|&j| lines[j].is_some());
                let (n_first, n_col) = match next {
                    Some(j) => {
                        let l = lines[j].as_ref().expect("is_some");
                        let is_seq = l.text[l.col..].starts_with('-');
                        if l.col > col || (l.col == col && is_seq) {
                            (j, l.col)
                        } else {
                            (i + 1, usize::MAX)
                        }
                    }
                    None => (i + 1, usize::MAX),
                };
                // A same-column sequence ("key:\n- a") ends at the first line at that column
                // that is not an item; anything else ends at the first line not deeper than the key.
                let same_col_seq = n_col == col;
                let n_end = (n_first + 1..end)
                    .find(|&j| {
                        lines[j].as_ref().is_some_and(|l| {
                            l.col < col
                                || (l.col == col
                                    && !(same_col_seq && l.text[l.col..].starts_with('-')))
                        })
                    })
                    .unwrap_or(end);
                (first, col, end) = (n_first, n_col, n_end);
            }
            Seg::Index(n) => {
                let mut count = 0;
                for (i, l) in lines.iter().enumerate().take(end).skip(first) {
                    let Some(l) = l else { continue };
                    if l.col == col && l.text[l.col..].starts_with('-') {
                        if count == *n {
                            hit = Some(i);
                            break;
                        }
                        count += 1;
                    }
                }
                let Some(i) = hit else { return found };
                found = Some((i + 1, col + 1));
                let l = lines[i].as_ref().expect("hit is a content line");
                let after_dash = &l.text[col + 1..];
                let item_col = col + 1 + (after_dash.len() - after_dash.trim_start().len());
                let n_end = (i + 1..end)
                    .find(|&j| lines[j].as_ref().is_some_and(|l| l.col <= col))
                    .unwrap_or(end);
                (first, col, end) = (i, item_col, n_end);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
name: m
calendar:
  start: 2025-01-01
  years: 10
nodes:
  - id: a
    kind: sink
  # a comment
  - id: b
    kind: station
    service_h: {exponential: {mean: 1}}
links:
- id: l1
  from: a
";

    #[test]
    fn finds_keys_and_items() {
        assert_eq!(locate(DOC, "name"), Some((1, 1)));
        assert_eq!(locate(DOC, "calendar.years"), Some((4, 3)));
        assert_eq!(locate(DOC, "nodes[0]"), Some((6, 3)));
        assert_eq!(locate(DOC, "nodes[1].kind"), Some((10, 5)));
        // The first key of an item sits on the dash line, two columns right of the dash.
        assert_eq!(locate(DOC, "nodes[1].id"), Some((9, 5)));
        // A sequence at the same indentation as its key.
        assert_eq!(locate(DOC, "links[0].from"), Some((14, 3)));
    }

    #[test]
    fn falls_back_to_the_deepest_found_place() {
        // `servers` is missing: the problem is placed at the node.
        assert_eq!(locate(DOC, "nodes[1].servers"), Some((9, 3)));
        // Inside a flow mapping: placed at the key that holds it.
        assert_eq!(locate(DOC, "nodes[1].service_h.exponential"), Some((11, 5)));
        assert_eq!(locate(DOC, "missing"), None);
    }

    #[test]
    fn parses_paths() {
        assert_eq!(
            parse_path("nodes[2].recovery.Nd"),
            vec![
                Seg::Key("nodes".into()),
                Seg::Index(2),
                Seg::Key("recovery".into()),
                Seg::Key("Nd".into())
            ]
        );
    }
}
