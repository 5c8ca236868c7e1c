//! Variables: lookup through the scope tree, the automatic ones (`$true`, `$?`, `$Error`,
//! `$PSVersionTable`…), scope qualifiers (`$global:`, `$script:`, `$private:`, `$env:`,
//! `$function:`), read-only and constant variables, and type constraints with validation.
//!
//! Must not: evaluate expressions (constraints are applied with `convert`).

use std::rc::Rc;

use super::functions::{self, Function};
use super::scope::{Constraint, Scope, ScopeKind, Variable, VariableInfo, VariableOptions};
use super::{Interpreter, MAXIMUM_ERROR_COUNT, convert};
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime;
use crate::shell::syntax::{Name, Qualifier, VarRef};
use crate::shell::value::{Hashtable, ScriptBlock, Value};

/// How a variable name reads: its qualifier and lower-cased bare name.
fn split_name(name: &str) -> (Qualifier, String) {
    match name.split_once(':') {
        Some((scope, bare)) if !scope.is_empty() => {
            let q = match scope.to_ascii_lowercase().as_str() {
                "global" => Qualifier::Global,
                "script" => Qualifier::Script,
                "local" => Qualifier::Local,
                "private" => Qualifier::Private,
                "using" => Qualifier::Using,
                "env" => Qualifier::Env,
                "variable" => Qualifier::Variable,
                "function" => Qualifier::Function,
                _ => Qualifier::Drive,
            };
            (q, bare.to_lowercase())
        }
        _ => (Qualifier::None, name.to_lowercase()),
    }
}

/// `Cannot overwrite variable x because it is read-only or constant.`
pub(super) fn not_writable(name: &str) -> ErrorRecord {
    ErrorRecord::new(
        "VariableNotWritable",
        "WriteError",
        format!("Cannot overwrite variable {name} because it is read-only or constant."),
    )
    .exception("System.Management.Automation.SessionStateUnauthorizedAccessException")
}

impl Interpreter {
    /// The variables every session starts with.
    pub(super) fn define_automatic_variables(&mut self) {
        let global = self.global.clone();
        let mut vars = global.variables.borrow_mut();
        let mut define = |name: &str, value: Value, options: VariableOptions| {
            let key: Name = Rc::from(name.to_lowercase().as_str());
            let mut v = Variable::new(Rc::from(name), value);
            v.options = options;
            vars.insert(key, v);
        };
        let plain = VariableOptions::default();
        for (name, value) in [
            ("ErrorActionPreference", "Continue"),
            ("WarningPreference", "Continue"),
            ("VerbosePreference", "SilentlyContinue"),
            ("DebugPreference", "SilentlyContinue"),
            ("InformationPreference", "SilentlyContinue"),
            ("ProgressPreference", "Continue"),
            ("ConfirmPreference", "High"),
        ] {
            define(name, Value::from(value), plain);
        }
        define("WhatIfPreference", Value::Bool(false), plain);
        define("FormatEnumerationLimit", Value::Int(4), plain);
        define("MaximumErrorCount", Value::Int(MAXIMUM_ERROR_COUNT as i64), plain);
        define("OFS", Value::from(" "), plain);
        define("NestedPromptLevel", Value::Int(0), plain);
        let read_only = VariableOptions { read_only: true, all_scope: true, ..VariableOptions::default() };
        let constant = VariableOptions { constant: true, all_scope: true, ..VariableOptions::default() };
        if let Some(home) = std::env::var_os("HOME") {
            define("HOME", Value::String(home.to_string_lossy().into_owned()), read_only);
        }
        define("PID", Value::Int(i64::from(std::process::id())), constant);
        define("ShellId", Value::from("Microsoft.PowerShell"), constant);
        define(
            "PSHOME",
            Value::from(
                std::env::current_exe()
                    .ok()
                    .and_then(|p| p.parent().map(|d| d.display().to_string()))
                    .unwrap_or_default(),
            ),
            read_only,
        );
        define("IsLinux", Value::Bool(cfg!(target_os = "linux")), constant);
        define("IsWindows", Value::Bool(cfg!(windows)), constant);
        define("IsMacOS", Value::Bool(cfg!(target_os = "macos")), constant);
        define("IsCoreCLR", Value::Bool(true), constant);
        let mut version = Hashtable::new();
        version.insert(Value::from("PSVersion"), runtime::dotnet::Version::semantic(7, 4, 0));
        version.insert(Value::from("PSEdition"), Value::from("Core"));
        version.insert(Value::from("CcrshVersion"), Value::from(env!("CARGO_PKG_VERSION")));
        define("PSVersionTable", version.into_value(), read_only);
        define("PSEdition", Value::from("Core"), read_only);
        let instance = runtime::dotnet::new_guid().unwrap_or_default();
        define("Host", runtime::host::new_host(instance), constant);
    }

