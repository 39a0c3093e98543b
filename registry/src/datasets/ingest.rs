//! Checking and normalizing uploaded datasets (CSV or Parquet) into the Parquet files plugins read,
//! plus previews of stored files and extraction of the standard monthly report.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::temporal_conversions::{as_datetime, as_datetime_with_timezone};
use arrow_array::timezone::Tz;
use arrow_array::types::*;
use arrow_array::{Array, ArrowPrimitiveType, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde_json::{Map, Value};

use super::bounds::{self, IngestLimits};

/// Row-group cap for written files, so plugins can read a dataset one bounded group at a time.
const ROW_GROUP_ROWS: usize = 65_536;
/// Rows per Arrow batch while streaming; bounds memory whatever the upload's size.
const BATCH_ROWS: usize = 8_192;

/// Upload formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl Format {
    /// The format a Content-Type names: `text/csv` (parameters such as charset allowed) or
    /// `application/vnd.apache.parquet` / `application/x-parquet`; anything else is `None`.
    pub fn from_content_type(ct: &str) -> Option<Format> {
        let essence = ct.split_once(';').map_or(ct, |(essence, _)| essence).trim().to_ascii_lowercase();
        match essence.as_str() {
            "text/csv" => Some(Format::Csv),
            "application/vnd.apache.parquet" | "application/x-parquet" => Some(Format::Parquet),
            _ => None,
        }
    }
}

/// A column as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Column {
    /// The column's name as uploaded.
    pub name: String,
    /// one of "f64", "s64", "string", "bool", "timestamp"
    #[serde(rename = "type")]
    pub ty: String,
    /// Whether the column may hold nulls (always true for CSV, whose empty fields are nulls).
    pub nullable: bool,
}

/// What an ingest produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingested {
    /// Data rows written (the CSV header is not counted).
    pub rows: u64,
    /// The dataset's columns, in file order.
    pub columns: Vec<Column>,
    /// bytes of the written Parquet file
    pub bytes: u64,
}

/// Why an upload or a stored dataset was refused.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The upload is not valid CSV/Parquet, is empty, has no header, a ragged row (naming the line),
    /// duplicate or empty column names, etc.
    #[error("{0}")]
    Invalid(String),
    /// A column has a type plugins cannot read (names the column and type).
    #[error("column `{column}` has type {ty}, which plugins cannot read")]
    UnsupportedType {
        /// The offending column.
        column: String,
        /// Its Arrow type.
        ty: String,
    },
    /// The data does not have a standard schema it claims (see [`check_standard`]).
    #[error("{0}")]
    NotStandard(String),
    /// The upload decodes to, or would be stored as, more bytes than [`IngestLimits`] allow (names the cap).
    #[error("{0}")]
    TooLarge(String),
    /// The filesystem failed, or a stored file no longer decodes (not the uploader's fault).
    #[error("reading or writing the dataset: {0}")]
    Io(#[from] io::Error),
}

/// Reads `input` (CSV with a header row, or Parquet) and writes it to `output` as snappy-compressed Parquet
/// (row groups of at most 65_536 rows), streaming in batches (never the whole file in memory).
/// Before anything is decoded, the file's structure is checked against `limits` (see [`bounds`]): column count,
/// CSV record length, Parquet footer and page sizes; batches are then sized so each stays under
/// `max_batch_bytes`, and string values, total decoded bytes and the output's size are capped as they stream.
/// CSV: schema inferred over the whole file (so a late non-numeric value makes the column a string rather than
/// failing at row 90,000), then read with that schema; a row with the wrong number of fields → Invalid naming the line.
/// Parquet (uncompressed, snappy, gzip, zstd, lz4): copied batch by batch (validates every page decodes, and each
/// page's CRC where the writer stored one).
/// Refuses zero columns or rows, duplicate or empty column names, and any column whose Arrow type is not supported.
/// On error `output` is removed, so a half-written file is never mistaken for a dataset.
pub fn ingest(input: &Path, format: Format, output: &Path, limits: &IngestLimits) -> Result<Ingested, IngestError> {
    let result = match format {
        Format::Csv => ingest_csv(input, output, limits),
        Format::Parquet => ingest_parquet(input, output, limits),
    };
    if result.is_err() {
        let _ = std::fs::remove_file(output);
    }
    result
}

/// The schema of a stored (already ingested) Parquet file, as API columns.
pub fn columns(parquet: &Path) -> Result<Vec<Column>, IngestError> {
    schema_columns(open_stored(parquet)?.schema())
}

