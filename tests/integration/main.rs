//! Integration tests with the real model (fetched and verified on first use, as a user's first run would).

mod approximate;
mod bad_input;
mod browser;
mod cdp;
mod cli_embed;
mod common;
mod docs;
mod embed_reference;
mod faults;
mod fuzz;
mod golden;
mod int8;
mod lifecycle;
mod memory;
mod milvus;
mod model_loading;
mod pipeline;
mod shards;
mod topics;
