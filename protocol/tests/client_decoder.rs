//! `decode_client` reads straight into its fields; before, it went through serde's internally
//! tagged enum (rmp-serde buffering the whole map first). This checks the two against each other
//! on every client vector and thousands of variants of each: byte flips, truncations, trailing
//! bytes, reordered and duplicated and missing fields, the widest headers, unknown fields of
//! every type (nested huge headers included), nil optionals, and every field given a value of
//! each other MessagePack type.
//!
//! Both must give the same message, or fail with the same error kind (field, pose error and
//! unknown type included). The only differences allowed are the refusals the spec asks for and
//! serde did not make (`deliberate`): a non-string key, a `type` that is not a string (serde
//! took a bin, or an integer as a variant index), and a field of the wrong MessagePack type that
//! serde converted (a `kp` sent as a str or an array of integers, a string sent as bin, an enum
//! sent as a map or an index). Each of those must be refused as `malformed` (`missing_type` for
//! `type`), and each must actually occur among the variants.

#[allow(dead_code)]
#[path = "support/mp.rs"]
mod mp;
#[path = "support/serde_client.rs"]
mod serde_client;

use std::collections::BTreeMap;

use breakroom_protocol::{ClientMsg, DecodeError, MAX_DEPTH, decode_client};
use mp::V;
use serde_client::decode as serde_decode;

/// A result with the error's wording left out (the two decoders word `malformed` differently).
fn outcome(result: &Result<ClientMsg, DecodeError>) -> String {
    match result {
        Ok(msg) => format!("{msg:?}"),
        Err(DecodeError::Malformed(_)) => "malformed".to_owned(),
        Err(DecodeError::TrailingBytes(n)) => format!("trailing {n}"),
        Err(err) => format!("{err:?}"),
    }
}

// ---- Variants ----

/// The client vectors' bytes, by name.
fn vectors() -> Vec<(String, Vec<u8>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/client");
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .expect("vectors/client exists")
        .map(|entry| {
            let path = entry.expect("readable").path();
            let text = std::fs::read_to_string(&path).expect("readable vector");
            let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            let bytes = hex::decode(v["hex"].as_str().expect("hex")).expect("valid hex");
            (v["name"].as_str().expect("name").to_owned(), bytes)
        })
        .collect();
    out.sort();
    out
}

/// `v` with every header in its widest form and every integer as a uint64 (or an int64 when it
/// is signed), which every receiver must accept.
fn wide(v: &V) -> Vec<u8> {
    let mut out = Vec::new();
    let header = |out: &mut Vec<u8>, marker: u8, len: usize| {
        out.push(marker);
        out.extend_from_slice(&u32::try_from(len).expect("small").to_be_bytes());
    };
    match v {
        V::U(n) | V::U64(n) => {
            out.push(0xcf);
            out.extend_from_slice(&n.to_be_bytes());
        }
        V::I(n) => {
            out.push(0xd3);
            out.extend_from_slice(&n.to_be_bytes());
        }
        V::S(text) => {
            header(&mut out, 0xdb, text.len());
            out.extend_from_slice(text.as_bytes());
        }
        V::RawStr(bytes) => {
            header(&mut out, 0xdb, bytes.len());
            out.extend_from_slice(bytes);
        }
        V::Bin(bytes) => {
            header(&mut out, 0xc6, bytes.len());
            out.extend_from_slice(bytes);
        }
        V::Arr(items) => {
            header(&mut out, 0xdd, items.len());
            items.iter().for_each(|i| out.extend(wide(i)));
        }
        V::Map(entries) => {
            header(&mut out, 0xdf, entries.len());
            for (k, v) in entries {
                out.extend(wide(k));
                out.extend(wide(v));
            }
        }
        V::Nil | V::Bool(_) | V::F(_) => out.extend(mp::encode(v)),
    }
    out
}

