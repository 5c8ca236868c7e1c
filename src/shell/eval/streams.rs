//! The streams besides output: errors, warnings, verbose, debug and information messages.
//! Each goes, innermost redirection first, to a capture (`-ErrorVariable`, `-WarningVariable`,
//! which also pass it on), to nowhere (`2>$null`), into the output (`2>&1`, `*>&1`), to a file
//! (`3> file`), or to the host. The preferences (`$ErrorActionPreference`, `-WarningAction`…)
//! decide first whether a message is written at all, or stops the command.
//!
//! Must not: lay out or print anything itself (the host does).

use std::cell::RefCell;
use std::rc::Rc;

use super::{Exec, Flow, Interpreter, Pipe, stop_error};
use crate::shell::error_record::ErrorRecord;
use crate::shell::syntax::Stream;
use crate::shell::value::{Record, Value};

/// What a redirection or capture does with a stream.
#[derive(Debug, Clone)]
pub(super) enum StreamAction {
    /// `2>$null`.
    Discard,
    /// `2>&1`: into the output of the command redirected.
    Merge,
    /// `2> file`, `2>> file`: collected, written when the command ends.
    File(Rc<RefCell<Vec<Value>>>),
    /// `-ErrorVariable`, `-WarningVariable`, `-InformationVariable`: collected, and passed on.
    Capture(Rc<RefCell<Vec<Value>>>),
}

/// One redirection or capture in force.
#[derive(Debug, Clone)]
pub(super) struct StreamFrame {
    pub stream: Stream,
    pub action: StreamAction,
}

impl StreamFrame {
    fn covers(&self, stream: Stream) -> bool {
        self.stream == stream || self.stream == Stream::All && stream != Stream::Output
    }
}

/// A preference as an action: `SilentlyContinue`, `Stop`, `Continue`, `Inquire`, `Ignore`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    SilentlyContinue,
    Stop,
    Continue,
    Ignore,
}

impl Action {
    pub(super) fn parse(text: &str) -> Action {
        match text.trim().to_ascii_lowercase().as_str() {
            "silentlycontinue" | "0" => Action::SilentlyContinue,
            "stop" | "1" => Action::Stop,
            "ignore" | "4" => Action::Ignore,
            _ => Action::Continue,
        }
    }
}

/// The object a message becomes when it is redirected into the output.
pub(super) fn message_record(stream: Stream, text: &str) -> Value {
    let type_name = match stream {
        Stream::Warning => "System.Management.Automation.WarningRecord",
        Stream::Verbose => "System.Management.Automation.VerboseRecord",
        Stream::Debug => "System.Management.Automation.DebugRecord",
        _ => "System.Management.Automation.InformationRecord",
    };
    let record = Record::new(type_name).with_text(text).with("Message", text);
    let record = if stream == Stream::Information { record.with("MessageData", text) } else { record };
    Value::record(record)
}

impl Interpreter {
    /// Writes a record to `stream`: through the redirections and captures in force, else to
    /// the host.
    pub(super) fn emit(&mut self, stream: Stream, value: Value, out: &mut dyn Pipe) -> Exec<()> {
        let frames = self.streams.clone();
        for frame in frames.iter().rev() {
            if !frame.covers(stream) {
                continue;
            }
            match &frame.action {
                StreamAction::Capture(list) => list.borrow_mut().push(value.clone()),
                StreamAction::Discard => return Ok(()),
                StreamAction::Merge => return out.write(self, value),
                StreamAction::File(list) => {
                    list.borrow_mut().push(value);
                    return Ok(());
                }
            }
        }
        match stream {
            Stream::Error => {
                let record = ErrorRecord::from_value(&value).unwrap_or_else(|| {
                    ErrorRecord::new("WriteErrorException", "NotSpecified", value.to_display_string())
                });
                self.host.error(&record);
            }
            Stream::Warning => self.host.warning(&value.to_display_string()),
            Stream::Verbose => self.host.verbose(&value.to_display_string()),
            Stream::Debug => {
                let text = format!("DEBUG: {}", value.to_display_string());
                self.host.text(&text, true);
            }
            Stream::Information | Stream::Output | Stream::All => self.host.text(&value.to_display_string(), true),
        }
        Ok(())
    }

    /// Writes an error record to the error stream: through the redirections and captures in
    /// force, else to the host with its position and hint.
    pub(super) fn emit_error(&mut self, record: ErrorRecord, out: &mut dyn Pipe) -> Exec<()> {
        let frames = self.streams.clone();
        for frame in frames.iter().rev() {
            if !frame.covers(Stream::Error) {
                continue;
            }
            match &frame.action {
                StreamAction::Capture(list) => list.borrow_mut().push(record.to_value()),
                StreamAction::Discard => return Ok(()),
                StreamAction::Merge => return out.write(self, record.to_value()),
                StreamAction::File(list) => {
                    list.borrow_mut().push(record.to_value());
                    return Ok(());
                }
            }
        }
        self.host.error(&record);
        Ok(())
    }

