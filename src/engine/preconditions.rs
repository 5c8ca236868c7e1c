//! Building the structured precondition report (docs/api.md, "The precondition report") that every refusal and every dry
//! run returns: one entry per check with what was observed, the threshold, why it matters,
//! the remedy and the switch that overrides it.
//!
//! Must not: decide the checks themselves; each operation lists its own.

use super::EngineError;
use crate::api::{CheckResult, PreconditionCheck, PreconditionReport};

/// One check as an operation states it.
pub struct Check<'a> {
    pub name: String,
    pub passed: bool,
    pub observed: String,
    pub threshold: String,
    pub why: &'a str,
    /// What to do when it fails.
    pub remedy: String,
    /// The switch that overrides a failure, and whether the caller gave it.
    pub override_switch: Option<(&'a str, bool)>,
}

/// A report being filled in.
pub struct Report {
    report: PreconditionReport,
}

impl Report {
    pub fn new(operation: &str, target: &str) -> Report {
        Report {
            report: PreconditionReport {
                operation: operation.to_string(),
                target: target.to_string(),
                allowed: true,
                checks: Vec::new(),
                loss_estimate: Vec::new(),
            },
        }
    }

    /// Continues a finished report with more checks (a move's flush adds its own).
    pub fn resume(report: PreconditionReport) -> Report {
        Report { report }
    }

    pub fn add(&mut self, check: Check<'_>) {
        let overridden = check.override_switch.is_some_and(|(_, given)| given);
        let result = match (check.passed, overridden) {
            (true, _) => CheckResult::Passed,
            (false, true) => CheckResult::Overridden,
            (false, false) => CheckResult::Failed,
        };
        self.push(check, result);
    }

    /// A check whose failure Exchange 2007 itself reports with `exchange_error` (its own
    /// wording, from the documentation's error tables and published transcripts).
    pub fn add_exchange(&mut self, check: Check<'_>, exchange_error: String) {
        let failed = !check.passed && !check.override_switch.is_some_and(|(_, given)| given);
        self.add(check);
        if failed && let Some(last) = self.report.checks.last_mut() {
            last.exchange_error = Some(exchange_error);
        }
    }

    /// A check that does not apply here (for example a dismounted storage group when the
    /// caller asked to ignore dismounted ones).
    pub fn skip(&mut self, check: Check<'_>) {
        self.push(check, CheckResult::Skipped);
    }

    fn push(&mut self, check: Check<'_>, result: CheckResult) {
        if result == CheckResult::Failed {
            self.report.allowed = false;
        }
        self.report.checks.push(PreconditionCheck {
            check: check.name,
            result,
            observed: check.observed,
            threshold: check.threshold,
            why: check.why.to_string(),
            remedy: (result != CheckResult::Passed).then_some(check.remedy),
            override_switch: check.override_switch.map(|(switch, _)| format!("-{switch}")),
            exchange_error: None,
        });
    }

    /// The finished report, or the refusal that carries it when a check failed.
    pub fn finish(self) -> Result<PreconditionReport, EngineError> {
        if self.report.allowed { Ok(self.report) } else { Err(EngineError::Refused(Box::new(self.report))) }
    }

    /// The report as it stands, whatever the checks found.
    pub fn into_report(self) -> PreconditionReport {
        self.report
    }
}

/// The sentence a refusal leads with: Exchange's own error text where Exchange 2007 refuses
/// too, then its target and each failed check (the shell already names the cmdlet in front of
/// it).
pub fn refusal_message(report: &PreconditionReport) -> String {
    let failed_checks = report.failed();
    let failed: Vec<String> = failed_checks
        .clone()
        .map(|c| format!("{} (observed: {}; required: {})", c.check, c.observed, c.threshold))
        .collect();
    let mut exchange: Vec<&str> = Vec::new();
    for text in failed_checks.filter_map(|c| c.exchange_error.as_deref()) {
        if !exchange.contains(&text) {
            exchange.push(text);
        }
    }
    let ours = format!("The operation on '{}' was refused: {}.", report.target, failed.join("; "));
    if exchange.is_empty() { ours } else { format!("{} {ours}", exchange.join(" ")) }
}

/// The remedies of the failed checks, with their override switches, as one hint.
pub fn refusal_hint(report: &PreconditionReport) -> String {
    let mut hints: Vec<String> = Vec::new();
    for check in report.failed() {
        let mut hint = check.remedy.clone().unwrap_or_default();
        if let Some(switch) = &check.override_switch {
            hint.push_str(&format!(" (or override with {switch})"));
        }
        if !hints.contains(&hint) {
            hints.push(hint);
        }
    }
    hints.join(" ")
}