/// The first `limit` rows of a stored Parquet file as JSON objects (column → value; null for nulls;
/// timestamps as RFC 3339, in the column's timezone offset when it has one, else UTC; non-finite floats as null).
pub fn preview(parquet: &Path, limit: usize) -> Result<Vec<Map<String, Value>>, IngestError> {
    let builder = open_stored(parquet)?;
    let schema = builder.schema().clone();
    let reader = builder.with_limit(limit).with_batch_size(limit.clamp(1, BATCH_ROWS)).build().map_err(stored)?;
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.map_err(stored)?;
        for row in 0..batch.num_rows().min(limit - rows.len()) {
            let fields = schema.fields().iter().zip(batch.columns());
            rows.push(fields.map(|(field, array)| (field.name().clone(), cell(array.as_ref(), row))).collect());
        }
    }
    Ok(rows)
}

/// The standard monthly report schema the monitoring rollups read: required columns and their types.
pub const MONTHLY_INDICATORS: &[(&str, &str)] = &[
    ("enterprise_id", "string"),
    ("month", "string"),
    ("output_value", "f64"),
    ("energy_tce", "f64"),
    ("electricity_kwh", "f64"),
    ("employees", "s64"),
];

/// Checks `columns` contain every (name, type) of `standard` (extra columns are fine; an s64 column is accepted
/// where f64 is required, because CSV infers whole numbers as integers; f64 where s64 is required is not).
pub fn check_standard(columns: &[Column], standard: &[(&str, &str)], dataset: &str) -> Result<(), IngestError> {
    let problems: Vec<String> = standard
        .iter()
        .filter_map(|&(name, want)| match columns.iter().find(|c| c.name == name) {
            None => Some(format!("missing column `{name}` ({want})")),
            Some(c) if c.ty == want || (want == "f64" && c.ty == "s64") => None,
            Some(c) => Some(format!("column `{name}` has type {} but must be {want}", c.ty)),
        })
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    Err(IngestError::NotStandard(format!("{dataset} does not match its standard schema: {}", problems.join("; "))))
}

/// One row of a monthly report.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthlyRow {
    /// The reporting enterprise.
    pub enterprise_id: String,
    /// The reported month, `YYYY-MM`.
    pub month: String,
    /// Industrial output value.
    pub output_value: f64,
    /// Energy consumption in tonnes of coal equivalent.
    pub energy_tce: f64,
    /// Electricity consumption in kWh.
    pub electricity_kwh: f64,
    /// Headcount.
    pub employees: i64,
}

/// Reads the standard columns of a stored `monthly_indicators` Parquet file (already ingested and checked).
/// Refused as NotStandard, naming the row (1-based, header excluded): a null or non-finite value in a standard
/// column, a `month` that is not `YYYY-MM` with month 01-12, a repeated (enterprise_id, month).
pub fn monthly_rows(parquet: &Path) -> Result<Vec<MonthlyRow>, IngestError> {
    const DATASET: &str = "monthly_indicators";
    // Re-checked because the rollups must never see a wrongly typed value, however the file got here.
    check_standard(&columns(parquet)?, MONTHLY_INDICATORS, DATASET)?;
    let builder = open_stored(parquet)?;
    let schema = builder.schema().clone();
    let roots = MONTHLY_INDICATORS.iter().map(|(name, _)| schema.index_of(name)).collect::<Result<Vec<_>, _>>();
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots.map_err(stored)?);
    let reader = builder.with_projection(mask).with_batch_size(BATCH_ROWS).build().map_err(stored)?;
    let mut rows = Vec::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for batch in reader {
        let batch = batch.map_err(stored)?;
        let arrays = MONTHLY_INDICATORS
            .iter()
            .map(|(name, _)| batch.column_by_name(name).ok_or_else(|| stored(format!("`{name}` is missing"))))
            .collect::<Result<Vec<_>, _>>()?;
        for i in 0..batch.num_rows() {
            let n = rows.len() + 1;
            let refuse = |col: usize, why: &str| {
                IngestError::NotStandard(format!("{DATASET} row {n}: `{}` {why}", MONTHLY_INDICATORS[col].0))
            };
            // `cell` turns nulls and non-finite floats into Null, and every numeric type into a JSON number.
            let get = |col: usize| match cell(arrays[col].as_ref(), i) {
                Value::Null => Err(refuse(col, "is null (or not a finite number)")),
                value => Ok(value),
            };
            let text = |col: usize| get(col)?.as_str().map(str::to_owned).ok_or_else(|| refuse(col, "is not text"));
            let number = |col: usize| get(col)?.as_f64().ok_or_else(|| refuse(col, "is not a number"));
            let row = MonthlyRow {
                enterprise_id: text(0)?,
                month: text(1)?,
                output_value: number(2)?,
                energy_tce: number(3)?,
                electricity_kwh: number(4)?,
                employees: get(5)?.as_i64().ok_or_else(|| refuse(5, "does not fit in s64"))?,
            };
            if !is_month(&row.month) {
                return Err(refuse(1, &format!("is {:?}, not YYYY-MM with month 01-12", row.month)));
            }
            if let Some(first) = seen.insert((row.enterprise_id.clone(), row.month.clone()), n) {
                return Err(IngestError::NotStandard(format!(
                    "{DATASET} row {n}: enterprise `{}` month {} repeats row {first}",
                    row.enterprise_id, row.month
                )));
            }
            rows.push(row);
        }
    }
    Ok(rows)
}

