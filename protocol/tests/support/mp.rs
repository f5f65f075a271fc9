//! A tiny MessagePack writer for hand-made frames: the non-canonical and broken encodings that
//! the message types themselves cannot produce.

/// A MessagePack value, encoded exactly as written.
#[derive(Debug, Clone)]
pub(crate) enum V {
    Nil,
    Bool(bool),
    /// An unsigned integer in its smallest encoding.
    U(u64),
    /// An unsigned integer always as `uint64` (0xcf), whatever its size.
    U64(u64),
    /// A signed integer in its smallest signed encoding.
    I(i64),
    /// A `float64`.
    F(f64),
    S(String),
    /// A `str` whose bytes need not be UTF-8.
    RawStr(Vec<u8>),
    Bin(Vec<u8>),
    Arr(Vec<V>),
    Map(Vec<(V, V)>),
}

/// A map with string keys, in the order given.
pub(crate) fn map(entries: Vec<(&str, V)>) -> V {
    V::Map(entries.into_iter().map(|(k, v)| (s(k), v)).collect())
}

/// A string.
pub(crate) fn s(text: &str) -> V {
    V::S(text.to_owned())
}

/// `levels` arrays nested in one another (the innermost empty).
pub(crate) fn nested_arrays(levels: usize) -> V {
    (1..levels).fold(V::Arr(Vec::new()), |inner, _| V::Arr(vec![inner]))
}

/// The bytes of `v`.
pub(crate) fn encode(v: &V) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out, v);
    out
}

fn write(out: &mut Vec<u8>, v: &V) {
    match v {
        V::Nil => out.push(0xc0),
        V::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        V::U(n) => write_uint(out, *n),
        V::U64(n) => {
            out.push(0xcf);
            out.extend_from_slice(&n.to_be_bytes());
        }
        V::I(n) if *n >= 0 => write_uint(out, n.unsigned_abs()),
        V::I(n) if *n >= -32 => out.extend_from_slice(&n.to_be_bytes()[7..]),
        V::I(n) => {
            out.push(0xd3);
            out.extend_from_slice(&n.to_be_bytes());
        }
        V::F(f) => {
            out.push(0xcb);
            out.extend_from_slice(&f.to_be_bytes());
        }
        V::S(text) => write_str(out, text.as_bytes()),
        V::RawStr(bytes) => write_str(out, bytes),
        V::Bin(bytes) => {
            write_len(out, bytes.len(), None, [0xc4, 0xc5, 0xc6]);
            out.extend_from_slice(bytes);
        }
        V::Arr(items) => {
            write_len(out, items.len(), Some((0x90, 16)), [0xdc, 0xdc, 0xdd]);
            items.iter().for_each(|item| write(out, item));
        }
        V::Map(entries) => {
            write_len(out, entries.len(), Some((0x80, 16)), [0xde, 0xde, 0xdf]);
            for (k, v) in entries {
                write(out, k);
                write(out, v);
            }
        }
    }
}

fn write_uint(out: &mut Vec<u8>, n: u64) {
    match n {
        0..=0x7f => out.push(n as u8),
        0x80..=0xff => out.extend_from_slice(&[0xcc, n as u8]),
        0x100..=0xffff => {
            out.push(0xcd);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(0xce);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
        _ => {
            out.push(0xcf);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
}

fn write_str(out: &mut Vec<u8>, bytes: &[u8]) {
    write_len(out, bytes.len(), Some((0xa0, 32)), [0xd9, 0xda, 0xdb]);
    out.extend_from_slice(bytes);
}

/// Writes a length header: the fix form (`base | len` below `limit`) if there is one, else the
/// 8-, 16- or 32-bit form.
fn write_len(out: &mut Vec<u8>, len: usize, fix: Option<(u8, usize)>, markers: [u8; 3]) {
    if let Some((base, limit)) = fix
        && len < limit
    {
        out.push(base | len as u8);
        return;
    }
    if len <= 0xff && markers[0] != markers[1] {
        out.extend_from_slice(&[markers[0], len as u8]);
    } else if len <= 0xffff {
        out.push(markers[1]);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(markers[2]);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
}

/// Reads one value that fills `bytes` exactly (`None` for anything else, including ext types).
pub(crate) fn decode(bytes: &[u8]) -> Option<V> {
    let mut rest = bytes;
    let v = read(&mut rest)?;
    rest.is_empty().then_some(v)
}

fn take<'a>(rest: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (head, tail) = (rest.get(..n)?, rest.get(n..)?);
    *rest = tail;
    Some(head)
}

fn be(rest: &mut &[u8], n: usize) -> Option<u64> {
    Some(
        take(rest, n)?
            .iter()
            .fold(0, |acc, &b| acc << 8 | u64::from(b)),
    )
}

fn read(rest: &mut &[u8]) -> Option<V> {
    let marker = take(rest, 1)?[0];
    let len = |rest: &mut &[u8], n: usize| be(rest, n).map(|l| l as usize);
    Some(match marker {
        0x00..=0x7f => V::U(u64::from(marker)),
        0x80..=0x8f => read_map(rest, usize::from(marker & 0x0f))?,
        0x90..=0x9f => read_arr(rest, usize::from(marker & 0x0f))?,
        0xa0..=0xbf => read_str(rest, usize::from(marker & 0x1f))?,
        0xc0 => V::Nil,
        0xc2 => V::Bool(false),
        0xc3 => V::Bool(true),
        0xc4..=0xc6 => {
            let n = len(rest, 1 << (marker - 0xc4))?;
            V::Bin(take(rest, n)?.to_vec())
        }
        0xca => V::F(f64::from(f32::from_bits(be(rest, 4)? as u32))),
        0xcb => V::F(f64::from_bits(be(rest, 8)?)),
        0xcc..=0xcf => V::U(be(rest, 1 << (marker - 0xcc))?),
        0xd0..=0xd3 => {
            let n = 1usize << (marker - 0xd0);
            let raw = be(rest, n)?;
            let shift = 64 - 8 * n as u32;
            V::I(((raw << shift) as i64) >> shift)
        }
        0xd9..=0xdb => {
            let n = len(rest, 1 << (marker - 0xd9))?;
            read_str(rest, n)?
        }
        0xdc | 0xdd => {
            let n = len(rest, if marker == 0xdc { 2 } else { 4 })?;
            read_arr(rest, n)?
        }
        0xde | 0xdf => {
            let n = len(rest, if marker == 0xde { 2 } else { 4 })?;
            read_map(rest, n)?
        }
        0xe0..=0xff => V::I(i64::from(marker as i8)),
        _ => return None,
    })
}

fn read_str(rest: &mut &[u8], n: usize) -> Option<V> {
    let bytes = take(rest, n)?.to_vec();
    Some(match String::from_utf8(bytes) {
        Ok(text) => V::S(text),
        Err(e) => V::RawStr(e.into_bytes()),
    })
}

fn read_arr(rest: &mut &[u8], n: usize) -> Option<V> {
    (0..n)
        .map(|_| read(rest))
        .collect::<Option<Vec<_>>>()
        .map(V::Arr)
}

fn read_map(rest: &mut &[u8], n: usize) -> Option<V> {
    (0..n)
        .map(|_| Some((read(rest)?, read(rest)?)))
        .collect::<Option<Vec<_>>>()
        .map(V::Map)
}
