//! `[System.IO.Path]`, `[System.IO.File]`, `[System.IO.Directory]` and the constructors of
//! `[System.IO.FileInfo]`/`[System.IO.DirectoryInfo]`: the members admin scripts call.
//!
//! Path methods work on the text, reading both `\` and `/` as separators (scripts written for
//! Windows name `C:\Logs\x.log`). File and Directory methods go through the FileSystem provider:
//! a relative path is taken from the shell's location, writes are atomic and never go through a
//! symbolic link, and a failure is .NET's exception text inside PowerShell's
//! `Exception calling "X" with "N" argument(s)` error.
//!
//! Owns: those types. Must not: print or evaluate script.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::encoding::Encoding;
use crate::shell::runtime::filesystem::{self as files, FileSystemItem, LineReader, WriteMode, shown};
use crate::shell::runtime::object::{Member, method_threw, overload_not_found};
use crate::shell::runtime::types::NetType;
use crate::shell::value::Value;
use crate::shell::wildcard::Wildcard;

use super::arg_text;

fn is_separator(c: char) -> bool {
    c == '/' || c == '\\'
}

/// The index just past the last separator, if any.
fn leaf_start(path: &str) -> usize {
    path.rfind(is_separator).map_or(0, |i| i + 1)
}

fn rooted(path: &str) -> bool {
    path.starts_with(is_separator)
        || (path.len() >= 2 && path.as_bytes()[1] == b':' && path.as_bytes()[0].is_ascii_alphabetic())
}

fn extension_start(path: &str) -> Option<usize> {
    let leaf = leaf_start(path);
    path[leaf..].rfind('.').map(|i| leaf + i).filter(|i| *i + 1 < path.len())
}

fn directory_name(path: &str) -> Value {
    let leaf = leaf_start(path);
    if leaf == 0 {
        return if path.is_empty() || rooted(path) { Value::Null } else { Value::String(String::new()) };
    }
    let parent = path[..leaf].trim_end_matches(is_separator);
    if parent.is_empty() || (parent.len() == 2 && parent.ends_with(':')) {
        // The root itself has no directory name; a file in the root has the root.
        return if leaf == path.len() { Value::Null } else { Value::String(path[..leaf].to_string()) };
    }
    Value::String(parent.to_string())
}

/// `Combine`: later rooted parts replace what came before; `Join` just joins.
fn join_parts(parts: &[String], restart_at_root: bool) -> String {
    let mut out = String::new();
    for part in parts.iter().filter(|p| !p.is_empty()) {
        if out.is_empty() || (restart_at_root && rooted(part)) {
            out = part.clone();
        } else {
            let separator = if out.contains('\\') && !out.contains('/') { '\\' } else { '/' };
            if !out.ends_with(is_separator) && !part.starts_with(is_separator) {
                out.push(separator);
            }
            out.push_str(part);
        }
    }
    out
}

fn texts(args: &[Value]) -> Vec<String> {
    args.iter()
        .flat_map(|a| match a {
            Value::Array(items) => items.borrow().iter().map(Value::to_display_string).collect(),
            one => vec![one.to_display_string()],
        })
        .collect()
}

pub struct IoPath;
pub static PATH: IoPath = IoPath;

