//! Ordering and summarising objects: `Sort-Object`, `Group-Object`, `Measure-Object`,
//! `Get-Unique` and `Compare-Object`, with PowerShell's rules for missing properties,
//! `$null`, mixed types and case.
//!
//! Owns: those five cmdlets.
//!
//! Must not: print or reach the client.

use std::cmp::Ordering;

use super::properties::{self, Key, compare, keys_of};
use super::{Context, pipeline_input};
use crate::shell::bind::Invocation;
use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::convert::to_number;
use crate::shell::eval::operators::equals;
use crate::shell::value::{Hashtable, Record, Value};

/// The sort keys of one item: each key's value, `None` when the property does not exist.
type SortKey = Vec<Option<Value>>;

/// Each item's keys; with no `-Property`, the item itself.
fn sort_keys(keys: &[Key], items: &[Value], cx: &mut Context<'_>) -> Result<Vec<SortKey>, ErrorRecord> {
    let mut all = Vec::with_capacity(items.len());
    for item in items {
        if keys.is_empty() {
            all.push(vec![Some(item.clone())]);
            continue;
        }
        let mut key = Vec::new();
        for k in keys {
            key.extend(k.value(item, cx)?);
        }
        all.push(key);
    }
    Ok(all)
}

/// The direction of each key: its own (`@{Expression=…; Descending=$true}`), else the
/// command's.
fn directions(keys: &[Key], descending: bool) -> Vec<bool> {
    if keys.is_empty() {
        return vec![!descending];
    }
    keys.iter().map(|k| k.ascending().unwrap_or(!descending)).collect()
}

