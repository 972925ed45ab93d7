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

/// Writes one field of a record written field by field; [`end_record`] ends it.
pub(crate) fn field(writer: &mut Writer, field: &str) {
    let _ = writer.write_field(field);
}

/// Ends a record written with [`field`].
pub(crate) fn end_record(writer: &mut Writer) {
    let _ = writer.write_record(None::<&[u8]>);
}

/// Everything written, as text (the fields written were all UTF-8).
pub(crate) fn finish(writer: Writer) -> String {
    String::from_utf8(finish_bytes(writer)).unwrap_or_default()
}

/// Everything written, as the bytes of UTF-8 text.
pub(crate) fn finish_bytes(writer: Writer) -> Vec<u8> {
    writer.into_inner().unwrap_or_default()
}
