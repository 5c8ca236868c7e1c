//! `ccrd_http_request_duration_seconds`: one latency histogram per method, route template and
//! status, recorded without a lock. Each histogram is a row of atomic counters (one per bucket,
//! the count, the sum in nanoseconds); each request thread keeps its own short list of the
//! series it has recorded to, so a request finds its histogram by comparing a few labels — no
//! shared lock, no hash, no allocation — and only the first request of a series on a thread
//! takes the series map's lock. `/metrics` reads the counters as they are (each a consistent
//! count; a scrape racing a request may see its bucket before its count, as with any
//! lock-free histogram).
//!
//! Owns: the request histograms (`metrics` shows them). Must not: log, or make a request wait.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::metrics::RouteLabel;

/// One series' labels: method, route template, status.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Series {
    method: &'static str,
    route: RouteLabel,
    status: u16,
}

/// A histogram of latencies over fixed buckets, updated with atomic adds.
#[derive(Debug)]
struct AtomicHistogram {
    /// Per bucket (not cumulative); the last is everything above the highest bound.
    buckets: Vec<AtomicU64>,
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

/// The request histograms of one service.
#[derive(Debug)]
pub struct RequestLatencies {
    /// Tells this service's series from another's in a thread's list (tests run many).
    id: u64,
    bounds: &'static [f64],
    series: RwLock<HashMap<Series, Arc<AtomicHistogram>>>,
}

/// How many series a thread remembers before it starts its list again.
const REMEMBERED: usize = 64;

thread_local! {
    static REMEMBERED_SERIES: RefCell<Vec<(u64, Series, Arc<AtomicHistogram>)>> = const { RefCell::new(Vec::new()) };
}

impl RequestLatencies {
    /// Histograms with the upper bounds `bounds` (seconds, ascending) and `+Inf`.
    pub fn new(bounds: &'static [f64]) -> RequestLatencies {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        RequestLatencies { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), bounds, series: RwLock::default() }
    }

    /// Records one answered request.
    pub fn observe(&self, method: &'static str, route: RouteLabel, status: u16, elapsed: Duration) {
        let series = Series { method, route, status };
        REMEMBERED_SERIES.with(|remembered| {
            let mut remembered = remembered.borrow_mut();
            if let Some((_, _, histogram)) = remembered.iter().find(|(id, s, _)| *id == self.id && *s == series) {
                return histogram.observe(self.bounds, elapsed);
            }
            let histogram = self.series_for(&series);
            histogram.observe(self.bounds, elapsed);
            if remembered.len() >= REMEMBERED {
                remembered.clear();
            }
            remembered.push((self.id, series, histogram));
        });
    }

    fn series_for(&self, series: &Series) -> Arc<AtomicHistogram> {
        if let Some(found) = self.series.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(series) {
            return found.clone();
        }
        let mut all = self.series.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        all.entry(series.clone()).or_insert_with(|| Arc::new(AtomicHistogram::new(self.bounds.len() + 1))).clone()
    }
}

impl AtomicHistogram {
    fn new(buckets: usize) -> AtomicHistogram {
        AtomicHistogram {
            buckets: (0..buckets).map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_nanos: AtomicU64::new(0),
        }
    }

    fn observe(&self, bounds: &[f64], elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let bucket = bounds.iter().position(|bound| seconds <= *bound).unwrap_or(bounds.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

/// One series as `/metrics` shows it: its labels, the sum (seconds), the count, and the
/// buckets' upper bounds with their own (not cumulative) counts, `+Inf` last.
pub struct SeriesReading<'a> {
    pub labels: [(&'static str, &'a str); 3],
    pub sum: f64,
    pub count: u64,
    pub buckets: Vec<(f64, u64)>,
}

impl RequestLatencies {
    /// Calls `f` with every series, sorted by route, method and status.
    pub fn read(&self, f: &mut dyn FnMut(SeriesReading<'_>) -> std::fmt::Result) -> std::fmt::Result {
        let mut series: Vec<(Series, Arc<AtomicHistogram>)> = self
            .series
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(s, h)| (s.clone(), h.clone()))
            .collect();
        series.sort_by(|(a, _), (b, _)| {
            (a.route.as_str(), a.method, a.status).cmp(&(b.route.as_str(), b.method, b.status))
        });
        for (labels, histogram) in &series {
            let status = labels.status.to_string();
            let bounds = self.bounds.iter().copied().chain(std::iter::once(f64::INFINITY));
            f(SeriesReading {
                labels: [("method", labels.method), ("route", labels.route.as_str()), ("status", status.as_str())],
                sum: histogram.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9,
                count: histogram.count.load(Ordering::Relaxed),
                buckets: bounds.zip(&histogram.buckets).map(|(bound, n)| (bound, n.load(Ordering::Relaxed))).collect(),
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_their_bucket_and_series() {
        static BOUNDS: [f64; 2] = [0.001, 0.01];
        let latencies = Arc::new(RequestLatencies::new(&BOUNDS));
        let other = RequestLatencies::new(&BOUNDS);
        for micros in [500, 5_000, 5_000, 50_000] {
            latencies.observe("GET", RouteLabel::new(None), 200, Duration::from_micros(micros));
        }
        latencies.observe("POST", RouteLabel::new(None), 200, Duration::from_micros(500));
        other.observe("GET", RouteLabel::new(None), 200, Duration::from_micros(500));
        let all = latencies.series.read().expect("series");
        let get = &all[&Series { method: "GET", route: RouteLabel::new(None), status: 200 }];
        let buckets: Vec<u64> = get.buckets.iter().map(|b| b.load(Ordering::Relaxed)).collect();
        assert_eq!(buckets, [1, 2, 1]);
        assert_eq!(get.count.load(Ordering::Relaxed), 4);
        assert_eq!(get.sum_nanos.load(Ordering::Relaxed), 60_500_000);
        assert_eq!(all.len(), 2, "another service's series stay its own");
        drop(all);
        let mut read = Vec::new();
        latencies
            .read(&mut |r| {
                read.push((r.labels[0].1.to_string(), r.count, r.buckets.last().copied()));
                Ok(())
            })
            .expect("read");
        assert_eq!(
            read,
            [("GET".to_string(), 4, Some((f64::INFINITY, 1))), ("POST".to_string(), 1, Some((f64::INFINITY, 0)))]
        );
    }
}
