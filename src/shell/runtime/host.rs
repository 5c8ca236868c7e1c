//! `$Host` and `Get-Host`: the console host object scripts look at (`$Host.Name`,
//! `$Host.Version`, `$Host.UI.RawUI.WindowTitle`, its colours and sizes), its UI's methods
//! (`$Host.UI.PromptForChoice`, `PromptForCredential`, `ReadLine`, `ReadLineAsSecureString`,
//! `WriteLine`, `WriteWarningLine`…), the
//! `ChoiceDescription` type prompts are built from, and `System.ConsoleColor`, which
//! `Write-Host` and the raw UI take.
//!
//! Owns: [`ConsoleColor`], the host, its UI and raw UI objects (one per session, shared by
//! every read of `$Host`, so a title set is the title read back), [`ui_method`] and the
//! console host's choice and credential prompts.
//!
//! Must not: print itself. The UI's methods hand text and prompts to the interpreter's host
//! (`eval::Host`, which `session` implements); setting the window title or the colours
//! records them, and ccrsh does not rewrite the terminal's title.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::Host as HostIo;
use crate::shell::runtime::types::NetType;
use crate::shell::value::{Record, Value};

use super::object::{Member, NetObject, ObjectRef, method_threw, property_read_only};

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
            Member::method(
                "PromptForChoice",
                "int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection[System.Management.Automation.Host.ChoiceDescription] choices, int defaultChoice)",
            ),
            Member::method(
                "PromptForCredential",
                "pscredential PromptForCredential(string caption, string message, string userName, string targetName)",
            ),
            Member::method("ReadLine", "string ReadLine()"),
            Member::method("ReadLineAsSecureString", "securestring ReadLineAsSecureString()"),
            Member::method("Write", "void Write(string value)"),
            Member::method("WriteLine", "void WriteLine(), void WriteLine(string value)"),
            Member::method("WriteWarningLine", "void WriteWarningLine(string message)"),
            Member::method("WriteVerboseLine", "void WriteVerboseLine(string message)"),
            Member::method("WriteDebugLine", "void WriteDebugLine(string message)"),
            Member::method("WriteErrorLine", "void WriteErrorLine(string value)"),
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

/// `$Host.UI.Name(args)`, done with the interpreter's host; `None` when `ui` is not the host's
/// UI or `name` is not one of its methods. Text goes where the console host writes it (a
/// warning line as `WARNING: …`); prompts fail as PowerShell's do when the session cannot
/// prompt (`-NonInteractive`, no terminal).
pub fn ui_method(
    ui: &ObjectRef,
    name: &str,
    args: &[Value],
    host: &mut dyn HostIo,
) -> Option<Result<Value, ErrorRecord>> {
    ui.as_any().downcast_ref::<HostUi>()?;
    let text = |i: usize| args.get(i).map(Value::to_display_string).unwrap_or_default();
    let count = args.len();
    let threw = |e: ErrorRecord| {
        let mut wrapped = method_threw(name, count, &e.message);
        wrapped.hint = e.hint;
        wrapped
    };
    // The text a writing method is given is its last argument: `WriteLine(text)`, or
    // `WriteLine(foreground, background, text)`, whose colours are the console's to draw.
    let last = || text(count.saturating_sub(1));
    match (name.to_ascii_lowercase().as_str(), count) {
        ("promptforchoice", 4) => {
            return Some(prompt_for_choice(&text(0), &text(1), &args[2], &args[3], host).map_err(threw));
        }
        // The end of a redirected standard input reads as $null, as pwsh's console host gives.
        ("readline", 0) => {
            return Some(host.read_input_line("").map(|line| line.map_or(Value::Null, Value::String)).map_err(threw));
        }
        ("readlineassecurestring", 0) => {
            let read =
                host.read_secret_line("").map(|line| line.map_or(Value::Null, super::dotnet::SecureString::value));
            return Some(read.map_err(threw));
        }
        ("promptforcredential", 4) => {
            let (user, target) = (text(2), text(3));
            let asked = prompt_for_credential(host, &text(0), &text(1), Some(user.as_str()), &target);
            return Some(asked.map(|c| c.unwrap_or(Value::Null)).map_err(threw));
        }
        ("write", 1 | 3) => host.text(&last(), false),
        ("writeline", 0 | 1 | 3) => host.text(&last(), true),
        ("writewarningline", 1) => host.warning(&last()),
        ("writeverboseline", 1) => host.verbose(&last()),
        ("writedebugline", 1) => host.text(&format!("DEBUG: {}", last()), true),
        ("writeerrorline", 1) => host.error_line(&last()),
        (
            "promptforchoice"
            | "promptforcredential"
            | "readline"
            | "readlineassecurestring"
            | "write"
            | "writeline"
            | "writewarningline"
            | "writeverboseline"
            | "writedebugline"
            | "writeerrorline",
            _,
        ) => return Some(Err(super::object::overload_not_found(name, count))),
        _ => return None,
    }
    Some(Ok(Value::Null))
}