/// A map of already-encoded entries.
fn map_of(entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut out = mp::encode(&V::Map(vec![(V::Nil, V::Nil); entries.len()]));
    out.truncate(out.len() - 2 * entries.len());
    for (k, v) in entries {
        out.extend_from_slice(k);
        out.extend_from_slice(v);
    }
    out
}

fn enc(v: &V) -> Vec<u8> {
    mp::encode(v)
}

/// Raw values for unknown fields and wrong types, beyond what `V` expresses.
fn raw_values() -> Vec<Vec<u8>> {
    let huge_array = [0xdd, 0xff, 0xff, 0xff, 0xff];
    let huge_map = [0xdf, 0xff, 0xff, 0xff, 0xff];
    vec![
        // Nested huge headers, the amplification input.
        huge_array.repeat(5),
        [huge_map.as_slice(), &[0xa1, b'k'], &huge_array, &huge_map].concat(),
        vec![0xdb, 0xff, 0xff, 0xff, 0xff, b'x'],
        vec![0xc6, 0xff, 0xff, 0xff, 0xff, 0x00],
        // ext values, and a signed encoding of a non-negative integer.
        vec![0xd4, 0x01, 0x02],
        vec![0xc7, 0x02, 0x05, 0xaa, 0xbb],
        vec![0xd0, 0x05],
        vec![0xd3, 0, 0, 0, 0, 0, 0, 0, 0x07],
        vec![0xc1],
    ]
}

/// Values of every MessagePack type, for a field's value or an unknown field.
fn other_values(original: &V) -> Vec<V> {
    let mut values = vec![
        V::Nil,
        V::Bool(true),
        V::U(0),
        V::U(5),
        V::U(1 << 32),
        V::U64(5),
        V::I(-1),
        V::F(1.0),
        mp::s(""),
        mp::s("participant"),
        mp::s("thumbs_up"),
        V::RawStr(vec![0xff, 0xfe]),
        V::Bin(b"participant".to_vec()),
        V::Arr(vec![]),
        V::Arr(vec![V::U(1)]),
        V::Map(vec![]),
        mp::map(vec![("participant", V::Nil)]),
        mp::nested_arrays(MAX_DEPTH - 1),
        mp::nested_arrays(MAX_DEPTH),
    ];
    match original {
        // A block sent as a str of the same bytes, and as an array of its bytes.
        V::Bin(bytes) => {
            values.push(V::RawStr(bytes.clone()));
            values.push(V::Arr(bytes.iter().map(|b| V::U(u64::from(*b))).collect()));
        }
        // A string sent as bin.
        V::S(text) => values.push(V::Bin(text.as_bytes().to_vec())),
        _ => {}
    }
    values
}

/// Every variant of a vector's bytes.
fn variants(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![bytes.to_vec(), [bytes, &[0xc0]].concat()];
    for i in 0..bytes.len() {
        out.push(bytes[..i].to_vec());
        for change in [0x01, 0x10, 0x80, 0xff] {
            let mut b = bytes.to_vec();
            b[i] ^= change;
            out.push(b);
        }
    }
    let Some(V::Map(entries)) = mp::decode(bytes) else {
        return out;
    };
    out.push(wide(&V::Map(entries.clone())));
    let encoded: Vec<(Vec<u8>, Vec<u8>)> = entries.iter().map(|(k, v)| (enc(k), enc(v))).collect();
    let mut reversed = encoded.clone();
    reversed.reverse();
    out.push(map_of(&reversed));
    let with = |extra: Vec<(Vec<u8>, Vec<u8>)>| {
        let mut e = encoded.clone();
        e.extend(extra);
        map_of(&e)
    };
    for name in ["resume", "target", "seq", "type"] {
        out.push(with(vec![(enc(&mp::s(name)), enc(&V::Nil))]));
    }
    for raw in raw_values() {
        out.push(with(vec![(enc(&mp::s("zz")), raw.clone())]));
        out.push(with(vec![(
            enc(&mp::s("zz")),
            [&[0x91][..], &raw].concat(),
        )]));
    }
    for (i, (k, v)) in entries.iter().enumerate() {
        let mut e = encoded.clone();
        e.remove(i);
        out.push(map_of(&e));
        out.push(with(vec![encoded[i].clone()]));
        for key in [V::U(i as u64), V::Bin(enc(k)[1..].to_vec())] {
            let mut e = encoded.clone();
            e[i].0 = enc(&key);
            out.push(map_of(&e));
        }
        for value in other_values(v) {
            let mut e = encoded.clone();
            e[i].1 = enc(&value);
            out.push(map_of(&e));
            e[i].1 = wide(&value);
            out.push(map_of(&e));
        }
        for raw in raw_values() {
            let mut e = encoded.clone();
            e[i].1 = raw;
            out.push(map_of(&e));
        }
        out.push(with(vec![(enc(&mp::s("zz")), enc(v))]));
    }
    out
}

