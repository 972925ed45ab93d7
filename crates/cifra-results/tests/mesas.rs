//! The wide mesa reader: counts, lines and territories as in the file, and errors that
//! name the file, the line and the column.

use cifra_results::mesas::read_mesas;
use cifra_results::source::open;
use std::io::Write;

fn names(s: &str) -> Vec<String> {
    s.split(',').map(str::to_string).collect()
}

#[test]
fn reads_counts_and_lines_in_the_order_asked_for() {
    let csv = "g,a,b,c\n2,1,1,0\n300,100,100,100\n";
    let d = read_mesas(csv.as_bytes(), "m.csv", &names("g"), &names("c,a,b"), None).unwrap();
    assert_eq!(d.mesas(), 2);
    assert_eq!(d.votes, [0, 1, 1, 100, 100, 100]);
    assert_eq!(d.votes(1), [100, 100, 100]);
    assert_eq!(d.voters, [2, 300]);
    assert_eq!(d.lines, [2, 3]);
    assert!(d.keys.is_empty());
}

#[test]
fn malformed_csv_names_file_line_and_column() {
    let groups = names("g1,g2");
    let options = names("a,b");
    let read = |csv: &str| {
        read_mesas(csv.as_bytes(), "mesas.csv", &groups, &options, None)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        read("g1,g2,a,b\n1,2,1,2\n1,2,x,2\n"),
        "mesas.csv: line 3, column \"a\": expected a non-negative integer, found \"x\""
    );
    assert_eq!(
        read("g1,g2,a,b\n1,2,1,-2\n")
            .split(": expected")
            .next()
            .unwrap(),
        "mesas.csv: line 2, column \"b\""
    );
    assert_eq!(
        read("g1,g2,a,b\n1,,1,2\n"),
        "mesas.csv: line 2, column \"g2\": expected a non-negative integer, found \"\""
    );
    assert_eq!(
        read("g1,a,b\n1,1,2\n"),
        "mesas.csv: no column \"g2\" (columns are: g1, a, b)"
    );
    assert!(read("g1,g2,a,b\n1,2,1\n").starts_with("mesas.csv: line 2: expected 4 fields"));
    assert_eq!(
        read(""),
        "mesas.csv: line 1: empty file, expected a header line"
    );
    assert_eq!(
        read("g1,g2,a,b\n"),
        "mesas.csv: line 2: no mesas: the file has a header but no rows"
    );
}

#[test]
fn territories_keep_file_order() {
    let csv = "t,g,a,b\nz,2,1,1\ny,1,1,0\nz,3,2,1\n";
    let d = read_mesas(csv.as_bytes(), "m", &names("g"), &names("a,b"), Some("t")).unwrap();
    let t = d.territories();
    assert_eq!(t.len(), 2);
    assert_eq!((t[0].key.as_str(), t[0].mesas.clone()), ("z", vec![0, 2]));
    assert_eq!((t[1].key.as_str(), t[1].mesas.clone()), ("y", vec![1]));
}

#[test]
fn open_reads_plain_and_gzip_files_alike() {
    let csv = "g,a,b\n2,1,1\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(csv.as_bytes()).unwrap();
    let (plain, gzipped) = (file_with(csv.as_bytes()), file_with(&gz.finish().unwrap()));
    let read = |file: &tempfile::NamedTempFile| {
        let path = file.path().to_str().unwrap();
        read_mesas(open(path).unwrap(), path, &names("g"), &names("a,b"), None).unwrap()
    };
    assert_eq!(read(&plain).votes, read(&gzipped).votes);
    let missing = open("/nonexistent/mesas.csv").err().unwrap().to_string();
    assert!(missing.starts_with("/nonexistent/mesas.csv: "), "{missing}");
}

fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    file
}

