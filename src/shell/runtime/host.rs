//! `$Host` and `Get-Host`: the console host object scripts look at (`$Host.Name`,
//! `$Host.Version`, `$Host.UI.RawUI.WindowTitle`, its colours and sizes), and
//! `System.ConsoleColor`, which `Write-Host` and the raw UI take.
//!
//! Owns: [`ConsoleColor`], the host, its UI and raw UI objects (one per session, shared by
//! every read of `$Host`, so a title set is the title read back).
//!
//! Must not: print. Setting the window title or the colours records them; the console host
//! (`session`) draws text, and ccrsh does not rewrite the terminal's title.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::shell::error_record::ErrorRecord;
use crate::shell::value::{Record, Value};

use super::object::{Member, NetObject, ObjectRef, property_read_only};

/// The sixteen console colours, in .NET's order (their numeric values are their indexes).
pub const CONSOLE_COLORS: [&str; 16] = [
    "Black",
    "DarkBlue",
    "DarkGreen",
    "DarkCyan",
    "DarkRed",
    "DarkMagenta",
    "DarkYellow",
    "Gray",
    "DarkGray",
    "Blue",
    "Green",
    "Cyan",
    "Red",
    "Magenta",
    "Yellow",
    "White",
];

/// A `System.ConsoleColor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsoleColor(usize);

impl ConsoleColor {
    /// A colour from its name (any case) or number (0–15), as PowerShell converts to
    /// ConsoleColor; anything else is PowerShell's conversion error.
    pub fn parse(value: &Value) -> Result<ConsoleColor, ErrorRecord> {
        let text = value.to_display_string();
        let trimmed = text.trim();
        let by_number = trimmed.parse::<i64>().ok().and_then(|n| usize::try_from(n).ok()).filter(|n| *n < 16);
        let by_name = CONSOLE_COLORS.iter().position(|c| c.eq_ignore_ascii_case(trimmed));
        by_name.or(by_number).map(ConsoleColor).ok_or_else(|| {
            ErrorRecord::new(
                "CannotConvertArgumentNoMessage",
                "InvalidArgument",
                format!(
                    "Cannot convert value \"{text}\" to type \"System.ConsoleColor\". Error: \"Unable to match the identifier name {text} to a valid enumerator name. Specify one of the following enumerator names and try again:\n{}\"",
                    CONSOLE_COLORS.join(", ")
                ),
            )
            .exception("System.Management.Automation.PSInvalidCastException")
            .with_hint(format!("A console colour is one of {}, or its number 0-15.", CONSOLE_COLORS.join(", ")))
        })
    }

    pub fn name(self) -> &'static str {
        CONSOLE_COLORS[self.0]
    }
}

/// A width and a height (`System.Management.Automation.Host.Size`).
fn size(width: i64, height: i64) -> Value {
    Value::record(
        Record::new("System.Management.Automation.Host.Size")
            .with_text(format!("{width},{height}"))
            .with("Width", width)
            .with("Height", height),
    )
}

/// The console window's size: the terminal's columns and rows when there is one, else
/// 120 × 50 as a redirected PowerShell reports.
fn window() -> (i64, i64) {
    crate::shell::render::terminal_dimensions().map_or((120, 50), |(w, h)| (w as i64, h as i64))
}

/// `$Host.UI.RawUI`: colours, title, sizes.
#[derive(Debug)]
pub struct RawUi {
    foreground: Cell<ConsoleColor>,
    background: Cell<ConsoleColor>,
    title: RefCell<String>,
}

impl NetObject for RawUi {
    fn type_name(&self) -> String {
        "System.Management.Automation.Internal.Host.InternalHostRawUserInterface".into()
    }

