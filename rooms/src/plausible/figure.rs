//! A reference body.

use breakroom_protocol::{Landmark, PoseModel};

/// A still person standing square to the camera, arms at the sides, filling most of a square
/// picture's height: a body every check accepts, for tests, examples and load generators.
pub fn standing(model: PoseModel) -> Vec<Landmark> {
    // BlazePose-33 order; "left" is the person's, on the picture's right.
    const BODY: [(f32, f32); 33] = [
        (0.5, 0.15),
        (0.51, 0.14),
        (0.52, 0.14),
        (0.53, 0.14),
        (0.49, 0.14),
        (0.48, 0.14),
        (0.47, 0.14),
        (0.545, 0.15),
        (0.455, 0.15),
        (0.515, 0.17),
        (0.485, 0.17),
        (0.58, 0.25),
        (0.42, 0.25),
        (0.6, 0.38),
        (0.4, 0.38),
        (0.61, 0.5),
        (0.39, 0.5),
        (0.615, 0.53),
        (0.385, 0.53),
        (0.61, 0.54),
        (0.39, 0.54),
        (0.6, 0.52),
        (0.4, 0.52),
        (0.55, 0.52),
        (0.45, 0.52),
        (0.55, 0.7),
        (0.45, 0.7),
        (0.55, 0.87),
        (0.45, 0.87),
        (0.55, 0.89),
        (0.45, 0.89),
        (0.57, 0.91),
        (0.43, 0.91),
    ];
    /// The BlazePose landmarks that COCO-17 has, in COCO order.
    const COCO_FROM_BLAZEPOSE: [usize; 17] = [
        0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28,
    ];
    let at = |i: usize| Landmark {
        x: BODY[i].0,
        y: BODY[i].1,
        z: None,
        visibility: 1.0,
    };
    match model {
        PoseModel::BlazePose33 => (0..33).map(at).collect(),
        PoseModel::Coco17 => COCO_FROM_BLAZEPOSE.iter().map(|&i| at(i)).collect(),
    }
}
