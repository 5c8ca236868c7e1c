//! `[System.Diagnostics.Stopwatch]`: `StartNew()`, `new()`, `Start`, `Stop`, `Reset`,
//! `Restart`, `IsRunning`, `Elapsed`, `ElapsedMilliseconds`, `ElapsedTicks`, and the statics
//! `Frequency`, `IsHighResolution`, `GetTimestamp()`, on the monotonic clock.
//!
//! Owns: the Stopwatch type and its objects.
//!
//! Must not: sleep or print.

use std::any::Any;
use std::cell::Cell;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::object::{Member, NetObject, ObjectRef, overload_not_found};
use crate::shell::runtime::types::NetType;
use crate::shell::value::{TimeSpan, Value};

/// Ticks of `Elapsed` and `GetTimestamp` per second (.NET on Linux counts nanoseconds).
const FREQUENCY: i64 = 1_000_000_000;

/// One stopwatch: the time gathered while stopped, and when the running stretch began.
#[derive(Debug, Default)]
pub struct Stopwatch {
    gathered: Cell<Duration>,
    started: Cell<Option<Instant>>,
}

impl Stopwatch {
    fn elapsed(&self) -> Duration {
        self.gathered.get() + self.started.get().map_or(Duration::ZERO, |s| s.elapsed())
    }

    fn start(&self) {
        if self.started.get().is_none() {
            self.started.set(Some(Instant::now()));
        }
    }

    fn stop(&self) {
        if let Some(s) = self.started.take() {
            self.gathered.set(self.gathered.get() + s.elapsed());
        }
    }

    fn reset(&self) {
        self.started.set(None);
        self.gathered.set(Duration::ZERO);
    }

    fn started() -> Value {
        let watch = Stopwatch::default();
        watch.start();
        Value::Object(ObjectRef::new(watch))
    }
}

fn clamp(n: u128) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl NetObject for Stopwatch {
    fn type_name(&self) -> String {
        "System.Diagnostics.Stopwatch".into()
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("IsRunning", "bool"),
            Member::property("Elapsed", "timespan"),
            Member::property("ElapsedMilliseconds", "long"),
            Member::property("ElapsedTicks", "long"),
            Member::method("Reset", "void Reset()"),
            Member::method("Restart", "void Restart()"),
            Member::method("Start", "void Start()"),
            Member::method("Stop", "void Stop()"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        let elapsed = self.elapsed();
        Some(match name.to_ascii_lowercase().as_str() {
            "isrunning" => Value::Bool(self.started.get().is_some()),
            "elapsed" => Value::TimeSpan(TimeSpan { ticks: clamp(elapsed.as_nanos() / 100) }),
            "elapsedmilliseconds" => Value::Int(clamp(elapsed.as_millis())),
            "elapsedticks" => Value::Int(clamp(elapsed.as_nanos())),
            _ => return None,
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let lower = name.to_ascii_lowercase();
        if !matches!(lower.as_str(), "start" | "stop" | "reset" | "restart") {
            return None;
        }
        if !args.is_empty() {
            return Some(Err(overload_not_found(name, args.len())));
        }
        match lower.as_str() {
            "start" => self.start(),
            "stop" => self.stop(),
            "reset" => self.reset(),
            _ => {
                self.reset();
                self.start();
            }
        }
        Some(Ok(Value::Null))
    }

    fn to_text(&self) -> String {
        "System.Diagnostics.Stopwatch".into()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

pub struct StopwatchType;
pub static STOPWATCH: StopwatchType = StopwatchType;

impl NetType for StopwatchType {
    fn full_name(&self) -> &'static str {
        "System.Diagnostics.Stopwatch"
    }

    fn static_property(&self, name: &str) -> Option<Value> {
        match name.to_ascii_lowercase().as_str() {
            "frequency" => Some(Value::Int(FREQUENCY)),
            "ishighresolution" => Some(Value::Bool(true)),
            _ => None,
        }
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let lower = name.to_ascii_lowercase();
        let result = match (lower.as_str(), args.len()) {
            ("startnew", 0) => Ok(Stopwatch::started()),
            ("gettimestamp", 0) => {
                // Nanoseconds since the first call in this process: monotonic, as .NET's is.
                static ORIGIN: OnceLock<Instant> = OnceLock::new();
                Ok(Value::Int(clamp(ORIGIN.get_or_init(Instant::now).elapsed().as_nanos())))
            }
            ("startnew" | "gettimestamp", n) => Err(overload_not_found(name, n)),
            _ => return None,
        };
        Some(result)
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        Some(if args.is_empty() {
            Ok(Value::Object(ObjectRef::new(Stopwatch::default())))
        } else {
            Err(overload_not_found("new", args.len()))
        })
    }

    fn static_members(&self) -> Vec<Member> {
        vec![
            Member::property("Frequency", "long"),
            Member::property("IsHighResolution", "bool"),
            Member::method("GetTimestamp", "static long GetTimestamp()"),
            Member::method("StartNew", "static System.Diagnostics.Stopwatch StartNew()"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopwatch_gathers_only_while_running() {
        let watch = Stopwatch::default();
        assert_eq!(watch.elapsed(), Duration::ZERO);
        watch.start();
        std::thread::sleep(Duration::from_millis(5));
        watch.stop();
        let stopped = watch.elapsed();
        assert!(stopped >= Duration::from_millis(5));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(watch.elapsed(), stopped, "a stopped watch does not move");
        watch.reset();
        assert_eq!(watch.property("IsRunning"), Some(Value::Bool(false)));
        assert_eq!(watch.elapsed(), Duration::ZERO);
    }
}
