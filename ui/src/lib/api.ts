// The only module that talks to the Rust side.
import { Channel, invoke } from '@tauri-apps/api/core';
import type { Language } from './i18n';

export type Status = 'valid' | 'expiring' | 'not_yet_valid' | 'expired';
export type KeyStatus = 'none' | 'exportable' | 'not_exportable' | 'hardware_or_unknown' | 'on_token';
export type ProfileName = 'compatible' | 'modern';

/** Mirrors certdesk_core::ListEntry. */
export interface ListEntry {
  id: string;
  subject: string;
  issuer: string;
  name: string;
  issuer_name: string;
  email: string | null;
  serial: string;
  sha1: string;
  sha256: string;
  not_before: string;
  not_after: string;
  status: Status;
  superseded: boolean;
  superseded_by: string | null;
  duplicate_group: string | null;
  has_private_key: boolean;
  key_exportable: boolean | null;
  /** Whether an export can take it (the core's rule): "Export all" exports these. */
  exportable: boolean;
  key: KeyStatus;
  friendly_name: string | null;
  client_auth: boolean;
  is_ca: boolean;
  store: string;
  /** The card or token it lives on, when it is on one. */
  card: Card | null;
  /** What is wrong with the certificate, if anything (certdesk_core's `Defect`). */
  defects: Defect[];
}

/** A card or token: its label (a PKCS#11 token's, a Windows smart-card provider's, a macOS token's
 *  id) and, when known, the reader it is in. */
export interface Card {
  label: string;
  reader: string | null;
}

export type Defect =
  | 'validity_reversed'
  | 'empty_subject'
  | 'empty_issuer'
  | 'empty_serial'
  | 'unknown_critical_extension'
  | 'damaged_extension'
  | 'implausible_key_size';

export interface Listing {
  store: string;
  /** Where the store is, when its name does not say (the login keychain's file). */
  store_location: string | null;
  entries: ListEntry[];
  preferences_supported: boolean;
  /** Which listing this is: the search answers for one listing at a time. */
  generation: number;
  /** Offer "Remind me before my certificates expire" (once; the core decides). */
  offer_reminders: boolean;
}

/** Errors cross the bridge as {kind, message}; kinds are certdesk_core's. */
export interface IpcError {
  kind: string;
  message: string;
}

/** Mirrors certdesk_core::model::Certificate. */
export interface Certificate {
  subject: { rfc4514: string };
  issuer: { rfc4514: string };
  serial: string;
  not_before: string;
  not_after: string;
  sha1: string;
  sha256: string;
  public_key: { algorithm: string; bits: number | null; curve: string | null };
  key_usage: string[];
  extended_key_usage: string[];
  client_auth: boolean;
  subject_alt_names: string[];
  is_ca: boolean;
  self_signed: boolean;
  defects: Defect[];
}

export interface Details {
  certificate: Certificate;
  friendly_name: string | null;
  key: KeyStatus;
  chain: { subject: string; issuer: string; sha256: string; not_after: string }[];
  chain_complete: boolean;
  /** The issuer the chain stops at, when it is not complete. */
  missing_issuer: string | null;
}

export interface Inspection {
  file: string;
  format: 'pkcs12' | 'pem' | 'der';
  encryption: { certificates: string | null; key: string | null; mac: string | null; iterations: number | null } | null;
  password_form: string | null;
  certificates: {
    subject: string;
    issuer: string;
    serial: string;
    sha256: string;
    not_before: string;
    not_after: string;
    friendly_name: string | null;
    is_leaf: boolean;
  }[];
  key: { algorithm: string; bits: number | null; matches_sha256: string | null } | null;
  keys: number;
}

/** A certificate file (.cer, .crt) as the store sees it: certdesk_core::actions::CertificateFile. */
export interface CertificateFile {
  file: string;
  format: 'pem' | 'der';
  certificates: {
    /** The subject's CN, or the whole subject. */
    name: string;
    issuer_name: string;
    certificate: Certificate;
    status: Status;
    /** The store's id of the same certificate, when the store holds it. */
    installed: string | null;
    /** The store's id of a newer certificate of the same subject and issuer. */
    renewal: string | null;
  }[];
}

