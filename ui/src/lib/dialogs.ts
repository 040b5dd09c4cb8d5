// The system's file choosers (Tauri's dialog plugin). The choosers are
// native windows outside the webview, which WebDriver cannot reach: the
// end-to-end tests queue their answers in `window.__CERTDESK_E2E__.answers`,
// and everything after the chooser runs as it does for a user.
import { open, save } from '@tauri-apps/plugin-dialog';

type Answer = string | string[] | null;
declare global {
  interface Window {
    __CERTDESK_E2E__?: { answers: Answer[] };
  }
}

function queued(): { answer: Answer } | null {
  const queue = window.__CERTDESK_E2E__?.answers;
  return queue && queue.length > 0 ? { answer: queue.shift()! } : null;
}

const pfxFilter = [{ name: 'PKCS#12 (.pfx, .p12)', extensions: ['pfx', 'p12'] }];

export async function choosePfxFiles(): Promise<string[]> {
  const q = queued();
  const picked = q ? q.answer : await open({ multiple: true, directory: false, filters: pfxFilter });
  return picked === null ? [] : Array.isArray(picked) ? picked : [picked];
}

export async function chooseSavePath(defaultPath: string): Promise<string | null> {
  const q = queued();
  return q ? (q.answer as string | null) : await save({ defaultPath, filters: pfxFilter });
}

/** Where "Add to calendar" saves its .ics file. */
export async function chooseCalendarPath(defaultPath: string): Promise<string | null> {
  const q = queued();
  return q
    ? (q.answer as string | null)
    : await save({ defaultPath, filters: [{ name: 'iCalendar (.ics)', extensions: ['ics'] }] });
}

/** A PKCS#11 module: no filter, since Linux modules are often versioned (`libvendor.so.1`). */
export async function chooseModuleFile(): Promise<string | null> {
  const q = queued();
  return q ? (q.answer as string | null) : ((await open({ directory: false, multiple: false })) as string | null);
}

export async function chooseFolder(): Promise<string | null> {
  const q = queued();
  return q ? (q.answer as string | null) : await open({ directory: true, multiple: false });
}
