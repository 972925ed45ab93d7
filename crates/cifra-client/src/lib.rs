//! cifra-client (being written).