impl NetType for IoPath {
    fn full_name(&self) -> &'static str {
        "System.IO.Path"
    }

    fn static_property(&self, name: &str) -> Option<Value> {
        Some(match name.to_ascii_lowercase().as_str() {
            "directoryseparatorchar" | "altdirectoryseparatorchar" => Value::Char('/'),
            "pathseparator" => Value::Char(':'),
            "volumeseparatorchar" => Value::Char('/'),
            _ => return None,
        })
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let one = |f: &dyn Fn(&str) -> Value| -> Result<Value, ErrorRecord> {
            match args {
                [Value::Null] => Ok(Value::Null),
                [a] => Ok(f(&a.to_display_string())),
                _ => Err(overload_not_found(name, args.len())),
            }
        };
        Some(match name.to_ascii_lowercase().as_str() {
            "getdirectoryname" => one(&directory_name),
            "getfilename" => one(&|p| Value::String(p[leaf_start(p)..].to_string())),
            "getfilenamewithoutextension" => one(&|p| {
                let leaf = leaf_start(p);
                Value::String(p[leaf..extension_start(p).unwrap_or(p.len()).max(leaf)].to_string())
            }),
            "getextension" => one(&|p| Value::String(extension_start(p).map_or(String::new(), |i| p[i..].to_string()))),
            "hasextension" => one(&|p| Value::Bool(extension_start(p).is_some())),
            "ispathrooted" | "ispathfullyqualified" => one(&|p| Value::Bool(rooted(p))),
            "getfullpath" => one(&|p| Value::String(shown(&files::resolve(p)))),
            "getpathroot" => one(&|p| {
                Value::String(if p.starts_with(is_separator) {
                    p[..1].to_string()
                } else if rooted(p) {
                    p[..2.min(p.len())].to_string() + p.get(2..3).filter(|s| s.starts_with(is_separator)).unwrap_or("")
                } else {
                    String::new()
                })
            }),
            "changeextension" => match args {
                [path, ext] => {
                    let p = path.to_display_string();
                    let stem = extension_start(&p).map_or(p.as_str(), |i| &p[..i]).trim_end_matches('.').to_string();
                    Ok(match ext {
                        Value::Null => Value::String(stem),
                        e => {
                            let e = e.to_display_string();
                            Value::String(if e.starts_with('.') || e.is_empty() {
                                format!("{stem}{e}")
                            } else {
                                format!("{stem}.{e}")
                            })
                        }
                    })
                }
                _ => Err(overload_not_found(name, args.len())),
            },
            "combine" if !args.is_empty() => Ok(Value::String(join_parts(&texts(args), true))),
            "join" if !args.is_empty() => Ok(Value::String(join_parts(&texts(args), false))),
            "gettemppath" => {
                Ok(Value::String(format!("{}/", std::env::temp_dir().display().to_string().trim_end_matches('/'))))
            }
            "getrandomfilename" => Ok(Value::String(random_name(8) + "." + &random_name(3))),
            "gettempfilename" => {
                let path = std::env::temp_dir().join(format!("tmp{}.tmp", random_name(6).to_uppercase()));
                fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .map(|_| Value::String(shown(&path)))
                    .map_err(|e| method_threw(name, 0, &e.to_string()))
            }
            "getinvalidfilenamechars" => Ok(Value::array(vec![Value::Char('\0'), Value::Char('/')])),
            "getinvalidpathchars" => Ok(Value::array(vec![Value::Char('\0')])),
            _ => return None,
        })
    }

    fn static_members(&self) -> Vec<Member> {
        [
            "ChangeExtension",
            "Combine",
            "GetDirectoryName",
            "GetExtension",
            "GetFileName",
            "GetFileNameWithoutExtension",
            "GetFullPath",
            "GetInvalidFileNameChars",
            "GetInvalidPathChars",
            "GetPathRoot",
            "GetRandomFileName",
            "GetTempFileName",
            "GetTempPath",
            "HasExtension",
            "IsPathRooted",
            "Join",
        ]
        .iter()
        .map(|m| Member::method(m, &format!("static string {m}(...)")))
        .chain(
            ["DirectorySeparatorChar", "AltDirectorySeparatorChar", "PathSeparator"]
                .iter()
                .map(|p| Member::property(p, "char")),
        )
        .collect()
    }
}

fn random_name(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz012345";
    let mut bytes = vec![0u8; len];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}