fn ingest_csv(input: &Path, output: &Path, limits: &IngestLimits) -> Result<Ingested, IngestError> {
    // Inference holds one record at a time and the reader one batch, so both are bounded once this passes.
    let shape = bounds::scan_csv(input, limits)?;
    let format = arrow_csv::reader::Format::default().with_header(true);
    let (inferred, _) = format.clone().infer_schema(File::open(input)?, None).map_err(csv_error)?;
    // A column with no values at all infers as Null, which plugins cannot read; all-null strings say the same.
    let fields = inferred.fields().iter().map(|f| match f.data_type() {
        DataType::Null => Arc::new(Field::new(f.name(), DataType::Utf8, true)),
        _ => f.clone(),
    });
    let schema = Arc::new(Schema::new(fields.collect::<Vec<_>>()));
    let columns = schema_columns(&schema)?;
    // The first line is always taken as the header; a numbers-only one means the header row was left out.
    if columns.iter().all(|c| c.name.trim().parse::<f64>().is_ok() && !c.name.contains(char::is_alphabetic)) {
        return Err(IngestError::Invalid("the CSV has no header row: its first line holds only numbers".into()));
    }
    let reader = arrow_csv::ReaderBuilder::new(schema.clone())
        .with_format(format)
        .with_batch_size(limits.batch_rows(shape.row_bytes(), BATCH_ROWS))
        .build(File::open(input)?)
        .map_err(csv_error)?;
    write(schema, columns, reader.map(|batch| batch.map_err(csv_error)), output, limits)
}

fn ingest_parquet(input: &Path, output: &Path, limits: &IngestLimits) -> Result<Ingested, IngestError> {
    let not_parquet = |e: &dyn std::fmt::Display| IngestError::Invalid(format!("not a valid Parquet file: {e}"));
    let file = File::open(input)?;
    let plan = bounds::plan_parquet(&file, limits, BATCH_ROWS)?;
    let schema = plan.metadata.schema().clone();
    let columns = schema_columns(&schema)?;
    let metadata = plan.metadata;
    // One reader per row group, opened when reached, with the batch size that group's widest possible row allows.
    let batches = plan.batch_rows.into_iter().enumerate().flat_map(move |(group, rows)| {
        let reader = file.try_clone().map_err(IngestError::from).and_then(|file| {
            let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata.clone());
            builder.with_row_groups(vec![group]).with_batch_size(rows).build().map_err(|e| not_parquet(&e))
        });
        let batches: Box<dyn Iterator<Item = Result<RecordBatch, IngestError>>> = match reader {
            Ok(reader) => Box::new(reader.map(move |batch| batch.map_err(|e| not_parquet(&e)))),
            Err(e) => Box::new(std::iter::once(Err(e))),
        };
        batches
    });
    write(schema, columns, batches, output, limits)
}

