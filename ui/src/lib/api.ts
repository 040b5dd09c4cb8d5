// The only module that talks to the Rust side.
import { invoke } from '@tauri-apps/api/core';

export type Status = 'valid' | 'expiring' | 'not_yet_valid' | 'expired';
export type KeyStatus = 'none' | 'exportable' | 'not_exportable' | 'hardware_or_unknown';

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
  key: KeyStatus;
  friendly_name: string | null;
  client_auth: boolean;
  is_ca: boolean;
  store: string;
}

export interface Listing {
  store: string;
  entries: ListEntry[];
}

/** Errors cross the bridge as {kind, message}; kinds are certdesk_core's. */
export interface IpcError {
  kind: string;
  message: string;
}

export function listCertificates(withinDays?: number): Promise<Listing> {
  return invoke<Listing>('list_certificates', { withinDays });
}
