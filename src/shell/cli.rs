//! The process command line of `ccrsh`, parsed as pwsh parses its own: switches start with
//! `-`, `--`, `/` or a pasted dash, are case-insensitive, and may be shortened to any
//! unambiguous prefix at least as long as their documented short form (`-c`, `-noni`, `-nop`).
//!
//! clap cannot express pwsh's rules (single-dash long names, `/` prefixes, `-Command` taking the
//! rest of the line), so this small parser does; `ccrd` uses clap.
//!
//! Must not: start anything. It only turns arguments (and the CCRSH_* variables) into
//! [`Options`] or a [`UsageError`] (exit code 64).

use std::path::PathBuf;

use super::syntax::chars::is_dash;

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The REPL (or, without a terminal, statements from standard input).
    Interactive,
    /// `-Command TEXT`.
    Command(String),
    /// `-Command -`: statements from standard input.
    CommandFromStdin,
    /// `-File PATH ARGS…` or `PATH ARGS…`.
    File {
        path: PathBuf,
        args: Vec<String>,
    },
    Help,
    Version,
}

/// The parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub mode: Mode,
    pub non_interactive: bool,
    pub no_profile: bool,
    pub no_logo: bool,
    /// `--server URL` or CCRSH_SERVER: talk to this ccrd instead of the embedded lab.
    pub server: Option<String>,
    /// `--token` or CCRSH_TOKEN.
    pub token: Option<String>,
    /// `--ca-cert FILE` or CCRSH_CA_CERT: trust only this CA (PEM) for an `https://` server.
    pub ca_cert: Option<PathBuf>,
    /// `--lab DIR` or CCRSH_LAB.
    pub lab: Option<PathBuf>,
    /// `--store etcd://…` or CCRSH_LAB_STORE: the embedded lab keeps its estate in this etcd
    /// cluster instead of the lab's SQLite file, as `ccrd --store` does (docs/etcd.md); like
    /// `--lab`, nothing with `--server`.
    pub store: Option<String>,
    /// `-Rehearse`: run on a copy of the estate and report what would change.
    pub rehearse: bool,
    /// `--computer NAME` or CCRSH_COMPUTER: the workstation the session runs on
    /// (`$env:COMPUTERNAME`), instead of the topology's management workstation.
    pub computer: Option<String>,
}

/// A command line that cannot be run: the message, then exit 64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

/// The exit code for a bad command line, as pwsh.
pub const USAGE_EXIT_CODE: u8 = 64;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Switch {
    Command,
    File,
    NonInteractive,
    NoProfile,
    NoLogo,
    Server,
    Token,
    CaCert,
    Lab,
    Store,
    Help,
    Version,
    Rehearse,
    Computer,
}

/// Each switch's full name and the shortest prefix that selects it.
const SWITCHES: [(Switch, &str, &str); 15] = [
    (Switch::Command, "command", "c"),
    (Switch::File, "file", "f"),
    (Switch::NonInteractive, "noninteractive", "noni"),
    (Switch::NoProfile, "noprofile", "nop"),
    (Switch::NoLogo, "nologo", "nol"),
    (Switch::Server, "server", "s"),
    (Switch::Token, "token", "t"),
    (Switch::CaCert, "ca-cert", "ca"),
    (Switch::CaCert, "cacert", "cac"),
    (Switch::Lab, "lab", "l"),
    (Switch::Store, "store", "st"),
    (Switch::Help, "help", "h"),
    (Switch::Version, "version", "v"),
    (Switch::Rehearse, "rehearse", "r"),
    (Switch::Computer, "computer", "comp"),
];

