//! The byte forms a password takes inside PKCS#12 files.
//!
//! RFC 7292 feeds its own KDF a BMPString with two terminating zero bytes,
//! while PBES2 and PBMAC1 take UTF-8. Producers got both wrong in known ways,
//! so certdesk tries the standard form first and then each known mistake,
//! and `inspect` names the form that worked.

use zeroize::Zeroizing;

use crate::secret::Secret;

/// One way of turning the password into bytes.
pub struct Form {
    pub label: &'static str,
    pub bytes: Zeroizing<Vec<u8>>,
}

fn form(label: &'static str, bytes: Vec<u8>) -> Form {
    Form { label, bytes: Zeroizing::new(bytes) }
}

fn bmp_with_terminator(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).chain([0, 0]).collect()
}

/// Forms for RFC 7292's own KDF (PKCS#12 PBE and the classic HMAC MAC).
pub fn for_pkcs12_kdf(password: &Secret) -> Vec<Form> {
    let text = password.expose();
    if text.is_empty() {
        return vec![
            form("empty password as two zero bytes (RFC 7292 B.1)", vec![0, 0]),
            form("empty password as zero bytes (RFC 7292 B.2)", Vec::new()),
        ];
    }
    let mut forms = vec![form("BMPString (RFC 7292)", bmp_with_terminator(text))];
    if !text.is_ascii() {
        // Some old producers widened each UTF-8 byte to 16 bits.
        let widened: Vec<u8> = text.bytes().flat_map(|b| [0, b]).chain([0, 0]).collect();
        forms.push(form("UTF-8 bytes widened to 16 bits (old producers)", widened));
    }
    forms
}

/// Forms for PBKDF2 (PBES2 encryption and PBMAC1).
pub fn for_pbkdf2(password: &Secret) -> Vec<Form> {
    let text = password.expose();
    let mut forms = vec![form("UTF-8 (RFC 8018)", text.as_bytes().to_vec())];
    if !text.is_ascii() && text.chars().all(|c| u32::from(c) <= 0xff) {
        // Older Java and RSA JSafe producers encoded ISO-8859-1.
        forms.push(form("ISO-8859-1 (old Java producers)", text.chars().map(|c| c as u8).collect()));
    }
    // Old NSS versions fed PBKDF2 the BMPString form (NSS bug 1416265 keeps reading them).
    forms.push(form("BMPString fed to PBKDF2 (old NSS)", bmp_with_terminator(text)));
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_password_has_both_rfc_forms() {
        let forms = for_pkcs12_kdf(&Secret::from(""));
        assert_eq!(forms.len(), 2);
        assert_eq!(*forms[0].bytes, vec![0, 0]);
        assert!(forms[1].bytes.is_empty());
    }

    #[test]
    fn non_ascii_passwords_get_their_fallbacks() {
        let forms = for_pkcs12_kdf(&Secret::from("世界"));
        assert_eq!(*forms[0].bytes, vec![0x4e, 0x16, 0x75, 0x4c, 0, 0]);
        assert_eq!(forms[1].bytes.len(), 6 * 2 + 2);
        let pbkdf2 = for_pbkdf2(&Secret::from("Mötley Crüe"));
        assert_eq!(pbkdf2[1].bytes[1], 0xf6, "ö as one ISO-8859-1 byte");
        assert_eq!(for_pbkdf2(&Secret::from("世界")).len(), 2, "no Latin-1 form for CJK");
    }
}
