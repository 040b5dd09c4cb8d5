use time::macros::datetime;

use super::*;
use crate::model::testing::{cert, name};

const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

#[test]
fn status_table() {
    let window = DEFAULT_RENEWAL_WINDOW;
    let cases = [
        // (not_before, not_after, expected)
        (datetime!(2025-01-01 0:00 UTC), datetime!(2026-01-01 0:00 UTC), Status::Expired),
        (datetime!(2025-01-01 0:00 UTC), datetime!(2026-11-21 11:59:59 UTC), Status::Expired),
        (datetime!(2025-01-01 0:00 UTC), datetime!(2026-11-21 12:00 UTC), Status::Expiring), // last second still valid
        (datetime!(2025-01-01 0:00 UTC), datetime!(2026-12-21 0:00 UTC), Status::Expiring),
        (datetime!(2025-01-01 0:00 UTC), datetime!(2027-02-19 12:00 UTC), Status::Expiring), // exactly 90 days
        (datetime!(2025-01-01 0:00 UTC), datetime!(2027-02-19 12:00:01 UTC), Status::Valid),
        (datetime!(2025-01-01 0:00 UTC), datetime!(2028-01-01 0:00 UTC), Status::Valid),
        (datetime!(2026-11-21 12:00:01 UTC), datetime!(2028-01-01 0:00 UTC), Status::NotYetValid),
        (datetime!(2026-11-21 12:00 UTC), datetime!(2028-01-01 0:00 UTC), Status::Valid),
    ];
    for (nb, na, expected) in cases {
        let c = cert("x", "a", "ca", nb, na);
        assert_eq!(status_at(&c.certificate, NOW, window), expected, "{nb} .. {na}");
    }
}

#[test]
fn a_shorter_window_turns_expiring_into_valid() {
    let c = cert("x", "a", "ca", datetime!(2025-01-01 0:00 UTC), datetime!(2026-12-31 0:00 UTC));
    assert_eq!(status_at(&c.certificate, NOW, Duration::days(90)), Status::Expiring);
    assert_eq!(status_at(&c.certificate, NOW, Duration::days(30)), Status::Valid);
}

#[test]
fn renewals_of_one_subject_from_one_issuer_are_grouped_and_the_latest_is_current() {
    let ids = [
        cert("r1", "alice", "ca", datetime!(2023-01-01 0:00 UTC), datetime!(2024-01-01 0:00 UTC)),
        cert("r3", "alice", "ca", datetime!(2026-01-01 0:00 UTC), datetime!(2027-06-01 0:00 UTC)),
        cert("r2", "alice", "ca", datetime!(2024-01-01 0:00 UTC), datetime!(2026-12-01 0:00 UTC)),
        cert("other-issuer", "alice", "other ca", datetime!(2022-01-01 0:00 UTC), datetime!(2027-09-01 0:00 UTC)),
        cert("bob", "bob", "ca", datetime!(2022-01-01 0:00 UTC), datetime!(2023-01-01 0:00 UTC)),
    ];
    let a = assess(&ids, NOW, DEFAULT_RENEWAL_WINDOW);
    let superseded: Vec<(&str, Option<&str>)> = a.iter().map(|x| (x.id.as_str(), x.superseded_by.as_deref())).collect();
    assert_eq!(
        superseded,
        [("r1", Some("r3")), ("r3", None), ("r2", Some("r3")), ("other-issuer", None), ("bob", None)]
    );
    assert!(a[0].duplicate_group.is_some());
    assert_eq!(a[0].duplicate_group, a[1].duplicate_group);
    assert_eq!(a[0].duplicate_group, a[2].duplicate_group);
    assert_eq!(a[3].duplicate_group, None, "same subject from another issuer is not a duplicate");
    assert_eq!(a[4].duplicate_group, None);
    assert_eq!(
        a.iter().map(|x| x.status).collect::<Vec<_>>(),
        [Status::Expired, Status::Valid, Status::Expiring, Status::Valid, Status::Expired]
    );
}

#[test]
fn a_renewal_that_only_changed_case_is_still_a_renewal() {
    let mut renewed = cert("new", "ALICE", "CA", datetime!(2026-01-01 0:00 UTC), datetime!(2027-06-01 0:00 UTC));
    renewed.certificate.subject = name("alice ");
    let ids = [cert("old", "alice", "ca", datetime!(2025-01-01 0:00 UTC), datetime!(2026-06-01 0:00 UTC)), renewed];
    let a = assess(&ids, NOW, DEFAULT_RENEWAL_WINDOW);
    assert_eq!(a[0].superseded_by.as_deref(), Some("new"));
}

#[test]
fn equal_not_after_is_decided_by_not_before_then_by_id() {
    let ids = [
        cert("b", "alice", "ca", datetime!(2025-01-01 0:00 UTC), datetime!(2027-06-01 0:00 UTC)),
        cert("a", "alice", "ca", datetime!(2025-02-01 0:00 UTC), datetime!(2027-06-01 0:00 UTC)),
    ];
    let a = assess(&ids, NOW, DEFAULT_RENEWAL_WINDOW);
    assert_eq!(a[0].superseded_by.as_deref(), Some("a"));
    let twins = [
        cert("b", "alice", "ca", datetime!(2025-01-01 0:00 UTC), datetime!(2027-06-01 0:00 UTC)),
        cert("a", "alice", "ca", datetime!(2025-01-01 0:00 UTC), datetime!(2027-06-01 0:00 UTC)),
    ];
    let forward = assess(&twins, NOW, DEFAULT_RENEWAL_WINDOW);
    let reversed: Vec<Identity> = twins.iter().rev().cloned().collect();
    let backward = assess(&reversed, NOW, DEFAULT_RENEWAL_WINDOW);
    assert_eq!(forward[0].superseded_by.as_deref(), Some("a"));
    assert_eq!(backward[1].superseded_by.as_deref(), Some("a"));
}

