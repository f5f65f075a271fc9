//! The body at one aspect ratio: where each model keeps its landmarks, the body scale, and the
//! checks of one pose on its own (bones, torso, head).

use breakroom_protocol::PoseModel;

use super::{
    HEAD, HIPS_WIDER, Implausible, Mark, NECK, Pose, SIDES_DIFFER, TWIST_COS, TWIST_MIN,
    UNSURE_SLACK,
};

/// A point in image heights, for one aspect ratio.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pt {
    x: f64,
    y: f64,
}

pub(super) fn dist(a: Pt, b: Pt) -> f64 {
    dist2(a, b).sqrt()
}

/// Whether `a` and `b` are further apart than `limit` (no square root: the hot path).
pub(super) fn further(a: Pt, b: Pt, limit: f64) -> bool {
    dist2(a, b) > limit * limit
}

fn dist2(a: Pt, b: Pt) -> f64 {
    let (dx, dy) = (a.x - b.x, a.y - b.y);
    dx * dx + dy * dy
}

fn mid(a: Pt, b: Pt) -> Pt {
    Pt {
        x: (a.x + b.x) / 2.0,
        y: (a.y + b.y) / 2.0,
    }
}

/// A set of landmark indices as bits.
const fn bits(ids: &[usize]) -> u64 {
    let mut set = 0;
    let mut k = 0;
    while k < ids.len() {
        set |= 1 << ids[k];
        k += 1;
    }
    set
}

/// Where each model keeps the landmarks the checks use.
pub(super) struct Layout {
    shoulders: (usize, usize),
    hips: (usize, usize),
    nose: usize,
    /// Face landmarks other than the nose.
    face: &'static [usize],
    /// The tree: (child, parent, longest length in body scales, name), parents first.
    bones: &'static [(usize, usize, f64, &'static str)],
    /// Whole limbs: joints from the root, longest total length, name.
    limbs: &'static [(&'static [usize], f64, &'static str)],
    /// Torso and head: the slower part of the body.
    pub(super) core: u64,
}

const BLAZEPOSE: Layout = Layout {
    shoulders: (11, 12),
    hips: (23, 24),
    nose: 0,
    face: &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    bones: &[
        (12, 11, 0.55, "shoulder line"),
        (23, 11, 1.25, "torso"),
        (24, 12, 1.25, "torso"),
        (23, 12, 1.3, "torso"),
        (24, 23, 0.4, "hip line"),
        (0, 11, 1.0, "neck"),
        (24, 11, 1.3, "torso"),
        (1, 0, 0.45, "face"),
        (2, 0, 0.45, "face"),
        (3, 0, 0.45, "face"),
        (4, 0, 0.45, "face"),
        (5, 0, 0.45, "face"),
        (6, 0, 0.45, "face"),
        (7, 0, 0.45, "face"),
        (8, 0, 0.45, "face"),
        (9, 0, 0.45, "face"),
        (10, 0, 0.45, "face"),
        (13, 11, 1.1, "upper arm"),
        (14, 12, 1.1, "upper arm"),
        (15, 13, 1.0, "forearm"),
        (16, 14, 1.0, "forearm"),
        (17, 15, 0.3, "hand"),
        (19, 15, 0.3, "hand"),
        (21, 15, 0.3, "hand"),
        (18, 16, 0.3, "hand"),
        (20, 16, 0.3, "hand"),
        (22, 16, 0.3, "hand"),
        (25, 23, 1.2, "thigh"),
        (26, 24, 1.2, "thigh"),
        (27, 25, 1.2, "shin"),
        (28, 26, 1.2, "shin"),
        (29, 27, 0.55, "foot"),
        (31, 27, 0.55, "foot"),
        (30, 28, 0.55, "foot"),
        (32, 28, 0.55, "foot"),
    ],
    limbs: &[
        (&[11, 13, 15], 2.0, "arm"),
        (&[12, 14, 16], 2.0, "arm"),
        (&[23, 25, 27], 2.3, "leg"),
        (&[24, 26, 28], 2.3, "leg"),
    ],
    core: bits(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 23, 24]),
};

