//! cifra-server (being written).