/** A file handed to the app, and whether it opens for import or inspection (the core's rule). */
export interface OpenedFile {
  path: string;
  opening: 'import' | 'inspect';
}

export interface ImportOutcome {
  added: string[];
  already_present: string[];
  not_installed: string[];
}

export interface Progress {
  done: number;
  total: number;
  name: string;
}

export interface ExportRequest {
  ids: string[];
  target: string;
  toFolder: boolean;
  password: string;
  profile: ProfileName;
  includeChain: boolean;
  overwrite: boolean;
  /** The app's language, for the plain list written with a folder export. */
  language: Language;
}

export interface PlannedStep {
  entry: ListEntry;
  remove_key: boolean;
  last_working: boolean;
}

export type CleanupReason =
  | { reason: 'expired'; not_after: string }
  | { reason: 'superseded'; by: string; by_not_after: string };

export interface CleanupItem {
  entry: ListEntry;
  reasons: CleanupReason[];
}

/** Where a preference's certificate lives (certdesk_core::prefs::Location). */
export type PreferenceLocation =
  | { kind: 'login' }
  | { kind: 'keychain'; name: string }
  | { kind: 'token'; name: string }
  | { kind: 'elsewhere' };

/** Mirrors certdesk_core::prefs::Preference: one `iprf` item and what the core makes of it. */
export interface Preference {
  /** Unique per item (service, account and keychain). */
  id: string;
  service: string;
  account: string;
  /** The keychain file that holds the item. */
  keychain: string;
  site: string;
  app: string | null;
  form: { kind: 'url'; host: string } | { kind: 'wildcard'; domain: string } | { kind: 'email' | 'host' | 'other' };
  /** Why no app ever consults it, when none does. */
  never_applies: 'url_without_app' | 'url_with_query' | null;
  target:
    | { state: 'missing' }
    | { state: 'unreadable'; location: PreferenceLocation }
    | { state: 'certificate'; id: string; name: string; status: Status; has_key: boolean; location: PreferenceLocation };
  stale: { reason: 'certificate_missing' | 'key_missing' | 'expired' } | { reason: 'superseded'; by: string } | null;
  /** The installed renewal a stale one can be pointed at ("Use the renewal"), by id. */
  renewal: string | null;
}

/** What became of one preference a repair was asked for. */
export type PreferenceRepair = { preference: Preference } & (
  | { outcome: 'repointed'; to: string; to_name: string }
  | { outcome: 'not_repairable'; reason: 'not_stale' | 'certificate_unknown' | 'no_renewal'; message: string }
  | { outcome: 'failed'; kind: string; message: string }
);

/** What "Always use this certificate for this site" did. */
export interface AlwaysUsed {
  service: string;
  replaced: boolean;
  removed: number;
}

/** What became of one preference a deletion was asked for. */
export type PreferenceDeletion = { preference: Preference } & (
  | { outcome: 'deleted' | 'already_gone' }
  | { outcome: 'failed'; kind: string; message: string }
);

export interface Settings {
  renewal_days: number;
  language: 'auto' | 'ja' | 'en';
  store: string | null;
  /** PKCS#11 modules the user added (a card vendor's), read beside the usual ones. */
  token_modules: string[];
  /** The daily reminder check exists; switched by `setReminders` only. */
  reminders: boolean;
  /** Reminders were offered once (whatever the answer). */
  reminders_offered: boolean;
}

/** A PKCS#11 module as the core read it: its library and its slots (readers), each with its token. */
export interface ModuleReport {
  module: string;
  library: string | null;
  error: string | null;
  slots: { id: number; reader: string; token: { label: string; advice: string | null } | null }[];
}

