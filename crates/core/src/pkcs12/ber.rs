//! A small BER reader and DER writer for the PKCS#12 structures.
//!
//! PKCS#12 files from NSS (Firefox, `pk12util`) and some Java and macOS
//! exports use BER: indefinite lengths and strings split into constructed
//! pieces. DER-only parsers reject those, so certdesk reads BER itself, with
//! bounds on depth and node count so that a hostile file costs little.

use crate::error::Error;

/// Nesting deeper than this is refused: real files nest about ten levels.
pub const MAX_DEPTH: usize = 32;
/// Upper bound on elements in one parse; a file is parsed layer by layer
/// (the file, its contents, each decrypted part), each layer bounded alike
/// and each no larger than the file (a 16 MiB file of real bags has far fewer).
pub const MAX_NODES: usize = 200_000;

pub mod tag {
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const NULL: u8 = 0x05;
    pub const OID: u8 = 0x06;
    pub const UTF8_STRING: u8 = 0x0c;
    pub const BMP_STRING: u8 = 0x1e;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    /// `[0]` constructed (EXPLICIT, or IMPLICIT over a constructed type).
    pub const CONTEXT_0: u8 = 0xa0;
    pub const CONTEXT_1: u8 = 0xa1;
    /// `[0]` primitive (IMPLICIT over a primitive type, e.g. OCTET STRING).
    pub const CONTEXT_0_PRIMITIVE: u8 = 0x80;
}

/// One decoded element: a primitive value, or the children of a constructed one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub tag: u8,
    /// Content octets of a primitive element; for a constructed string
    /// (BER), the concatenation of its pieces.
    pub data: Vec<u8>,
    pub children: Vec<Node>,
}

fn corrupt(why: &str) -> Error {
    Error::Corrupt { why: why.to_owned() }
}

/// Parses exactly one element filling all of `input`: trailing bytes are damage.
pub fn parse(input: &[u8]) -> Result<Node, Error> {
    let mut reader = Reader { input, pos: 0, nodes: 0 };
    let node = reader.element(0)?;
    if reader.pos != input.len() {
        return Err(corrupt("unexpected bytes after the end of the structure"));
    }
    Ok(node)
}

/// Parses one element at the start of `input`, ignoring what follows.
pub fn parse_prefix(input: &[u8]) -> Result<(Node, usize), Error> {
    let mut reader = Reader { input, pos: 0, nodes: 0 };
    let node = reader.element(0)?;
    Ok((node, reader.pos))
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    nodes: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, Error> {
        let b = *self.input.get(self.pos).ok_or_else(|| corrupt("the file ends too early (truncated)"))?;
        self.pos += 1;
        Ok(b)
    }

    /// `None` means indefinite length (BER).
    fn length(&mut self) -> Result<Option<usize>, Error> {
        let first = self.byte()?;
        match first {
            0x80 => Ok(None),
            n if n < 0x80 => Ok(Some(usize::from(n))),
            0xff => Err(corrupt("invalid length")),
            n => {
                let count = usize::from(n & 0x7f);
                if count > 4 {
                    return Err(corrupt("an element claims an impossible length"));
                }
                let mut len = 0usize;
                for _ in 0..count {
                    len = (len << 8) | usize::from(self.byte()?);
                }
                Ok(Some(len))
            }
        }
    }

    fn element(&mut self, depth: usize) -> Result<Node, Error> {
        if depth > MAX_DEPTH {
            return Err(corrupt("nesting deeper than 32 levels"));
        }
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(corrupt("too many elements"));
        }
        let tag = self.byte()?;
        if tag & 0x1f == 0x1f {
            return Err(corrupt("a multi-byte tag, which PKCS#12 never uses"));
        }
        let constructed = tag & 0x20 != 0;
        let length = self.length()?;
        let mut node = Node { tag, data: Vec::new(), children: Vec::new() };
        match length {
            Some(len) => {
                let end = self
                    .pos
                    .checked_add(len)
                    .filter(|&e| e <= self.input.len())
                    .ok_or_else(|| corrupt("an element is longer than the file (truncated or damaged)"))?;
                if constructed {
                    while self.pos < end {
                        node.children.push(self.element(depth + 1)?);
                    }
                    if self.pos != end {
                        return Err(corrupt("an element's content overruns its length"));
                    }
                } else {
                    // `end` was checked against the input's length above.
                    node.data = self.input[self.pos..end].to_vec();
                    self.pos = end;
                }
            }
            None => {
                if !constructed {
                    return Err(corrupt("indefinite length on a primitive element"));
                }
                loop {
                    if self.input.get(self.pos..self.pos + 2) == Some(&[0, 0]) {
                        self.pos += 2;
                        break;
                    }
                    if self.pos >= self.input.len() {
                        return Err(corrupt("the file ends too early (truncated)"));
                    }
                    node.children.push(self.element(depth + 1)?);
                }
            }
        }
        // A constructed string (BER) reads as the primitive string it stands for.
        if constructed && is_string_tag(tag & !0x20) {
            node.data = flatten(&node.children)?;
            node.children.clear();
            node.tag &= !0x20;
        }
        Ok(node)
    }
}

