//! A well-behaved plugin: sums one column of a dataset, counting rows and nulls.

use kiln_sdk::{Batch, Context, Error, Output, Plugin, PluginInfo, ValueType, col};
use serde::Deserialize;

struct Good;

#[derive(Deserialize)]
struct Params {
    dataset: String,
    column: String,
    scale: f64,
}

impl Plugin for Good {
    type Params = Params;

    fn info() -> PluginInfo {
        PluginInfo::new("good", "0.1.0")
            .description("Sums a numeric column.")
            .param("dataset", "readings", "Dataset to read.")
            .param("column", "value", "f64 column to sum.")
            .param("scale", 1.0, "Multiplier applied to the sum.")
            .dataset("readings", &["value"], "Any dataset with an f64 column.")
            .table(
                "summary",
                "Rows, nulls and the sum.",
                &[
                    col("rows", ValueType::S64),
                    col("nulls", ValueType::S64),
                    col("batches", ValueType::S64),
                    col("sum", ValueType::F64),
                ],
            )
            .metric("sum", "The scaled sum.")
    }

    fn run(ctx: &mut Context, p: Params) -> Result<Output, Error> {
        let (mut rows, mut nulls, mut sum, mut batches) = (0_i64, 0_i64, 0.0, 0_i64);
        for batch in ctx.scan(&p.dataset, &[p.column.as_str()])? {
            let batch = batch?;
            batches += 1;
            let values = batch.f64(&p.column)?;
            rows += values.len() as i64;
            for (i, v) in values.iter().enumerate() {
                if batch.is_valid(&p.column, i)? {
                    sum += v;
                } else {
                    nulls += 1;
                }
            }
        }
        ctx.info(format!("summed {rows} rows in {batches} batches"));
        let summary = Batch::new()
            .with_s64("rows", vec![rows])
            .with_s64("nulls", vec![nulls])
            .with_s64("batches", vec![batches])
            .with_f64("sum", vec![sum * p.scale]);
        Ok(Output::new().table("summary", summary).metric("sum", sum * p.scale, ""))
    }
}

kiln_sdk::export!(Good);
