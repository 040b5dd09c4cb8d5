//! What a macOS keychain's OSStatus means for the user, as an error that
//! says what to do. Pure, so it is tested here; the codes are those of
//! Apple's `SecBase.h`, and what raises them is read from securityd
//! (a Deny in the keychain's prompt comes back as `errSecUserCanceled`).

use crate::error::Error;

pub const ERR_SEC_USER_CANCELED: i32 = -128;
pub const ERR_SEC_WR_PERM: i32 = -61;
pub const ERR_SEC_INVALID_OWNER_EDIT: i32 = -25244;
pub const ERR_SEC_NO_ACCESS_FOR_ITEM: i32 = -25243;
pub const ERR_SEC_READ_ONLY: i32 = -25292;
pub const ERR_SEC_AUTH_FAILED: i32 = -25293;
pub const ERR_SEC_NO_SUCH_KEYCHAIN: i32 = -25294;
pub const ERR_SEC_DUPLICATE_ITEM: i32 = -25299;
pub const ERR_SEC_ITEM_NOT_FOUND: i32 = -25300;
pub const ERR_SEC_INTERACTION_NOT_ALLOWED: i32 = -25308;

/// The error for `status` while `doing` something to the store `store`.
pub fn keychain_error(status: i32, store: &str, doing: &str) -> Error {
    let refused = |why: &str| Error::Store { store: store.to_owned(), why: format!("{doing}: {why}") };
    match status {
        ERR_SEC_USER_CANCELED => Error::Cancelled,
        ERR_SEC_AUTH_FAILED | ERR_SEC_INTERACTION_NOT_ALLOWED => refused(
            "the keychain is locked, or would not ask you; unlock it in Keychain Access (File › Unlock Keychain) and try again",
        ),
        ERR_SEC_INVALID_OWNER_EDIT | ERR_SEC_NO_ACCESS_FOR_ITEM | ERR_SEC_WR_PERM => refused(
            "the keychain allows this only to the app that made the item; run certdesk as the user whose login keychain it is, or delete the item in Keychain Access",
        ),
        ERR_SEC_READ_ONLY => refused("the keychain is read-only; check the permissions of its file"),
        ERR_SEC_DUPLICATE_ITEM => refused(
            "the keychain already holds that item (for a site preference: one that names this certificate); delete the other one in Site preferences and try again",
        ),
        ERR_SEC_NO_SUCH_KEYCHAIN => Error::StoreUnavailable {
            store: store.to_owned(),
            why: "this user has no login keychain; log in to the Mac once, or create it in Keychain Access".into(),
        },
        other => refused(&format!("the keychain answered OSStatus {other}; `security error {other}` says what it means")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_preference_for_one_site_and_certificate_says_which_to_delete() {
        let e =
            keychain_error(ERR_SEC_DUPLICATE_ITEM, "keychain:login", "pointing the identity preference at the renewal");
        assert!(e.to_string().contains("delete the other one in Site preferences"), "{e}");
    }

    #[test]
    fn a_deny_is_cancelled_and_a_locked_keychain_says_how_to_unlock_it() {
        assert!(matches!(keychain_error(ERR_SEC_USER_CANCELED, "keychain:login", "exporting"), Error::Cancelled));
        for locked in [ERR_SEC_AUTH_FAILED, ERR_SEC_INTERACTION_NOT_ALLOWED] {
            let e = keychain_error(locked, "keychain:login", "deleting the identity preference");
            assert_eq!(e.kind(), "store");
            assert!(e.to_string().contains("unlock it in Keychain Access"), "{e}");
        }
        let owner = keychain_error(ERR_SEC_INVALID_OWNER_EDIT, "keychain:login", "deleting");
        assert!(owner.to_string().contains("run certdesk as the user"), "{owner}");
        let other = keychain_error(-34018, "keychain:login", "listing");
        assert!(other.to_string().contains("security error -34018"), "{other}");
    }
}
