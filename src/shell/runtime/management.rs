//! `System.Management.ManagementObject`: a WMI instance as Get-WmiObject returns it for the
//! classes whose scripts call its methods (`Win32_OperatingSystem`'s
//! `$os.ConvertToDateTime($os.LastBootUpTime)`): its class's properties, in order, with
//! WMI's datetime strings (DMTF, `yyyyMMddHHmmss.ffffff+UUU`), and the conversions between
//! those strings and dates.
//!
//! Owns: [`ManagementObject`], [`dmtf`], [`from_dmtf`].
//!
//! Must not: know any WMI class or computer (the WMI cmdlet fills the properties in).

use std::any::Any;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

use super::object::{Member, NetObject, ObjectRef, method_threw};
use crate::shell::error_record::ErrorRecord;
use crate::shell::value::Value;

/// One WMI instance.
#[derive(Debug)]
pub struct ManagementObject {
    /// `Win32_OperatingSystem`.
    pub class: String,
    /// What `ToString()` gives: the instance's path (`\\NODE\root\cimv2:Win32_OperatingSystem=@`).
    pub path: String,
    pub properties: Vec<(String, Value)>,
}

impl ManagementObject {
    pub fn value(class: &str, path: String, properties: Vec<(String, Value)>) -> Value {
        Value::Object(ObjectRef::new(ManagementObject { class: class.to_string(), path, properties }))
    }
}

/// A date as WMI writes it (DMTF, in UTC: `20261130093512.000000+000`).
pub fn dmtf(time: DateTime<Utc>) -> String {
    format!("{}+000", time.format("%Y%m%d%H%M%S%.6f"))
}

/// The date a DMTF string stands for; `None` when it is not one.
pub fn from_dmtf(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let (stamp, offset) = text.split_at_checked(21)?;
    let naive = NaiveDateTime::parse_from_str(stamp, "%Y%m%d%H%M%S%.6f").ok()?;
    let sign = match offset.get(..1)? {
        "+" => 1,
        "-" => -1,
        _ => return None,
    };
    let minutes: i64 = offset.get(1..)?.parse().ok()?;
    naive.and_utc().checked_sub_signed(TimeDelta::try_minutes(sign * minutes)?)
}

impl NetObject for ManagementObject {
    fn type_name(&self) -> String {
        "System.Management.ManagementObject".into()
    }

    fn type_names(&self) -> Vec<String> {
        vec![
            format!("System.Management.ManagementObject#root\\cimv2\\{}", self.class),
            "System.Management.ManagementObject".into(),
            "System.Management.ManagementBaseObject".into(),
            "System.Object".into(),
        ]
    }

    fn members(&self) -> Vec<Member> {
        let mut members: Vec<Member> = self
            .properties
            .iter()
            .map(|(name, value)| {
                let kind = match value {
                    Value::Int(_) => "long",
                    Value::Bool(_) => "bool",
                    _ => "string",
                };
                Member::property(name, kind)
            })
            .collect();
        members.push(Member::method("ConvertToDateTime", "datetime ConvertToDateTime(string dmtfDate)"));
        members.push(Member::method("ConvertFromDateTime", "string ConvertFromDateTime(datetime date)"));
        members
    }

    fn property(&self, name: &str) -> Option<Value> {
        self.properties.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let lower = name.to_ascii_lowercase();
        if lower != "converttodatetime" && lower != "convertfromdatetime" {
            return None;
        }
        let [arg] = args else {
            return Some(Err(method_threw(name, args.len(), "The method takes one argument.")));
        };
        Some(match (lower.as_str(), arg) {
            ("converttodatetime", value) => from_dmtf(&value.to_display_string())
                .map(Value::DateTime)
                .ok_or_else(|| method_threw(name, 1, "Specified argument was out of the range of valid values.")),
            ("convertfromdatetime", Value::DateTime(time)) => Ok(Value::String(dmtf(*time))),
            _ => Err(method_threw(name, 1, "The argument is not a date.")),
        })
    }

    fn to_text(&self) -> String {
        self.path.clone()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dmtf_dates_round_trip_and_their_offset_counts() {
        let time = DateTime::parse_from_rfc3339("2026-11-30T09:35:12.5Z").expect("date").with_timezone(&Utc);
        assert_eq!(dmtf(time), "20261130093512.500000+000");
        assert_eq!(from_dmtf(&dmtf(time)), Some(time));
        let east = from_dmtf("20261130113512.500000+120").expect("an offset of two hours");
        assert_eq!(east, time);
        assert_eq!(from_dmtf("yesterday"), None);
        let os = ManagementObject { class: "Win32_OperatingSystem".into(), path: "p".into(), properties: Vec::new() };
        let back = os.call("ConvertToDateTime", &[Value::String(dmtf(time))]).expect("a method").expect("converted");
        assert_eq!(back, Value::DateTime(time));
        assert!(os.call("ConvertToDateTime", &[Value::String("x".into())]).expect("a method").is_err());
    }
}
