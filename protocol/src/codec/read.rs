//! A MessagePack reader over one frame's bytes, for decoders that read straight into their
//! fields: typed reads borrow from the frame, and whatever is skipped (unknown fields, of any
//! shape) is walked without allocating. Headers are never trusted for sizes: a length is only
//! ever compared with the bytes that are there, so a header claiming four billion elements costs
//! what the frame's few bytes cost.
//!
//! Markers are classified by `rmp` (the MessagePack crate `rmp-serde` is built on).

use rmp::Marker;

use crate::codec::MAX_DEPTH;

/// Why a frame is not the MessagePack its decoder expects; it becomes
/// [`crate::DecodeError::Malformed`]. Only the error path allocates (its text).
#[derive(Debug)]
pub(super) struct Malformed(pub(super) String);

pub(super) type Result<T> = std::result::Result<T, Malformed>;

pub(super) fn malformed(text: impl Into<String>) -> Malformed {
    Malformed(text.into())
}

fn ends_early() -> Malformed {
    malformed("the message ends early")
}

fn expected(field: &str, what: &str, found: Marker) -> Malformed {
    Malformed(format!("`{field}` must be {what}, not {}", describe(found)))
}

/// What a marker starts, in words.
fn describe(marker: Marker) -> &'static str {
    match marker {
        Marker::Null => "nil",
        Marker::True | Marker::False => "a boolean",
        Marker::FixPos(_) | Marker::U8 | Marker::U16 | Marker::U32 | Marker::U64 => "an integer",
        Marker::FixNeg(_) | Marker::I8 | Marker::I16 | Marker::I32 | Marker::I64 => {
            "a signed integer"
        }
        Marker::F32 | Marker::F64 => "a float",
        Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => "a string",
        Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => "a byte string",
        Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => "an array",
        Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => "a map",
        Marker::FixExt1
        | Marker::FixExt2
        | Marker::FixExt4
        | Marker::FixExt8
        | Marker::FixExt16
        | Marker::Ext8
        | Marker::Ext16
        | Marker::Ext32 => "an ext value",
        Marker::Reserved => "the byte 0xc1 (never used in MessagePack)",
    }
}