/// Streams `batches` into `output`, keeping their Arrow types (plugins convert; casting here would lose data).
fn write(
    schema: SchemaRef,
    columns: Vec<Column>,
    batches: impl Iterator<Item = Result<RecordBatch, IngestError>>,
    output: &Path,
    limits: &IngestLimits,
) -> Result<Ingested, IngestError> {
    let props =
        WriterProperties::builder().set_compression(Compression::SNAPPY).set_max_row_group_size(ROW_GROUP_ROWS).build();
    let mut writer = ArrowWriter::try_new(File::create(output)?, schema, Some(props)).map_err(io::Error::other)?;
    let (mut rows, mut decoded, mut unflushed) = (0, 0u64, 0usize);
    for batch in batches {
        let batch = batch?;
        let batch_bytes = batch.get_array_memory_size();
        decoded += batch_bytes as u64;
        unflushed += batch_bytes;
        if decoded > limits.max_decoded_bytes {
            return Err(bounds::too_much_decoded(limits));
        }
        check_values(&batch, limits)?;
        rows += batch.num_rows() as u64;
        writer.write(&batch).map_err(io::Error::other)?;
        // The writer buffers a whole row group; wide or long rows must reach the disk sooner. Its own estimate is
        // not enough: each compressed page keeps an allocation sized for its uncompressed bytes (a 64 MiB page of
        // one repeated string holds 75 MiB for 3 MB of output), so the decoded bytes written since the last flush
        // are what bound the memory it holds.
        if unflushed > limits.max_row_group_bytes || writer.memory_size() > limits.max_row_group_bytes {
            writer.flush().map_err(io::Error::other)?;
            unflushed = 0;
        }
        if (writer.bytes_written() + writer.in_progress_size()) as u64 > limits.max_output_bytes {
            return Err(IngestError::TooLarge(format!(
                "the dataset would be stored in more than {} bytes, the most one may take",
                limits.max_output_bytes
            )));
        }
    }
    writer.close().map_err(io::Error::other)?;
    if rows == 0 {
        return Err(IngestError::Invalid("the upload has no data rows".into()));
    }
    Ok(Ingested { rows, columns, bytes: std::fs::metadata(output)?.len() })
}

/// Validates names and maps every Arrow type to its API type, refusing what plugins cannot read.
fn schema_columns(schema: &Schema) -> Result<Vec<Column>, IngestError> {
    if schema.fields().is_empty() {
        return Err(IngestError::Invalid("the upload has no columns (is it empty?)".into()));
    }
    let mut columns: Vec<Column> = Vec::with_capacity(schema.fields().len());
    for (i, field) in schema.fields().iter().enumerate() {
        let name = field.name();
        if name.trim().is_empty() {
            return Err(IngestError::Invalid(format!("column {} has an empty name", i + 1)));
        }
        if columns.iter().any(|c| &c.name == name) {
            return Err(IngestError::Invalid(format!("column `{name}` appears more than once")));
        }
        let ty = api_type(field.data_type())
            .ok_or_else(|| IngestError::UnsupportedType { column: name.clone(), ty: field.data_type().to_string() })?;
        columns.push(Column { name: name.clone(), ty: ty.into(), nullable: field.is_nullable() });
    }
    Ok(columns)
}

/// The API type of an Arrow type; must match what the plugin host accepts exactly.
fn api_type(data_type: &DataType) -> Option<&'static str> {
    Some(match data_type {
        DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Decimal128(..) => "f64",
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => "s64",
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => "s64",
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string",
        DataType::Boolean => "bool",
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => "timestamp",
        _ => return None,
    })
}

/// The host refuses a u64 above i64::MAX when a plugin reads it; refuse it at upload time instead.
/// A string longer than `max_value_bytes` is refused too (the batch holding it is already bounded).
fn check_values(batch: &RecordBatch, limits: &IngestLimits) -> Result<(), IngestError> {
    for (field, array) in batch.schema().fields().iter().zip(batch.columns()) {
        let longest = match array.data_type() {
            DataType::Utf8 => array.as_string::<i32>().offsets().windows(2).map(|w| (w[1] - w[0]) as usize).max(),
            DataType::LargeUtf8 => array.as_string::<i64>().offsets().windows(2).map(|w| (w[1] - w[0]) as usize).max(),
            DataType::Utf8View => array.as_string_view().views().iter().map(|v| *v as u32 as usize).max(),
            _ => None,
        };
        if let Some(longest) = longest
            && longest > limits.max_value_bytes
        {
            return Err(IngestError::Invalid(format!(
                "column `{}` holds a value of {longest} bytes; values are limited to {} bytes",
                field.name(),
                limits.max_value_bytes
            )));
        }
        if let Some(values) = array.as_primitive_opt::<UInt64Type>()
            && values.iter().flatten().any(|v| i64::try_from(v).is_err())
        {
            let name = field.name();
            return Err(IngestError::Invalid(format!("column `{name}` has a value above {}", i64::MAX)));
        }
    }
    Ok(())
}

