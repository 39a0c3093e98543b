//! Datasets stored as files in a directory: one CSV or Parquet file per dataset, named by its
//! stem (`monthly_indicators.parquet` is dataset `monthly_indicators`). Files are streamed,
//! never loaded whole.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};

use super::{BatchStream, DataError, DataSource, Schema};
use crate::model::Batch;

/// The file formats a dataset may be stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Parquet,
}

/// A directory of CSV and Parquet files.
#[derive(Debug)]
pub struct DirSource {
    files: HashMap<String, (PathBuf, Format)>,
    schemas: Mutex<HashMap<String, (arrow_schema::SchemaRef, Schema)>>,
}

impl DirSource {
    /// Lists the datasets in `dir`. Two files with the same stem are refused as ambiguous.
    pub fn open(dir: &Path) -> Result<Self, DataError> {
        let entries = std::fs::read_dir(dir).map_err(|e| DataError::Io(format!("{}: {e}", dir.display())))?;
        let mut files = HashMap::new();
        for entry in entries {
            let path = entry.map_err(|e| DataError::Io(format!("{}: {e}", dir.display())))?.path();
            let format = match path.extension().and_then(|e| e.to_str()) {
                Some("csv") => Format::Csv,
                Some("parquet") => Format::Parquet,
                _ => continue,
            };
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()).map(str::to_string) else {
                continue;
            };
            if let Some((other, _)) = files.insert(stem.clone(), (path.clone(), format)) {
                return Err(DataError::Invalid(format!(
                    "dataset `{stem}` is stored twice: {} and {}",
                    other.display(),
                    path.display()
                )));
            }
        }
        Ok(DirSource { files, schemas: Mutex::new(HashMap::new()) })
    }

    /// Serves exactly the given files, each under its dataset name (a file's stem is ignored);
    /// for stores that keep datasets content-addressed rather than by name.
    pub fn from_files(files: impl IntoIterator<Item = (String, PathBuf)>) -> Result<Self, DataError> {
        let mut map = HashMap::new();
        for (name, path) in files {
            let format = match path.extension().and_then(|e| e.to_str()) {
                Some("csv") => Format::Csv,
                Some("parquet") => Format::Parquet,
                _ => return Err(DataError::Invalid(format!("{}: not a .csv or .parquet file", path.display()))),
            };
            if map.insert(name.clone(), (path, format)).is_some() {
                return Err(DataError::Invalid(format!("dataset `{name}` is given twice")));
            }
        }
        Ok(DirSource { files: map, schemas: Mutex::new(HashMap::new()) })
    }

    fn file(&self, dataset: &str) -> Result<&(PathBuf, Format), DataError> {
        self.files.get(dataset).ok_or_else(|| DataError::UnknownDataset(dataset.to_string()))
    }

    fn schemas(&self, dataset: &str) -> Result<(arrow_schema::SchemaRef, Schema), DataError> {
        let mut cache = self.schemas.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = cache.get(dataset) {
            return Ok(found.clone());
        }
        let (path, format) = self.file(dataset)?;
        let arrow = match format {
            Format::Csv => infer_csv_schema(path)?,
            Format::Parquet => {
                let builder = ParquetRecordBatchReaderBuilder::try_new(open(path)?).map_err(|e| invalid(path, e))?;
                builder.schema().clone()
            }
        };
        let schema = super::arrow::schema(&arrow, &path.display().to_string())?;
        cache.insert(dataset.to_string(), (arrow.clone(), schema.clone()));
        Ok((arrow, schema))
    }
}

fn open(path: &Path) -> Result<File, DataError> {
    File::open(path).map_err(|e| DataError::Io(format!("{}: {e}", path.display())))
}

fn invalid(path: &Path, e: impl std::fmt::Display) -> DataError {
    DataError::Invalid(format!("{}: {e}", path.display()))
}

