//! cifra-core: the electoral domain and the law.