/// Rewrites arrow-csv's errors for people: a ragged row becomes "line N: expected X fields, found Y".
fn csv_error(error: ArrowError) -> IngestError {
    let mut message = match error {
        ArrowError::IoError(_, e) => return IngestError::Io(e),
        ArrowError::CsvError(m) | ArrowError::ParseError(m) => m,
        other => other.to_string(),
    };
    // When a value fails to parse, arrow-csv counts lines from the first data row; say the file line instead.
    if message.starts_with("Error while parsing value")
        && let Some((head, tail)) = message.split_once(" at line ")
    {
        let digits = tail.chars().take_while(char::is_ascii_digit).count();
        if let Ok(line) = tail[..digits].parse::<u64>() {
            message = format!("{head} at line {}{}", line + 1, &tail[digits..]);
        }
    }
    let n: Vec<u64> = message.split(|c: char| !c.is_ascii_digit()).filter_map(|s| s.parse().ok()).collect();
    let ragged = match n[..] {
        [expected, found, line] if message.starts_with("Encountered unequal lengths") => Some((line, expected, found)),
        [line, expected, found] if message.starts_with("incorrect number of fields") => Some((line, expected, found)),
        _ => None,
    };
    IngestError::Invalid(match ragged {
        Some((line, expected, found)) if !message.contains("more than") => {
            format!("line {line}: expected {expected} fields, found {found}")
        }
        _ if message.contains("UTF-8") => format!("CSV: {message} (save the file as UTF-8)"),
        _ => format!("CSV: {message}"),
    })
}

fn open_stored(parquet: &Path) -> Result<ParquetRecordBatchReaderBuilder<File>, IngestError> {
    ParquetRecordBatchReaderBuilder::try_new(File::open(parquet)?).map_err(stored)
}

/// A stored file was valid when ingested, so failing to decode it now is a storage fault, not a user error.
fn stored(error: impl std::fmt::Display) -> IngestError {
    IngestError::Io(io::Error::new(io::ErrorKind::InvalidData, format!("stored dataset does not decode: {error}")))
}

