//! Expressions: literals, variables, arrays and hashtables, `$( )`/`@( )`/`( )`, operators
//! (short-circuiting `-and`, `-or` and `??`), `?:`, `++`/`--`, member access and method calls
//! (with `?.` and `?[]`), casts, type literals, and expandable strings.
//!
//! Must not: run pipelines other than through `statements`/`pipeline`, or print.

use std::rc::Rc;

use num_bigint::BigInt;

use super::functions::{self, CallScope};
use super::{Exec, Flow, Interpreter, collect, convert, members, operators};
use crate::shell::bind::Argument;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime;
use crate::shell::syntax::*;
use crate::shell::value::{Hashtable, Numeric, ScriptBlock, Value};

/// The value of a number literal.
pub(super) fn number_value(value: &NumberValue) -> Value {
    match value {
        NumberValue::Int32(n) => Value::Int(i64::from(*n)),
        NumberValue::Int64(n) => Value::long(*n),
        NumberValue::Double(n) => Value::Real(*n),
        NumberValue::SByte(n) => Value::Number(Numeric::SByte(*n)),
        NumberValue::Byte(n) => Value::Number(Numeric::Byte(*n)),
        NumberValue::Int16(n) => Value::Number(Numeric::Int16(*n)),
        NumberValue::UInt16(n) => Value::Number(Numeric::UInt16(*n)),
        NumberValue::UInt32(n) => Value::Number(Numeric::UInt32(*n)),
        NumberValue::UInt64(n) => Value::Number(Numeric::UInt64(*n)),
        NumberValue::Decimal(d) => Value::Number(Numeric::Decimal(*d)),
        NumberValue::BigInt(b) => Value::Number(Numeric::BigInt(Rc::new(BigInt::clone(b)))),
    }
}

impl Interpreter {
    pub(super) fn eval(&mut self, expr: &Expr) -> Exec<Value> {
        let at = |e: ErrorRecord| Flow::Error(if e.span.is_some() { e } else { e.at(expr.span) });
        Ok(match &expr.kind {
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::Real(r) => Value::Real(*r),
            ExprKind::Number(n) => number_value(&n.value),
            ExprKind::String(s) | ExprKind::BareWord(s) => Value::String(s.to_string()),
            ExprKind::Expandable(parts) => Value::String(self.expand(parts)?),
            ExprKind::Variable(v) => self.var(v),
            ExprKind::Array(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items.iter() {
                    values.push(self.eval(item)?);
                }
                Value::array(values)
            }
            ExprKind::ArrayExpr(statements) => {
                let mut out = Vec::new();
                self.exec_statements(statements, &mut out)?;
                Value::array(out)
            }
            ExprKind::SubExpr(statements) => {
                let mut out = Vec::new();
                self.exec_statements(statements, &mut out)?;
                collect(out)
            }
            ExprKind::Paren(statement) => self.paren_value(statement)?,
            ExprKind::Hashtable(entries) => {
                let mut table = Hashtable::new();
                for (key, value) in entries.iter() {
                    let key = self.eval(key)?;
                    if key == Value::Null {
                        return Err(at(ErrorRecord::new(
                            "InvalidNullKey",
                            "InvalidOperation",
                            "A null key is not allowed in a hash literal.".into(),
                        )));
                    }
                    if table.contains_key(&key) {
                        return Err(at(ErrorRecord::new(
                            "DuplicateKeyInHashLiteral",
                            "ParserError",
                            format!("Duplicate keys '{}' are not allowed in hash literals.", key.to_display_string()),
                        )));
                    }
                    let value = self.statement_value(value)?;
                    table.insert(key, value);
                }
                table.into_value()
            }
            ExprKind::ScriptBlock(def) => {
                Value::ScriptBlock(ScriptBlock { def: def.clone(), source: self.source.clone() })
            }
            ExprKind::Binary(b) => self.binary(b, expr.span)?,
            ExprKind::Unary(u) => {
                let v = self.eval(&u.operand)?;
                operators::unary(u.op, &v).map_err(at)?
            }
            ExprKind::Ternary(t) => {
                if self.eval(&t.condition)?.is_truthy() {
                    self.eval(&t.then)?
                } else {
                    self.eval(&t.otherwise)?
                }
            }
            ExprKind::IncDec(inc) => {
                let old = self.eval(&inc.target)?;
                let one = Value::Int(1);
                let op = if inc.increment { BinaryOp::Add } else { BinaryOp::Subtract };
                let base = if old == Value::Null { Value::Int(0) } else { old.clone() };
                let new = operators::binary(op, &base, &one, &mut None).map_err(at)?;
                self.store(&inc.target, new.clone(), expr.span)?;
                if inc.prefix { new } else { old }
            }
            ExprKind::Member(m) => self.member(m)?,
            ExprKind::Index(index) => {
                let target = self.eval(&index.target)?;
                if index.null_conditional && target == Value::Null {
                    return Ok(Value::Null);
                }
                let i = self.eval(&index.index)?;
                index_value(&target, &i).map_err(at)?
            }
            ExprKind::Invoke(invoke) => self.invoke(invoke, expr.span)?,
            ExprKind::Cast(cast) => {
                let value = self.eval(&cast.operand)?;
                self.cast_value(&cast.type_name.name, value).map_err(at)?
            }
            ExprKind::Attributed(a) => self.eval(&a.operand)?,
            ExprKind::TypeLiteral(t) => type_literal_value(&t.name),
            ExprKind::StopParsing(word) => Value::String(runtime::environment::expand_percent(word)),
        })
    }

