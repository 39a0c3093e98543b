//! A plugin that attacks its host. The `attack` parameter picks what it does.

use std::hint::black_box;
use std::io::Write;

use kiln_sdk::{Batch, Context, Error, Level, Output, Plugin, PluginInfo, ValueType, col};
use serde::Deserialize;

struct Hostile;

#[derive(Deserialize)]
struct Params {
    attack: String,
    /// Size, in MiB, of floods.
    mib: i64,
}

impl Plugin for Hostile {
    type Params = Params;

    fn info() -> PluginInfo {
        PluginInfo::new("hostile", "0.1.0")
            .description("Misbehaves on purpose.")
            .param("attack", "none", "Which attack to run.")
            .param("mib", 8_i64, "Size of floods in MiB.")
            .dataset("readings", &["value"], "Used by the ungranted-data attacks.")
            // Declared, so the host stops a flood for its size rather than for its schema.
            .table("flood", "The output flood.", &[col("blob", ValueType::String)])
            .metric("x", "What `spin` computed.")
            .metric("depth", "How deep `recursion` went.")
            .metric("escaped", "Set when `file` got through.")
            .metric("env_vars", "Environment variables seen.")
            .metric("args", "Arguments seen.")
    }

    fn run(ctx: &mut Context, p: Params) -> Result<Output, Error> {
        let mib = p.mib as usize;
        match p.attack.as_str() {
            "none" => Ok(Output::new()),
            "loop" => {
                let mut x = 0_u64;
                loop {
                    x = black_box(x.wrapping_add(1));
                }
            }
            "spin" => {
                // Finite but long: about 10^11 iterations.
                let mut x = 0_u64;
                for i in 0..100_000_000_000_u64 {
                    x = black_box(x ^ i);
                }
                Ok(Output::new().metric("x", x as f64, ""))
            }
            "memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1_u8; 16 << 20]);
                    black_box(&hoard);
                }
            }
            "recursion" => Ok(Output::new().metric("depth", recurse(black_box(u64::MAX)) as f64, "")),
            "output" => {
                let rows = mib * 1024;
                let text = "x".repeat(1024);
                let batch = Batch::new().with_str("blob", vec![text; rows]);
                Ok(Output::new().table("flood", batch))
            }
            "log" => {
                let line = "y".repeat(1023);
                for _ in 0..mib * 1024 {
                    ctx.log(Level::Info, &line);
                }
                Ok(Output::new())
            }
            "stdout" => {
                let line = "z".repeat(1023);
                let mut out = std::io::stdout().lock();
                for _ in 0..mib * 1024 {
                    let _ = writeln!(out, "{line}");
                }
                Ok(Output::new())
            }
            "panic" => panic!("hostile guest panicked on purpose"),
            "trap" => std::process::abort(),
            "ungranted-dataset" => {
                let _ = ctx.scan("payroll", &["salary"])?.count();
                Ok(Output::new())
            }
            "ungranted-column" => {
                let _ = ctx.scan("readings", &["value", "secret"])?.count();
                Ok(Output::new())
            }
            "file" => {
                let read = std::fs::read("/etc/passwd").map(|b| b.len());
                let write = std::fs::write("kiln-escape.txt", b"escaped");
                let list = std::fs::read_dir("/").map(|d| d.count());
                match (read, write, list) {
                    (Err(r), Err(w), Err(l)) => {
                        Err(Error::msg(format!("file access denied: read: {r}; write: {w}; list: {l}")))
                    }
                    _ => Ok(Output::new().metric("escaped", 1.0, "")),
                }
            }
            "env" => {
                let vars = std::env::vars().count();
                let args = std::env::args().count();
                Ok(Output::new().metric("env_vars", vars as f64, "").metric("args", args as f64, ""))
            }
            other => Err(Error::invalid_params(format!("unknown attack `{other}`"))),
        }
    }
}

#[inline(never)]
fn recurse(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let mut frame = [0_u64; 4];
    frame[black_box(0)] = n;
    1 + recurse(black_box(frame[0] - 1))
}

kiln_sdk::export!(Hostile);