pub const USAGE: &str = "Usage: ccrsh [-NoLogo] [-NoProfile] [-NonInteractive] [-Rehearse]
             [--server URL] [--token TOKEN] [--ca-cert FILE] [--lab DIR]
             [--store etcd://HOST:PORT[,…][/NAME]] [--computer NAME]
             [-Command { - | <text> } | [-File] <path.ps1> [args]]

       ccrsh -Help | -? | /?
       ccrsh -Version

  -Command, -c TEXT    run TEXT and exit; '-' reads statements from standard input
  -File, -f PATH       run a script file; the remaining arguments go to the script
  -NonInteractive      fail instead of prompting
  -NoProfile           do not run the profile script
  -NoLogo              do not print the banner
  -Rehearse            run -Command or -File on a copy of the estate: show each change's
                       outcome and what would differ; the estate itself is not touched
  --server URL         talk to a running ccrd (or set CCRSH_SERVER)
  --token TOKEN        bearer token for --server (or set CCRSH_TOKEN)
  --ca-cert FILE       for an https:// server: trust the CA in FILE (PEM), e.g. the ca.pem
                       of 'ccrd tls self-signed' (or set CCRSH_CA_CERT)
  --lab DIR            the embedded lab's directory (or set CCRSH_LAB)
  --store URL          keep the embedded lab's estate in etcd (etcd://HOST:PORT[,…][/NAME]),
                       as 'ccrd --store' does (or set CCRSH_LAB_STORE)
  --computer NAME      the workstation the session runs on, as $env:COMPUTERNAME names it
                       (or set CCRSH_COMPUTER; default: the topology's management workstation)

Exit codes: 0 success; 1 failure; N from 'exit N'; 64 bad command line.";

/// Parses `args` (without the program name); `env` reads CCRSH_* variables.
pub fn parse(args: &[String], env: &dyn Fn(&str) -> Option<String>) -> Result<Options, UsageError> {
    let mut options = Options {
        mode: Mode::Interactive,
        non_interactive: false,
        no_profile: false,
        no_logo: false,
        server: env("CCRSH_SERVER").filter(|s| !s.is_empty()),
        token: env("CCRSH_TOKEN").filter(|s| !s.is_empty()),
        ca_cert: env("CCRSH_CA_CERT").filter(|s| !s.is_empty()).map(PathBuf::from),
        lab: env("CCRSH_LAB").filter(|s| !s.is_empty()).map(PathBuf::from),
        store: env("CCRSH_LAB_STORE").filter(|s| !s.is_empty()),
        rehearse: false,
        computer: env("CCRSH_COMPUTER").filter(|s| !s.is_empty()),
    };
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let Some(name) = switch_name(arg) else {
            // The first plain argument is a script path; the rest are its arguments.
            options.mode = Mode::File { path: PathBuf::from(arg), args: args[i + 1..].to_vec() };
            return Ok(options);
        };
        let switch = find_switch(name, arg)?;
        i += 1;
        let value = |i: usize, what: &str| {
            args.get(i).cloned().ok_or_else(|| {
                UsageError(format!(
                    "Cannot process the command because of a missing parameter. A {what} must follow {arg}."
                ))
            })
        };
        match switch {
            Switch::Command => {
                let text = value(i, "command")?;
                options.mode = if text == "-" && i + 1 == args.len() {
                    Mode::CommandFromStdin
                } else {
                    Mode::Command(args[i..].join(" "))
                };
                return Ok(options);
            }
            Switch::File => {
                let path = value(i, "file path")?;
                options.mode = Mode::File { path: PathBuf::from(path), args: args[i + 1..].to_vec() };
                return Ok(options);
            }
            Switch::NonInteractive => options.non_interactive = true,
            Switch::NoProfile => options.no_profile = true,
            Switch::NoLogo => options.no_logo = true,
            Switch::Server => {
                options.server = Some(value(i, "URL")?);
                i += 1;
            }
            Switch::Token => {
                options.token = Some(value(i, "token")?);
                i += 1;
            }
            Switch::CaCert => {
                options.ca_cert = Some(PathBuf::from(value(i, "file")?));
                i += 1;
            }
            Switch::Lab => {
                options.lab = Some(PathBuf::from(value(i, "directory")?));
                i += 1;
            }
            Switch::Store => {
                options.store = Some(value(i, "store address")?);
                i += 1;
            }
            Switch::Help => options.mode = Mode::Help,
            Switch::Version => options.mode = Mode::Version,
            Switch::Rehearse => options.rehearse = true,
            Switch::Computer => {
                options.computer = Some(value(i, "computer name")?);
                i += 1;
            }
        }
    }
    Ok(options)
}

/// The name of a switch argument without its prefix, or `None` for a plain argument.
fn switch_name(arg: &str) -> Option<&str> {
    if arg == "/?" || arg == "-?" {
        return Some("?");
    }
    if let Some(rest) = arg.strip_prefix('/') {
        return (!rest.is_empty() && !rest.contains('/')).then_some(rest);
    }
    let mut chars = arg.chars();
    let first = chars.next().filter(|c| is_dash(*c))?;
    let rest = &arg[first.len_utf8()..];
    let rest = match rest.chars().next() {
        Some(c) if is_dash(c) => &rest[c.len_utf8()..],
        _ => rest,
    };
    (!rest.is_empty()).then_some(rest)
}

fn find_switch(name: &str, arg: &str) -> Result<Switch, UsageError> {
    let lower = name.to_lowercase();
    if lower == "?" {
        return Ok(Switch::Help);
    }
    let candidates: Vec<&(Switch, &str, &str)> =
        SWITCHES.iter().filter(|(_, full, _)| full.starts_with(&lower)).collect();
    if let Some((switch, _, _)) = candidates.iter().find(|(_, _, short)| lower.len() >= short.len()) {
        return Ok(*switch);
    }
    if candidates.is_empty() {
        return Err(UsageError(format!(
            "The argument '{arg}' is not recognized as a switch of ccrsh. Run 'ccrsh -Help' to see the switches."
        )));
    }
    let names: String = candidates.iter().map(|(_, full, _)| format!(" -{full}")).collect();
    Err(UsageError(format!("Parameter '{arg}' is ambiguous. Possible matches include:{names}")))
}

/// The text of a script file, as pwsh reads it: UTF-8 (a byte order mark is dropped), or
/// UTF-16 little- or big-endian when the file starts with its byte order mark. Anything else is
/// not text: the error says where it stops being valid, and how to save the file.
pub fn decode_script(bytes: Vec<u8>) -> Result<String, String> {
    let utf16 = |body: &[u8], unit: fn([u8; 2]) -> u16, name: &str| {
        if !body.len().is_multiple_of(2) {
            return Err(format!("it starts with a {name} byte order mark but has an odd number of bytes"));
        }
        let units: Vec<u16> = body.chunks_exact(2).map(|c| unit([c[0], c[1]])).collect();
        String::from_utf16(&units).map_err(|_| format!("it is not valid {name} (an unpaired surrogate)"))
    };
    match bytes.as_slice() {
        [0xEF, 0xBB, 0xBF, ..] => {
            let mut bytes = bytes;
            bytes.drain(..3);
            utf8(bytes, 3)
        }
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes, "UTF-16LE"),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes, "UTF-16BE"),
        _ => utf8(bytes, 0),
    }
}

