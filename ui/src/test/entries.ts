// Test data in the shape the Rust side sends.
import type { ListEntry } from '../lib/api';

export function entry(over: Partial<ListEntry>): ListEntry {
  const id = over.id ?? 'x';
  // As the core decides it (transfer::can_export), unless a test says otherwise.
  const exportable = (over.has_private_key ?? true) && over.key_exportable !== false;
  return {
    exportable,
    id, subject: `CN=${over.name ?? id}`, issuer: 'CN=Enterprise Premium CA - G2', name: id,
    issuer_name: 'Enterprise Premium CA - G2', email: null, serial: '01', sha1: `${id}sha1`, sha256: `${id}sha256`,
    not_before: '2025-01-01T00:00:00Z', not_after: '2027-04-01T00:00:00Z', status: 'valid', superseded: false,
    superseded_by: null, duplicate_group: null, has_private_key: true, key_exportable: true, key: 'exportable',
    friendly_name: null, client_auth: true, is_ca: false, store: 'nss:/tmp/db', card: null, defects: [],
    ...over,
  };
}
