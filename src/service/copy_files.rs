//! A storage group copy's files on one node: the closed logs, the open log (active copy only),
//! the checkpoint and the database file.
//!
//! Layout under `<lab>/<files dir>/<NODE>/<SERVER>/<STORAGE GROUP>/` (the files dir is
//! `nodes` until a reset or an import switches to a new one):
//!
//! ```text
//! E00.log                 the open log (records appended, no end marker yet)
//! E00.log.next            the next open log, prepared ahead: its header only (see below)
//! E0000000001.log …       closed logs that passed inspection (prefix + generation in hex)
//! E00.chk                 checkpoint: replayed generation, valid database length, lineage
//! database.edb            the records replayed so far
//! ```
//!
//! Owns: every file operation on a copy, each crash-safe. New files are written under a
//! temporary name, synced and renamed; the checkpoint says how far the database file is
//! valid, so a replay cut short by `kill -9` is redone from there, never doubled.
//!
//! A log rollover happens under the writer lock, with every delivery waiting on it, so it does
//! as little as the crash rules allow: the full log gets its end marker and is synced *before*
//! it is renamed to its generation (a closed log is never torn), the prepared next log is
//! renamed to the open log's name, and one directory sync makes both names durable; the next
//! log's header was written and synced ahead by [`CopyFiles::prepare_next_log`] (the
//! replication pass does it, off every delivery's path). Without a prepared log of the right
//! generation and lineage, the rollover writes the header itself, as before.
//!
//! Must not: decide whether an operation is allowed (the engine does) or touch SQLite.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::beneath::LabPath;

use crate::engine::log_format::{self, Generation, LogDefect, LogHeader, LogSummary, Record};

/// How far a copy's database has been replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    pub replayed: Generation,
    /// Bytes of the database file that hold replayed records; anything after is a torn replay.
    pub database_len: u64,
    /// The lineage of the logs replayed (0 before the first).
    pub lineage: u64,
}

/// One message to append to the open log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewMessage {
    pub id: u64,
    pub accepted_ms: i64,
    pub size: usize,
}

/// The generations a copy holds, read from its directory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OnDisk {
    /// Highest generation that passed inspection.
    pub inspected: Generation,
    pub replayed: Generation,
    /// Generation of the open log, when there is one with at least one record.
    pub open: Option<Generation>,
    /// Records in the open log.
    pub open_records: u64,
    pub lineage: u64,
}

/// `name` as one plain path component: unchanged when it already is one, else with every
/// `%`, `/`, `\`, NUL and control character as `%XX` (and `.`/`..`/empty as `%2E…`).
/// The directory that holds every copy of node `node` under the files directory `files`.
pub fn node_dir(files: &Path, node: &str) -> PathBuf {
    files.join(&*component(node))
}

fn component(name: &str) -> std::borrow::Cow<'_, str> {
    let plain = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.chars().any(|c| matches!(c, '/' | '\\' | '%') || c.is_control());
    if plain {
        return std::borrow::Cow::Borrowed(name);
    }
    let mut out = String::from("%");
    for c in name.chars() {
        if matches!(c, '/' | '\\' | '%' | '.') || c.is_control() {
            let mut buffer = [0u8; 4];
            for b in c.encode_utf8(&mut buffer).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The open log as an append left it: its generation, sound length and record count. A writer
/// that keeps it can append again without reading the log (it is checked against the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenLogState {
    pub generation: Generation,
    pub len: u64,
    pub records: u32,
}

/// A next open log to prepare ahead ([`CopyFiles::prepare_next_log`]): the copy, and the
/// generation and lineage it will hold.
#[derive(Debug, Clone)]
pub struct NextLog {
    pub files: CopyFiles,
    pub generation: Generation,
    pub lineage: u64,
}

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The generations it closed (each synced when it closed).
    pub closed: Vec<Generation>,
    /// The open log after it: records written there are not synced yet.
    pub open: OpenLogState,
}

/// The files of one copy.
#[derive(Debug, Clone)]
pub struct CopyFiles {
    root: LabPath,
    prefix: String,
}

impl CopyFiles {
    /// The copy of `server\storage_group` on `node`, under the estate's files directory.
    ///
    /// The names were checked when they entered the estate (`engine::validate`); even so each
    /// becomes exactly one plain component here (a `/`, `\`, NUL, control character or a
    /// `.`/`..` name is escaped), so the path stays under `files` whatever the estate holds.
    pub fn new(files: &Path, node: &str, server: &str, storage_group: &str, prefix: &str) -> CopyFiles {
        let relative = Path::new(&*component(node)).join(&*component(server)).join(&*component(storage_group));
        let root = LabPath::new(files, relative);
        CopyFiles { root, prefix: component(prefix).into_owned() }
    }

    /// The copy's directory (to show, or to list its files).
    pub fn root(&self) -> PathBuf {
        self.root.full()
    }

    /// The copy's directory, resolved without links.
    pub fn dir(&self) -> &LabPath {
        &self.root
    }

    /// Closed log `generation`, whole.
    pub fn read_log(&self, generation: Generation) -> io::Result<Vec<u8>> {
        read_file(&self.log_path(generation))
    }

    /// The file name of closed log `generation`: `E0000000050.log`.
    pub fn log_name(&self, generation: Generation) -> String {
        format!("{}{:08X}.log", self.prefix, generation)
    }

    fn log_path(&self, generation: Generation) -> LabPath {
        self.root.join(self.log_name(generation))
    }

    /// The open log's path (the file a delivery appends to).
    pub fn open_log_path(&self) -> LabPath {
        self.root.join(format!("{}.log", self.prefix))
    }

