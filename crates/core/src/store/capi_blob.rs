//! CryptoAPI's RSA `PRIVATEKEYBLOB` to PKCS#8, so that a key exported from a
//! Windows CAPI container (`CryptExportKey`) can be written by certdesk's
//! own PKCS#12 codec. Platform-free so it is tested on every machine.
//!
//! Layout (Microsoft, "Base Provider Key BLOBs"): BLOBHEADER (8 bytes: type
//! 0x07, version 2, reserved, aiKeyAlg), RSAPUBKEY (magic "RSA2", bitlen,
//! pubexp), then modulus, prime1, prime2, exponent1, exponent2, coefficient
//! and privateExponent, all little-endian.

use zeroize::Zeroizing;

use crate::error::Error;
use crate::pkcs12::ber::der;

const PRIVATEKEYBLOB: u8 = 0x07;
const RSA2: &[u8; 4] = b"RSA2";

fn bad(why: &str) -> Error {
    Error::Corrupt { why: format!("Windows returned an unreadable key ({why})") }
}

/// A DER INTEGER from little-endian magnitude bytes.
fn integer_le(little_endian: &[u8]) -> Vec<u8> {
    let mut be: Vec<u8> = little_endian.iter().rev().copied().skip_while(|&b| b == 0).collect();
    if be.is_empty() || be[0] & 0x80 != 0 {
        be.insert(0, 0);
    }
    der::tlv(crate::pkcs12::ber::tag::INTEGER, &be)
}

/// Converts an RSA PRIVATEKEYBLOB into a PKCS#8 PrivateKeyInfo (DER).
pub fn rsa_private_key_blob_to_pkcs8(blob: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    if blob.len() < 20 || blob[0] != PRIVATEKEYBLOB || blob[1] != 2 {
        return Err(bad("not a version 2 private key blob"));
    }
    if &blob[8..12] != RSA2 {
        return Err(Error::Unsupported { what: "a Windows key that is not RSA".into(), hint: String::new() });
    }
    let bits = u32::from_le_bytes(blob[12..16].try_into().expect("4 bytes")) as usize;
    let public_exponent = &blob[16..20];
    let (n, half) = (bits.div_ceil(8), bits.div_ceil(16));
    let sizes = [n, half, half, half, half, half, n];
    if bits == 0 || blob.len() < 20 + sizes.iter().sum::<usize>() {
        return Err(bad("too short for its key size"));
    }
    let mut at = 20;
    let mut parts: Vec<&[u8]> = Vec::with_capacity(7);
    for size in sizes {
        parts.push(&blob[at..at + size]);
        at += size;
    }
    let [modulus, p, q, dp, dq, qinv, d] = parts[..] else { unreachable!("seven parts") };
    // RSAPrivateKey ::= SEQUENCE { version, n, e, d, p, q, dp, dq, qinv } (RFC 8017 A.1.2)
    let fields: Vec<Zeroizing<Vec<u8>>> = [
        der::uint(0),
        integer_le(modulus),
        integer_le(public_exponent),
        integer_le(d),
        integer_le(p),
        integer_le(q),
        integer_le(dp),
        integer_le(dq),
        integer_le(qinv),
    ]
    .into_iter()
    .map(Zeroizing::new)
    .collect();
    let rsa = Zeroizing::new(der::sequence(&fields.iter().map(|f| f.as_slice()).collect::<Vec<_>>()));
    let algorithm = der::sequence(&[&der::oid("1.2.840.113549.1.1.1"), &der::null()]);
    Ok(Zeroizing::new(der::sequence(&[&der::uint(0), &algorithm, &der::octet_string(&rsa)])))
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    /// OpenSSL writes the same key as a Microsoft PRIVATEKEYBLOB and as
    /// PKCS#8; our conversion of the one must equal the other.
    #[test]
    fn an_openssl_written_blob_converts_to_the_same_pkcs8() {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            let out = Command::new("openssl").args(args).current_dir(dir.path()).output().expect("openssl");
            assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        for bits in ["2048", "3072"] {
            run(&["genpkey", "-algorithm", "RSA", "-pkeyopt", &format!("rsa_keygen_bits:{bits}"), "-out", "key.pem"]);
            run(&["rsa", "-in", "key.pem", "-outform", "MS PRIVATEKEYBLOB", "-out", "key.blob"]);
            run(&["pkcs8", "-topk8", "-nocrypt", "-in", "key.pem", "-outform", "DER", "-out", "key.p8"]);
            let blob = std::fs::read(dir.path().join("key.blob")).unwrap();
            let expected = std::fs::read(dir.path().join("key.p8")).unwrap();
            assert_eq!(*rsa_private_key_blob_to_pkcs8(&blob).unwrap(), expected, "{bits}-bit key");
        }
    }

    #[test]
    fn truncated_or_foreign_blobs_are_refused() {
        assert_eq!(rsa_private_key_blob_to_pkcs8(&[7, 2, 0, 0]).unwrap_err().kind(), "corrupt");
        let mut blob = vec![7u8, 2, 0, 0, 0, 0xa4, 0, 0];
        blob.extend_from_slice(b"RSA2");
        blob.extend_from_slice(&2048u32.to_le_bytes());
        blob.extend_from_slice(&65537u32.to_le_bytes());
        assert_eq!(rsa_private_key_blob_to_pkcs8(&blob).unwrap_err().kind(), "corrupt");
        blob[8..12].copy_from_slice(b"DSS2");
        assert_eq!(rsa_private_key_blob_to_pkcs8(&blob).unwrap_err().kind(), "unsupported");
    }
}
