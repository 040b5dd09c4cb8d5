//! Smart cards and tokens as PKCS#11 shows them: what a token's flags say
//! about its PIN, whether it is a My Number card (JPKI), and what to tell
//! the holder before a login and after a lock. Pure rules: the backend
//! (`store::pkcs11`) reads the flags, this decides what they mean.

use serde::Serialize;

use crate::transfer::ListLanguage;

/// The PIN flags of a token (`CK_TOKEN_INFO.flags`), as PKCS#11 2.40 defines them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PinFlags {
    /// `CKF_USER_PIN_COUNT_LOW`: a wrong PIN was entered since the last right one.
    pub count_low: bool,
    /// `CKF_USER_PIN_FINAL_TRY`: one more wrong PIN locks it.
    pub final_try: bool,
    /// `CKF_USER_PIN_LOCKED`.
    pub locked: bool,
    /// `CKF_USER_PIN_TO_BE_CHANGED`: the issuer's initial PIN, or one an admin reset.
    pub to_be_changed: bool,
}

impl PinFlags {
    /// The flags from the raw `CK_FLAGS` word, for recorded values.
    pub fn from_bits(flags: u64) -> PinFlags {
        PinFlags {
            count_low: flags & 0x0001_0000 != 0,
            final_try: flags & 0x0002_0000 != 0,
            locked: flags & 0x0004_0000 != 0,
            to_be_changed: flags & 0x0008_0000 != 0,
        }
    }
}

/// What the token says of its user PIN; the worst of its flags wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PinState {
    Ok,
    ToBeChanged,
    CountLow,
    FinalTry,
    Locked,
}

impl PinState {
    pub fn of(flags: PinFlags) -> PinState {
        if flags.locked {
            PinState::Locked
        } else if flags.final_try {
            PinState::FinalTry
        } else if flags.count_low {
            PinState::CountLow
        } else if flags.to_be_changed {
            PinState::ToBeChanged
        } else {
            PinState::Ok
        }
    }

    /// Whether a login should warn first: a wrong PIN now may lock the card.
    pub fn warns_before_login(self) -> bool {
        matches!(self, PinState::CountLow | PinState::FinalTry)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PinState::Ok => "ok",
            PinState::ToBeChanged => "to_be_changed",
            PinState::CountLow => "count_low",
            PinState::FinalTry => "final_try",
            PinState::Locked => "locked",
        }
    }
}

/// Which kind of card a token is, for advice that only its holder needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "pin")]
pub enum CardKind {
    /// A My Number card read by OpenSC's JPKI driver, and which of its two PINs this slot asks for.
    Jpki(JpkiPin),
    Other,
}

/// The two PINs of a My Number card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JpkiPin {
    /// 利用者証明用電子証明書の暗証番号: 4 digits, locks after 3 wrong tries.
    UserAuthentication,
    /// 署名用電子証明書の暗証番号: 6 to 16 letters and digits, locks after 5 wrong tries.
    Signature,
}

impl CardKind {
    /// OpenSC's JPKI driver names the token and its manufacturer "JPKI"; with a
    /// slot per PIN the label becomes "JPKI (User Authentication PIN)" or
    /// "JPKI (Digital Signature PIN)".
    pub fn of(label: &str, manufacturer: &str) -> CardKind {
        let label = label.trim();
        if manufacturer.trim() != "JPKI" && !label.starts_with("JPKI") {
            return CardKind::Other;
        }
        if label.contains("Digital Signature") {
            CardKind::Jpki(JpkiPin::Signature)
        } else {
            CardKind::Jpki(JpkiPin::UserAuthentication)
        }
    }
}

