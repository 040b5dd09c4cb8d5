//! The app's commands without a window: Tauri's mock runtime, the real
//! command handlers and state, and the IPC as the front end speaks it
//! (camelCase arguments, `{kind, message}` errors).

use serde_json::Value;
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

use crate::state::AppState;

pub struct MockApp {
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

impl MockApp {
    /// The app over the store `spec` (`nss:/path`), with no settings file.
    pub fn over_store(spec: &str) -> MockApp {
        let state = AppState::for_store(spec.parse().expect("a store spec"));
        let app = crate::with_commands(mock_builder())
            .manage(state)
            .build(mock_context(noop_assets()))
            .expect("the mock app builds");
        let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("a mock window");
        MockApp { _app: app, window }
    }

    /// Calls `command` with `args` as the front end would: its answer, or its `{kind, message}` error.
    pub fn invoke(&self, command: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: command.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().expect("a URL"),
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        tauri::test::get_ipc_response(&self.window, request)
            .map(|body| body.deserialize::<Value>().expect("a JSON answer"))
    }
}