    /// `$name` by its text (`x`, `global:x`, `env:PATH`): automatic variables, qualified names,
    /// then the scopes from the current one up. An unset variable is `$null`.
    pub fn variable(&self, name: &str) -> Value {
        let (qualifier, key) = split_name(name);
        self.read(&qualifier, &key, name)
    }

    /// A variable reference of the tree.
    pub(super) fn var(&self, v: &VarRef) -> Value {
        self.read(&v.qualifier, &v.key, &v.text)
    }

    fn read(&self, qualifier: &Qualifier, key: &str, text: &str) -> Value {
        match key {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            "null" => return Value::Null,
            "?" => return Value::Bool(self.last_ok),
            "error" if matches!(qualifier, Qualifier::None | Qualifier::Global) => {
                return self.error_list();
            }
            "psitem" => return self.current.lookup("_", |v| v.value.clone()).unwrap_or(Value::Null),
            "pwd" if matches!(qualifier, Qualifier::None) => {
                return runtime::path_info::PathInfo::value(runtime::filesystem::location());
            }
            // `$^` and `$$`: the first and last token of the previous input line.
            "^" | "$" if matches!(qualifier, Qualifier::None) => return self.last_line_token(key == "^"),
            // Outside a script file's own scope (which sets them), the running file's.
            "psscriptroot" | "pscommandpath"
                if matches!(qualifier, Qualifier::None) && self.current.lookup(key, |_| ()).is_none() =>
            {
                let Some(file) = &self.source.file else { return Value::String(String::new()) };
                let path = runtime::filesystem::resolve(file);
                let path = if key == "pscommandpath" { Some(path.as_path()) } else { path.parent() };
                return Value::String(path.map(|p| p.display().to_string()).unwrap_or_default());
            }
            _ => {}
        }
        let found = match qualifier {
            Qualifier::None | Qualifier::Variable | Qualifier::Using => self.current.lookup(key, |v| v.value.clone()),
            Qualifier::Local | Qualifier::Private => self.current.variables.borrow().get(key).map(|v| v.value.clone()),
            Qualifier::Global => self.global.variables.borrow().get(key).map(|v| v.value.clone()),
            Qualifier::Script => self.current.script().lookup(key, |v| v.value.clone()),
            Qualifier::Env => {
                let bare = text.split_once(':').map_or(text, |(_, b)| b);
                return runtime::environment::get(bare).map_or(Value::Null, Value::String);
            }
            Qualifier::Function => {
                return self.current.function(key).map_or(Value::Null, |f| {
                    Value::ScriptBlock(ScriptBlock { def: f.body.clone(), source: f.source.clone() })
                });
            }
            Qualifier::Drive => None,
        };
        found.unwrap_or(Value::Null)
    }

    /// `$name = value` by text: the current scope (or the one the qualifier names).
    pub fn set_variable(&mut self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        let (qualifier, key) = split_name(name);
        self.write(&qualifier, &key, name, value)
    }

    /// `$name = value` as if run in `scope`: a command's `-PipelineVariable`, set in the scope
    /// its pipeline runs in whatever scope the command itself is running in.
    pub(super) fn set_variable_in(&mut self, scope: &Rc<Scope>, name: &str, value: Value) -> Result<(), ErrorRecord> {
        let current = std::mem::replace(&mut self.current, scope.clone());
        let result = self.set_variable(name, value);
        self.current = current;
        result
    }

    /// Assigns to a variable reference of the tree.
    pub(super) fn assign_var(&mut self, v: &VarRef, value: Value) -> Result<(), ErrorRecord> {
        self.write(&v.qualifier, &v.key, &v.text, value)
    }