// ---- The differences the spec asks for ----

/// What a value is, as far as `deliberate` needs to know.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Str(Option<String>),
    Bin,
    Nil,
    Other,
}

/// The top-level entries of the map at the start of `bytes` (keys and values by kind), if it is
/// one whole map. Written apart from the decoders: it only walks lengths (ext values included).
fn top_level(bytes: &[u8]) -> Option<Vec<(Kind, Kind)>> {
    fn be(rest: &mut &[u8], n: usize) -> Option<usize> {
        let (head, tail) = rest.split_at_checked(n)?;
        *rest = tail;
        Some(head.iter().fold(0, |acc, &b| acc << 8 | usize::from(b)))
    }
    fn value(rest: &mut &[u8]) -> Option<Kind> {
        let (&m, tail) = rest.split_first()?;
        *rest = tail;
        let (skip, kind, items) = match m {
            0x00..=0x7f | 0xe0..=0xff | 0xc2 | 0xc3 => (0, Kind::Other, 0),
            0xc0 => (0, Kind::Nil, 0),
            0x80..=0x8f => (0, Kind::Other, 2 * usize::from(m & 0x0f)),
            0x90..=0x9f => (0, Kind::Other, usize::from(m & 0x0f)),
            0xa0..=0xbf => (usize::from(m & 0x1f), Kind::Str(None), 0),
            0xc4..=0xc6 => (be(rest, 1 << (m - 0xc4))?, Kind::Bin, 0),
            0xc7..=0xc9 => (be(rest, 1 << (m - 0xc7))? + 1, Kind::Other, 0),
            0xca | 0xcb => (4 << (m - 0xca), Kind::Other, 0),
            0xcc..=0xcf => (1 << (m - 0xcc), Kind::Other, 0),
            0xd0..=0xd3 => (1 << (m - 0xd0), Kind::Other, 0),
            0xd4..=0xd8 => ((1 << (m - 0xd4)) + 1, Kind::Other, 0),
            0xd9..=0xdb => (be(rest, 1 << (m - 0xd9))?, Kind::Str(None), 0),
            0xdc | 0xdd => (0, Kind::Other, be(rest, 2 << (m - 0xdc))?),
            0xde | 0xdf => (0, Kind::Other, 2 * be(rest, 2 << (m - 0xde))?),
            0xc1 => return None,
        };
        let (data, tail) = rest.split_at_checked(skip)?;
        *rest = tail;
        for _ in 0..items {
            value(rest)?;
        }
        Some(match kind {
            Kind::Str(_) => Kind::Str(String::from_utf8(data.to_vec()).ok()),
            kind => kind,
        })
    }
    let mut rest = bytes;
    let n = match *rest.first()? {
        m @ 0x80..=0x8f => {
            rest = &rest[1..];
            usize::from(m & 0x0f)
        }
        m @ (0xde | 0xdf) => {
            rest = &rest[1..];
            be(&mut rest, 2 << (m - 0xde))?
        }
        _ => return None,
    };
    (0..n)
        .map(|_| Some((value(&mut rest)?, value(&mut rest)?)))
        .collect()
}

