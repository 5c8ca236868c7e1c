//! `System.Diagnostics.Process`: the processes of this machine, read from `/proc` as .NET reads
//! them on Linux, for `Get-Process` and `[System.Diagnostics.Process]::GetCurrentProcess()`,
//! `GetProcesses()` and `GetProcessById(id)`. A process is read once, when it is found (as
//! .NET caches a Process's values until `Refresh()`); what `/proc` does not let this user read
//! (another user's executable path or handles) is `$null` or 0, as .NET gives it.
//!
//! Owns: reading `/proc/PID/{stat,status,exe,fd}` and the Process type.
//!
//! Must not: signal or change a process.

use std::any::Any;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::convert::group_thousands_fixed;
use crate::shell::runtime::object::{Member, NetObject, ObjectRef, overload_not_found};
use crate::shell::runtime::types::NetType;
use crate::shell::value::{Record, TimeSpan, Value};

const PROCESS: &str = "System.Diagnostics.Process";

/// Clock ticks a second in `/proc` (Linux's USER_HZ, fixed at 100 for user space).
const CLOCK_TICKS: i64 = 100;

/// One process as it was read.
#[derive(Debug, Clone)]
pub struct Process {
    pub id: i64,
    pub name: String,
    session: i64,
    /// User and kernel time, in clock ticks.
    user_ticks: i64,
    system_ticks: i64,
    start: Option<DateTime<Utc>>,
    /// VmRSS, VmSwap, VmData and VmSize, in bytes.
    working_set: i64,
    paged: i64,
    private: i64,
    virtual_size: i64,
    handles: i64,
    path: Option<String>,
}

impl Process {
    /// The process `id`, or `None` when there is none (or it ended while being read).
    pub fn read(id: i64) -> Option<Process> {
        let dir = format!("/proc/{id}");
        let stat = std::fs::read_to_string(format!("{dir}/stat")).ok()?;
        // `pid (comm) state ppid pgrp session …`: the name may hold spaces and parentheses.
        let (open, close) = (stat.find('(')?, stat.rfind(')')?);
        let comm = stat.get(open + 1..close)?.to_string();
        let fields: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
        // Counted from the state (field 3 of proc(5)): session 6, utime 14, stime 15,
        // starttime 22.
        let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<i64>().ok()).unwrap_or(0);
        let status = std::fs::read_to_string(format!("{dir}/status")).unwrap_or_default();
        let kilobytes = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
                .map_or(0, |k| k * 1024)
        };
        let path = std::fs::read_link(format!("{dir}/exe")).ok().map(|p| p.display().to_string());
        let handles = std::fs::read_dir(format!("{dir}/fd")).map_or(0, |d| d.count() as i64);
        let start = boot_time().map(|boot| {
            let ticks = field(22);
            boot + chrono::Duration::milliseconds(ticks * 1000 / CLOCK_TICKS)
        });
        Some(Process {
            id,
            name: process_name(&comm, path.as_deref(), &dir),
            session: field(6),
            user_ticks: field(14),
            system_ticks: field(15),
            start,
            working_set: kilobytes("VmRSS"),
            paged: kilobytes("VmSwap"),
            private: kilobytes("VmData"),
            virtual_size: kilobytes("VmSize"),
            handles,
            path,
        })
    }

    /// Every process of this machine, sorted by name (without regard to case), then Id, as
    /// Get-Process lists them.
    pub fn all() -> Vec<Process> {
        let mut found: Vec<Process> = std::fs::read_dir("/proc")
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i64>().ok())
                    .filter_map(Process::read)
                    .collect()
            })
            .unwrap_or_default();
        found.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
        found
    }

    pub fn value(self) -> Value {
        Value::Object(ObjectRef::new(self))
    }

    fn total_ticks(&self) -> i64 {
        self.user_ticks + self.system_ticks
    }

    /// CPU seconds, as PowerShell's `CPU` property gives them.
    fn cpu_seconds(&self) -> f64 {
        self.total_ticks() as f64 / CLOCK_TICKS as f64
    }
}

/// The ids of the process's threads (`/proc/PID/task`), lowest first.
fn thread_ids(id: i64) -> Vec<i64> {
    let mut ids: Vec<i64> = std::fs::read_dir(format!("/proc/{id}/task"))
        .map(|d| d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect())
        .unwrap_or_default();
    ids.sort_unstable();
    ids
}

