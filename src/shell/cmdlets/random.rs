//! `Get-Random`: a random number in a range (`-Minimum` inclusive, `-Maximum` exclusive, as
//! .NET's `Random.Next`), or `-Count` items picked from `-InputObject` without repeats (all of
//! them, shuffled, with `-Shuffle`). `-SetSeed` makes the sequence repeatable.
//!
//! Owns: that cmdlet and the session's generator. Must not: print.

use std::cell::Cell;

use super::{Context, pipeline_input};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::Value;

thread_local! {
    static STATE: Cell<u64> = const { Cell::new(0) };
}

/// The next 64 random bits (xorshift64*, seeded from the OS unless `-SetSeed` was given).
fn next() -> u64 {
    STATE.with(|s| {
        let mut x = s.get();
        if x == 0 {
            let mut seed = [0u8; 8];
            let _ = getrandom::fill(&mut seed);
            x = u64::from_le_bytes(seed) | 1;
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

/// A number in `[0, n)`.
fn below(n: u64) -> u64 {
    if n == 0 { 0 } else { next() % n }
}

fn number(call: &Invocation<'_>, name: &str) -> Option<f64> {
    call.get(name).and_then(crate::shell::eval::convert::to_number).map(|n| n.as_f64())
}

pub fn get_random(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    if let Some(seed) = call.int("SetSeed") {
        STATE.with(|s| s.set((seed as u64) | 1));
    }
    let items = pipeline_input(call);
    if !items.is_empty() {
        let mut pool = items;
        let count =
            if call.switch("Shuffle") { pool.len() } else { call.int("Count").map_or(1, |c| c.max(0) as usize) };
        let mut out = Vec::new();
        while out.len() < count && !pool.is_empty() {
            let i = below(pool.len() as u64) as usize;
            out.push(pool.swap_remove(i));
        }
        return Ok(out);
    }
    let min = number(call, "Minimum").unwrap_or(0.0);
    let max = number(call, "Maximum").unwrap_or(i32::MAX as f64);
    if min >= max {
        return Err(ErrorRecord::new(
            "MinGreaterThanOrEqualMax",
            "InvalidArgument",
            format!("The Minimum value ({min}) cannot be greater than or equal to the Maximum value ({max})."),
        )
        .in_command("Get-Random")
        .exception("System.ArgumentException")
        .with_hint("-Maximum is exclusive: Get-Random -Minimum 1 -Maximum 7 gives 1 to 6."));
    }
    let whole = |v: Option<&Value>| v.is_none_or(|v| matches!(v, Value::Int(_)));
    let count = call.int("Count").map_or(1, |c| c.max(1) as usize);
    Ok((0..count)
        .map(|_| {
            if whole(call.get("Minimum")) && whole(call.get("Maximum")) {
                let (lo, hi) = (min as i64, max as i64);
                Value::Int(lo + below((hi - lo) as u64) as i64)
            } else {
                Value::Real(min + (next() >> 11) as f64 / (1u64 << 53) as f64 * (max - min))
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_stay_in_range() {
        for _ in 0..1000 {
            assert!(below(6) < 6);
        }
        assert_eq!(below(0), 0);
    }
}
