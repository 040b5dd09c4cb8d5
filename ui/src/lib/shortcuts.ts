// The window's keyboard shortcuts, the ones the toolbar's aria-keyshortcuts
// announce, and F5 beside Ctrl+R as browsers have it.
export type Shortcut = 'search' | 'import' | 'export' | 'export-all' | 'delete' | 'refresh';

/** The shortcut `event` is, if any. Delete in a text field deletes text, not certificates. */
export function shortcutOf(event: KeyboardEvent): Shortcut | null {
  const mod = event.ctrlKey || event.metaKey;
  const key = event.key.toLowerCase();
  if (mod && key === 'f') return 'search';
  if (mod && key === 'i') return 'import';
  if (mod && key === 'e') return event.shiftKey ? 'export-all' : 'export';
  if (event.key === 'Delete' && !(event.target instanceof HTMLInputElement)) return 'delete';
  if (event.key === 'F5' || (mod && key === 'r')) return 'refresh';
  return null;
}
