//! The error a plugin returns when it declines to produce output.

use std::fmt;

/// Why a plugin's run failed; the host reports it as a guest error with this message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A parameter is missing, unknown, mistyped or out of range.
    InvalidParams(String),
    /// The granted data lacks what the plugin needs or is malformed.
    InvalidData(String),
    /// Anything else.
    Failed(String),
}

impl Error {
    /// A parameter problem.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Error::InvalidParams(message.into())
    }

    /// A data problem.
    pub fn invalid_data(message: impl Into<String>) -> Self {
        Error::InvalidData(message.into())
    }

    /// Any other failure.
    pub fn msg(message: impl Into<String>) -> Self {
        Error::Failed(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidParams(m) => write!(f, "invalid parameters: {m}"),
            Error::InvalidData(m) => write!(f, "invalid data: {m}"),
            Error::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}
