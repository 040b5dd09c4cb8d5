use super::*;

#[test]
fn empty_and_garbage_input_are_damage_not_a_wrong_password() {
    let pw = crate::Secret::from("x");
    assert_eq!(read(b"", &pw).unwrap_err().kind(), "corrupt");
    assert_eq!(read(b"hello, this is not a PKCS#12 file", &pw).unwrap_err().kind(), "corrupt");
    assert_eq!(read(&[0x30, 0x82, 0xff, 0xff, 0x02], &pw).unwrap_err().kind(), "corrupt");
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let big = vec![0u8; MAX_FILE_SIZE + 1];
    assert_eq!(read(&big, &crate::Secret::from("x")).unwrap_err().kind(), "unsupported");
}
