//! cifra-log (being written).
