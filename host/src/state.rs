//! The per-run store state, and what the `data` imports of every contract version do with it
//! (each version's module in `crate::wit` converts to and from its own types).

use std::sync::Arc;

use wasmtime::component::{Resource, ResourceTable};
use wasmtime_wasi::{WasiCtxView, WasiView};

use crate::data::{BatchStream, DataSource, DictBudget, Grants};
use crate::determinism::{ClockView, Determinism, VirtualTime};
use crate::error::Abort;
use crate::limits::{Limits, StoreLimiter};
use crate::log::SharedLog;
use crate::model::{Batch, Grant, ReadError};
use crate::wasi::LazyWasi;

/// The most scans a run may hold open at once.
const MAX_OPEN_SCANS: usize = 64;

/// Everything one run's store holds.
pub(crate) struct RunState {
    pub(crate) wasi: LazyWasi,
    /// The virtual timeline both WASI clocks read.
    pub(crate) time: VirtualTime,
    pub(crate) table: ResourceTable,
    pub(crate) limiter: StoreLimiter,
    pub(crate) log: SharedLog,
    pub(crate) access: Option<DataAccess>,
    pub(crate) rows_read: u64,
    pub(crate) row_limit: u64,
    open_scans: usize,
    /// What the scans' dictionaries may hold on the host, shared by every scan of the run.
    dictionaries: DictBudget,
}

/// The data a run may read: the source, the grants on it, and the batch size.
pub(crate) struct DataAccess {
    pub(crate) source: Arc<dyn DataSource>,
    pub(crate) grants: Grants,
    pub(crate) batch_rows: usize,
}

/// A scan opened by the guest. Opening errors other than grant violations are held and
/// reported by the first `next`, since a WIT constructor cannot fail.
pub struct ScanState {
    stream: Result<Box<dyn BatchStream>, ReadError>,
}

impl RunState {
    pub(crate) fn new(limits: &Limits, access: Option<DataAccess>, determinism: &Determinism) -> Self {
        let log = SharedLog::new(limits.log_bytes);
        RunState {
            wasi: LazyWasi::new(log.clone(), determinism.seed),
            time: VirtualTime::new(determinism),
            table: ResourceTable::new(),
            limiter: StoreLimiter::new(limits),
            log,
            access,
            rows_read: 0,
            row_limit: limits.rows,
            open_scans: 0,
            dictionaries: DictBudget::default(),
        }
    }

    fn open(
        &self,
        dataset: &str,
        mut columns: Vec<String>,
        dictionaries: bool,
    ) -> wasmtime::Result<Result<Box<dyn BatchStream>, ReadError>> {
        let Some(access) = &self.access else {
            return Err(Abort::Ungranted(format!("dataset `{dataset}` (this run has no data)")).into());
        };
        if !access.grants.allows_dataset(dataset) {
            return Err(Abort::Ungranted(format!("dataset `{dataset}`")).into());
        }
        if let Some(column) = columns.iter().find(|c| !access.grants.allows_column(dataset, c)) {
            return Err(Abort::Ungranted(format!("column `{column}` of dataset `{dataset}`")).into());
        }
        // Each named column is read and copied once per batch: naming one many times would
        // multiply the host's work and memory past what the guest is charged for.
        let mut seen = std::collections::HashSet::new();
        if let Some(column) = columns.iter().find(|c| !seen.insert(c.as_str())) {
            return Ok(Err(ReadError::Invalid(format!("column `{column}` is named more than once"))));
        }
        let schema = match access.source.schema(dataset) {
            Ok(schema) => schema,
            Err(e) => return Ok(Err(data_error(e))),
        };
        if columns.is_empty() {
            columns = schema
                .iter()
                .filter(|f| access.grants.allows_column(dataset, &f.name))
                .map(|f| f.name.clone())
                .collect();
        }
        if !dictionaries {
            return Ok(access.source.scan(dataset, &columns, access.batch_rows).map_err(data_error));
        }
        Ok(access
            .source
            .scan_with_dictionaries(dataset, &columns, access.batch_rows)
            .map(|stream| crate::data::encode_dictionaries_within(stream, self.dictionaries.clone()))
            .map_err(data_error))
    }

    /// The datasets and columns granted to this run, with their types (`data.grants`).
    pub(crate) fn granted(&self) -> Vec<Grant> {
        let Some(access) = &self.access else {
            return Vec::new();
        };
        let mut grants = Vec::new();
        for dataset in access.grants.dataset_names() {
            let Ok(schema) = access.source.schema(dataset) else {
                continue;
            };
            let columns = schema.into_iter().filter(|f| access.grants.allows_column(dataset, &f.name)).collect();
            grants.push(Grant { dataset: dataset.to_string(), columns });
        }
        grants
    }

    /// Opens a scan (`data.scan`'s constructor); an ungranted dataset or column, or too many
    /// open scans, ends the run. `dictionaries` sends string columns dictionary-encoded.
    pub(crate) fn open_scan(
        &mut self,
        dataset: &str,
        columns: Vec<String>,
        dictionaries: bool,
    ) -> wasmtime::Result<Resource<ScanState>> {
        if self.open_scans >= MAX_OPEN_SCANS {
            return Err(Abort::Misuse(format!("more than {MAX_OPEN_SCANS} scans open at once")).into());
        }
        let stream = self.open(dataset, columns, dictionaries)?;
        self.open_scans += 1;
        Ok(self.table.push(ScanState { stream })?)
    }

    /// The scan's next batch (`scan.next`), counted against the run's row limit.
    pub(crate) fn next_batch(
        &mut self,
        scan: &Resource<ScanState>,
    ) -> wasmtime::Result<Result<Option<Batch>, ReadError>> {
        let scan = self.table.get_mut(scan)?;
        let stream = match &mut scan.stream {
            Ok(stream) => stream,
            Err(e) => return Ok(Err(e.clone())),
        };
        let batch = match stream.next_batch() {
            Ok(batch) => batch,
            Err(e) => return Ok(Err(data_error(e))),
        };
        if let Some(batch) = &batch {
            self.rows_read += u64::from(batch.rows);
            if self.rows_read > self.row_limit {
                return Err(Abort::Rows.into());
            }
        }
        Ok(Ok(batch))
    }

    /// Closes a scan (the resource's drop).
    pub(crate) fn close_scan(&mut self, scan: Resource<ScanState>) -> wasmtime::Result<()> {
        self.table.delete(scan)?;
        self.open_scans -= 1;
        Ok(())
    }
}

fn data_error(e: crate::data::DataError) -> ReadError {
    match e {
        crate::data::DataError::Io(m) => ReadError::Io(m),
        other => ReadError::Invalid(other.to_string()),
    }
}

impl RunState {
    /// What the virtual clocks see of the run.
    pub(crate) fn clocks(&mut self) -> ClockView<'_> {
        ClockView { time: &self.time, table: &mut self.table }
    }
}

impl WasiView for RunState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: self.wasi.get(), table: &mut self.table }
    }
}