fn compare_keys(a: &SortKey, b: &SortKey, ascending: &[bool], case_sensitive: bool) -> Ordering {
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let up = ascending.get(i).or(ascending.last()).copied().unwrap_or(true);
        let order = match (x, y) {
            (Some(x), Some(y)) => {
                let o = compare(x, y, case_sensitive);
                if up { o } else { o.reverse() }
            }
            // A missing property sorts last whatever the direction.
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

fn same_key(a: &SortKey, b: &SortKey, case_sensitive: bool) -> bool {
    compare_keys(a, b, &[true], case_sensitive) == Ordering::Equal
}

pub fn sort_object(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let items = pipeline_input(call);
    let keys = keys_of(call.get("Property"), properties::ORDER_KEYS)?;
    let sort_keys = sort_keys(&keys, &items, cx)?;
    let case_sensitive = call.switch("CaseSensitive");
    let ascending = directions(&keys, call.switch("Descending"));
    let mut order: Vec<usize> = (0..items.len()).collect();
    // With -Stable equal items keep their input order; without it PowerShell's descending sort
    // leaves them reversed, which -Unique then shows (it keeps the first of each run).
    let ties_reversed = !call.switch("Stable") && !ascending.first().copied().unwrap_or(true);
    order.sort_by(|&a, &b| {
        compare_keys(&sort_keys[a], &sort_keys[b], &ascending, case_sensitive)
            .then_with(|| if ties_reversed { b.cmp(&a) } else { a.cmp(&b) })
    });
    if call.switch("Unique") {
        let mut kept: Vec<usize> = Vec::new();
        for i in order {
            if !kept.last().is_some_and(|&k| same_key(&sort_keys[k], &sort_keys[i], case_sensitive)) {
                kept.push(i);
            }
        }
        order = kept;
    }
    if let Some(top) = call.int("Top") {
        order.truncate(usize::try_from(top).unwrap_or(0));
    }
    if let Some(bottom) = call.int("Bottom") {
        let keep = usize::try_from(bottom).unwrap_or(0);
        order = order.split_off(order.len().saturating_sub(keep));
    }
    Ok(order.into_iter().map(|i| items[i].clone()).collect())
}

pub fn group_object(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let items = pipeline_input(call);
    let keys = keys_of(call.get("Property"), properties::ORDER_KEYS)?;
    let sort_keys = sort_keys(&keys, &items, cx)?;
    let case_sensitive = call.switch("CaseSensitive");
    // Groups in order of first appearance, then sorted by their values as PowerShell 7 does.
    let mut groups: Vec<(SortKey, Vec<Value>)> = Vec::new();
    for (item, key) in items.into_iter().zip(sort_keys) {
        let key: SortKey = key.into_iter().map(|v| Some(v.unwrap_or(Value::Null))).collect();
        match groups.iter_mut().find(|(k, _)| group_equal(k, &key, case_sensitive)) {
            Some((_, members)) => members.push(item),
            None => groups.push((key, vec![item])),
        }
    }
    groups.sort_by(|(a, _), (b, _)| compare_keys(a, b, &[true], case_sensitive));
    let name_of = |key: &SortKey| {
        key.iter().map(|v| v.as_ref().map(Value::to_display_string).unwrap_or_default()).collect::<Vec<_>>().join(", ")
    };
    if call.switch("AsHashTable") {
        let mut table = Hashtable::new();
        for (key, members) in groups {
            let k = match key.as_slice() {
                [Some(single)] if !call.switch("AsString") => single.clone(),
                _ => Value::String(name_of(&key)),
            };
            table.insert(k, Value::array(members));
        }
        return Ok(vec![table.into_value()]);
    }
    Ok(groups
        .into_iter()
        .map(|(key, members)| {
            let name = name_of(&key);
            let values: Vec<Value> = key.into_iter().map(Option::unwrap_or_default).collect();
            // As in PowerShell, -NoElement gives another type, shown without a Group column.
            if call.switch("NoElement") {
                let record = Record::new("Microsoft.PowerShell.Commands.GroupInfoNoElement")
                    .with("Count", members.len() as i64)
                    .with("Name", name)
                    .with("Values", values);
                return Value::record(record);
            }
            Value::record(
                Record::new("Microsoft.PowerShell.Commands.GroupInfo")
                    .with("Count", members.len() as i64)
                    .with("Name", name)
                    .with("Group", Value::array(members))
                    .with("Values", values),
            )
        })
        .collect())
}

fn group_equal(a: &SortKey, b: &SortKey, case_sensitive: bool) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            let (x, y) = (x.as_ref().map(Value::to_display_string), y.as_ref().map(Value::to_display_string));
            match (x, y) {
                (Some(x), Some(y)) if case_sensitive => x == y,
                (Some(x), Some(y)) => x.to_lowercase() == y.to_lowercase(),
                (x, y) => x == y,
            }
        })
}

/// Running statistics of one measured property.
#[derive(Default)]
struct Statistics {
    count: i64,
    sum: f64,
    squares: f64,
    numbers: usize,
    min: Option<Value>,
    max: Option<Value>,
    characters: i64,
    words: i64,
    lines: i64,
}