export interface SettingsView {
  settings: Settings;
  store: string;
  store_choices: { spec: string; kind: 'default' | 'firefox'; label: string }[];
  store_is_choosable: boolean;
  /** The longest renewal window the core accepts, in days (the shortest is 0). */
  renewal_max_days: number;
}

function progressChannel(onProgress: (p: Progress) => void): Channel<Progress> {
  const channel = new Channel<Progress>();
  channel.onmessage = onProgress;
  return channel;
}

export const listCertificates = () => invoke<Listing>('list_certificates');
/** A present card that shows more once unlocked, as the core surveys it, with its PIN advice. */
export interface CardToUnlock {
  label: string;
  manufacturer: string;
  /** How the core names it: `pkcs11:MODULE#token=LABEL`. */
  store: string;
  pin: 'ok' | 'to_be_changed' | 'count_low' | 'final_try' | 'locked';
  /** The PIN is entered on the reader's keypad, never typed here. */
  pin_pad: boolean;
  /** What the PIN state warns of, in the asked language; null when all is well. */
  advice: string | null;
}

/** Writes the renewal and expiry days of `ids` (none: every personal certificate) to `path` as an
 *  iCalendar file; answers how many certificates it holds. */
export const saveCalendar = (ids: string[], path: string, language: string) =>
  invoke<number>('save_calendar', { ids, path, language });
export const cardsToUnlock = (language: string) => invoke<CardToUnlock[]>('cards_to_unlock', { language });
/** Unlocks the card for this run (the PIN is used once, not kept); no PIN on a PIN-pad reader. */
export const unlockCard = (store: string, pin: string | null) => invoke<void>('unlock_card', { store, pin });
export const lockCards = () => invoke<void>('lock_cards');
/** Loads a PKCS#11 module the user is adding: its library and tokens, or `invalid_input` saying why not. */
export const checkTokenModule = (path: string, language: string) =>
  invoke<ModuleReport>('check_token_module', { path, language });
/** Checks the Primary Password of the store (an NSS database) and keeps it in memory for this run. */
export const unlockStore = (password: string) => invoke<void>('unlock_store', { password });
/** The positions in listing `generation` of the certificates the core's search finds for `text`
 *  (as `certdesk list --search` does), or null when a newer listing replaced that one. */
export const searchCertificates = (generation: number, text: string) =>
  invoke<number[] | null>('search_certificates', { generation, text });
export const certificateDetails = (id: string) => invoke<Details>('certificate_details', { id });
export const inspectFile = (path: string, password?: string) =>
  invoke<Inspection>('inspect_file', { path, password: password ?? null });
export const inspectCertificateFile = (path: string) => invoke<CertificateFile>('inspect_certificate_file', { path });
export const importFile = (path: string, password: string, exportable: boolean) =>
  invoke<ImportOutcome>('import_file', { path, password, exportable });
export const exportFileName = (id: string) => invoke<string>('export_file_name', { id });
export const exportCertificates = (request: ExportRequest, onProgress: (p: Progress) => void) =>
  invoke<{ id: string; path: string }[]>('export_certificates', { request, onProgress: progressChannel(onProgress) });
export const planDeletion = (ids: string[]) => invoke<PlannedStep[]>('plan_deletion', { ids });
export const deleteCertificates = (ids: string[], onProgress: (p: Progress) => void) =>
  invoke<number>('delete_certificates', { ids, onProgress: progressChannel(onProgress) });
export const cleanupCandidates = () => invoke<CleanupItem[]>('cleanup_candidates');
export const listPreferences = () => invoke<Preference[]>('list_preferences');
export const deletePreferences = (ids: string[]) => invoke<PreferenceDeletion[]>('delete_preferences', { ids });
export const repairPreferences = (ids: string[]) => invoke<PreferenceRepair[]>('repair_preferences', { ids });
export const alwaysUseForSite = (site: string, identity: string) => invoke<AlwaysUsed>('always_use_for_site', { site, identity });
export const getSettings = () => invoke<SettingsView>('get_settings');
/** `storeChosen`: the user picked `settings.store` now; else it is the saved choice, sent back as it was. */
export const saveSettings = (settings: Settings, storeChosen: boolean) =>
  invoke<void>('save_settings', { settings, storeChosen });