/// Clock ticks as a TimeSpan (100 ns ticks).
fn span(ticks: i64) -> Value {
    Value::TimeSpan(TimeSpan { ticks: ticks.saturating_mul(10_000_000 / CLOCK_TICKS) })
}

/// When the machine started (`btime` in `/proc/stat`).
fn boot_time() -> Option<DateTime<Utc>> {
    static BOOT: OnceLock<Option<DateTime<Utc>>> = OnceLock::new();
    *BOOT.get_or_init(|| {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let seconds = stat.lines().find_map(|l| l.strip_prefix("btime "))?.trim().parse::<i64>().ok()?;
        DateTime::from_timestamp(seconds, 0)
    })
}

/// The process's name as .NET gives it: the kernel's `comm`, which is cut at 15 characters;
/// when it was cut, the executable's or the command line's file name that it begins.
fn process_name(comm: &str, path: Option<&str>, dir: &str) -> String {
    if comm.chars().count() < 15 {
        return comm.to_string();
    }
    let file_name = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let from_cmdline = || {
        let cmdline = std::fs::read(format!("{dir}/cmdline")).ok()?;
        let first = cmdline.split(|b| *b == 0).next()?;
        Some(file_name(&String::from_utf8_lossy(first)))
    };
    path.map(file_name)
        .into_iter()
        .chain(from_cmdline())
        .find(|name| name.starts_with(comm))
        .unwrap_or_else(|| comm.to_string())
}

impl NetObject for Process {
    fn type_name(&self) -> String {
        PROCESS.into()
    }

