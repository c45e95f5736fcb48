//! A Parquet writer for frames whose string columns are codes into a few names (the time
//! series' `node`, `metric` and `unit`): the same bytes as polars' `ParquetWriter`, without
//! hashing every row, and without building the string columns at all.
//!
//! polars writes a string column dictionary-encoded: per row group it estimates the
//! column's cardinality (hashing every row), then builds the dictionary (hashing every row
//! again), keys in order of first appearance. For 1.15 M rows of ten years' daily records
//! that was about 0.8 G instructions, a fifth of `magloop run`. Here the recorder's codes
//! give the dictionary directly: each row group's keys are its codes renumbered by first
//! appearance with a lookup table, and the dictionary holds those names in that order,
//! which is exactly the array polars' cast makes. Everything else is polars' own writer:
//! the same row groups (`chunk_df_for_writing`), schema, encodings, options, encoder
//! (`array_to_columns`), compression and footer. Where polars would not use a dictionary
//! (polars writes plain strings past an estimated 0.75 distinct; this leaves every row
//! group more than half distinct to polars' encoder, as plain strings), and for frames
//! whose row groups it would not cut the same way (see `parquet_bytes_coded`), polars
//! decides. Non-decreasing integer columns (`time_s`, `day`, the dates: a recording step's
//! rows share them) get their dictionaries from their runs the same way, instead of by
//! hashing or a lookup per row ([`sorted_dictionary`]). Tests compare the bytes with
//! polars' writer (below, and `tests/it/golden.rs` for every shipped model).

use polars::frame::chunk_df_for_writing;
use polars::prelude::*;
use polars_arrow::array::{Array, DictionaryArray, PrimitiveArray, Utf8ViewArray};
use polars_arrow::datatypes::{ArrowDataType, IntegerType, PhysicalType, PrimitiveType};
use polars_core::runtime::RAYON;
use polars_parquet::read::ParquetError;
use polars_parquet::write::{
    CompressedPage, Compressor, Encoding, ParquetType, StatisticsOptions, Version, WriteOptions,
    array_to_columns, get_dtype_encoding,
};
use rayon::prelude::*;

/// polars' default row group size (`ParquetWriter::finish`).
const ROW_GROUP_SIZE: usize = 512 * 512;

/// A string column whose rows are `names[codes[row]]`, at place `at` of the table.
pub struct Coded<'a> {
    pub column: &'a str,
    pub at: usize,
    pub names: Vec<&'a str>,
    pub codes: &'a [u32],
}

/// Serialises `df` with the string columns `coded` put in at their places (in increasing
/// order of place) to Parquet bytes (zstd): the bytes [`super::parquet_bytes`] gives for
/// the whole table, without building the string columns.
pub fn parquet_bytes_coded(df: &mut DataFrame, coded: &[Coded]) -> PolarsResult<Vec<u8>> {
    let layout = Layout::new(df.schema(), coded)?;
    for c in coded {
        polars_ensure!(
            c.codes.len() == df.height(),
            ShapeMismatch: "column {} has {} codes for {} rows", c.column, c.codes.len(), df.height()
        );
    }
    // Row groups are cut from `df` as polars would cut them from the whole table. That
    // holds for a frame of single-chunk columns (polars' size check for many small chunks
    // would see the table without its strings) with a column of its own (`iter_chunks`
    // needs one): otherwise the whole table goes to polars' writer.
    if df.width() == 0 || df.columns().iter().any(|c| c.n_chunks() > 1) {
        for c in coded {
            let column = super::coded_column(c.column, c.names.iter().copied(), c.codes)?;
            df.insert_column(c.at, column)?;
        }
        return super::parquet_bytes(df);
    }
    let chunked = chunk_df_for_writing(df, ROW_GROUP_SIZE)?;
    let mut groups = Vec::new();
    let mut first = 0;
    for batch in chunked.iter_chunks(CompatLevel::newest(), false) {
        let rows = batch.len();
        if rows > 0 {
            let codes = coded
                .iter()
                .map(|c| &c.codes[first..first + rows])
                .collect();
            groups.push(Group {
                rows,
                arrays: batch.into_arrays(),
                codes,
            });
        }
        first += rows;
    }
    layout.write(Vec::new(), &groups)
}

