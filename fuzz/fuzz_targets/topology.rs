//! Fuzz target: ccrd's topology loader (`engine::topology::build`), which reads the TOML a
//! caller sends with `Reset-Lab -Topology` and `ccrd --topology`. Any text gives an estate or a
//! `TopologyError`, never a panic; an estate it builds passes the same validation an imported
//! snapshot must pass (no name that could leave the lab, every number in range).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(estate) = ccrsh::engine::topology::build("fuzz.toml", text)
        && let Err(why) = ccrsh::engine::validate::estate(&estate)
    {
        panic!("the loader built an estate validation refuses: {why}");
    }
});
