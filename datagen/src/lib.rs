//! Synthetic Xi'an industrial data (being written).
