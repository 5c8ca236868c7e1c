//! `GET /v1/lab/files`: a node's Windows paths as a read-only view of the lab files that
//! stand for them. Each storage group copy on the node shows as the folder the estate reports
//! for it (`LogFolderPath` = `SystemFolderPath` = `C:\Program Files\Microsoft\Exchange
//! Server\Mailbox\<storage group>`), holding that copy's logs (`E00*.log`), checkpoint
//! (`E00.chk`) and database file, shown under the name of its `EdbFilePath` (`<database>.edb`).
//!
//! Safety: the caller's path is never joined onto a directory. The folders are built from the
//! estate's own validated names ([`CopyFiles::new`] makes each one plain component), and the
//! caller's text is only compared with the Windows names of what those folders hold; a path
//! that names anything else is `NotFound`. Links are not followed and nothing is written.
//!
//! Owns: the mapping from a node's Windows paths to its copies' files, and the listing.
//!
//! Must not: write, follow a link, or open a path built from the caller's text.

use std::fs;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::api::{self, ErrorBody, ErrorCode};
use crate::engine::Estate;
use crate::engine::queries::MAILBOX_ROOT;
use crate::service::beneath::{Kind, LabPath};
use crate::service::copy_files::CopyFiles;
use crate::service::error::ServiceError;

/// One mapped folder: its Windows path, the directory that holds it, the log prefix and the
/// database file's Windows name.
#[derive(Debug, Clone)]
pub struct MappedFolder {
    pub windows: String,
    pub dir: LabPath,
    pub prefix: String,
    /// Whether the folder holds the copy's logs and checkpoint (its LogFolderPath): a database
    /// moved to a folder of its own (Move-DatabasePath) shows there alone.
    pub logs: bool,
    pub database: Option<String>,
    /// The copy's server and storage group.
    pub server: String,
    pub storage_group: String,
    /// The files of the copy (eseutil reads its logs and checkpoint).
    pub copy: CopyFiles,
}

/// The folders of every copy (active or passive) of a storage group on `node`.
pub fn mapped_folders(files: &Path, estate: &Estate, node: &str) -> Vec<MappedFolder> {
    let mut out: Vec<MappedFolder> = Vec::new();
    for sg in estate.storage_groups.iter() {
        let active = estate.server_of(sg).is_some_and(|s| s.active_node.eq_ignore_ascii_case(node));
        let passive = estate
            .copies
            .iter()
            .find(|c| c.server == sg.server && c.storage_group == sg.name && c.node.eq_ignore_ascii_case(node));
        let on_node =
            if active { estate.server_of(sg).map(|s| s.active_node.clone()) } else { passive.map(|c| c.node.clone()) };
        let Some(on_node) = on_node else { continue };
        let windows = crate::engine::paths::log_folder_path(sg);
        // Two servers' storage groups of one name on one node: the first keeps the folder.
        if out.iter().any(|f| f.windows.eq_ignore_ascii_case(&windows)) {
            continue;
        }
        let copy = CopyFiles::new(files, &on_node, &sg.server, &sg.name, &sg.log_prefix);
        let edb = estate
            .databases
            .iter()
            .find(|d| d.server == sg.server && d.storage_group == sg.name)
            .map(crate::engine::paths::edb_file_path);
        let (edb_folder, edb_name) = match edb.as_deref().and_then(|p| p.rsplit_once('\\')) {
            Some((folder, name)) => (Some(folder.to_string()), Some(name.to_string())),
            None => (None, None),
        };
        let apart = edb_folder.as_ref().filter(|f| !f.eq_ignore_ascii_case(&windows)).cloned();
        let folder = |windows: String, logs: bool, database: Option<String>| MappedFolder {
            windows,
            dir: copy.dir().clone(),
            prefix: sg.log_prefix.clone(),
            logs,
            database,
            server: sg.server.clone(),
            storage_group: sg.name.clone(),
            copy: copy.clone(),
        };
        out.push(folder(windows, true, if apart.is_some() { None } else { edb_name.clone() }));
        if let Some(apart) = apart
            && !out.iter().any(|f| f.windows.eq_ignore_ascii_case(&apart))
        {
            out.push(folder(apart, false, edb_name));
        }
    }
    out
}

/// A Windows path in one spelling: `/` as `\`, no trailing `\`, no `.` parts.
pub fn canonical(path: &str) -> String {
    path.replace('/', "\\").split('\\').filter(|p| !p.is_empty() && *p != ".").collect::<Vec<_>>().join("\\")
}

fn time_of(meta: &fs::Metadata) -> DateTime<Utc> {
    meta.modified().map(DateTime::<Utc>::from).unwrap_or_default()
}

/// What a mapped folder holds, under the names Windows shows.
fn children(folder: &MappedFolder) -> Vec<api::LabFile> {
    let Ok(Some(entries)) = folder.dir.entries() else { return Vec::new() };
    let prefix = folder.prefix.to_ascii_lowercase();
    let mut out: Vec<api::LabFile> = entries
        .into_iter()
        .filter(|(_, kind)| *kind == Kind::File)
        .filter_map(|(name, _)| {
            let meta = folder.dir.join(&name).metadata().ok().filter(fs::Metadata::is_file)?;
            let lower = name.to_ascii_lowercase();
            let shown = if lower == "database.edb" {
                folder.database.clone()?
            } else if folder.logs && lower.starts_with(&prefix) && (lower.ends_with(".log") || lower.ends_with(".chk"))
            {
                name
            } else {
                return None;
            };
            Some(api::LabFile {
                full_name: format!("{}\\{shown}", folder.windows),
                name: shown,
                directory: false,
                length: meta.len(),
                last_write_time: time_of(&meta),
            })
        })
        .collect();
    out.sort_by_key(|f| f.name.to_ascii_lowercase());
    out
}

