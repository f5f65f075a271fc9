//! The web app has its own words for every exercise of the built-in catalogue, in English and
//! Swedish (`client-sdk/web/src/exercises.ts`: how to do it, and what the detector's phases
//! mean), so a new exercise (lunges) does not show up without them. The names themselves come
//! from the catalogue.
#![allow(missing_docs, clippy::unwrap_used)]

use std::path::Path;

use breakroom_rooms::{Catalogue, DetectorPhase};

#[test]
fn the_web_app_says_how_to_do_every_exercise_of_the_catalogue_in_both_languages() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("client-sdk/web/src/exercises.ts");
    let source = std::fs::read_to_string(&path).unwrap();
    let texts = &source[source.find("const TEXTS").expect("the TEXTS table")..];
    let sv = texts.find("\n  sv: {").expect("the Swedish texts");
    let (en, sv) = texts.split_at(sv);
    for (lang, table) in [("en", en), ("sv", sv)] {
        for exercise in Catalogue::builtin().iter() {
            let entry = format!("\n    {}: {{\n      how: '", exercise.id);
            assert!(
                table.contains(&entry),
                "{}: no `{lang}` how-to for `{}`",
                path.display(),
                exercise.id
            );
        }
    }
    // Lunges' phases read as the person's legs: left and right leg forward, feet together.
    for (phase, en_text, sv_text) in [
        (DetectorPhase::Left, "Left leg forward", "Vänster ben fram"),
        (DetectorPhase::Right, "Right leg forward", "Höger ben fram"),
        (DetectorPhase::Neutral, "Feet together", "Fötterna ihop"),
    ] {
        for (table, text) in [(en, en_text), (sv, sv_text)] {
            let lunges = &table[table.find("\n    lunges: {").unwrap()..];
            let lunges = &lunges[..lunges.find("\n    },").unwrap()];
            assert!(
                lunges.contains(&format!("{phase}: '{text}'")),
                "lunges' `{phase}` should read {text:?}: {lunges}"
            );
        }
    }
}
