//! The CI smoke scenario (`breakroom-load smoke`) as a test: an in-process breakroom, 3 rooms ×
//! 4 participants at 15 Hz for about 6 s; no skeleton lost, every cue seen by every client of
//! its room, none late.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke_loses_nothing_and_no_cue_is_late() {
    let problems = breakroom_load::smoke()
        .await
        .expect("the smoke scenario runs");
    assert!(problems.is_empty(), "{problems:#?}");
}
