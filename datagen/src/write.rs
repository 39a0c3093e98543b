//! Writing the tables as snappy-compressed Parquet files, each through a temporary file that is
//! renamed into place only once all four were written completely.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::{DatasetSummary, Error, Summary, Tables};

/// Rows handed to the Parquet writer (and reported to the progress callback) at a time.
const CHUNK_ROWS: usize = 16_384;
/// Progress stage name while writing.
pub(crate) const STAGE: &str = "write";

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

/// Writes the four tables into `dir` (created if missing) and reports rows written to `progress`.
pub(crate) fn write_tables(
    dir: &Path,
    tables: &Tables,
    progress: &mut dyn FnMut(u64, u64, &str),
) -> Result<Summary, Error> {
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    let datasets: [(&str, &RecordBatch); 4] = [
        ("enterprises", &tables.enterprises),
        ("monthly_indicators", &tables.monthly_indicators),
        ("equipment_telemetry", &tables.equipment_telemetry),
        ("injected_anomalies", &tables.injected_anomalies),
    ];
    let total: u64 = datasets.iter().map(|(_, b)| b.num_rows() as u64).sum();
    let mut done = 0u64;
    progress(done, total, STAGE);

    let mut temps: Vec<PathBuf> = Vec::with_capacity(datasets.len());
    for (name, batch) in datasets {
        let tmp = dir.join(format!(".{name}.parquet.{}.tmp", std::process::id()));
        temps.push(tmp.clone());
        let mut on_rows = |rows: usize| {
            done += rows as u64;
            progress(done, total, STAGE);
        };
        if let Err(e) = write_file(&tmp, batch, &mut on_rows) {
            remove_all(&temps);
            return Err(e);
        }
    }

    let mut summary = Summary { datasets: Vec::with_capacity(datasets.len()) };
    for ((name, batch), tmp) in datasets.iter().zip(&temps) {
        let path = dir.join(format!("{name}.parquet"));
        if let Err(e) = fs::rename(tmp, &path) {
            remove_all(&temps);
            return Err(Error::Io { path, source: e });
        }
        let bytes = fs::metadata(&path).map_err(io_error(&path))?.len();
        summary.datasets.push(DatasetSummary { name: (*name).to_string(), path, rows: batch.num_rows() as u64, bytes });
    }
    Ok(summary)
}

/// Best-effort removal of temporary files after a failure (some may already be renamed away).
fn remove_all(paths: &[PathBuf]) {
    for path in paths {
        let _ = fs::remove_file(path);
    }
}

/// Writes `batch` to `path` as one snappy-compressed Parquet file and syncs it to disk.
fn write_file(path: &Path, batch: &RecordBatch, on_rows: &mut dyn FnMut(usize)) -> Result<(), Error> {
    let file = File::create(path).map_err(io_error(path))?;
    let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props))?;
    let mut offset = 0;
    while offset < batch.num_rows() {
        let len = CHUNK_ROWS.min(batch.num_rows() - offset);
        writer.write(&batch.slice(offset, len))?;
        offset += len;
        on_rows(len);
    }
    let file = writer.into_inner()?;
    file.sync_all().map_err(io_error(path))?;
    Ok(())
}