const COCO: Layout = Layout {
    shoulders: (5, 6),
    hips: (11, 12),
    nose: 0,
    face: &[1, 2, 3, 4],
    bones: &[
        (6, 5, 0.55, "shoulder line"),
        (11, 5, 1.25, "torso"),
        (12, 6, 1.25, "torso"),
        (11, 6, 1.3, "torso"),
        (12, 11, 0.4, "hip line"),
        (0, 5, 1.0, "neck"),
        (12, 5, 1.3, "torso"),
        (1, 0, 0.45, "face"),
        (2, 0, 0.45, "face"),
        (3, 0, 0.45, "face"),
        (4, 0, 0.45, "face"),
        (7, 5, 1.1, "upper arm"),
        (8, 6, 1.1, "upper arm"),
        (9, 7, 1.0, "forearm"),
        (10, 8, 1.0, "forearm"),
        (13, 11, 1.2, "thigh"),
        (14, 12, 1.2, "thigh"),
        (15, 13, 1.2, "shin"),
        (16, 14, 1.2, "shin"),
    ],
    limbs: &[
        (&[5, 7, 9], 2.0, "arm"),
        (&[6, 8, 10], 2.0, "arm"),
        (&[11, 13, 15], 2.3, "leg"),
        (&[12, 14, 16], 2.3, "leg"),
    ],
    core: bits(&[0, 1, 2, 3, 4, 5, 6, 11, 12]),
};

pub(super) fn layout(model: PoseModel) -> &'static Layout {
    match model {
        PoseModel::BlazePose33 => &BLAZEPOSE,
        PoseModel::Coco17 => &COCO,
    }
}

/// The pose at one aspect ratio: points in image heights.
pub(super) struct View<'a> {
    pub(super) pose: &'a Pose,
    pub(super) aspect: f64,
    pub(super) layout: &'static Layout,
}