    /// The prepared next log's path (not a log name: node views do not list it).
    fn next_log_path(&self) -> LabPath {
        self.root.join(format!("{}.log.next", self.prefix))
    }

    fn checkpoint_path(&self) -> LabPath {
        self.root.join(format!("{}.chk", self.prefix))
    }

    fn database_path(&self) -> LabPath {
        self.root.join("database.edb")
    }

    /// Creates an empty copy (directories, an empty database, a zero checkpoint) if there is
    /// none, and repairs what a crash may have left: temporary files, a torn open-log tail, a
    /// database written past its checkpoint.
    pub fn open_or_create(&self) -> io::Result<()> {
        self.root.create_dir_all()?;
        for (name, _) in self.root.entries()?.unwrap_or_default() {
            if Path::new(&name).extension().is_some_and(|e| e == "tmp") {
                self.root.join(&name).remove_file()?;
            }
        }
        if !self.database_path().exists()? {
            write_atomically(&self.database_path(), &log_format::database_header())?;
        }
        if !self.checkpoint_path().exists()? {
            let empty = Checkpoint { replayed: 0, database_len: log_format::DATABASE_HEADER_LEN as u64, lineage: 0 };
            self.write_checkpoint(&empty)?;
        }
        let checkpoint = self.checkpoint()?;
        let database = self.database_path().open_write()?;
        let length = database.metadata()?.len();
        if length > checkpoint.database_len {
            database.set_len(checkpoint.database_len)?;
            database.sync_all()?;
        } else if length < checkpoint.database_len {
            // The checkpoint got to disk before the records it vouches for (a power loss in
            // the middle of a replication batch): the database cannot be trusted. Start the
            // copy empty; it fails on the first log its source no longer holds, and says to
            // reseed.
            drop(database);
            for generation in self.closed_generations()? {
                self.log_path(generation).remove_file()?;
            }
            write_atomically(&self.database_path(), &log_format::database_header())?;
            let empty = Checkpoint { replayed: 0, database_len: log_format::DATABASE_HEADER_LEN as u64, lineage: 0 };
            self.write_checkpoint(&empty)?;
        }
        self.repair_open_log()
    }

    /// Cuts a torn record off the open log's tail, and removes an open log whose header never
    /// reached the disk whole.
    fn repair_open_log(&self) -> io::Result<()> {
        let path = self.open_log_path();
        let bytes = match path.read() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if log_format::decode_header(&bytes).is_none() {
            return path.remove_file();
        }
        let (_, covered) = log_format::sound_prefix(&bytes[log_format::HEADER_LEN..]);
        let sound = (log_format::HEADER_LEN + covered) as u64;
        if sound < bytes.len() as u64 {
            let file = path.open_write()?;
            file.set_len(sound)?;
            file.sync_all()?;
        }
        Ok(())
    }

