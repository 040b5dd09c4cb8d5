import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import ProbeDialog from './ProbeDialog.svelte';
import type { ProbeReport } from '../lib/api';

const notProven = 'the server sent a certificate but did not prove it holds its key: it may be impersonating the site';

/** What the core reports for a site whose server did not prove it holds its certificate's key. */
const report = (handshake: ProbeReport['handshake'] = null): ProbeReport => ({
  server: { host: 'portal.example.jp', port: 443, trusted: false, detail: notProven },
  requested_cas: ['O=Example Trust,CN=Enterprise Premium CA - G2'],
  candidates: [{
    id: 'yamada', name: '山田 太郎', subject: 'CN=山田 太郎', issuer: 'O=Example Trust,CN=Enterprise Premium CA - G2',
    issuer_name: 'Enterprise Premium CA - G2', status: 'valid', superseded: false, not_after: '2027-04-01T00:00:00Z', matches: true,
  }],
  handshake,
});

type Call = { identity: string | null; insecure: boolean };

/** `probe_site` as the core answers it: a certificate goes to this untrusted site only with `insecure`. */
function untrustedSite(): Call[] {
  const calls: Call[] = [];
  mockIPC((cmd, payload) => {
    if (cmd !== 'probe_site') throw { kind: 'internal', message: `no mock for ${cmd}` };
    const { identity, insecure } = payload as unknown as Call;
    calls.push({ identity, insecure });
    if (identity === null) return report();
    if (!insecure) throw { kind: 'server_not_trusted', message: `portal.example.jp:443 is not trusted here (${notProven})` };
    return report({ identity, result: 'accepted', detail: 'the server completed the handshake' });
  });
  return calls;
}

async function check(site: string) {
  await fireEvent.input(screen.getByRole('textbox'), { target: { value: site } });
  await fireEvent.submit(screen.getByRole('textbox').closest('form')!);
  await screen.findByText('山田 太郎');
}

afterEach(() => clearMocks());

describe('trying a certificate on a site that is not trusted', () => {
  it('asks before sending it, sends nothing on Cancel, and sends it insecurely on yes', async () => {
    const calls = untrustedSite();
    render(ProbeDialog, { language: 'en', onclose: () => {} });
    await check('portal.example.jp');

    await fireEvent.click(screen.getByRole('button', { name: 'Try this certificate' }));
    const question = await screen.findByRole('alert');
    expect(question.textContent).toContain('did not prove it is the site it claims to be');
    expect(question.textContent).toContain(notProven);
    expect(question.textContent).toContain('Send it to this site anyway?');
    expect(calls).toEqual([{ identity: null, insecure: false }, { identity: 'yamada', insecure: false }]);

    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(calls).toHaveLength(2);

    await fireEvent.click(screen.getByRole('button', { name: 'Try this certificate' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Send anyway' }));
    await screen.findByText('Accepted: the site took this certificate.');
    expect(calls.slice(2)).toEqual([{ identity: 'yamada', insecure: false }, { identity: 'yamada', insecure: true }]);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('asks in Japanese', async () => {
    untrustedSite();
    render(ProbeDialog, { language: 'ja', onclose: () => {} });
    await check('portal.example.jp');
    await fireEvent.click(screen.getByRole('button', { name: 'この証明書で試す' }));
    expect((await screen.findByRole('alert')).textContent).toContain('それでもこのサイトに証明書を送りますか？');
    expect(screen.getByRole('button', { name: 'それでも送る' })).toBeTruthy();
  });

  it('shows any other failure at once, without asking', async () => {
    mockIPC((_cmd, payload) => {
      if ((payload as unknown as Call).identity === null) return report();
      throw { kind: 'network', message: 'the TLS handshake failed' };
    });
    render(ProbeDialog, { language: 'en', onclose: () => {} });
    await check('portal.example.jp');
    await fireEvent.click(screen.getByRole('button', { name: 'Try this certificate' }));
    await waitFor(() => expect(screen.getByRole('alert').dataset.kind).toBe('network'));
    expect(screen.queryByRole('button', { name: 'Send anyway' })).toBeNull();
  });
});

describe('after a certificate worked on a site', () => {
  function trustedSite(): { calls: string[] } {
    const calls: string[] = [];
    mockIPC((cmd, payload) => {
      calls.push(cmd);
      const trusted = { ...report(), server: { host: 'portal.example.jp', port: 443, trusted: true, detail: '' } };
      if (cmd === 'probe_site') {
        const { identity } = payload as unknown as Call;
        return identity ? { ...trusted, handshake: { identity, result: 'accepted', detail: 'ok' } } : trusted;
      }
      if (cmd === 'always_use_for_site') {
        expect(payload).toEqual({ site: 'portal.example.jp', identity: 'yamada' });
        return { service: 'https://portal.example.jp/ (com.apple.Safari)', replaced: true, removed: 0 };
      }
      throw { kind: 'internal', message: `no mock for ${cmd}` };
    });
    return { calls };
  }

  it('offers "Always use this certificate for this site" where preferences exist (macOS)', async () => {
    const { calls } = trustedSite();
    render(ProbeDialog, { language: 'en', preferencesSupported: true, onclose: () => {} });
    await check('portal.example.jp');
    await fireEvent.click(screen.getByRole('button', { name: 'Try this certificate' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Always use this certificate for this site' }));
    expect(await screen.findByText(/Safari will present this certificate to this site without asking/)).toBeTruthy();
    expect(calls).toContain('always_use_for_site');
  });

  it('and not where there are none', async () => {
    trustedSite();
    render(ProbeDialog, { language: 'en', onclose: () => {} });
    await check('portal.example.jp');
    await fireEvent.click(screen.getByRole('button', { name: 'Try this certificate' }));
    await screen.findByText('Accepted: the site took this certificate.');
    expect(screen.queryByRole('button', { name: 'Always use this certificate for this site' })).toBeNull();
  });
});
