//! Integration tests of causeway-core: properties, differential tests, golden vectors.

mod props;
mod reference;
mod vectors;
