//! Statements: statement lists (with `trap` and the rule that a statement-terminating error is
//! reported and the next statement runs), `if`, the loops with labels, `switch`, `try`,
//! `break`/`continue`/`return`/`exit`/`throw`, function definitions, and assignment (to
//! variables, typed and attributed variables, properties, indexes and several targets).
//!
//! Must not: run pipelines itself (`pipeline.rs` does) or print.

use std::rc::Rc;
use std::sync::atomic::Ordering;

use super::functions::Function;
use super::scope::Constraint;
use super::{Discard, Exec, Flow, INTERRUPTED, Interpreter, Pipe, collect, convert, interruption, operators};
use crate::shell::error_record::{ErrorRecord, Severity};
use crate::shell::syntax::*;
use crate::shell::value::{ScriptBlock, Value};

/// Items a `foreach` or `switch` goes through: a list, or a range made as it is read.
pub(super) enum Items {
    List(std::vec::IntoIter<Value>),
    Range { next: i64, last: i64, down: bool, done: bool },
}

impl Iterator for Items {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        match self {
            Items::List(items) => items.next(),
            Items::Range { next, last, down, done } => {
                if *done {
                    return None;
                }
                let value = *next;
                if value == *last {
                    *done = true;
                } else if *down {
                    *next -= 1;
                } else {
                    *next += 1;
                }
                Some(Value::Int(value))
            }
        }
    }
}

/// What a trap's body decided.
enum Trapped {
    /// `continue`: go on after the failed statement, quietly.
    Resume,
    /// No `continue` or `break`: report the error and go on.
    Report(ErrorRecord),
    /// `break`: the error goes on up.
    Rethrow(ErrorRecord),
}

impl Interpreter {
    /// Runs statements in order. A statement-terminating error is reported and the next
    /// statement runs, unless a `trap` here handles it, a `try` is waiting for it, or
    /// `$ErrorActionPreference` is Stop.
    pub(super) fn exec_statements(&mut self, statements: &[Statement], out: &mut dyn Pipe) -> Exec<()> {
        if INTERRUPTED.swap(false, Ordering::SeqCst) {
            return Err(Flow::Error(interruption()));
        }
        self.statement_depth += 1;
        let result = self.exec_statement_list(statements, out);
        self.statement_depth -= 1;
        result
    }

    fn exec_statement_list(&mut self, statements: &[Statement], out: &mut dyn Pipe) -> Exec<()> {
        let has_trap = statements.iter().any(|s| matches!(s, Statement::Trap(_)));
        for statement in statements {
            if let Statement::Trap(_) = statement {
                continue;
            }
            let result = self.exec_statement(statement, out);
            if !(self.pending_output.is_empty() && self.pending_errors.is_empty() && self.pending_messages.is_empty()) {
                self.flush_pending(out)?;
            }
            match result {
                Ok(()) => {}
                Err(Flow::Error(e)) if has_trap && let Some(trap) = find_trap(statements, &e) => {
                    match self.run_trap(trap, e, out)? {
                        Trapped::Resume => {}
                        Trapped::Report(e) => self.report_statement_error(e, out)?,
                        Trapped::Rethrow(e) => return Err(Flow::Error(e)),
                    }
                }
                Err(Flow::Error(e))
                    if e.severity != Severity::ScriptTerminating && self.try_depth == 0 && !self.stop_preference() =>
                {
                    self.report_statement_error(e, out)?;
                }
                Err(other) => return Err(other),
            }
            out.statement_ended(self);
        }
        Ok(())
    }

    /// Writes out what `$PSCmdlet.WriteObject`, `.WriteError` and the message methods left.
    pub(super) fn flush_pending(&mut self, out: &mut dyn Pipe) -> Exec<()> {
        for (value, enumerate) in std::mem::take(&mut self.pending_output) {
            if enumerate {
                super::write_unrolled(self, value, out)?;
            } else {
                out.write(self, value)?;
            }
        }
        for error in std::mem::take(&mut self.pending_errors) {
            self.write_error(error, None, out)?;
        }
        for (stream, text) in std::mem::take(&mut self.pending_messages) {
            match stream {
                Stream::Warning => self.write_warning(&text, None, out)?,
                Stream::Information => {
                    let shown = !matches!(
                        super::streams::Action::parse(&self.variable("InformationPreference").to_display_string()),
                        super::streams::Action::SilentlyContinue | super::streams::Action::Ignore
                    );
                    self.write_information(Value::String(text), shown, out)?;
                }
                other => self.write_message(other, &text, None, out)?,
            }
        }
        Ok(())
    }