/// What to tell the holder about the PIN, in `language`; `None` when all is well.
pub fn pin_advice(state: PinState, card: CardKind, language: ListLanguage) -> Option<String> {
    use ListLanguage::{English, Japanese};
    let text = match (card, state, language) {
        (_, PinState::Ok, _) => return None,
        (CardKind::Jpki(pin), PinState::Locked, English) => format!(
            "The {} of your My Number card is locked. Unlock it at your city, ward or town office (bring the card), \
             or reserve the reset with the JPKI PIN reset app (JPKI暗証番号リセット) on your smartphone and finish it \
             at a convenience-store multi-copy machine. Do not try again: the card cannot be unlocked from this computer.",
            jpki_pin_name(pin, English)
        ),
        (CardKind::Jpki(pin), PinState::Locked, Japanese) => format!(
            "マイナンバーカードの{}がロックされています。お住まいの市区町村の窓口で再設定してください（カードをお持ちください）。\
             スマートフォンの「JPKI暗証番号リセット」アプリで予約し、コンビニのマルチコピー機で再設定することもできます。\
             このパソコンからはロックを解除できません。",
            jpki_pin_name(pin, Japanese)
        ),
        (CardKind::Jpki(pin), PinState::FinalTry, English) => format!(
            "One more wrong {} locks your My Number card ({}). If you are not sure of it, do not try: \
             reset it at your city office or with the JPKI PIN reset app instead.",
            jpki_pin_name(pin, English),
            jpki_pin_rule(pin, English)
        ),
        (CardKind::Jpki(pin), PinState::FinalTry, Japanese) => format!(
            "あと1回間違えると、マイナンバーカードの{}がロックされます（{}）。自信がなければ入力せず、\
             市区町村の窓口か「JPKI暗証番号リセット」アプリで再設定してください。",
            jpki_pin_name(pin, Japanese),
            jpki_pin_rule(pin, Japanese)
        ),
        (CardKind::Jpki(pin), PinState::CountLow, English) => format!(
            "A wrong {} was entered since the last right one; the card locks after {}. Enter it carefully.",
            jpki_pin_name(pin, English),
            jpki_pin_rule(pin, English)
        ),
        (CardKind::Jpki(pin), PinState::CountLow, Japanese) => format!(
            "前回正しく入力した後に、誤った{}が入力されています（{}）。慎重に入力してください。",
            jpki_pin_name(pin, Japanese),
            jpki_pin_rule(pin, Japanese)
        ),
        (CardKind::Jpki(_), PinState::ToBeChanged, English) | (CardKind::Other, PinState::ToBeChanged, English) => {
            "The card asks for its PIN to be changed before it is used: change it with the card's own tool first.".into()
        }
        (CardKind::Jpki(_), PinState::ToBeChanged, Japanese) | (CardKind::Other, PinState::ToBeChanged, Japanese) => {
            "このカードは、使う前に暗証番号（PIN）の変更を求めています。カード付属のツールで先に変更してください。".into()
        }
        (CardKind::Other, PinState::Locked, English) => {
            "The card's PIN is locked: it signs nothing until it is unblocked. Ask whoever gave you the card \
             to unblock it (with its PUK or administrator PIN); do not try again."
                .into()
        }
        (CardKind::Other, PinState::Locked, Japanese) => {
            "カードの暗証番号（PIN）がロックされています。ロックを解除するまで署名できません。\
             カードを発行した管理者に解除（PUK または管理者 PIN による）を依頼してください。これ以上入力しないでください。"
                .into()
        }
        (CardKind::Other, PinState::FinalTry, English) => {
            "One more wrong PIN locks the card. If you are not sure of it, do not try: ask whoever gave you the card.".into()
        }
        (CardKind::Other, PinState::FinalTry, Japanese) => {
            "あと1回間違えるとカードがロックされます。自信がなければ入力せず、カードを発行した管理者に確認してください。".into()
        }
        (CardKind::Other, PinState::CountLow, English) => {
            "A wrong PIN was entered since the last right one: a few more lock the card. Enter it carefully.".into()
        }
        (CardKind::Other, PinState::CountLow, Japanese) => {
            "前回正しく入力した後に、誤った暗証番号（PIN）が入力されています。あと数回間違えるとロックされます。慎重に入力してください。".into()
        }
    };
    Some(text)
}

