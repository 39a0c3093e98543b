//! The run's captured log: the `log` import plus the guest's stdout and stderr, capped in bytes.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use serde::{Deserialize, Serialize};
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

/// Where a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogSource {
    /// The `log` import at trace level.
    Trace,
    /// The `log` import at debug level.
    Debug,
    /// The `log` import at info level.
    Info,
    /// The `log` import at warn level.
    Warn,
    /// The `log` import at error level.
    Error,
    /// The guest's standard output.
    Stdout,
    /// The guest's standard error.
    Stderr,
}

/// One captured line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// Its origin.
    pub source: LogSource,
    /// Its text, without the trailing newline.
    pub message: String,
}

/// A run's log: the lines kept, and how much was dropped past the cap.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunLog {
    /// The lines kept, in order.
    pub lines: Vec<LogLine>,
    /// Bytes produced in all, kept or not, each line counted with [`LINE_OVERHEAD`].
    pub bytes: u64,
    /// Whether anything was dropped.
    pub truncated: bool,
}

impl RunLog {
    /// The first panic message the guest printed to stderr, if any.
    pub fn panic_message(&self) -> Option<String> {
        let at = self.lines.iter().position(|l| l.source == LogSource::Stderr && l.message.contains("panicked at"))?;
        let detail = self.lines.get(at + 1).filter(|l| l.source == LogSource::Stderr);
        Some(match detail {
            Some(d) => format!("{} {}", self.lines[at].message, d.message),
            None => self.lines[at].message.clone(),
        })
    }
}

/// A [`RunLog`] shared by the store's host functions and the stdio pipes, with its cap.
#[derive(Debug, Clone)]
pub(crate) struct SharedLog {
    inner: Arc<Mutex<Capped>>,
}

#[derive(Debug)]
struct Capped {
    log: RunLog,
    cap: u64,
    kept: u64,
    partial: [Vec<u8>; 2],
}

impl SharedLog {
    pub(crate) fn new(cap: u64) -> Self {
        SharedLog {
            inner: Arc::new(Mutex::new(Capped {
                log: RunLog::default(),
                cap,
                kept: 0,
                partial: [Vec::new(), Vec::new()],
            })),
        }
    }

    pub(crate) fn line(&self, source: LogSource, message: &str) {
        lock(&self.inner).push(source, message);
    }

    fn write_stream(&self, stream: usize, bytes: &[u8]) {
        let mut inner = lock(&self.inner);
        let source = if stream == 0 { LogSource::Stdout } else { LogSource::Stderr };
        let mut rest = bytes;
        while let Some(newline) = rest.iter().position(|b| *b == b'\n') {
            let mut line = std::mem::take(&mut inner.partial[stream]);
            line.extend_from_slice(&rest[..newline]);
            inner.push(source, &String::from_utf8_lossy(&line));
            rest = &rest[newline + 1..];
        }
        // Keep at most one cap's worth of an unterminated line; the rest is counted and dropped.
        let room = (inner.cap as usize).saturating_sub(inner.partial[stream].len());
        let keep = rest.len().min(room);
        inner.partial[stream].extend_from_slice(&rest[..keep]);
        if keep < rest.len() {
            inner.log.bytes += (rest.len() - keep) as u64;
            inner.log.truncated = true;
        }
    }

    /// Flushes unterminated stdio lines and returns the log.
    pub(crate) fn finish(&self) -> RunLog {
        let mut inner = lock(&self.inner);
        for (stream, source) in [(0, LogSource::Stdout), (1, LogSource::Stderr)] {
            let line = std::mem::take(&mut inner.partial[stream]);
            if !line.is_empty() {
                inner.push(source, &String::from_utf8_lossy(&line));
            }
        }
        std::mem::take(&mut inner.log)
    }

    /// A stdout (`stream` 0) or stderr (1) pipe for the WASI context.
    pub(crate) fn pipe(&self, stream: usize) -> LogPipe {
        LogPipe { log: self.clone(), stream }
    }
}

/// What the host spends on a kept line beside its text (the line record, and its framing when
/// rendered as JSON), charged against the cap so that a flood of tiny lines costs what it takes.
pub const LINE_OVERHEAD: u64 = 32;

impl Capped {
    fn push(&mut self, source: LogSource, message: &str) {
        let size = message.len() as u64 + LINE_OVERHEAD;
        self.log.bytes += size;
        if self.kept + size > self.cap {
            self.log.truncated = true;
            return;
        }
        self.kept += size;
        self.log.lines.push(LogLine { source, message: message.to_string() });
    }
}

fn lock(m: &Mutex<Capped>) -> std::sync::MutexGuard<'_, Capped> {
    // A panic while holding this lock cannot leave the log inconsistent; keep going.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The guest's stdout or stderr, writing into the run log. Writes always succeed so a guest
/// cannot learn anything (or fail) by flooding them; what exceeds the cap is dropped.
#[derive(Debug, Clone)]
pub(crate) struct LogPipe {
    log: SharedLog,
    stream: usize,
}

impl IsTerminal for LogPipe {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogPipe {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl AsyncWrite for LogPipe {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.log.write_stream(self.stream, buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_past_the_cap_are_dropped_but_counted() {
        let log = SharedLog::new(LINE_OVERHEAD + 10);
        log.line(LogSource::Info, "12345");
        log.line(LogSource::Info, "67890");
        let log = log.finish();
        assert_eq!(log.lines.len(), 1);
        assert_eq!(log.bytes, 2 * (LINE_OVERHEAD + 5));
        assert!(log.truncated);
    }

    #[test]
    fn a_flood_of_one_byte_lines_is_charged_its_framing() {
        let log = SharedLog::new(1 << 20);
        for _ in 0..1_000_000 {
            log.line(LogSource::Info, "x");
        }
        let log = log.finish();
        assert_eq!(log.lines.len() as u64, (1 << 20) / (LINE_OVERHEAD + 1));
        let json = serde_json::to_vec(&log).expect("a log serializes");
        assert!(json.len() < 2 << 20, "{} bytes of JSON for a 1 MiB cap", json.len());
    }

    #[test]
    fn stdout_is_split_into_lines() {
        let log = SharedLog::new(1 << 10);
        log.write_stream(0, b"hello\nwor");
        log.write_stream(0, b"ld\npartial");
        let log = log.finish();
        let messages: Vec<_> = log.lines.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(messages, ["hello", "world", "partial"]);
    }
}