#[test]
fn a_count_of_ten_digits_or_more_is_too_large_not_malformed() {
    let read = |csv: &str| read_mesas(csv.as_bytes(), "m.csv", &names("g"), &names("a,b"), None);
    assert_eq!(
        read("g,a,b\n12345678901,1,2\n").unwrap_err().to_string(),
        "m.csv: line 2, column \"g\": expected a count of at most 999,999,999, found \
         12345678901: too large"
    );
    assert!(read("g,a,b\n1000000000,1,2\n")
        .unwrap_err()
        .to_string()
        .ends_with("found 1000000000: too large"));
    let huge = format!("g,a,b\n2,1,{}\n", "9".repeat(40));
    assert!(read(&huge)
        .unwrap_err()
        .to_string()
        .ends_with(": too large"));
    // The largest count, and leading zeros that do not make a count larger.
    let d = read("g,a,b\n999999999,0000000001,00\n").unwrap();
    assert_eq!(
        (d.voters[0], d.votes[..].to_vec()),
        (999_999_999, vec![1, 0])
    );
}

#[test]
fn a_quoted_field_never_closed_is_named_by_the_line_it_opens() {
    let read = |csv: &str| {
        read_mesas(
            csv.as_bytes(),
            "m.csv",
            &names("g"),
            &names("a,b"),
            Some("t"),
        )
        .map(|d| d.keys)
        .map_err(|e| e.to_string())
    };
    let unclosed = |line: u64| {
        Err(format!(
            "m.csv: line {line}: a quoted field opened here is never closed"
        ))
    };
    // The rest of the file reads as one field: the csv crate says nothing of the quote.
    assert_eq!(read("t,g,a,b\nA,1,1,0\n\"B,2,1,1\nC,3,2,1\n"), unclosed(3));
    assert_eq!(
        read("t,g,a,b\r\nA,1,1,0\r\nB,2,1,\"1\r\nC,3,2,1\r\n"),
        unclosed(3)
    );
    // A quote in the last field of the last line used to be read as that count.
    assert_eq!(read("t,g,a,b\nA,1,1,0\nB,2,1,\"1\n"), unclosed(3));
    assert_eq!(read("\"t,g,a,b\nA,1,1,0\n"), unclosed(1));
    // An earlier problem is reported first.
    assert_eq!(
        read("t,g,a,b\nA,1,x,0\nB,2,1,\"1\n"),
        Err("m.csv: line 2, column \"a\": expected a non-negative integer, found \"x\"".into())
    );
    // Closed quotes, doubled quotes, a line break inside quotes, a quote inside an
    // unquoted field and a byte-order mark are all fine.
    assert_eq!(
        read("\u{feff}\"t\",g,a,b\n\"A \"\"x\"\"\ny\",1,1,0\nB\"z,2,\"1\",1\n"),
        Ok(vec!["A \"x\"\ny".to_string(), "B\"z".to_string()])
    );
}

#[test]
fn lines_are_right_after_crlf_and_blank_lines() {
    let line_of_x = |csv: &str| {
        read_mesas(csv.as_bytes(), "m.csv", &names("g"), &names("a,b"), None)
            .unwrap_err()
            .to_string()
    };
    let at = |line: u64| {
        format!("m.csv: line {line}, column \"a\": expected a non-negative integer, found \"x\"")
    };
    assert_eq!(line_of_x("g,a,b\r\n1,1,0\r\n2,x,1\r\n"), at(3));
    assert_eq!(line_of_x("g,a,b\r\n2,x,1\r\n"), at(2));
    assert_eq!(line_of_x("g,a,b\n1,1,0\n\n\n2,x,1\n"), at(5));
    assert_eq!(line_of_x("g,a,b\r\n1,1,0\r\n\r\n2,x,1\r\n"), at(4));
    let d = read_mesas(
        "g,a,b\r\n1,1,0\r\n\r\n2,1,1\r\n".as_bytes(),
        "m.csv",
        &names("g"),
        &names("a,b"),
        None,
    )
    .unwrap();
    assert_eq!(d.lines, [2, 4]);
}
