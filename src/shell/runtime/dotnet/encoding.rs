//! `[System.Text.Encoding]` and its objects: `[Text.Encoding]::UTF8`, `ASCII`, `Unicode`,
//! `BigEndianUnicode`, `UTF32`, `Latin1`, `Default`, `GetEncoding(name or code page)`, and
//! `New-Object System.Text.UTF8Encoding($false)`; each with `GetBytes`, `GetString`,
//! `GetByteCount`, `GetPreamble`, `EncodingName`, `WebName`, `CodePage`. Byte arrays are
//! `[byte[]]` values, as in PowerShell.
//!
//! Owns: the Encoding type family and reading `[byte[]]` arguments ([`bytes_of`]). The byte
//! work itself is `runtime::encoding`'s, shared with the file cmdlets' `-Encoding`.
//!
//! Must not: touch files.

use std::any::Any;

use crate::shell::error_record::ErrorRecord;
use crate::shell::eval::convert::to_number;
use crate::shell::runtime::encoding::Encoding;
use crate::shell::runtime::object::{Member, NetObject, ObjectRef, method_threw, overload_not_found};
use crate::shell::runtime::types::NetType;
use crate::shell::value::{Numeric, Value};

use super::{arg_i64, arg_text};

/// An Encoding object.
#[derive(Debug)]
pub struct EncodingObject {
    encoding: Encoding,
    /// Whether `GetPreamble()` returns a byte-order mark (`[Text.Encoding]::UTF8` does;
    /// `UTF8Encoding($false)` does not).
    bom: bool,
}

impl EncodingObject {
    pub fn value(encoding: Encoding, bom: bool) -> Value {
        Value::Object(ObjectRef::new(EncodingObject { encoding, bom }))
    }

    /// `(type name, EncodingName, WebName, CodePage)`.
    fn names(&self) -> (&'static str, &'static str, &'static str, i64) {
        match self.encoding {
            Encoding::Utf8 | Encoding::Utf8Bom | Encoding::Byte => {
                ("System.Text.UTF8Encoding", "Unicode (UTF-8)", "utf-8", 65001)
            }
            Encoding::Utf16Le => ("System.Text.UnicodeEncoding", "Unicode", "utf-16", 1200),
            Encoding::Utf16Be => ("System.Text.UnicodeEncoding", "Unicode (Big-Endian)", "utf-16BE", 1201),
            Encoding::Utf32Le => ("System.Text.UTF32Encoding", "Unicode (UTF-32)", "utf-32", 12000),
            Encoding::Ascii => ("System.Text.ASCIIEncoding", "US-ASCII", "us-ascii", 20127),
            Encoding::Latin1 => ("System.Text.Latin1Encoding", "Western European (ISO)", "iso-8859-1", 28591),
        }
    }
}

/// The encoding an argument names: an Encoding object, or a name PowerShell's `-Encoding`
/// accepts.
pub fn encoding_of(value: &Value) -> Option<Encoding> {
    if let Value::Object(o) = value
        && let Some(e) = o.downcast::<EncodingObject>()
    {
        return Some(if e.bom && e.encoding == Encoding::Utf8 { Encoding::Utf8Bom } else { e.encoding });
    }
    Encoding::parse(&value.to_display_string().replace("System.Text.", "")).ok()
}

/// A `[byte[]]` argument (any array of numbers 0–255); `None` when it is not one.
pub fn bytes_of(value: &Value) -> Option<Vec<u8>> {
    let items = match value {
        Value::Array(items) => items.borrow().clone(),
        Value::Null => return None,
        one => vec![one.clone()],
    };
    items
        .iter()
        .map(|v| match v {
            Value::Number(Numeric::Byte(b)) => Some(*b),
            other => to_number(other)
                .and_then(|n| u8::try_from(n.as_f64() as i64).ok().filter(|_| n.as_f64().fract() == 0.0)),
        })
        .collect()
}

/// Bytes as a `[byte[]]` value.
pub fn byte_array(bytes: &[u8]) -> Value {
    Value::array(bytes.iter().map(|b| Value::Number(Numeric::Byte(*b))).collect())
}

impl NetObject for EncodingObject {
    fn type_name(&self) -> String {
        self.names().0.into()
    }

    fn type_names(&self) -> Vec<String> {
        vec![self.type_name(), "System.Text.Encoding".into(), "System.Object".into()]
    }