    /// A statement-terminating error nobody caught: written to the error stream, `$?` false.
    pub(super) fn report_statement_error(&mut self, e: ErrorRecord, out: &mut dyn Pipe) -> Exec<()> {
        let action = super::streams::Action::parse(&self.variable("ErrorActionPreference").to_display_string());
        let action = if action == super::streams::Action::Stop { super::streams::Action::Continue } else { action };
        self.write_error(e, Some(action), out)
    }

    fn run_trap(&mut self, trap: &Trap, mut error: ErrorRecord, out: &mut dyn Pipe) -> Exec<Trapped> {
        error.locate(&self.source);
        self.remember(error.clone());
        let saved = self.local("_");
        self.set_local("_", error.as_caught().to_value());
        let result = self.exec_statements(&trap.body.statements, out);
        match saved {
            Some(v) => self.set_local("_", v),
            None => self.unset_local("_"),
        }
        self.note_failure();
        match result {
            Ok(()) => {
                // Reported as it happened; not again in $Error.
                let mut errors = self.errors.borrow_mut();
                if !errors.is_empty() {
                    errors.remove(0);
                }
                Ok(Trapped::Report(error))
            }
            Err(Flow::Continue(None)) => Ok(Trapped::Resume),
            Err(Flow::Break(None)) => {
                error.severity = Severity::ScriptTerminating;
                Ok(Trapped::Rethrow(error))
            }
            Err(other) => Err(other),
        }
    }

    pub(super) fn exec_statement(&mut self, statement: &Statement, out: &mut dyn Pipe) -> Exec<()> {
        // The memory budget (shell::memory), checked as every statement starts.
        crate::shell::memory::check(0).map_err(Flow::Error)?;
        match statement {
            Statement::Expression(e) => self.setting_last_ok(|i| i.output_expression(e, out)),
            Statement::Command(c) => self.setting_last_ok(|i| i.run_command(c, out)),
            Statement::Pipeline(p) => self.setting_last_ok(|i| i.run_pipeline(p, out)),
            Statement::Chain(chain) => {
                self.run_chained(&chain.first, out)?;
                for (op, pipeline) in chain.rest.iter() {
                    let run = match op {
                        ChainOp::And => self.last_ok,
                        ChainOp::Or => !self.last_ok,
                    };
                    if run {
                        self.run_chained(pipeline, out)?;
                    }
                }
                Ok(())
            }
            Statement::Assignment(a) => self.assign(a),
            Statement::If(s) => {
                for (condition, block) in s.clauses.iter() {
                    if self.condition(condition)? {
                        return self.exec_statements(&block.statements, out);
                    }
                }
                match &s.otherwise {
                    Some(block) => self.exec_statements(&block.statements, out),
                    None => Ok(()),
                }
            }
            Statement::Foreach(f) => {
                let items = self.items_of(&f.collection)?;
                for item in items {
                    self.assign_var(&f.variable, item).map_err(|e| Flow::Error(e.at(f.span)))?;
                    if self.loop_body(&f.label, &f.body.statements, out)? {
                        break;
                    }
                }
                Ok(())
            }
            Statement::For(f) => {
                if let Some(init) = &f.init {
                    self.exec_statement(init, &mut Discard)?;
                }
                loop {
                    if let Some(c) = &f.condition
                        && !self.condition(c)?
                    {
                        break;
                    }
                    if self.loop_body(&f.label, &f.body.statements, out)? {
                        break;
                    }
                    if let Some(step) = &f.step {
                        self.exec_statement(step, &mut Discard)?;
                    }
                }
                Ok(())
            }
            Statement::Loop(l) => {
                match l.kind {
                    LoopKind::While => {
                        while self.condition(&l.condition)? {
                            if self.loop_body(&l.label, &l.body.statements, out)? {
                                break;
                            }
                        }
                    }
                    LoopKind::DoWhile | LoopKind::DoUntil => loop {
                        if self.loop_body(&l.label, &l.body.statements, out)? {
                            break;
                        }
                        if self.condition(&l.condition)? == (l.kind == LoopKind::DoUntil) {
                            break;
                        }
                    },
                }
                Ok(())
            }
            Statement::Switch(s) => self.switch(s, out),
            Statement::Function(def) => {
                self.define_function(def);
                Ok(())
            }
            Statement::Try(t) => self.try_statement(t, out),
            Statement::Trap(_) => Ok(()),
            Statement::Flow(f) => self.flow(f, out),
        }
    }