/// The item `path` names among `folders`, with its children; `None` when it names nothing mapped.
pub fn look_up(folders: &[MappedFolder], path: &str) -> Option<api::LabPath> {
    let wanted = canonical(path);
    for folder in folders {
        if wanted.eq_ignore_ascii_case(&canonical(&folder.windows)) {
            let meta = folder.dir.metadata().ok().filter(fs::Metadata::is_dir)?;
            let name = folder.windows.rsplit('\\').next().unwrap_or_default().to_string();
            let item = api::LabFile {
                full_name: folder.windows.clone(),
                name,
                directory: true,
                length: 0,
                last_write_time: time_of(&meta),
            };
            return Some(api::LabPath { item, children: children(folder), content: None });
        }
        if let Some((parent, _)) = wanted.rsplit_once('\\')
            && parent.eq_ignore_ascii_case(&canonical(&folder.windows))
            && let Some(file) = children(folder).into_iter().find(|f| f.full_name.eq_ignore_ascii_case(&wanted))
        {
            return Some(api::LabPath { item: file, children: Vec::new(), content: None });
        }
    }
    None
}

/// The bytes of the file `path` names among `folders` (its Windows name mapped back to the
/// copy's file, never opened from the caller's text); `None` when it names no mapped file.
pub fn read_file(folders: &[MappedFolder], path: &str) -> Option<std::io::Result<Vec<u8>>> {
    let wanted = canonical(path);
    let (parent, _) = wanted.rsplit_once('\\')?;
    let folder = folders.iter().find(|f| parent.eq_ignore_ascii_case(&canonical(&f.windows)))?;
    let entries = folder.dir.entries().ok().flatten()?;
    let prefix = folder.prefix.to_ascii_lowercase();
    let (name, _) = entries.into_iter().filter(|(_, kind)| *kind == Kind::File).find(|(name, _)| {
        let lower = name.to_ascii_lowercase();
        let shown = if lower == "database.edb" {
            folder.database.clone().unwrap_or_default()
        } else if folder.logs && lower.starts_with(&prefix) && (lower.ends_with(".log") || lower.ends_with(".chk")) {
            name.clone()
        } else {
            return false;
        };
        format!("{}\\{shown}", folder.windows).eq_ignore_ascii_case(&wanted)
    })?;
    let file = folder.dir.join(&name);
    Some(match file.metadata() {
        Ok(meta) if meta.len() > api::LAB_FILE_CONTENT_LIMIT => Err(std::io::Error::other(format!(
            "{} is {} bytes; the lab returns at most {} bytes of a node file",
            path,
            meta.len(),
            api::LAB_FILE_CONTENT_LIMIT
        ))),
        Ok(_) => file.read(),
        Err(e) => Err(e),
    })
}

/// `Cannot find path …`: the answer for anything outside the mapped folders.
pub fn not_found(node: &str, path: &str) -> ServiceError {
    ServiceError(ErrorBody {
        code: ErrorCode::ManagementObjectNotFound,
        message: format!("Cannot find path '{path}' on {node} because it does not exist."),
        hint: Some(format!(
            "The lab maps each storage group copy's folder on a node (LogFolderPath of Get-StorageGroup, by \
             default {MAILBOX_ROOT}\\<storage group>) and its database file (EdbFilePath of Get-MailboxDatabase)."
        )),
        target: Some(path.to_string()),
        report: None,
        candidates: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_mapped_folder_and_its_files_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("copy");
        fs::create_dir(&copy).unwrap();
        fs::write(copy.join("E00.log"), b"12345").unwrap();
        fs::write(copy.join("database.edb"), b"12").unwrap();
        fs::write(copy.join("E00.log.tmp"), b"x").unwrap();
        fs::write(dir.path().join("secret"), b"x").unwrap();
        let windows = format!("{MAILBOX_ROOT}\\First Storage Group");
        let folders = vec![MappedFolder {
            windows: windows.clone(),
            dir: LabPath::new(dir.path(), "copy"),
            prefix: "E00".into(),
            logs: true,
            database: Some("Mailbox Database.edb".into()),
            server: "CCREX01".into(),
            storage_group: "First Storage Group".into(),
            copy: CopyFiles::new(dir.path(), "NODE", "CCREX01", "First Storage Group", "E00"),
        }];
        let listed = look_up(&folders, &format!("{}\\", windows.to_ascii_lowercase())).unwrap();
        assert!(listed.item.directory);
        let names: Vec<(&str, u64)> = listed.children.iter().map(|f| (f.name.as_str(), f.length)).collect();
        assert_eq!(names, [("E00.log", 5), ("Mailbox Database.edb", 2)]);
        let file = look_up(&folders, &format!("{windows}\\e00.LOG")).unwrap();
        assert_eq!((file.item.name.as_str(), file.item.length), ("E00.log", 5));
        for outside in [
            format!("{windows}\\..\\..\\secret"),
            format!("{windows}\\E00.log.tmp"),
            format!("{windows}\\database.edb"),
            MAILBOX_ROOT.to_string(),
            "C:\\".into(),
            "/etc/passwd".into(),
        ] {
            assert!(look_up(&folders, &outside).is_none(), "{outside}");
        }
    }
}
