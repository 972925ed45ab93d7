//! Shared by the integration tests: a small election and records for it.

#![allow(dead_code)] // Each test binary uses part of this module.

use cifra_store::{ElectionSpec, Mesa, Record};

/// A three-mesa election in two regions, with a mesa whose electors are unknown.
pub fn spec() -> ElectionSpec {
    let mesa = |id: &str, region: &str, circ: &str, electors| Mesa {
        id: id.to_string(),
        territory: vec![region.to_string(), circ.to_string()],
        electors,
    };
    ElectionSpec {
        name: "cifra.example/cl-2021-presidential-r1".into(),
        system: "cl-presidential".into(),
        options: ["boric", "kast", "blank", "null"]
            .map(String::from)
            .to_vec(),
        id_columns: ["circunscripcion", "mesa"].map(String::from).to_vec(),
        territory_columns: ["region", "circunscripcion"].map(String::from).to_vec(),
        mesas: vec![
            mesa("ANTOFAGASTA/1", "DE ANTOFAGASTA", "ANTOFAGASTA", Some(350)),
            mesa("ANTOFAGASTA/2", "DE ANTOFAGASTA", "ANTOFAGASTA", None),
            mesa("ARICA/1", "DE ARICA Y PARINACOTA", "ARICA", Some(0)),
        ],
        signing_key: std::array::from_fn(|i| i as u8),
    }
}

/// The record at `index`, with a line that says which index and which writer.
pub fn record(index: u64, writer: &str) -> Record {
    Record {
        index,
        mesa: format!("mesa-{}", index % 7),
        version: (index % 3) as u32 + 1,
        line: line(index, writer),
    }
}

pub fn line(index: u64, writer: &str) -> String {
    format!(r#"{{"index":{index},"writer":"{writer}","note":"a = b, ñandú"}}"#)
}

/// Records `from..to` by one writer.
pub fn records(from: u64, to: u64, writer: &str) -> Vec<Record> {
    (from..to).map(|index| record(index, writer)).collect()
}
