//! Checking a run's output against the output schemas the plugin declared, as the host does,
//! so a mismatch shows in a native test rather than in a refused run.

use crate::{Batch, ColumnSpec, Error, Output, OutputKind, PluginInfo};

impl PluginInfo {
    /// Checks `output` against the declared outputs: every table and metric must be declared
    /// as one, a table's columns must match its declaration in name, order and type, and a
    /// column not declared nullable may hold no nulls. A declared output may be absent.
    /// [`crate::testing::TestRun`] applies it to every run, as the host does.
    pub fn check_output(&self, output: &Output) -> Result<(), Error> {
        let declared = |name: &str| self.outputs.iter().find(|o| o.name == name).map(|o| &o.kind);
        for table in &output.tables {
            let refuse = |why: String| Error::msg(format!("output table `{}` {why}", table.name));
            match declared(&table.name) {
                Some(OutputKind::Table(columns)) => check_table(&table.data, columns).map_err(refuse)?,
                Some(OutputKind::Metric) => return Err(refuse("is declared as a metric".into())),
                None => return Err(refuse("is not declared".into())),
            }
        }
        for metric in &output.metrics {
            if !matches!(declared(&metric.name), Some(OutputKind::Metric)) {
                return Err(Error::msg(format!("output metric `{}` is not declared as a metric", metric.name)));
            }
        }
        Ok(())
    }
}

fn check_table(batch: &Batch, declared: &[ColumnSpec]) -> Result<(), String> {
    let names = |columns: &mut dyn Iterator<Item = &str>| columns.collect::<Vec<_>>().join(", ");
    let got = batch.columns();
    if got.len() != declared.len() || got.iter().zip(declared).any(|(c, d)| c.name != d.name) {
        return Err(format!(
            "has columns ({}), but declares ({})",
            names(&mut got.iter().map(|c| c.name.as_str())),
            names(&mut declared.iter().map(|d| d.name.as_str()))
        ));
    }
    for (column, spec) in got.iter().zip(declared) {
        let ty = column.data.value_type();
        if ty != spec.ty {
            return Err(format!("column `{}` is {}, but declared {}", column.name, ty.name(), spec.ty.name()));
        }
        if !spec.nullable && column.has_nulls() {
            return Err(format!("column `{}` holds nulls, but is not declared nullable", column.name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{Batch, ColumnData, Dictionary, Output, PluginInfo, ValueType, col};

    fn info() -> PluginInfo {
        PluginInfo::new("p", "0.1.0")
            .table("t", "", &[col("id", ValueType::String), col("x", ValueType::F64).nullable()])
            .metric("m", "")
    }

    fn table() -> Batch {
        Batch::new().with_str("id", ["a"]).with_nullable("x", vec![None], ColumnData::F64)
    }

    #[test]
    fn a_matching_output_passes_and_declared_outputs_may_be_absent() {
        let coded =
            Batch::new().with_dict("id", ["a"].into_iter().collect::<Dictionary>(), vec![0]).with_f64("x", vec![1.0]);
        assert_eq!(info().check_output(&Output::new().table("t", table()).metric("m", 1.0, "")), Ok(()));
        assert_eq!(info().check_output(&Output::new().table("t", coded)), Ok(()));
        assert_eq!(info().check_output(&Output::new()), Ok(()));
    }

    #[test]
    fn undeclared_outputs_are_refused() {
        assert!(info().check_output(&Output::new().table("u", table())).is_err());
        assert!(info().check_output(&Output::new().metric("t", 1.0, "")).is_err());
        assert!(info().check_output(&Output::new().table("m", table())).is_err());
    }

    #[test]
    fn columns_out_of_order_mistyped_or_null_are_refused() {
        let check = |batch: Batch| info().check_output(&Output::new().table("t", batch)).unwrap_err().to_string();
        let reordered = Batch::new().with_f64("x", vec![1.0]).with_str("id", ["a"]);
        assert!(check(reordered).contains("has columns (x, id), but declares (id, x)"));
        assert!(check(Batch::new().with_str("id", ["a"])).contains("declares (id, x)"));
        let mistyped = Batch::new().with_s64("id", vec![1]).with_f64("x", vec![1.0]);
        assert!(check(mistyped).contains("column `id` is s64, but declared string"));
        let null = Batch::new().with_nullable_str("id", vec![None::<&str>]).with_f64("x", vec![1.0]);
        assert!(check(null).contains("column `id` holds nulls"));
    }
}