    fn type_names(&self) -> Vec<String> {
        vec![
            PROCESS.into(),
            "System.ComponentModel.Component".into(),
            "System.MarshalByRefObject".into(),
            "System.Object".into(),
        ]
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("Name", "string"),
            Member::property("Id", "int"),
            Member::property("Handles", "int"),
            Member::property("CPU", "double"),
            Member::property("WS", "long"),
            Member::property("PM", "long"),
            Member::property("NPM", "long"),
            Member::property("VM", "long"),
            Member::property("SI", "int"),
            Member::property("Path", "string"),
            Member::property("StartTime", "datetime"),
            Member::property("ProcessName", "string"),
            Member::property("HandleCount", "int"),
            Member::property("WorkingSet64", "long"),
            Member::property("PagedMemorySize64", "long"),
            Member::property("PrivateMemorySize64", "long"),
            Member::property("VirtualMemorySize64", "long"),
            Member::property("NonpagedSystemMemorySize64", "long"),
            Member::property("SessionId", "int"),
            Member::property("TotalProcessorTime", "timespan"),
            Member::property("UserProcessorTime", "timespan"),
            Member::property("PrivilegedProcessorTime", "timespan"),
            Member::property("MachineName", "string"),
            Member::property("Threads", "System.Diagnostics.ProcessThreadCollection"),
            Member::property("HasExited", "bool"),
            Member::method("Refresh", "void Refresh()"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        Some(match name.to_ascii_lowercase().as_str() {
            "name" | "processname" => Value::String(self.name.clone()),
            "id" => Value::Int(self.id),
            "handles" | "handlecount" => Value::Int(self.handles),
            "cpu" => Value::Real(self.cpu_seconds()),
            "ws" | "workingset64" | "workingset" => Value::Int(self.working_set),
            "pm" | "pagedmemorysize64" | "pagedmemorysize" => Value::Int(self.paged),
            "privatememorysize64" | "privatememorysize" => Value::Int(self.private),
            "vm" | "virtualmemorysize64" | "virtualmemorysize" => Value::Int(self.virtual_size),
            "npm" | "nonpagedsystemmemorysize64" | "nonpagedsystemmemorysize" => Value::Int(0),
            "si" | "sessionid" => Value::Int(self.session),
            "path" => self.path.clone().map_or(Value::Null, Value::String),
            "starttime" => self.start.map_or(Value::Null, Value::DateTime),
            "totalprocessortime" => span(self.total_ticks()),
            "userprocessortime" => span(self.user_ticks),
            "privilegedprocessortime" => span(self.system_ticks),
            "machinename" => Value::from("."),
            // The threads by their ids (`.Threads.Count` is what scripts read).
            "threads" => Value::array(thread_ids(self.id).into_iter().map(Value::Int).collect()),
            "hasexited" => Value::Bool(!std::path::Path::new(&format!("/proc/{}", self.id)).exists()),
            _ => return None,
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        if !name.eq_ignore_ascii_case("refresh") {
            return None;
        }
        Some(if args.is_empty() { Ok(Value::Null) } else { Err(overload_not_found(name, args.len())) })
    }

    fn to_text(&self) -> String {
        format!("{PROCESS} ({})", self.name)
    }

    /// pwsh's default table view computes its cells: NPM in kilobytes, PM and WS in megabytes
    /// and CPU seconds, each as `{0:N2}`.
    fn table_row(&self) -> Option<Record> {
        let megabytes = |bytes: i64| Value::String(group_thousands_fixed(bytes as f64 / 1_048_576.0, 2));
        Some(
            Record::new(PROCESS)
                .with("NPM(K)", Value::Int(0))
                .with("PM(M)", megabytes(self.paged))
                .with("WS(M)", megabytes(self.working_set))
                .with("CPU(s)", Value::String(group_thousands_fixed(self.cpu_seconds(), 2)))
                .with("Id", Value::Int(self.id))
                .with("SI", Value::Int(self.session))
                .with("ProcessName", Value::String(self.name.clone())),
        )
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The columns of pwsh's default Process table, their widths and which align right.
pub const TABLE_COLUMNS: &[&str] = &["NPM(K)", "PM(M)", "WS(M)", "CPU(s)", "Id", "SI", "ProcessName"];
pub const TABLE_WIDTHS: &[usize] = &[7, 8, 10, 10, 7, 3, 0];
pub const TABLE_RIGHT: &[&str] = &["NPM(K)", "PM(M)", "WS(M)", "CPU(s)", "Id", "SI"];

pub struct ProcessType;
pub static PROCESS_TYPE: ProcessType = ProcessType;

impl NetType for ProcessType {
    fn full_name(&self) -> &'static str {
        PROCESS
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        Some(match (name.to_ascii_lowercase().as_str(), args) {
            ("getcurrentprocess", []) => Process::read(i64::from(std::process::id()))
                .map(Process::value)
                .ok_or_else(|| not_running(i64::from(std::process::id()))),
            ("getprocesses", []) => Ok(Value::array(Process::all().into_iter().map(Process::value).collect())),
            ("getprocessbyid", [id]) => match crate::shell::eval::convert::to_number(id).map(|n| n.as_f64() as i64) {
                Some(id) => Process::read(id).map(Process::value).ok_or_else(|| not_running(id)),
                None => Err(overload_not_found(name, args.len())),
            },
            ("getcurrentprocess" | "getprocesses" | "getprocessbyid", _) => Err(overload_not_found(name, args.len())),
            _ => return None,
        })
    }
}

/// .NET's ArgumentException for an Id no process has.
fn not_running(id: i64) -> ErrorRecord {
    ErrorRecord::new("ArgumentException", "NotSpecified", format!("Process with an Id of {id} is not running."))
        .exception("System.ArgumentException")
        .with_hint("Get-Process lists the processes running now.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_read_from_proc_with_its_memory_and_start() {
        let me = Process::read(i64::from(std::process::id())).expect("this process");
        assert!(me.working_set > 0, "{me:?}");
        assert!(me.path.is_some(), "our own executable is readable");
        assert!(me.handles > 0, "our own descriptors are readable");
        let started = me.start.expect("a start time");
        assert!(started <= Utc::now() && started > Utc::now() - chrono::Duration::days(1), "{started}");
        assert!(Process::read(-5).is_none());
        assert!(Process::all().iter().any(|p| p.id == me.id));
    }

    #[test]
    fn a_cut_name_is_completed_from_the_executable() {
        assert_eq!(process_name("short", None, "/nonexistent"), "short");
        assert_eq!(
            process_name("integration-076", Some("/x/integration-0765abc"), "/nonexistent"),
            "integration-0765abc"
        );
        assert_eq!(process_name("integration-076", Some("/x/other"), "/nonexistent"), "integration-076");
    }
}
