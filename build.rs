//! Link settings for the binaries that no profile key can say.
//!
//! On Linux with glibc, `ccrsh` and `ccrd` are linked with packed relative relocations
//! (`-z pack-relative-relocs`, DT_RELR, glibc 2.36 and later): the executables stay
//! position-independent (their addresses are still randomised), but the dynamic loader reads a
//! 10 KB bitmap instead of an 830 KB table of 34,000 relocations at every start — a start-up
//! cost every `ccrsh -c` paid, in time and in resident memory (docs/performance.md, "Start-up on
//! the large lab, third stop").
//!
//! Must not: change what the code does, or the libraries' and tests' builds.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
