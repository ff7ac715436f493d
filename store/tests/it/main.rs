//! Integration tests of `causeway-store`: the store on a SQLite file and on the local
//! PostgreSQL (each test in its own schema), query plans of the hot paths, and route proofs.
//!
//! PostgreSQL is reached at `CAUSEWAY_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/test`).

mod plans;
mod proofs;
mod store;