/// .NET's exception text for an I/O failure on `path`.
fn dotnet_message(error: &io::Error, path: &Path, file: bool) -> String {
    match error.kind() {
        io::ErrorKind::NotFound if file && path.parent().is_some_and(|p| p.is_dir()) => {
            format!("Could not find file '{}'.", shown(path))
        }
        io::ErrorKind::NotFound => format!("Could not find a part of the path '{}'.", shown(path)),
        io::ErrorKind::PermissionDenied => format!("Access to the path '{}' is denied.", shown(path)),
        _ => format!("{error} : '{}'", shown(path)),
    }
}

fn encoding_arg(args: &[Value], i: usize) -> Option<Encoding> {
    args.get(i).and_then(super::encoding::encoding_of)
}

fn time_value(time: io::Result<std::time::SystemTime>) -> Value {
    time.map_or(Value::Null, |t| Value::DateTime(DateTime::<Utc>::from(t)))
}

pub struct IoFile;
pub static FILE: IoFile = IoFile;

impl NetType for IoFile {
    fn full_name(&self) -> &'static str {
        "System.IO.File"
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let lower = name.to_ascii_lowercase();
        if args.is_empty() {
            return Some(Err(overload_not_found(name, 0)));
        }
        let path = files::resolve(&arg_text(args, 0));
        let threw = |e: io::Error| method_threw(name, args.len(), &dotnet_message(&e, &path, true));
        let write = |text: String, append: bool| -> Result<Value, ErrorRecord> {
            let mode = WriteMode { append, encoding: encoding_arg(args, 2).unwrap_or_default(), no_clobber: false };
            files::write_text(&path, &text, mode)
                .map(|_| Value::Null)
                .map_err(|e| method_threw(name, args.len(), &e.message))
        };
        let lines = || -> String { texts(args.get(1..2).unwrap_or(&[])).iter().map(|l| format!("{l}\n")).collect() };
        Some(match lower.as_str() {
            "exists" => Ok(Value::Bool(path.is_file())),
            "readalltext" => files::read_all_text(&path, encoding_arg(args, 1)).map(Value::String).map_err(threw),
            "readalllines" | "readlines" => LineReader::open(&path, encoding_arg(args, 1))
                .and_then(|reader| reader.collect::<io::Result<Vec<String>>>())
                .map(|l| Value::array(l.into_iter().map(Value::String).collect()))
                .map_err(threw),
            "readallbytes" => files::read_all_bytes(&path)
                .map(|b| Value::array(b.into_iter().map(|b| Value::Int(i64::from(b))).collect()))
                .map_err(threw),
            "writealltext" => write(arg_text(args, 1), false),
            "appendalltext" => write(arg_text(args, 1), true),
            "writealllines" => write(lines(), false),
            "appendalllines" => write(lines(), true),
            "delete" => match fs::remove_file(&path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Value::Null),
                other => other.map(|_| Value::Null).map_err(threw),
            },
            "copy" | "move" => {
                let dest = files::resolve(&arg_text(args, 1));
                let overwrite = args.get(2).is_some_and(Value::is_truthy);
                if dest.exists() && !overwrite {
                    return Some(Err(method_threw(
                        name,
                        args.len(),
                        &format!("The file '{}' already exists.", shown(&dest)),
                    )));
                }
                if lower == "copy" { fs::copy(&path, &dest).map(|_| ()) } else { fs::rename(&path, &dest) }
                    .map(|_| Value::Null)
                    .map_err(threw)
            }
            "getlastwritetime" | "getlastwritetimeutc" => {
                Ok(time_value(fs::metadata(&path).and_then(|m| m.modified())))
            }
            "getcreationtime" | "getcreationtimeutc" => {
                Ok(time_value(fs::metadata(&path).and_then(|m| m.created().or_else(|_| m.modified()))))
            }
            _ => return None,
        })
    }

    fn static_members(&self) -> Vec<Member> {
        [
            "AppendAllLines",
            "AppendAllText",
            "Copy",
            "Delete",
            "Exists",
            "GetCreationTime",
            "GetLastWriteTime",
            "Move",
            "ReadAllBytes",
            "ReadAllLines",
            "ReadAllText",
            "ReadLines",
            "WriteAllLines",
            "WriteAllText",
        ]
        .iter()
        .map(|m| Member::method(m, &format!("static {m}(...)")))
        .collect()
    }
}

