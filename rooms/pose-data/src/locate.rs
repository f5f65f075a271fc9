//! Where the recordings are: `$BREAKROOM_POSE_DATA`, else `../shared/data/pose/` beside the
//! repository root. A missing file is an error that says which file, where it was looked for,
//! and where to get it.

use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable that points at the recordings' folder (the one holding
/// `tfjs-models/`, `mlkit/`, …).
pub const ENV: &str = "BREAKROOM_POSE_DATA";

/// A recording the project uses, with its public source.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    /// Path under the data folder.
    pub file: &'static str,
    /// The repository it comes from.
    pub repo: &'static str,
    /// The commit it was taken at.
    pub commit: &'static str,
    /// Its path in that repository.
    pub path: &'static str,
    /// Its licence and attribution.
    pub licence: &'static str,
}

/// tfjs-models' squat recording: BlazePose-33 in pixels of a 720x1280 video at 5 fps.
pub const TFJS_SQUATS: Source = Source {
    file: "tfjs-models/pose_squats.full.json",
    repo: "https://github.com/tensorflow/tfjs-models",
    commit: "18a73420e555a3c1948209ebfa807c7086c7ff0c",
    path: "pose-detection/test_data/pose_squats.full.json",
    licence: "Apache-2.0, Copyright Google LLC",
};

/// tfjs-models' arm raise: MoveNet COCO-17 in pixels of a 576x576 video at 30 fps.
pub const TFJS_ARM_RAISE: Source = Source {
    file: "tfjs-models/pose_1.json",
    repo: "https://github.com/tensorflow/tfjs-models",
    commit: "18a73420e555a3c1948209ebfa807c7086c7ff0c",
    path: "pose-detection/test_data/pose_1.json",
    licence: "Apache-2.0, Copyright Google LLC",
};

/// ML Kit's labelled still poses: 812 rows of BlazePose-33 in pixels.
pub const MLKIT_POSES: Source = Source {
    file: "mlkit/fitness_pose_samples.csv",
    repo: "https://github.com/googlesamples/mlkit",
    commit: "f1047837fe1e02d58063bfc30b830fad23ffbc35",
    path: "android/vision-quickstart/app/src/main/assets/pose/fitness_pose_samples.csv",
    licence: "Apache-2.0, Copyright Google LLC",
};

/// The same squats as [`TFJS_SQUATS`] in 3-D: BlazePose world landmarks in metres (origin
/// at the hip midpoint, y down), 65 frames at 5 fps.
pub const TFJS_SQUATS_3D: Source = Source {
    file: "tfjs-models/pose_squats_3d.full.json",
    repo: "https://github.com/tensorflow/tfjs-models",
    commit: "18a73420e555a3c1948209ebfa807c7086c7ff0c",
    path: "pose-detection/test_data/pose_squats_3d.full.json",
    licence: "Apache-2.0, Copyright Google LLC",
};

/// The repository of the MediaPipe demo clips.
const MEDIAPIPE: &str = "https://github.com/google-ai-edge/mediapipe";
/// The last commit of MediaPipe that has `docs/images`.
const MEDIAPIPE_COMMIT: &str = "63e679d99ca45b30514a9d84c9351a2d77bb9ba0";
/// The licence and attribution of the MediaPipe demo clips.
const MEDIAPIPE_LICENCE: &str = "Apache-2.0, Copyright Google LLC, google/mediapipe docs";
/// The squat clip; its keypoints were re-extracted from it with @mediapipe/pose
/// 0.5.1675469404 (`mediapipe-docs/NOTES.txt` says how).
const MEDIAPIPE_SQUATS: &str = "docs/images/mobile/pose_world_landmarks.mp4";
/// The push-up clip (the GIF's top panel), its keypoints re-extracted likewise.
const MEDIAPIPE_PUSHUPS: &str = "docs/images/mobile/pose_classification_pushups_and_squats.gif";

/// MediaPipe's squats from three-quarters front: BlazePose-33 in pixels of a 560x720 crop at
/// 15 fps, 91 frames.
pub const MEDIAPIPE_SQUATS_2D: Source = Source {
    file: "mediapipe-docs/squats_threequarter.full.json",
    repo: MEDIAPIPE,
    commit: MEDIAPIPE_COMMIT,
    path: MEDIAPIPE_SQUATS,
    licence: MEDIAPIPE_LICENCE,
};

