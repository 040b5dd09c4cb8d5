use std::collections::BTreeMap;

use super::*;
use crate::model::{Certificate, Identity, KeyStatus};
use crate::{pkcs12, Secret};

const LOGIN: &str = "/Users/yamada/Library/Keychains/login.keychain-db";
const SYSTEM: &str = "/Library/Keychains/System.keychain";

/// The items of `security dump-keychain` output (recorded/dump-keychain-iprf.txt),
/// each as the attribute dictionary SecItemCopyMatching returns for it (its
/// four-character keys, text as text, hex blobs as data) and its keychain.
fn dumped(text: &str) -> Vec<(String, BTreeMap<String, AttributeValue>)> {
    let mut items: Vec<(String, BTreeMap<String, AttributeValue>)> = Vec::new();
    for line in text.lines() {
        if let Some(keychain) = line.strip_prefix("keychain: \"").and_then(|l| l.strip_suffix('"')) {
            items.push((keychain.to_owned(), BTreeMap::new()));
            continue;
        }
        let Some(rest) = line.trim_start().strip_prefix('"') else { continue };
        let Some((key, rest)) = rest.split_once('"') else { continue };
        let Some((_, value)) = rest.split_once('=') else { continue };
        let value = if value == "<NULL>" {
            continue;
        } else if let Some(hex) = value.strip_prefix("0x") {
            AttributeValue::Data(hex::decode(hex.split_whitespace().next().unwrap()).unwrap())
        } else {
            AttributeValue::Text(value.trim_matches('"').to_owned())
        };
        items.last_mut().expect("an item starts with its keychain").1.insert(key.to_owned(), value);
    }
    items
}

fn recorded() -> Vec<PreferenceRecord> {
    dumped(include_str!("recorded/dump-keychain-iprf.txt"))
        .iter()
        .filter_map(|(keychain, attributes)| PreferenceRecord::from_attributes(attributes, keychain))
        .collect()
}

fn fixture_certificate(file: &str, password: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pkcs12").join(file);
    let p12 = pkcs12::read(&std::fs::read(path).unwrap(), &Secret::from(password)).unwrap();
    p12.certificates[0].der.clone()
}

fn tls_certificate(file: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tls").join(file)).unwrap()
}

fn now() -> OffsetDateTime {
    time::macros::datetime!(2027-01-01 0:00 UTC)
}

const WINDOW: Duration = Duration::days(90);

/// The keychain as the recorded items reference it: what each reference resolves to.
struct Keychain {
    current: Vec<u8>,
    renewed: Vec<u8>,
    machine: Vec<u8>,
    on_card: Vec<u8>,
    without_key: Vec<u8>,
    expired: Vec<u8>,
}

impl Keychain {
    fn new() -> Keychain {
        Keychain {
            current: fixture_certificate("rustcrypto-formats-pkcs12/ValidCertificatePathTest1EE.p12", "password"),
            renewed: fixture_certificate(
                "sslmate-go-pkcs12/example-com-aes128cbc.p12",
                "rHyQTJsubhfxcpH5JttyilHE6BBsNoZp",
            ),
            machine: tls_certificate("server.der"),
            on_card: tls_certificate("wine-ca.der"),
            without_key: tls_certificate("other-ca.der"),
            expired: fixture_certificate("boringssl/openssl.p12", "foo"),
        }
    }

    fn resolve(&self, record: &PreferenceRecord) -> Resolved {
        let reference = record.certificate_ref.as_deref().unwrap();
        let found = |der: &Vec<u8>, has_key, location| Resolved::Certificate { der: der.clone(), has_key, location };
        let item = |name: &[u8]| reference.ends_with(name);
        if item(b"cert-current") {
            found(&self.current, true, Location::Login)
        } else if item(b"cert-renewed") {
            found(&self.renewed, true, Location::Login)
        } else if item(b"cert-machine") {
            found(&self.machine, true, Location::Keychain(SYSTEM.into()))
        } else if item(b"cert-without-key") {
            found(&self.without_key, false, Location::Login)
        } else if item(b"cert-expired") {
            found(&self.expired, true, Location::Login)
        } else if reference.starts_with(b"genp") {
            found(&self.on_card, true, Location::Token("com.apple.pivtoken:4A2B".into()))
        } else {
            Resolved::Nothing
        }
    }

