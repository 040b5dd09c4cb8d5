// Which dialog is open, what it was opened on, and where closing it leads:
// one at a time, and a file dragged onto the window opens its import only
// when none is.
import type { FileDropHandlers, ListEntry, Settings } from '../api';
import { choosePfxFiles } from '../dialogs';
import type { LanguageSetting } from './language.svelte';
import type { CertificateListing } from './listing.svelte';
import type { ListSelection } from './selection.svelte';

export type Dialog =
  | { kind: 'import'; paths: string[] }
  // `resume`: the deletion a backup export interrupted, asked again afterwards.
  | { kind: 'export'; entries: ListEntry[]; toFolder: boolean; resume?: { kind: 'delete'; ids: string[] } }
  | { kind: 'delete'; ids: string[] }
  | { kind: 'cleanup' }
  | { kind: 'prefs' }
  | { kind: 'probe' }
  | { kind: 'settings' };

/** The dialogs opened with nothing to pass them. */
export type PlainDialog = Extract<Dialog, { kind: 'cleanup' | 'prefs' | 'probe' | 'settings' }>['kind'];

export class Dialogs implements FileDropHandlers {
  #listing: CertificateListing;
  #selection: ListSelection;
  #language: LanguageSetting;

  /** Replaced whole, never changed in place: an export's entries stay plain objects. */
  current = $state.raw<Dialog | null>(null);
  /** Files are being dragged over the window, and a drop would open their import. */
  dropping = $state(false);

  constructor(listing: CertificateListing, selection: ListSelection, language: LanguageSetting) {
    this.#listing = listing;
    this.#selection = selection;
    this.#language = language;
  }

  show(kind: PlainDialog) {
    this.current = { kind };
  }

  async startImport() {
    const paths = await choosePfxFiles();
    if (paths.length > 0) this.current = { kind: 'import', paths };
  }

  /** `all`: every certificate whose key the store holds, to a folder; the authorities are
   *  left out. Else the selection, or the focused row when nothing is selected. */
  startExport(all = false) {
    // Everything with a key: the dialog exports what the core marks exportable (what
    // `certdesk export-folder` with no ids takes) and names the locked keys it leaves.
    const chosen = all ? this.#listing.entries.filter((e) => e.has_private_key) : this.#selection.targets;
    if (chosen.length > 0) this.current = { kind: 'export', entries: chosen, toFolder: all };
  }

  startDelete() {
    const ids = this.#selection.targets.map((e) => e.id);
    if (ids.length > 0) this.current = { kind: 'delete', ids };
  }

  /** From the delete dialog: export `backup` first, then ask about the same deletion again. */
  backUpFirst(backup: ListEntry[]) {
    if (this.current?.kind !== 'delete') return;
    this.current = { kind: 'export', entries: backup, toFolder: false, resume: { kind: 'delete', ids: this.current.ids } };
  }

  /** An export changes nothing in the store; a backup export goes back to its deletion. */
  exportClosed() {
    this.current = this.current?.kind === 'export' ? (this.current.resume ?? null) : null;
  }

  /** `changed`: the dialog changed the store, so the list is read again. */
  closed(changed = false) {
    this.current = null;
    if (changed) this.#listing.load();
  }

  /** `saved`: the settings now in force; the store or the renewal window may differ, so the list is read again. */
  settingsClosed(saved: Settings | null) {
    this.current = null;
    if (saved) {
      this.#language.setting = saved.language;
      this.#listing.load();
    }
  }

  hovering(on: boolean) {
    this.dropping = on && this.current === null;
  }

  dropped(paths: string[]) {
    this.dropping = false;
    this.openFiles(paths);
  }

  /** Files handed to the app (dropped, or double-clicked in the file manager) open their
   *  import, unless a dialog is open. */
  openFiles(paths: string[]) {
    if (paths.length > 0 && this.current === null) this.current = { kind: 'import', paths };
  }
}
