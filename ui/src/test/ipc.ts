// The Rust commands for the state tests, answered through Tauri's own IPC
// mock as App.test.ts does; a command with no answer fails as the Rust side
// fails, with {kind, message}.
import { mockIPC } from '@tauri-apps/api/mocks';
import type { ListEntry } from '../lib/api';

export type Calls = { cmd: string; args: Record<string, unknown> }[];
export type Answers = Record<string, (args: Record<string, unknown>) => unknown>;

/** Answers with `answers`; every call is recorded, answered or not. */
export function backend(answers: Answers): Calls {
  const calls: Calls = [];
  mockIPC((cmd, payload) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    if (cmd in answers) return answers[cmd](args);
    throw { kind: 'internal', message: `no answer for ${cmd}` };
  });
  return calls;
}

/** `list_certificates` answering each listing in turn, the last one from then on. */
export function listings(...lists: ListEntry[][]): Answers[string] {
  let next = 0;
  return () => ({ store: 'nss:/tmp/db', entries: lists[Math.min(next++, lists.length - 1)], preferences_supported: false });
}

/** Resolves after the next animation frame's callbacks, those already asked for first. */
export const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
