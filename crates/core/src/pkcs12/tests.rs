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

#[test]
fn iteration_counts_above_ten_million_are_refused_without_running_them() {
    use super::ber::der;
    let alg = |iterations: u64| {
        der::sequence(&[
            &der::oid("1.2.840.113549.1.12.1.3"),
            &der::sequence(&[&der::octet_string(&[1; 8]), &der::uint(iterations)]),
        ])
    };
    let parse = |iterations| Scheme::parse(&ber::parse(&alg(iterations)).unwrap());
    assert!(parse(10_000_000).is_ok());
    let refused = parse(10_000_001).unwrap_err();
    assert_eq!(refused.kind(), "unsupported");
    assert!(refused.to_string().contains("10000001"), "{refused}");
}

#[test]
fn a_pbmac1_key_shorter_than_20_bytes_is_refused_as_forgeable() {
    use super::ber::der;
    let mac_data = |key_len: Option<u64>| {
        let mut kdf_params = vec![der::octet_string(&[7; 8]), der::uint(1000)];
        if let Some(len) = key_len {
            kdf_params.push(der::uint(len));
        }
        kdf_params.push(der::sequence(&[&der::oid("1.2.840.113549.2.9"), &der::null()]));
        let kdf = der::sequence(&[
            &der::oid("1.2.840.113549.1.5.12"),
            &der::sequence(&kdf_params.iter().map(Vec::as_slice).collect::<Vec<_>>()),
        ]);
        let params = der::sequence(&[&kdf, &der::sequence(&[&der::oid("1.2.840.113549.2.9"), &der::null()])]);
        let algorithm = der::sequence(&[&der::oid("1.2.840.113549.1.5.14"), &params]);
        der::sequence(&[
            &der::sequence(&[&algorithm, &der::octet_string(&[0; 32])]),
            &der::octet_string(&[]),
            &der::uint(1),
        ])
    };
    let parse = |len| MacScheme::parse(&ber::parse(&mac_data(len)).unwrap());
    assert!(parse(Some(32)).is_ok());
    assert_eq!(parse(Some(19)).unwrap_err().kind(), "corrupt");
    assert!(parse(Some(1)).unwrap_err().to_string().contains("forge"));
    assert_eq!(parse(None).unwrap_err().kind(), "corrupt");
}

/// A file of `count` blocks encrypted with pbeWithSHAAnd3-KeyTripleDES at
/// `iterations` rounds (key: two SHA-1 blocks, IV: one), holding nothing
/// any password opens.
fn file_of_encrypted_blocks(iterations: u64, count: usize) -> Vec<u8> {
    use super::ber::der;
    let scheme = der::sequence(&[
        &der::oid("1.2.840.113549.1.12.1.3"),
        &der::sequence(&[&der::octet_string(&[1; 8]), &der::uint(iterations)]),
    ]);
    let block = der::sequence(&[
        &der::oid("1.2.840.113549.1.7.6"),
        &der::explicit(
            0,
            &der::sequence(&[
                &der::uint(0),
                &der::sequence(&[&der::oid("1.2.840.113549.1.7.1"), &scheme, &der::tlv(0x80, &[0u8; 16])]),
            ]),
        ),
    ]);
    let blocks: Vec<&[u8]> = std::iter::repeat_n(block.as_slice(), count).collect();
    der::sequence(&[
        &der::uint(3),
        &der::sequence(&[
            &der::oid("1.2.840.113549.1.7.1"),
            &der::explicit(0, &der::octet_string(&der::sequence(&blocks))),
        ]),
    ])
}

/// A file of many encrypted blocks, each at the 10-million-round limit:
/// refused before any round is spent, instead of keeping the reader busy
/// for minutes.
#[test]
fn a_file_built_to_stall_the_reader_is_refused_quickly() {
    let err = read(&file_of_encrypted_blocks(10_000_000, 10), &crate::Secret::from("x")).unwrap_err();
    assert_eq!(err.kind(), "unsupported", "{err}");
    assert!(err.to_string().contains("rounds of key derivation"), "{err}");
}

/// The work of a key derivation is its iterations times its output blocks
/// times what a round of that KDF and hash costs (`Kdf::round_cost`).
#[test]
fn key_derivation_work_counts_rounds_blocks_and_hashes() {
    use super::pbe::{kdf_work, Hash, Kdf};
    assert_eq!(kdf_work(Kdf::Pkcs12, Hash::Sha1, 1000, 24), 4000, "TripleDES key: two SHA-1 blocks of two units");
    assert_eq!(kdf_work(Kdf::Pkcs12, Hash::Sha1, 1000, 8), 2000, "its IV: one");
    assert_eq!(kdf_work(Kdf::Pkcs12, Hash::Sha1, 1000, 0), 0, "RC4 derives no IV");
    assert_eq!(kdf_work(Kdf::Pbkdf2, Hash::Sha256, 1000, 32), 2000, "one HMAC, two compressions");
    assert_eq!(kdf_work(Kdf::Pbkdf2, Hash::Sha256, 1000, 256), 16_000, "PBMAC1's 256-byte key: eight blocks");
    assert_eq!(kdf_work(Kdf::Pbkdf2, Hash::Sha512, 1000, 64), 10_000, "an HMAC-SHA-512 round costs five of SHA-256");
    assert_eq!(kdf_work(Kdf::Pbkdf2, Hash::Sha512, u32::MAX, usize::MAX), u64::MAX, "no overflow");
}

/// Three encrypted blocks whose derivations each fit the budget, but not
/// together: the third is refused before its derivation runs.
#[test]
fn the_budget_counts_every_encrypted_block_of_a_file() {
    // 750,000 rounds of two units for a key of two blocks and an IV of one: 4.5 million a block.
    let x = crate::Secret::from("x");
    assert_eq!(read(&file_of_encrypted_blocks(750_000, 2), &x).unwrap_err().kind(), "wrong_password", "9 million fit");
    let err = read(&file_of_encrypted_blocks(750_000, 3), &x).unwrap_err();
    assert!(err.to_string().contains("rounds of key derivation"), "13.5 million do not: {err}");
}