const STRINGS: &[&str] = &["sdk", "sdk_version", "token", "resume", "room", "exercise"];
const ENUMS: &[&str] = &["role", "sharing", "action", "reaction"];

/// Which refusal the spec asks for that serde did not make, if `bytes` has one.
fn deliberate(bytes: &[u8]) -> Option<&'static str> {
    let entries = top_level(bytes)?;
    if entries
        .iter()
        .any(|(k, _)| !matches!(k, Kind::Str(Some(_))))
    {
        return Some("a key that is not a string");
    }
    let key = |k: &Kind| match k {
        Kind::Str(Some(k)) => k.clone(),
        _ => String::new(),
    };
    if entries
        .iter()
        .any(|(k, v)| key(k) == "type" && !matches!(v, Kind::Str(_)))
    {
        return Some("a `type` that is not a string");
    }
    for (k, v) in &entries {
        let k = key(k);
        let wrong = match k.as_str() {
            "kp" => *v != Kind::Bin,
            "resume" => !matches!(v, Kind::Str(_) | Kind::Nil),
            k if STRINGS.contains(&k) || ENUMS.contains(&k) => !matches!(v, Kind::Str(_)),
            _ => false,
        };
        if wrong {
            return Some(match k.as_str() {
                "kp" => "a `kp` that is not a bin",
                k if ENUMS.contains(&k) => "an enum that is not a string",
                _ => "a string field that is not a str",
            });
        }
    }
    None
}

#[test]
fn the_direct_decoder_gives_what_serde_gave_except_where_the_spec_refuses() {
    let mut inputs = 0;
    let mut deliberate_seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (name, bytes) in vectors() {
        for input in variants(&bytes) {
            inputs += 1;
            let (old, new) = (serde_decode(&input), decode_client(&input));
            let (o, n) = (outcome(&old), outcome(&new));
            if o == n {
                continue;
            }
            let refused = matches!(
                new,
                Err(DecodeError::Malformed(_) | DecodeError::MissingType)
            );
            match deliberate(&input) {
                Some(reason) if refused => *deliberate_seen.entry(reason).or_default() += 1,
                reason => failures.push(format!(
                    "{name}: {}\n  serde: {o}\n  now:   {n}\n  ({reason:?})",
                    hex::encode(&input)
                )),
            }
        }
    }
    println!("{inputs} inputs; refusals serde did not make: {deliberate_seen:?}");
    assert!(
        failures.is_empty(),
        "{} of {inputs} inputs differ:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    // The variants do reach each refusal that serde did not make.
    for reason in [
        "a key that is not a string",
        "a `type` that is not a string",
        "a `kp` that is not a bin",
        "an enum that is not a string",
        "a string field that is not a str",
    ] {
        assert!(
            deliberate_seen.contains_key(reason),
            "no variant tested {reason}: {deliberate_seen:?}"
        );
    }
    assert!(inputs > 50_000, "only {inputs} inputs");
}

#[test]
fn a_type_sent_as_an_integer_is_not_a_variant_index() {
    // serde read `type: 5` as the sixth variant, `ping`.
    let bytes = enc(&mp::map(vec![("type", V::U(5)), ("t0", V::U(1))]));
    assert!(serde_decode(&bytes).is_ok());
    assert_eq!(decode_client(&bytes), Err(DecodeError::MissingType));
}

#[test]
fn a_kp_of_the_right_length_as_a_str_is_refused() {
    // A COCO-17 block (87 bytes) that happens to be valid UTF-8.
    let block: Vec<u8> = [2, 0].into_iter().chain([b'A'; 85]).collect();
    let bytes = enc(&mp::map(vec![
        ("type", mp::s("pose")),
        ("t", V::U(1)),
        ("kp", V::S(String::from_utf8(block).expect("ASCII"))),
    ]));
    assert!(serde_decode(&bytes).is_ok(), "serde took it as bytes");
    assert!(matches!(
        decode_client(&bytes),
        Err(DecodeError::Malformed(m)) if m.contains("kp")
    ));
}