/// A cursor over the frame's bytes. Copying it is how a decoder looks ahead.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    /// Bytes not read yet.
    pub(super) fn remaining(&self) -> usize {
        self.rest.len()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let (head, tail) = self.rest.split_at_checked(n).ok_or_else(ends_early)?;
        self.rest = tail;
        Ok(head)
    }

    fn marker(&mut self) -> Result<Marker> {
        let (&first, tail) = self.rest.split_first().ok_or_else(ends_early)?;
        self.rest = tail;
        Ok(Marker::from_u8(first))
    }

    /// A big-endian unsigned integer of `n` (1, 2, 4 or 8) bytes.
    fn be(&mut self, n: usize) -> Result<u64> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0, |acc, &b| acc << 8 | u64::from(b)))
    }

    /// A length of `n` bytes; `usize` holds every u32 on the platforms Rust supports here.
    fn len(&mut self, n: usize) -> Result<usize> {
        usize::try_from(self.be(n)?).map_err(|_| ends_early())
    }

    /// The header of a map: its number of entries.
    pub(super) fn map_len(&mut self, field: &str) -> Result<usize> {
        match self.marker()? {
            Marker::FixMap(n) => Ok(usize::from(n)),
            Marker::Map16 => self.len(2),
            Marker::Map32 => self.len(4),
            other => Err(expected(field, "a map", other)),
        }
    }

    /// The data of a string, if the next value is one; `None` (nothing consumed) otherwise.
    fn str_bytes(&mut self) -> Result<Option<&'a [u8]>> {
        let mut ahead = *self;
        let n = match ahead.marker()? {
            Marker::FixStr(n) => usize::from(n),
            Marker::Str8 => ahead.len(1)?,
            Marker::Str16 => ahead.len(2)?,
            Marker::Str32 => ahead.len(4)?,
            _ => return Ok(None),
        };
        let bytes = ahead.take(n)?;
        *self = ahead;
        Ok(Some(bytes))
    }

    /// A UTF-8 string.
    pub(super) fn str(&mut self, field: &str) -> Result<&'a str> {
        match self.str_bytes()? {
            Some(bytes) => {
                std::str::from_utf8(bytes).map_err(|_| malformed(format!("`{field}` is not UTF-8")))
            }
            None => Err(expected(field, "a string", self.marker()?)),
        }
    }

    /// A key of a map whose keys must be strings (every map of a message).
    pub(super) fn key(&mut self) -> Result<&'a str> {
        match self.str_bytes()? {
            Some(bytes) => std::str::from_utf8(bytes)
                .map_err(|_| malformed("a key of the message is not UTF-8")),
            None => Err(malformed(format!(
                "the message's keys must be strings, not {}",
                describe(self.marker()?)
            ))),
        }
    }

    /// The next value if it is a UTF-8 string; any other value is skipped and gives `None`.
    /// `level` is the nesting level a container here would have.
    pub(super) fn str_or_skip(&mut self, level: usize) -> Result<Option<&'a str>> {
        match self.str_bytes()? {
            Some(bytes) => Ok(std::str::from_utf8(bytes).ok()),
            None => self.skip(level).map(|()| None),
        }
    }

    /// A byte string (MessagePack bin, and nothing else).
    pub(super) fn bin(&mut self, field: &str) -> Result<&'a [u8]> {
        let n = match self.marker()? {
            Marker::Bin8 => self.len(1)?,
            Marker::Bin16 => self.len(2)?,
            Marker::Bin32 => self.len(4)?,
            other => return Err(expected(field, "a byte string (bin)", other)),
        };
        self.take(n)
    }

    /// A non-negative integer in any integer encoding (a signed one holding a value >= 0
    /// included, as MessagePack libraries write them); never a float.
    pub(super) fn uint(&mut self, field: &str) -> Result<u64> {
        let signed =
            |v: i64| u64::try_from(v).map_err(|_| malformed(format!("`{field}` is negative")));
        match self.marker()? {
            Marker::FixPos(n) => Ok(u64::from(n)),
            Marker::U8 => self.be(1),
            Marker::U16 => self.be(2),
            Marker::U32 => self.be(4),
            Marker::U64 => self.be(8),
            Marker::FixNeg(n) => signed(i64::from(n)),
            // Sign-extend from the encoded width.
            Marker::I8 => signed(i64::from(self.be(1)? as u8 as i8)),
            Marker::I16 => signed(i64::from(self.be(2)? as u16 as i16)),
            Marker::I32 => signed(i64::from(self.be(4)? as u32 as i32)),
            Marker::I64 => signed(self.be(8)? as i64),
            other => Err(expected(field, "an integer", other)),
        }
    }

    /// A `u32`.
    pub(super) fn u32(&mut self, field: &str) -> Result<u32> {
        u32::try_from(self.uint(field)?)
            .map_err(|_| malformed(format!("`{field}` is above 4294967295")))
    }

    /// Consumes a nil if one is next.
    pub(super) fn nil(&mut self) -> bool {
        match self.rest.split_first() {
            Some((0xc0, tail)) => {
                self.rest = tail;
                true
            }
            _ => false,
        }
    }

    /// Skips one value of any type, checking that it is complete and nests no deeper than
    /// [`MAX_DEPTH`] maps and arrays. `level` is the nesting level a container here would have
    /// (the message's own map is level 1).
    pub(super) fn skip(&mut self, level: usize) -> Result<()> {
        let (items, n) = match self.marker()? {
            Marker::FixPos(_) | Marker::FixNeg(_) | Marker::Null | Marker::True | Marker::False => {
                return Ok(());
            }
            Marker::U8 | Marker::I8 => return self.take(1).map(drop),
            Marker::U16 | Marker::I16 => return self.take(2).map(drop),
            Marker::U32 | Marker::I32 | Marker::F32 => return self.take(4).map(drop),
            Marker::U64 | Marker::I64 | Marker::F64 => return self.take(8).map(drop),
            Marker::FixStr(n) => return self.take(usize::from(n)).map(drop),
            Marker::Str8 | Marker::Bin8 => return self.len(1).and_then(|n| self.take(n)).map(drop),
            Marker::Str16 | Marker::Bin16 => {
                return self.len(2).and_then(|n| self.take(n)).map(drop);
            }
            Marker::Str32 | Marker::Bin32 => {
                return self.len(4).and_then(|n| self.take(n)).map(drop);
            }
            // An ext value is a type byte and its data.
            Marker::FixExt1 => return self.take(2).map(drop),
            Marker::FixExt2 => return self.take(3).map(drop),
            Marker::FixExt4 => return self.take(5).map(drop),
            Marker::FixExt8 => return self.take(9).map(drop),
            Marker::FixExt16 => return self.take(17).map(drop),
            Marker::Ext8 => return self.len(1).and_then(|n| self.take(n + 1)).map(drop),
            Marker::Ext16 => return self.len(2).and_then(|n| self.take(n + 1)).map(drop),
            Marker::Ext32 => return self.len(4).and_then(|n| self.take(n + 1)).map(drop),
            Marker::Reserved => return Err(malformed(describe(Marker::Reserved))),
            Marker::FixArray(n) => (1, usize::from(n)),
            Marker::Array16 => (1, self.len(2)?),
            Marker::Array32 => (1, self.len(4)?),
            Marker::FixMap(n) => (2, usize::from(n)),
            Marker::Map16 => (2, self.len(2)?),
            Marker::Map32 => (2, self.len(4)?),
        };
        if level > MAX_DEPTH {
            return Err(malformed(format!(
                "nesting deeper than {MAX_DEPTH} levels of maps and arrays"
            )));
        }
        // Every value takes at least a byte: a count beyond what is left ends early, without
        // walking four billion missing elements.
        let values = n.saturating_mul(items);
        if values > self.rest.len() {
            return Err(ends_early());
        }
        (0..values).try_for_each(|_| self.skip(level + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(bytes: &[u8]) -> Result<usize> {
        let mut r = Reader::new(bytes);
        r.skip(1)?;
        Ok(r.remaining())
    }

    #[test]
    fn skipping_walks_every_kind_of_value() {
        // map {"a": [1, -1, 2.5, nil, true, "x", bin[1], ext1, {}]}, then one byte left over
        let bytes = [
            0x81, 0xa1, b'a', 0x99, 0x01, 0xff, 0xca, 0x40, 0x20, 0, 0, 0xc0, 0xc3, 0xa1, b'x',
            0xc4, 1, 9, 0xd4, 1, 2, 0x80, 0x00,
        ];
        assert_eq!(skip(&bytes).expect("complete"), 1);
        for cut in 0..bytes.len() - 1 {
            assert!(skip(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn huge_headers_end_early_at_once() {
        for bytes in [
            &[0xdd, 0xff, 0xff, 0xff, 0xff, 0xdd][..],
            &[0xdf, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02][..],
            &[0xdb, 0xff, 0xff, 0xff, 0xff][..],
            &[0xc6, 0xff, 0xff, 0xff, 0xff][..],
            &[0xc9, 0xff, 0xff, 0xff, 0xff, 0x01][..],
        ] {
            assert_eq!(
                skip(bytes).expect_err("truncated").0,
                "the message ends early"
            );
        }
    }

    #[test]
    fn nesting_is_bounded_in_maps_and_arrays_only() {
        let nested = |levels: usize, inner: &[u8]| {
            let mut bytes = vec![0x91; levels - 1];
            bytes.extend_from_slice(inner);
            bytes
        };
        assert!(skip(&nested(MAX_DEPTH, &[0x90])).is_ok());
        assert!(skip(&nested(MAX_DEPTH + 1, &[0x90])).is_err());
        // An ext value is not a level: it holds bytes, not values.
        assert!(skip(&nested(MAX_DEPTH, &[0xd4, 0, 0])).is_ok());
    }

    #[test]
    fn integers_are_read_in_every_width_and_never_negative() {
        let uint = |bytes: &[u8]| Reader::new(bytes).uint("n").map_err(|e| e.0);
        assert_eq!(uint(&[0x05]), Ok(5));
        assert_eq!(uint(&[0xcf, 0, 0, 0, 0, 0, 0, 0, 5]), Ok(5));
        assert_eq!(uint(&[0xd0, 0x05]), Ok(5));
        assert_eq!(uint(&[0xd3, 0, 0, 0, 0, 0, 0, 1, 0]), Ok(256));
        assert_eq!(uint(&[0xd0, 0xff]), Err("`n` is negative".to_owned()));
        assert_eq!(uint(&[0xff]), Err("`n` is negative".to_owned()));
        assert_eq!(
            uint(&[0xcb, 0x40, 0x14, 0, 0, 0, 0, 0, 0]),
            Err("`n` must be an integer, not a float".to_owned())
        );
        assert!(
            Reader::new(&[0xce, 0xff, 0xff, 0xff, 0xff])
                .u32("n")
                .is_ok()
        );
        assert!(
            Reader::new(&[0xcf, 0, 0, 0, 1, 0, 0, 0, 0])
                .u32("n")
                .is_err()
        );
    }
}