    /// `( pipeline )`: an expression's own value, an assignment's assigned value, or a
    /// pipeline's output collected.
    fn paren_value(&mut self, statement: &Statement) -> Exec<Value> {
        match statement {
            Statement::Assignment(a) => {
                self.assign(a)?;
                self.eval(&a.target)
            }
            other => {
                if let Some(e) = other.as_expression() {
                    return self.eval(e);
                }
                let mut out = Vec::new();
                self.exec_statement(other, &mut out)?;
                Ok(collect(out))
            }
        }
    }

    fn binary(&mut self, b: &Binary, span: Span) -> Exec<Value> {
        let at = |e: ErrorRecord| Flow::Error(if e.span.is_some() { e } else { e.at(span) });
        Ok(match b.op {
            BinaryOp::And => Value::Bool(self.eval(&b.left)?.is_truthy() && self.eval(&b.right)?.is_truthy()),
            BinaryOp::Or => Value::Bool(self.eval(&b.left)?.is_truthy() || self.eval(&b.right)?.is_truthy()),
            BinaryOp::Coalesce => match self.eval(&b.left)? {
                Value::Null => self.eval(&b.right)?,
                other => other,
            },
            BinaryOp::Replace { case_sensitive } => {
                let l = self.eval(&b.left)?;
                let r = self.eval(&b.right)?;
                // `-replace 'x', { script block }`: each match replaced by the block's output.
                let pair = operators::items(&r);
                if let [pattern, Value::ScriptBlock(block)] = pair.as_slice() {
                    return self.replace_with_block(&l, pattern, block, case_sensitive).map_err(at);
                }
                operators::binary(b.op, &l, &r, &mut None).map_err(at)?
            }
            BinaryOp::Split { case_sensitive } => {
                let l = self.eval(&b.left)?;
                let r = self.eval(&b.right)?;
                if let Some(Value::ScriptBlock(block)) = operators::items(&r).first() {
                    let limit =
                        operators::items(&r).get(1).and_then(convert::to_number).map_or(0, |n| n.as_f64() as i64);
                    return self.split_with_block(&l, block, limit).map_err(at);
                }
                let _ = case_sensitive;
                operators::binary(b.op, &l, &r, &mut None).map_err(at)?
            }
            op => {
                let l = self.eval(&b.left)?;
                let r = self.eval(&b.right)?;
                let mut found = None;
                let value = operators::binary(op, &l, &r, &mut found).map_err(at)?;
                if let Some(m) = found {
                    self.set_local("matches", m.into_value());
                }
                value
            }
        })
    }

