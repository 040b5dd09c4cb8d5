//! What the window needs of the system before it opens. On Windows that is
//! Microsoft Edge WebView2 Runtime: preinstalled on Windows 11 and current
//! Windows 10, missing on some older or locked-down PCs. Without it Tauri
//! fails deep inside window creation with nothing a user can read, so the
//! app asks first and, when it is missing, says so in a message box, in
//! both languages (no settings are read yet), and exits. On Linux the
//! package depends on WebKitGTK; on macOS WebKit is part of the system.

/// The message a user sees when the runtime is missing: what it is, how to
/// get it, and that the command line works without it.
#[cfg(any(windows, test))]
pub const MISSING_WEBVIEW2: &str = "certdesk needs the Microsoft Edge WebView2 Runtime, which is not installed on this PC.\n\n\
Install it from https://developer.microsoft.com/microsoft-edge/webview2/ (\"Evergreen Bootstrapper\"), \
or ask your administrator to deploy it, then start certdesk again. \
The certdesk command (certdesk.exe) works without it.\n\n\
certdesk を使うには Microsoft Edge WebView2 ランタイムが必要ですが、この PC にはインストールされていません。\n\n\
https://developer.microsoft.com/microsoft-edge/webview2/ から「エバーグリーン ブートストラップ」をインストールするか、\
管理者に配布を依頼してから、certdesk をもう一度起動してください。コマンド (certdesk.exe) はランタイムがなくても使えます。";

/// Whether the window can open; `Err` holds what to tell the user.
pub fn available() -> Result<(), &'static str> {
    #[cfg(windows)]
    if tauri::webview_version().is_err() {
        return Err(MISSING_WEBVIEW2);
    }
    Ok(())
}

/// Says `message` where the user looks: a message box on Windows (a GUI
/// program has no console), and standard error everywhere, for logs.
pub fn tell_the_user(message: &str) {
    eprintln!("certdesk: {message}");
    #[cfg(windows)]
    {
        use windows_sys::Win32::UI::WindowsAndMessaging::{MessageBoxW, MB_ICONERROR, MB_OK};
        let wide = |text: &str| text.encode_utf16().chain([0]).collect::<Vec<u16>>();
        let (text, title) = (wide(message), wide("certdesk"));
        // SAFETY: both strings are NUL-terminated UTF-16 that outlive the call; no owner window.
        unsafe { MessageBoxW(std::ptr::null_mut(), text.as_ptr(), title.as_ptr(), MB_OK | MB_ICONERROR) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_missing_runtime_message_says_where_to_get_it_in_both_languages() {
        assert!(MISSING_WEBVIEW2.contains("https://developer.microsoft.com/microsoft-edge/webview2/"));
        assert!(MISSING_WEBVIEW2.contains("WebView2 ランタイム"));
        assert!(MISSING_WEBVIEW2.contains("certdesk.exe"));
    }

    #[cfg(not(windows))]
    #[test]
    fn elsewhere_the_window_needs_nothing_more() {
        assert_eq!(available(), Ok(()));
    }
}
