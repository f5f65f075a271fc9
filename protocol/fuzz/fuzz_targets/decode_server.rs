//! `decode_server` never panics; what it accepts re-encodes canonically and decodes again to the
//! same value.

#![no_main]

use breakroom_protocol::{DecodeError, MAX_SERVER_MSG_BYTES, decode_server, encode_server};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = decode_server(data) else {
        return;
    };
    let canonical = encode_server(&msg);
    if canonical.len() > MAX_SERVER_MSG_BYTES {
        // Lenient input (e.g. an unknown error code, read as `unknown`) can be shorter than
        // its canonical form.
        assert!(matches!(
            decode_server(&canonical),
            Err(DecodeError::TooLarge { .. })
        ));
        return;
    }
    let again = decode_server(&canonical).expect("a canonical encoding decodes");
    assert_eq!(again, msg);
    assert_eq!(encode_server(&again), canonical);
});