    /// The login keychain's listing: the current certificate, a usable
    /// renewal of `renewed`, and two renewals of `current` that cannot sign
    /// in yet (one without its key, one not yet valid).
    fn listing(&self) -> Vec<Identity> {
        let identity = |c: Certificate, key| Identity::new(c, key, None, "keychain:login");
        let current = Certificate::from_der(&self.current).unwrap();
        let later = |c: &Certificate, id: &str, from: Duration, until: Duration| {
            let mut renewal = c.clone();
            renewal.sha256 = id.into();
            renewal.not_before += from;
            renewal.not_after += until;
            renewal
        };
        let renewed = Certificate::from_der(&self.renewed).unwrap();
        vec![
            identity(current.clone(), KeyStatus::Exportable),
            identity(later(&current, "renewal-without-key", Duration::ZERO, Duration::days(400)), KeyStatus::None),
            identity(
                later(&current, "renewal-not-yet-valid", Duration::days(7000), Duration::days(9000)),
                KeyStatus::Exportable,
            ),
            identity(renewed.clone(), KeyStatus::Exportable),
            identity(later(&renewed, "renewal", Duration::days(300), Duration::days(365)), KeyStatus::NotExportable),
        ]
    }
}

fn assessed() -> Vec<Preference> {
    let keychain = Keychain::new();
    assess(&recorded(), |r| keychain.resolve(r), &keychain.listing(), now(), WINDOW)
}

fn by_service<'a>(prefs: &'a [Preference], service: &str) -> Vec<&'a Preference> {
    prefs.iter().filter(|p| p.record.service == service).collect()
}

#[test]
fn iprf_items_are_read_with_their_account_and_keychain_and_nothing_else_is() {
    let records = recorded();
    assert_eq!(records.len(), 10, "the ordinary password is left out");
    assert_eq!(records[0].service, "https://portal.example.jp/login/index.html (com.apple.Safari)");
    assert_eq!(records[0].account, "Valid EE Certificate Test1 ", "the label and the space, verbatim");
    assert_eq!(records[0].certificate_label(), "Valid EE Certificate Test1");
    assert_eq!(records[3].certificate_label(), "example-com", "the key usage is not part of the label");
    assert_eq!(records[4].keychain, SYSTEM);
    let mut no_service = dumped(include_str!("recorded/dump-keychain-iprf.txt"))[0].1.clone();
    no_service.insert("svce".into(), AttributeValue::Text(String::new()));
    assert_eq!(PreferenceRecord::from_attributes(&no_service, LOGIN), None);
    let mut numeric_type = dumped(include_str!("recorded/dump-keychain-iprf.txt"))[0].1.clone();
    numeric_type.insert("type".into(), AttributeValue::Number(i64::from(IPRF)));
    assert!(PreferenceRecord::from_attributes(&numeric_type, LOGIN).is_some(), "SecItemCopyMatching's CFNumber form");
}

#[test]
fn every_item_has_its_own_id_even_with_one_service() {
    let prefs = assessed();
    let mail = by_service(&prefs, "https://mail.example.jp/ (com.apple.Safari)");
    assert_eq!(mail.len(), 3, "two key usages in login, one in System");
    let mut ids: Vec<&str> = prefs.iter().map(|p| p.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), prefs.len(), "no two items share an id");
    for p in &prefs {
        assert_eq!(find(&prefs, &p.id).unwrap().record, p.record, "each id finds its own item");
    }
}

#[test]
fn a_preference_is_judged_on_the_certificate_it_names_wherever_that_lives() {
    let prefs = assessed();
    let only = |service: &str| by_service(&prefs, service)[0].clone();

    let current = only("https://portal.example.jp/login/index.html (com.apple.Safari)");
    assert_eq!(current.stale, None, "renewals without their key or not yet valid replace nothing");
    assert_eq!(current.renewal, None);
    assert_eq!(only("https://gone.example.jp/ (com.apple.Safari)").renewal, None, "nothing says what renews it");

    let machine = only("https://intranet.example.jp/ (com.apple.Safari)");
    assert_eq!(machine.stale, None, "a certificate in the System keychain works: it is not gone");
    assert!(
        matches!(&machine.target, Target::Certificate { location: Location::Keychain(k), has_key: true, .. } if k == SYSTEM)
    );

    let card = only("*.example.go.jp");
    assert_eq!(card.stale, None, "nor is one on a smart card");
    assert!(matches!(&card.target, Target::Certificate { location: Location::Token(_), .. }));

    assert_eq!(only("https://gone.example.jp/ (com.apple.Safari)").stale, Some(Staleness::CertificateMissing));
    assert_eq!(only("https://gone.example.jp/ (com.apple.Safari)").target, Target::Missing);
    assert_eq!(only("https://nokey.example.jp/ (com.apple.Safari)").stale, Some(Staleness::KeyMissing));
    assert_eq!(only("yamada@example.jp").stale, Some(Staleness::Expired));
    for renewed in
        by_service(&prefs, "https://mail.example.jp/ (com.apple.Safari)").iter().filter(|p| p.record.keychain == LOGIN)
    {
        assert_eq!(
            renewed.stale,
            Some(Staleness::Superseded { by: "renewal".into() }),
            "its renewal has a key and is valid now"
        );
        assert_eq!(renewed.renewal.as_deref(), Some("renewal"), "and it can be pointed at it");
    }
}