pub struct IoDirectory;
pub static DIRECTORY: IoDirectory = IoDirectory;

fn listing(
    dir: &PathBuf,
    pattern: Option<&str>,
    recurse: bool,
    files_wanted: bool,
    dirs_wanted: bool,
) -> io::Result<Vec<Value>> {
    let w = pattern.map(Wildcard::new);
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)?.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let is_dir = fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        if ((is_dir && dirs_wanted) || (!is_dir && files_wanted)) && w.as_ref().is_none_or(|w| w.is_match(&name)) {
            out.push(Value::String(shown(&path)));
        }
        if is_dir && recurse {
            out.extend(listing(&path, pattern, true, files_wanted, dirs_wanted)?);
        }
    }
    Ok(out)
}

impl NetType for IoDirectory {
    fn full_name(&self) -> &'static str {
        "System.IO.Directory"
    }

    fn static_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        let lower = name.to_ascii_lowercase();
        if lower == "getcurrentdirectory" {
            return Some(Ok(Value::String(shown(&files::location()))));
        }
        if args.is_empty() {
            return Some(Err(overload_not_found(name, 0)));
        }
        let path = files::resolve(&arg_text(args, 0));
        let threw = |e: io::Error| method_threw(name, args.len(), &dotnet_message(&e, &path, false));
        let pattern = args.get(1).map(Value::to_display_string);
        let recurse = args.get(2).is_some_and(|v| {
            v.to_display_string().eq_ignore_ascii_case("AllDirectories") || matches!(v, Value::Int(1))
        });
        Some(match lower.as_str() {
            "exists" => Ok(Value::Bool(path.is_dir())),
            "createdirectory" => fs::create_dir_all(&path).map(|_| FileSystemItem::value(path.clone())).map_err(threw),
            "delete" => if args.get(1).is_some_and(Value::is_truthy) {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_dir(&path)
            }
            .map(|_| Value::Null)
            .map_err(threw),
            "getfiles" | "enumeratefiles" => {
                listing(&path, pattern.as_deref(), recurse, true, false).map(Value::array).map_err(threw)
            }
            "getdirectories" | "enumeratedirectories" => {
                listing(&path, pattern.as_deref(), recurse, false, true).map(Value::array).map_err(threw)
            }
            "getfilesystementries" | "enumeratefilesystementries" => {
                listing(&path, pattern.as_deref(), recurse, true, true).map(Value::array).map_err(threw)
            }
            "getparent" => Ok(path.parent().map_or(Value::Null, |p| FileSystemItem::value(p.to_path_buf()))),
            "getlastwritetime" => Ok(time_value(fs::metadata(&path).and_then(|m| m.modified()))),
            _ => return None,
        })
    }

    fn static_members(&self) -> Vec<Member> {
        [
            "CreateDirectory",
            "Delete",
            "EnumerateFiles",
            "Exists",
            "GetCurrentDirectory",
            "GetDirectories",
            "GetFiles",
            "GetParent",
        ]
        .iter()
        .map(|m| Member::method(m, &format!("static {m}(...)")))
        .collect()
    }
}

/// `[System.IO.FileInfo]` / `[System.IO.DirectoryInfo]`: `::new(path)`, `New-Object`, casts.
pub struct ItemType {
    name: &'static str,
    directory: bool,
}
pub static FILE_INFO: ItemType = ItemType { name: "System.IO.FileInfo", directory: false };
pub static DIRECTORY_INFO: ItemType = ItemType { name: "System.IO.DirectoryInfo", directory: true };