    /// A non-terminating error: recorded in `$Error`, `$?` false, and written to the error
    /// stream as `action` (or `$ErrorActionPreference`) says; `Stop` makes it terminating.
    pub(super) fn write_error(
        &mut self,
        mut error: ErrorRecord,
        action: Option<Action>,
        out: &mut dyn Pipe,
    ) -> Exec<()> {
        self.note_failure();
        let action =
            action.unwrap_or_else(|| Action::parse(&self.variable("ErrorActionPreference").to_display_string()));
        error.locate(&self.source);
        match action {
            Action::Stop => Err(Flow::Error(stop_error("ErrorActionPreference", error))),
            Action::Ignore => Ok(()),
            Action::SilentlyContinue => {
                self.remember(error.clone());
                // Captures still see it; the host does not.
                let value = error.to_value();
                let frames = self.streams.clone();
                for frame in frames.iter().rev() {
                    if !frame.covers(Stream::Error) {
                        continue;
                    }
                    match &frame.action {
                        StreamAction::Capture(list) => list.borrow_mut().push(value.clone()),
                        _ => break,
                    }
                }
                Ok(())
            }
            Action::Continue => {
                self.remember(error.clone());
                self.emit_error(error, out)
            }
        }
    }

    /// A warning, as `action` (or `$WarningPreference`) says.
    pub(super) fn write_warning(&mut self, text: &str, action: Option<Action>, out: &mut dyn Pipe) -> Exec<()> {
        let action = action.unwrap_or_else(|| Action::parse(&self.variable("WarningPreference").to_display_string()));
        match action {
            Action::Ignore => Ok(()),
            Action::SilentlyContinue => {
                self.capture_only(Stream::Warning, message_record(Stream::Warning, text));
                Ok(())
            }
            Action::Stop => Err(Flow::Error(message_stop("WarningPreference", text))),
            Action::Continue => self.emit(Stream::Warning, message_record(Stream::Warning, text), out),
        }
    }

    /// A verbose (or debug) message: written when `-Verbose`/`-Debug` is on or the preference
    /// is Continue; with the preference Stop, it stops the command (ActionPreferenceStop).
    pub(super) fn write_message(
        &mut self,
        stream: Stream,
        text: &str,
        on: Option<bool>,
        out: &mut dyn Pipe,
    ) -> Exec<()> {
        let preference = if stream == Stream::Debug { "DebugPreference" } else { "VerbosePreference" };
        let action = match on {
            Some(true) => Action::Continue,
            Some(false) => Action::SilentlyContinue,
            None => Action::parse(&self.variable(preference).to_display_string()),
        };
        match action {
            Action::SilentlyContinue | Action::Ignore => Ok(()),
            Action::Stop => {
                self.emit(stream, message_record(stream, text), out)?;
                Err(Flow::Error(message_stop(preference, text)))
            }
            _ => self.emit(stream, message_record(stream, text), out),
        }
    }

    /// An information record (`Write-Information`, `Write-Host`), shown when `shown`.
    pub(super) fn write_information(&mut self, value: Value, shown: bool, out: &mut dyn Pipe) -> Exec<()> {
        if shown {
            self.emit(Stream::Information, value, out)
        } else {
            self.capture_only(Stream::Information, value);
            Ok(())
        }
    }

    /// Hands a record only to the captures in force (a suppressed message still fills
    /// `-WarningVariable`).
    fn capture_only(&mut self, stream: Stream, value: Value) {
        for frame in self.streams.iter().rev() {
            if !frame.covers(stream) {
                continue;
            }
            match &frame.action {
                StreamAction::Capture(list) => list.borrow_mut().push(value.clone()),
                _ => break,
            }
        }
    }

    /// Runs `body` with `frames` in force.
    pub(super) fn with_streams<T>(&mut self, frames: Vec<StreamFrame>, body: impl FnOnce(&mut Self) -> T) -> T {
        let depth = self.streams.len();
        self.streams.extend(frames);
        let result = body(self);
        self.streams.truncate(depth);
        result
    }
}

/// A warning, verbose or debug message whose preference is Stop: the
/// ActionPreferenceStopException alone, with no error inside it for a catch block to see.
fn message_stop(preference: &str, text: &str) -> ErrorRecord {
    let stopped =
        stop_error(preference, ErrorRecord::new("ActionPreferenceStop", "OperationStopped", text.to_string()));
    ErrorRecord { inner: None, ..stopped }
}