/// When a My Number card's certificates expire and where they are renewed.
pub fn jpki_renewal_note(language: ListLanguage) -> &'static str {
    match language {
        ListLanguage::English => {
            "My Number card certificates expire on the holder's fifth birthday after issue. Renewal opens three \
             months before, at your city, ward or town office."
        }
        ListLanguage::Japanese => {
            "マイナンバーカードの電子証明書の有効期限は、発行日から5回目の誕生日です。期限の3か月前から、\
             お住まいの市区町村の窓口で更新できます。"
        }
    }
}

fn jpki_pin_name(pin: JpkiPin, language: ListLanguage) -> &'static str {
    match (pin, language) {
        (JpkiPin::UserAuthentication, ListLanguage::English) => "user-authentication PIN",
        (JpkiPin::Signature, ListLanguage::English) => "signature password",
        (JpkiPin::UserAuthentication, ListLanguage::Japanese) => "利用者証明用電子証明書の暗証番号（数字4桁）",
        (JpkiPin::Signature, ListLanguage::Japanese) => "署名用電子証明書の暗証番号（英数字6〜16文字）",
    }
}

fn jpki_pin_rule(pin: JpkiPin, language: ListLanguage) -> &'static str {
    match (pin, language) {
        (JpkiPin::UserAuthentication, ListLanguage::English) => "3 wrong tries in a row",
        (JpkiPin::Signature, ListLanguage::English) => "5 wrong tries in a row",
        (JpkiPin::UserAuthentication, ListLanguage::Japanese) => "連続3回の誤りでロック",
        (JpkiPin::Signature, ListLanguage::Japanese) => "連続5回の誤りでロック",
    }
}

/// The refusal of every change to a card: certdesk reads cards (and the
/// certificates Windows or macOS show from them) but leaves them as their
/// issuer made them.
pub fn card_is_read_only(what: &str) -> crate::Error {
    crate::Error::Unsupported {
        what: format!("{what} on a smart card or token"),
        hint: ": certdesk reads cards but never changes them; use the card issuer's own tool".into(),
    }
}

