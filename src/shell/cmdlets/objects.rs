//! The object pipeline cmdlets: `Where-Object`, `ForEach-Object`, `Select-Object`,
//! `Get-Member` (sorting, grouping and measuring are in `ordering`).

use std::collections::VecDeque;

use super::properties::{self, Key};
use super::{Context, Processor, RunFn, Step, pipeline_input};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::collect;
use crate::shell::eval::convert::type_name;
use crate::shell::eval::members::property;
use crate::shell::eval::operators::{self, equals};
use crate::shell::runtime;
use crate::shell::syntax::{BinaryOp, CompareOp};
use crate::shell::value::{Record, ScriptBlock, Value};
use crate::shell::wildcard::Wildcard;

/// The comparison a simplified Where-Object parameter set names (`EQ`, `CNotLike`…), and
/// whether it is case-sensitive.
fn set_operator(set: &str) -> Option<(CompareOp, bool)> {
    let lower = set.to_ascii_lowercase();
    if let Some(op) = CompareOp::from_name(&lower) {
        return Some((op, false));
    }
    let op = CompareOp::from_name(lower.strip_prefix('c')?)?;
    Some((op, true))
}

pub fn where_object(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut kept = Vec::new();
    if let Some(Value::ScriptBlock(block)) = call.get("FilterScript") {
        for item in pipeline_input(call) {
            if collect(cx.engine.invoke_block(block, Some(item.clone()), Vec::new())?).is_truthy() {
                kept.push(item);
            }
        }
        return Ok(kept);
    }
    let name = call.string("Property").unwrap_or_default();
    let wanted = call.get("Value").cloned();
    // An operator switch given as $false counts as not given (PowerShell 7.5).
    let set = call.parameter_set.as_str();
    let chosen = call.get(set).is_some_and(Value::is_truthy);
    if !chosen && wanted.is_some() && !set.eq_ignore_ascii_case("Not") {
        return Err(ErrorRecord::new(
            "OperatorNotSpecified",
            "InvalidArgument",
            "The operator is not specified. Specify a comparison operator such as -EQ or -Like with -Value.".into(),
        )
        .in_command("Where-Object")
        .with_hint("Write Where-Object Name -EQ 'x', or a script block: Where-Object { $_.Name -eq 'x' }."));
    }
    let wanted = wanted.unwrap_or(Value::Null);
    for item in pipeline_input(call) {
        let left = property(&item, &name);
        let hit = match (set, chosen) {
            ("Not", true) => !left.is_truthy(),
            (_, false) => left.is_truthy(),
            ("Is" | "IsNot", true) => {
                let type_name = wanted.to_display_string();
                let is = crate::shell::eval::convert::is_type(
                    &left,
                    type_name.trim_start_matches('[').trim_end_matches(']'),
                );
                is == (set == "Is")
            }
            (_, true) => match set_operator(set) {
                Some((op, case_sensitive)) => {
                    operators::binary(BinaryOp::Compare { op, case_sensitive }, &left, &wanted, &mut None)?.is_truthy()
                }
                None => left.is_truthy(),
            },
        };
        if hit {
            kept.push(item);
        }
    }
    Ok(kept)
}

pub fn foreach_object(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let mut out = Vec::new();
    if let Some(Value::ScriptBlock(begin)) = call.get("Begin") {
        out.extend(cx.engine.invoke_block(begin, None, Vec::new())?);
    }
    let items = pipeline_input(call);
    if let Some(name) = call.string("MemberName") {
        for item in &items {
            out.extend(unroll(property(item, &name)));
        }
    } else if let Some(Value::ScriptBlock(process)) = call.get("Process") {
        for item in items {
            out.extend(cx.engine.invoke_block(process, Some(item), Vec::new())?);
        }
    }
    if let Some(Value::ScriptBlock(end)) = call.get("End") {
        out.extend(cx.engine.invoke_block(end, None, Vec::new())?);
    }
    Ok(out)
}