    /// `-replace` with a script block: `$_` is each match.
    fn replace_with_block(
        &mut self,
        left: &Value,
        pattern: &Value,
        block: &ScriptBlock,
        case_sensitive: bool,
    ) -> Result<Value, ErrorRecord> {
        use super::Engine;
        let regex = operators::build_regex(&pattern.to_display_string(), case_sensitive)?;
        let mut apply = |text: &str| -> Result<String, ErrorRecord> {
            let mut out = String::new();
            let mut last = 0;
            for captures in regex.captures_iter(text) {
                let Some(whole) = captures.get(0) else { continue };
                out.push_str(&text[last..whole.start()]);
                let m = operators::match_object(&regex, &captures);
                let replaced = self.invoke_block(block, Some(m), Vec::new())?;
                out.push_str(&collect(replaced).to_display_string());
                last = whole.end();
            }
            out.push_str(&text[last..]);
            Ok(out)
        };
        Ok(match left {
            Value::Array(items) => {
                let items = items.borrow().clone();
                let mut done = Vec::new();
                for item in items {
                    done.push(Value::String(apply(&item.to_display_string())?));
                }
                Value::array(done)
            }
            other => Value::String(apply(&other.to_display_string())?),
        })
    }

    /// `-split { script block }`: splits at each character for which the block is true.
    fn split_with_block(&mut self, left: &Value, block: &ScriptBlock, limit: i64) -> Result<Value, ErrorRecord> {
        use super::Engine;
        let mut out = Vec::new();
        for item in operators::items(left) {
            let text = item.to_display_string();
            let mut piece = String::new();
            let mut pieces = 0i64;
            for c in text.chars() {
                let split = (limit <= 0 || pieces + 1 < limit)
                    && collect(self.invoke_block(block, Some(Value::Char(c)), Vec::new())?).is_truthy();
                if split {
                    out.push(Value::String(std::mem::take(&mut piece)));
                    pieces += 1;
                } else {
                    piece.push(c);
                }
            }
            out.push(Value::String(piece));
        }
        Ok(Value::array(out))
    }

    /// `[type] value`: an array to `[string]` joins with `$OFS`; a script block from text.
    pub(super) fn cast_value(&mut self, type_name: &str, value: Value) -> Result<Value, ErrorRecord> {
        if (type_name.eq_ignore_ascii_case("string") || type_name.eq_ignore_ascii_case("System.String"))
            && let Value::Array(items) = &value
        {
            let items = items.borrow().clone();
            return Ok(Value::String(self.join_with_ofs(&items)));
        }
        if type_name.eq_ignore_ascii_case("scriptblock") && !matches!(value, Value::ScriptBlock(_) | Value::Null) {
            use super::Engine;
            return self.create_script_block(&value.to_display_string());
        }
        convert::cast(type_name, &value)
    }

    /// The name of a member: as written, or computed.
    pub(super) fn member_name(&mut self, name: &MemberName) -> Exec<String> {
        Ok(match name {
            MemberName::Literal(n) => n.to_string(),
            MemberName::Computed(e) => self.eval(e)?.to_display_string(),
        })
    }

    fn member(&mut self, m: &Member) -> Exec<Value> {
        let name = self.member_name(&m.name)?;
        if m.is_static {
            let type_name = self.type_of_static(&m.target)?;
            return members::static_property(&type_name, &name).map_err(|e| Flow::Error(e.at(m.target.span)));
        }
        let target = self.eval(&m.target)?;
        if m.null_conditional && target == Value::Null {
            return Ok(Value::Null);
        }
        if let Value::ScriptBlock(block) = &target {
            return Ok(script_block_property(block, &name));
        }
        let found = members::property(&target, &name);
        self.script_member(&target, found, m.target.span)
    }

