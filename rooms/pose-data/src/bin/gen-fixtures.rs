//! `gen-fixtures OUTDIR`: writes every detector fixture (`rooms/fixtures/recipes.json`,
//! generated from the recordings in `../shared/data/pose/` or `$BREAKROOM_POSE_DATA`) into
//! OUTDIR, for the TypeScript SDK's tests and for `breakroom detect`.
//!
//! ```text
//! cargo run -p breakroom-pose-data --bin gen-fixtures -- target/fixtures/detect
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: gen-fixtures OUTDIR");
        return ExitCode::from(2);
    };
    // Check the recordings first, so a missing one is one clear message, not a panic trace.
    for source in breakroom_pose_data::locate::SOURCES {
        if let Err(missing) = breakroom_pose_data::locate::read(source.file) {
            eprintln!("{missing}");
            return ExitCode::FAILURE;
        }
    }
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("{}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    let files = breakroom_pose_data::files();
    for (name, content) in &files {
        let path = out.join(name);
        if let Err(e) = std::fs::write(&path, content) {
            eprintln!("{}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("{} fixtures in {}", files.len(), out.display());
    ExitCode::SUCCESS
}
