//! The `cifra` command as a library.
