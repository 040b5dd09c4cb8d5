// Which dialog is open, what it was opened on, and where closing it leads:
// one at a time. Files handed to the app (its command line, a second launch)
// wait for the open dialog to close; a file dragged onto the window opens only
// when none is open (the window shows no drop target then).
import type { CardToUnlock, FileDropHandlers, ListEntry, OpenedFile, Settings } from '../api';
import { choosePfxFiles } from '../dialogs';
import type { LanguageSetting } from './language.svelte';
import type { CertificateListing } from './listing.svelte';
import type { ListSelection } from './selection.svelte';

export type Dialog =
  | { kind: 'import'; paths: string[] }
  // A certificate file (.cer, .crt): what it is, and whether the store holds it.
  | { kind: 'certificate-file'; path: string }
  // `resume`: the deletion a backup export interrupted, asked again afterwards.
  | { kind: 'export'; entries: ListEntry[]; toFolder: boolean; resume?: { kind: 'delete'; ids: string[] } }
  | { kind: 'delete'; ids: string[] }
  | { kind: 'cleanup' }
  | { kind: 'prefs' }
  | { kind: 'probe' }
  | { kind: 'settings' }
  // A card whose private objects show once its PIN unlocks it.
  | { kind: 'unlock-card'; card: CardToUnlock };

/** The dialogs opened with nothing to pass them. */
export type PlainDialog = Extract<Dialog, { kind: 'cleanup' | 'prefs' | 'probe' | 'settings' }>['kind'];

export class Dialogs implements FileDropHandlers {
  #listing: CertificateListing;
  #selection: ListSelection;
  #language: LanguageSetting;

  /** Replaced whole, never changed in place: an export's entries stay plain objects. */
  current = $state.raw<Dialog | null>(null);
  /** Files are being dragged over the window, and a drop would open them. */
  dropping = $state(false);
  /** Files handed to the app while a dialog was open, in the order they came. */
  #waiting: OpenedFile[] = [];

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

  startUnlock(card: CardToUnlock) {
    this.current = { kind: 'unlock-card', card };
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
    this.#close(this.current?.kind === 'export' ? (this.current.resume ?? null) : null);
  }

  /** `changed`: the dialog changed the store, so the list is read again. */
  closed(changed = false) {
    this.#close();
    if (changed) this.#listing.load();
  }

  /** From a certificate file's dialog: the store's certificate `id`, selected in the list. */
  showInList(id: string) {
    this.#selection.reveal(id);
    this.#close();
  }

  /** `saved`: the settings now in force; the store or the renewal window may differ, so the list is read again. */
  settingsClosed(saved: Settings | null) {
    this.#close();
    if (saved) {
      this.#language.setting = saved.language;
      this.#listing.load();
    }
  }

  hovering(on: boolean) {
    this.dropping = on && this.current === null;
  }

  dropped(files: OpenedFile[]) {
    this.dropping = false;
    if (this.current === null) this.openFiles(files);
  }

  /** Files handed to the app (double-clicked in the file manager, handed over by a second
   *  launch, dropped) open in turn once no dialog is open: the .pfx and .p12 files that come
   *  together in one import, each certificate file in its own dialog. */
  openFiles(files: OpenedFile[]) {
    this.#waiting.push(...files);
    if (this.current === null) this.#openWaiting();
  }

  /** Closes the open dialog for `next`, or for the files waiting when there is none. */
  #close(next: Dialog | null = null) {
    this.current = next;
    if (next === null) this.#openWaiting();
  }

  #openWaiting() {
    const first = this.#waiting[0];
    if (first === undefined) return;
    if (first.opening === 'inspect') {
      this.#waiting.shift();
      this.current = { kind: 'certificate-file', path: first.path };
      return;
    }
    const end = this.#waiting.findIndex((file) => file.opening !== 'import');
    const imports = this.#waiting.splice(0, end === -1 ? this.#waiting.length : end);
    this.current = { kind: 'import', paths: imports.map((file) => file.path) };
  }
}
