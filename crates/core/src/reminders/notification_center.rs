//! macOS's notification center, for reminders that are certdesk.app's own.
//! `certdesk check --notify` posts them from inside the app (its
//! Contents/MacOS, where the package puts the command); each carries the
//! link to its certificate ([`NOTIFICATION_LINK_KEY`]), which the app reads
//! when a click opens it (src-tauri/src/reminder_clicks.rs). The app asks
//! for leave to notify when reminders are turned on.

use std::sync::mpsc;
use std::time::Duration;

use block2::RcBlock;
use objc2::rc::Retained;
use objc2::runtime::Bool;
use objc2_foundation::{NSBundle, NSDictionary, NSError, NSString};
use objc2_user_notifications::{
    UNAuthorizationOptions, UNMutableNotificationContent, UNNotificationRequest, UNNotificationSound,
    UNUserNotificationCenter,
};

use super::{Reminder, NOTIFICATION_LINK_KEY};
use crate::transfer::ListLanguage;

/// How long a check waits for the answer to macOS's "certdesk would like to
/// send notifications" (asked once; the app asks when reminders are turned
/// on, so a daily check rarely waits at all).
pub const WAIT_FOR_PERMISSION: Duration = Duration::from_secs(10 * 60);

/// How long turning reminders on waits for that answer: the user is there,
/// at the window or the terminal, and answers it then.
pub const WAIT_FOR_PERMISSION_IN_PERSON: Duration = Duration::from_secs(2 * 60);

/// How long the notification center may take to accept one notification.
const WAIT_FOR_ACCEPTANCE: Duration = Duration::from_secs(30);

/// macOS's answer to "certdesk would like to send notifications".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    Granted,
    Denied,
    /// Not answered in the time given.
    Unanswered,
}

/// Whether this process runs inside certdesk.app. Outside an app bundle the
/// notification center refuses the process with an exception, not an
/// error: `cargo build`'s programs have no bundle identifier and are not in
/// a `.app` folder.
pub fn in_app_bundle() -> bool {
    let bundle = NSBundle::mainBundle();
    bundle.bundleIdentifier().is_some() && bundle.bundlePath().to_string().ends_with(".app")
}

/// The notification center. macOS raises an Objective-C exception, not an
/// error, when it has no record of the app (a bundle just built, never
/// registered with Launch Services): caught here, so that the reminders
/// fall back to `osascript` instead of the process aborting.
pub fn center() -> Result<Retained<UNUserNotificationCenter>, String> {
    if !in_app_bundle() {
        return Err("this program does not run inside certdesk.app".into());
    }
    objc2::exception::catch(UNUserNotificationCenter::currentNotificationCenter).map_err(|exception| {
        let why = exception.map(|e| e.to_string()).unwrap_or_default();
        format!("macOS has no notification center for this copy of certdesk.app ({why}); open the app once from Finder")
    })
}

/// Asks macOS whether certdesk may show notifications (banners and sounds):
/// the user is asked the first time, and the answer waited for up to
/// `wait`. An error when macOS will not take this app's notifications at
/// all ("Notifications are not allowed for this application": an app
/// without a signature), or when this process is not inside the app.
pub fn ask_permission(wait: Duration) -> Result<Permission, String> {
    let center = center()?;
    let (sender, answer) = mpsc::channel();
    let answered = RcBlock::new(move |granted: Bool, error: *mut NSError| {
        let _ = sender.send((granted.as_bool(), describe(error)));
    });
    center.requestAuthorizationWithOptions_completionHandler(
        UNAuthorizationOptions::Alert | UNAuthorizationOptions::Sound,
        &answered,
    );
    match answer.recv_timeout(wait) {
        Ok((true, _)) => Ok(Permission::Granted),
        Ok((false, None)) => Ok(Permission::Denied),
        Ok((false, Some(why))) => Err(format!("macOS will not take certdesk's notifications ({why})")),
        Err(_) => Ok(Permission::Unanswered),
    }
}

/// Hands `reminders` to the notification center, once [`ask_permission`]
/// granted leave. One notification per certificate: a later stage replaces
/// the earlier one, and a run that failed halfway and is repeated shows
/// nothing twice.
pub fn post(reminders: &[Reminder], language: ListLanguage) -> Result<(), String> {
    let center = center()?;
    for reminder in reminders {
        let content = UNMutableNotificationContent::new();
        content.setTitle(&NSString::from_str(&reminder.title(language)));
        content.setBody(&NSString::from_str(&reminder.body(language)));
        content.setSound(Some(&UNNotificationSound::defaultSound()));
        content.setThreadIdentifier(&NSString::from_str("certdesk-reminders"));
        let key = NSString::from_str(NOTIFICATION_LINK_KEY);
        let link = NSString::from_str(&reminder.show_link());
        let info = NSDictionary::from_slices(&[&*key], &[&*link]);
        // SAFETY: the dictionary's keys and values are strings, as a user
        // info dictionary (a property list) may hold; only its generics change.
        unsafe { content.setUserInfo(&Retained::cast_unchecked::<NSDictionary>(info)) };
        let identifier = NSString::from_str(&format!("certdesk-reminder-{}", reminder.id));
        let request = UNNotificationRequest::requestWithIdentifier_content_trigger(&identifier, &content, None);
        let (sender, answer) = mpsc::channel();
        let accepted = RcBlock::new(move |error: *mut NSError| {
            let _ = sender.send(describe(error));
        });
        center.addNotificationRequest_withCompletionHandler(&request, Some(&accepted));
        match answer.recv_timeout(WAIT_FOR_ACCEPTANCE) {
            Ok(None) => {}
            Ok(Some(why)) => return Err(format!("macOS refused the notification: {why}")),
            Err(_) => return Err("macOS's notification center did not answer".into()),
        }
    }
    Ok(())
}

/// The text of the error a completion handler was given, if any.
fn describe(error: *mut NSError) -> Option<String> {
    // SAFETY: a completion handler's error is nil or a valid NSError for the call.
    unsafe { error.as_ref() }.map(|error| error.localizedDescription().to_string())
}
