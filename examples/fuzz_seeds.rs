//! Writes the fuzzers' starting inputs ([`insights::fuzzing::seeds`]) to `fuzz/seeds/TARGET/NAME`: a small valid
//! sample of each file format. `scripts/fuzz.sh` runs it when a target has no seeds.
//!
//! ```text
//! cargo run --example fuzz_seeds
//! ```

use std::path::Path;

use anyhow::{Context, Result};

fn main() -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join("seeds");
    for (target, name, bytes) in insights::fuzzing::seeds() {
        let dir = root.join(target.name());
        std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
        let path = dir.join(name);
        std::fs::write(&path, &bytes).with_context(|| format!("{}: cannot write", path.display()))?;
        println!("{} ({} bytes)", path.display(), bytes.len());
    }
    Ok(())
}