/// Infers a CSV file's column types from every row, so a late odd value is caught here with
/// its place named rather than in the middle of a run.
fn infer_csv_schema(path: &Path) -> Result<arrow_schema::SchemaRef, DataError> {
    let format = arrow_csv::reader::Format::default().with_header(true);
    let (schema, _) = format.infer_schema(open(path)?, None).map_err(|e| invalid(path, e))?;
    Ok(Arc::new(schema))
}

impl DataSource for DirSource {
    fn datasets(&self) -> Result<Vec<String>, DataError> {
        let mut names: Vec<String> = self.files.keys().cloned().collect();
        names.sort();
        Ok(names)
    }

    fn schema(&self, dataset: &str) -> Result<Schema, DataError> {
        Ok(self.schemas(dataset)?.1)
    }

    fn scan(&self, dataset: &str, columns: &[String], batch_rows: usize) -> Result<Box<dyn BatchStream>, DataError> {
        self.open_stream(dataset, columns, batch_rows, false)
    }

    fn scan_with_dictionaries(
        &self,
        dataset: &str,
        columns: &[String],
        batch_rows: usize,
    ) -> Result<Box<dyn BatchStream>, DataError> {
        self.open_stream(dataset, columns, batch_rows, true)
    }
}

impl DirSource {
    /// Opens a scan; with `dictionaries`, Parquet string columns are read as Arrow dictionary
    /// arrays, which hand over a row group's dictionary page as it is stored.
    fn open_stream(
        &self,
        dataset: &str,
        columns: &[String],
        batch_rows: usize,
        dictionaries: bool,
    ) -> Result<Box<dyn BatchStream>, DataError> {
        let (arrow, _) = self.schemas(dataset)?;
        let (path, format) = self.file(dataset)?;
        let indices = columns
            .iter()
            .map(|c| {
                arrow
                    .index_of(c)
                    .map_err(|_| DataError::UnknownColumn { dataset: dataset.to_string(), column: c.clone() })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let batch_rows = batch_rows.max(1);
        let reader: Box<dyn Iterator<Item = Result<RecordBatch, arrow_schema::ArrowError>> + Send> = match format {
            Format::Csv => Box::new(
                arrow_csv::ReaderBuilder::new(arrow)
                    .with_header(true)
                    .with_batch_size(batch_rows)
                    .with_projection(indices.clone())
                    .build(open(path)?)
                    .map_err(|e| invalid(path, e))?,
            ),
            Format::Parquet => {
                let mut options = ArrowReaderOptions::new();
                if dictionaries {
                    options = options.with_schema(dictionary_schema(&arrow));
                }
                let builder = ParquetRecordBatchReaderBuilder::try_new_with_options(open(path)?, options)
                    .map_err(|e| invalid(path, e))?;
                let mask = ProjectionMask::roots(builder.parquet_schema(), indices.iter().copied());
                Box::new(
                    builder.with_projection(mask).with_batch_size(batch_rows).build().map_err(|e| invalid(path, e))?,
                )
            }
        };
        Ok(Box::new(FileStream { reader, order: columns.to_vec(), path: path.clone() }))
    }
}

/// `schema` with its string columns as dictionaries of strings.
fn dictionary_schema(schema: &arrow_schema::Schema) -> arrow_schema::SchemaRef {
    use arrow_schema::{DataType, Field};
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 => f
                .as_ref()
                .clone()
                .with_data_type(DataType::Dictionary(Box::new(DataType::Int32), Box::new(f.data_type().clone()))),
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(arrow_schema::Schema::new_with_metadata(fields, schema.metadata().clone()))
}

struct FileStream {
    /// Readers return projected columns in file order; `order` is the order asked for.
    reader: Box<dyn Iterator<Item = Result<RecordBatch, arrow_schema::ArrowError>> + Send>,
    order: Vec<String>,
    path: PathBuf,
}

impl BatchStream for FileStream {
    fn next_batch(&mut self) -> Result<Option<Batch>, DataError> {
        let Some(rb) = self.reader.next() else {
            return Ok(None);
        };
        let rb = rb.map_err(|e| invalid(&self.path, e))?;
        let mut batch = super::arrow::batch(&rb, &self.path.display().to_string())?;
        let mut ordered = Vec::with_capacity(self.order.len());
        for name in &self.order {
            if let Some(i) = batch.columns.iter().position(|c| &c.name == name) {
                ordered.push(batch.columns.swap_remove(i));
            }
        }
        batch.columns = ordered;
        Ok(Some(batch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ColumnData;

    #[test]
    fn csv_columns_come_back_in_the_order_asked_with_nulls() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.csv"), "id,value,ok\na,1.5,true\nb,,false\nc,3,true\n").unwrap();
        let source = DirSource::open(dir.path()).unwrap();
        let mut scan = source.scan("r", &["value".into(), "id".into()], 2).unwrap();
        let first = scan.next_batch().unwrap().unwrap();
        assert_eq!(first.rows, 2);
        assert_eq!(first.columns[0].name, "value");
        assert_eq!(first.columns[0].validity, Some(vec![true, false]));
        assert_eq!(first.columns[1].data, ColumnData::String(crate::strings::pack(["a", "b"])));
        assert_eq!(scan.next_batch().unwrap().unwrap().rows, 1);
        assert!(scan.next_batch().unwrap().is_none());
    }

    #[test]
    fn parquet_strings_come_as_their_stored_dictionaries_and_stay_stable_across_row_groups() {
        use arrow_array::{ArrayRef, Float64Array, StringArray};
        let dir = tempfile::tempdir().unwrap();
        let file = File::create(dir.path().join("r.parquet")).unwrap();
        let ids: ArrayRef = Arc::new(StringArray::from(vec!["b", "a", "b", "c"]));
        let values: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0, 4.0]));
        let rb = RecordBatch::try_from_iter([("id", ids), ("v", values)]).unwrap();
        let props = parquet::file::properties::WriterProperties::builder().set_max_row_group_size(2).build();
        let mut writer = parquet::arrow::ArrowWriter::try_new(file, rb.schema(), Some(props)).unwrap();
        writer.write(&rb).unwrap();
        writer.close().unwrap();
        let source = DirSource::open(dir.path()).unwrap();

        let plain = source.scan("r", &["id".into()], 2).unwrap().next_batch().unwrap().unwrap();
        assert_eq!(plain.columns[0].data, ColumnData::String(crate::strings::pack(["b", "a"])));
        let mut stored = source.scan_with_dictionaries("r", &["id".into()], 2).unwrap();
        let first = stored.next_batch().unwrap().unwrap();
        assert!(matches!(&first.columns[0].data, ColumnData::Dict(d) if d.base == 0), "{first:?}");

        let mut scan = crate::data::encode_dictionaries(source.scan_with_dictionaries("r", &["id".into()], 2).unwrap());
        let mut seen = Vec::new();
        let mut dictionary = Vec::new();
        while let Some(batch) = scan.next_batch().unwrap() {
            let ColumnData::Dict(d) = &batch.columns[0].data else { panic!("{batch:?}") };
            assert_eq!(d.base as usize, dictionary.len());
            dictionary.extend(crate::strings::iter(&d.values).map(String::from));
            seen.extend(d.codes.iter().map(|&c| dictionary[c as usize].clone()));
        }
        assert_eq!(seen, ["b", "a", "b", "c"]);
        assert_eq!(dictionary.len(), 3, "each value sent once: {dictionary:?}");
    }

    #[test]
    fn a_ragged_csv_row_is_reported_with_its_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.csv"), "id,value\na,1\nb,2,3\n").unwrap();
        let source = DirSource::open(dir.path()).unwrap();
        let err = source.schema("r").unwrap_err().to_string();
        assert!(err.contains("r.csv") && err.contains("line 3"), "{err}");
    }

    #[test]
    fn an_unknown_column_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.csv"), "id,value\na,1\nb,2\n").unwrap();
        let source = DirSource::open(dir.path()).unwrap();
        let err = source.scan("r", &["nope".into()], 10).err().unwrap();
        assert_eq!(err, DataError::UnknownColumn { dataset: "r".into(), column: "nope".into() });
    }
}