    fn members(&self) -> Vec<Member> {
        vec![
            Member::property("BodyName", "string"),
            Member::property("EncodingName", "string"),
            Member::property("HeaderName", "string"),
            Member::property("WebName", "string"),
            Member::property("CodePage", "int"),
            Member::property("IsSingleByte", "bool"),
            Member::method("GetBytes", "byte[] GetBytes(string s)"),
            Member::method(
                "GetString",
                "string GetString(byte[] bytes), string GetString(byte[] bytes, int index, int count)",
            ),
            Member::method("GetByteCount", "int GetByteCount(string s)"),
            Member::method("GetCharCount", "int GetCharCount(byte[] bytes)"),
            Member::method("GetPreamble", "byte[] GetPreamble()"),
        ]
    }

    fn property(&self, name: &str) -> Option<Value> {
        let (_, encoding_name, web, code_page) = self.names();
        Some(match name.to_ascii_lowercase().as_str() {
            "bodyname" | "headername" | "webname" => Value::from(web),
            "encodingname" => Value::from(encoding_name),
            "codepage" | "windowscodepage" => Value::Int(code_page),
            "issinglebyte" => Value::Bool(matches!(self.encoding, Encoding::Ascii | Encoding::Latin1)),
            _ => return None,
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let bytes_arg = |i: usize| {
            args.get(i).and_then(bytes_of).ok_or_else(|| {
                method_threw(
                    name,
                    args.len(),
                    "Cannot convert the argument to \"System.Byte[]\": give an array of numbers 0-255.",
                )
            })
        };
        let text_arg = |i: usize| match args.get(i) {
            // GetBytes(char[]) as well as GetBytes(string).
            Some(Value::Array(items)) => items.borrow().iter().map(Value::to_display_string).collect::<String>(),
            _ => arg_text(args, i),
        };
        let result = match (name.to_ascii_lowercase().as_str(), args.len()) {
            ("getbytes", 1) => Ok(byte_array(&self.encoding.encode(&text_arg(0)))),
            ("getbytecount", 1) => Ok(Value::Int(self.encoding.encode(&text_arg(0)).len() as i64)),
            ("getstring", 1) => bytes_arg(0).map(|b| Value::String(self.encoding.decode(&b))),
            ("getstring", 3) => bytes_arg(0).and_then(|b| {
                let (index, count) = (arg_i64(args, 1, name)?, arg_i64(args, 2, name)?);
                let range = usize::try_from(index)
                    .ok()
                    .zip(usize::try_from(count).ok())
                    .and_then(|(i, c)| Some(i..i.checked_add(c)?))
                    .filter(|r| r.end <= b.len())
                    .ok_or_else(|| {
                        method_threw(name, 3, "Index and count must refer to a location within the buffer.")
                    })?;
                Ok(Value::String(self.encoding.decode(&b[range])))
            }),
            ("getcharcount", 1) => {
                bytes_arg(0).map(|b| Value::Int(self.encoding.decode(&b).encode_utf16().count() as i64))
            }
            ("getpreamble", 0) => {
                let preamble = match self.encoding {
                    Encoding::Utf8 if self.bom => Encoding::Utf8Bom.preamble(),
                    Encoding::Utf8 => &[],
                    e => e.preamble(),
                };
                Ok(byte_array(preamble))
            }
            ("getbytes" | "getbytecount" | "getstring" | "getcharcount" | "getpreamble", n) => {
                Err(overload_not_found(name, n))
            }
            _ => return None,
        };
        Some(result)
    }

    fn to_text(&self) -> String {
        self.type_name()
    }

    fn equals(&self, other: &Value) -> bool {
        matches!(other, Value::Object(o) if o.downcast::<EncodingObject>().is_some_and(|e| e.encoding == self.encoding && e.bom == self.bom))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `[System.Text.Encoding]`.
pub struct EncodingType;
pub static ENCODING: EncodingType = EncodingType;

impl NetType for EncodingType {
    fn full_name(&self) -> &'static str {
        "System.Text.Encoding"
    }

    fn static_property(&self, name: &str) -> Option<Value> {
        Some(match name.to_ascii_lowercase().as_str() {
            "utf8" => EncodingObject::value(Encoding::Utf8, true),
            // PowerShell 7's Default is UTF-8 without a BOM.
            "default" => EncodingObject::value(Encoding::Utf8, false),
            "ascii" => EncodingObject::value(Encoding::Ascii, false),
            "unicode" => EncodingObject::value(Encoding::Utf16Le, true),
            "bigendianunicode" => EncodingObject::value(Encoding::Utf16Be, true),
            "utf32" => EncodingObject::value(Encoding::Utf32Le, true),
            "latin1" => EncodingObject::value(Encoding::Latin1, false),
            _ => return None,
        })
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        if !name.eq_ignore_ascii_case("GetEncoding") {
            return None;
        }
        let [which] = args else { return Some(Err(overload_not_found(name, args.len()))) };
        let by_code_page = match which {
            Value::Int(n) => Some(*n),
            _ => None,
        };
        let encoding = match by_code_page {
            Some(65001) => Some(Encoding::Utf8),
            Some(1200) => Some(Encoding::Utf16Le),
            Some(1201) => Some(Encoding::Utf16Be),
            Some(12000) => Some(Encoding::Utf32Le),
            Some(20127) => Some(Encoding::Ascii),
            Some(28591 | 1252) => Some(Encoding::Latin1),
            Some(_) => None,
            None => {
                let wanted = which.to_display_string().to_ascii_lowercase();
                match wanted.as_str() {
                    "utf-8" | "utf8" => Some(Encoding::Utf8),
                    "utf-16" | "utf-16le" | "unicode" => Some(Encoding::Utf16Le),
                    "utf-16be" | "unicodefffe" => Some(Encoding::Utf16Be),
                    "utf-32" | "utf-32le" => Some(Encoding::Utf32Le),
                    "us-ascii" | "ascii" => Some(Encoding::Ascii),
                    "iso-8859-1" | "latin1" | "windows-1252" => Some(Encoding::Latin1),
                    _ => None,
                }
            }
        };
        Some(match encoding {
            Some(e) => Ok(EncodingObject::value(e, !matches!(e, Encoding::Ascii | Encoding::Latin1))),
            None => Err(method_threw(
                name,
                1,
                &format!(
                    "'{}' is not a supported encoding name. For information on defining a custom encoding, see the documentation for the Encoding.RegisterProvider method.",
                    which.to_display_string()
                ),
            )),
        })
    }

    fn static_members(&self) -> Vec<Member> {
        let mut members: Vec<Member> = ["ASCII", "BigEndianUnicode", "Default", "Latin1", "Unicode", "UTF32", "UTF8"]
            .iter()
            .map(|p| Member::property(p, "System.Text.Encoding"))
            .collect();
        members.push(Member::method(
            "GetEncoding",
            "static System.Text.Encoding GetEncoding(string name), GetEncoding(int codepage)",
        ));
        members
    }
}

/// `New-Object System.Text.UTF8Encoding($false)` and its relatives: the constructors whose first
/// argument says whether the preamble is a BOM.
pub struct ConcreteEncodingType {
    name: &'static str,
    encoding: Encoding,
}

pub static UTF8_ENCODING: ConcreteEncodingType =
    ConcreteEncodingType { name: "System.Text.UTF8Encoding", encoding: Encoding::Utf8 };
pub static UNICODE_ENCODING: ConcreteEncodingType =
    ConcreteEncodingType { name: "System.Text.UnicodeEncoding", encoding: Encoding::Utf16Le };
pub static ASCII_ENCODING: ConcreteEncodingType =
    ConcreteEncodingType { name: "System.Text.ASCIIEncoding", encoding: Encoding::Ascii };

impl NetType for ConcreteEncodingType {
    fn full_name(&self) -> &'static str {
        self.name
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let flag = |i: usize| args.get(i).is_some_and(Value::is_truthy);
        Some(match (self.encoding, args.len()) {
            (Encoding::Ascii, 0) => Ok(EncodingObject::value(Encoding::Ascii, false)),
            // UTF8Encoding(), UTF8Encoding(bool encoderShouldEmitUTF8Identifier[, bool throw])
            (Encoding::Utf8, 0) => Ok(EncodingObject::value(Encoding::Utf8, false)),
            (Encoding::Utf8, 1 | 2) => Ok(EncodingObject::value(Encoding::Utf8, flag(0))),
            // UnicodeEncoding(), UnicodeEncoding(bool bigEndian, bool byteOrderMark[, bool throw])
            (Encoding::Utf16Le, 0) => Ok(EncodingObject::value(Encoding::Utf16Le, true)),
            (Encoding::Utf16Le, 2 | 3) => {
                Ok(EncodingObject::value(if flag(0) { Encoding::Utf16Be } else { Encoding::Utf16Le }, flag(1)))
            }
            (_, n) => Err(overload_not_found("new", n)),
        })
    }
}