/// Asks for a credential as pwsh's console host does (`PromptForCredential`, Get-Credential):
/// the caption and message, `User: ` (asked again while empty) unless `user` names one, then
/// `Password for user NAME: ` behind `*`s; a `target` makes the user `TARGET\NAME`. `None` at
/// the end of a redirected input, as pwsh returns `$null`.
pub fn prompt_for_credential(
    host: &mut dyn HostIo,
    caption: &str,
    message: &str,
    user: Option<&str>,
    target: &str,
) -> Result<Option<Value>, ErrorRecord> {
    let mut head = String::new();
    if !caption.is_empty() {
        head.push_str(&format!("\n{caption}\n"));
    }
    if !message.is_empty() {
        head.push_str(&format!("{message}\n"));
    }
    let user = match user.filter(|u| !u.is_empty()) {
        Some(user) => user.to_string(),
        None => loop {
            let Some(answer) = host.read_input_line(&format!("{}User: ", std::mem::take(&mut head)))? else {
                return Ok(None);
            };
            if !answer.is_empty() {
                break answer;
            }
        },
    };
    let Some(password) = host.read_secret_line(&format!("{head}Password for user {user}: "))? else {
        return Ok(None);
    };
    let user = if target.is_empty() { user } else { format!("{target}\\{user}") };
    Ok(Some(super::dotnet::credential(&user, password)))
}

/// One answer of a choice prompt: `&Yes` is shown as `[Y] Yes` and taken as `y` or `yes`.
struct Choice {
    hotkey: String,
    label: String,
    help: String,
}

impl Choice {
    fn of(label: &str, help: &str) -> Choice {
        let (hotkey, plain) = match label.find('&') {
            Some(at) => {
                let key = label[at + 1..].chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default();
                (key, format!("{}{}", &label[..at], &label[at + 1..]))
            }
            None => (String::new(), label.to_string()),
        };
        Choice { hotkey, label: plain, help: help.to_string() }
    }
}

/// `PromptForChoice(caption, message, choices, defaultChoice)` as the console host asks it:
/// the caption and message, then `[Y] Yes  [N] No  [?] Help (default is "N"): `, asked again
/// until the answer is a label or a hotkey (or empty, with a default); `?` lists the help
/// messages. Returns the index chosen.
fn prompt_for_choice(
    caption: &str,
    message: &str,
    choices: &Value,
    default: &Value,
    host: &mut dyn HostIo,
) -> Result<Value, ErrorRecord> {
    let items = match choices {
        Value::Array(items) => items.borrow().clone(),
        Value::Null => Vec::new(),
        one => vec![one.clone()],
    };
    let choices: Vec<Choice> = items
        .iter()
        .map(|item| match item {
            Value::Object(o) => match o.as_any().downcast_ref::<ChoiceDescription>() {
                Some(c) => Choice::of(&c.label, &c.help.borrow()),
                None => Choice::of(&item.to_display_string(), ""),
            },
            other => Choice::of(&other.to_display_string(), ""),
        })
        .collect();
    if choices.is_empty() {
        return Err(ErrorRecord::new(
            "ArgumentException",
            "InvalidArgument",
            "Cannot process argument because the value of argument \"choices\" is empty.".into(),
        )
        .exception("System.ArgumentException")
        .with_hint("Give PromptForChoice at least one ChoiceDescription."));
    }
    let default = crate::shell::eval::convert::to_number(default).map_or(-1, |n| n.as_f64() as i64);
    if default < -1 || default >= choices.len() as i64 {
        return Err(ErrorRecord::new(
            "ArgumentOutOfRangeException",
            "InvalidArgument",
            format!(
                "Specified argument was out of the range of valid values. (Parameter 'defaultChoice')\nActual value was {default}."
            ),
        )
        .exception("System.ArgumentOutOfRangeException")
        .with_hint(format!("The default is the index of a choice, 0 to {}, or -1 for none.", choices.len() - 1)));
    }
    let mut line: Vec<String> = choices.iter().map(|c| format!("[{}] {}", c.hotkey, c.label)).collect();
    line.push("[?] Help ".into());
    let mut choice_line = line.join("  ");
    if let Some(chosen) = usize::try_from(default).ok().and_then(|d| choices.get(d)) {
        let shown = if chosen.hotkey.is_empty() { &chosen.label } else { &chosen.hotkey };
        choice_line.push_str(&format!("(default is \"{shown}\"): "));
    }
    let mut head = String::new();
    if !caption.is_empty() {
        head.push_str(&format!("\n{caption}\n"));
    }
    if !message.is_empty() {
        head.push_str(&format!("{message}\n"));
    }
    let mut prompt = format!("{head}{choice_line}");
    loop {
        let answer = host.read_line(&prompt)?;
        let answer = answer.trim();
        prompt = choice_line.clone();
        if answer.is_empty() && default >= 0 {
            return Ok(Value::Int(default));
        }
        if answer == "?" {
            let help: Vec<String> = choices
                .iter()
                .map(|c| {
                    let key = if c.hotkey.is_empty() { &c.label } else { &c.hotkey };
                    format!("{key} - {}", c.help)
                })
                .collect();
            host.text(&help.join("\n"), true);
            continue;
        }
        let by_label = choices.iter().position(|c| c.label.eq_ignore_ascii_case(answer));
        let by_key = || choices.iter().position(|c| !c.hotkey.is_empty() && c.hotkey.eq_ignore_ascii_case(answer));
        if let Some(index) = by_label.or_else(by_key) {
            return Ok(Value::Int(index as i64));
        }
    }
}