/// Streaming: objects are filtered one at a time.
pub fn start_where_object(
    call: &Invocation<'static>,
    _: &mut Context<'_>,
    _: &mut Vec<Value>,
) -> Result<Box<dyn Processor>, ErrorRecord> {
    if let Some(Value::ScriptBlock(block)) = call.get("FilterScript") {
        return Ok(Box::new(WhereScript { block: block.clone(), call: call.clone() }));
    }
    Ok(Box::new(PerObject { call: call.clone(), run: where_object }))
}

/// `Where-Object { … }`: the script block runs on each piped object as it comes, without
/// rebinding the command per object.
struct WhereScript {
    block: ScriptBlock,
    call: Invocation<'static>,
}

impl Processor for WhereScript {
    fn process(
        &mut self,
        input: Option<Value>,
        cx: &mut Context<'_>,
        out: &mut Vec<Value>,
    ) -> Result<Step, ErrorRecord> {
        match input {
            Some(item) => {
                if collect(cx.engine.invoke_block(&self.block, Some(item.clone()), Vec::new())?).is_truthy() {
                    out.push(item);
                }
            }
            // First in its pipeline: the bound `-InputObject`.
            None => out.extend(where_object(&self.call, cx)?),
        }
        Ok(Step::Continue)
    }
}

/// A cmdlet whose output for each input object depends only on that object: run once per
/// object (or once on its bound `-InputObject` when it is first in its pipeline).
struct PerObject {
    call: Invocation<'static>,
    run: RunFn,
}

impl Processor for PerObject {
    fn process(
        &mut self,
        input: Option<Value>,
        cx: &mut Context<'_>,
        out: &mut Vec<Value>,
    ) -> Result<Step, ErrorRecord> {
        match input {
            Some(item) => out.extend((self.run)(&self.call.with_input(vec![item]), cx)?),
            None => out.extend((self.run)(&self.call, cx)?),
        }
        Ok(Step::Continue)
    }
}

/// Streaming: `-Begin` runs now, `-Process` once per object, `-End` at the end.
pub fn start_foreach_object(
    call: &Invocation<'static>,
    cx: &mut Context<'_>,
    out: &mut Vec<Value>,
) -> Result<Box<dyn Processor>, ErrorRecord> {
    if let Some(Value::ScriptBlock(begin)) = call.get("Begin") {
        out.extend(cx.engine.invoke_block(begin, None, Vec::new())?);
    }
    Ok(Box::new(ForEach { call: call.clone() }))
}

struct ForEach {
    call: Invocation<'static>,
}

impl Processor for ForEach {
    fn process(
        &mut self,
        input: Option<Value>,
        cx: &mut Context<'_>,
        out: &mut Vec<Value>,
    ) -> Result<Step, ErrorRecord> {
        let items = match input {
            Some(item) => vec![item],
            None => pipeline_input(&self.call),
        };
        if let Some(name) = self.call.string("MemberName") {
            for item in &items {
                out.extend(unroll(property(item, &name)));
            }
        } else if let Some(Value::ScriptBlock(process)) = self.call.get("Process") {
            for item in items {
                out.extend(cx.engine.invoke_block(process, Some(item), Vec::new())?);
            }
        }
        Ok(Step::Continue)
    }

    fn end(&mut self, cx: &mut Context<'_>, out: &mut Vec<Value>) -> Result<(), ErrorRecord> {
        if let Some(Value::ScriptBlock(end)) = self.call.get("End") {
            out.extend(cx.engine.invoke_block(end, None, Vec::new())?);
        }
        Ok(())
    }
}