impl View<'_> {
    pub(super) fn pt(&self, i: usize) -> Pt {
        let m = self.pose.marks[i];
        Pt {
            x: m.x * self.aspect,
            y: m.y,
        }
    }

    fn mark(&self, i: usize) -> Mark {
        self.pose.marks[i]
    }

    /// The body scale Ŝ (see the module docs), or `None` when there is nothing to measure.
    /// Landmarks clamped to the block's edge are off the picture by an unknown amount: they
    /// measure the body only when nothing else does.
    pub(super) fn scale(&self) -> Option<f64> {
        self.scale_from(|m| m.present() && !m.clamped)
            .or_else(|| self.scale_from(Mark::present))
    }

    fn scale_from(&self, usable: impl Fn(&Mark) -> bool) -> Option<f64> {
        let reference = |i: usize| usable(&self.mark(i));
        let (ls, rs) = self.layout.shoulders;
        let (lh, rh) = self.layout.hips;
        // The usable ones of a pair, without allocating: `ids[..n]`.
        let pick = |a: usize, b: usize| match (reference(a), reference(b)) {
            (true, true) => ([a, b], 2),
            (true, false) => ([a, a], 1),
            (false, true) => ([b, b], 1),
            (false, false) => ([a, b], 0),
        };
        let ((s_ids, s_n), (h_ids, h_n)) = (pick(ls, rs), pick(lh, rh));
        let (shoulders, hips) = (&s_ids[..s_n], &h_ids[..h_n]);
        let centre = |ids: &[usize]| match ids {
            [a, b] => mid(self.pt(*a), self.pt(*b)),
            [a] => self.pt(*a),
            _ => Pt { x: 0.0, y: 0.0 },
        };
        let width = (shoulders.len() == 2).then(|| dist(self.pt(ls), self.pt(rs)));
        if let (Some(w), 2) = (width, hips.len()) {
            let t = dist(centre(shoulders), centre(hips));
            return Some(t.hypot(2.0 * w));
        }
        // No hips: the shoulders and the neck, more loosely. Without shoulders and a nose,
        // nothing measures the body.
        let (w, nose) = (width?, self.layout.nose);
        if !reference(nose) {
            return None;
        }
        let neck = dist(self.pt(nose), centre(shoulders));
        Some(2.1 * (2.0 * w).hypot(2.0 * neck))
    }

    /// The torso is a torso (shoulders and hips face the same way, its sides agree), and the
    /// head is small and sits on the shoulders.
    pub(super) fn head(&self, scale: f64) -> Result<(), Implausible> {
        let mut present = [0usize; 11];
        let mut n = 0;
        for i in std::iter::once(self.layout.nose).chain(self.layout.face.iter().copied()) {
            if self.mark(i).present() && n < present.len() {
                present[n] = i;
                n += 1;
            }
        }
        let face = &present[..n];
        for (k, &a) in face.iter().enumerate() {
            for &b in &face[k + 1..] {
                if further(self.pt(a), self.pt(b), HEAD * scale * self.slack(a, b)) {
                    return Err(Implausible::Bone("head"));
                }
            }
        }
        let (ls, rs) = self.layout.shoulders;
        let (lh, rh) = self.layout.hips;
        if [ls, rs, lh, rh].iter().all(|&i| self.mark(i).present()) {
            let (s, h) = (self.pt(ls), self.pt(rs));
            let shoulders = (s.x - h.x, s.y - h.y);
            let (l, r) = (self.pt(lh), self.pt(rh));
            let hips = (l.x - r.x, l.y - r.y);
            let (a, b) = (shoulders.0.hypot(shoulders.1), hips.0.hypot(hips.1));
            let cos = (shoulders.0 * hips.0 + shoulders.1 * hips.1) / (a * b);
            if a >= TWIST_MIN * scale && b >= TWIST_MIN * scale && cos < TWIST_COS {
                return Err(Implausible::Bone("torso twist"));
            }
            // Hips are narrower than shoulders, and parallel lines foreshorten alike.
            if b - a > HIPS_WIDER * scale {
                return Err(Implausible::Bone("hip line"));
            }
            // The torso's two sides are parallel and as long as each other: seen from
            // anywhere, their lengths differ little.
            let sides = (
                dist(self.pt(ls), self.pt(lh)),
                dist(self.pt(rs), self.pt(rh)),
            );
            if (sides.0 - sides.1).abs() > SIDES_DIFFER * scale {
                return Err(Implausible::Bone("torso side"));
            }
        }
        let nose = self.layout.nose;
        if [ls, rs, nose].iter().all(|&i| self.mark(i).present()) {
            let neck = (self.pt(nose), mid(self.pt(ls), self.pt(rs)));
            let slack = self.slack(nose, ls).max(self.slack(nose, rs));
            if further(neck.0, neck.1, NECK * scale * slack) {
                return Err(Implausible::Bone("neck"));
            }
        }
        Ok(())
    }

    /// How far a bone may reach between two present landmarks.
    fn slack(&self, a: usize, b: usize) -> f64 {
        if self.mark(a).level < 2 || self.mark(b).level < 2 {
            UNSURE_SLACK
        } else {
            1.0
        }
    }

    pub(super) fn bones(&self, scale: f64) -> Result<(), Implausible> {
        // Reach of each landmark's nearest present ancestor, walking up absent ones.
        let mut up = [None::<(usize, f64)>; 33];
        for &(child, parent, limit, name) in self.layout.bones {
            let via = if self.mark(parent).present() {
                Some((parent, limit))
            } else {
                up[parent].map(|(a, l)| (a, l + limit))
            };
            up[child] = via;
            let Some((anchor, limit)) = via else { continue };
            if !self.mark(child).present() {
                continue;
            }
            let allowed = limit * scale * self.slack(child, anchor);
            if further(self.pt(child), self.pt(anchor), allowed) {
                return Err(Implausible::Bone(name));
            }
        }
        for &(joints, limit, name) in self.layout.limbs {
            if joints.iter().all(|&j| self.mark(j).present()) {
                let length: f64 = joints
                    .windows(2)
                    .map(|w| dist(self.pt(w[0]), self.pt(w[1])))
                    .sum();
                let slack = self.slack(joints[0], joints[joints.len() - 1]);
                if length > limit * scale * slack {
                    return Err(Implausible::Bone(name));
                }
            }
        }
        Ok(())
    }
}
