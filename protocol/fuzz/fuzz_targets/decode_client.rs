//! `decode_client` never panics; what it accepts re-encodes canonically and decodes again to the
//! same value.

#![no_main]

use breakroom_protocol::{DecodeError, MAX_CLIENT_MSG_BYTES, decode_client, encode_client};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = decode_client(data) else {
        return;
    };
    let canonical = encode_client(&msg);
    if canonical.len() > MAX_CLIENT_MSG_BYTES {
        // Lenient input (e.g. integer field keys) can be shorter than its canonical form.
        assert!(matches!(
            decode_client(&canonical),
            Err(DecodeError::TooLarge { .. })
        ));
        return;
    }
    let again = decode_client(&canonical).expect("a canonical encoding decodes");
    assert_eq!(again, msg);
    assert_eq!(encode_client(&again), canonical);
});