/// UTF-8 text, taken over without a copy.
fn utf8(bytes: Vec<u8>, offset: usize) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to() + offset;
        format!("byte {at} is not UTF-8 (save it as UTF-8, or as UTF-16 with a byte order mark)")
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn scripts_decode_as_pwsh_reads_them() {
        use super::decode_script;
        assert_eq!(decode_script(b"\xEF\xBB\xBF'x'".to_vec()).as_deref(), Ok("'x'"));
        let utf16le: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("'é'".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode_script(utf16le).as_deref(), Ok("'é'"));
        let utf16be: Vec<u8> =
            [0xFE, 0xFF].into_iter().chain("'x'".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode_script(utf16be).as_deref(), Ok("'x'"));
        let error = decode_script(b"'ok'\n\xC3\x28".to_vec()).expect_err("invalid");
        assert!(error.contains("byte 5 is not UTF-8"), "{error}");
        assert!(decode_script(vec![0xFF, 0xFE, 0x41]).is_err(), "odd UTF-16");
    }
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Options, UsageError> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&args, &|_| None)
    }

    #[test]
    fn accepts_every_pwsh_spelling_of_a_switch() {
        for spelling in ["-Command", "-c", "--command", "/c", "-COMMAND", "–c", "-comm"] {
            let options = parse_args(&[spelling, "Get-StorageGroup"]).expect(spelling);
            assert_eq!(options.mode, Mode::Command("Get-StorageGroup".into()), "{spelling}");
        }
        let options = parse_args(&["-noni", "-nop", "-nol", "-c", "x"]).expect("parses");
        assert!(options.non_interactive && options.no_profile && options.no_logo);
    }

    #[test]
    fn command_takes_the_rest_of_the_line_and_dash_means_stdin() {
        let options = parse_args(&["-c", "Get-StorageGroup", "-Server", "CCREX01"]).expect("parses");
        assert_eq!(options.mode, Mode::Command("Get-StorageGroup -Server CCREX01".into()));
        assert_eq!(parse_args(&["-Command", "-"]).expect("parses").mode, Mode::CommandFromStdin);
    }

    #[test]
    fn a_plain_argument_is_a_script_with_arguments() {
        let options = parse_args(&["--lab", "/tmp/l", "run.ps1", "-Force", "x"]).expect("parses");
        assert_eq!(options.lab, Some(PathBuf::from("/tmp/l")));
        assert_eq!(options.mode, Mode::File { path: "run.ps1".into(), args: vec!["-Force".into(), "x".into()] });
    }

    #[test]
    fn unknown_ambiguous_and_valueless_switches_are_usage_errors() {
        assert!(parse_args(&["-bogus"]).expect_err("unknown").0.contains("'-bogus'"));
        let ambiguous = parse_args(&["-no"]).expect_err("ambiguous").0;
        assert!(ambiguous.contains("ambiguous") && ambiguous.contains("-noprofile"), "{ambiguous}");
        assert!(parse_args(&["-c"]).expect_err("missing").0.contains("missing parameter"));
        assert!(parse_args(&["--server"]).is_err());
    }

    #[test]
    fn the_embedded_labs_store_comes_from_the_switch_or_the_environment() {
        let env = |name: &str| (name == "CCRSH_LAB_STORE").then(|| "etcd://127.0.0.1:1/a".to_string());
        assert_eq!(parse(&[], &env).expect("parses").store.as_deref(), Some("etcd://127.0.0.1:1/a"));
        let args = vec!["-st".to_string(), "etcd://127.0.0.1:2/b".to_string()];
        assert_eq!(parse(&args, &env).expect("parses").store.as_deref(), Some("etcd://127.0.0.1:2/b"));
        assert_eq!(parse_args(&["-s", "http://x"]).expect("-s is still --server").server.as_deref(), Some("http://x"));
        assert!(parse_args(&["--store"]).expect_err("missing").0.contains("missing parameter"));
        assert_eq!(parse_args(&[]).expect("parses").store, None);
    }

    #[test]
    fn environment_supplies_defaults_and_switches_override_them() {
        let env = |name: &str| (name == "CCRSH_SERVER").then(|| "http://127.0.0.1:1".to_string());
        let options = parse(&[], &env).expect("parses");
        assert_eq!(options.server.as_deref(), Some("http://127.0.0.1:1"));
        let args = vec!["--server".to_string(), "http://127.0.0.1:2".to_string()];
        assert_eq!(parse(&args, &env).expect("parses").server.as_deref(), Some("http://127.0.0.1:2"));
    }
}
