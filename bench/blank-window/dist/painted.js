// Two frames after the page loads, the blank window has painted: the same
// moment certdesk reports for its first rows (ui/src/lib/api.ts, reportFirstRows).
requestAnimationFrame(() => requestAnimationFrame(() => window.__TAURI_INTERNALS__.invoke('first_paint')));
