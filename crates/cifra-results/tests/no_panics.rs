//! No input makes a reader panic: arbitrary bytes, and real rows with fields mangled,
//! either parse or come back as an error that names the file.

use cifra_results::mesas::read_mesas;
use cifra_results::{read_results, ReadError};
use proptest::prelude::*;

const HEADER: &str = "district,unit,kind,list,party,candidate,votes,elected\n";
const REAL_ROWS: &str =
    "1,Arica/Arica/Hombre,candidate,A,Radical,Gutierrez Torres Luis Eduardo,7737,
1,Arica/Arica/Hombre,candidate,A,Democrata Cristiano,Leblanc Valenzuela Luis,10783,yes
1,Arica/Arica/Hombre,blank,,,,120,
1,Arica/Arica/Hombre,null,,,,301,
Arica,Arica/Arica/Mixta,candidate,,,Antonella Muñoz Araya,517,
";

/// Real rows with one byte replaced, inserted or deleted somewhere, many times over.
fn mangled() -> impl Strategy<Value = Vec<u8>> {
    let base = format!("{HEADER}{REAL_ROWS}").into_bytes();
    let edits = prop::collection::vec((0usize..1000, any::<u8>(), 0u8..3), 1..12);
    edits.prop_map(move |edits| {
        let mut bytes = base.clone();
        for (at, byte, op) in edits {
            let at = at % (bytes.len() + 1);
            match op {
                0 if at < bytes.len() => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {}
            }
        }
        bytes
    })
}

fn mesa_reader(bytes: &[u8]) -> Result<(), ReadError> {
    let groups = vec!["age_18_19".to_string(), "age_20_29".to_string()];
    let options = vec!["boric".to_string(), "kast".to_string()];
    read_mesas(bytes, "t.csv", &groups, &options, Some("region")).map(|_| ())
}

const MESAS: &str = "region,circunscripcion,mesa,boric,kast,age_18_19,age_20_29
DE ANTOFAGASTA,ANTOFAGASTA NORTE,126,12,22,1,7
DE ANTOFAGASTA,ANTOFAGASTA NORTE,127,11,25,2,10
";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_results_reader_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Err(e) = read_results("t.csv", &bytes) {
            prop_assert!(e.to_string().starts_with("t.csv"), "{}", e);
        }
    }

    #[test]
    fn the_results_reader_never_panics_on_mangled_rows(bytes in mangled()) {
        if let Err(e) = read_results("t.csv", &bytes) {
            prop_assert!(e.to_string().starts_with("t.csv"), "{}", e);
        }
    }

    #[test]
    fn the_mesa_reader_never_panics(edits in prop::collection::vec((0usize..200, any::<u8>()), 0..8)) {
        let mut bytes = MESAS.as_bytes().to_vec();
        for (at, byte) in edits {
            let at = at % bytes.len();
            bytes[at] = byte;
        }
        if let Err(e) = mesa_reader(&bytes) {
            prop_assert!(e.to_string().starts_with("t.csv"), "{}", e);
        }
    }
}