/// Streaming: `-Skip` and `-First` count objects as they come, and once `-First` has its
/// objects the commands upstream stop. `-Last N` keeps a ring of the last N objects (N + the
/// `-Skip` count, which counts from the end with `-Last`), so `1..1e9 | Select-Object -Last 1`
/// holds one object, not a billion. `-SkipLast`, `-Index`, `-SkipIndex`, `-Unique` and `-Last`
/// with `-First` need every object first. A `$null` input object is dropped, uncounted.
pub fn start_select_object(
    call: &Invocation<'static>,
    _: &mut Context<'_>,
    _: &mut Vec<Value>,
) -> Result<Box<dyn Processor>, ErrorRecord> {
    let whole =
        ["Last", "SkipLast", "Index", "SkipIndex"].iter().any(|name| call.get(name).is_some()) || call.switch("Unique");
    let count = |name| call.int(name).map(|n| usize::try_from(n).unwrap_or(0));
    let only_last = ["SkipLast", "Index", "SkipIndex", "First"].iter().all(|name| call.get(name).is_none())
        && !call.switch("Unique");
    let ring = count("Last").filter(|_| only_last).map(|last| last.saturating_add(count("Skip").unwrap_or(0)));
    Ok(Box::new(Select {
        per_object: call.without(&["First", "Skip", "Last"]),
        call: call.clone(),
        skip: call.int("Skip").map_or(0, |n| usize::try_from(n).unwrap_or(0)),
        first: if whole { None } else { call.int("First").map(|n| usize::try_from(n).unwrap_or(0)) },
        whole,
        ring,
        kept: VecDeque::new(),
        seen: 0,
    }))
}

struct Select {
    call: Invocation<'static>,
    per_object: Invocation<'static>,
    skip: usize,
    first: Option<usize>,
    whole: bool,
    /// With `-Last` alone: how many of the latest objects are all `end` needs.
    ring: Option<usize>,
    kept: VecDeque<Value>,
    seen: usize,
}

impl Processor for Select {
    fn process(
        &mut self,
        input: Option<Value>,
        cx: &mut Context<'_>,
        out: &mut Vec<Value>,
    ) -> Result<Step, ErrorRecord> {
        let Some(item) = input else {
            out.extend(select_object(&self.call, cx)?);
            return Ok(Step::Continue);
        };
        if self.first == Some(0) {
            return Ok(Step::StopUpstream);
        }
        if item == Value::Null {
            return Ok(Step::Continue);
        }
        if self.whole {
            if self.ring.is_some_and(|ring| self.kept.len() >= ring) {
                self.kept.pop_front();
            }
            if self.ring != Some(0) {
                self.kept.push_back(item);
            }
            return Ok(Step::Continue);
        }
        self.seen += 1;
        if self.seen <= self.skip {
            return Ok(Step::Continue);
        }
        out.extend(select_object(&self.per_object.with_input(vec![item]), cx)?);
        match self.first {
            Some(first) if self.seen - self.skip >= first => Ok(Step::StopUpstream),
            _ => Ok(Step::Continue),
        }
    }

    fn end(&mut self, cx: &mut Context<'_>, out: &mut Vec<Value>) -> Result<(), ErrorRecord> {
        if self.whole {
            let items = Vec::from(std::mem::take(&mut self.kept));
            out.extend(select_object(&self.call.with_input(items), cx)?);
        }
        Ok(())
    }
}

/// Streaming: a plain count keeps only the count; anything else keeps the objects for the end.
pub fn start_measure_object(
    call: &Invocation<'static>,
    _: &mut Context<'_>,
    _: &mut Vec<Value>,
) -> Result<Box<dyn Processor>, ErrorRecord> {
    let count_only =
        call.strings("Property").is_none() && call.bound().all(|(name, _)| name.eq_ignore_ascii_case("InputObject"));
    Ok(Box::new(Measure { call: call.clone(), count_only, count: 0, kept: Vec::new(), got_input: false }))
}

struct Measure {
    call: Invocation<'static>,
    count_only: bool,
    count: u64,
    kept: Vec<Value>,
    got_input: bool,
}

impl Processor for Measure {
    fn process(&mut self, input: Option<Value>, _: &mut Context<'_>, _: &mut Vec<Value>) -> Result<Step, ErrorRecord> {
        let Some(item) = input else { return Ok(Step::Continue) };
        self.got_input = true;
        if item == Value::Null {
            return Ok(Step::Continue);
        }
        if self.count_only {
            self.count += 1;
        } else {
            self.kept.push(item);
        }
        Ok(Step::Continue)
    }