    /// Assigns to the variable `text` (as written, with any qualifier), whose qualifier and
    /// key are given.
    fn write(&mut self, qualifier: &Qualifier, key: &str, text: &str, value: Value) -> Result<(), ErrorRecord> {
        let bare = text.split_once(':').map_or(text, |(_, b)| b);
        match key {
            "null" => return Ok(()),
            "true" | "false" | "?" => return Err(not_writable(bare)),
            _ => {}
        }
        let scope = match qualifier {
            Qualifier::Env => {
                let text = match value {
                    Value::Null => None,
                    v => Some(v.to_display_string()),
                };
                runtime::environment::set(bare, text.as_deref());
                return Ok(());
            }
            Qualifier::Function => {
                return match value {
                    Value::ScriptBlock(block) => {
                        let function = Function::from_block(Rc::from(bare), &block);
                        self.current.functions.borrow_mut().insert(Rc::from(key), Rc::new(function));
                        Ok(())
                    }
                    Value::Null => {
                        self.current.functions.borrow_mut().remove(key);
                        Ok(())
                    }
                    other => {
                        let text = other.to_display_string();
                        let block = self.create_script_block_value(&text)?;
                        let function = Function::from_block(Rc::from(bare), &block);
                        self.current.functions.borrow_mut().insert(Rc::from(key), Rc::new(function));
                        Ok(())
                    }
                };
            }
            Qualifier::Global => self.global.clone(),
            Qualifier::Script => self.current.script(),
            Qualifier::Drive => {
                let drive = text.split_once(':').map_or(text, |(d, _)| d);
                return Err(ErrorRecord::new(
                    "DriveNotFound",
                    "ObjectNotFound",
                    format!("Cannot find drive. A drive with the name '{drive}' does not exist."),
                ));
            }
            Qualifier::None | Qualifier::Local | Qualifier::Private | Qualifier::Variable | Qualifier::Using => {
                // An AllScope variable (`$HOME`) is one variable wherever it is set.
                if !self.current.variables.borrow().contains_key(key)
                    && let Some(holder) = self.current.holder(key)
                    && holder.variables.borrow().get(key).is_some_and(|v| v.options.all_scope)
                {
                    holder
                } else {
                    self.current.clone()
                }
            }
        };
        let private = matches!(qualifier, Qualifier::Private);
        self.store_in(&scope, key, bare, value, private)
    }

    /// Sets `key` in `scope`, honouring its options and constraint.
    pub(super) fn store_in(
        &mut self,
        scope: &Rc<Scope>,
        key: &str,
        bare: &str,
        value: Value,
        private: bool,
    ) -> Result<(), ErrorRecord> {
        let existing = scope.variables.borrow().get(key).map(|v| (v.options, v.constraint.clone()));
        match existing {
            Some((options, _)) if options.read_only || options.constant => Err(not_writable(bare)),
            Some((_, constraint)) => {
                let value = match &constraint {
                    Some(c) => self.apply_constraint(c, bare, value)?,
                    None => value,
                };
                if let Some(v) = scope.variables.borrow_mut().get_mut(key) {
                    v.value = value;
                    if private {
                        v.options.private = true;
                    }
                }
                Ok(())
            }
            None => {
                let mut v = Variable::new(Rc::from(bare), value);
                v.options.private = private;
                scope.variables.borrow_mut().insert(Rc::from(key), v);
                Ok(())
            }
        }
    }

    /// `value` converted to the variable's type and checked against its validation.
    pub(super) fn apply_constraint(
        &mut self,
        constraint: &Constraint,
        name: &str,
        value: Value,
    ) -> Result<Value, ErrorRecord> {
        let value = match &constraint.type_name {
            Some(t) => convert::cast(t, &value)?,
            None => value,
        };
        if !constraint.attributes.is_empty() {
            functions::validate_variable(self, &constraint.attributes, name, &value)?;
        }
        Ok(value)
    }

