//! Just enough of the protobuf wire format to read the few messages a package holds.
//!
//! Hand-written rather than `prost`: the crate reads five small messages (the package's
//! `meta`, the media list, and the note type, template and deck settings stored as blobs
//! in schema 18), and from them only a handful of scalar and string fields. A 60-line
//! reader of the wire format does that without a code generator, `.proto` files or a
//! derive macro in the build, and it is easy to check that it never panics on bad input.

/// A field's value on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    /// Wire type 0: integers, booleans, enums.
    Varint(u64),
    /// Wire type 2: strings, bytes, embedded messages, packed repeated fields.
    Bytes(&'a [u8]),
    /// Wire types 1 and 5 (fixed 64 and 32 bits), skipped by every reader here.
    Fixed,
}

/// Iterates over the `(field number, value)` pairs of one encoded message.
pub(crate) struct Fields<'a> {
    buf: &'a [u8],
}

/// The message is not valid protobuf (truncated, an overlong varint, an unknown or group
/// wire type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DecodeError;

impl<'a> Fields<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.buf.split_first().ok_or(DecodeError)?;
            self.buf = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError)
    }

    fn take(&mut self, len: u64) -> Result<&'a [u8], DecodeError> {
        let len = usize::try_from(len).map_err(|_| DecodeError)?;
        if len > self.buf.len() {
            return Err(DecodeError);
        }
        let (taken, rest) = self.buf.split_at(len);
        self.buf = rest;
        Ok(taken)
    }

    fn field(&mut self) -> Result<(u64, Value<'a>), DecodeError> {
        let key = self.varint()?;
        let number = key >> 3;
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Value::Fixed
            }
            2 => {
                let len = self.varint()?;
                Value::Bytes(self.take(len)?)
            }
            5 => {
                self.take(4)?;
                Value::Fixed
            }
            _ => return Err(DecodeError),
        };
        if number == 0 {
            return Err(DecodeError);
        }
        Ok((number, value))
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u64, Value<'a>), DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buf.is_empty() {
            return None;
        }
        let item = self.field();
        if item.is_err() {
            // Stop after the first error: the rest of the buffer has no known framing.
            self.buf = &[];
        }
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_varints_strings_and_skips_fixed() {
        // field 1 = 3, field 2 = "ab", field 3 fixed32, field 255 = 300
        let buf = [
            0x08, 0x03, 0x12, 0x02, b'a', b'b', 0x1d, 1, 2, 3, 4, 0xf8, 0x0f, 0xac, 0x02,
        ];
        let fields: Vec<_> = Fields::new(&buf).collect::<Result<_, _>>().expect("valid");
        assert_eq!(
            fields,
            vec![
                (1, Value::Varint(3)),
                (2, Value::Bytes(b"ab")),
                (3, Value::Fixed),
                (255, Value::Varint(300))
            ]
        );
    }

    #[test]
    fn rejects_truncated_and_invalid_input() {
        for bad in [
            &[0x12, 0x05, b'a'][..],
            &[0x08],
            &[0x0b],
            &[0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            &[0x00, 0x01],
        ] {
            assert!(Fields::new(bad).any(|f| f.is_err()), "{bad:?}");
        }
    }
}