/// The row groups polars cuts a frame of `height` rows of single-chunk columns into
/// (`chunk_df_for_writing`: `height / 262,144` parts of `height / parts` rows, the last
/// taking the rest; one part below two row groups' size), as (first row, rows).
pub(super) fn row_groups(height: usize) -> Vec<(usize, usize)> {
    let parts = height / ROW_GROUP_SIZE;
    if parts <= 1 {
        return if height == 0 {
            vec![]
        } else {
            vec![(0, height)]
        };
    }
    let size = height / parts;
    (0..parts)
        .map(|k| {
            let rows = if k + 1 == parts {
                height - k * size
            } else {
                size
            };
            (k * size, rows)
        })
        .collect()
}

/// One row group to encode: its rows, its own columns' arrays (`df`'s) and each coded
/// column's codes for those rows.
pub(super) struct Group<'g> {
    pub rows: usize,
    pub arrays: Vec<Box<dyn Array>>,
    pub codes: Vec<&'g [u32]>,
}

/// One row group, encoded and compressed: its rows and each column's pages.
pub(super) type Encoded = (usize, Vec<Vec<CompressedPage>>);

/// How a table of own columns and coded string columns is written: the whole table's
/// schema, polars' options and encodings for it, and where each column comes from. It
/// depends on the schema only, so row groups can be encoded apart (on another thread,
/// before the rest of the table exists) and written together.
pub(super) struct Layout<'a> {
    /// Each coded column's name, names and first code of each name (`first_of_name`).
    coded: Vec<(&'a str, Vec<&'a str>, Vec<u32>)>,
    /// For each column of the whole table: the index in `coded` of the coded column there,
    /// or its index among the own columns.
    place: Vec<Place>,
    schema: Schema,
    options: WriteOptions,
    encodings: Vec<Vec<Encoding>>,
    types: Vec<ParquetType>,
}

#[derive(Clone, Copy)]
enum Place {
    Coded(usize),
    Own(usize),
}

