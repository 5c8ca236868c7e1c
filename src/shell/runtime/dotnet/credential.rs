//! Credentials scripts hand to a relay: `System.Security.SecureString` (what
//! `ConvertTo-SecureString -AsPlainText` makes; it never shows its text), and
//! `System.Management.Automation.PSCredential` (`New-Object PSCredential(user, secure)`:
//! `UserName`, `Password`, `GetNetworkCredential()`). There is no DPAPI here: the text is kept
//! in memory as given, as a SecureString's is on Linux.
//!
//! Owns: these two types and reading a credential's user and password ([`plain_text`]).
//!
//! Must not: print or store a password anywhere.

use std::any::Any;
use std::fmt;

use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::object::{Member, NetObject, ObjectRef, overload_not_found};
use crate::shell::runtime::types::NetType;
use crate::shell::value::Value;

const SECURE_STRING: &str = "System.Security.SecureString";
pub const PS_CREDENTIAL: &str = "System.Management.Automation.PSCredential";

/// A SecureString: its text is read only by the code that sends it.
pub struct SecureString {
    text: String,
}

impl fmt::Debug for SecureString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecureString").field("length", &self.text.chars().count()).finish_non_exhaustive()
    }
}

impl SecureString {
    pub fn value(text: String) -> Value {
        Value::Object(ObjectRef::new(SecureString { text }))
    }
}

impl NetObject for SecureString {
    fn type_name(&self) -> String {
        SECURE_STRING.into()
    }

    fn members(&self) -> Vec<Member> {
        vec![Member::property("Length", "int"), Member::method("Dispose", "void Dispose()")]
    }

    fn property(&self, name: &str) -> Option<Value> {
        name.eq_ignore_ascii_case("length").then(|| Value::Int(self.text.chars().count() as i64))
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        (name.eq_ignore_ascii_case("dispose") && args.is_empty()).then_some(Ok(Value::Null))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The text of a password: a SecureString's, or a plain value's.
pub fn plain_text(value: &Value) -> String {
    match value {
        Value::Object(o) => match o.downcast::<SecureString>() {
            Some(secure) => secure.text.clone(),
            None => o.to_text(),
        },
        other => other.to_display_string(),
    }
}

/// A PSCredential for `user` with `password` (Get-Credential's answer).
pub fn credential(user: &str, password: String) -> Value {
    let password = ObjectRef::new(SecureString { text: password });
    Value::Object(ObjectRef::new(PsCredential { user: user.to_string(), password }))
}

/// A PSCredential: a user name and a SecureString.
#[derive(Debug)]
pub struct PsCredential {
    user: String,
    password: ObjectRef,
}

impl NetObject for PsCredential {
    fn type_name(&self) -> String {
        PS_CREDENTIAL.into()
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("UserName", "string"),
            Member::property("Password", SECURE_STRING),
            Member::method("GetNetworkCredential", "System.Net.NetworkCredential GetNetworkCredential()"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        match name.to_ascii_lowercase().as_str() {
            "username" => Some(Value::String(self.user.clone())),
            "password" => Some(Value::Object(self.password.clone())),
            _ => None,
        }
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        if !name.eq_ignore_ascii_case("getnetworkcredential") {
            return None;
        }
        if !args.is_empty() {
            return Some(Err(overload_not_found(name, args.len())));
        }
        // `DOMAIN\user` splits into the domain and the user, as .NET's does.
        let (domain, user) = self.user.split_once('\\').unwrap_or(("", &self.user));
        let password = plain_text(&Value::Object(self.password.clone()));
        Some(Ok(super::mail::NetworkCredential::value(user, &password, domain)))
    }

    fn to_text(&self) -> String {
        PS_CREDENTIAL.into()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

pub struct PsCredentialType;
pub static PS_CREDENTIAL_TYPE: PsCredentialType = PsCredentialType;

impl NetType for PsCredentialType {
    fn full_name(&self) -> &'static str {
        PS_CREDENTIAL
    }

    fn accelerators(&self) -> &'static [&'static str] {
        &["pscredential"]
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let [user, password] = args else { return Some(Err(overload_not_found("new", args.len()))) };
        Some(match password {
            Value::Object(o) if o.downcast::<SecureString>().is_some() => {
                Ok(Value::Object(ObjectRef::new(PsCredential { user: user.to_display_string(), password: o.clone() })))
            }
            other => {
                let shown = other.to_display_string();
                Err(ErrorRecord::new(
                    "MethodArgumentConversionInvalidCastArgument",
                    "NotSpecified",
                    format!(
                        "Cannot convert argument \"password\", with value: \"{shown}\", for \"PSCredential\" to type \"{SECURE_STRING}\": \"Cannot convert the \"{shown}\" value of type \"System.String\" to type \"{SECURE_STRING}\".\""
                    ),
                )
                .exception("System.Management.Automation.MethodException")
                .with_hint("Make the password a SecureString: (ConvertTo-SecureString 'text' -AsPlainText -Force)."))
            }
        })
    }
}

pub struct SecureStringType;
pub static SECURE_STRING_TYPE: SecureStringType = SecureStringType;

impl NetType for SecureStringType {
    fn full_name(&self) -> &'static str {
        SECURE_STRING
    }

    fn accelerators(&self) -> &'static [&'static str] {
        &["securestring"]
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        Some(match args {
            [] => Ok(SecureString::value(String::new())),
            _ => Err(overload_not_found("new", args.len())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_keeps_its_password_out_of_sight_and_gives_it_to_the_network_credential() {
        let secure = SecureString::value("P@ss".into());
        assert_eq!(secure.to_display_string(), SECURE_STRING);
        let credential = PS_CREDENTIAL_TYPE
            .construct(&[Value::from("CONTOSO\\svc-report"), secure])
            .expect("a constructor")
            .expect("made");
        let Value::Object(o) = &credential else { panic!("an object") };
        assert_eq!(o.property("UserName"), Some(Value::from("CONTOSO\\svc-report")));
        let Some(Ok(Value::Object(net))) = o.call("GetNetworkCredential", &[]) else { panic!("a NetworkCredential") };
        assert_eq!(net.property("UserName"), Some(Value::from("svc-report")));
        assert_eq!(net.property("Domain"), Some(Value::from("CONTOSO")));
        assert_eq!(net.property("Password"), Some(Value::from("P@ss")));
        let plain = PS_CREDENTIAL_TYPE.construct(&[Value::from("u"), Value::from("p")]).expect("ctor");
        assert!(plain.expect_err("a plain password").message.contains("to type \"System.Security.SecureString\""));
    }
}