fn is_string_tag(primitive_tag: u8) -> bool {
    matches!(primitive_tag, tag::OCTET_STRING | tag::BIT_STRING | tag::UTF8_STRING | tag::BMP_STRING)
}

/// The concatenated content of a string split into BER pieces.
pub fn flatten(pieces: &[Node]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    for piece in pieces {
        if !piece.children.is_empty() {
            return Err(corrupt("a string piece holds structure"));
        }
        out.extend_from_slice(&piece.data);
    }
    Ok(out)
}

impl Node {
    pub fn expect(&self, tag: u8, what: &str) -> Result<&Node, Error> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(Error::Corrupt { why: format!("{what} is not where it should be") })
        }
    }

    pub fn child(&self, index: usize, what: &str) -> Result<&Node, Error> {
        self.children.get(index).ok_or_else(|| Error::Corrupt { why: format!("{what} is missing") })
    }

    /// The dotted form of an OBJECT IDENTIFIER.
    pub fn oid(&self) -> Result<String, Error> {
        if self.tag != tag::OID || self.data.is_empty() {
            return Err(corrupt("an algorithm or type identifier is damaged"));
        }
        let mut arcs: Vec<u64> = Vec::new();
        let mut value: u64 = 0;
        for &b in &self.data {
            if value > (u64::MAX >> 7) {
                return Err(corrupt("an identifier arc is too large"));
            }
            value = (value << 7) | u64::from(b & 0x7f);
            if b & 0x80 == 0 {
                if arcs.is_empty() {
                    let first = (value / 40).min(2);
                    arcs.push(first);
                    arcs.push(value - first * 40);
                } else {
                    arcs.push(value);
                }
                value = 0;
            }
        }
        if self.data.last().is_some_and(|b| b & 0x80 != 0) {
            return Err(corrupt("an identifier is truncated"));
        }
        Ok(arcs.iter().map(u64::to_string).collect::<Vec<_>>().join("."))
    }

    /// A non-negative INTEGER that fits in a u64.
    pub fn uint(&self) -> Result<u64, Error> {
        if self.tag != tag::INTEGER || self.data.is_empty() {
            return Err(corrupt("a number is damaged"));
        }
        // Not empty: checked above.
        if self.data[0] & 0x80 != 0 {
            return Err(corrupt("a count is negative"));
        }
        let digits: &[u8] = if self.data[0] == 0 { &self.data[1..] } else { &self.data };
        if digits.len() > 8 {
            return Err(Error::Unsupported { what: "a number larger than 2^64".into(), hint: String::new() });
        }
        Ok(digits.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    pub fn octets(&self, what: &str) -> Result<&[u8], Error> {
        Ok(&self.expect(tag::OCTET_STRING, what)?.data)
    }
}

/// DER encoding, for what certdesk writes.
pub mod der {
    use super::{tag, Node};

    /// Re-encodes a parsed element as DER (a key bag's PrivateKeyInfo and
    /// nested SafeContents arrive already parsed).
    pub fn encode(node: &Node) -> Vec<u8> {
        if node.children.is_empty() && node.tag & 0x20 == 0 {
            tlv(node.tag, &node.data)
        } else {
            let inner: Vec<u8> = node.children.iter().flat_map(encode).collect();
            tlv(node.tag, &inner)
        }
    }

    pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(content.len() + 6);
        out.push(tag);
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|&&b| b == 0).count();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
        out.extend_from_slice(content);
        out
    }

    pub fn sequence(parts: &[&[u8]]) -> Vec<u8> {
        tlv(tag::SEQUENCE, &parts.concat())
    }

    /// A SET OF, its elements sorted as DER requires.
    pub fn set_of(parts: &[&[u8]]) -> Vec<u8> {
        let mut sorted: Vec<&[u8]> = parts.to_vec();
        sorted.sort();
        tlv(tag::SET, &sorted.concat())
    }

    pub fn octet_string(data: &[u8]) -> Vec<u8> {
        tlv(tag::OCTET_STRING, data)
    }

    pub fn explicit(number: u8, inner: &[u8]) -> Vec<u8> {
        tlv(tag::CONTEXT_0 + number, inner)
    }

    pub fn uint(value: u64) -> Vec<u8> {
        let bytes = value.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
        let mut content = bytes[skip..].to_vec();
        if content[0] & 0x80 != 0 {
            content.insert(0, 0);
        }
        tlv(tag::INTEGER, &content)
    }

    pub fn null() -> Vec<u8> {
        vec![tag::NULL, 0]
    }

    /// An OBJECT IDENTIFIER from its dotted form (certdesk's own constants only).
    pub fn oid(dotted: &str) -> Vec<u8> {
        let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().expect("constant OID")).collect();
        let mut content = Vec::new();
        let mut push = |mut v: u64| {
            let mut chunk = vec![(v & 0x7f) as u8];
            v >>= 7;
            while v > 0 {
                chunk.push(0x80 | (v & 0x7f) as u8);
                v >>= 7;
            }
            chunk.reverse();
            content.extend(chunk);
        };
        push(arcs[0] * 40 + arcs[1]);
        arcs[2..].iter().for_each(|&a| push(a));
        tlv(tag::OID, &content)
    }

    /// BMPString (UTF-16BE), as PKCS#12 friendly names are written.
    pub fn bmp_string(text: &str) -> Vec<u8> {
        let content: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        tlv(tag::BMP_STRING, &content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_indefinite_lengths_and_constructed_strings() {
        // SEQUENCE (indefinite) { OCTET STRING constructed (indefinite) { "ab", "c" } }
        let ber = [0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0, 0, 0, 0];
        let node = parse(&ber).unwrap();
        assert_eq!(node.children.len(), 1);
        assert_eq!(node.children[0].tag, tag::OCTET_STRING);
        assert_eq!(node.children[0].data, b"abc");
    }

    #[test]
    fn refuses_truncation_trailing_bytes_and_deep_nesting() {
        assert_eq!(parse(&[0x30, 0x05, 0x02, 0x01]).unwrap_err().kind(), "corrupt");
        assert_eq!(parse(&[0x05, 0x00, 0x00]).unwrap_err().kind(), "corrupt");
        assert_eq!(parse(&[]).unwrap_err().kind(), "corrupt");
        let mut deep = vec![];
        for _ in 0..40 {
            deep.extend([0x24, 0x80]);
        }
        deep.extend([0x04, 0x00]);
        deep.extend(std::iter::repeat_n(0, 80));
        assert!(parse(&deep).unwrap_err().to_string().contains("deeper than 32"));
    }

    #[test]
    fn oids_and_integers_round_trip() {
        for oid in ["1.2.840.113549.1.12.10.1.2", "2.16.840.1.101.3.4.1.42", "1.3.14.3.2.26"] {
            assert_eq!(parse(&der::oid(oid)).unwrap().oid().unwrap(), oid);
        }
        for n in [0u64, 1, 127, 128, 2048, 600_000, u64::MAX] {
            assert_eq!(parse(&der::uint(n)).unwrap().uint().unwrap(), n);
        }
    }

    #[test]
    fn long_lengths_are_encoded_minimally() {
        let content = vec![7u8; 300];
        let encoded = der::octet_string(&content);
        assert_eq!(&encoded[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(parse(&encoded).unwrap().data, content);
    }
}