    fn end(&mut self, cx: &mut Context<'_>, out: &mut Vec<Value>) -> Result<(), ErrorRecord> {
        if self.count_only && self.got_input {
            let record = Record::new("Microsoft.PowerShell.Commands.GenericMeasureInfo")
                .with("Count", self.count)
                .with("Average", Value::Null)
                .with("Sum", Value::Null)
                .with("Maximum", Value::Null)
                .with("Minimum", Value::Null)
                .with("StandardDeviation", Value::Null)
                .with("Property", Value::Null);
            out.push(Value::record(record));
            return Ok(());
        }
        let call =
            if self.got_input { self.call.with_input(std::mem::take(&mut self.kept)) } else { self.call.clone() };
        out.extend(super::ordering::measure_object(&call, cx)?);
        Ok(())
    }
}

fn unroll(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.borrow().clone(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// A property to select: a name (maybe with wildcards), or a calculated one.
enum Selector {
    Name(String),
    /// `@{Name=…; Expression=…}`, read by `properties::calculated`; the expression is a
    /// property name or a script block.
    Calculated {
        name: String,
        expression: Key,
    },
}

fn selectors(value: Option<&Value>) -> Result<Vec<Selector>, ErrorRecord> {
    let mut out = Vec::new();
    for item in value.map(|v| unroll(v.clone())).unwrap_or_default() {
        match item {
            Value::Hashtable(h) => {
                let read = properties::calculated(&h.borrow(), properties::SELECT_KEYS)?;
                let name = read.label.unwrap_or_else(|| read.expression.label());
                out.push(Selector::Calculated { name, expression: read.expression });
            }
            // A script block is a calculated property named by its text.
            Value::ScriptBlock(block) => {
                let expression = Key::Block(block);
                out.push(Selector::Calculated { name: expression.label(), expression });
            }
            other => out.push(Selector::Name(other.to_display_string())),
        }
    }
    Ok(out)
}

fn evaluate(expression: &Key, item: &Value, cx: &mut Context<'_>) -> Result<Value, ErrorRecord> {
    match expression {
        Key::Block(block) => Ok(collect(cx.engine.invoke_block(block, Some(item.clone()), Vec::new())?)),
        Key::Name(name) => Ok(property(item, name)),
        Key::Entry { expression, .. } => evaluate(expression, item, cx),
    }
}

/// The names of an object's properties.
fn property_names(item: &Value) -> Vec<String> {
    match item {
        Value::Record(r) => r.borrow().properties.iter().map(|(n, _)| n.clone()).collect(),
        Value::Hashtable(h) => h.borrow().entries().iter().map(|(k, _)| k.to_display_string()).collect(),
        _ => Vec::new(),
    }
}

/// The positions Select-Object keeps out of `len` items: `-Index`/`-SkipIndex`, else
/// `-Skip`, then the union of `-First` and `-Last`, less `-SkipLast`.
fn selected_positions(call: &Invocation<'_>, len: usize) -> Vec<usize> {
    let count = |name: &str| call.int(name).map(|n| usize::try_from(n).unwrap_or(0));
    let indexes = |name: &str| -> Option<Vec<i64>> {
        match call.get(name)? {
            Value::Array(items) => Some(
                items
                    .borrow()
                    .iter()
                    .filter_map(crate::shell::eval::convert::to_number)
                    .map(|n| n.as_f64() as i64)
                    .collect(),
            ),
            one => crate::shell::eval::convert::to_number(one).map(|n| vec![n.as_f64() as i64]),
        }
    };
    if let Some(wanted) = indexes("Index") {
        let mut picked: Vec<usize> =
            wanted.iter().filter_map(|i| usize::try_from(*i).ok()).filter(|i| *i < len).collect();
        picked.sort_unstable();
        picked.dedup();
        return picked;
    }
    if let Some(skipped) = indexes("SkipIndex") {
        return (0..len).filter(|i| !skipped.contains(&(*i as i64))).collect();
    }
    let mut positions: Vec<usize> = (0..len).collect();
    let (first, last, skip) = (count("First"), count("Last"), count("Skip").unwrap_or(0));
    if last.is_some() && first.is_none() {
        // With -Last, -Skip counts from the end.
        positions.truncate(len.saturating_sub(skip));
    } else {
        positions = positions.split_off(skip.min(len));
    }
    if first.is_some() || last.is_some() {
        let n = positions.len();
        let head = first.unwrap_or(0).min(n);
        let tail_start = n.saturating_sub(last.unwrap_or(0));
        positions =
            positions.into_iter().enumerate().filter(|(i, _)| *i < head || *i >= tail_start).map(|(_, p)| p).collect();
    }
    if let Some(skip_last) = count("SkipLast") {
        positions.truncate(positions.len().saturating_sub(skip_last));
    }
    positions
}

pub fn select_object(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    // Select-Object passes nothing on for a $null input object.
    let all: Vec<Value> = pipeline_input(call).into_iter().filter(|v| *v != Value::Null).collect();
    let items: Vec<Value> = selected_positions(call, all.len()).into_iter().map(|i| all[i].clone()).collect();
    let chosen = selectors(call.get("Property"))?;
    for selector in &chosen {
        if let Selector::Calculated { name, expression: Key::Block(b) } = selector
            && name.is_empty()
            && b.text().trim().is_empty()
        {
            return Err(ErrorRecord::new(
                "EmptyScriptBlockAndNoName",
                "InvalidArgument",
                "Script block is empty and no name is specified.".into(),
            )
            .in_command("Select-Object")
            .exception("System.Management.Automation.PSArgumentException")
            .with_hint(
                "Give a calculated property a name and an expression: @{Name='Label'; Expression={ $_.Property }}.",
            ));
        }
    }
    let excluded: Vec<Wildcard> =
        call.strings("ExcludeProperty").unwrap_or_default().iter().map(|p| Wildcard::new(p)).collect();
    let mut out = Vec::new();
    for item in items {
        if let Some(name) = call.string("ExpandProperty") {
            let value = property(&item, &name);
            if value == Value::Null && !property_names(&item).iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                cx.errors.push(
                    ErrorRecord::new(
                        "ExpandPropertyNotFound",
                        "InvalidArgument",
                        format!("Property \"{name}\" cannot be found."),
                    )
                    .in_command("Select-Object")
                    .with_hint("Get-Member lists the properties of the objects in the pipeline."),
                );
                continue;
            }
            out.extend(unroll(value));
            continue;
        }
        if chosen.is_empty() && excluded.is_empty() {
            out.push(item);
            continue;
        }
        let type_name = match &item {
            Value::Record(r) => {
                let t = r.borrow().type_name.clone();
                if t.starts_with("Selected.") { t } else { format!("Selected.{t}") }
            }
            other => format!("Selected.{}", type_name(other)),
        };
        let mut record = Record::new(type_name);
        let all_names = property_names(&item);
        let selectors =
            if chosen.is_empty() { vec![Selector::Name("*".into())] } else { selectors(call.get("Property"))? };
        for selector in &selectors {
            match selector {
                Selector::Name(pattern) if Wildcard::has_wildcards(pattern) => {
                    let wildcard = Wildcard::new(pattern);
                    for name in all_names.iter().filter(|n| wildcard.is_match(n)) {
                        if !excluded.iter().any(|x| x.is_match(name)) && record.get(name).is_none() {
                            record.properties.push((name.clone(), property(&item, name)));
                        }
                    }
                }
                Selector::Name(name) => {
                    if excluded.iter().any(|x| x.is_match(name)) || record.get(name).is_some() {
                        continue;
                    }
                    let shown = all_names
                        .iter()
                        .find(|n| n.eq_ignore_ascii_case(name))
                        .cloned()
                        .unwrap_or_else(|| name.clone());
                    record.properties.push((shown, property(&item, name)));
                }
                Selector::Calculated { name, expression } => {
                    let value = evaluate(expression, &item, cx)?;
                    record.properties.push((name.clone(), value));
                }
            }
        }
        out.push(Value::record(record));
    }
    if call.switch("Unique") {
        let case_insensitive = call.switch("CaseInsensitive");
        let mut unique: Vec<Value> = Vec::new();
        for value in out {
            if !unique.iter().any(|u| same(u, &value, case_insensitive)) {
                unique.push(value);
            }
        }
        out = unique;
    }
    Ok(out)
}

/// Equality for -Unique: records compare by their properties; text case-sensitively unless
/// -CaseInsensitive.
fn same(a: &Value, b: &Value, case_insensitive: bool) -> bool {
    match (a, b) {
        (Value::Record(x), Value::Record(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            x.properties.len() == y.properties.len()
                && x.properties
                    .iter()
                    .zip(&y.properties)
                    .all(|((n1, v1), (n2, v2))| n1.eq_ignore_ascii_case(n2) && equals(v1, v2, !case_insensitive))
        }
        _ => equals(a, b, !case_insensitive),
    }
}

pub fn get_member(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let items = pipeline_input(call);
    if items.is_empty() {
        return Err(ErrorRecord::new(
            "NoObjectInGetMember",
            "CloseError",
            "You must specify an object for the Get-Member cmdlet.".into(),
        )
        .with_hint("Pipe objects into Get-Member, e.g. Get-StorageGroupCopyStatus | Get-Member."));
    }
    let names: Option<Vec<Wildcard>> = call.strings("Name").map(|n| n.iter().map(|p| Wildcard::new(p)).collect());
    let kind_wanted = call.string("MemberType");
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for item in &items {
        let type_name = type_name(item);
        if seen.contains(&type_name) {
            continue;
        }
        seen.push(type_name.clone());
        let member = |name: &str, kind: &str, definition: String| {
            Value::record(
                Record::new("Microsoft.PowerShell.Commands.MemberDefinition")
                    .with("TypeName", type_name.as_str())
                    .with("Name", name)
                    .with("MemberType", kind)
                    .with("Definition", definition),
            )
        };
        let mut members: Vec<Value> = match item {
            // An Exchange object's properties are the .NET properties of its type.
            Value::Record(r) if r.borrow().type_name.starts_with("Microsoft.Exchange.") => r
                .borrow()
                .properties
                .iter()
                .map(|(n, v)| member(n, "Property", format!("{} {n} {{get;set;}}", full_type(v))))
                .collect(),
            // An object of a .NET class (an ErrorRecord, a Match, a cluster node) has
            // properties; what a script made (PSCustomObject, Select-Object, Import-Csv, a
            // PSTypeName of its own) has note properties.
            Value::Record(r) if is_dotnet_class(&r.borrow().type_name) => r
                .borrow()
                .properties
                .iter()
                .map(|(n, v)| member(n, "Property", format!("{} {n} {{get;}}", property_type(v))))
                .collect(),
            Value::Record(r) => r
                .borrow()
                .properties
                .iter()
                .map(|(n, v)| member(n, "NoteProperty", format!("{} {n}={}", short_type(v), v.to_display_string())))
                .collect(),
            Value::String(_) => [
                "Contains",
                "EndsWith",
                "IndexOf",
                "PadLeft",
                "PadRight",
                "Replace",
                "Split",
                "StartsWith",
                "Substring",
                "ToLower",
                "ToUpper",
                "Trim",
                "TrimEnd",
                "TrimStart",
            ]
            .iter()
            .map(|m| member(m, "Method", format!("{m}(...)")))
            .chain(std::iter::once(member("Length", "Property", "int Length {get;}".into())))
            .collect(),
            Value::Hashtable(_) => ["Add", "Clear", "ContainsKey", "ContainsValue", "Remove"]
                .iter()
                .map(|m| member(m, "Method", format!("{m}(...)")))
                .chain(["Count", "Keys", "Values"].iter().map(|p| member(p, "Property", format!("{p} {{get;}}"))))
                .collect(),
            Value::Object(o) => {
                let own = o.members();
                let inherited = runtime::object::object_methods();
                let missing: Vec<_> = inherited
                    .into_iter()
                    .filter(|m| !own.iter().any(|o| o.name.eq_ignore_ascii_case(&m.name)))
                    .collect();
                own.into_iter().chain(missing).map(|m| member(&m.name, m.kind.name(), m.definition)).collect()
            }
            _ => Vec::new(),
        };
        if !matches!(item, Value::Object(_)) {
            for m in ["Equals", "GetType", "ToString"] {
                members.push(member(m, "Method", format!("{m}()")));
            }
        }
        members.retain(|m| {
            let name = property(m, "Name").to_display_string();
            let kind = property(m, "MemberType").to_display_string();
            names.as_ref().is_none_or(|names| names.iter().any(|n| n.is_match(&name)))
                && kind_wanted.as_deref().is_none_or(|wanted| member_kind_matches(wanted, &kind))
        });
        members.sort_by(|a, b| {
            property(a, "MemberType")
                .to_display_string()
                .cmp(&property(b, "MemberType").to_display_string())
                .then(property(a, "Name").to_display_string().cmp(&property(b, "Name").to_display_string()))
        });
        out.extend(members);
    }
    Ok(out)
}

/// Whether a record of `type_name` stands for an object of a .NET class rather than one a
/// script made: PowerShell's, .NET's and the cluster's namespaces, and ccrsh's own types.
fn is_dotnet_class(type_name: &str) -> bool {
    type_name != "System.Management.Automation.PSCustomObject"
        && ["System.", "Microsoft.", "ccrsh."].iter().any(|namespace| type_name.starts_with(namespace))
}

/// A .NET property's type as Get-Member's Definition writes it (`string`, `int`,
/// `System.Management.Automation.ErrorCategoryInfo`).
fn property_type(v: &Value) -> String {
    match v {
        Value::Object(o) => o.type_name(),
        Value::Record(r) => r.borrow().type_name.clone(),
        Value::Bool(_) => "bool".into(),
        Value::Int(i) if i32::try_from(*i).is_ok() => "int".into(),
        Value::Int(_) => "long".into(),
        Value::Real(_) => "double".into(),
        Value::String(_) => "string".into(),
        Value::DateTime(_) => "datetime".into(),
        Value::TimeSpan(_) => "timespan".into(),
        Value::Array(_) => "System.Object[]".into(),
        _ => "System.Object".into(),
    }
}

/// Whether a member of `kind` is one `-MemberType wanted` asks for: `Properties` and `Methods`
/// take every kind of property or method, `All` everything.
fn member_kind_matches(wanted: &str, kind: &str) -> bool {
    match wanted.to_ascii_lowercase().as_str() {
        "all" => true,
        "properties" => kind.ends_with("Property"),
        "methods" => kind.ends_with("Method"),
        _ => kind.eq_ignore_ascii_case(wanted),
    }
}

/// The .NET type of a property's value, as Get-Member's Definition names it.
fn full_type(v: &Value) -> String {
    match v {
        Value::Object(o) => o.type_name(),
        Value::Record(r) => r.borrow().type_name.clone(),
        Value::Bool(_) => "System.Boolean".into(),
        Value::Int(i) if i32::try_from(*i).is_ok() => "System.Int32".into(),
        Value::Int(_) => "System.Int64".into(),
        Value::Real(_) => "System.Double".into(),
        Value::String(_) => "System.String".into(),
        Value::DateTime(_) => "System.Nullable`1[[System.DateTime]]".into(),
        Value::TimeSpan(_) => "System.TimeSpan".into(),
        Value::Array(_) => "Microsoft.Exchange.Data.MultiValuedProperty`1[[System.String]]".into(),
        _ => "System.Object".into(),
    }
}

fn short_type(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "bool",
        Value::Int(_) => "long",
        Value::Real(_) => "double",
        Value::String(_) => "string",
        Value::DateTime(_) => "datetime",
        Value::TimeSpan(_) => "timespan",
        Value::Array(_) => "Object[]",
        Value::Null => "object",
        _ => "psobject",
    }
}
