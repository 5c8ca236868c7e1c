//! The runtime library scripts lean on, beside the language: .NET-style objects and types,
//! providers and the cmdlets over them. `eval` is the language only; it calls in here for a
//! value's members, a type's static members and conversions the language does not own.
//!
//! Owns: the typed-object seam (`object`), the type registry (`types`), and one file per
//! provider or type family (`dotnet/…`), the console host object (`host`), `$Error`'s list
//! (`error_list`), and sending mail (`smtp`).
//!
//! Must not: evaluate script, print, or speak HTTP other than through the client a cmdlet is
//! given. Layout of tables and lists stays in `render`.

pub mod dotnet;
pub mod encoding;
pub mod environment;
pub mod error_list;
pub mod exchange;
pub mod filesystem;
pub mod host;
pub mod json;
pub mod management;
pub mod match_info;
pub mod object;
pub mod path_info;
pub mod psobject;
pub mod smtp;
pub mod types;

pub use object::{Member, MemberKind, NetObject, ObjectRef};
pub use types::NetType;
