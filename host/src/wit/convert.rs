//! What every contract version converts the same way, written once as macros that each
//! `since_v*` module expands against its own generated types.
//!
//! The generated types of two versions are distinct Rust types even where their WIT is the
//! same, so each version needs its own functions; the macros keep them from being copies. A
//! version whose WIT differs in one of these shapes writes that conversion by hand instead.

/// Conversions of the shapes 0.1.0 and 0.2.0 share: value types, values, strings, parameter
/// and dataset specs, metrics, errors, grants, log levels and batches. Expects `types`,
/// `guest`, `data`, `log` and `model` in scope, and the module's own `column_data_to_wit` and
/// `column_data_from_wit`.
macro_rules! shared_conversions {
    () => {
        fn value_type_from_wit(ty: types::ValueType) -> model::ValueType {
            match ty {
                types::ValueType::F64 => model::ValueType::F64,
                types::ValueType::S64 => model::ValueType::S64,
                types::ValueType::String => model::ValueType::String,
                types::ValueType::Bool => model::ValueType::Bool,
                types::ValueType::Timestamp => model::ValueType::Timestamp,
            }
        }

        fn value_type_to_wit(ty: model::ValueType) -> types::ValueType {
            match ty {
                model::ValueType::F64 => types::ValueType::F64,
                model::ValueType::S64 => types::ValueType::S64,
                model::ValueType::String => types::ValueType::String,
                model::ValueType::Bool => types::ValueType::Bool,
                model::ValueType::Timestamp => types::ValueType::Timestamp,
            }
        }

        fn value_from_wit(value: types::Value) -> model::Value {
            match value {
                types::Value::F64(v) => model::Value::F64(v),
                types::Value::S64(v) => model::Value::S64(v),
                types::Value::String(v) => model::Value::String(v),
                types::Value::Bool(v) => model::Value::Bool(v),
                types::Value::Timestamp(v) => model::Value::Timestamp(v),
            }
        }

        fn value_to_wit(value: &model::Value) -> types::Value {
            match value {
                model::Value::F64(v) => types::Value::F64(*v),
                model::Value::S64(v) => types::Value::S64(*v),
                model::Value::String(v) => types::Value::String(v.clone()),
                model::Value::Bool(v) => types::Value::Bool(*v),
                model::Value::Timestamp(v) => types::Value::Timestamp(*v),
            }
        }

        fn strings_from_wit(s: types::Strings) -> model::Strings {
            model::Strings { offsets: s.offsets, bytes: s.bytes }
        }

        fn strings_to_wit(s: model::Strings) -> types::Strings {
            types::Strings { offsets: s.offsets, bytes: s.bytes }
        }

        fn param_spec_from_wit(p: guest::ParamSpec) -> model::ParamSpec {
            model::ParamSpec {
                name: p.name,
                type_: value_type_from_wit(p.type_),
                default: p.default.map(value_from_wit),
                doc: p.doc,
            }
        }

        fn dataset_spec_from_wit(d: guest::DatasetSpec) -> model::DatasetSpec {
            model::DatasetSpec { name: d.name, columns: d.columns, doc: d.doc }
        }

        fn param_to_wit(p: &model::Param) -> guest::Param {
            guest::Param { name: p.name.clone(), value: value_to_wit(&p.value) }
        }

        fn plugin_error_from_wit(e: guest::PluginError) -> model::PluginError {
            match e {
                guest::PluginError::InvalidParams(m) => model::PluginError::InvalidParams(m),
                guest::PluginError::InvalidData(m) => model::PluginError::InvalidData(m),
                guest::PluginError::Failed(m) => model::PluginError::Failed(m),
            }
        }

        fn batch_from_wit(b: types::Batch) -> model::Batch {
            let columns = b
                .columns
                .into_iter()
                .map(|c| model::Column { name: c.name, data: column_data_from_wit(c.data), validity: c.validity })
                .collect();
            model::Batch { rows: b.rows, columns }
        }

        fn batch_to_wit(b: model::Batch) -> types::Batch {
            let columns = b
                .columns
                .into_iter()
                .map(|c| types::Column { name: c.name, data: column_data_to_wit(c.data), validity: c.validity })
                .collect();
            types::Batch { rows: b.rows, columns }
        }

        fn output_from_wit(o: guest::Output) -> model::Output {
            model::Output {
                tables: o
                    .tables
                    .into_iter()
                    .map(|t| model::Table { name: t.name, data: batch_from_wit(t.data) })
                    .collect(),
                metrics: o
                    .metrics
                    .into_iter()
                    .map(|m| model::Metric { name: m.name, value: m.value, unit: m.unit })
                    .collect(),
            }
        }

        fn grant_to_wit(g: model::Grant) -> data::Grant {
            data::Grant {
                dataset: g.dataset,
                columns: g
                    .columns
                    .into_iter()
                    .map(|f| data::ColumnInfo { name: f.name, type_: value_type_to_wit(f.ty), nullable: f.nullable })
                    .collect(),
            }
        }

        fn read_error_to_wit(e: model::ReadError) -> data::DataError {
            match e {
                model::ReadError::Io(m) => data::DataError::Io(m),
                model::ReadError::Invalid(m) => data::DataError::Invalid(m),
            }
        }
    };
}

/// The host side of the `types`, `data` and `log` imports, delegating to [`RunState`]'s
/// version-neutral methods. `$dictionaries` says whether the version's scans send string
/// columns dictionary-encoded.
///
/// [`RunState`]: crate::state::RunState
macro_rules! host_imports {
    (dictionaries: $dictionaries:expr) => {
        impl types::Host for RunState {}

        impl data::Host for RunState {
            fn grants(&mut self) -> wasmtime::Result<Vec<data::Grant>> {
                Ok(self.granted().into_iter().map(grant_to_wit).collect())
            }
        }

        impl data::HostScan for RunState {
            fn new(&mut self, dataset: String, columns: Vec<String>) -> wasmtime::Result<Resource<ScanState>> {
                self.open_scan(&dataset, columns, $dictionaries)
            }

            fn next(
                &mut self,
                scan: Resource<ScanState>,
            ) -> wasmtime::Result<Result<Option<types::Batch>, data::DataError>> {
                Ok(self.next_batch(&scan)?.map(|b| b.map(batch_to_wit)).map_err(read_error_to_wit))
            }

            fn drop(&mut self, scan: Resource<ScanState>) -> wasmtime::Result<()> {
                self.close_scan(scan)
            }
        }

        impl log::Host for RunState {
            fn write(&mut self, level: log::Level, message: String) -> wasmtime::Result<()> {
                let source = match level {
                    log::Level::Trace => LogSource::Trace,
                    log::Level::Debug => LogSource::Debug,
                    log::Level::Info => LogSource::Info,
                    log::Level::Warn => LogSource::Warn,
                    log::Level::Error => LogSource::Error,
                };
                self.log.line(source, &message);
                Ok(())
            }
        }
    };
}