fn candidate_ids(ids: &[Identity]) -> Vec<(String, Vec<&'static str>)> {
    let a = assess(ids, NOW, DEFAULT_RENEWAL_WINDOW);
    cleanup_candidates(ids, &a)
        .into_iter()
        .map(|c| {
            let reasons = c
                .reasons
                .iter()
                .map(|r| match r {
                    CleanupReason::Expired { .. } => "expired",
                    CleanupReason::Superseded { .. } => "superseded",
                })
                .collect();
            (c.id, reasons)
        })
        .collect()
}

#[test]
fn cleanup_offers_expired_and_superseded_but_never_the_current_valid_one() {
    let ids = [
        cert("r1", "alice", "ca", datetime!(2023-01-01 0:00 UTC), datetime!(2024-01-01 0:00 UTC)),
        cert("r2", "alice", "ca", datetime!(2024-01-01 0:00 UTC), datetime!(2026-12-01 0:00 UTC)),
        cert("r3", "alice", "ca", datetime!(2026-01-01 0:00 UTC), datetime!(2027-06-01 0:00 UTC)),
        cert("lone-expired", "carol", "ca", datetime!(2020-01-01 0:00 UTC), datetime!(2021-01-01 0:00 UTC)),
        cert("lone-valid", "dave", "ca", datetime!(2026-01-01 0:00 UTC), datetime!(2028-01-01 0:00 UTC)),
    ];
    assert_eq!(
        candidate_ids(&ids),
        [
            ("r1".to_owned(), vec!["expired", "superseded"]),
            ("r2".to_owned(), vec!["superseded"]),
            ("lone-expired".to_owned(), vec!["expired"]),
        ]
    );
}

#[test]
fn an_expired_current_member_is_offered_as_expired() {
    let ids = [
        cert("old", "alice", "ca", datetime!(2020-01-01 0:00 UTC), datetime!(2021-01-01 0:00 UTC)),
        cert("newer", "alice", "ca", datetime!(2021-01-01 0:00 UTC), datetime!(2022-01-01 0:00 UTC)),
    ];
    assert_eq!(
        candidate_ids(&ids),
        [("old".to_owned(), vec!["expired", "superseded"]), ("newer".to_owned(), vec!["expired"])]
    );
}

#[test]
fn the_working_certificate_is_kept_while_its_renewal_is_not_yet_valid() {
    let ids = [
        cert("today", "alice", "ca", datetime!(2025-01-01 0:00 UTC), datetime!(2026-12-31 0:00 UTC)),
        cert("next-week", "alice", "ca", datetime!(2026-11-28 0:00 UTC), datetime!(2027-12-31 0:00 UTC)),
    ];
    let a = assess(&ids, NOW, DEFAULT_RENEWAL_WINDOW);
    assert_eq!(a[0].superseded_by.as_deref(), Some("next-week"), "it is still superseded");
    assert!(candidate_ids(&ids).is_empty(), "but not offered for clean-up");
}

#[test]
fn ca_certificates_are_never_cleanup_candidates() {
    let mut ca = cert("old-ca", "root", "root", datetime!(2000-01-01 0:00 UTC), datetime!(2010-01-01 0:00 UTC));
    ca.certificate.is_ca = true;
    assert!(candidate_ids(&[ca]).is_empty());
}

#[test]
fn status_names_parse_back() {
    for s in Status::ALL {
        assert_eq!(s.as_str().parse::<Status>(), Ok(s));
    }
    assert!("fine".parse::<Status>().is_err());
}

#[test]
fn deleting_the_only_working_certificate_of_a_name_is_flagged_and_an_old_one_is_not() {
    let ids = [
        cert("old", "alice", "ca", datetime!(2023-01-01 0:00 UTC), datetime!(2024-01-01 0:00 UTC)),
        cert("current", "alice", "ca", datetime!(2026-01-01 0:00 UTC), datetime!(2027-06-01 0:00 UTC)),
        cert("bob-a", "bob", "ca", datetime!(2026-01-01 0:00 UTC), datetime!(2027-06-01 0:00 UTC)),
        cert("bob-b", "bob", "ca", datetime!(2026-02-01 0:00 UTC), datetime!(2027-07-01 0:00 UTC)),
    ];
    let a = assess(&ids, NOW, DEFAULT_RENEWAL_WINDOW);
    let flagged = |targets: &[&str]| last_working(&ids, &a, targets).iter().map(|i| i.id.clone()).collect::<Vec<_>>();
    assert_eq!(flagged(&["old"]), Vec::<String>::new(), "an expired one costs nothing");
    assert_eq!(flagged(&["current"]), ["current"]);
    assert_eq!(flagged(&["old", "current"]), ["current"]);
    assert_eq!(flagged(&["bob-a"]), Vec::<String>::new(), "bob-b still works");
    assert_eq!(flagged(&["bob-a", "bob-b"]), ["bob-a", "bob-b"]);
}