/// `System.Management.Automation.Host.ChoiceDescription`: an answer of `PromptForChoice`, its
/// label (with `&` before the hotkey) and help message.
#[derive(Debug)]
pub struct ChoiceDescription {
    label: String,
    help: RefCell<String>,
}

impl NetObject for ChoiceDescription {
    fn type_name(&self) -> String {
        CHOICE_DESCRIPTION.full_name().into()
    }

    fn members(&self) -> Vec<Member> {
        vec![Member::property("Label", "string"), Member::settable("HelpMessage", "string")]
    }

    fn property(&self, name: &str) -> Option<Value> {
        match name.to_ascii_lowercase().as_str() {
            "label" => Some(Value::String(self.label.clone())),
            "helpmessage" => Some(Value::String(self.help.borrow().clone())),
            _ => None,
        }
    }

    fn set_property(&self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        match name.to_ascii_lowercase().as_str() {
            "helpmessage" => *self.help.borrow_mut() = value.to_display_string(),
            _ => return Err(property_read_only(name)),
        }
        Ok(())
    }

    fn to_text(&self) -> String {
        CHOICE_DESCRIPTION.full_name().into()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

pub struct ChoiceDescriptionType;
pub static CHOICE_DESCRIPTION: ChoiceDescriptionType = ChoiceDescriptionType;

impl NetType for ChoiceDescriptionType {
    fn full_name(&self) -> &'static str {
        "System.Management.Automation.Host.ChoiceDescription"
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let (label, help) = match args {
            [label] => (label.to_display_string(), String::new()),
            [label, help] => (label.to_display_string(), help.to_display_string()),
            _ => return Some(Err(super::object::overload_not_found("new", args.len()))),
        };
        if label.trim().is_empty() {
            return Some(Err(method_threw(
                "new",
                args.len(),
                "Cannot process argument because the value of argument \"label\" is not valid.",
            )
            .with_hint("Give the choice a label, with & before its hotkey: '&Yes'.")));
        }
        Some(Ok(Value::Object(ObjectRef::new(ChoiceDescription { label, help: RefCell::new(help) }))))
    }

    /// A string converts as the one-argument constructor does: `[ChoiceDescription[]]('&Yes', '&No')`.
    fn convert(&self, value: &Value) -> Option<Result<Value, ErrorRecord>> {
        match value {
            Value::Object(o) if o.as_any().is::<ChoiceDescription>() => Some(Ok(value.clone())),
            Value::String(_) => self.construct(std::slice::from_ref(value)),
            _ => None,
        }
    }
}

/// The host's types, for the type registry.
pub static TYPES: &[&dyn NetType] = &[&CHOICE_DESCRIPTION];

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
