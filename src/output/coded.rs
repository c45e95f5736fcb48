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
//! (a row group with more than 128 rows whose names are more than half distinct: polars
//! decides on an estimate, so this leaves the decision to it), the column goes to polars'
//! encoder as plain strings. Tests compare the bytes with polars' writer (below, and
//! `tests/it/golden.rs` for every shipped model).

use polars::frame::chunk_df_for_writing;
use polars::prelude::*;
use polars_arrow::array::{Array, DictionaryArray, PrimitiveArray, Utf8ViewArray};
use polars_arrow::datatypes::{ArrowDataType, IntegerType};
use polars_core::runtime::RAYON;
use polars_parquet::read::ParquetError;
use polars_parquet::write::{
    CompressedPage, Compressor, StatisticsOptions, Version, WriteOptions, array_to_columns,
    get_dtype_encoding,
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
    let compression: ParquetCompression = ParquetCompression::Zstd(None);
    let width = df.width() + coded.len();
    // For each column of the whole table: the coded column there, or None for the next of
    // `df`'s.
    let mut place: Vec<Option<&Coded>> = vec![None; width];
    for c in coded {
        polars_ensure!(
            c.at < width && place[c.at].is_none(),
            ComputeError: "column {} cannot go at place {} of {} columns", c.column, c.at, width
        );
        polars_ensure!(
            c.codes.len() == df.height(),
            ShapeMismatch: "column {} has {} codes for {} rows", c.column, c.codes.len(), df.height()
        );
        polars_ensure!(
            c.codes.iter().all(|&k| (k as usize) < c.names.len()),
            OutOfBounds: "column {} has a code past its {} names", c.column, c.names.len()
        );
        place[c.at] = Some(c);
    }
    let chunked = chunk_df_for_writing(df, ROW_GROUP_SIZE)?;
    let mut own = chunked.schema().iter();
    let mut schema = Schema::with_capacity(width);
    for p in &place {
        let (name, dtype) = match p {
            Some(c) => (PlSmallStr::from(c.column), DataType::String),
            None => {
                let (name, dtype) = own.next().expect("df has width - coded columns");
                (name.clone(), dtype.clone())
            }
        };
        polars_ensure!(
            schema.insert(name.clone(), dtype).is_none(),
            Duplicate: "column {} appears twice", name
        );
    }
    let mut buf = Vec::new();
    let mut writer = ParquetWriter::new(&mut buf)
        .with_compression(compression)
        .batched(&schema)?;
    // The options and encodings polars' batched writer uses (`materialize_options`,
    // `get_encodings`): default statistics, format version 1, default page size.
    let options = WriteOptions {
        statistics: StatisticsOptions::default(),
        compression: compression.into(),
        version: Version::V1,
        data_page_size: None,
    };
    let encodings: Vec<Vec<_>> = schema
        .iter_values()
        .map(|dtype| get_dtype_encoding(&dtype.to_arrow(CompatLevel::newest())))
        .collect();
    let types = writer.parquet_schema().fields().to_vec();
    // Row groups: (first row, rows, df's arrays), then every (row group, column) encoded
    // and compressed as one task on polars' pool, so both cores stay busy to the end
    // (columns differ tenfold in cost), and written in order.
    let mut groups = Vec::new();
    let mut first = 0;
    for batch in chunked.iter_chunks(CompatLevel::newest(), false) {
        let rows = batch.len();
        if rows > 0 {
            groups.push((first, rows, batch.into_arrays()));
        }
        first += rows;
    }
    let tasks: Vec<(usize, usize)> = (0..groups.len())
        .flat_map(|g| (0..width).map(move |col| (g, col)))
        .collect();
    // Each column's place among df's own columns.
    let own_index: Vec<usize> = place
        .iter()
        .scan(0, |next, p| {
            let i = *next;
            if p.is_none() {
                *next += 1;
            }
            Some(i)
        })
        .collect();
    let encoded: Vec<Vec<CompressedPage>> = RAYON.install(|| {
        tasks
            .par_iter()
            .map(|&(g, col)| {
                let (first, rows, arrays) = &groups[g];
                let array = match place[col] {
                    Some(c) => string_array(&c.names, &c.codes[*first..first + rows]),
                    None => arrays[own_index[col]].clone(),
                };
                let mut pages = Vec::new();
                for column in array_to_columns(array, types[col].clone(), options, &encodings[col])?
                {
                    let column = column.map(|page| {
                        page.map_err(|e| {
                            ParquetError::FeatureNotSupported(format!("reraised in polars: {e}"))
                        })
                    });
                    for page in Compressor::new(column, options.compression, vec![]) {
                        pages.push(page?);
                    }
                }
                PolarsResult::Ok(pages)
            })
            .collect::<PolarsResult<Vec<_>>>()
    })?;
    for ((_, rows, _), columns) in groups.iter().zip(encoded.chunks(width.max(1))) {
        writer.write_row_group(*rows as u64, columns)?;
    }
    writer.finish()?;
    Ok(buf)
}