    pub fn checkpoint(&self) -> io::Result<Checkpoint> {
        let path = self.checkpoint_path();
        let text = path.read_to_string().map_err(|e| with_path(e, &path))?;
        parse_checkpoint(&text)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("{} is damaged", path.full().display())))
    }

    fn write_checkpoint(&self, checkpoint: &Checkpoint) -> io::Result<()> {
        write_atomically(&self.checkpoint_path(), checkpoint_text(checkpoint).as_bytes())
    }

    /// Generations of the closed logs in the copy's directory, ascending.
    pub fn closed_generations(&self) -> io::Result<Vec<Generation>> {
        let mut found = Vec::new();
        let entries = match self.root.entries() {
            Ok(entries) => entries.unwrap_or_default(),
            Err(e) if super::beneath::is_link_refused(&e) => return Err(e),
            Err(_) => return Ok(found),
        };
        for (name, _) in &entries {
            let Some(hex) = name.strip_prefix(self.prefix.as_str()).and_then(|rest| rest.strip_suffix(".log")) else {
                continue;
            };
            if hex.len() == 8
                && let Ok(generation) = Generation::from_str_radix(hex, 16)
            {
                found.push(generation);
            }
        }
        found.sort_unstable();
        Ok(found)
    }

    /// What the directory holds, for rebuilding the estate's counters after a restart.
    pub fn on_disk(&self) -> io::Result<OnDisk> {
        let checkpoint = self.checkpoint()?;
        let inspected = self.closed_generations()?.last().copied().unwrap_or(0).max(checkpoint.replayed);
        let open_log = self.open_log()?;
        let open = open_log.filter(|(_, records, _)| *records > 0).map(|(header, _, _)| header.generation);
        let open_records = open_log.map_or(0, |(_, records, _)| records as u64);
        let lineage = match open_log {
            Some((header, _, _)) => header.lineage,
            None => self.newest_lineage()?.unwrap_or(checkpoint.lineage),
        };
        Ok(OnDisk { inspected, replayed: checkpoint.replayed, open, open_records, lineage })
    }

    fn newest_lineage(&self) -> io::Result<Option<u64>> {
        let Some(&newest) = self.closed_generations()?.last() else { return Ok(None) };
        Ok(log_format::decode_header(&self.log_path(newest).read_prefix(log_format::HEADER_LEN)?).map(|h| h.lineage))
    }

    /// The open log's header, record count and sound length, if there is an open log.
    fn open_log(&self) -> io::Result<Option<(LogHeader, usize, usize)>> {
        let bytes = match self.open_log_path().read() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(header) = log_format::decode_header(&bytes) else { return Ok(None) };
        let (records, covered) = log_format::sound_prefix(&bytes[log_format::HEADER_LEN..]);
        Ok(Some((header, records.len(), log_format::HEADER_LEN + covered)))
    }

    /// Appends messages to the open log, closing it and opening the next each time it would
    /// pass `log_size` bytes. `next` is the generation of the open log (the newest closed plus
    /// one). Everything written is synced before this returns. Returns the generations closed.
    pub fn append(
        &self,
        next: Generation,
        lineage: u64,
        log_size: u64,
        messages: &[NewMessage],
        now_ms: i64,
    ) -> io::Result<Vec<Generation>> {
        let appended = self.append_unsynced(next, lineage, log_size, messages, now_ms, None)?;
        self.sync_open_log()?;
        Ok(appended.closed)
    }

    /// Syncs the open log's data (what [`CopyFiles::append_unsynced`] wrote there).
    pub fn sync_open_log(&self) -> io::Result<()> {
        match self.open_log_path().open_read() {
            Ok(file) => file.sync_data(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// As [`CopyFiles::append`], but the records left in the open log are not synced: the
    /// caller syncs it (once for every append of a group commit) before acknowledging them.
    /// `known` is the open log as the previous append left it, if the caller kept it.
    pub fn append_unsynced(
        &self,
        next: Generation,
        lineage: u64,
        log_size: u64,
        messages: &[NewMessage],
        now_ms: i64,
        known: Option<OpenLogState>,
    ) -> io::Result<Appended> {
        let mut closed = Vec::new();
        let mut generation = next;
        let (mut file, mut len, mut records) = match known.and_then(|k| self.reopen(k, generation).transpose()) {
            Some(opened) => opened?,
            None => self.open_for_append(generation, lineage, now_ms)?,
        };
        let mut buffer = Vec::with_capacity(64 * 1024);
        let mut payload = Vec::new();
        for message in messages {
            let size = log_format::record_len(message.size) as u64;
            let full = len + buffer.len() as u64 + size + log_format::FOOTER_LEN as u64 > log_size;
            if full && records > 0 {
                file.write_all(&buffer)?;
                buffer.clear();
                (file, len, records) = self.roll_over(&mut file, generation, records, lineage, now_ms)?;
                closed.push(generation);
                generation += 1;
            }
            payload.clear();
            payload.resize(message.size, (message.id % 251) as u8);
            log_format::encode_record(
                &mut buffer,
                &Record { id: message.id, accepted_ms: message.accepted_ms, payload: &payload },
            );
            records += 1;
        }
        file.write_all(&buffer)?;
        let len = len + buffer.len() as u64;
        Ok(Appended { closed, open: OpenLogState { generation, len, records } })
    }

    /// Opens the open log for appending at its known state without reading it, if the file
    /// still matches it (same length, same generation in its header).
    fn reopen(&self, known: OpenLogState, generation: Generation) -> io::Result<Option<(File, u64, u32)>> {
        if known.generation != generation {
            return Ok(None);
        }
        let mut file = match self.open_log_path().open_read_write() {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        if file.metadata()?.len() != known.len {
            return Ok(None);
        }
        let mut header = [0u8; log_format::HEADER_LEN];
        if file.read_exact(&mut header).is_err()
            || log_format::decode_header(&header).is_none_or(|h| h.generation != generation)
        {
            return Ok(None);
        }
        file.seek(SeekFrom::End(0))?;
        Ok(Some((file, known.len, known.records)))
    }

    /// Opens (creating if needed) the open log for `generation`: the file, its sound length and
    /// its record count.
    fn open_for_append(&self, generation: Generation, lineage: u64, now_ms: i64) -> io::Result<(File, u64, u32)> {
        let path = self.open_log_path();
        if let Some((header, records, len)) = self.open_log()? {
            if header.generation == generation {
                let mut file = path.open_write()?;
                file.set_len(len as u64)?;
                file.seek(SeekFrom::End(0))?;
                return Ok((file, len as u64, u32::try_from(records).unwrap_or(u32::MAX)));
            }
            if records > 0 {
                return Err(io::Error::other(format!(
                    "{} holds generation {} but generation {generation} is next",
                    path.full().display(),
                    header.generation
                )));
            }
        }
        let header = log_format::encode_header(&LogHeader { generation, lineage, opened_ms: now_ms });
        write_atomically(&path, &header)?;
        let mut file = path.open_write()?;
        file.seek(SeekFrom::End(0))?;
        Ok((file, header.len() as u64, 0))
    }

    /// Closes the full open log `generation` (see [`CopyFiles::close`]) and opens the next one
    /// from the prepared log when it is the right one (generation and lineage, header only),
    /// else by writing its header. Both renames are made durable by one directory sync before
    /// anything is written to the new open log.
    fn roll_over(
        &self,
        file: &mut File,
        generation: Generation,
        records: u32,
        lineage: u64,
        now_ms: i64,
    ) -> io::Result<(File, u64, u32)> {
        file.write_all(&log_format::encode_footer(now_ms, records))?;
        file.sync_all()?;
        let open = self.open_log_path();
        open.rename(&self.log_path(generation))?;
        let next = generation + 1;
        let prepared = match self.next_log_path().rename(&open) {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(e),
        };
        self.root.sync_dir()?;
        if prepared {
            // Opened by its new name: whatever the pass prepares next is another file.
            let mut file = open.open_read_write()?;
            let mut header = [0u8; log_format::HEADER_LEN];
            let fits = file.metadata()?.len() == log_format::HEADER_LEN as u64
                && file.read_exact(&mut header).is_ok()
                && log_format::decode_header(&header).is_some_and(|h| h.generation == next && h.lineage == lineage);
            if fits {
                // Its opening time is now. One sector, rewritten whole; synced with the records
                // the group commit syncs (until then the prepared time stands, harmlessly).
                let header = log_format::encode_header(&LogHeader { generation: next, lineage, opened_ms: now_ms });
                std::os::unix::fs::FileExt::write_all_at(&file, &header, 0)?;
                file.seek(SeekFrom::End(0))?;
                return Ok((file, log_format::HEADER_LEN as u64, 0));
            }
            // Prepared for another generation or lineage: nothing was ever written to it.
            drop(file);
            open.remove_file()?;
        }
        self.open_for_append(next, lineage, now_ms)
    }

    /// Writes the next open log ahead — generation `generation` of `lineage`, its header only —
    /// unless the one prepared already is that. Returns whether it wrote one.
    pub fn prepare_next_log(&self, generation: Generation, lineage: u64, now_ms: i64) -> io::Result<bool> {
        let path = self.next_log_path();
        match path.read_prefix(log_format::HEADER_LEN + 1) {
            Ok(bytes)
                if bytes.len() == log_format::HEADER_LEN
                    && log_format::decode_header(&bytes)
                        .is_some_and(|h| h.generation == generation && h.lineage == lineage) =>
            {
                return Ok(false);
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        write_atomically(&path, &log_format::encode_header(&LogHeader { generation, lineage, opened_ms: now_ms }))?;
        Ok(true)
    }

    /// Ends the open log: writes its end marker, syncs it and renames it to its generation.
    fn close(&self, file: &mut File, generation: Generation, records: u32, now_ms: i64) -> io::Result<()> {
        file.write_all(&log_format::encode_footer(now_ms, records))?;
        file.sync_all()?;
        self.open_log_path().rename(&self.log_path(generation))?;
        self.root.sync_dir()
    }

    /// Closes the open log if it holds any record (a dismount, a stop, or a move's flush).
    /// Returns the generation closed.
    pub fn close_open_log(&self, now_ms: i64) -> io::Result<Option<Generation>> {
        let Some((header, records, len)) = self.open_log()? else { return Ok(None) };
        if records == 0 {
            return Ok(None);
        }
        let mut file = self.open_log_path().open_write()?;
        file.set_len(len as u64)?;
        file.seek(SeekFrom::End(0))?;
        self.close(&mut file, header.generation, u32::try_from(records).unwrap_or(u32::MAX), now_ms)?;
        Ok(Some(header.generation))
    }

    /// The close time of closed log `generation`, from its end marker.
    pub fn closed_at_ms(&self, generation: Generation) -> io::Result<Option<i64>> {
        let bytes = read_file(&self.log_path(generation))?;
        Ok(log_format::inspect(&bytes, generation, None).ok().map(|s| s.closed_ms))
    }

    /// Replays closed log `generation` (the one after the checkpoint) into the database,
    /// durably. The log is inspected again first: a log damaged on this disk is never replayed.
    pub fn replay(&self, generation: Generation) -> io::Result<Result<Checkpoint, LogDefect>> {
        let mut replay = self.start_replay()?;
        if generation != replay.next() {
            return Err(io::Error::other(format!(
                "replay of generation {generation} asked for, but the checkpoint is at {}",
                replay.checkpoint.replayed
            )));
        }
        let bytes = read_file(&self.log_path(generation))?;
        if let Err(defect) = replay.add(generation, &bytes)? {
            return Ok(Err(defect));
        }
        let checkpoint = replay.finish()?;
        self.sync()?;
        Ok(Ok(checkpoint))
    }

    /// Starts replaying logs into the database, from the log after the checkpoint.
    pub fn start_replay(&self) -> io::Result<Replay<'_>> {
        let checkpoint = self.checkpoint()?;
        let mut database = self.database_path().open_write()?;
        database.set_len(checkpoint.database_len)?;
        database.seek(SeekFrom::End(0))?;
        Ok(Replay { files: self, checkpoint, database, started: checkpoint.replayed })
    }

    /// Receives closed log `generation` from `source` into `buffer`: reads it, inspects it in
    /// memory (the header, generation, lineage, every record's checksum and the end marker)
    /// and, when sound, writes exactly those bytes into this copy's log directory. The bytes
    /// stay in `buffer` for replay; reusing one buffer spares an allocation per log. Nothing
    /// is synced here; [`sync`](Self::sync) makes a batch durable.
    pub fn receive(
        &self,
        source: &CopyFiles,
        generation: Generation,
        lineage: Option<u64>,
        buffer: &mut Vec<u8>,
    ) -> io::Result<Result<LogSummary, LogDefect>> {
        buffer.clear();
        let path = source.log_path(generation);
        path.open_read().and_then(|mut f| f.read_to_end(buffer)).map_err(|e| with_path(e, &path))?;
        let summary = match log_format::inspect(buffer, generation, lineage) {
            Ok(summary) => summary,
            Err(defect) => return Ok(Err(defect)),
        };
        let target = self.log_path(generation);
        let temporary = target.temporary();
        temporary.write(&buffer[..])?;
        temporary.rename(&target)?;
        Ok(Ok(summary))
    }

    /// Makes everything received and replayed so far durable: the database, the checkpoint,
    /// the logs not yet replayed, and the directory entries.
    pub fn sync(&self) -> io::Result<()> {
        self.database_path().open_read()?.sync_data()?;
        self.checkpoint_path().open_read()?.sync_all()?;
        let replayed = self.checkpoint()?.replayed;
        for generation in self.closed_generations()?.into_iter().filter(|g| *g > replayed) {
            self.log_path(generation).open_read()?.sync_data()?;
        }
        self.root.sync_dir()
    }

    /// Whether the copy holds anything: a log (closed, shipped or open) or a database with
    /// records.
    pub fn has_files(&self) -> io::Result<bool> {
        let disk = self.on_disk()?;
        let database = self.database_path().len().ok().flatten().unwrap_or(0);
        Ok(disk.inspected > 0 || disk.open.is_some() || database > log_format::DATABASE_HEADER_LEN as u64)
    }

    /// Whether the copy holds nothing but a checkpoint of an earlier copy: no log and no
    /// replayed record, yet a checkpoint that vouches for some (Exchange calls it obsolete).
    pub fn obsolete_checkpoint(&self) -> io::Result<bool> {
        Ok(!self.has_files()? && self.checkpoint().is_ok_and(|c| c.replayed > 0 || c.lineage != 0))
    }

    /// Removes the copy's files and starts it empty (`-DeleteExistingFiles`).
    pub fn remove_all(&self) -> io::Result<()> {
        match self.root.remove_dir_all() {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        self.open_or_create()
    }

    /// Seeds this copy from `source`: its database (as far as its checkpoint vouches for) and
    /// its checkpoint. Logs after the checkpoint then ship as usual. Returns the bytes copied
    /// and the generation the copy now holds through.
    pub fn seed_from(&self, source: &CopyFiles, progress: &mut dyn FnMut(u64, u64)) -> io::Result<(u64, Generation)> {
        let checkpoint = source.checkpoint()?;
        let database = read_file(&source.database_path())?;
        let valid = usize::try_from(checkpoint.database_len).unwrap_or(usize::MAX).min(database.len());
        self.open_or_create()?;
        let target = self.database_path();
        let temporary = target.temporary();
        let mut file = temporary.create()?;
        let total = valid as u64;
        for (index, chunk) in database[..valid].chunks(SEED_CHUNK).enumerate() {
            file.write_all(chunk)?;
            progress(((index * SEED_CHUNK + chunk.len()) as u64).min(total), total);
        }
        file.sync_all()?;
        temporary.rename(&target)?;
        self.root.sync_dir()?;
        self.write_checkpoint(&Checkpoint { database_len: total, ..checkpoint })?;
        Ok((total, checkpoint.replayed))
    }

    /// Writes the files of a copy of a storage group that has run, as replication leaves
    /// them: a database holding generations up to `replayed` of `lineage`, the closed logs
    /// `logs` (each holding no message: the storage group's own transactions, its database
    /// created and mounted), opened and closed at `at_ms`, and — for the active copy — the
    /// next log, open and empty. Anything the copy held is replaced. Nothing is synced: the
    /// caller builds a whole lab and syncs it once (see `replication::write_first_logs`).
    pub fn write_history(
        &self,
        replayed: Generation,
        logs: std::ops::RangeInclusive<Generation>,
        lineage: u64,
        at_ms: i64,
        active: bool,
    ) -> io::Result<()> {
        self.root.create_dir_all()?;
        let write = |path: &LabPath, bytes: &[u8]| path.write(bytes);
        write(&self.database_path(), &log_format::database_header())?;
        let database_len = log_format::DATABASE_HEADER_LEN as u64;
        let checkpoint = Checkpoint { replayed, database_len, lineage };
        write(&self.checkpoint_path(), checkpoint_text(&checkpoint).as_bytes())?;
        let next = logs.end() + 1;
        for generation in logs {
            let mut bytes = log_format::encode_header(&LogHeader { generation, lineage, opened_ms: at_ms }).to_vec();
            bytes.extend_from_slice(&log_format::encode_footer(at_ms, 0));
            write(&self.log_path(generation), &bytes)?;
        }
        if active {
            write(
                &self.open_log_path(),
                &log_format::encode_header(&LogHeader { generation: next, lineage, opened_ms: at_ms }),
            )?;
        }
        Ok(())
    }

    /// Deletes every log after `generation` — closed or open — so the copy continues from
    /// there (a diverged tail). Replayed logs are
    /// never deleted here: the caller checks the checkpoint first.
    pub fn discard_after(&self, generation: Generation) -> io::Result<()> {
        for later in self.closed_generations()?.into_iter().filter(|g| *g > generation) {
            self.log_path(later).remove_file()?;
        }
        match self.open_log_path().remove_file() {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        self.root.sync_dir()
    }

    /// Deletes closed logs up to and including `generation` that are already replayed.
    pub fn truncate_through(&self, generation: Generation) -> io::Result<usize> {
        self.truncate_closed_before(generation, i64::MAX)
    }

    /// Deletes closed, replayed logs up to and including `generation` that closed at or
    /// before `cutoff_ms` (an SCR copy's lag), oldest first, stopping at the first younger one.
    pub fn truncate_closed_before(&self, generation: Generation, cutoff_ms: i64) -> io::Result<usize> {
        let limit = generation.min(self.checkpoint()?.replayed);
        let mut removed = 0;
        for old in self.closed_generations()?.into_iter().take_while(|g| *g <= limit) {
            if cutoff_ms != i64::MAX && self.closed_at_ms(old)?.is_none_or(|closed| closed > cutoff_ms) {
                break;
            }
            self.log_path(old).remove_file()?;
            removed += 1;
        }
        Ok(removed)
    }

    /// The ids of every message this copy holds: replayed into the database, or in a log not
    /// yet replayed (closed, or the open log). Mounting the copy would bring all of them.
    pub fn message_ids(&self) -> io::Result<Vec<u64>> {
        let mut ids = Vec::new();
        self.for_each_message_id(&mut |id| ids.push(id))?;
        Ok(ids)
    }

    /// Calls `f` with the id of every message the copy holds — in its database and in the logs
    /// not replayed yet — reading the database a block at a time, so memory stays flat however
    /// large it is.
    pub fn for_each_message_id(&self, f: &mut dyn FnMut(u64)) -> io::Result<()> {
        let checkpoint = self.checkpoint()?;
        let mut database = self.database_path().open_read()?;
        let mut remaining = checkpoint.database_len.saturating_sub(log_format::DATABASE_HEADER_LEN as u64);
        database.seek(SeekFrom::Start(log_format::DATABASE_HEADER_LEN as u64))?;
        let mut block: Vec<u8> = Vec::with_capacity(SCAN_BLOCK);
        let mut chunk = vec![0u8; SCAN_BLOCK];
        while remaining > 0 {
            let want = usize::try_from(remaining).unwrap_or(usize::MAX).min(SCAN_BLOCK);
            let read = database.read(&mut chunk[..want])?;
            if read == 0 {
                break;
            }
            remaining -= read as u64;
            block.extend_from_slice(&chunk[..read]);
            let mut offset = 0;
            while let Some((record, len)) = block.get(offset..).and_then(log_format::decode_record) {
                f(record.id);
                offset += len;
            }
            block.drain(..offset);
            if block.len() > SCAN_BLOCK * 12 {
                // Longer than the largest record (10 MB) and still no whole record: the rest is
                // damaged, and a scan stops there as a replay would.
                break;
            }
        }
        for id in self.ids_in_logs_after(checkpoint.replayed)? {
            f(id);
        }
        Ok(())
    }

    /// The ids of the messages in the closed logs after `generation` and in the open log.
    pub fn ids_in_logs_after(&self, generation: Generation) -> io::Result<Vec<u64>> {
        let mut ids = Vec::new();
        for later in self.closed_generations()?.into_iter().filter(|g| *g > generation) {
            let bytes = read_file(&self.log_path(later))?;
            ids.extend(log_format::closed_log_records(&bytes).iter().map(|r| r.id));
        }
        if let Ok(bytes) = self.open_log_path().read()
            && log_format::decode_header(&bytes).is_some()
        {
            ids.extend(log_format::sound_prefix(&bytes[log_format::HEADER_LEN..]).0.iter().map(|r| r.id));
        }
        Ok(ids)
    }

    /// Flips one byte in the middle of the newest closed log, as a failing disk would.
    /// Returns the generation damaged.
    pub fn corrupt_newest_log(&self) -> io::Result<Option<Generation>> {
        let Some(generation) = self.closed_generations()?.last().copied() else { return Ok(None) };
        let path = self.log_path(generation);
        let mut bytes = path.read()?;
        let at = bytes.len() / 2;
        bytes[at] ^= 0xFF;
        write_atomically(&path, &bytes)?;
        Ok(Some(generation))
    }
}

/// How much of a database a scan reads at a time.
const SCAN_BLOCK: usize = 1 << 20;

/// How much of the database a seed copies between progress reports.
const SEED_CHUNK: usize = 1 << 20;

/// Logs being replayed into a copy's database: each log's records are written as it is added
/// (the database is truncated back to the checkpoint first, so a replay cut short is redone,
/// never doubled), and the checkpoint moves once, at [`finish`](Replay::finish).
pub struct Replay<'a> {
    files: &'a CopyFiles,
    checkpoint: Checkpoint,
    database: File,
    started: Generation,
}

impl Replay<'_> {
    /// The generation the next [`add`](Replay::add) must bring.
    pub fn next(&self) -> Generation {
        self.checkpoint.replayed + 1
    }

    /// Replays closed log `generation`, whose bytes are `bytes`, after checking them whole.
    pub fn add(&mut self, generation: Generation, bytes: &[u8]) -> io::Result<Result<(), LogDefect>> {
        let summary = match log_format::inspect(bytes, generation, None) {
            Ok(summary) => summary,
            Err(defect) => return Ok(Err(defect)),
        };
        if generation != self.next() {
            return Err(io::Error::other(format!(
                "replay out of order: {generation} after {}",
                self.checkpoint.replayed
            )));
        }
        // A sound log's body is its records, encoded exactly as the database keeps them.
        let body = &bytes[log_format::HEADER_LEN..bytes.len() - log_format::FOOTER_LEN];
        self.database.write_all(body)?;
        self.checkpoint.replayed = generation;
        self.checkpoint.database_len += body.len() as u64;
        self.checkpoint.lineage = summary.header.lineage;
        Ok(Ok(()))
    }

    /// Moves the checkpoint past what was added (not synced: see `CopyFiles::sync`).
    pub fn finish(self) -> io::Result<Checkpoint> {
        if self.checkpoint.replayed > self.started {
            let text = format!(
                "{} {} {:016x}\n",
                self.checkpoint.replayed, self.checkpoint.database_len, self.checkpoint.lineage
            );
            let path = self.files.checkpoint_path();
            let temporary = path.temporary();
            temporary.write(text.as_bytes())?;
            temporary.rename(&path)?;
        }
        Ok(self.checkpoint)
    }
}

fn checkpoint_text(checkpoint: &Checkpoint) -> String {
    format!("{} {} {:016x}\n", checkpoint.replayed, checkpoint.database_len, checkpoint.lineage)
}

fn parse_checkpoint(text: &str) -> Option<Checkpoint> {
    let mut parts = text.split_whitespace();
    let replayed = parts.next()?.parse().ok()?;
    let database_len = parts.next()?.parse().ok()?;
    let lineage = u64::from_str_radix(parts.next()?, 16).ok()?;
    Some(Checkpoint { replayed, database_len, lineage })
}

/// Writes `bytes` to `path` so that a crash leaves either the old file or the new one whole.
fn write_atomically(path: &LabPath, bytes: &[u8]) -> io::Result<()> {
    let temporary = path.temporary();
    let mut file = temporary.create()?;
    file.write_all(bytes)?;
    file.sync_all()?;
    temporary.rename(path)?;
    path.parent().sync_dir()
}

/// Reads a whole file; an error names the file.
fn read_file(path: &LabPath) -> io::Result<Vec<u8>> {
    path.read().map_err(|e| with_path(e, path))
}

/// `e`, naming `path` (a refused link names itself already).
fn with_path(e: io::Error, path: &LabPath) -> io::Error {
    if super::beneath::is_link_refused(&e) {
        return e;
    }
    io::Error::new(e.kind(), format!("{}: {e}", path.full().display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn a_name_never_leaves_the_files_directory() {
        let files = Path::new("/lab/nodes");
        for (node, server, sg, prefix) in
            [("../..", "..", "../../x", "../E"), ("/etc", "a/b", "c\\d", "E\0"), ("", ".", "x\ny", "E00")]
        {
            let copy = CopyFiles::new(files, node, server, sg, prefix);
            let root = copy.root();
            let relative = root.strip_prefix(files).expect("under the files directory");
            assert_eq!(relative.components().count(), 3, "{relative:?}");
            assert!(relative.components().all(|c| matches!(c, std::path::Component::Normal(_))), "{relative:?}");
            assert!(
                !copy.log_path(1).full().strip_prefix(copy.root()).expect("inside").to_string_lossy().contains('/')
            );
        }
        let plain = CopyFiles::new(files, "NH-W2K3-SRV03", "CCREX01", "First Storage Group", "E00");
        assert_eq!(plain.root(), Path::new("/lab/nodes/NH-W2K3-SRV03/CCREX01/First Storage Group"));
    }

    fn copy(dir: &Path, node: &str) -> CopyFiles {
        let files = CopyFiles::new(&dir.join("nodes"), node, "CCREX01", "First Storage Group", "E00");
        files.open_or_create().expect("created");
        files
    }

    fn messages(first: u64, count: u64, size: usize) -> Vec<NewMessage> {
        (first..first + count).map(|id| NewMessage { id, accepted_ms: 1, size }).collect()
    }

    #[test]
    fn logs_close_at_the_log_size_and_are_named_by_generation() {
        let dir = tempfile::tempdir().expect("temp dir");
        let active = copy(dir.path(), "A");
        let closed = active.append(1, 9, 16 * 1024, &messages(1, 10, 4000), 0).expect("appended");
        assert_eq!(closed, [1, 2], "four 4 KB records fill a 16 KB log");
        assert!(active.root().join("E0000000001.log").exists());
        assert!(active.root().join("E00.log").exists());
        let disk = active.on_disk().expect("read");
        assert_eq!((disk.inspected, disk.open, disk.lineage), (2, Some(3), 9));
        assert_eq!(active.close_open_log(5).expect("closed"), Some(3));
        assert_eq!(active.close_open_log(5).expect("nothing open"), None);
        let mut ids = active.message_ids().expect("ids");
        ids.sort_unstable();
        assert_eq!(ids, (1..=10).collect::<Vec<_>>());
    }

    fn open_header(copy: &CopyFiles) -> LogHeader {
        log_format::decode_header(&fs::read(copy.root().join("E00.log")).expect("open log")).expect("header")
    }

    #[test]
    fn a_rollover_takes_the_prepared_next_log_and_gives_it_its_opening_time() {
        let dir = tempfile::tempdir().expect("temp dir");
        let active = copy(dir.path(), "A");
        // 4 KB records, 16 KB logs: four to a log. The first rollover finds nothing prepared.
        assert_eq!(active.append(1, 9, 16 * 1024, &messages(1, 5, 4000), 10).expect("appended"), [1]);
        assert!(active.prepare_next_log(3, 9, 20).expect("prepared"), "written");
        assert!(!active.prepare_next_log(3, 9, 21).expect("prepared"), "already there");
        let next = active.root().join("E00.log.next");
        assert_eq!(fs::read(&next).expect("prepared").len(), log_format::HEADER_LEN, "its header only");
        assert_eq!(active.append(2, 9, 16 * 1024, &messages(6, 4, 4000), 30).expect("appended"), [2]);
        assert!(!next.exists(), "taken as the open log");
        assert_eq!(open_header(&active), LogHeader { generation: 3, lineage: 9, opened_ms: 30 });
        let closed = active.read_log(2).expect("closed log");
        assert_eq!(log_format::inspect(&closed, 2, Some(9)).expect("whole").records, 4);
        let mut ids = active.message_ids().expect("ids");
        ids.sort_unstable();
        assert_eq!(ids, (1..=9).collect::<Vec<_>>(), "nothing lost across the rollovers");
        assert_eq!(active.on_disk().expect("read").open, Some(3));
    }

    #[test]
    fn a_prepared_log_of_another_generation_or_lineage_is_not_taken_as_it_is() {
        for (generation, lineage) in [(7, 9), (2, 8)] {
            let dir = tempfile::tempdir().expect("temp dir");
            let active = copy(dir.path(), "A");
            assert!(active.prepare_next_log(generation, lineage, 5).expect("prepared"));
            assert_eq!(active.append(1, 9, 16 * 1024, &messages(1, 5, 4000), 10).expect("appended"), [1]);
            assert_eq!(open_header(&active), LogHeader { generation: 2, lineage: 9, opened_ms: 10 });
            assert!(!active.root().join("E00.log.next").exists());
            let mut ids = active.message_ids().expect("ids");
            ids.sort_unstable();
            assert_eq!(ids, (1..=5).collect::<Vec<_>>());
        }
    }

    /// A closed log's name appears only once the log is whole (end marker written and synced
    /// first): a reader that lists the directory while logs roll over never finds a closed log
    /// the inspector refuses.
    #[test]
    fn a_closed_log_is_whole_whenever_its_name_can_be_seen() {
        let dir = tempfile::tempdir().expect("temp dir");
        let active = copy(dir.path(), "A");
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watcher = {
            let (active, done) = (active.clone(), std::sync::Arc::clone(&done));
            std::thread::spawn(move || {
                let mut seen = 0;
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    for generation in active.closed_generations().expect("listed") {
                        let bytes = active.read_log(generation).expect("read");
                        let summary = log_format::inspect(&bytes, generation, Some(9));
                        assert!(summary.is_ok(), "generation {generation} seen torn: {summary:?}");
                        seen = seen.max(generation);
                    }
                }
                seen
            })
        };
        let (mut next, mut id) = (1, 1);
        for round in 0..60 {
            let closed = active.append(next, 9, 16 * 1024, &messages(id, 2, 4000), round).expect("appended");
            id += 2;
            if let Some(&newest) = closed.last() {
                next = newest + 1;
                active.prepare_next_log(next + 1, 9, round).expect("prepared");
            }
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(watcher.join().expect("watcher") > 0, "the watcher saw closed logs");
        assert_eq!(active.message_ids().expect("ids").len(), 120);
    }

    #[test]
    fn ship_inspect_replay_moves_every_message_to_the_passive_copy() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (active, passive) = (copy(dir.path(), "A"), copy(dir.path(), "B"));
        active.append(1, 9, 8 * 1024, &messages(1, 6, 3000), 0).expect("appended");
        active.close_open_log(1).expect("closed");
        let mut bytes = Vec::new();
        for generation in active.closed_generations().expect("list") {
            passive.receive(&active, generation, Some(9), &mut bytes).expect("read").expect("sound");
            passive.replay(generation).expect("io").expect("replayed");
        }
        assert_eq!(passive.on_disk().expect("read").replayed, 3, "two 3 KB messages per 8 KB log");
        let mut ids = passive.message_ids().expect("ids");
        ids.sort_unstable();
        assert_eq!(ids, (1..=6).collect::<Vec<_>>());
        assert_eq!(active.truncate_through(3).expect("truncated"), 0, "the active copy has replayed nothing");
        assert_eq!(passive.truncate_through(3).expect("truncated"), 3);
        assert_eq!(passive.message_ids().expect("ids").len(), 6, "replayed messages stay in the database");
    }

    #[test]
    fn a_corrupt_log_is_refused_by_the_inspector_and_not_replayed() {
        let dir = tempfile::tempdir().expect("temp dir");
        // Two sources with the same log; one of them has a damaged disk.
        let (active, damaged, passive) = (copy(dir.path(), "A"), copy(dir.path(), "D"), copy(dir.path(), "B"));
        for source in [&active, &damaged] {
            source.append(1, 9, 1 << 20, &messages(1, 3, 100), 0).expect("appended");
            source.close_open_log(1).expect("closed");
        }
        assert_eq!(damaged.corrupt_newest_log().expect("corrupted"), Some(1));
        let mut bytes = Vec::new();
        let verdict = passive.receive(&damaged, 1, Some(9), &mut bytes).expect("read");
        assert!(verdict.is_err(), "{verdict:?}");
        assert_eq!(passive.on_disk().expect("read").inspected, 0, "a refused log is not kept");
        assert!(damaged.replay(1).expect("io").is_err(), "nor replayed where it was damaged");
        assert!(passive.receive(&active, 1, Some(9), &mut bytes).expect("read").is_ok(), "a sound copy is");
    }

    #[test]
    fn a_torn_replay_and_a_torn_append_are_repaired_on_open() {
        let dir = tempfile::tempdir().expect("temp dir");
        let active = copy(dir.path(), "A");
        active.append(1, 9, 1 << 20, &messages(1, 2, 100), 0).expect("appended");
        active.close_open_log(1).expect("closed");
        active.append(2, 9, 1 << 20, &messages(3, 1, 100), 0).expect("appended");
        let before = active.checkpoint().expect("checkpoint");
        // A replay that wrote records but died before its checkpoint, and a half-written record.
        fs::OpenOptions::new()
            .append(true)
            .open(active.database_path().full())
            .and_then(|mut f| f.write_all(b"half a record"))
            .expect("torn database");
        fs::OpenOptions::new()
            .append(true)
            .open(active.open_log_path().full())
            .and_then(|mut f| f.write_all(&[1, 2, 3]))
            .expect("torn log");
        active.open_or_create().expect("repaired");
        assert_eq!(fs::metadata(active.database_path().full()).expect("meta").len(), before.database_len);
        active.replay(1).expect("io").expect("replayed");
        active.append(2, 9, 1 << 20, &messages(4, 1, 100), 0).expect("appends after the repair");
        let mut ids = active.message_ids().expect("ids");
        ids.sort_unstable();
        assert_eq!(ids, [1, 2, 3, 4]);
    }
}