    /// Runs a pipeline. `$?` describes the last pipeline: true unless it reports an error. It
    /// is set when the pipeline ends, so `$?` alone reads the one before.
    fn setting_last_ok(&mut self, run: impl FnOnce(&mut Self) -> Exec<()>) -> Exec<()> {
        let failures = self.failures;
        let result = run(self);
        if result.is_ok() {
            self.last_ok = self.failures == failures;
        }
        result
    }

    /// Runs a pipeline of a `&&`/`||` chain: its terminating error is reported and sets `$?`
    /// false rather than stopping the chain.
    fn run_chained(&mut self, pipeline: &Pipeline, out: &mut dyn Pipe) -> Exec<()> {
        let failures = self.failures;
        let result = self.run_pipeline(pipeline, out);
        self.last_ok = self.failures == failures;
        match result {
            Err(Flow::Error(e))
                if e.severity == Severity::StatementTerminating && self.try_depth == 0 && !self.stop_preference() =>
            {
                self.report_statement_error(e, out)?;
                self.last_ok = false;
                Ok(())
            }
            Err(Flow::Error(e)) => {
                self.last_ok = false;
                Err(Flow::Error(e))
            }
            other => other,
        }
    }

    fn define_function(&mut self, def: &Rc<FunctionDef>) {
        let (scope, bare) = match def.name.split_once(':') {
            Some((q, bare)) if q.eq_ignore_ascii_case("global") => (self.global.clone(), bare),
            Some((q, bare)) if q.eq_ignore_ascii_case("script") => (self.current.script(), bare),
            Some((q, bare)) if q.eq_ignore_ascii_case("local") || q.eq_ignore_ascii_case("private") => {
                (self.current.clone(), bare)
            }
            _ => (self.current.clone(), &*def.name),
        };
        let function = Function::new(Rc::from(bare), def.body.clone(), self.source.clone());
        scope.functions.borrow_mut().insert(Rc::from(bare.to_lowercase().as_str()), Rc::new(function));
    }

