//! A structure-aware adversary for DER files: starting from a valid file, it
//! rewrites one field at a time (every INTEGER to 0, -1, 2^31, 2^40 and
//! 2^64; every OCTET STRING and OID to empty, truncated and oversized; every
//! SEQUENCE and SET with a child dropped or duplicated), re-encodes every
//! length on the way up correctly, and hands out the results.
//!
//! OCTET STRINGs that hold DER (a PKCS#12 file's contents, its bags, a
//! certificate inside a bag) are opened and mutated inside too, so the
//! adversary reaches the fields a reader only sees after unwrapping. Parts
//! of a file that were not mutated keep their original bytes (BER included),
//! so a MAC over them still verifies.

// Each test binary that includes this file uses part of it.
#![allow(dead_code)]

/// One element as it stands in the file.
#[derive(Clone)]
pub struct Element {
    pub tag: u8,
    /// The whole element, header included, as in the file.
    pub raw: Vec<u8>,
    /// Content octets of a primitive element.
    pub content: Vec<u8>,
    /// Children of a constructed element.
    pub children: Vec<Element>,
    /// The element an OCTET STRING's content decodes to, when it is one.
    pub wrapped: Option<Box<Element>>,
    constructed: bool,
}

const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;
const SEQUENCE: u8 = 0x30;

/// Parses one BER element at the start of `input`; `None` for anything that
/// is not BER (the adversary only mutates what parses).
pub fn parse(input: &[u8]) -> Option<(Element, usize)> {
    parse_at(input, 0)
}

fn parse_at(input: &[u8], depth: usize) -> Option<(Element, usize)> {
    if depth > 40 {
        return None;
    }
    let tag = *input.first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let constructed = tag & 0x20 != 0;
    let first = *input.get(1)?;
    let (length, mut pos) = match first {
        0x80 => (None, 2),
        n if n < 0x80 => (Some(usize::from(n)), 2),
        n => {
            let count = usize::from(n & 0x7f);
            if count > 4 {
                return None;
            }
            let mut len = 0usize;
            for i in 0..count {
                len = (len << 8) | usize::from(*input.get(2 + i)?);
            }
            (Some(len), 2 + count)
        }
    };
    let mut element =
        Element { tag, raw: Vec::new(), content: Vec::new(), children: Vec::new(), wrapped: None, constructed };
    match length {
        Some(len) => {
            let end = pos.checked_add(len).filter(|&e| e <= input.len())?;
            if constructed {
                while pos < end {
                    let (child, used) = parse_at(&input[pos..end], depth + 1)?;
                    element.children.push(child);
                    pos += used;
                }
            } else {
                element.content = input[pos..end].to_vec();
                // A BIT STRING's content starts with its count of unused bits.
                let offset = match tag {
                    OCTET_STRING | 0x80 => Some(0),
                    BIT_STRING if element.content.first() == Some(&0) => Some(1),
                    _ => None,
                };
                if let Some(offset) = offset {
                    let inside = &element.content[offset..];
                    element.wrapped = parse_at(inside, depth + 1)
                        .filter(|(inner, used)| *used == inside.len() && inner.tag == SEQUENCE)
                        .map(|(inner, _)| Box::new(inner));
                }
            }
            pos = end;
        }
        None => {
            if !constructed {
                return None;
            }
            loop {
                if input.get(pos..pos + 2)? == [0, 0] {
                    pos += 2;
                    break;
                }
                let (child, used) = parse_at(&input[pos..], depth + 1)?;
                element.children.push(child);
                pos += used;
            }
        }
    }
    element.raw = input[..pos].to_vec();
    Some((element, pos))
}

/// A DER element with a correctly encoded length: the core's own encoder.
pub use certdesk_core::pkcs12::ber::der::tlv;

/// What is done to the element at a site.
#[derive(Clone, Debug)]
pub enum Mutation {
    Integer(&'static str, Vec<u8>),
    Empty,
    Truncated,
    Oversized,
    DropChild(usize),
    DuplicateChild(usize),
    /// The element replaced by these bytes (for hand-made cases).
    Replace(Vec<u8>),
}

/// Where a mutation applies: child indexes from the root, `None` stepping into a wrapped OCTET STRING.
pub type Path = Vec<Option<usize>>;

fn integer_values() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("0", vec![0]),
        ("-1", vec![0xff]),
        ("2^31", vec![0x00, 0x80, 0, 0, 0]),
        ("2^40", vec![0x01, 0, 0, 0, 0, 0]),
        ("2^64", vec![0x01, 0, 0, 0, 0, 0, 0, 0, 0]),
    ]
}

