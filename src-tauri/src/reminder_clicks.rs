//! A click on a reminder on macOS. `certdesk check --notify` posts the
//! reminders through the notification center as this app's own (it runs
//! from certdesk.app/Contents/MacOS); a click starts or activates the app,
//! and the center hands the click to the delegate set here, which shows
//! the certificate the notification's link names, as `certdesk-app --show
//! ID` would. The delegate must be set before the app finishes launching,
//! or the click that launched it is lost: the app's setup does it.

use block2::DynBlock;
use certdesk_core::reminders::notification_center::{self, Permission};
use objc2::rc::Retained;
use objc2::runtime::{NSObject, NSObjectProtocol, ProtocolObject};
use objc2::{define_class, msg_send, AllocAnyThread, DefinedClass};
use objc2_foundation::NSString;
use objc2_user_notifications::{
    UNNotification, UNNotificationPresentationOptions, UNNotificationResponse, UNUserNotificationCenter,
    UNUserNotificationCenterDelegate,
};
use tauri::AppHandle;

use crate::opened;

define_class!(
    // SAFETY: NSObject has no subclassing requirements, and the class has no Drop.
    #[unsafe(super(NSObject))]
    #[name = "CertdeskReminderClicks"]
    #[ivars = AppHandle]
    struct ReminderClicks;

    unsafe impl NSObjectProtocol for ReminderClicks {}

    unsafe impl UNUserNotificationCenterDelegate for ReminderClicks {
        /// A click on a reminder (or on its "Show" button): show its certificate.
        #[unsafe(method(userNotificationCenter:didReceiveNotificationResponse:withCompletionHandler:))]
        fn clicked(
            &self,
            _center: &UNUserNotificationCenter,
            response: &UNNotificationResponse,
            done: &DynBlock<dyn Fn()>,
        ) {
            let info = response.notification().request().content().userInfo();
            let key = NSString::from_str(certdesk_core::reminders::NOTIFICATION_LINK_KEY);
            let link = info.objectForKey(&key).and_then(|link| link.downcast::<NSString>().ok());
            if let Some(link) = link {
                // The same path as a second launch's `certdesk-app certdesk://show/ID`:
                // the link is checked there, and the window brought to the front.
                opened::handed_over(self.ivars(), vec![String::new(), link.to_string()], String::new());
            }
            done.call(());
        }

        /// A reminder posted while the window is open shows as a banner all the same.
        #[unsafe(method(userNotificationCenter:willPresentNotification:withCompletionHandler:))]
        fn arriving(
            &self,
            _center: &UNUserNotificationCenter,
            _notification: &UNNotification,
            done: &DynBlock<dyn Fn(UNNotificationPresentationOptions)>,
        ) {
            done.call((UNNotificationPresentationOptions::Banner
                | UNNotificationPresentationOptions::List
                | UNNotificationPresentationOptions::Sound,));
        }
    }
);

/// Hands the notification center's clicks on reminders to the app, for as
/// long as it runs (not when it runs outside certdesk.app, as `cargo run`'s
/// bare program, which the notification center refuses).
pub fn listen(app: &AppHandle) {
    let Ok(center) = notification_center::center() else { return };
    let delegate: Retained<ReminderClicks> = {
        let this = ReminderClicks::alloc().set_ivars(app.clone());
        // SAFETY: NSObject's init, on an object whose ivars are set.
        unsafe { msg_send![super(this), init] }
    };
    center.setDelegate(Some(ProtocolObject::from_ref(&*delegate)));
    // The center holds its delegate weakly: this one lives as long as the app.
    std::mem::forget(delegate);
}

/// Whether reminders can reach this user: asked when they are turned on,
/// so that the user answers macOS's question then, not at the daily
/// check's first run. Refused only when the user said no; an app macOS
/// will not take notifications from at all still gets `osascript`'s.
pub fn may_remind() -> certdesk_core::Result<()> {
    // Outside the app bundle (`cargo run`) the center is an error too: nothing to ask.
    match notification_center::ask_permission(notification_center::WAIT_FOR_PERMISSION_IN_PERSON) {
        Ok(Permission::Denied) => Err(certdesk_core::Error::NotificationsOff),
        Ok(Permission::Granted | Permission::Unanswered) | Err(_) => Ok(()),
    }
}