/// Min/max as Measure-Object picks them: numbers compare as numbers; a value of another type
/// than the current pick compares as text.
fn better(candidate: &Value, current: &Value, want_min: bool) -> bool {
    let as_number = |v: &Value| match v {
        Value::String(_) | Value::Int(_) | Value::Real(_) | Value::Number(_) => to_number(v).map(|n| n.as_f64()),
        _ => None,
    };
    let order = match (as_number(candidate), as_number(current)) {
        (Some(a), Some(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        (None, None) if std::mem::discriminant(candidate) == std::mem::discriminant(current) => {
            compare(candidate, current, false)
        }
        _ => compare(&Value::String(candidate.to_display_string()), &Value::String(current.to_display_string()), false),
    };
    if want_min { order == Ordering::Less } else { order == Ordering::Greater }
}

fn count_words(text: &str) -> i64 {
    text.split_whitespace().count() as i64
}

fn count_lines(text: &str) -> i64 {
    if text.is_empty() {
        return 0;
    }
    let breaks = text.matches('\n').count() as i64;
    if text.ends_with('\n') { breaks } else { breaks + 1 }
}

pub fn measure_object(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let items = pipeline_input(call);
    let all = call.switch("AllStats");
    let want = |name: &str| all || call.switch(name);
    let (sum, average, maximum, minimum, deviation) =
        (want("Sum"), want("Average"), want("Maximum"), want("Minimum"), want("StandardDeviation"));
    let text = call.switch("Line") || call.switch("Word") || call.switch("Character");
    let keys = keys_of(call.get("Property"), properties::ORDER_KEYS)?;
    // One statistic per property name (wildcards expand per object), in first-seen order.
    let mut stats: Vec<(String, Statistics)> = Vec::new();
    let mut non_numeric = false;
    for item in &items {
        let measured: Vec<(String, Option<Value>)> = if keys.is_empty() {
            vec![(String::new(), Some(item.clone()))]
        } else {
            let mut found = Vec::new();
            for key in &keys {
                match key {
                    Key::Name(pattern) => {
                        for name in properties::expand(item, pattern) {
                            let value = properties::get(item, &name);
                            found.push((name, value));
                        }
                    }
                    other => {
                        let label = match other {
                            Key::Block(b) => b.text().trim().to_string(),
                            _ => String::new(),
                        };
                        for v in other.value(item, cx)? {
                            found.push((label.clone(), v));
                        }
                    }
                }
            }
            found
        };
        for (name, value) in measured {
            let position = match stats.iter().position(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                Some(p) => p,
                None => {
                    stats.push((name.clone(), Statistics::default()));
                    stats.len() - 1
                }
            };
            let stat = &mut stats[position].1;
            // A missing property, or $null, is not counted.
            let Some(value) = value.filter(|v| *v != Value::Null) else { continue };
            stat.count += 1;
            if text {
                let s = value.to_display_string();
                stat.characters += if call.switch("IgnoreWhiteSpace") {
                    s.chars().filter(|c| !c.is_whitespace()).count() as i64
                } else {
                    s.chars().count() as i64
                };
                stat.words += count_words(&s);
                stat.lines += count_lines(&s);
                continue;
            }
            if sum || average || deviation {
                match to_number(&value) {
                    Some(n) => {
                        stat.sum += n.as_f64();
                        stat.squares += n.as_f64() * n.as_f64();
                        stat.numbers += 1;
                    }
                    None => {
                        non_numeric = true;
                        cx.errors.push(
                            ErrorRecord::new(
                                "NonNumericInputObject",
                                "InvalidType",
                                format!("Input object \"{}\" is not numeric.", value.to_display_string()),
                            )
                            .in_command("Measure-Object")
                            .with_hint("-Sum, -Average and -StandardDeviation take numbers; name a numeric property with -Property."),
                        );
                    }
                }
            }
            if minimum && stat.min.as_ref().is_none_or(|m| better(&value, m, true)) {
                stat.min = Some(value.clone());
            }
            if maximum && stat.max.as_ref().is_none_or(|m| better(&value, m, false)) {
                stat.max = Some(value);
            }
        }
    }
    if stats.is_empty() && keys.is_empty() {
        stats.push((String::new(), Statistics::default()));
    }
    let mut out = Vec::new();
    for (name, stat) in stats {
        if stat.count == 0 && !keys.is_empty() {
            let id = if text { "TextMeasurePropertyNotFound" } else { "GenericMeasurePropertyNotFound" };
            cx.errors.push(
                ErrorRecord::new(
                    id,
                    "InvalidArgument",
                    format!("The property \"{name}\" cannot be found in the input for any objects."),
                )
                .in_command("Measure-Object"),
            );
            continue;
        }
        let property: Value = if keys.is_empty() { Value::Null } else { Value::String(name) };
        if text {
            let pick = |on: bool, v: i64| if on { Value::Int(v) } else { Value::Null };
            out.push(Value::record(
                Record::new("Microsoft.PowerShell.Commands.TextMeasureInfo")
                    .with("Lines", pick(call.switch("Line"), stat.lines))
                    .with("Words", pick(call.switch("Word"), stat.words))
                    .with("Characters", pick(call.switch("Character"), stat.characters))
                    .with("Property", property),
            ));
            continue;
        }
        let n = stat.numbers as f64;
        let numeric_ok = !non_numeric;
        let real = |on: bool, v: f64| if on { Value::Real(v) } else { Value::Null };
        let std_dev =
            if stat.numbers > 1 { ((stat.squares - stat.sum * stat.sum / n) / (n - 1.0)).max(0.0).sqrt() } else { 0.0 };
        // Min and max are numbers when every pick reads as one, else the objects themselves.
        let as_double = |v: &Option<Value>| v.as_ref().map(|v| to_number(v).map(|n| n.as_f64()));
        let (min, max) = (as_double(&stat.min), as_double(&stat.max));
        let numeric_picks = !matches!(min, Some(None)) && !matches!(max, Some(None));
        let pick = |on: bool, v: &Option<Value>, d: Option<Option<f64>>| {
            if !on {
                return Value::Null;
            }
            match (numeric_picks, d) {
                (true, Some(Some(x))) => Value::Real(x),
                _ => v.clone().unwrap_or(Value::Null),
            }
        };
        let type_name = if numeric_picks {
            "Microsoft.PowerShell.Commands.GenericMeasureInfo"
        } else {
            "Microsoft.PowerShell.Commands.GenericObjectMeasureInfo"
        };
        out.push(Value::record(
            Record::new(type_name)
                .with("Count", stat.count)
                .with("Average", real(average && numeric_ok && stat.numbers > 0, stat.sum / n.max(1.0)))
                .with("Sum", real(sum && numeric_ok, stat.sum))
                .with("Maximum", pick(maximum, &stat.max, max))
                .with("Minimum", pick(minimum, &stat.min, min))
                .with("StandardDeviation", real(deviation && numeric_ok, std_dev))
                .with("Property", property),
        ));
    }
    Ok(out)
}

pub fn get_unique(call: &Invocation<'_>, _: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let items = super::input_objects(call);
    let as_string = call.switch("AsString");
    let case_insensitive = call.switch("CaseInsensitive");
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        let duplicate = out.last().is_some_and(|last| {
            let both_strings = matches!((last, &item), (Value::String(_), Value::String(_)));
            if as_string || both_strings {
                let (a, b) = (last.to_display_string(), item.to_display_string());
                if case_insensitive { a.to_lowercase() == b.to_lowercase() } else { a == b }
            } else if call.switch("OnType") {
                crate::shell::eval::convert::type_name(last) == crate::shell::eval::convert::type_name(&item)
            } else {
                equals(last, &item, !case_insensitive)
            }
        });
        if !duplicate {
            out.push(item);
        }
    }
    Ok(out)
}

fn values_of(call: &Invocation<'_>, name: &str) -> Vec<Value> {
    match call.get(name) {
        Some(Value::Array(items)) => items.borrow().clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![one.clone()],
    }
}

/// What Compare-Object reports about one object.
enum Side {
    Equal,
    DifferenceOnly,
    ReferenceOnly,
}

/// Compare-Object's matching, as PowerShell does it: the difference objects are walked in
/// step with the reference objects; an object that does not match its partner waits in a
/// backlog of at most `window` objects for a later match, and is reported as unmatched when it
/// falls out of the backlog or at the end.
fn match_sets(
    reference: &[SortKey],
    difference: &[SortKey],
    window: usize,
    case_sensitive: bool,
) -> Vec<(Side, usize)> {
    let mut out = Vec::new();
    let mut next_reference = 0;
    let mut reference_backlog: Vec<usize> = Vec::new();
    let mut difference_backlog: Vec<usize> = Vec::new();
    let matches = |a: &SortKey, b: &SortKey| same_key(a, b, case_sensitive);
    let mut step = |d: Option<usize>, out: &mut Vec<(Side, usize)>, next_reference: &mut usize| {
        let mut r = (*next_reference < reference.len()).then(|| {
            *next_reference += 1;
            *next_reference - 1
        });
        let mut d = d;
        if let (Some(ri), Some(di)) = (r, d)
            && matches(&reference[ri], &difference[di])
        {
            out.push((Side::Equal, ri));
            return;
        }
        if let Some(di) = d
            && let Some(pos) = reference_backlog.iter().position(|&ri| matches(&difference[di], &reference[ri]))
        {
            out.push((Side::Equal, reference_backlog.remove(pos)));
            d = None;
        }
        if let Some(ri) = r
            && let Some(pos) = difference_backlog.iter().position(|&di| matches(&reference[ri], &difference[di]))
        {
            difference_backlog.remove(pos);
            out.push((Side::Equal, ri));
            r = None;
        }
        if let Some(di) = d {
            if window == 0 {
                out.push((Side::DifferenceOnly, di));
            } else {
                while difference_backlog.len() >= window {
                    out.push((Side::DifferenceOnly, difference_backlog.remove(0)));
                }
                difference_backlog.push(di);
            }
        }
        if let Some(ri) = r {
            if window == 0 {
                out.push((Side::ReferenceOnly, ri));
            } else {
                while reference_backlog.len() >= window {
                    out.push((Side::ReferenceOnly, reference_backlog.remove(0)));
                }
                reference_backlog.push(ri);
            }
        }
    };
    for d in 0..difference.len() {
        step(Some(d), &mut out, &mut next_reference);
    }
    while next_reference < reference.len() {
        step(None, &mut out, &mut next_reference);
    }
    out.extend(difference_backlog.into_iter().map(|d| (Side::DifferenceOnly, d)));
    out.extend(reference_backlog.into_iter().map(|r| (Side::ReferenceOnly, r)));
    out
}

pub fn compare_object(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let reference = values_of(call, "ReferenceObject");
    let difference = values_of(call, "DifferenceObject");
    let keys = keys_of(call.get("Property"), properties::ORDER_KEYS)?;
    let case_sensitive = call.switch("CaseSensitive");
    let ref_keys = sort_keys(&keys, &reference, cx)?;
    let diff_keys = sort_keys(&keys, &difference, cx)?;
    let window = call.int("SyncWindow").map_or(i32::MAX as usize, |w| usize::try_from(w).unwrap_or(0));
    let exclude_different = call.switch("ExcludeDifferent");
    // -ExcludeDifferent turns -IncludeEqual on unless it is turned off by name.
    let include_equal = match call.get("IncludeEqual") {
        Some(v) => v.is_truthy(),
        None => exclude_different,
    };
    let shown = |item: &Value, key: &SortKey, side: &str| -> Value {
        if call.switch("PassThru") {
            return match item {
                Value::Record(r) => {
                    let mut copy = r.borrow().clone();
                    copy.properties.retain(|(n, _)| n != "SideIndicator");
                    copy.properties.push(("SideIndicator".into(), Value::from(side)));
                    Value::record(copy)
                }
                other => other.clone(),
            };
        }
        let mut record = Record::new("System.Management.Automation.PSCustomObject");
        if keys.is_empty() {
            record.properties.push(("InputObject".into(), item.clone()));
        } else {
            let mut names = Vec::new();
            for k in &keys {
                match k {
                    Key::Name(n) => names.extend(properties::expand(item, n)),
                    Key::Block(b) => names.push(b.text().trim().to_string()),
                    Key::Entry { .. } => names.push(String::new()),
                }
            }
            for (name, value) in names.into_iter().zip(key) {
                if record.get(&name).is_none() {
                    record.properties.push((name, value.clone().unwrap_or_default()));
                }
            }
        }
        record.properties.push(("SideIndicator".into(), Value::from(side)));
        Value::record(record)
    };
    let mut out = Vec::new();
    for (side, index) in match_sets(&ref_keys, &diff_keys, window, case_sensitive) {
        match side {
            Side::Equal if include_equal => out.push(shown(&reference[index], &ref_keys[index], "==")),
            Side::DifferenceOnly if !exclude_different => out.push(shown(&difference[index], &diff_keys[index], "=>")),
            Side::ReferenceOnly if !exclude_different => out.push(shown(&reference[index], &ref_keys[index], "<=")),
            _ => {}
        }
    }
    Ok(out)
}
