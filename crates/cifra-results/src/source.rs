//! Where input bytes come from: a file, memory-mapped, or standard input (`-`); and a
//! reader that decompresses gzip on the way.

use crate::error::ReadError;
use std::io::{BufRead, BufReader, Read};

/// How a file name is shown in messages: `-` is `<stdin>`.
pub fn display_name(path: &str) -> String {
    if path == "-" {
        "<stdin>".to_string()
    } else {
        path.to_string()
    }
}

/// The bytes of a file (memory-mapped), or of standard input for `-`; gzip input (magic
/// bytes 1f 8b) is decompressed, as [`open`] does. Errors name the file as
/// [`display_name`] shows it.
pub fn read_source(path: &str) -> Result<Source, ReadError> {
    let failed = |source| ReadError::Io {
        file: display_name(path),
        source,
    };
    let source = read_raw(path)?;
    if !source.starts_with(&GZIP_MAGIC) {
        return Ok(source);
    }
    let mut bytes = Vec::new();
    flate2::read::MultiGzDecoder::new(&*source)
        .read_to_end(&mut bytes)
        .map_err(|e| failed(std::io::Error::new(e.kind(), format!("gzip: {e}"))))?;
    Ok(Source::Read(bytes))
}

/// The whole of a file (or of standard input for `-`, decompressed if gzipped, as
/// [`read_source`] reads it) as text; a file that is not UTF-8 is refused, naming it.
pub fn read_text(path: &str) -> Result<String, ReadError> {
    let bytes = read_source(path)?.to_vec();
    String::from_utf8(bytes).map_err(|_| {
        ReadError::Input(crate::InputError::file(
            &display_name(path),
            "not UTF-8 text",
        ))
    })
}

/// The first two bytes of every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The bytes of a file or of standard input, as they are.
fn read_raw(path: &str) -> Result<Source, ReadError> {
    let failed = |source| ReadError::Io {
        file: display_name(path),
        source,
    };
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes).map_err(failed)?;
        return Ok(Source::Read(bytes));
    }
    let file = std::fs::File::open(path).map_err(failed)?;
    let is_regular = file.metadata().map_err(failed)?.is_file();
    if !is_regular {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut &file, &mut bytes).map_err(failed)?;
        return Ok(Source::Read(bytes));
    }
    // SAFETY: the map is only read, and only while this process runs; like ripgrep, we
    // accept that a file truncated by another process during the read may fault.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(failed)?;
    Ok(Source::Mapped(map))
}

/// An input's bytes: mapped from a file, or read from a pipe.
pub enum Source {
    /// A regular file, memory-mapped.
    Mapped(memmap2::Mmap),
    /// Standard input or another stream, read whole.
    Read(Vec<u8>),
}

impl std::ops::Deref for Source {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Source::Mapped(map) => map,
            Source::Read(bytes) => bytes,
        }
    }
}

/// Opens `path` for reading (`-` is stdin); gzip input (magic bytes 1f 8b) is
/// decompressed. Errors name the file as [`display_name`] shows it.
pub fn open(path: &str) -> Result<Box<dyn Read + Send>, ReadError> {
    let io = |source| ReadError::Io {
        file: display_name(path),
        source,
    };
    let raw: Box<dyn Read + Send> = if path == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(io)?)
    };
    let mut buffered = BufReader::with_capacity(1 << 16, raw);
    let gzip = buffered.fill_buf().map_err(io)?.starts_with(&GZIP_MAGIC);
    Ok(if gzip {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn read_text_decompresses_and_refuses_what_is_not_utf8_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("note.gz");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all("origen ñuñoa\n".as_bytes()).unwrap();
        std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
        assert_eq!(read_text(gz.to_str().unwrap()).unwrap(), "origen ñuñoa\n");

        let latin1 = dir.path().join("latin1.txt");
        std::fs::write(&latin1, b"\xf1u\xf1oa").unwrap();
        let path = latin1.to_str().unwrap();
        let message = read_text(path).unwrap_err().to_string();
        assert!(
            message.contains(path) && message.contains("not UTF-8"),
            "{message}"
        );

        let missing = dir.path().join("missing");
        let message = read_text(missing.to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(message.contains("missing"), "{message}");
    }
}
