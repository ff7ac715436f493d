//! Integration tests of `causeway-indexer`: the HTTP API served on 127.0.0.1 over a real store
//! (the store itself is tested in `causeway-store`).

mod api;