/// One row group's `names[codes[i]]`: as the dictionary array polars would make of it, or
/// where polars might not use a dictionary, as the plain string array polars would be given.
fn string_array(names: &[&str], codes: &[u32]) -> Box<dyn Array> {
    dictionary(names, codes).unwrap_or_else(|| {
        Utf8ViewArray::from_slice_values(
            codes.iter().map(|&c| names[c as usize]).collect::<Vec<_>>(),
        )
        .boxed()
    })
}

/// The dictionary array polars' cast makes of a row group's `names[codes[i]]`: keys in order
/// of first appearance. `None` where polars might not use a dictionary (more than 128 rows,
/// more than half of them distinct: it decides on an estimate of the distinct count).
/// Codes naming the same string (several metrics share a unit) share one key, as in
/// polars' dictionary, which is built by value.
fn dictionary(names: &[&str], codes: &[u32]) -> Option<Box<dyn Array>> {
    const UNSEEN: u32 = u32::MAX;
    // Each code's first code of the same name: names are few (tens to hundreds).
    let same: Vec<usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| names[..i].iter().position(|m| m == n).unwrap_or(i))
        .collect();
    let mut key_of = vec![UNSEEN; names.len()];
    let mut order: Vec<&str> = Vec::new();
    let mut keys = Vec::with_capacity(codes.len());
    for &code in codes {
        let first = *same.get(code as usize)?;
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
    let values = Utf8ViewArray::from_slice_values(&order);
    let keys = PrimitiveArray::<u32>::from_vec(keys);
    let dtype = ArrowDataType::Dictionary(
        IntegerType::UInt32,
        Box::new(ArrowDataType::Utf8View),
        false,
    );
    DictionaryArray::try_new(dtype, keys, values.boxed())
        .ok()
        .map(|a| a.boxed())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table of a numeric column `x` and a string column `s` of `names[codes]`, written
    /// by polars' writer from the whole table and by `parquet_bytes_coded` from `x` alone.
    fn both_ways(names: &[&str], codes: &[u32]) -> (Vec<u8>, Vec<u8>) {
        let strings: Vec<&str> = codes.iter().map(|&c| names[c as usize]).collect();
        let numbers: Vec<f64> = (0..codes.len()).map(|i| (i % 7) as f64).collect();
        let x = Column::new("x".into(), numbers);
        let mut whole = DataFrame::new(
            codes.len(),
            vec![x.clone(), Column::new("s".into(), strings)],
        )
        .unwrap();
        let plain = super::super::parquet_bytes(&mut whole).unwrap();
        let mut without = DataFrame::new(codes.len(), vec![x]).unwrap();
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
        // 300 rows, 200 distinct names: past the half-distinct line, so the column goes
        // to polars' encoder as plain strings (it writes them plain), and the bytes match.
        let names: Vec<String> = (0..200).map(|i| format!("node_{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let codes: Vec<u32> = (0..300u32).map(|i| i % 200).collect();
        assert!(dictionary(&names, &codes).is_none());
        let (plain, coded) = both_ways(&names, &codes);
        assert!(plain == coded);
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
