//! A Parquet writer for frames whose string columns are codes into a few names (the time
//! series' `node`, `metric` and `unit`): the same bytes as polars' `ParquetWriter`, without
//! hashing every row.
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
//! decides on an estimate, so this leaves the decision to it), the column goes to polars as
//! it is. Tests compare the bytes with polars' writer (`tests/it/outputs.rs`, and below).

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

/// A string column of a frame whose rows are `names[codes[row]]`.
pub struct Coded<'a> {
    /// The column's name in the frame.
    pub column: &'a str,
    pub names: Vec<&'a str>,
    pub codes: &'a [u32],
}

/// Serialises `df` to Parquet bytes (zstd) exactly as [`super::parquet_bytes`] does, with
/// the string columns named in `coded` encoded from their codes.
pub fn parquet_bytes_coded(df: &mut DataFrame, coded: &[Coded]) -> PolarsResult<Vec<u8>> {
    let compression: ParquetCompression = ParquetCompression::Zstd(None);
    let mut by_column: Vec<Option<&Coded>> = vec![None; df.width()];
    for c in coded {
        let i = df.try_get_column_index(c.column)?;
        polars_ensure!(
            c.codes.len() == df.height(),
            ShapeMismatch: "column {} has {} codes for {} rows", c.column, c.codes.len(), df.height()
        );
        polars_ensure!(
            df.columns()[i].dtype() == &DataType::String,
            SchemaMismatch: "column {} is not a string column", c.column
        );
        by_column[i] = Some(c);
    }
    let chunked = chunk_df_for_writing(df, ROW_GROUP_SIZE)?;
    let mut buf = Vec::new();
    let mut writer = ParquetWriter::new(&mut buf)
        .with_compression(compression)
        .batched(chunked.schema())?;
    // The options and encodings polars' batched writer uses (`materialize_options`,
    // `get_encodings`): default statistics, format version 1, default page size.
    let options = WriteOptions {
        statistics: StatisticsOptions::default(),
        compression: compression.into(),
        version: Version::V1,
        data_page_size: None,
    };
    let encodings: Vec<Vec<_>> = chunked
        .schema()
        .iter_values()
        .map(|dtype| get_dtype_encoding(&dtype.to_arrow(CompatLevel::newest())))
        .collect();
    let types = writer.parquet_schema().fields().to_vec();
    let mut offset = 0;
    for batch in chunked.iter_chunks(CompatLevel::newest(), false) {
        let rows = batch.len();
        if rows == 0 {
            continue;
        }
        let arrays: Vec<Box<dyn Array>> = batch
            .columns()
            .iter()
            .zip(&by_column)
            .map(|(array, coded)| match coded {
                Some(c) => dictionary(&c.names, &c.codes[offset..offset + rows])
                    .unwrap_or_else(|| array.clone()),
                None => array.clone(),
            })
            .collect();
        offset += rows;
        let columns: Vec<Vec<CompressedPage>> = RAYON.install(|| {
            arrays
                .par_iter()
                .zip(&types)
                .zip(&encodings)
                .map(|((array, type_), encoding)| {
                    let mut pages = Vec::new();
                    for column in array_to_columns(array, type_.clone(), options, encoding)? {
                        let column = column.map(|page| {
                            page.map_err(|e| {
                                ParquetError::FeatureNotSupported(format!(
                                    "reraised in polars: {e}"
                                ))
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
        writer.write_row_group(rows as u64, &columns)?;
    }
    writer.finish()?;
    Ok(buf)
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

    /// A frame of `rows` rows with a coded string column `s` of `names[codes]` and a
    /// numeric column, written both ways.
    fn both_ways(names: &[&str], codes: &[u32]) -> (Vec<u8>, Vec<u8>) {
        let strings: Vec<&str> = codes.iter().map(|&c| names[c as usize]).collect();
        let numbers: Vec<f64> = (0..codes.len()).map(|i| (i % 7) as f64).collect();
        let frame = || {
            DataFrame::new(
                codes.len(),
                vec![
                    Column::new("x".into(), numbers.clone()),
                    Column::new("s".into(), strings.clone()),
                ],
            )
            .unwrap()
        };
        let plain = super::super::parquet_bytes(&mut frame()).unwrap();
        let coded = parquet_bytes_coded(
            &mut frame(),
            &[Coded {
                column: "s",
                names: names.to_vec(),
                codes,
            }],
        )
        .unwrap();
        (plain, coded)
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
        // 300 rows, 200 distinct names: past the half-distinct line, so polars decides (it
        // writes them plain), and the bytes still match.
        let names: Vec<String> = (0..200).map(|i| format!("node_{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let codes: Vec<u32> = (0..300u32).map(|i| i % 200).collect();
        assert!(dictionary(&names, &codes).is_none());
        let (plain, coded) = both_ways(&names, &codes);
        assert!(plain == coded);
    }

    #[test]
    fn codes_past_the_names_are_an_error_not_a_panic() {
        // A code with no name cannot become a dictionary: the column goes to polars as is.
        assert!(dictionary(&["a"], &[0, 1]).is_none());
        let names = ["a", "b"];
        let mut df = DataFrame::new(1, vec![Column::new("s".into(), ["a"])]).unwrap();
        let wrong_length = parquet_bytes_coded(
            &mut df,
            &[Coded {
                column: "s",
                names: names.to_vec(),
                codes: &[0, 1],
            }],
        );
        assert!(wrong_length.is_err());
    }
}
