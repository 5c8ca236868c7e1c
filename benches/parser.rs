//! Parser throughput and tree size (bars of issue 12: ≥ 100 MB/s on a generated 10 MB runbook,
//! ≤ 8 bytes of tree per source byte). Run with `cargo bench --bench parser`; the method and
//! figures are in docs/performance.md.
//!
//! The runbook mixes the statement shapes of real runbooks (cmdlet calls with pasted quotes
//! and dashes, pipelines, assignments, conditions, loops, functions, here-strings). The
//! reference measured alongside is a pass over the same bytes that only splits them into
//! whitespace-separated words, the least any tokenizer must do.
//!
//! The tree's size is counted, not estimated: the bytes allocated and still live after a parse,
//! as the allocator counts them (the blocks asked for); and, with what the allocator adds (its
//! size classes round blocks up, its pages hold metadata), the growth of the process's resident
//! memory over that parse (Linux: `/proc/self/statm`).
//!
//! `cargo bench --bench parser -- --write-runbook PATH` writes the runbook (for the `-File`
//! measurement); `-- --once` parses it once (for a profiler or valgrind).

use std::hint::black_box;
use std::time::{Duration, Instant};

use mimalloc::MiMalloc;

/// The allocator ccrsh runs on (src/main.rs), which also counts the bytes allocated.
#[global_allocator]
static ALLOCATOR: cap::Cap<MiMalloc> = cap::Cap::new(MiMalloc, usize::MAX);

/// The process's resident memory in bytes, where the system tells it.
fn resident_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

const RUNS: usize = 15;
const TARGET_BYTES: usize = 10 * 1024 * 1024;

/// One stanza of a runbook; `{n}` makes every copy different.
const STANZA: &str = r#"
# Step {n}: check the copies before moving CCREX01
$status = Get-StorageGroupCopyStatus “CCREX01\First Storage Group” –StandbyMachine NH-W2K3-SRV0{d}
if ($status.SummaryCopyStatus -ne 'Healthy' -or $status.CopyQueueLength -gt {n}) {
    Write-Warning "Copy {n} is $($status.SummaryCopyStatus) with $($status.CopyQueueLength) logs queued"
    Suspend-StorageGroupCopy -Identity 'CCREX01\First Storage Group' -StandbyMachine NH-W2K3-SRV01 -SuspendComment "step {n}" -Confirm:$false
}
foreach ($sg in Get-StorageGroup -Server CCREX01 | Where-Object { $_.Replicated -eq 'Cluster' }) {
    $queue = $sg.Name, $sg.LogFilePrefix -join ';'
    Get-StorageGroupCopyStatus $sg.Identity | Select-Object Name, @{Name='Queue'; Expression={ $_.CopyQueueLength + {n} }} | Format-Table -AutoSize
}
function Test-Step{n} { param([Parameter(Mandatory)][string]$Target, [int]$Limit = {n}) try { Move-ClusteredMailboxServer CCREX01 -TargetMachine $Target -MoveComment 'patching' -Confirm:$false } catch { throw "step {n} failed: $_" } }
$report = @"
Step {n} finished at $(Get-Date -Format 'yyyy-MM-dd HH:mm:ss')
"@
"#;

fn runbook() -> String {
    let mut text = String::with_capacity(TARGET_BYTES + STANZA.len());
    let mut n = 0u64;
    while text.len() < TARGET_BYTES {
        text.push_str(&STANZA.replace("{n}", &n.to_string()).replace("{d}", &(n % 5 + 1).to_string()));
        n += 1;
    }
    text
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time(mut f: impl FnMut()) -> Duration {
    let runs: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    median(runs)
}

fn main() {
    let text = runbook();
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--write-runbook") {
        let path = args.get(i + 1).expect("--write-runbook PATH");
        std::fs::write(path, &text).expect("the runbook is written");
        return;
    }
    let megabytes = text.len() as f64 / (1024.0 * 1024.0);
    // The tree's size: the bytes one parse leaves allocated.
    let (before, resident_before) = (ALLOCATOR.allocated(), resident_bytes());
    let script = ccrsh::shell::syntax::parse(&text).expect("the generated runbook parses");
    let tree_bytes = ALLOCATOR.allocated() - before;
    let tree_resident = resident_bytes().zip(resident_before).map(|(after, before)| after.saturating_sub(before));
    let statements = script.statements().len();
    if args.iter().any(|a| a == "--once") {
        println!("parsed once: {statements} statements, tree {tree_bytes} bytes");
        return;
    }
    // Each run's tree is freed right after the run, outside the timed region: freeing is the
    // consumer's cost and is reported on its own line.
    let mut parses = Vec::with_capacity(RUNS);
    let mut drops = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let tree = black_box(ccrsh::shell::syntax::parse(black_box(&text)));
        parses.push(start.elapsed());
        let start = Instant::now();
        drop(tree);
        drops.push(start.elapsed());
    }
    let (parse, drop_time) = (median(parses), median(drops));
    let words = time(|| {
        black_box(black_box(&text).split_whitespace().count());
    });
    let rate = |d: Duration| megabytes / d.as_secs_f64();
    println!("runbook: {megabytes:.1} MB, {statements} top-level statements, {RUNS} runs each, medians");
    println!(
        "parse:               {:8.2} ms  {:7.1} MB/s   (bar: >= 100 MB/s)",
        parse.as_secs_f64() * 1e3,
        rate(parse)
    );
    println!("drop the tree:       {:8.2} ms", drop_time.as_secs_f64() * 1e3);
    println!("split into words:    {:8.2} ms  {:7.1} MB/s   (reference)", words.as_secs_f64() * 1e3, rate(words));
    println!("parse / reference:   {:8.2}x the time", parse.as_secs_f64() / words.as_secs_f64());
    let per_byte = |bytes: usize| bytes as f64 / text.len() as f64;
    println!("tree:                {:8.2} B per source byte (allocated and live after a parse)", per_byte(tree_bytes));
    if let Some(resident) = tree_resident {
        println!(
            "tree, resident:      {:8.2} B per source byte (resident memory grown by the first parse)",
            per_byte(resident)
        );
    }
    // The lines bench/all.sh tabulates: figure|ours|reference|ratio|bar|met.
    let met = |ok: bool| if ok { "met" } else { "missed" };
    println!(
        "RESULT|parser throughput, 10 MB runbook|{:.1} MB/s|{:.1} MB/s split into words|{:.2}|>= 100 MB/s|{}",
        rate(parse),
        rate(words),
        words.as_secs_f64() / parse.as_secs_f64(),
        met(rate(parse) >= 100.0)
    );
    println!(
        "RESULT|parse tree size, 10 MB runbook|{:.2} B per source byte|-|-|<= 8|{}",
        per_byte(tree_bytes),
        met(per_byte(tree_bytes) <= 8.0)
    );
}
