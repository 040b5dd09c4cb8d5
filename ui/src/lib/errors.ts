import type { IpcError } from './api';
import type { MessageKey } from './i18n';

const known = new Set<string>([
  'not_found', 'ambiguous_id', 'invalid_input', 'bad_certificate', 'wrong_password', 'corrupt', 'unsupported',
  'not_exportable', 'store_unavailable', 'store', 'tool_missing', 'already_exists', 'io', 'not_verified', 'cancelled', 'network',
  'server_not_trusted', 'wrong_pin', 'pin_locked', 'database_locked', 'wrong_database_password', 'scheduler', 'notifications_off',
  'internal',
]);

/** Maps an error's kind to its message key; never matches on message text. */
export function errorKey(error: unknown): MessageKey {
  const kind = (error as IpcError | undefined)?.kind;
  return (kind && known.has(kind) ? `error.${kind}` : 'error.internal') as MessageKey;
}

export function errorDetail(error: unknown): string {
  return (error as IpcError | undefined)?.message ?? String(error);
}
