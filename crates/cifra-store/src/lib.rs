//! cifra-store (being written).