/// One value as JSON, rendered the way plugins will see it (decimals as f64, dates as midnight UTC).
fn cell(array: &dyn Array, row: usize) -> Value {
    fn float(v: f64) -> Value {
        serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
    fn int<T: ArrowPrimitiveType>(array: &dyn Array, row: usize) -> Value
    where
        T::Native: Into<Value>,
    {
        array.as_primitive::<T>().value(row).into()
    }
    if array.is_null(row) {
        return Value::Null;
    }
    match array.data_type() {
        DataType::Float16 => float(array.as_primitive::<Float16Type>().value(row).to_f64()),
        DataType::Float32 => float(f64::from(array.as_primitive::<Float32Type>().value(row))),
        DataType::Float64 => float(array.as_primitive::<Float64Type>().value(row)),
        DataType::Decimal128(_, scale) => {
            float(array.as_primitive::<Decimal128Type>().value(row) as f64 / 10f64.powi(i32::from(*scale)))
        }
        DataType::Int8 => int::<Int8Type>(array, row),
        DataType::Int16 => int::<Int16Type>(array, row),
        DataType::Int32 => int::<Int32Type>(array, row),
        DataType::Int64 => int::<Int64Type>(array, row),
        DataType::UInt8 => int::<UInt8Type>(array, row),
        DataType::UInt16 => int::<UInt16Type>(array, row),
        DataType::UInt32 => int::<UInt32Type>(array, row),
        DataType::UInt64 => int::<UInt64Type>(array, row),
        DataType::Utf8 => array.as_string::<i32>().value(row).into(),
        DataType::LargeUtf8 => array.as_string::<i64>().value(row).into(),
        DataType::Utf8View => array.as_string_view().value(row).into(),
        DataType::Boolean => array.as_boolean().value(row).into(),
        DataType::Timestamp(unit, tz) => {
            fn at<T: ArrowTimestampType>(array: &dyn Array, row: usize, tz: Option<&str>) -> Value {
                rfc3339::<T>(array.as_primitive::<T>().value(row), tz)
            }
            let tz = tz.as_deref();
            match unit {
                TimeUnit::Second => at::<TimestampSecondType>(array, row, tz),
                TimeUnit::Millisecond => at::<TimestampMillisecondType>(array, row, tz),
                TimeUnit::Microsecond => at::<TimestampMicrosecondType>(array, row, tz),
                TimeUnit::Nanosecond => at::<TimestampNanosecondType>(array, row, tz),
            }
        }
        DataType::Date32 => rfc3339::<Date32Type>(i64::from(array.as_primitive::<Date32Type>().value(row)), None),
        DataType::Date64 => rfc3339::<Date64Type>(array.as_primitive::<Date64Type>().value(row), None),
        // Ingest refuses every other type, so a stored file cannot hold one.
        other => Value::String(format!("<{other}>")),
    }
}

/// RFC 3339 in the column's offset if it parses (named zones may not without chrono-tz), else UTC.
fn rfc3339<T: ArrowPrimitiveType>(value: i64, tz: Option<&str>) -> Value {
    let text = match tz.and_then(|tz| tz.parse::<Tz>().ok()) {
        Some(tz) => as_datetime_with_timezone::<T>(value, tz).map(|t| t.format("%Y-%m-%dT%H:%M:%S%.f%:z").to_string()),
        None => as_datetime::<T>(value).map(|t| t.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string()),
    };
    match text {
        Some(text) => Value::String(text.strip_suffix("+00:00").map_or(text.clone(), |t| format!("{t}Z"))),
        None => Value::Null,
    }
}

fn is_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        && s.get(5..).and_then(|m| m.parse::<u8>().ok()).is_some_and(|m| (1..=12).contains(&m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{BinaryArray, Float64Array, Int32Array, StringArray, TimestampMillisecondArray};
    use std::path::PathBuf;
    use tempfile::TempDir;

    fn file(dir: &TempDir, name: &str, contents: &[u8]) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Ingests `csv` into a fresh tempdir; returns the dir (kept alive), the result and the output path.
    fn ingest_csv_text(csv: &str) -> (TempDir, Result<Ingested, IngestError>, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let input = file(&dir, "in.csv", csv.as_bytes());
        let output = dir.path().join("out.parquet");
        let result = ingest(&input, Format::Csv, &output, &IngestLimits::default());
        (dir, result, output)
    }

    fn write_parquet(dir: &TempDir, batch: &RecordBatch) -> PathBuf {
        let path = dir.path().join("in.parquet");
        let mut writer = ArrowWriter::try_new(File::create(&path).unwrap(), batch.schema(), None).unwrap();
        writer.write(batch).unwrap();
        writer.close().unwrap();
        path
    }

    fn column(name: &str, ty: &str) -> Column {
        Column { name: name.into(), ty: ty.into(), nullable: true }
    }

    #[test]
    fn content_types_name_formats() {
        assert_eq!(Format::from_content_type("text/csv; charset=utf-8"), Some(Format::Csv));
        assert_eq!(Format::from_content_type("application/vnd.apache.parquet"), Some(Format::Parquet));
        assert_eq!(Format::from_content_type("application/x-parquet"), Some(Format::Parquet));
        assert_eq!(Format::from_content_type("application/json"), None);
    }

    #[test]
    fn csv_is_ingested_with_inferred_types() {
        // The BOM is what Excel writes; it must not end up in the first column's name.
        let csv = "\u{feff}name,price,qty,ok,blank\nbolt,1.5,3,true,\nnut,,4,false,\nwasher,2.25,,true,\n";
        let (_dir, result, output) = ingest_csv_text(csv);
        let ingested = result.unwrap();
        assert_eq!(ingested.rows, 3);
        let types: Vec<_> = ingested.columns.iter().map(|c| (c.name.as_str(), c.ty.as_str())).collect();
        let expected = [("name", "string"), ("price", "f64"), ("qty", "s64"), ("ok", "bool"), ("blank", "string")];
        assert_eq!(types, expected);
        assert_eq!(columns(&output).unwrap(), ingested.columns);
        assert_eq!(ingested.bytes, std::fs::metadata(&output).unwrap().len());
        let rows = preview(&output, 10).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(
            Value::Object(rows[0].clone()),
            serde_json::json!({"name": "bolt", "price": 1.5, "qty": 3, "ok": true, "blank": null})
        );
        assert_eq!(rows[1]["price"], Value::Null);
        assert_eq!(rows[2]["qty"], Value::Null);
    }

    #[test]
    fn parquet_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let at = TimestampMillisecondArray::from(vec![Some(1_740_816_000_000), None]).with_timezone("+08:00");
        let batch = RecordBatch::try_from_iter([
            ("site", Arc::new(StringArray::from(vec!["a", "b"])) as _),
            ("kwh", Arc::new(Float64Array::from(vec![Some(2.5), Some(f64::NAN)])) as _),
            ("n", Arc::new(Int32Array::from(vec![7, -1])) as _),
            ("at", Arc::new(at) as _),
        ])
        .unwrap();
        let output = dir.path().join("out.parquet");
        let ingested =
            ingest(&write_parquet(&dir, &batch), Format::Parquet, &output, &IngestLimits::default()).unwrap();
        assert_eq!(ingested.rows, 2);
        assert_eq!(
            ingested.columns.iter().map(|c| c.ty.as_str()).collect::<Vec<_>>(),
            ["string", "f64", "s64", "timestamp"]
        );
        let rows = preview(&output, 10).unwrap();
        let first = serde_json::json!({"site": "a", "kwh": 2.5, "n": 7, "at": "2025-03-01T16:00:00+08:00"});
        assert_eq!(Value::Object(rows[0].clone()), first);
        assert_eq!(Value::Object(rows[1].clone()), serde_json::json!({"site": "b", "kwh": null, "n": -1, "at": null}));
    }

    #[test]
    fn ragged_csv_row_is_refused_naming_the_line() {
        let (_dir, result, output) = ingest_csv_text("a,b,c\n1,2,3\n4,5\n6,7,8\n");
        let message = result.unwrap_err().to_string();
        assert_eq!(message, "line 3: expected 3 fields, found 2");
        assert!(!output.exists(), "a refused upload leaves no output behind");
    }

    #[test]
    fn an_impossible_date_is_refused_naming_the_line() {
        let (_dir, result, _) = ingest_csv_text("day,v\n2025-02-28,1\n2025-02-30,2\n");
        let message = result.unwrap_err().to_string();
        assert!(message.contains("'2025-02-30'") && message.contains("at line 3"), "{message}");
    }

    #[test]
    fn empty_csv_is_refused() {
        let (_dir, result, _) = ingest_csv_text("");
        assert!(matches!(result, Err(IngestError::Invalid(m)) if m.contains("no columns")), "empty file");
        let (_dir, result, _) = ingest_csv_text("a,b\n");
        assert!(matches!(result, Err(IngestError::Invalid(m)) if m.contains("no data rows")), "header only");
    }

    #[test]
    fn csv_without_a_header_is_refused() {
        let (_dir, result, _) = ingest_csv_text("1,2.5\n3,4\n");
        assert!(matches!(result, Err(IngestError::Invalid(m)) if m.contains("no header")));
    }

    #[test]
    fn duplicate_column_is_refused() {
        let (_dir, result, _) = ingest_csv_text("a,b,a\n1,2,3\n");
        assert!(matches!(result, Err(IngestError::Invalid(m)) if m.contains("`a` appears more than once")));
        let (_dir, result, _) = ingest_csv_text("a,,c\n1,2,3\n");
        assert!(matches!(result, Err(IngestError::Invalid(m)) if m.contains("column 2 has an empty name")));
    }

    #[test]
    fn random_bytes_as_parquet_are_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let input = file(&dir, "junk.parquet", &(0..4096u32).map(|i| (i * 7919 % 251) as u8).collect::<Vec<_>>());
        let result = ingest(&input, Format::Parquet, &dir.path().join("out.parquet"), &IngestLimits::default());
        assert!(matches!(result, Err(IngestError::Invalid(m)) if m.starts_with("not a valid Parquet file")));
    }

    #[test]
    fn unsupported_type_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let blob = BinaryArray::from(vec![b"\x00\x01".as_ref()]);
        let batch = RecordBatch::try_from_iter([("blob", Arc::new(blob) as _)]).unwrap();
        let result = ingest(
            &write_parquet(&dir, &batch),
            Format::Parquet,
            &dir.path().join("out.parquet"),
            &IngestLimits::default(),
        );
        let error = result.unwrap_err();
        assert!(matches!(&error, IngestError::UnsupportedType { column, ty } if column == "blob" && ty == "Binary"));
        assert_eq!(error.to_string(), "column `blob` has type Binary, which plugins cannot read");
    }

    #[test]
    fn a_late_non_numeric_value_makes_the_column_a_string() {
        let mut csv = String::from("code,v\n");
        for i in 0..99_999 {
            csv.push_str(&format!("{i},{i}\n"));
        }
        csv.push_str("A7,1\n");
        let (_dir, result, output) = ingest_csv_text(&csv);
        let ingested = result.unwrap();
        assert_eq!(ingested.rows, 100_000);
        assert_eq!(ingested.columns, [column("code", "string"), column("v", "s64")]);
        let file = ParquetRecordBatchReaderBuilder::try_new(File::open(&output).unwrap()).unwrap();
        let groups: Vec<i64> = file.metadata().row_groups().iter().map(|g| g.num_rows()).collect();
        assert_eq!(groups, [65_536, 34_464]);
    }

    #[test]
    fn check_standard_accepts_the_standard_schema_and_s64_for_f64() {
        let mut cols: Vec<Column> = MONTHLY_INDICATORS.iter().map(|(n, t)| column(n, t)).collect();
        cols.push(column("notes", "string"));
        check_standard(&cols, MONTHLY_INDICATORS, "monthly_indicators").unwrap();
        cols[3].ty = "s64".into(); // energy_tce, in whole numbers
        check_standard(&cols, MONTHLY_INDICATORS, "monthly_indicators").unwrap();
    }

    #[test]
    fn check_standard_refuses_a_missing_column_and_a_wrong_type() {
        let mut cols: Vec<Column> = MONTHLY_INDICATORS.iter().map(|(n, t)| column(n, t)).collect();
        cols.remove(4); // electricity_kwh
        cols[4].ty = "f64".into(); // employees
        let message = check_standard(&cols, MONTHLY_INDICATORS, "monthly_indicators").unwrap_err().to_string();
        assert!(message.starts_with("monthly_indicators"), "{message}");
        assert!(message.contains("missing column `electricity_kwh` (f64)"), "{message}");
        assert!(message.contains("column `employees` has type f64 but must be s64"), "{message}");
    }

    const MONTHLY_HEADER: &str = "enterprise_id,month,output_value,energy_tce,electricity_kwh,employees,notes\n";

    fn monthly(rows: &str) -> Result<Vec<MonthlyRow>, IngestError> {
        let (_dir, result, output) = ingest_csv_text(&format!("{MONTHLY_HEADER}{rows}"));
        result.unwrap();
        monthly_rows(&output)
    }

    #[test]
    fn monthly_rows_are_read() {
        let rows = monthly("E1,2025-01,1200.5,30,41000.5,120,\nE1,2025-02,1300,31,42000,121,ok\n").unwrap();
        assert_eq!(rows.len(), 2);
        let first = MonthlyRow {
            enterprise_id: "E1".into(),
            month: "2025-01".into(),
            output_value: 1200.5,
            energy_tce: 30.0,
            electricity_kwh: 41000.5,
            employees: 120,
        };
        assert_eq!(rows[0], first);
        assert_eq!(rows[1].output_value, 1300.0);
    }

    #[test]
    fn monthly_rows_refuse_a_null_output_value() {
        let error = monthly("E1,2025-01,1.5,3,4,5,\nE2,2025-01,,3,4,5,\n").unwrap_err();
        assert!(
            matches!(&error, IngestError::NotStandard(m) if m.contains("row 2: `output_value` is null")),
            "{error}"
        );
    }

    #[test]
    fn monthly_rows_refuse_a_bad_month() {
        let error = monthly("E1,2025-13,1.5,3,4,5,\n").unwrap_err();
        assert!(
            matches!(&error, IngestError::NotStandard(m) if m.contains("row 1: `month` is \"2025-13\"")),
            "{error}"
        );
    }

    #[test]
    fn monthly_rows_refuse_a_repeated_enterprise_month() {
        let error = monthly("E1,2025-01,1.5,3,4,5,\nE2,2025-01,1.5,3,4,5,\nE1,2025-01,2,3,4,5,\n").unwrap_err();
        assert!(matches!(&error, IngestError::NotStandard(m) if m.contains("row 3") && m.contains("repeats row 1")));
    }

    #[test]
    fn preview_limit_is_respected() {
        let csv: String = std::iter::once("n\n".to_string()).chain((0..10).map(|i| format!("{i}\n"))).collect();
        let (_dir, result, output) = ingest_csv_text(&csv);
        result.unwrap();
        assert_eq!(preview(&output, 3).unwrap().len(), 3);
        assert_eq!(preview(&output, 3).unwrap()[2]["n"], 2);
        assert_eq!(preview(&output, 100).unwrap().len(), 10);
        assert!(preview(&output, 0).unwrap().is_empty());
    }
}