#[test]
fn a_reference_to_something_unreadable_is_left_alone() {
    let record = &recorded()[0];
    let unreadable = |_: &PreferenceRecord| Resolved::Certificate {
        der: b"not a certificate".to_vec(),
        has_key: true,
        location: Location::Login,
    };
    let judged = assess(std::slice::from_ref(record), unreadable, &[], now(), WINDOW);
    assert_eq!(
        (judged[0].target.clone(), judged[0].stale.clone()),
        (Target::Unreadable { location: Location::Login }, None)
    );
    // A locked System keychain, or a card taken out: not gone, so not stale.
    let refused = |_: &PreferenceRecord| Resolved::Unreadable { location: Location::Keychain(SYSTEM.into()) };
    let judged = assess(std::slice::from_ref(record), refused, &[], now(), WINDOW);
    assert_eq!(judged[0].stale, None);
}

#[test]
fn each_preference_says_the_site_and_app_and_when_it_can_never_apply() {
    let prefs = assessed();
    let page = &by_service(&prefs, "https://portal.example.jp/login/index.html (com.apple.Safari)")[0].name;
    assert_eq!(
        (page.site.as_str(), page.app.as_deref(), page.never_applies),
        ("https://portal.example.jp/login/index.html", Some("com.apple.Safari"), None)
    );
    let old = &by_service(&prefs, "https://portal.example.jp/")[0].name;
    assert_eq!(old.never_applies, Some(NeverApplies::UrlWithoutApp));
    assert_eq!(
        by_service(&prefs, "*.example.go.jp")[0].name.form,
        SiteForm::Wildcard { domain: "example.go.jp".into() }
    );
    assert_eq!(by_service(&prefs, "yamada@example.jp")[0].name.form, SiteForm::Email);
}

#[test]
fn the_json_shape_names_every_item_and_its_judgement() {
    let prefs = assessed();
    let json = serde_json::to_value(&prefs[4]).unwrap();
    assert_eq!(json["keychain"], SYSTEM);
    assert_eq!(json["account"], "example-com ");
    assert_eq!(json["site"], "https://mail.example.jp/");
    assert_eq!(json["app"], "com.apple.Safari");
    assert_eq!(json["form"]["kind"], "url");
    assert_eq!(json["target"]["state"], "certificate");
    assert_eq!(json["target"]["location"]["kind"], "keychain");
    assert!(json.get("certificate_ref").is_none(), "the reference stays inside");
}

#[test]
fn a_reference_says_which_keychain_file_it_points_into() {
    let records = recorded();
    let keychain = |i: usize| reference_keychain(records[i].certificate_ref.as_deref().unwrap());
    assert_eq!(keychain(0).as_deref(), Some("~/Library/Keychains/login.keychain-db"));
    assert_eq!(keychain(5).as_deref(), Some(SYSTEM));
    assert_eq!(keychain(6), None, "a token's reference is not a keychain file's");
    let home = "/Users/yamada";
    assert_eq!(location_of(&keychain(0).unwrap(), LOGIN, home), Location::Login);
    assert_eq!(location_of(&keychain(5).unwrap(), LOGIN, home), Location::Keychain(SYSTEM.into()));
    // Damaged references end the reading, whatever length they claim.
    let mut damaged = records[0].certificate_ref.clone().unwrap();
    damaged[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
    assert_eq!(reference_keychain(&damaged), None);
    let whole = records[0].certificate_ref.clone().unwrap();
    assert_eq!(reference_keychain(&whole[..30]), None, "cut inside the path's entry");
}
