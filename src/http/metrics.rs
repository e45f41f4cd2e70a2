//! Prometheus metrics: requests and latency by route and status, owned by the app (no global
//! recorder, so several apps can live in one process, as in the tests).

use std::sync::atomic::{AtomicU64, Ordering};

use metrics::{Key, Label, Level, Metadata, Recorder};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

const METADATA: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, Some(module_path!()));
const REQUESTS: &str = "http_requests_total";
const DURATION: &str = "http_request_duration_seconds";

/// This app's recorder and the handle that renders it.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    /// Requests finished since start (the copy's report to the health page).
    requests: AtomicU64,
    /// Of those, server errors (5xx).
    errors: AtomicU64,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// A recorder whose latency metric is a histogram (buckets from 1 ms to 10 s).
    pub fn new() -> anyhow::Result<Self> {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(DURATION.into()),
                &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0],
            )?
            .build_recorder();
        let handle = recorder.handle();
        Ok(Self { recorder, handle, requests: AtomicU64::new(0), errors: AtomicU64::new(0) })
    }

    /// Counts one finished request. `route` is the route template (never the raw path, which
    /// could hold ids or search text).
    pub fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels = || {
            vec![Label::new("method", method.to_string()), Label::new("route", route.to_string()), Label::new("status", status.to_string())]
        };
        self.recorder.register_counter(&Key::from_parts(REQUESTS, labels()), &METADATA).increment(1);
        self.recorder.register_histogram(&Key::from_parts(DURATION, labels()), &METADATA).record(seconds);
        self.requests.fetch_add(1, Ordering::Relaxed);
        if status >= 500 {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Requests and server errors since start.
    pub fn totals(&self) -> (u64, u64) {
        (self.requests.load(Ordering::Relaxed), self.errors.load(Ordering::Relaxed))
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        self.handle.render()
    }
}