    /// Sets (or with `None` clears) the constraint of `key` in the current scope, creating it.
    pub(super) fn constrain(&mut self, v: &VarRef, constraint: Option<Constraint>) {
        let scope = match v.qualifier {
            Qualifier::Global => self.global.clone(),
            Qualifier::Script => self.current.script(),
            Qualifier::Env | Qualifier::Function | Qualifier::Drive => return,
            _ => self.current.clone(),
        };
        let bare = v.text.split_once(':').map_or(&*v.text, |(_, b)| b);
        let mut vars = scope.variables.borrow_mut();
        let entry = vars.entry(v.key.clone()).or_insert_with(|| Variable::new(Rc::from(bare), Value::Null));
        entry.constraint = constraint.map(Rc::new);
    }

    /// `$Error`: the session's errors, newest first, as a live list (`$Error.Clear()`).
    fn error_list(&self) -> Value {
        Value::Object(runtime::ObjectRef::new(runtime::error_list::ErrorList(self.errors.clone())))
    }

    /// Defines `key` in the current scope without checks (automatic variables: `$_`, `$args`).
    pub(super) fn set_local(&mut self, key: &str, value: Value) {
        let mut vars = self.current.variables.borrow_mut();
        match vars.get_mut(key) {
            Some(v) => {
                v.value = value;
                v.constraint = None;
            }
            None => {
                let name: Name = Rc::from(key);
                vars.insert(name.clone(), Variable::new(name, value));
            }
        }
    }

    /// `$_` of the current scope, taken out (to be put back with [`Interpreter::set_local`]).
    pub(super) fn local(&self, key: &str) -> Option<Value> {
        self.current.variables.borrow().get(key).map(|v| v.value.clone())
    }

    /// Removes `key` from the current scope (restoring a scope after `$_` was set).
    pub(super) fn unset_local(&mut self, key: &str) {
        self.current.variables.borrow_mut().remove(key);
    }

    fn scope_named(&self, scope: Option<&str>) -> Result<Option<Rc<Scope>>, ErrorRecord> {
        match scope {
            None => Ok(None),
            Some(name) => self.current.named(name).map(Some).ok_or_else(|| {
                ErrorRecord::new(
                    "ArgumentOutOfRange",
                    "InvalidArgument",
                    format!("The scope number '{name}' exceeds the number of active scopes."),
                )
                .exception("System.Management.Automation.PSArgumentOutOfRangeException")
            }),
        }
    }

    pub(super) fn variable_infos(&self, scope: Option<&str>) -> Result<Vec<VariableInfo>, ErrorRecord> {
        let info = |v: &Variable| VariableInfo {
            name: v.name.to_string(),
            value: v.value.clone(),
            options: v.options,
            description: v.description.clone(),
        };
        let mut all: Vec<VariableInfo> = Vec::new();
        match self.scope_named(scope)? {
            Some(s) => all.extend(s.variables.borrow().values().map(info)),
            None => {
                let mut own = true;
                for s in self.current.chain() {
                    for v in s.variables.borrow().values() {
                        if (own || !v.options.private) && !all.iter().any(|a| a.name.eq_ignore_ascii_case(&v.name)) {
                            all.push(info(v));
                        }
                    }
                    own = false;
                }
            }
        }
        for (name, value) in [("true", Value::Bool(true)), ("false", Value::Bool(false)), ("null", Value::Null)] {
            if !all.iter().any(|a| a.name == name) {
                let options = VariableOptions { constant: true, all_scope: true, ..VariableOptions::default() };
                all.push(VariableInfo { name: name.into(), value, options, description: String::new() });
            }
        }
        all.push(VariableInfo {
            name: "Error".into(),
            value: self.error_list(),
            options: VariableOptions { constant: true, ..VariableOptions::default() },
            description: String::new(),
        });
        all.push(VariableInfo {
            name: "?".into(),
            value: Value::Bool(self.last_ok),
            options: VariableOptions::default(),
            description: String::new(),
        });
        // The automatic variables the interpreter answers without storing them.
        for (name, value) in [
            ("$", self.last_line_token(false)),
            ("^", self.last_line_token(true)),
            ("PWD", runtime::path_info::PathInfo::value(runtime::filesystem::location())),
        ] {
            if !all.iter().any(|a| a.name.eq_ignore_ascii_case(name)) {
                all.push(VariableInfo {
                    name: name.into(),
                    value,
                    options: VariableOptions::default(),
                    description: String::new(),
                });
            }
        }
        all.sort_by_key(|a| a.name.to_lowercase());
        Ok(all)
    }

