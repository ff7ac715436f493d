//! Integration tests of `causeway-indexer`: the store on a SQLite file and on the local
//! PostgreSQL (each test in its own schema), query plans of the hot paths, proofs, and the HTTP
//! API served on 127.0.0.1.
//!
//! PostgreSQL is reached at `CAUSEWAY_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/test`).

mod api;
mod common;
mod plans;
mod proofs;
mod store;