/** Creates (`true`) or removes the daily reminder check; `false` also declines the offer. */
export const setReminders = (on: boolean) => invoke<Settings>('set_reminders', { on });
/** The certificate a click on a reminder asked for, once. */
export const certificateToShow = () => invoke<string | null>('certificate_to_show');
export const revealInFolder = (path: string) => invoke<void>('reveal_in_folder', { path });

export type Trust =
  | { trust: 'trusted' }
  | { trust: 'issuer_not_installed'; issuer: string }
  | { trust: 'root_not_trusted'; root: string }
  | { trust: 'cannot_verify'; reason: string };

export interface ProbeReport {
  server: { host: string; port: number; trusted: boolean; detail: string };
  requested_cas: string[] | null;
  candidates: {
    id: string; name: string; subject: string; issuer: string; issuer_name: string;
    status: Status; superseded: boolean; not_after: string; matches: boolean;
  }[];
  handshake: { identity: string; result: 'accepted' | 'rejected' | 'failed'; detail: string } | null;
}

/** With `identity`, a handshake as it; the core refuses it (`server_not_trusted`) with a server
 *  not trusted here unless `insecure`, which is passed only once the user said yes. */
export const probeSite = (site: string, identity?: string, insecure = false) =>
  invoke<ProbeReport>('probe_site', { site, identity: identity ?? null, insecure });
export const listTrust = () => invoke<Record<string, Trust>>('list_trust');

/** Tells the Rust side the first listing's rows have been painted. Nothing waits for the
 *  answer: outside Tauri (component tests) the call fails, and that is ignored. */
export const reportFirstRows = (page: PageMarks) => invoke<void>('first_rows_painted', { page }).catch(() => {});

/** When, in the page's own clock (ms since it started loading), the first listing's steps
 *  happened: where the launch's time goes once the window is up. */
export interface PageMarks {
  asked: number;
  arrived: number;
  set: number;
  /** Svelte has updated the DOM. */
  drawn: number;
  painted: number;
}

/** The files the app was started on (a double-click in the file manager) or a second launch
 *  handed it, once. */
export const openedFiles = () => invoke<OpenedFile[]>('opened_files');

/** Calls `handler` whenever a second launch hands the running app files (take them with
 *  `openedFiles`); resolves to the function that stops listening. */
export async function onFilesOpened(handler: () => void): Promise<() => void> {
  const { listen } = await import('@tauri-apps/api/event');
  return listen('files-opened', () => handler());
}

/** A click on a reminder while the window is open: `handler` takes the certificate. */
export async function onCertificateAsked(handler: () => void): Promise<() => void> {
  const { listen } = await import('@tauri-apps/api/event');
  return listen('certificate-asked', () => handler());
}

/** What a drop on the window tells the app: a drag over it, and the certificate files let go. */
export interface FileDropHandlers {
  hovering: (on: boolean) => void;
  /** The dropped files certdesk opens (others are left out). */
  dropped: (files: OpenedFile[]) => void;
}

/** Listens for files dragged onto the window; resolves to the function that stops listening. */
export async function onFileDrop(handlers: FileDropHandlers): Promise<() => void> {
  const { getCurrentWebview } = await import('@tauri-apps/api/webview');
  return getCurrentWebview().onDragDropEvent((event) => {
    const payload = event.payload;
    if (payload.type === 'enter' || payload.type === 'over') handlers.hovering(true);
    else if (payload.type === 'leave') handlers.hovering(false);
    // Which of them open, and how, is the core's rule, asked of the Rust side.
    else if (payload.type === 'drop')
      invoke<OpenedFile[]>('files_to_open', { paths: payload.paths }).then(
        (files) => handlers.dropped(files),
        () => handlers.dropped([]),
      );
  });
}