impl<'a> Layout<'a> {
    /// The layout of a table of columns `own` with `coded` put in at their places.
    pub fn new(own: &Schema, coded: &[Coded<'a>]) -> PolarsResult<Layout<'a>> {
        let width = own.len() + coded.len();
        let mut at: Vec<Option<usize>> = vec![None; width];
        for (k, c) in coded.iter().enumerate() {
            polars_ensure!(
                c.at < width && at[c.at].is_none(),
                ComputeError: "column {} cannot go at place {} of {} columns", c.column, c.at, width
            );
            at[c.at] = Some(k);
        }
        let mut next_own = 0;
        let place: Vec<Place> = at
            .iter()
            .map(|p| match p {
                Some(k) => Place::Coded(*k),
                None => {
                    next_own += 1;
                    Place::Own(next_own - 1)
                }
            })
            .collect();
        let mut own_fields = own.iter();
        let mut schema = Schema::with_capacity(width);
        for p in &place {
            let (name, dtype) = match p {
                Place::Coded(k) => (PlSmallStr::from(coded[*k].column), DataType::String),
                Place::Own(_) => {
                    let (name, dtype) = own_fields.next().expect("own has width - coded columns");
                    (name.clone(), dtype.clone())
                }
            };
            polars_ensure!(
                schema.insert(name.clone(), dtype).is_none(),
                Duplicate: "column {} appears twice", name
            );
        }
        let compression = super::COMPRESSION;
        // The options and encodings polars' batched writer uses (`materialize_options`,
        // `get_encodings`): default statistics, format version 1, default page size.
        let options = WriteOptions {
            statistics: StatisticsOptions::default(),
            compression: compression.into(),
            version: Version::V1,
            data_page_size: None,
        };
        let encodings = schema
            .iter_values()
            .map(|dtype| get_dtype_encoding(&dtype.to_arrow(CompatLevel::newest())))
            .collect();
        let types = ParquetWriter::new(Vec::new())
            .with_compression(compression)
            .batched(&schema)?
            .parquet_schema()
            .fields()
            .to_vec();
        // Each code's first code of the same name (several metrics share a unit), once per
        // column: polars' dictionary is built by value, so they share one key.
        let coded = coded
            .iter()
            .map(|c| (c.column, c.names.clone(), first_of_name(&c.names)))
            .collect();
        Ok(Layout {
            coded,
            place,
            schema,
            options,
            encodings,
            types,
        })
    }

    fn width(&self) -> usize {
        self.place.len()
    }

    /// Column `col` of row group `g`, encoded and compressed.
    fn encode_column(&self, g: &Group, col: usize) -> PolarsResult<Vec<CompressedPage>> {
        let array = match self.place[col] {
            Place::Coded(k) => {
                let (column, names, same) = &self.coded[k];
                let codes = g.codes[k];
                polars_ensure!(
                    codes.len() == g.rows,
                    ShapeMismatch: "column {} has {} codes for {} rows", column, codes.len(), g.rows
                );
                polars_ensure!(
                    codes.iter().all(|&c| (c as usize) < names.len()),
                    OutOfBounds: "column {} has a code past its {} names", column, names.len()
                );
                string_array(names, same, codes)
            }
            Place::Own(i) => {
                let own = &g.arrays[i];
                sorted_dictionary(own.as_ref()).unwrap_or_else(|| own.clone())
            }
        };
        encode(array, &self.types[col], self.options, &self.encodings[col])
    }

    /// Every column of one row group, one after another on this thread.
    pub fn encode_group(&self, g: &Group) -> PolarsResult<Encoded> {
        let columns = (0..self.width())
            .map(|col| self.encode_column(g, col))
            .collect::<PolarsResult<_>>()?;
        Ok((g.rows, columns))
    }

    /// The file: the row groups `early` (already encoded), then `groups`. Every (row group,
    /// column) of two row groups at a time is encoded and compressed as one task on polars'
    /// pool, so both cores stay busy (columns differ tenfold in cost), then the two are
    /// written in order: at most two row groups' pages are held besides `early` (each in a
    /// buffer of its uncompressed size).
    pub fn write(&self, early: Vec<Encoded>, groups: &[Group]) -> PolarsResult<Vec<u8>> {
        let width = self.width();
        let mut buf = Vec::new();
        let mut writer = ParquetWriter::new(&mut buf)
            .with_compression(super::COMPRESSION)
            .batched(&self.schema)?;
        for (rows, columns) in early {
            polars_ensure!(
                columns.len() == width,
                ShapeMismatch: "a row group of {} columns in a table of {}", columns.len(), width
            );
            writer.write_row_group(rows as u64, &columns)?;
        }
        for pair in groups.chunks(2) {
            let tasks: Vec<(usize, usize)> = (0..pair.len())
                .flat_map(|g| (0..width).map(move |col| (g, col)))
                .collect();
            let encoded: Vec<Vec<CompressedPage>> = RAYON.install(|| {
                tasks
                    .par_iter()
                    .map(|&(g, col)| self.encode_column(&pair[g], col))
                    .collect::<PolarsResult<Vec<_>>>()
            })?;
            for (g, columns) in pair.iter().zip(encoded.chunks(width)) {
                writer.write_row_group(g.rows as u64, columns)?;
            }
        }
        writer.finish()?;
        Ok(buf)
    }
}

/// One column of one row group, encoded and compressed as polars' batched writer does it
/// (`array_to_pages_iter`), its pages collected.
fn encode(
    array: Box<dyn Array>,
    type_: &ParquetType,
    options: WriteOptions,
    encoding: &[Encoding],
) -> PolarsResult<Vec<CompressedPage>> {
    let mut pages = Vec::new();
    for column in array_to_columns(array, type_.clone(), options, encoding)? {
        let column = column.map(|page| {
            page.map_err(|e| ParquetError::FeatureNotSupported(format!("reraised in polars: {e}")))
        });
        for page in Compressor::new(column, options.compression, vec![]) {
            pages.push(page?);
        }
    }
    Ok(pages)
}

/// The dictionary array polars makes of a row group of a non-decreasing integer column
/// without nulls (the time series' `time_s`, `day` and dates: each recording step's rows
/// share them), found from its runs instead of looking up or hashing every row. `None`
/// where polars might decide otherwise.
///
/// At most half of the rows distinct, polars makes a dictionary on either of its paths:
/// for a range of at most 65,535 it marks the values seen in a bitmap and keeps them in
/// ascending order (here the same as the order of first appearance) as plain `Int32` or
/// `Int64`; for a wider range it estimates the distinct count (under 0.75 of the rows) and
/// casts to a dictionary of the column's own type (dates stay dates), keys in order of
/// first appearance.
fn sorted_dictionary(array: &dyn Array) -> Option<Box<dyn Array>> {
    if array.null_count() > 0 {
        return None;
    }
    match array.dtype().to_physical_type() {
        PhysicalType::Primitive(PrimitiveType::Int64) => {
            sorted_dictionary_of::<i64>(array, ArrowDataType::Int64)
        }
        PhysicalType::Primitive(PrimitiveType::Int32) => {
            sorted_dictionary_of::<i32>(array, ArrowDataType::Int32)
        }
        _ => None,
    }
}

/// [`sorted_dictionary`] of a column of `T`, whose bitmap path keeps `plain` values.
fn sorted_dictionary_of<T>(array: &dyn Array, plain: ArrowDataType) -> Option<Box<dyn Array>>
where
    T: polars_arrow::types::NativeType + PartialOrd + Into<i128>,
{
    let values = array.as_any().downcast_ref::<PrimitiveArray<T>>()?;
    let (distinct, keys) = runs(values.values())?;
    let range = (*distinct.last()?).into() - distinct[0].into();
    let value_type = if range <= i128::from(u16::MAX) {
        plain
    } else {
        array.dtype().clone()
    };
    dictionary_array(
        keys,
        PrimitiveArray::<T>::from_vec(distinct)
            .to(value_type)
            .boxed(),
    )
}

/// The distinct values of a non-decreasing column and each row's index among them, when at
/// most half of the rows are distinct.
fn runs<T: Copy + PartialOrd>(values: &[T]) -> Option<(Vec<T>, Vec<u32>)> {
    let mut distinct: Vec<T> = Vec::new();
    let mut keys = Vec::with_capacity(values.len());
    for &v in values {
        match distinct.last() {
            Some(&last) if last == v => {}
            Some(&last) if last > v => return None,
            _ => distinct.push(v),
        }
        keys.push(distinct.len() as u32 - 1);
    }
    (!values.is_empty() && distinct.len() * 2 <= values.len()).then_some((distinct, keys))
}

/// A dictionary array of `u32` keys into `values`, typed as polars types its own.
fn dictionary_array(keys: Vec<u32>, values: Box<dyn Array>) -> Option<Box<dyn Array>> {
    let dtype =
        ArrowDataType::Dictionary(IntegerType::UInt32, Box::new(values.dtype().clone()), false);
    DictionaryArray::try_new(dtype, PrimitiveArray::<u32>::from_vec(keys), values)
        .ok()
        .map(|a| a.boxed())
}

/// For each name, the index of its first occurrence among `names`.
fn first_of_name(names: &[&str]) -> Vec<u32> {
    let mut first: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    (0..names.len() as u32)
        .map(|i| *first.entry(names[i as usize]).or_insert(i))
        .collect()
}

/// One row group's `names[codes[i]]`: as the dictionary array polars would make of it, or
/// where polars might not use a dictionary, as the plain string array polars would be given.
fn string_array(names: &[&str], same: &[u32], codes: &[u32]) -> Box<dyn Array> {
    dictionary(names, same, codes).unwrap_or_else(|| {
        Utf8ViewArray::from_slice_values(
            codes.iter().map(|&c| names[c as usize]).collect::<Vec<_>>(),
        )
        .boxed()
    })
}

/// The dictionary array polars' cast makes of a row group's `names[codes[i]]`: keys in order
/// of first appearance, one key per distinct name (`same[code]`: the name's first code).
/// `None` where polars might not use a dictionary: it writes plain strings when more than
/// 128 rows have an estimated distinct count above 0.75 of them; this leaves every column
/// more than half distinct to polars, a margin no estimate error crosses.
fn dictionary(names: &[&str], same: &[u32], codes: &[u32]) -> Option<Box<dyn Array>> {
    const UNSEEN: u32 = u32::MAX;
    let mut key_of = vec![UNSEEN; names.len()];
    let mut order: Vec<&str> = Vec::new();
    let mut keys = Vec::with_capacity(codes.len());
    for &code in codes {
        let first = *same.get(code as usize)? as usize;
        let slot = &mut key_of[first];
        if *slot == UNSEEN {
            *slot = order.len() as u32;
            order.push(names[first]);
        }
        keys.push(*slot);
    }
    if codes.len() > 128 && order.len() * 2 > codes.len() {
        return None;
    }
    dictionary_array(keys, Utf8ViewArray::from_slice_values(&order).boxed())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table of a numeric column `x` and a string column `s` of `names[codes]`, written
    /// by polars' writer from the whole table and by `parquet_bytes_coded` from `x` alone.
    fn both_ways(names: &[&str], codes: &[u32]) -> (Vec<u8>, Vec<u8>) {
        let numbers: Vec<f64> = (0..codes.len()).map(|i| (i % 7) as f64).collect();
        both_ways_beside(Column::new("x".into(), numbers), names, codes)
    }

    /// [`both_ways`] with another first column.
    fn both_ways_beside(own: Column, names: &[&str], codes: &[u32]) -> (Vec<u8>, Vec<u8>) {
        let strings: Vec<&str> = codes.iter().map(|&c| names[c as usize]).collect();
        let mut whole = DataFrame::new(
            codes.len(),
            vec![own.clone(), Column::new("s".into(), strings)],
        )
        .unwrap();
        let plain = super::super::parquet_bytes(&mut whole).unwrap();
        let mut without = DataFrame::new(codes.len(), vec![own]).unwrap();
        let coded = parquet_bytes_coded(&mut without, &[coded("s", 1, names, codes)]).unwrap();
        (plain, coded)
    }

    fn coded<'a>(column: &'a str, at: usize, names: &[&'a str], codes: &'a [u32]) -> Coded<'a> {
        Coded {
            column,
            at,
            names: names.to_vec(),
            codes,
        }
    }

    #[test]
    fn the_same_bytes_as_polars_writer() {
        // "reno" twice: two codes of one name share a key, as units shared by metrics do.
        let names = ["hub", "reno", "williston", "unused", "market", "reno"];
        // Codes out of name order, so first appearance differs from the names' order.
        let cases: Vec<Vec<u32>> = vec![
            vec![],
            vec![4],
            vec![2, 0, 2, 4, 1, 0, 5, 1],
            // Two row groups (polars splits 600,000 rows into 600,000 / 262,144 = 2 parts
            // of 300,000), each with its own dictionary in its own first-appearance order.
            (0..600_000u32)
                .map(|i| {
                    if i < 300_000 {
                        [4, 2, 0][(i % 3) as usize]
                    } else {
                        [1, 0, 4][(i % 3) as usize]
                    }
                })
                .collect(),
        ];
        for codes in &cases {
            let (plain, coded) = both_ways(&names, codes);
            assert!(plain == coded, "{} rows: the files differ", codes.len());
        }
    }

    #[test]
    fn mostly_distinct_names_are_left_to_polars() {
        // More than half distinct: the column goes to polars' encoder as plain strings.
        // 300 rows of 200 names (0.67: polars still makes a dictionary) and 300 of 300
        // names longer than a 12-byte inline view (1.0: polars writes them plain); the
        // bytes match either way.
        let names: Vec<String> = (0..300).map(|i| format!("a_long_node_name_{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        for distinct in [200u32, 300] {
            let codes: Vec<u32> = (0..300u32).map(|i| i % distinct).collect();
            assert!(dictionary(&names, &first_of_name(&names), &codes).is_none());
            let (plain, coded) = both_ways(&names, &codes);
            assert!(plain == coded, "{distinct} names");
        }
        // At most half distinct: a dictionary (150 names in 300 rows).
        let codes: Vec<u32> = (0..300u32).map(|i| i % 150).collect();
        assert!(dictionary(&names, &first_of_name(&names), &codes).is_some());
        let (plain, coded) = both_ways(&names, &codes);
        assert!(plain == coded);
    }

    #[test]
    fn sorted_integer_columns_match_polars_dictionaries() {
        // A non-decreasing i64 column, as `time_s`: 315 rows a step over 2,000 daily steps
        // (630,000 rows, two row groups, a range past polars' 65,535 bitmask: its estimate
        // path), 20 rows a step 60 s apart (a small range: its bitmask path), runs of 3
        // (a third distinct), every row distinct (left to polars: it writes them plain), and
        // a column that goes back once (left to polars).
        let cases: Vec<Vec<i64>> = vec![
            (0..630_000).map(|i| (i / 315) * 86_400).collect(),
            (0..20_000).map(|i| 3_600 + (i / 20) * 60).collect(),
            (0..1_000).map(|i| i / 3 * 3).collect(),
            (0..1_000)
                .map(|i| if i == 500 { 0 } else { i / 10 })
                .collect(),
        ];
        for (k, t) in cases.into_iter().enumerate() {
            let names = ["a", "b"];
            let codes: Vec<u32> = (0..t.len() as u32).map(|i| i % 2).collect();
            let time = Column::new("time_s".into(), t);
            let (plain, bytes) = both_ways_beside(time, &names, &codes);
            assert!(plain == bytes, "case {k}: the files differ");
        }
        // Dates (i32 days) as `period_start` has them: a step's rows share the day.
        let days: Vec<i32> = (0..630_000).map(|i| 20_089 + i / 315).collect();
        let date = Int32Chunked::from_vec("date".into(), days)
            .into_date()
            .into_column();
        let names = ["a", "b"];
        let codes: Vec<u32> = (0..630_000u32).map(|i| i % 2).collect();
        let (plain, bytes) = both_ways_beside(date, &names, &codes);
        assert!(plain == bytes, "dates: the files differ");
        // Dates over more than 65,535 days (polars' estimate path: a dictionary of dates).
        let days: Vec<i32> = (0..2_000).map(|i| (i / 4) * 200).collect();
        let date = Int32Chunked::from_vec("date".into(), days)
            .into_date()
            .into_column();
        let codes: Vec<u32> = (0..2_000u32).map(|i| i % 2).collect();
        let (plain, bytes) = both_ways_beside(date, &names, &codes);
        assert!(plain == bytes, "wide dates: the files differ");
        let all_distinct = PrimitiveArray::<i64>::from_vec((0..1_000).collect());
        assert!(sorted_dictionary(&all_distinct).is_none());
        let back = PrimitiveArray::<i64>::from_vec(vec![0, 0, 1, 1, 0, 0, 2, 2]);
        assert!(sorted_dictionary(&back).is_none());
        let steps = PrimitiveArray::<i64>::from_vec(vec![5, 5, 5, 7, 7, 7]);
        assert!(sorted_dictionary(&steps).is_some());
    }

    #[test]
    fn frames_it_would_cut_otherwise_go_to_polars_whole() {
        // A frame of two chunks (polars may merge small chunks by their size, which the
        // strings change) and a frame with no column of its own: the same bytes all the
        // same, through polars' writer.
        let names = ["a", "b", "c"];
        let codes: Vec<u32> = (0..1_000u32).map(|i| i % 3).collect();
        let strings: Vec<&str> = codes.iter().map(|&c| names[c as usize]).collect();
        let xs: Vec<f64> = (0..1_000).map(f64::from).collect();
        let mut x = Series::new("x".into(), &xs[..400]);
        x.append(&Series::new("x".into(), &xs[400..])).unwrap();
        let s = Column::new("s".into(), strings.clone());
        let mut whole = DataFrame::new(1_000, vec![x.clone().into_column(), s.clone()]).unwrap();
        let plain = super::super::parquet_bytes(&mut whole).unwrap();
        let mut two_chunks = DataFrame::new(1_000, vec![x.into_column()]).unwrap();
        assert_eq!(two_chunks.columns()[0].n_chunks(), 2);
        let coded_bytes =
            parquet_bytes_coded(&mut two_chunks, &[coded("s", 1, &names, &codes)]).unwrap();
        assert!(plain == coded_bytes);
        let mut only_strings = DataFrame::new(1_000, vec![s]).unwrap();
        let plain = super::super::parquet_bytes(&mut only_strings).unwrap();
        let mut empty = DataFrame::empty_with_height(1_000);
        let coded_bytes =
            parquet_bytes_coded(&mut empty, &[coded("s", 0, &names, &codes)]).unwrap();
        assert!(plain == coded_bytes);
    }

    #[test]
    fn bad_codes_and_places_are_errors_not_panics() {
        let mut df = DataFrame::new(2, vec![Column::new("x".into(), [1.0, 2.0])]).unwrap();
        let names = ["a", "b"];
        let cases = [
            // A code with no name.
            coded("s", 1, &names, &[0, 2]),
            // Three codes for two rows.
            coded("s", 1, &names, &[0, 1, 1]),
            // Past the table's two columns.
            coded("s", 2, &names, &[0, 1]),
            // The name of a column already there.
            coded("x", 0, &names, &[0, 1]),
        ];
        for c in cases {
            let err = parquet_bytes_coded(&mut df, &[c]);
            assert!(err.is_err());
        }
        assert!(parquet_bytes_coded(&mut df, &[coded("s", 0, &names, &[1, 0])]).is_ok());
    }
}