    fn type_names(&self) -> Vec<String> {
        vec![
            self.type_name(),
            "System.Management.Automation.Host.PSHostRawUserInterface".into(),
            "System.Object".into(),
        ]
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::settable("ForegroundColor", "System.ConsoleColor"),
            Member::settable("BackgroundColor", "System.ConsoleColor"),
            Member::settable("CursorPosition", "System.Management.Automation.Host.Coordinates"),
            Member::settable("WindowPosition", "System.Management.Automation.Host.Coordinates"),
            Member::settable("CursorSize", "int"),
            Member::settable("BufferSize", "System.Management.Automation.Host.Size"),
            Member::settable("WindowSize", "System.Management.Automation.Host.Size"),
            Member::property("MaxWindowSize", "System.Management.Automation.Host.Size"),
            Member::property("MaxPhysicalWindowSize", "System.Management.Automation.Host.Size"),
            Member::property("KeyAvailable", "bool"),
            Member::settable("WindowTitle", "string"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        let (width, height) = window();
        let coordinates = |x: i64, y: i64| {
            Value::record(
                Record::new("System.Management.Automation.Host.Coordinates")
                    .with_text(format!("{x},{y}"))
                    .with("X", x)
                    .with("Y", y),
            )
        };
        Some(match name.to_ascii_lowercase().as_str() {
            "foregroundcolor" => Value::from(self.foreground.get().name()),
            "backgroundcolor" => Value::from(self.background.get().name()),
            "cursorposition" | "windowposition" => coordinates(0, 0),
            "cursorsize" => Value::Int(25),
            "buffersize" => size(width, 9001),
            "windowsize" | "maxwindowsize" | "maxphysicalwindowsize" => size(width, height),
            "keyavailable" => Value::Bool(false),
            "windowtitle" => Value::String(self.title.borrow().clone()),
            _ => return None,
        })
    }

    fn set_property(&self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        match name.to_ascii_lowercase().as_str() {
            "foregroundcolor" => self.foreground.set(ConsoleColor::parse(&value)?),
            "backgroundcolor" => self.background.set(ConsoleColor::parse(&value)?),
            "windowtitle" => *self.title.borrow_mut() = value.to_display_string(),
            // The terminal decides these; PowerShell on a terminal it cannot resize ignores them too.
            "cursorposition" | "windowposition" | "cursorsize" | "buffersize" | "windowsize" => {}
            _ => return Err(property_read_only(name)),
        }
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `$Host.UI`.
#[derive(Debug)]
pub struct HostUi {
    raw: ObjectRef,
}

impl NetObject for HostUi {
    fn type_name(&self) -> String {
        "System.Management.Automation.Internal.Host.InternalHostUserInterface".into()
    }

    fn type_names(&self) -> Vec<String> {
        vec![self.type_name(), "System.Management.Automation.Host.PSHostUserInterface".into(), "System.Object".into()]
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("RawUI", "System.Management.Automation.Host.PSHostRawUserInterface"),
            Member::property("SupportsVirtualTerminal", "bool"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        match name.to_ascii_lowercase().as_str() {
            "rawui" => Some(Value::Object(self.raw.clone())),
            "supportsvirtualterminal" => Some(Value::Bool(true)),
            _ => None,
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `$Host`: PowerShell's console host.
#[derive(Debug)]
pub struct Host {
    ui: ObjectRef,
    instance_id: String,
}

impl NetObject for Host {
    fn type_name(&self) -> String {
        "System.Management.Automation.Internal.Host.InternalHost".into()
    }

    fn type_names(&self) -> Vec<String> {
        vec![self.type_name(), "System.Management.Automation.Host.PSHost".into(), "System.Object".into()]
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("Name", "string"),
            Member::property("Version", "version"),
            Member::property("InstanceId", "guid"),
            Member::property("UI", "System.Management.Automation.Host.PSHostUserInterface"),
            Member::property("CurrentCulture", "cultureinfo"),
            Member::property("CurrentUICulture", "cultureinfo"),
            Member::property("PrivateData", "psobject"),
            Member::property("DebuggerEnabled", "bool"),
            Member::property("IsRunspacePushed", "bool"),
            Member::property("Runspace", "runspace"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        Some(match name.to_ascii_lowercase().as_str() {
            "name" => Value::from("ConsoleHost"),
            "version" => super::dotnet::Version::system(7, 4, 0),
            "instanceid" => Value::String(self.instance_id.clone()),
            "ui" => Value::Object(self.ui.clone()),
            "currentculture" | "currentuiculture" => Value::from("en-US"),
            "privatedata" | "runspace" => Value::Null,
            "debuggerenabled" => Value::Bool(true),
            "isrunspacepushed" => Value::Bool(false),
            _ => return None,
        })
    }

    fn set_property(&self, name: &str, _: Value) -> Result<(), ErrorRecord> {
        Err(property_read_only(name))
    }

    fn to_text(&self) -> String {
        "System.Management.Automation.Internal.Host.InternalHost".into()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A new session's host: grey on black, an empty title.
pub fn new_host(instance_id: String) -> Value {
    let raw = ObjectRef(Rc::new(RawUi {
        foreground: Cell::new(ConsoleColor(7)),
        background: Cell::new(ConsoleColor(0)),
        title: RefCell::new(String::new()),
    }));
    let ui = ObjectRef::new(HostUi { raw });
    Value::Object(ObjectRef::new(Host { ui, instance_id }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_convert_by_name_or_number_and_refuse_the_rest() {
        assert_eq!(ConsoleColor::parse(&Value::from("green")).map(ConsoleColor::name).ok(), Some("Green"));
        assert_eq!(ConsoleColor::parse(&Value::Int(15)).map(ConsoleColor::name).ok(), Some("White"));
        for bad in [Value::Int(-1), Value::Int(16), Value::from("Purple")] {
            let e = ConsoleColor::parse(&bad).expect_err("not a colour");
            assert_eq!(e.error_id, "CannotConvertArgumentNoMessage");
        }
    }

    #[test]
    fn the_raw_ui_keeps_what_is_set_and_refuses_bad_colours() {
        let Value::Object(host) = new_host("id".into()) else { panic!("an object") };
        let Some(Value::Object(ui)) = host.property("UI") else { panic!("UI") };
        let Some(Value::Object(raw)) = ui.property("RawUI") else { panic!("RawUI") };
        raw.set_property("WindowTitle", Value::from("EXCMS01 health")).expect("title");
        raw.set_property("ForegroundColor", Value::from("Yellow")).expect("colour");
        assert!(raw.set_property("BackgroundColor", Value::Int(99)).is_err());
        assert_eq!(raw.property("WindowTitle"), Some(Value::from("EXCMS01 health")));
        assert_eq!(raw.property("ForegroundColor"), Some(Value::from("Yellow")));
        assert_eq!(raw.property("BackgroundColor"), Some(Value::from("Black")));
        assert!(host.set_property("Name", Value::from("x")).is_err());
    }
}
