//! cifra-ei: ecological inference of group voting from mesa-level results.
