//! The report as JSON: the contract other tools rely on, exactly as
//! `serde_json::to_string_pretty` writes the whole report.

use super::model::{ContestReport, TallyReport};
use super::{render, Format};
use serde::Serialize;

/// The report as pretty JSON: `serde_json::to_string_pretty` of the report and a line
/// break.
pub fn to_json(report: &TallyReport) -> String {
    render(report, Format::Json)
}

/// One contest of the JSON report, as `serde_json::to_string_pretty` of the whole report
/// writes it: after its separator, indented two levels (inside the report's object and
/// its `contests` array).
pub(super) fn json_contest(out: &mut Vec<u8>, first: bool, contest: &ContestReport) {
    out.extend_from_slice(if first { b"\n    " } else { b",\n    " });
    let pretty = Pretty {
        level: 2,
        has_value: false,
    };
    // These structs have string keys and finite or null numbers: serialising them cannot
    // fail, and writing into memory neither.
    let _ = contest.serialize(&mut serde_json::Serializer::with_formatter(out, pretty));
}

/// `serde_json`'s pretty format (two spaces a level) starting `level` levels in, with
/// each line break and its indentation written at once (`PrettyFormatter` writes the
/// indentation level by level, and the writes were a fifth of the JSON's time).
struct Pretty {
    level: usize,
    has_value: bool,
}

impl Pretty {
    /// A line break and the indentation of the current level.
    fn line<W: ?Sized + std::io::Write>(&self, writer: &mut W) -> std::io::Result<()> {
        const LINE: &[u8] = b"\n                                                                ";
        match LINE.get(..1 + 2 * self.level) {
            Some(line) => writer.write_all(line),
            None => {
                writer.write_all(b"\n")?;
                (0..self.level).try_for_each(|_| writer.write_all(b"  "))
            }
        }
    }
}

/// What a JSON writer takes.
type Io = std::io::Result<()>;

impl Pretty {
    /// Opens an array or object.
    fn open<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> Io {
        self.level += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    /// Closes an array or object, on a line of its own if it holds anything.
    fn close<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> Io {
        self.level -= 1;
        if self.has_value {
            self.line(writer)?;
        }
        writer.write_all(bracket)
    }

    /// Starts an element or a key: after a comma unless it is the first, on a new line.
    fn item<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> Io {
        if !first {
            writer.write_all(b",")?;
        }
        self.line(writer)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> Io {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> Io {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> Io {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> Io {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> Io {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> Io {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> Io {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> Io {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> Io {
        self.has_value = true;
        Ok(())
    }
}