/// Every (site, mutation) of `root`.
pub fn mutations(root: &Element) -> Vec<(Path, Mutation)> {
    let mut out = Vec::new();
    collect(root, &mut Vec::new(), &mut out);
    out
}

fn collect(element: &Element, path: &mut Path, out: &mut Vec<(Path, Mutation)>) {
    match element.tag {
        INTEGER => {
            for (name, value) in integer_values() {
                out.push((path.clone(), Mutation::Integer(name, value)));
            }
        }
        OCTET_STRING | OID | 0x80 => {
            for m in [Mutation::Empty, Mutation::Truncated, Mutation::Oversized] {
                out.push((path.clone(), m));
            }
        }
        _ => {}
    }
    // SEQUENCEs, SETs, explicit tags and BER's constructed strings alike.
    if element.constructed {
        for i in 0..element.children.len() {
            out.push((path.clone(), Mutation::DropChild(i)));
            out.push((path.clone(), Mutation::DuplicateChild(i)));
        }
    }
    for (i, child) in element.children.iter().enumerate() {
        path.push(Some(i));
        collect(child, path, out);
        path.pop();
    }
    if let Some(inner) = &element.wrapped {
        path.push(None);
        collect(inner, path, out);
        path.pop();
    }
}

/// The bytes of `element` with `mutation` applied at `path`; everything off
/// the path keeps its original bytes.
pub fn apply(element: &Element, path: &[Option<usize>], mutation: &Mutation) -> Vec<u8> {
    let Some((step, rest)) = path.split_first() else { return mutate(element, mutation) };
    match step {
        None => {
            let inner = element.wrapped.as_ref().expect("path follows a wrapped string");
            let unused_bits: &[u8] = if element.tag == BIT_STRING { &[0] } else { &[] };
            tlv(element.tag, &[unused_bits, &apply(inner, rest, mutation)].concat())
        }
        Some(index) => {
            let content: Vec<u8> = element
                .children
                .iter()
                .enumerate()
                .flat_map(|(i, child)| if i == *index { apply(child, rest, mutation) } else { child.raw.clone() })
                .collect();
            tlv(element.tag, &content)
        }
    }
}

fn mutate(element: &Element, mutation: &Mutation) -> Vec<u8> {
    match mutation {
        Mutation::Replace(bytes) => bytes.clone(),
        Mutation::Integer(_, value) => tlv(element.tag, value),
        Mutation::Empty => tlv(element.tag, &[]),
        Mutation::Truncated => tlv(element.tag, &element.content[..element.content.len() / 2]),
        Mutation::Oversized => {
            // Past the two-byte length boundary; an OID's arcs run on.
            let filler = if element.tag == OID { 0x81 } else { 0x41 };
            let mut content = element.content.clone();
            content.resize(content.len() + 70_000, filler);
            if element.tag == OID {
                content.push(0x01);
            }
            tlv(element.tag, &content)
        }
        Mutation::DropChild(drop) => {
            let content: Vec<u8> = element
                .children
                .iter()
                .enumerate()
                .filter(|(i, _)| i != drop)
                .flat_map(|(_, c)| c.raw.clone())
                .collect();
            tlv(element.tag, &content)
        }
        Mutation::DuplicateChild(twice) => {
            let content: Vec<u8> = element
                .children
                .iter()
                .enumerate()
                .flat_map(|(i, c)| if i == *twice { [c.raw.clone(), c.raw.clone()].concat() } else { c.raw.clone() })
                .collect();
            tlv(element.tag, &content)
        }
    }
}

/// Every mutated file of `file` (which must parse), with a short label each.
pub fn hostile_variants(file: &[u8]) -> Vec<(String, Vec<u8>)> {
    let (root, _) = parse(file).expect("a base file parses");
    mutations(&root)
        .into_iter()
        .map(|(path, mutation)| {
            let what = match &mutation {
                Mutation::Integer(name, _) => format!("INTEGER set to {name}"),
                other => format!("{other:?}"),
            };
            let label = format!("{what} at {path:?}");
            (label, apply(&root, &path, &mutation))
        })
        .collect()
}

