//! Prometheus metrics: request counts by route and status, in the text exposition format.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Request counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
}

impl Metrics {
    /// Counts one request.
    pub fn record(&self, method: &str, route: &str, status: u16) {
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        *requests.entry((method.to_string(), route.to_string(), status)).or_default() += 1;
    }

    /// The Prometheus text format.
    pub fn render(&self) -> String {
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::from(
            "# HELP kiln_http_requests_total HTTP requests by method, route and status.\n\
             # TYPE kiln_http_requests_total counter\n",
        );
        for ((method, route, status), n) in requests.iter() {
            out.push_str(&format!(
                "kiln_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}\n"
            ));
        }
        out
    }
}