impl NetType for ItemType {
    fn full_name(&self) -> &'static str {
        self.name
    }

    fn construct(&self, args: &[Value]) -> Option<Result<Value, ErrorRecord>> {
        Some(match args {
            [path] => Ok(FileSystemItem::value(files::resolve(&path.to_display_string()))),
            _ => Err(overload_not_found("new", args.len())),
        })
    }

    fn convert(&self, value: &Value) -> Option<Result<Value, ErrorRecord>> {
        match value {
            Value::String(s) => Some(Ok(FileSystemItem::value(files::resolve(s)))),
            Value::Object(o) if o.downcast::<FileSystemItem>().is_some_and(|f| f.is_dir() == self.directory) => {
                Some(Ok(value.clone()))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(t: &dyn NetType, name: &str, args: &[&str]) -> Value {
        let args: Vec<Value> = args.iter().map(|a| Value::from(*a)).collect();
        t.static_method(name, &args).expect("known").expect("works")
    }

    #[test]
    fn path_text_as_dotnet_splits_it() {
        assert_eq!(call(&PATH, "GetDirectoryName", &[r"C:\Logs\E00.log"]), Value::from(r"C:\Logs"));
        assert_eq!(call(&PATH, "GetDirectoryName", &["/var/log/x.log"]), Value::from("/var/log"));
        assert_eq!(call(&PATH, "GetDirectoryName", &["/x"]), Value::from("/"));
        assert_eq!(call(&PATH, "GetDirectoryName", &["/"]), Value::Null);
        assert_eq!(call(&PATH, "GetDirectoryName", &["x.log"]), Value::from(""));
        assert_eq!(call(&PATH, "GetFileName", &[r"C:\Logs\E00.log"]), Value::from("E00.log"));
        assert_eq!(call(&PATH, "GetFileNameWithoutExtension", &["a/b.tar.gz"]), Value::from("b.tar"));
        assert_eq!(call(&PATH, "GetExtension", &["a/b.tar.gz"]), Value::from(".gz"));
        assert_eq!(call(&PATH, "GetExtension", &["a.d/b"]), Value::from(""));
        assert_eq!(call(&PATH, "Combine", &[r"C:\Reports", "x.csv"]), Value::from(r"C:\Reports\x.csv"));
        assert_eq!(call(&PATH, "Combine", &["/a", "/b", "c"]), Value::from("/b/c"));
        assert_eq!(call(&PATH, "ChangeExtension", &["r.txt", "csv"]), Value::from("r.csv"));
        assert_eq!(call(&PATH, "IsPathRooted", &[r"C:\x"]), Value::Bool(true));
    }

    #[test]
    fn files_read_and_write_through_the_provider() {
        let dir = tempfile_dir();
        let file = dir.join("a.txt");
        let f = file.display().to_string();
        assert_eq!(call(&FILE, "Exists", &[&f]), Value::Bool(false));
        let e = FILE.static_method("ReadAllText", &[Value::from(f.as_str())]).expect("known").expect_err("missing");
        assert!(e.message.contains("Could not find file"), "{}", e.message);
        call(&FILE, "WriteAllText", &[&f, "one\ntwo\n"]);
        call(&FILE, "AppendAllText", &[&f, "three\n"]);
        assert_eq!(call(&FILE, "ReadAllText", &[&f]), Value::from("one\ntwo\nthree\n"));
        let Value::Array(lines) = call(&FILE, "ReadAllLines", &[&f]) else { panic!("lines") };
        assert_eq!(lines.borrow().len(), 3);
        let Value::Array(found) = call(&DIRECTORY, "GetFiles", &[&dir.display().to_string(), "*.txt"]) else {
            panic!("files")
        };
        assert_eq!(*found.borrow(), vec![Value::String(f.clone())]);
        let _ = fs::remove_dir_all(&dir);
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ccrsh-io-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("dir");
        dir
    }
}