    /// A property's value, running it when it is a script member (`Add-Member
    /// -MemberType ScriptProperty`) with `$this` the object; an alias reads its target.
    pub(super) fn script_member(&mut self, this: &Value, found: Value, span: Span) -> Exec<Value> {
        let Some(member) = runtime::psobject::ScriptMember::of(&found) else { return Ok(found) };
        match (member.kind, member.block.clone()) {
            (runtime::MemberKind::ScriptProperty, Some(getter)) => {
                self.call_with_this(&getter, this.clone(), Vec::new(), span)
            }
            (runtime::MemberKind::AliasProperty, _) => {
                let target = members::property(this, &member.target);
                self.script_member(this, target, span)
            }
            _ => Ok(found),
        }
    }

    /// Calls a script member's block with `$this` set and the arguments as `$args`/`param()`.
    pub(super) fn call_with_this(
        &mut self,
        block: &ScriptBlock,
        this: Value,
        args: Vec<Value>,
        span: Span,
    ) -> Exec<Value> {
        let saved = self.local("this");
        self.set_local("this", this);
        let args = args.into_iter().map(|v| Argument::value(v, span)).collect();
        let mut out = Vec::new();
        let result = functions::call_script_block(self, block, args, Vec::new(), CallScope::New, span, &mut out);
        match saved {
            Some(old) => self.set_local("this", old),
            None => self.unset_local("this"),
        }
        result?;
        Ok(collect(out))
    }

    fn invoke(&mut self, invoke: &Invoke, span: Span) -> Exec<Value> {
        let at = |e: ErrorRecord| Flow::Error(if e.span.is_some() { e } else { e.at(span) });
        let name = self.member_name(&invoke.name)?;
        if invoke.is_static {
            let mut values = Vec::with_capacity(invoke.args.len());
            for a in invoke.args.iter() {
                values.push(self.eval(a)?);
            }
            let type_name = self.type_of_static(&invoke.target)?;
            let canonical = convert::canonical_type(&type_name);
            if canonical == "scriptblock" && name.eq_ignore_ascii_case("Create") {
                use super::Engine;
                let text = values.first().map(Value::to_display_string).unwrap_or_default();
                return self.create_script_block(&text).map_err(at);
            }
            let full_name = runtime::types::resolve(&type_name).map(|t| t.full_name());
            if full_name == Some("System.Diagnostics.EventLog")
                && let Some(result) =
                    runtime::dotnet::event_log_static(&self.client, self.computer.clone(), &name, &values)
            {
                // EventLog's statics read and write this computer's logs: a node's inside its session.
                let value = result.map_err(at)?;
                self.void_call = value == Value::Null;
                return Ok(value);
            }
            if full_name == Some("System.Console")
                && let Some(written) = runtime::dotnet::console_write(&name, &values)
            {
                // Console writes to the console, beside the pipeline: the host shows it.
                let (text, newline) = written.map_err(at)?;
                self.host.text(&text, newline);
                self.void_call = true;
                return Ok(Value::Null);
            }
            let result = members::static_method(&type_name, &name, &values).map_err(at)?;
            self.void_call = result == Value::Null
                && runtime::types::resolve(&type_name).is_some_and(|t| returns_void(&t.static_members(), &name));
            return Ok(result);
        }
        let target = self.eval(&invoke.target)?;
        if invoke.null_conditional && target == Value::Null {
            return Ok(Value::Null);
        }
        let mut values = Vec::with_capacity(invoke.args.len());
        for a in invoke.args.iter() {
            values.push(self.eval(a)?);
        }
        let lower = name.to_ascii_lowercase();
        if let Value::Record(cmdlet) = &target
            && cmdlet.borrow().type_name == functions::SCRIPT_CMDLET_TYPE
        {
            return self.script_cmdlet_method(&target, &name, &values, span);
        }
        if let Value::ScriptBlock(block) = &target {
            match lower.as_str() {
                "invoke" | "invokereturnasis" => {
                    let args = values.into_iter().map(|v| Argument::value(v, span)).collect();
                    let mut out = Vec::new();
                    functions::call_script_block(self, block, args, Vec::new(), CallScope::New, span, &mut out)?;
                    return Ok(collect(out));
                }
                "getnewclosure" => return Ok(target.clone()),
                "tostring" => return Ok(Value::String(block.text().to_string())),
                _ => {}
            }
        }
        if let Value::Record(r) = &target {
            let member = r.borrow().get(&name).cloned();
            if let Some(block) = member
                .as_ref()
                .and_then(runtime::psobject::ScriptMember::of)
                .and_then(|m| (m.kind == runtime::MemberKind::ScriptMethod).then(|| m.block.clone()).flatten())
            {
                return self.call_with_this(&block, target.clone(), values, span);
            }
        }
        // `.Where({ })` and `.ForEach({ })` on any collection (and on a single value).
        if matches!(lower.as_str(), "where" | "foreach") && !matches!(target, Value::Hashtable(_)) {
            return self.collection_method(&target, &lower, values, span);
        }
        if target == Value::Null {
            return Err(at(members::method_on_null()));
        }
        if let Value::Object(ui) = &target
            && let Some(result) = runtime::host::ui_method(ui, &name, &values, self.host.as_mut())
        {
            // The host's UI prompts and writes through the session's console.
            let value = result.map_err(at)?;
            self.void_call = value == Value::Null;
            return Ok(value);
        }
        let result = members::call_method(&target, &name, &values).map_err(at)?;
        self.void_call =
            result == Value::Null && matches!(&target, Value::Object(o) if returns_void(&o.members(), &name));
        Ok(result)
    }