/// Whether a Windows key provider (a CSP or a CNG key storage provider,
/// as `CERT_KEY_PROV_INFO_PROP_ID` names it) keeps its keys on a smart card:
/// the one minidriver cards share ("Microsoft Smart Card Key Storage
/// Provider", "Microsoft Base Smart Card Crypto Provider"), a vendor's
/// ("SafeNet Smart Card Key Storage Provider", "eToken Base Cryptographic
/// Provider") or the My Number card's (JPKI's "JPKI Crypto Service
/// Provider for Auth"). The software and TPM providers are not cards.
pub fn is_smart_card_provider(provider: &str) -> bool {
    let name = provider.to_lowercase();
    ["smart card", "smartcard", "jpki", "etoken", "token"].iter().any(|word| name.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_smart_card_providers_are_told_from_software_and_tpm_ones() {
        for card in [
            "Microsoft Smart Card Key Storage Provider",
            "Microsoft Base Smart Card Crypto Provider",
            "SafeNet Smart Card Key Storage Provider",
            "eToken Base Cryptographic Provider",
            "JPKI Crypto Service Provider for Auth",
            "JPKI Crypto Service Provider for Sign",
        ] {
            assert!(is_smart_card_provider(card), "{card}");
        }
        for software in [
            "Microsoft Software Key Storage Provider",
            "Microsoft Enhanced RSA and AES Cryptographic Provider",
            "Microsoft Enhanced Cryptographic Provider v1.0",
            "Microsoft Platform Crypto Provider",
            "",
        ] {
            assert!(!is_smart_card_provider(software), "{software}");
        }
    }

    /// `CK_TOKEN_INFO.flags` as tokens report them: SoftHSM2 after
    /// `--init-token` (RNG, LOGIN_REQUIRED, USER_PIN_INITIALIZED,
    /// RESTORE_KEY_NOT_NEEDED, TOKEN_INITIALIZED), and OpenSC's JPKI slots
    /// with 2, 1 and 0 tries left (framework-pkcs15 sets COUNT_LOW below the
    /// maximum, FINAL_TRY at 1, LOCKED at 0).
    const SOFTHSM_INITIALISED: u64 = 0x0000_042D;
    const JPKI_TWO_LEFT: u64 = 0x0001_040D;
    const JPKI_ONE_LEFT: u64 = 0x0003_040D;
    const JPKI_LOCKED: u64 = 0x0004_040D;
    const ISSUER_PIN: u64 = 0x0008_042D;

    #[test]
    fn the_worst_flag_decides_the_pin_state() {
        for (flags, state) in [
            (SOFTHSM_INITIALISED, PinState::Ok),
            (JPKI_TWO_LEFT, PinState::CountLow),
            (JPKI_ONE_LEFT, PinState::FinalTry),
            (JPKI_LOCKED, PinState::Locked),
            (ISSUER_PIN, PinState::ToBeChanged),
            (0x000F_0000, PinState::Locked),
        ] {
            assert_eq!(PinState::of(PinFlags::from_bits(flags)), state, "{flags:#x}");
        }
        assert!(PinState::FinalTry.warns_before_login() && PinState::CountLow.warns_before_login());
        assert!(!PinState::Ok.warns_before_login() && !PinState::Locked.warns_before_login());
    }

    #[test]
    fn my_number_cards_are_told_apart_by_opensc_s_names() {
        assert_eq!(CardKind::of("JPKI", "JPKI"), CardKind::Jpki(JpkiPin::UserAuthentication));
        assert_eq!(CardKind::of("JPKI (User Authentication PIN)", "JPKI"), CardKind::Jpki(JpkiPin::UserAuthentication));
        assert_eq!(CardKind::of("JPKI (Digital Signature PIN)  ", "JPKI "), CardKind::Jpki(JpkiPin::Signature));
        assert_eq!(CardKind::of("certdesk テスト", "SoftHSM project"), CardKind::Other);
    }

    #[test]
    fn a_locked_my_number_card_is_sent_to_the_city_office_or_the_reset_app_in_both_languages() {
        let card = CardKind::Jpki(JpkiPin::UserAuthentication);
        let english = pin_advice(PinState::Locked, card, ListLanguage::English).unwrap();
        assert!(
            english.contains("user-authentication PIN") && english.contains("city, ward or town office"),
            "{english}"
        );
        assert!(english.contains("JPKI PIN reset app") && english.contains("convenience-store"), "{english}");
        let japanese = pin_advice(PinState::Locked, card, ListLanguage::Japanese).unwrap();
        assert!(
            japanese.contains("利用者証明用電子証明書の暗証番号（数字4桁）") && japanese.contains("市区町村の窓口"),
            "{japanese}"
        );
        assert!(japanese.contains("JPKI暗証番号リセット") && japanese.contains("コンビニ"), "{japanese}");

        let signature =
            pin_advice(PinState::FinalTry, CardKind::Jpki(JpkiPin::Signature), ListLanguage::English).unwrap();
        assert!(signature.contains("signature password") && signature.contains("5 wrong tries"), "{signature}");
        let count_low = pin_advice(PinState::CountLow, card, ListLanguage::Japanese).unwrap();
        assert!(count_low.contains("連続3回"), "{count_low}");
    }

    #[test]
    fn other_cards_are_sent_to_their_issuer_and_a_good_pin_says_nothing() {
        let locked = pin_advice(PinState::Locked, CardKind::Other, ListLanguage::English).unwrap();
        assert!(locked.contains("PUK") && !locked.contains("My Number"), "{locked}");
        for language in [ListLanguage::English, ListLanguage::Japanese] {
            assert_eq!(pin_advice(PinState::Ok, CardKind::Other, language), None);
            assert_eq!(pin_advice(PinState::Ok, CardKind::Jpki(JpkiPin::Signature), language), None);
            for state in [PinState::ToBeChanged, PinState::CountLow, PinState::FinalTry, PinState::Locked] {
                assert!(pin_advice(state, CardKind::Other, language).is_some());
            }
        }
        assert!(jpki_renewal_note(ListLanguage::Japanese).contains("5回目の誕生日"));
        assert!(jpki_renewal_note(ListLanguage::English).contains("three months before"));
    }
}