/// The visibility scores of [`MEDIAPIPE_SQUATS_2D`].
pub const MEDIAPIPE_SQUATS_VISIBILITY: Source = Source {
    file: "mediapipe-docs/squats_threequarter.visibility.json",
    ..MEDIAPIPE_SQUATS_2D
};

/// [`MEDIAPIPE_SQUATS_2D`]'s world landmarks in metres.
pub const MEDIAPIPE_SQUATS_3D: Source = Source {
    file: "mediapipe-docs/squats_threequarter_3d.full.json",
    ..MEDIAPIPE_SQUATS_2D
};

/// MediaPipe's floor push-ups from the side: BlazePose-33 in pixels of a 620x348 frame at
/// 10 fps, 57 frames.
pub const MEDIAPIPE_PUSHUPS_2D: Source = Source {
    file: "mediapipe-docs/pushups_side.full.json",
    repo: MEDIAPIPE,
    commit: MEDIAPIPE_COMMIT,
    path: MEDIAPIPE_PUSHUPS,
    licence: MEDIAPIPE_LICENCE,
};

/// The visibility scores of [`MEDIAPIPE_PUSHUPS_2D`].
pub const MEDIAPIPE_PUSHUPS_VISIBILITY: Source = Source {
    file: "mediapipe-docs/pushups_side.visibility.json",
    ..MEDIAPIPE_PUSHUPS_2D
};

/// Every recording the tests read.
pub const SOURCES: [Source; 9] = [
    TFJS_SQUATS,
    TFJS_ARM_RAISE,
    MLKIT_POSES,
    TFJS_SQUATS_3D,
    MEDIAPIPE_SQUATS_2D,
    MEDIAPIPE_SQUATS_VISIBILITY,
    MEDIAPIPE_SQUATS_3D,
    MEDIAPIPE_PUSHUPS_2D,
    MEDIAPIPE_PUSHUPS_VISIBILITY,
];

/// The repository root (this crate sits two levels below it, in `rooms/pose-data`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The recordings' folder: `$BREAKROOM_POSE_DATA` if set, else `<repo>/../shared/data/pose`.
/// It may not exist; [`read`] says so.
pub fn dir() -> PathBuf {
    match std::env::var_os(ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => repo_root().join("../shared/data/pose"),
    }
}

/// A recording that could not be read.
#[derive(Debug)]
pub struct Missing {
    /// The file looked for.
    pub path: PathBuf,
    /// Why it could not be read.
    pub error: std::io::Error,
    /// Its public source, when it is one of [`SOURCES`].
    pub source: Option<Source>,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "pose recording missing: {} ({})",
            self.path.display(),
            self.error
        )?;
        writeln!(
            f,
            "The third-party pose recordings are not in the repository. Put them in \
             ../shared/data/pose/ beside the repository root, or set {ENV} to their folder."
        )?;
        if let Some(s) = self.source {
            writeln!(
                f,
                "This one is {}: {} at commit {}, path {} ({}).",
                s.file, s.repo, s.commit, s.path, s.licence
            )?;
        }
        writeln!(
            f,
            "The tests need these files (see README.md, \"Pose recordings\"):"
        )?;
        for s in SOURCES {
            writeln!(
                f,
                "  {:52} {} @ {} : {} ({})",
                s.file, s.repo, s.commit, s.path, s.licence
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Missing {}

/// Reads `file` (a path under the data folder, e.g. `tfjs-models/pose_1.json`).
pub fn read(file: &str) -> Result<String, Missing> {
    let path = dir().join(file);
    std::fs::read_to_string(&path).map_err(|error| Missing {
        path,
        error,
        source: SOURCES.iter().find(|s| s.file == file).copied(),
    })
}

/// Reads `file`, or panics with [`Missing`]'s message: for tests, which must fail loudly
/// without the recordings, never skip.
pub fn require(file: &str) -> String {
    read(file).unwrap_or_else(|missing| panic!("{missing}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_missing_file_says_where_to_put_it_and_where_it_comes_from() {
        let missing = read("tfjs-models/no-such-recording.json").unwrap_err();
        let text = missing.to_string();
        assert!(text.contains("no-such-recording.json"), "{text}");
        assert!(
            text.contains("../shared/data/pose/") && text.contains(ENV),
            "{text}"
        );
        for s in SOURCES {
            assert!(text.contains(s.path) && text.contains(s.commit), "{text}");
        }
    }
}