    /// `$PSCmdlet.ShouldProcess(…)`, `.WriteObject(…)`, `.WriteError(…)`, `.ThrowTerminatingError(…)`…
    fn script_cmdlet_method(&mut self, cmdlet: &Value, name: &str, args: &[Value], span: Span) -> Exec<Value> {
        functions::script_cmdlet_method(self, cmdlet, name, args, span)
    }

    /// `.Where(block[, mode[, count]])` and `.ForEach(block | type | property[, args])`.
    fn collection_method(&mut self, target: &Value, method: &str, args: Vec<Value>, span: Span) -> Exec<Value> {
        use super::Engine;
        let at = |e: ErrorRecord| Flow::Error(if e.span.is_some() { e } else { e.at(span) });
        let items = match target {
            Value::Null => Vec::new(),
            other => super::unroll(other.clone()),
        };
        let Some(first) = args.first() else {
            return Err(at(ErrorRecord::new(
                "MethodCountCouldNotFindBest",
                "InvalidOperation",
                format!("Cannot find an overload for \"{method}\" and the argument count: \"0\"."),
            )));
        };
        if method == "where" {
            let Value::ScriptBlock(block) = first else {
                return Err(at(ErrorRecord::new(
                    "ArgumentException",
                    "InvalidArgument",
                    "The .Where() method takes a script block.".into(),
                )));
            };
            let mode =
                args.get(1).map(|m| m.to_display_string().to_ascii_lowercase()).unwrap_or_else(|| "default".into());
            let count = args.get(2).and_then(convert::to_number).map_or(0, |n| n.as_f64() as usize);
            let mut kept = Vec::new();
            let mut rest = Vec::new();
            let mut split_done = false;
            for item in items {
                if split_done {
                    rest.push(item);
                    continue;
                }
                let hit =
                    collect(self.invoke_block(block, Some(item.clone()), Vec::new()).map_err(Flow::Error)?).is_truthy();
                if let Some(flow) = self.pending.take() {
                    return Err(flow);
                }
                match mode.as_str() {
                    "first" => {
                        if hit {
                            kept.push(item);
                            if kept.len() >= count.max(1) {
                                break;
                            }
                        }
                    }
                    "last" => {
                        if hit {
                            kept.push(item);
                        }
                    }
                    "skipuntil" => {
                        if hit || !kept.is_empty() {
                            kept.push(item);
                        }
                    }
                    "until" => {
                        if hit {
                            split_done = true;
                            rest.push(item);
                        } else {
                            kept.push(item);
                        }
                        if split_done {
                            break;
                        }
                    }
                    "split" => {
                        if hit && (count == 0 || kept.len() < count) {
                            kept.push(item);
                        } else {
                            rest.push(item);
                        }
                    }
                    _ => {
                        if hit {
                            kept.push(item);
                        }
                    }
                }
            }
            return Ok(match mode.as_str() {
                "last" => {
                    let n = count.max(1).min(kept.len());
                    Value::array(kept[kept.len() - n..].to_vec())
                }
                "skipuntil" if count > 0 => Value::array(kept.into_iter().take(count).collect()),
                "until" if count > 0 => Value::array(kept.into_iter().take(count).collect()),
                "split" => Value::array(vec![Value::array(kept), Value::array(rest)]),
                _ => Value::array(kept),
            });
        }
        let mut out = Vec::new();
        match first {
            Value::ScriptBlock(block) => {
                let rest = args[1..].to_vec();
                for item in items {
                    out.extend(self.invoke_block(block, Some(item), rest.clone()).map_err(Flow::Error)?);
                    if let Some(flow) = self.pending.take() {
                        return Err(flow);
                    }
                }
            }
            // `.ForEach([int])`: each item converted.
            Value::String(t) if t.starts_with('[') && t.ends_with(']') => {
                for item in items {
                    out.push(self.cast_value(&t[1..t.len() - 1], item).map_err(at)?);
                }
            }
            other => {
                let name = other.to_display_string();
                let rest = &args[1..];
                for item in items {
                    if rest.is_empty() {
                        match members::property(&item, &name) {
                            Value::Null => {}
                            v => out.push(v),
                        }
                    } else {
                        out.push(members::call_method(&item, &name, rest).map_err(at)?);
                    }
                }
            }
        }
        Ok(Value::array(out))
    }