use certdesk_core::model::Defect;

/// The TBSCertificate's fields of `der`, by name, as paths for `hostile::apply`.
struct Tbs {
    root: Element,
    /// 1 when the explicit version is present (it always is in v3 certificates).
    offset: usize,
}

impl Tbs {
    fn of(der: &[u8]) -> Tbs {
        let (root, _) = parse(der).expect("a base certificate parses");
        let offset = usize::from(root.children[0].children[0].tag == 0xa0);
        Tbs { root, offset }
    }

    fn field(&self, index: usize) -> &Element {
        &self.root.children[0].children[index + self.offset]
    }

    /// The certificate with TBS field `index` (0 serial, 2 issuer, 3 validity, 4 subject, 5 key) replaced.
    fn with(&self, index: usize, replacement: Vec<u8>) -> Vec<u8> {
        apply(&self.root, &[Some(0), Some(index + self.offset)], &Mutation::Replace(replacement))
    }
}

/// `der` with its serial number set to `serial`, when it still has the
/// shape of a certificate: a store refuses two different certificates with
/// one issuer and serial, so each hostile one gets its own.
pub fn with_serial(der: &[u8], serial: u32) -> Option<Vec<u8>> {
    let (root, _) = parse(der)?;
    let tbs = root.children.first()?;
    let offset = usize::from(tbs.children.first()?.tag == 0xa0);
    (tbs.children.get(offset)?.tag == INTEGER).then(|| {
        let mut bytes = serial.to_be_bytes().to_vec();
        bytes.insert(0, 0);
        apply(&root, &[Some(0), Some(offset)], &Mutation::Replace(tlv(INTEGER, &bytes)))
    })
}

/// Hand-made certificates, each with the defect certdesk must name.
pub fn hand_made_certificates(base: &[u8]) -> Vec<(&'static str, Vec<u8>, Option<Defect>)> {
    let tbs = Tbs::of(base);
    let validity = tbs.field(3);
    let reversed = tlv(0x30, &[validity.children[1].raw.clone(), validity.children[0].raw.clone()].concat());
    let rsa_key = |modulus: &[u8]| {
        let rsa = tlv(0x30, &[tlv(0x02, modulus), tlv(0x02, &[1, 0, 1])].concat());
        let algorithm =
            tlv(0x30, &[tlv(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]), vec![5, 0]].concat());
        tlv(0x30, &[algorithm, tlv(0x03, &[&[0u8][..], &rsa].concat())].concat())
    };
    let huge: Vec<u8> = std::iter::once(0x7f).chain(std::iter::repeat_n(0xa5, 12_499)).collect();
    // extensions [3] { SEQUENCE { SEQUENCE { OID 1.3.6.1.4.1.99999.1, critical TRUE, OCTET STRING {} } } }
    let unknown_critical = tlv(
        0xa3,
        &tlv(
            0x30,
            &tlv(
                0x30,
                &[tlv(0x06, &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x86, 0x8d, 0x1f, 0x01]), vec![1, 1, 0xff], tlv(0x04, &[])]
                    .concat(),
            ),
        ),
    );
    let extensions_index = tbs.root.children[0].children.len() - 1 - tbs.offset;
    vec![
        ("validity reversed", tbs.with(3, reversed), Some(Defect::ValidityReversed)),
        ("empty subject", tbs.with(4, vec![0x30, 0]), Some(Defect::EmptySubject)),
        ("empty issuer", tbs.with(2, vec![0x30, 0]), Some(Defect::EmptyIssuer)),
        ("zero-length serial", tbs.with(0, vec![0x02, 0]), Some(Defect::EmptySerial)),
        ("a 0-bit key", tbs.with(5, rsa_key(&[0])), Some(Defect::ImplausibleKeySize)),
        ("a 100,000-bit key", tbs.with(5, rsa_key(&huge)), Some(Defect::ImplausibleKeySize)),
        (
            "an unknown critical extension",
            tbs.with(extensions_index, unknown_critical),
            Some(Defect::UnknownCriticalExtension),
        ),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_unmutated_path_gives_back_the_file() {
        let file = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0x07];
        let (root, used) = super::parse(&file).unwrap();
        assert_eq!(used, file.len());
        assert_eq!(root.raw, file);
    }
}
