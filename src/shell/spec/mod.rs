//! Cmdlet specs: the TOML files in `cmdlets/` that say what each cmdlet is (name, synopsis,
//! parameters and their sets, ConfirmImpact, default view, examples).
//!
//! Owns: the spec model ([`CmdletSpec`] and its parts) and the strict loader ([`load`]).
//! Binding, help, completion and the generated reference all read specs from here.
//!
//! Must not: run cmdlets, talk to ccrd or print. A spec is data; what a cmdlet does lives in
//! `shell::cmdlets`.

mod load;
mod model;

pub use load::{SpecError, load};
pub use model::*;