    pub(super) fn type_of_static(&mut self, target: &Expr) -> Exec<String> {
        match &target.kind {
            ExprKind::TypeLiteral(t) => Ok(t.name.to_string()),
            _ => Ok(self.eval(target)?.to_display_string().trim_start_matches('[').trim_end_matches(']').to_string()),
        }
    }

    /// The text of an expandable string: variables and subexpressions joined with `$OFS`.
    pub(super) fn expand(&mut self, parts: &[StringPart]) -> Exec<String> {
        let mut text = String::new();
        for part in parts {
            match part {
                StringPart::Text(t) => text.push_str(t),
                StringPart::Variable(v) => match self.var(v) {
                    Value::Array(items) => {
                        let items = items.borrow().clone();
                        text.push_str(&self.join_with_ofs(&items));
                    }
                    other => text.push_str(&other.to_display_string()),
                },
                StringPart::SubExpr(statements) => {
                    let mut out = Vec::new();
                    self.exec_statements(statements, &mut out)?;
                    let joined = match out.as_slice() {
                        [Value::Array(items)] => {
                            let items = items.borrow().clone();
                            self.join_with_ofs(&items)
                        }
                        _ => self.join_with_ofs(&out),
                    };
                    text.push_str(&joined);
                }
            }
            if text.len() > operators::MAX_REPEATED_TEXT {
                return Err(Flow::Error(crate::shell::memory::value_too_large("Expanding this string")));
            }
        }
        Ok(text)
    }

    /// Items as one string, separated by `$OFS` (a space when it is not set); a nested array
    /// shows as its type name, as .NET's `ToString()` gives it.
    pub(super) fn join_with_ofs(&self, items: &[Value]) -> String {
        let separator = match self.variable("OFS") {
            Value::Null => " ".to_string(),
            other => other.to_display_string(),
        };
        items
            .iter()
            .map(|v| match v {
                Value::Array(_) => "System.Object[]".to_string(),
                other => other.to_display_string(),
            })
            .collect::<Vec<_>>()
            .join(&separator)
    }
}

