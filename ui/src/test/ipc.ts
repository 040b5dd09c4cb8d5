// The Rust commands for the state tests, answered through Tauri's own IPC
// mock as App.test.ts does; a command with no answer fails as the Rust side
// fails, with {kind, message}.
import { mockIPC } from '@tauri-apps/api/mocks';
import type { ListEntry } from '../lib/api';

export type Calls = { cmd: string; args: Record<string, unknown> }[];
export type Answers = Record<string, (args: Record<string, unknown>) => unknown>;

/** Answers with `answers` (and the search with `searchSubjects`); every call is recorded, answered or not. */
export function backend(answers: Answers): Calls {
  answers = { search_certificates: searchSubjects, ...answers };
  const calls: Calls = [];
  mockIPC((cmd, payload) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    if (cmd in answers) return answers[cmd](args);
    throw { kind: 'internal', message: `no answer for ${cmd}` };
  });
  return calls;
}

let listed: ListEntry[] = [];
let generation = 0;

/** `list_certificates` answering each listing in turn, the last one from then on. */
export function listings(...lists: ListEntry[][]): Answers[string] {
  let next = 0;
  return () => {
    listed = lists[Math.min(next++, lists.length - 1)];
    return { store: 'nss:/tmp/db', entries: listed, preferences_supported: false, generation: ++generation };
  };
}

/** `search_certificates` over the last listing, standing in for the core's rule (which
 *  crates/core/src/actions/search.rs and the window tests check): the positions of the
 *  entries whose subject holds the text, any case; null for an older listing. */
export const searchSubjects: Answers[string] = ({ generation: asked, text }) =>
  asked !== generation
    ? null
    : listed.flatMap((e, i) => (e.subject.toLowerCase().includes(String(text).trim().toLowerCase()) ? [i] : []));

/** Resolves after the next animation frame's callbacks, those already asked for first. */
export const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
