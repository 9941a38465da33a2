//! Integration tests with the real model (fetched and verified on first use, as a user's first run would).

mod common;
mod embed_reference;
mod cli_embed;
mod model_loading;