/// A type literal as a value: `[int]` (what `-is`, `-as` and static calls take).
fn type_literal_value(name: &str) -> Value {
    Value::String(format!("[{name}]"))
}

/// The properties of a script block.
fn script_block_property(block: &ScriptBlock, name: &str) -> Value {
    match name.to_ascii_lowercase().as_str() {
        "ast" | "tostring" => Value::String(block.text().to_string()),
        "file" => block.source.file.clone().map_or(Value::Null, Value::String),
        "startposition" | "module" => Value::Null,
        "isfilter" => Value::Bool(block.def.is_filter),
        _ => members::property(&Value::ScriptBlock(block.clone()), name),
    }
}

/// `value[index]`.
pub(super) fn index_value(value: &Value, index: &Value) -> Result<Value, ErrorRecord> {
    match value {
        Value::Null => Err(ErrorRecord::new("NullArray", "InvalidOperation", "Cannot index into a null array.".into())
            .exception("System.Management.Automation.RuntimeException")),
        Value::Hashtable(h) => match index {
            // `$h['a', 'b']`: several keys.
            Value::Array(keys) => {
                let h = h.borrow();
                Ok(Value::array(keys.borrow().iter().map(|k| h.get(k).cloned().unwrap_or(Value::Null)).collect()))
            }
            key => Ok(h.borrow().get(key).cloned().unwrap_or(Value::Null)),
        },
        // A single object indexes as a one-element list (`$result[0]` when one object came back).
        Value::Record(_) if convert::to_number(index).is_some() && !matches!(index, Value::String(_)) => {
            Ok(pick_indexes(index, 1, |_| value.clone()))
        }
        Value::Record(r) => Ok(r.borrow().get(&index.to_display_string()).cloned().unwrap_or(Value::Null)),
        Value::Object(o) if !matches!(index, Value::Array(_)) => {
            match o.call("get_Item", std::slice::from_ref(index)) {
                Some(result) => result,
                None => index_value(&Value::array(o.enumerate().unwrap_or_else(|| vec![value.clone()])), index),
            }
        }
        Value::Object(o) => {
            let list = o.enumerate().unwrap_or_else(|| vec![value.clone()]);
            Ok(pick_indexes(index, list.len(), |n| list[n].clone()))
        }
        Value::Array(items) => {
            let list = items.borrow();
            Ok(pick_indexes(index, list.len(), |n| list[n].clone()))
        }
        Value::String(s) => {
            let chars: Vec<char> = s.chars().collect();
            Ok(pick_indexes(index, chars.len(), |n| Value::Char(chars[n])))
        }
        other => Ok(pick_indexes(index, 1, |_| other.clone())),
    }
}

/// The items at `index` (a number, negative from the end, or an array of them) of a list of
/// `len` items read by `item`; out-of-range indexes give nothing.
fn pick_indexes(index: &Value, len: usize, item: impl Fn(usize) -> Value) -> Value {
    let pick = |i: &Value| -> Option<Value> {
        let n = convert::to_number(i).map_or(i64::MAX, |n| n.as_f64() as i64);
        let n = if n < 0 { n + len as i64 } else { n };
        usize::try_from(n).ok().filter(|n| *n < len).map(&item)
    };
    match index {
        Value::Array(indexes) => Value::array(indexes.borrow().iter().filter_map(pick).collect()),
        i => pick(i).unwrap_or(Value::Null),
    }
}

/// Whether method `name` among `members` returns nothing (`void …` in its definition).
fn returns_void(members: &[runtime::Member], name: &str) -> bool {
    members.iter().any(|m| {
        m.kind == runtime::MemberKind::Method && m.name.eq_ignore_ascii_case(name) && m.definition.starts_with("void ")
    })
}
