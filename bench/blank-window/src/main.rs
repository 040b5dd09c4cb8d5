//! The floor for `bench/run`'s launch figure: a window of the same Tauri
//! version and build profile as certdesk's, launched the same way, that
//! paints an empty page and reports how long after `main` that was (as
//! certdesk reports its first rows, `src-tauri/src/launch.rs`), then quits.

use std::time::Instant;

fn main() {
    let started = Instant::now();
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![first_paint])
        .manage(Started(started))
        .run(tauri::generate_context!())
        .expect("the blank window runs");
}

struct Started(Instant);

#[tauri::command]
fn first_paint(app: tauri::AppHandle, started: tauri::State<'_, Started>) {
    println!("launch: painted {} ms after main", started.0.elapsed().as_millis());
    app.exit(0);
}