    /// The first (`$^`) or last (`$$`) token of the input line before the current one, as the
    /// host received it; `$null` before there was one. Tokens are split at blanks, a quoted
    /// string staying whole.
    fn last_line_token(&self, first: bool) -> Value {
        let Some(line) = self.history.iter().rev().nth(1) else { return Value::Null };
        let mut tokens: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut quote: Option<char> = None;
        for c in line.trim().chars() {
            match quote {
                Some(q) if c == q => {
                    current.push(c);
                    quote = None;
                }
                Some(_) => current.push(c),
                None if c == '\'' || c == '"' => {
                    current.push(c);
                    quote = Some(c);
                }
                None if c.is_whitespace() => {
                    if !current.is_empty() {
                        tokens.push(std::mem::take(&mut current));
                    }
                }
                None => current.push(c),
            }
        }
        if !current.is_empty() {
            tokens.push(current);
        }
        let token = if first { tokens.first() } else { tokens.last() };
        token.map_or(Value::Null, |t| Value::String(t.clone()))
    }

    pub(super) fn define_variable(
        &mut self,
        info: VariableInfo,
        scope: Option<&str>,
        force: bool,
    ) -> Result<(), ErrorRecord> {
        let scope = self.scope_named(scope)?.unwrap_or_else(|| self.current.clone());
        let key = info.name.to_lowercase();
        if matches!(key.as_str(), "true" | "false" | "null" | "?") {
            return Err(not_writable(&info.name));
        }
        let existing = scope.variables.borrow().get(key.as_str()).map(|v| (v.options, v.constraint.clone()));
        let constraint = match existing {
            Some((options, _)) if options.constant || options.read_only && !force => {
                return Err(not_writable(&info.name));
            }
            Some((options, _)) if info.options.constant && !options.constant => {
                return Err(ErrorRecord::new(
                    "VariableCannotBeMadeConstant",
                    "InvalidOperation",
                    format!(
                        "Existing variable {} cannot be made constant. Variables can be made constant only at creation time.",
                        info.name
                    ),
                )
                .exception("System.Management.Automation.SessionStateUnauthorizedAccessException"));
            }
            Some((_, constraint)) => constraint,
            None => None,
        };
        // A typed variable (`[int]$n`) stays typed: the new value is converted and validated.
        let value = match &constraint {
            Some(c) => self.apply_constraint(c, &info.name, info.value)?,
            None => info.value,
        };
        let mut v = Variable::new(Rc::from(info.name.as_str()), value);
        v.options = info.options;
        v.description = info.description;
        v.constraint = constraint;
        scope.variables.borrow_mut().insert(Rc::from(key.as_str()), v);
        Ok(())
    }

    pub(super) fn remove_variable(
        &mut self,
        name: &str,
        scope: Option<&str>,
        force: bool,
    ) -> Result<bool, ErrorRecord> {
        let key = name.to_lowercase();
        let scope = match self.scope_named(scope)? {
            Some(s) => Some(s),
            None => self.current.holder(&key),
        };
        let Some(scope) = scope else {
            return Ok(false);
        };
        let mut vars = scope.variables.borrow_mut();
        match vars.get(key.as_str()) {
            None => Ok(false),
            Some(v) if v.options.constant || v.options.read_only && !force => Err(ErrorRecord::new(
                "VariableNotRemovable",
                "WriteError",
                format!("Cannot remove variable {name} because it is constant or read-only. If the variable is read-only, try the operation again specifying the Force option."),
            )
            .exception("System.Management.Automation.SessionStateUnauthorizedAccessException")),
            Some(_) => {
                vars.remove(key.as_str());
                Ok(true)
            }
        }
    }

    /// A script block made from text (`$function:f = 'text'`).
    fn create_script_block_value(&mut self, text: &str) -> Result<ScriptBlock, ErrorRecord> {
        use super::Engine;
        match self.create_script_block(text)? {
            Value::ScriptBlock(b) => Ok(b),
            _ => Err(ErrorRecord::new("ParseError", "ParserError", "Not a script block.".into())),
        }
    }

    /// A new child scope of the current one.
    pub(super) fn child_scope(&self) -> Rc<Scope> {
        Scope::child(&self.current, ScopeKind::Local)
    }
}
