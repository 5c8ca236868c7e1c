//! Text encodings of the file cmdlets' `-Encoding`: the names PowerShell 5 and 7 accept, the
//! byte-order marks they write, and reading with BOM detection (UTF-8 without a BOM is the
//! default, as in PowerShell 7).
//!
//! Owns: [`Encoding`], [`Encoding::parse`], encoding and decoding.
//!
//! Must not: touch files.

use crate::shell::error_record::ErrorRecord;

/// A text encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Utf8,
    Utf8Bom,
    /// UTF-16 little endian (PowerShell's `Unicode`).
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Ascii,
    /// Windows-1252 read as Latin-1 (PowerShell's `Default`/`OEM` on a server).
    Latin1,
    /// Raw bytes (`-Encoding Byte`, `-AsByteStream`).
    Byte,
}

/// The names `-Encoding` accepts.
pub const NAMES: &[&str] = &[
    "ASCII",
    "BigEndianUnicode",
    "BigEndianUTF32",
    "Byte",
    "Default",
    "OEM",
    "String",
    "Unicode",
    "Unknown",
    "UTF7",
    "UTF8",
    "UTF8BOM",
    "UTF8NoBOM",
    "UTF32",
    "ANSI",
    "Latin1",
];

impl Encoding {
    /// An `-Encoding` name, any case.
    pub fn parse(name: &str) -> Result<Encoding, ErrorRecord> {
        Ok(match name.to_ascii_lowercase().replace('-', "").as_str() {
            "utf8" | "utf8nobom" | "string" | "unknown" => Encoding::Utf8,
            "utf8bom" => Encoding::Utf8Bom,
            "unicode" | "utf16" | "utf16le" => Encoding::Utf16Le,
            "bigendianunicode" | "utf16be" => Encoding::Utf16Be,
            "utf32" | "bigendianutf32" => Encoding::Utf32Le,
            "ascii" | "utf7" => Encoding::Ascii,
            "default" | "oem" | "ansi" | "latin1" => Encoding::Latin1,
            "byte" => Encoding::Byte,
            _ => {
                return Err(ErrorRecord::new(
                    "CannotConvertArgumentNoMessage",
                    "InvalidArgument",
                    format!("Cannot process argument transformation on parameter 'Encoding'. '{name}' is not a supported encoding name."),
                )
                .with_hint(format!("Use one of {}.", NAMES.join(", "))));
            }
        })
    }

    /// The byte-order mark written at the start of a new file.
    pub fn preamble(self) -> &'static [u8] {
        match self {
            Encoding::Utf8Bom => &[0xEF, 0xBB, 0xBF],
            Encoding::Utf16Le => &[0xFF, 0xFE],
            Encoding::Utf16Be => &[0xFE, 0xFF],
            Encoding::Utf32Le => &[0xFF, 0xFE, 0, 0],
            _ => &[],
        }
    }

    /// Text as bytes (without the preamble).
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Encoding::Utf8 | Encoding::Utf8Bom | Encoding::Byte => text.as_bytes().to_vec(),
            Encoding::Utf16Le => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            Encoding::Utf16Be => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
            Encoding::Utf32Le => text.chars().flat_map(|c| (c as u32).to_le_bytes()).collect(),
            Encoding::Ascii => text.chars().map(|c| if c.is_ascii() { c as u8 } else { b'?' }).collect(),
            Encoding::Latin1 => text.chars().map(|c| u8::try_from(c as u32).unwrap_or(b'?')).collect(),
        }
    }

    /// The encoding a file's first bytes announce (a BOM), and the BOM's length.
    pub fn detect(start: &[u8]) -> Option<(Encoding, usize)> {
        if start.starts_with(&[0xEF, 0xBB, 0xBF]) {
            Some((Encoding::Utf8Bom, 3))
        } else if start.starts_with(&[0xFF, 0xFE, 0, 0]) {
            Some((Encoding::Utf32Le, 4))
        } else if start.starts_with(&[0xFF, 0xFE]) {
            Some((Encoding::Utf16Le, 2))
        } else if start.starts_with(&[0xFE, 0xFF]) {
            Some((Encoding::Utf16Be, 2))
        } else {
            None
        }
    }

    /// Bytes as text (invalid sequences become U+FFFD, as .NET's decoders do).
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            Encoding::Utf8 | Encoding::Utf8Bom | Encoding::Byte => String::from_utf8_lossy(bytes).into_owned(),
            Encoding::Utf16Le | Encoding::Utf16Be => {
                let units: Vec<u16> = bytes
                    .chunks(2)
                    .map(|c| {
                        let pair = [c[0], c.get(1).copied().unwrap_or(0)];
                        if self == Encoding::Utf16Le { u16::from_le_bytes(pair) } else { u16::from_be_bytes(pair) }
                    })
                    .collect();
                String::from_utf16_lossy(&units)
            }
            Encoding::Utf32Le => bytes
                .chunks(4)
                .map(|c| {
                    let mut quad = [0u8; 4];
                    quad[..c.len()].copy_from_slice(c);
                    char::from_u32(u32::from_le_bytes(quad)).unwrap_or('\u{FFFD}')
                })
                .collect(),
            Encoding::Ascii => bytes.iter().map(|b| if b.is_ascii() { *b as char } else { '\u{FFFD}' }).collect(),
            Encoding::Latin1 => bytes.iter().map(|b| *b as char).collect(),
        }
    }

    /// The width of one code unit, for splitting a stream into lines without cutting one.
    pub fn unit(self) -> usize {
        match self {
            Encoding::Utf16Le | Encoding::Utf16Be => 2,
            Encoding::Utf32Le => 4,
            _ => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_detects() {
        for e in [Encoding::Utf8, Encoding::Utf16Le, Encoding::Utf16Be, Encoding::Utf32Le, Encoding::Latin1] {
            assert_eq!(e.decode(&e.encode("Größe ok")), "Größe ok", "{e:?}");
        }
        assert_eq!(Encoding::Ascii.decode(&Encoding::Ascii.encode("é")), "?");
        assert_eq!(Encoding::detect(&[0xFF, 0xFE, b'a', 0]), Some((Encoding::Utf16Le, 2)));
        assert_eq!(Encoding::detect(b"abc"), None);
        assert_eq!(Encoding::parse("unicode").ok(), Some(Encoding::Utf16Le));
        assert!(Encoding::parse("EBCDIC").is_err());
    }
}