    /// Runs a loop body; `Ok(true)` means the loop must stop (a `break` for it).
    fn loop_body(&mut self, label: &Option<Name>, body: &[Statement], out: &mut dyn Pipe) -> Exec<bool> {
        let mine = |l: &Option<String>| match (l, label) {
            (None, _) => true,
            (Some(l), Some(own)) => l.eq_ignore_ascii_case(own),
            (Some(_), None) => false,
        };
        match self.exec_statements(body, out) {
            Ok(()) => Ok(false),
            Err(Flow::Break(l)) if mine(&l) => Ok(true),
            Err(Flow::Continue(l)) if mine(&l) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// The truth of a condition: its output as one value.
    pub(super) fn condition(&mut self, statement: &Statement) -> Exec<bool> {
        Ok(self.statement_value(statement)?.is_truthy())
    }

    /// What `foreach` goes through: an expression's value enumerated (a range lazily, `$null`
    /// not at all), or a pipeline's output.
    pub(super) fn items_of(&mut self, statement: &Statement) -> Exec<Items> {
        if let Some(expr) = statement.as_expression() {
            if let ExprKind::Binary(b) = &expr.kind
                && b.op == BinaryOp::Range
            {
                return self.range_items(b, expr.span);
            }
            let value = self.eval(expr)?;
            return Ok(Items::List(super::unroll(value).into_iter()));
        }
        let mut out = Vec::new();
        self.exec_statement(statement, &mut out)?;
        Ok(Items::List(out.into_iter()))
    }

    /// `a..b` as items made as they are read.
    pub(super) fn range_items(&mut self, b: &Binary, span: Span) -> Exec<Items> {
        let from = self.eval(&b.left)?;
        let to = self.eval(&b.right)?;
        match operators::range_bounds(&from, &to) {
            Ok(Some((first, last))) => Ok(Items::Range { next: first, last, down: first > last, done: false }),
            Ok(None) => {
                let list =
                    operators::binary(BinaryOp::Range, &from, &to, &mut None).map_err(|e| Flow::Error(e.at(span)))?;
                Ok(Items::List(super::unroll(list).into_iter()))
            }
            Err(e) => Err(Flow::Error(e.at(span))),
        }
    }

    fn switch(&mut self, switch: &Switch, out: &mut dyn Pipe) -> Exec<()> {
        let items: Vec<Value> = if switch.file {
            let path = self.statement_value(&switch.value)?.to_display_string();
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Flow::Error(
                    ErrorRecord::new("FileReadFailure", "ReadError", format!("Could not read the file '{path}': {e}"))
                        .at(switch.span),
                )
            })?;
            text.lines().map(Value::from).collect()
        } else if let Some(expr) = switch.value.as_expression() {
            // `switch ($null)` tests `$null` once; an empty array tests nothing.
            match self.eval(expr)? {
                Value::Null => vec![Value::Null],
                other => super::unroll(other),
            }
        } else {
            let mut values = Vec::new();
            self.exec_statement(&switch.value, &mut values)?;
            values
        };
        let saved = self.local("_");
        let result = (|| {
            'items: for item in items {
                self.set_local("_", item.clone());
                let mut matched = false;
                for (pattern, block) in switch.clauses.iter() {
                    if !self.switch_matches(switch, pattern, &item)? {
                        continue;
                    }
                    matched = true;
                    match self.exec_statements(&block.statements, out) {
                        Ok(()) => {}
                        Err(Flow::Break(None)) => break 'items,
                        Err(Flow::Continue(None)) => continue 'items,
                        Err(Flow::Break(Some(l)))
                            if switch.label.as_deref().is_some_and(|own| own.eq_ignore_ascii_case(&l)) =>
                        {
                            break 'items;
                        }
                        Err(other) => return Err(other),
                    }
                }
                if !matched && let Some(default) = &switch.default {
                    match self.exec_statements(&default.statements, out) {
                        Ok(()) | Err(Flow::Continue(None)) => {}
                        Err(Flow::Break(None)) => break 'items,
                        Err(other) => return Err(other),
                    }
                }
            }
            Ok(())
        })();
        match saved {
            Some(v) => self.set_local("_", v),
            None => self.unset_local("_"),
        }
        result
    }

    fn switch_matches(&mut self, switch: &Switch, pattern: &Expr, item: &Value) -> Exec<bool> {
        if let ExprKind::ScriptBlock(def) = &pattern.kind {
            let block = ScriptBlock { def: def.clone(), source: self.source.clone() };
            let mut out = Vec::new();
            super::functions::invoke_in_current_scope(self, &block, Some(item.clone()), Vec::new(), &mut out)?;
            return Ok(collect(out).is_truthy());
        }
        let wanted = self.eval(pattern)?;
        let case_sensitive = switch.case_sensitive;
        Ok(match switch.mode {
            SwitchMode::Exact => operators::equals(item, &wanted, case_sensitive),
            SwitchMode::Wildcard | SwitchMode::Regex => {
                let op = if switch.mode == SwitchMode::Wildcard { CompareOp::Like } else { CompareOp::Match };
                let mut found = None;
                let item = match item {
                    Value::Null => Value::String(String::new()),
                    other => other.clone(),
                };
                let hit = operators::binary(BinaryOp::Compare { op, case_sensitive }, &item, &wanted, &mut found)
                    .map_err(|e| Flow::Error(e.at(pattern.span)))?;
                if let Some(m) = found {
                    self.set_local("matches", m.into_value());
                }
                hit.is_truthy()
            }
        })
    }

    fn try_statement(&mut self, t: &Try, out: &mut dyn Pipe) -> Exec<()> {
        self.try_depth += 1;
        let result = self.exec_statements(&t.body.statements, out);
        self.try_depth -= 1;
        let result = match result {
            Err(Flow::Error(mut e)) => {
                e.locate(&self.source);
                self.remember(e.clone());
                self.note_failure();
                let clause =
                    t.catches.iter().find(|c| c.types.is_empty() || c.types.iter().any(|ty| e.is_caught_by(&ty.name)));
                match clause {
                    Some(clause) => {
                        let saved = self.local("_");
                        self.set_local("_", e.as_caught().to_value());
                        let caught = self.exec_statements(&clause.body.statements, out);
                        match saved {
                            Some(v) => self.set_local("_", v),
                            None => self.unset_local("_"),
                        }
                        caught
                    }
                    None => Err(Flow::Error(e)),
                }
            }
            other => other,
        };
        if let Some(finally) = &t.finally {
            self.exec_statements(&finally.statements, out)?;
        }
        result
    }

    fn flow(&mut self, f: &FlowStatement, out: &mut dyn Pipe) -> Exec<()> {
        match &f.kind {
            FlowKind::Break(label) => {
                let label = self.label(label)?;
                Err(Flow::Break(label))
            }
            FlowKind::Continue(label) => {
                let label = self.label(label)?;
                Err(Flow::Continue(label))
            }
            FlowKind::Return(value) => {
                if let Some(value) = value {
                    self.exec_statement(value, out)?;
                }
                Err(Flow::Return)
            }
            FlowKind::Exit(code) => {
                let code = match code {
                    Some(statement) => {
                        let value = self.statement_value(statement)?;
                        match convert::to_number(&value) {
                            Some(n) => n.as_f64() as i32,
                            None => {
                                return Err(Flow::Error(
                                    ErrorRecord::new(
                                        "RuntimeException",
                                        "InvalidArgument",
                                        format!(
                                            "Cannot convert value \"{}\" to type \"System.Int32\".",
                                            value.to_display_string()
                                        ),
                                    )
                                    .at(f.span)
                                    .with_hint("Give exit a whole number, e.g. exit 2."),
                                ));
                            }
                        }
                    }
                    None => 0,
                };
                let _ = self.global_set("LASTEXITCODE", Value::Int(i64::from(code)));
                Err(Flow::Exit(code))
            }
            FlowKind::Throw(value) => {
                let value = match value {
                    Some(statement) => self.statement_value(statement)?,
                    None => self.local("_").unwrap_or(Value::Null),
                };
                let record = ErrorRecord::thrown(&value);
                let record = if record.span.is_none() { record.at(f.span) } else { record };
                Err(Flow::Error(record))
            }
        }
    }

    fn label(&mut self, label: &Option<Expr>) -> Exec<Option<String>> {
        match label {
            None => Ok(None),
            Some(e) => {
                let v = self.eval(e)?;
                Ok(match v {
                    Value::Null => None,
                    other => Some(other.to_display_string()),
                })
            }
        }
    }

    fn global_set(&mut self, name: &str, value: Value) -> Result<(), ErrorRecord> {
        let global = self.global.clone();
        self.store_in(&global, &name.to_lowercase(), name, value, false)
    }

    /// The value a statement produces on the right of `=`: an expression's own value (so `@()`
    /// stays an empty array), or a pipeline's output (one item alone, several as an array).
    pub(super) fn statement_value(&mut self, statement: &Statement) -> Exec<Value> {
        if let Some(e) = statement.as_expression() {
            return self.eval(e);
        }
        if let Statement::Assignment(a) = statement {
            self.assign(a)?;
            return self.eval(&a.target);
        }
        let mut out = Vec::new();
        self.exec_statement(statement, &mut out)?;
        Ok(collect(out))
    }

    pub(super) fn assign(&mut self, a: &Assignment) -> Exec<()> {
        let value = match a.op {
            AssignOp::Assign => self.statement_value(&a.value)?,
            AssignOp::Coalesce => {
                let current = self.eval(&a.target)?;
                if current != Value::Null {
                    return Ok(());
                }
                self.statement_value(&a.value)?
            }
            op => {
                let current = self.eval(&a.target)?;
                let value = self.statement_value(&a.value)?;
                let binary = match op {
                    AssignOp::Add => BinaryOp::Add,
                    AssignOp::Subtract => BinaryOp::Subtract,
                    AssignOp::Multiply => BinaryOp::Multiply,
                    AssignOp::Divide => BinaryOp::Divide,
                    _ => BinaryOp::Remainder,
                };
                operators::binary(binary, &current, &value, &mut None).map_err(|e| Flow::Error(e.at(a.span)))?
            }
        };
        self.store(&a.target, value, a.span)
    }

    /// Writes `value` to an assignable expression.
    pub(super) fn store(&mut self, target: &Expr, value: Value, span: Span) -> Exec<()> {
        match &target.kind {
            // `$a, $b = 1, 2, 3`: one item each, and the last target takes what is left.
            ExprKind::Array(targets) => {
                let mut items = super::unroll(value).into_iter();
                for (n, target) in targets.iter().enumerate() {
                    let value = if n + 1 < targets.len() {
                        items.next().unwrap_or(Value::Null)
                    } else {
                        collect(items.by_ref().collect())
                    };
                    self.store(target, value, span)?;
                }
                Ok(())
            }
            ExprKind::Variable(v) => self.assign_var(v, value).map_err(|e| Flow::Error(e.at(target.span))),
            ExprKind::Cast(cast) => {
                let converted = self.cast_value(&cast.type_name.name, value).map_err(|e| Flow::Error(e.at(span)))?;
                match &cast.operand.kind {
                    // `[int]$x = …` types the variable from now on.
                    ExprKind::Variable(v) if !cast.type_name.name.eq_ignore_ascii_case("ordered") => {
                        let mut attributes = Vec::new();
                        if let Some(c) =
                            self.current.variables.borrow().get(&*v.key).and_then(|var| var.constraint.clone())
                        {
                            attributes.clone_from(&c.attributes);
                        }
                        self.constrain(v, None);
                        self.assign_var(v, converted).map_err(|e| Flow::Error(e.at(target.span)))?;
                        self.constrain(
                            v,
                            Some(Constraint { type_name: Some(cast.type_name.name.clone()), attributes }),
                        );
                        Ok(())
                    }
                    _ => self.store(&cast.operand, converted, span),
                }
            }
            ExprKind::Attributed(attributed) => {
                // `[ValidateRange(1, 5)][int]$x = 3`: the value is validated now and on every
                // later assignment.
                let mut attributes = vec![attributed.attribute.clone()];
                let mut operand = &attributed.operand;
                let mut type_name = None;
                loop {
                    match &operand.kind {
                        ExprKind::Attributed(inner) => {
                            attributes.push(inner.attribute.clone());
                            operand = &inner.operand;
                        }
                        ExprKind::Cast(cast) if type_name.is_none() => {
                            type_name = Some(cast.type_name.name.clone());
                            operand = &cast.operand;
                        }
                        _ => break,
                    }
                }
                let ExprKind::Variable(v) = &operand.kind else {
                    return self.store(operand, value, span);
                };
                let constraint = Constraint { type_name, attributes };
                let bare = v.text.split_once(':').map_or(&*v.text, |(_, b)| b).to_string();
                let value = self.apply_constraint(&constraint, &bare, value).map_err(|e| Flow::Error(e.at(span)))?;
                self.constrain(v, None);
                self.assign_var(v, value).map_err(|e| Flow::Error(e.at(target.span)))?;
                self.constrain(v, Some(constraint));
                Ok(())
            }
            ExprKind::Member(m) if !m.is_static => {
                let container = self.eval(&m.target)?;
                let name = self.member_name(&m.name)?;
                // A script property runs its setter; an alias property sets its target.
                if let Value::Record(r) = &container {
                    let member = r.borrow().get(&name).cloned().unwrap_or_default();
                    if let Some(m) = crate::shell::runtime::psobject::ScriptMember::of(&member) {
                        if m.kind == crate::shell::runtime::MemberKind::AliasProperty {
                            if let Some((_, v)) =
                                r.borrow_mut().properties.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(&m.target))
                            {
                                *v = value;
                            }
                            return Ok(());
                        }
                        return match m.setter.clone() {
                            Some(setter) => {
                                self.call_with_this(&setter, container.clone(), vec![value], span).map(|_| ())
                            }
                            None => Err(Flow::Error(
                                crate::shell::runtime::object::property_read_only(&name).at(target.span),
                            )),
                        };
                    }
                }
                self.set_member(&container, &name, value).map_err(|e| Flow::Error(e.at(target.span)))
            }
            ExprKind::Member(m) => {
                let type_name = self.type_of_static(&m.target)?;
                let name = self.member_name(&m.name)?;
                Err(Flow::Error(
                    ErrorRecord::new(
                        "PropertyAssignmentException",
                        "InvalidOperation",
                        format!("'{name}' is a ReadOnly property of [{type_name}]."),
                    )
                    .at(target.span),
                ))
            }
            ExprKind::Index(index) => {
                let container = self.eval(&index.target)?;
                let key = self.eval(&index.index)?;
                self.set_index(&container, key, value).map_err(|e| Flow::Error(e.at(target.span)))
            }
            ExprKind::Paren(inner) => match inner.as_expression() {
                Some(e) => self.store(e, value, span),
                None => Err(Flow::Error(invalid_left_hand_side(target.span))),
            },
            _ => Err(Flow::Error(invalid_left_hand_side(target.span))),
        }
    }

    /// `container.name = value`.
    pub(super) fn set_member(&mut self, container: &Value, name: &str, value: Value) -> Result<(), ErrorRecord> {
        match container {
            Value::Hashtable(h) => {
                h.borrow_mut().insert(Value::String(name.to_string()), value);
                Ok(())
            }
            Value::Object(o) => o.set_property(name, value),
            Value::Record(r) => {
                let mut r = r.borrow_mut();
                match r.properties.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                    Some((_, v)) => {
                        *v = value;
                        Ok(())
                    }
                    None => Err(ErrorRecord::new(
                        "PropertyNotFound",
                        "InvalidOperation",
                        format!("The property '{name}' cannot be found on this object. Verify that the property exists and can be set."),
                    )
                    .exception("System.Management.Automation.RuntimeException")),
                }
            }
            // Member enumeration on assignment sets the property of every element.
            Value::Array(items) => {
                let items = items.borrow().clone();
                for item in items {
                    self.set_member(&item, name, value.clone())?;
                }
                Ok(())
            }
            Value::Null => Err(ErrorRecord::new(
                "PropertyNotFound",
                "InvalidOperation",
                format!("The property '{name}' cannot be found on this object. Verify that the property exists and can be set."),
            )
            .exception("System.Management.Automation.RuntimeException")),
            other => Err(ErrorRecord::new(
                "PropertyAssignmentException",
                "InvalidOperation",
                format!("'{name}' is a ReadOnly property."),
            )
            .with_hint(format!("A {} has no settable properties.", convert::type_name(other)))),
        }
    }

    /// `container[key] = value`.
    fn set_index(&mut self, container: &Value, key: Value, value: Value) -> Result<(), ErrorRecord> {
        match container {
            Value::Hashtable(h) => {
                h.borrow_mut().insert(key, value);
                Ok(())
            }
            Value::Object(o) => match o.call("set_Item", &[key, value]) {
                Some(result) => result.map(|_| ()),
                None => Err(ErrorRecord::new(
                    "CannotIndex",
                    "InvalidOperation",
                    format!("Unable to index into an object of type \"{}\".", o.type_name()),
                )),
            },
            Value::Array(items) => {
                let len = items.borrow().len() as i64;
                let i = convert::to_number(&key).map_or(i64::MAX, |n| n.as_f64() as i64);
                let i = if i < 0 { i + len } else { i };
                match usize::try_from(i).ok().filter(|i| *i < items.borrow().len()) {
                    Some(i) => {
                        items.borrow_mut()[i] = value;
                        Ok(())
                    }
                    None => Err(ErrorRecord::new(
                        "IndexOutOfRange",
                        "InvalidOperation",
                        "Index was outside the bounds of the array.".into(),
                    )
                    .exception("System.IndexOutOfRangeException")),
                }
            }
            Value::Null => {
                Err(ErrorRecord::new("NullArray", "InvalidOperation", "Cannot index into a null array.".into())
                    .exception("System.Management.Automation.RuntimeException"))
            }
            other => Err(ErrorRecord::new(
                "CannotIndex",
                "InvalidOperation",
                format!("Unable to index into an object of type \"{}\".", convert::type_name(other)),
            )),
        }
    }
}

fn invalid_left_hand_side(span: Span) -> ErrorRecord {
    ErrorRecord::new(
        "InvalidLeftHandSide",
        "ParserError",
        "The assignment expression is not valid. The input to an assignment operator must be an object that is able to accept assignments, such as a variable or a property.".into(),
    )
    .at(span)
}

/// The trap of this statement list that catches `error`: the first with a matching type, else
/// one without a type.
fn find_trap<'a>(statements: &'a [Statement], error: &ErrorRecord) -> Option<&'a Trap> {
    let traps = statements.iter().filter_map(|s| match s {
        Statement::Trap(t) => Some(&**t),
        _ => None,
    });
    let mut untyped = None;
    for trap in traps {
        match &trap.type_name {
            Some(t) if error.is_caught_by(&t.name) => return Some(trap),
            Some(_) => {}
            None => untyped = untyped.or(Some(trap)),
        }
    }
    untyped
}
