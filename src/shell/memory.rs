//! The memory budget of the value layer: one limit on how much heap ccrsh's values may hold, so
//! a script that grows a string or an array without end (`$s = $s + $s`, `$a + $a`, string
//! interpolation, `1..100 | % {1..10000000}`) fails with PowerShell's OutOfMemory error record
//! instead of the process aborting when an allocation fails.
//!
//! How: the `ccrsh` binary counts its heap with a tracking allocator and hands the reading to
//! [`install`]; [`check`] compares it (plus what is about to be allocated) with the budget —
//! 2 GiB, or `CCRSH_MEMORY_LIMIT_MB`. The interpreter calls it where values grow: at every
//! statement, every script block invocation (so every loop and every ForEach-Object
//! iteration), and where `+` and interpolation build strings and arrays. Single values also keep
//! their own caps (`eval::operators::MAX_REPEATED_TEXT`, 10M items). As in .NET, running out of
//! memory is fatal to the script: the records here are script-terminating, so a loop that
//! keeps growing a value stops instead of failing every iteration.
//!
//! Must not: allocate, or know about anything but numbers of bytes. Without [`install`] (unit
//! tests, the library on its own) the heap reads as empty and only the per-value caps apply.

use std::sync::OnceLock;

use crate::shell::error_record::{ErrorRecord, Severity};

/// The default budget: 2 GiB of heap.
pub const DEFAULT_BUDGET_BYTES: usize = 2 * 1024 * 1024 * 1024;

static USAGE: OnceLock<fn() -> usize> = OnceLock::new();
static BUDGET: OnceLock<usize> = OnceLock::new();

/// Gives the budget its heap reading (the binary's tracking allocator).
pub fn install(usage: fn() -> usize) {
    let _ = USAGE.set(usage);
}

/// The budget in bytes.
pub fn budget() -> usize {
    *BUDGET.get_or_init(|| {
        std::env::var("CCRSH_MEMORY_LIMIT_MB")
            .ok()
            .and_then(|mb| mb.trim().parse::<usize>().ok())
            .filter(|mb| *mb > 0)
            .and_then(|mb| mb.checked_mul(1024 * 1024))
            .unwrap_or(DEFAULT_BUDGET_BYTES)
    })
}

/// The heap in use now (0 without [`install`]).
pub fn in_use() -> usize {
    USAGE.get().map_or(0, |usage| usage())
}

/// Refuses to go on when the heap in use plus `about_to_allocate` would pass the budget.
pub fn check(about_to_allocate: usize) -> Result<(), ErrorRecord> {
    let used = in_use();
    if used.saturating_add(about_to_allocate) > budget() {
        return Err(out_of_memory(used, about_to_allocate));
    }
    Ok(())
}

/// PowerShell's record for an exhausted heap (`System.OutOfMemoryException`).
pub fn out_of_memory(used: usize, wanted: usize) -> ErrorRecord {
    let mb = |bytes: usize| bytes / (1024 * 1024);
    ErrorRecord::new(
        "System.OutOfMemoryException",
        "OperationStopped",
        format!(
            "Exception of type 'System.OutOfMemoryException' was thrown. The values of this session hold {} MB \
             and {} MB more were asked for; ccrsh's budget is {} MB.",
            mb(used),
            mb(wanted),
            mb(budget())
        ),
    )
    .with_hint("Keep fewer or smaller values (stream with the pipeline instead of collecting), or raise CCRSH_MEMORY_LIMIT_MB.")
    .exception("System.OutOfMemoryException")
    .severity(Severity::ScriptTerminating)
}

/// One value past its own cap (100 MB of text, 10M items): the same record, for `what`.
pub fn value_too_large(what: &str) -> ErrorRecord {
    ErrorRecord::new(
        "System.OutOfMemoryException",
        "OperationStopped",
        format!(
            "Exception of type 'System.OutOfMemoryException' was thrown. {what} would build a value larger than \
             ccrsh holds: 100 MB of text or 10,000,000 items."
        ),
    )
    .with_hint("Build the value in smaller pieces, or stream with the pipeline instead of collecting.")
    .exception("System.OutOfMemoryException")
    .severity(Severity::ScriptTerminating)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_heap_reading_only_what_is_asked_counts() {
        assert!(check(1024).is_ok());
        let error = check(usize::MAX).expect_err("past any budget");
        assert!(error.message.contains("OutOfMemoryException"), "{}", error.message);
        assert_eq!(error.exception, "System.OutOfMemoryException");
    }
}
