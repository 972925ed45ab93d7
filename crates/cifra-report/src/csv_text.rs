//! CSV written into a string, for the CSV outputs.

/// A CSV writer into memory.
pub(crate) type Writer = csv::Writer<Vec<u8>>;

/// A new writer: comma-separated, fields quoted where needed, `\n` after each record.
pub(crate) fn writer() -> Writer {
    csv::Writer::from_writer(Vec::new())
}

/// Writes one record. Writing into memory cannot fail, and every record of an output has
/// as many fields as its header, so the result is ignored on that ground.
pub(crate) fn record<I, T>(writer: &mut Writer, fields: I)
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let _ = writer.write_record(fields);
}

/// Everything written, as text (the fields written were all UTF-8).
pub(crate) fn finish(writer: Writer) -> String {
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// One record written field by field straight into bytes, for outputs of millions of
/// rows, where the [`Writer`]'s cost per field was most of the time. Fields are quoted
/// as the writer quotes them: only a field holding a comma, a quote or a line break,
/// its quotes doubled.
pub(crate) struct Record<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Record<'a> {
    /// A record to be written at the end of `out`.
    pub(crate) fn new(out: &'a mut Vec<u8>) -> Self {
        Record { out, first: true }
    }

    fn separate(&mut self) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
    }

    /// A text field.
    pub(crate) fn text(&mut self, field: &str) {
        self.separate();
        let bytes = field.as_bytes();
        if !bytes
            .iter()
            .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
        {
            self.out.extend_from_slice(bytes);
            return;
        }
        self.out.push(b'"');
        for &b in bytes {
            if b == b'"' {
                self.out.push(b'"');
            }
            self.out.push(b);
        }
        self.out.push(b'"');
    }

    /// A whole number, in decimal.
    pub(crate) fn number(&mut self, n: u64) {
        self.separate();
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut n = n;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.out.extend_from_slice(&digits[at..]);
    }

    /// A field formatted by `std::fmt` (never needing quotes, as numbers).
    pub(crate) fn formatted(&mut self, value: std::fmt::Arguments<'_>) {
        use std::io::Write;
        self.separate();
        // Writing into memory cannot fail.
        let _ = self.out.write_fmt(value);
    }

    /// Ends the record with a line break.
    pub(crate) fn end(self) {
        self.out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_written_as_the_csv_writer_writes_them() {
        let fields = [
            "plain",
            "",
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "cr\r",
            "ñandú",
            " x ",
        ];
        let mut writer = writer();
        record(&mut writer, fields);
        record(
            &mut writer,
            ["0", "18446744073709551615", "1.500000", "", "", "", "", ""],
        );
        let mut out = Vec::new();
        let mut row = Record::new(&mut out);
        fields.iter().for_each(|f| row.text(f));
        row.end();
        let mut row = Record::new(&mut out);
        row.number(0);
        row.number(u64::MAX);
        row.formatted(format_args!("{:.6}", 1.5));
        (0..5).for_each(|_| row.text(""));
        row.end();
        assert_eq!(String::from_utf8(out).unwrap(), finish(writer));
    }
}
