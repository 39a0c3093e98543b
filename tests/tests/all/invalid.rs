//! Components the host must refuse to load.
