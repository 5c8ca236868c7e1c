//! Scopes, as PowerShell nests them: a tree from the global scope down, each scope with its
//! variables (value, options, type constraint and validation) and functions. A function call
//! or `& { }` makes a child of the caller's scope; dot-sourcing runs in the caller's own. A
//! command in a pipeline keeps its scope while other commands of the pipeline run, so the
//! current scope is a pointer into the tree, not the top of a stack.
//!
//! Owns: [`Scope`], [`Variable`], [`VariableOptions`], [`VariableInfo`] and scope lookup by
//! name (`global`, `script`, `local`, `private`, or a number of levels up).
//!
//! Must not: evaluate expressions or know about pipelines.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use rustc_hash::FxBuildHasher;

use super::functions::Function;
use crate::shell::syntax::{Attribute, Name};
use crate::shell::value::Value;

/// What kind of scope this is: `$script:` finds the nearest script scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Global,
    /// A script file's scope (and the global one, for `-Command` text).
    Script,
    /// A function's or script block's.
    Local,
}

/// `New-Variable -Option` flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VariableOptions {
    pub read_only: bool,
    pub constant: bool,
    pub private: bool,
    pub all_scope: bool,
}

impl VariableOptions {
    /// The options as PowerShell's `ScopedItemOptions` prints them.
    pub fn names(&self) -> String {
        let mut names = Vec::new();
        if self.read_only {
            names.push("ReadOnly");
        }
        if self.constant {
            names.push("Constant");
        }
        if self.private {
            names.push("Private");
        }
        if self.all_scope {
            names.push("AllScope");
        }
        if names.is_empty() { "None".into() } else { names.join(", ") }
    }
}

/// The constraint a typed or attributed variable keeps (`[int]$x = 1`,
/// `[ValidateRange(1, 5)][int]$n = 3`): later assignments are converted and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    pub type_name: Option<Name>,
    pub attributes: Vec<Attribute>,
}

/// One variable.
#[derive(Debug, Clone)]
pub struct Variable {
    pub value: Value,
    pub options: VariableOptions,
    pub constraint: Option<Rc<Constraint>>,
    pub description: String,
    /// The name as first written (variables are found case-insensitively).
    pub name: Name,
}

impl Variable {
    pub fn new(name: Name, value: Value) -> Variable {
        Variable { value, options: VariableOptions::default(), constraint: None, description: String::new(), name }
    }
}

/// A variable as `Get-Variable` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct VariableInfo {
    pub name: String,
    pub value: Value,
    pub options: VariableOptions,
    pub description: String,
}

/// One scope: its variables and functions, and its parent.
#[derive(Debug)]
pub struct Scope {
    pub kind: ScopeKind,
    pub parent: Option<Rc<Scope>>,
    /// By lower-cased name. FxHash: names are short and every `$_` of a pipeline looks here.
    pub variables: RefCell<HashMap<Name, Variable, FxBuildHasher>>,
    /// By lower-cased name.
    pub functions: RefCell<HashMap<Name, Rc<Function>>>,
}

impl Scope {
    pub fn global() -> Rc<Scope> {
        Rc::new(Scope {
            kind: ScopeKind::Global,
            parent: None,
            variables: Default::default(),
            functions: Default::default(),
        })
    }

    pub fn child(parent: &Rc<Scope>, kind: ScopeKind) -> Rc<Scope> {
        Rc::new(Scope {
            kind,
            parent: Some(parent.clone()),
            variables: Default::default(),
            functions: Default::default(),
        })
    }

    /// This scope and its ancestors, innermost first.
    pub fn chain(self: &Rc<Scope>) -> impl Iterator<Item = Rc<Scope>> {
        let mut next = Some(self.clone());
        std::iter::from_fn(move || {
            let scope = next.take()?;
            next = scope.parent.clone();
            Some(scope)
        })
    }

    /// The variable `key` (lower-cased) as seen from this scope: its own, then its ancestors'
    /// that are not private.
    pub fn lookup<T>(self: &Rc<Scope>, key: &str, read: impl Fn(&Variable) -> T) -> Option<T> {
        let mut scope: &Rc<Scope> = self;
        let mut own = true;
        loop {
            if let Some(v) = scope.variables.borrow().get(key)
                && (own || !v.options.private)
            {
                return Some(read(v));
            }
            own = false;
            scope = scope.parent.as_ref()?;
        }
    }

    /// The scope that holds `key` as seen from here, if any does.
    pub fn holder(self: &Rc<Scope>, key: &str) -> Option<Rc<Scope>> {
        let mut own = true;
        for scope in self.chain() {
            if let Some(v) = scope.variables.borrow().get(key)
                && (own || !v.options.private)
            {
                return Some(scope.clone());
            }
            own = false;
        }
        None
    }

    /// The function `key` (lower-cased) as seen from here.
    pub fn function(self: &Rc<Scope>, key: &str) -> Option<Rc<Function>> {
        self.chain().find_map(|s| s.functions.borrow().get(key).cloned())
    }

    /// The nearest script (or global) scope.
    pub fn script(self: &Rc<Scope>) -> Rc<Scope> {
        self.chain().find(|s| s.kind != ScopeKind::Local).unwrap_or_else(|| self.clone())
    }

    /// The root of the tree.
    pub fn root(self: &Rc<Scope>) -> Rc<Scope> {
        self.chain().last().unwrap_or_else(|| self.clone())
    }

    /// The scope a `-Scope` argument names: `global`, `script`, `local`, `private`, or a
    /// number of levels up (0 is this one).
    pub fn named(self: &Rc<Scope>, name: &str) -> Option<Rc<Scope>> {
        match name.to_ascii_lowercase().as_str() {
            "global" => Some(self.root()),
            "script" => Some(self.script()),
            "local" | "private" => Some(self.clone()),
            n => {
                let levels: usize = n.parse().ok()?;
                self.chain().nth(levels)
            }
        }
    }
}
