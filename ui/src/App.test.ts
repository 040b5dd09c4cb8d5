import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import App from './App.svelte';
import type { ListEntry } from './lib/api';
import { entry } from './test/entries';

// In the core's list order, as `list_certificates` returns them: the window keeps it.
const store: ListEntry[] = [
  entry({ id: 'alice', name: 'Alice Expired', status: 'expired', not_after: '2025-06-01T00:00:00Z' }),
  entry({ id: 'h-new', name: 'Hanako', duplicate_group: 'g', not_after: '2028-06-09T00:00:00Z' }),
  entry({ id: 'h-old', name: 'Hanako', duplicate_group: 'g', superseded: true, superseded_by: 'h-new', not_after: '2027-06-10T00:00:00Z' }),
  entry({ id: 'locked', name: 'Locked Key', key: 'not_exportable', key_exportable: false }),
  entry({ id: 'taro', name: 'Taro', issuer_name: 'Other CA', issuer: 'CN=Other CA' }),
  entry({ id: 'yamada', name: '山田 太郎', subject: 'CN=山田 太郎,O=株式会社テスト', friendly_name: '山田の証明書' }),
];
const byId = (id: string) => store.find((e) => e.id === id)!;

type Calls = { cmd: string; args: Record<string, unknown> }[];

/** The Rust commands, answered from `store`; every call is recorded. */
function backend(overrides: Record<string, (args: Record<string, unknown>) => unknown> = {}): Calls {
  const calls: Calls = [];
  let language = 'auto';
  mockIPC((cmd, payload) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    if (cmd in overrides) return overrides[cmd](args);
    switch (cmd) {
      case 'list_certificates':
        return { store: 'nss:/tmp/db', entries: store, preferences_supported: false, generation: 1 };
      case 'search_certificates': // a stand-in for the core's rule: subject text, any case
        return store.flatMap((e, i) => (e.subject.toLowerCase().includes(String(args.text).toLowerCase()) ? [i] : []));
      case 'get_settings':
        return { settings: { renewal_days: 90, language, store: null, token_modules: [], reminders: false, reminders_offered: false }, store: 'nss:/tmp/db', store_choices: [{ spec: 'nss:/tmp/db', kind: 'default', label: '' }], store_is_choosable: true, renewal_max_days: 3650 };
      case 'save_settings':
        language = (args.settings as { language: string }).language;
        return null;
      case 'certificate_details':
        return null;
      default:
        throw { kind: 'internal', message: `no mock for ${cmd}` };
    }
  });
  return calls;
}

afterEach(() => clearMocks());

const rowNames = (container: HTMLElement) => [...container.querySelectorAll('[role=option] .name')].map((n) => n.textContent);
const row = (container: HTMLElement, id: string) => container.querySelector<HTMLElement>(`[role=option][data-id="${id}"]`)!;

describe('the certificate list', () => {
  it('shows statuses, dims the superseded renewal and filters by issuer and search', async () => {
    backend();
    const { container } = render(App);
    await waitFor(() => expect(rowNames(container)).toHaveLength(6));
    expect(row(container, 'alice').textContent).toContain('Expired');
    expect(row(container, 'h-old').classList.contains('superseded')).toBe(true);
    expect(row(container, 'h-old').textContent).toContain('Superseded by the one expiring Jun 9, 2028');
    expect(row(container, 'locked').textContent).toContain('Not exportable');

    await fireEvent.click(container.querySelector('[data-issuer="Other CA"]')!);
    expect(rowNames(container)).toEqual(['Taro']);
    await fireEvent.click(container.querySelector('[data-issuer="Other CA"]')!);
    await fireEvent.input(screen.getByRole('searchbox'), { target: { value: '株式会社' } });
    await waitFor(() => expect(rowNames(container)).toEqual(['山田 太郎']));
  });

  it('moves the selection with the arrow keys and extends it with Shift', async () => {
    backend();
    const { container } = render(App);
    await waitFor(() => expect(rowNames(container)).toHaveLength(6));
    const list = screen.getByRole('listbox');
    await fireEvent.focus(list);
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    await fireEvent.keyDown(list, { key: 'ArrowDown', shiftKey: true });
    const selected = [...container.querySelectorAll('[aria-selected="true"] .name')].map((n) => n.textContent);
    expect(selected).toEqual(['Hanako', 'Hanako']);
    expect(screen.getByText('2 selected')).toBeTruthy();
  });
});

describe('import', () => {
  it('asks for the password again when it is wrong, then imports with the key exportable', async () => {
    const calls = backend({
      'plugin:dialog|open': () => ['/home/me/新しい証明書.p12'],
      inspect_file: (args) => {
        if (args.password !== 'right') throw { kind: 'wrong_password', message: 'this password does not open the file' };
        return { file: '新しい証明書.p12', format: 'pkcs12', encryption: null, password_form: null, keys: 1,
          certificates: [{ subject: 'CN=新人', issuer: 'CN=CA', serial: '01', sha256: 'n', not_before: '2026-01-01T00:00:00Z', not_after: '2027-01-01T00:00:00Z', friendly_name: '新人の証明書', is_leaf: true }],
          key: { algorithm: 'EC', bits: 256, matches_sha256: 'n' } };
      },
      import_file: () => ({ added: ['n'], already_present: [], not_installed: [] }),
    });
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Import…' }));
    const password = await screen.findByLabelText('Password of the file');
    await fireEvent.input(password, { target: { value: 'wrong' } });
    await fireEvent.submit(password.closest('form')!);
    expect(await screen.findByText('This password does not open the file. Check it and try again.')).toBeTruthy();
    await fireEvent.input(screen.getByLabelText('Password of the file'), { target: { value: 'right' } });
    await fireEvent.submit(screen.getByLabelText('Password of the file').closest('form')!);
    expect(await screen.findByText('新人の証明書')).toBeTruthy();
    const exportable = screen.getByRole('checkbox', { name: /Allow this key to be exported later/ }) as HTMLInputElement;
    expect(exportable.checked).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect(await screen.findByText('✓ Imported 1 certificate.')).toBeTruthy();
    expect(calls.find((c) => c.cmd === 'import_file')?.args).toEqual({ path: '/home/me/新しい証明書.p12', password: 'right', exportable: true });
  });

  it('opens the import of the file the app was started on, once the list is shown', async () => {
    const calls = backend({
      opened_files: () => [{ path: '/home/me/ダブルクリック.pfx', opening: 'import' }],
      inspect_file: () => { throw { kind: 'wrong_password', message: 'this password does not open the file' }; },
    });
    const { container } = render(App);
    expect(await screen.findByLabelText('Password of the file')).toBeTruthy();
    expect(rowNames(container)).toHaveLength(6);
    expect(calls.find((c) => c.cmd === 'inspect_file')?.args.path).toBe('/home/me/ダブルクリック.pfx');
  });

  it('opens a certificate file the app was started on, and shows the store\'s copy of it in the list', async () => {
    const certificate = {
      subject: { rfc4514: 'CN=山田 太郎,O=株式会社テスト' }, issuer: { rfc4514: 'CN=Test CA' }, serial: '0A',
      not_before: '2026-01-01T00:00:00Z', not_after: '2027-01-01T00:00:00Z', sha1: 'ab', sha256: 'yamada',
      public_key: { algorithm: 'RSA', bits: 2048, curve: null }, key_usage: ['digitalSignature'], extended_key_usage: ['clientAuth'],
      client_auth: true, subject_alt_names: [], is_ca: false, self_signed: false, defects: [],
    };
    const calls = backend({
      opened_files: () => [{ path: '/home/me/ダウンロード/山田.cer', opening: 'inspect' }],
      inspect_certificate_file: () => ({
        file: '山田.cer', format: 'der',
        certificates: [{ name: '山田 太郎', issuer_name: 'Test CA', certificate, status: 'valid', installed: 'yamada', renewal: null }],
      }),
    });
    const { container } = render(App);
    const dialog = await screen.findByRole('dialog', { name: 'Certificate file' });
    expect(calls.find((c) => c.cmd === 'inspect_certificate_file')?.args.path).toBe('/home/me/ダウンロード/山田.cer');
    expect(await within(dialog).findByText('✓ Your store holds this certificate.')).toBeTruthy();
    expect(within(dialog).getByText(/holds no private key/)).toBeTruthy();
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Show it in the list' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(row(container, 'yamada').getAttribute('aria-selected')).toBe('true');
    expect(within(screen.getByRole('complementary', { name: 'Details' })).getByRole('heading').textContent).toBe('山田 太郎');
  });

  it('opens the files that came together one after another, each dialog afresh', async () => {
    backend({
      opened_files: () => [{ path: '/tmp/broken.cer', opening: 'inspect' }, { path: '/tmp/ca.crt', opening: 'inspect' }],
      inspect_certificate_file: (args) => {
        if (args.path === '/tmp/broken.cer') throw { kind: 'bad_certificate', message: 'this certificate cannot be read (broken.cer holds neither a PEM nor a DER certificate)' };
        return { file: 'ca.crt', format: 'pem', certificates: [] };
      },
    });
    render(App);
    const first = await screen.findByRole('dialog', { name: 'Certificate file' });
    expect(await within(first).findByText('broken.cer')).toBeTruthy();
    await waitFor(() => expect(within(first).getByRole('alert')).toBeTruthy());
    await fireEvent.click(within(first).getByRole('button', { name: 'Close' }));
    const second = await screen.findByRole('dialog', { name: 'Certificate file' });
    expect(await within(second).findByText('ca.crt')).toBeTruthy();
    expect(within(second).queryByRole('alert'), 'the first file\'s error is not carried over').toBeNull();
  });

  it('says plainly when a file is damaged', async () => {
    backend({
      'plugin:dialog|open': () => ['/tmp/broken.pfx'],
      inspect_file: () => { throw { kind: 'corrupt', message: 'the file is damaged (truncated)' }; },
    });
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Import…' }));
    expect(await screen.findByText('The file is damaged. Ask for a fresh export.')).toBeTruthy();
  });
});

describe('export', () => {
  it('needs the password twice and sends the chosen format, chain and path', async () => {
    const calls = backend({
      export_file_name: () => '山田 太郎 (Enterprise Premium CA - G2, 2027-04-01).pfx',
      'plugin:dialog|save': () => '/home/me/山田.pfx',
      export_certificates: (args) => [{ id: 'yamada', path: (args.request as { target: string }).target }],
    });
    const { container } = render(App);
    await waitFor(() => expect(rowNames(container)).toHaveLength(6));
    await fireEvent.click(row(container, 'yamada'));
    await fireEvent.click(screen.getByRole('button', { name: 'Export…' }));
    const dialog = within(await screen.findByRole('dialog'));
    await fireEvent.input(dialog.getByLabelText('New password for the file'), { target: { value: 'first try 1' } });
    await fireEvent.input(dialog.getByLabelText('Type the password again'), { target: { value: 'first try 2' } });
    expect(dialog.getByText('The two passwords differ.')).toBeTruthy();
    expect((dialog.getByRole('button', { name: 'Export' }) as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(dialog.getByLabelText('Type the password again'), { target: { value: 'first try 1' } });
    await fireEvent.click(dialog.getByLabelText(/Modern/));
    await fireEvent.click(dialog.getByRole('button', { name: 'Choose…' }));
    await waitFor(() => expect((dialog.getByLabelText('Save as') as HTMLInputElement).value).toBe('/home/me/山田.pfx'));
    await fireEvent.click(dialog.getByRole('button', { name: 'Export' }));
    expect(await dialog.findByText(/Verified/)).toBeTruthy();
    expect(calls.find((c) => c.cmd === 'plugin:dialog|save')?.args).toMatchObject({ options: { defaultPath: '山田 太郎 (Enterprise Premium CA - G2, 2027-04-01).pfx' } });
    expect(calls.find((c) => c.cmd === 'export_certificates')?.args.request).toEqual({
      ids: ['yamada'], target: '/home/me/山田.pfx', toFolder: false, password: 'first try 1', profile: 'modern', includeChain: true, overwrite: false, language: 'en',
    });
  });

  it('"Export all" goes to a folder and explains the keys it cannot export', async () => {
    backend();
    const { container } = render(App);
    await waitFor(() => expect(rowNames(container)).toHaveLength(6));
    await fireEvent.click(screen.getByRole('button', { name: 'Export all…' }));
    const dialog = within(await screen.findByRole('dialog'));
    expect(dialog.getByText('5 certificates to export')).toBeTruthy();
    expect(dialog.getByText(/Locked Key: its key was marked "not exportable"/)).toBeTruthy();
    expect(dialog.getByLabelText('Folder')).toBeTruthy();
  });
});

describe('delete and clean up', () => {
  it('asks twice before deleting the certificate that still works, and offers a backup', async () => {
    const calls = backend({
      plan_deletion: () => [{ entry: byId('yamada'), remove_key: true, last_working: true }],
    });
    const { container } = render(App);
    await waitFor(() => expect(rowNames(container)).toHaveLength(6));
    await fireEvent.click(row(container, 'yamada'));
    await fireEvent.keyDown(screen.getByRole('listbox'), { key: 'Delete' });
    const dialog = within(await screen.findByRole('dialog'));
    expect(await dialog.findByText('Its private key is deleted too.')).toBeTruthy();
    await fireEvent.click(dialog.getByRole('button', { name: 'Delete' }));
    expect(dialog.getByText(/is your only working certificate from Enterprise Premium CA - G2/)).toBeTruthy();
    await fireEvent.click(dialog.getByRole('button', { name: 'Export a backup first' }));
    expect(await screen.findByText('1 certificate to export')).toBeTruthy();
    expect(calls.some((c) => c.cmd === 'delete_certificates')).toBe(false);
    // Closing the backup export comes back to the deletion, asked afresh.
    await fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Cancel' }));
    const again = within(await screen.findByRole('dialog'));
    expect(await again.findByText('Its private key is deleted too.')).toBeTruthy();
    expect(calls.some((c) => c.cmd === 'delete_certificates')).toBe(false);
  });

  it('clean up deletes only the ticked candidates', async () => {
    const calls = backend({
      cleanup_candidates: () => [
        { entry: byId('alice'), reasons: [{ reason: 'expired', not_after: '2025-06-01T00:00:00Z' }] },
        { entry: byId('h-old'), reasons: [{ reason: 'superseded', by: 'h-new', by_not_after: '2028-06-09T00:00:00Z' }] },
      ],
      delete_certificates: (args) => (args.ids as string[]).length,
    });
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Clean up…' }));
    const dialog = within(await screen.findByRole('dialog'));
    expect(await dialog.findByText('Superseded by the one expiring Jun 9, 2028')).toBeTruthy();
    await fireEvent.click(dialog.getByRole('checkbox', { name: /Alice Expired/ }));
    await fireEvent.click(dialog.getByRole('button', { name: 'Delete 1 ticked' }));
    expect(await dialog.findByText('✓ Deleted 1 certificate.')).toBeTruthy();
    expect(calls.find((c) => c.cmd === 'delete_certificates')?.args.ids).toEqual(['h-old']);
  });
});

describe('preferences and settings', () => {
  it('says in one line that identity preferences are a macOS feature', async () => {
    backend();
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Site preferences' }));
    expect(await screen.findByText('Identity preferences are a macOS feature; this computer does not use them.')).toBeTruthy();
  });

  it('switches to Japanese when chosen in the settings', async () => {
    const calls = backend();
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Settings' }));
    const dialog = within(await screen.findByRole('dialog'));
    await fireEvent.change(await dialog.findByLabelText('Language'), { target: { value: 'ja' } });
    await fireEvent.click(dialog.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('button', { name: 'インポート…' })).toBeTruthy();
    expect(calls.find((c) => c.cmd === 'save_settings')?.args.settings).toEqual({ renewal_days: 90, language: 'ja', store: null, token_modules: [], reminders: false, reminders_offered: false });
  });

  it('saves a store given for this run (CERTDESK_STORE) only when it is chosen', async () => {
    const calls = backend({
      get_settings: () => ({
        settings: { renewal_days: 90, language: 'auto', store: null, token_modules: [], reminders: false, reminders_offered: false },
        store: 'nss:/run/only',
        store_choices: [{ spec: 'nss:/home/me/.pki/nssdb', kind: 'default', label: '' }],
        store_is_choosable: true,
        renewal_max_days: 3650,
      }),
      save_settings: () => null,
    });
    render(App);
    const saved = () => calls.filter((c) => c.cmd === 'save_settings').map((c) => c.args);
    await fireEvent.click(await screen.findByRole('button', { name: 'Settings' }));
    let dialog = within(await screen.findByRole('dialog'));
    expect((await dialog.findByLabelText(/Folder: \/run\/only/) as HTMLInputElement).checked).toBe(true);
    await fireEvent.input(dialog.getByLabelText(/Show "expiring soon"/), { target: { value: '30' } });
    await fireEvent.click(dialog.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(saved()).toHaveLength(1));
    expect(saved()[0]).toEqual({ settings: { renewal_days: 30, language: 'auto', store: null, token_modules: [], reminders: false, reminders_offered: false }, storeChosen: false });

    await fireEvent.click(await screen.findByRole('button', { name: 'Settings' }));
    dialog = within(await screen.findByRole('dialog'));
    await fireEvent.click(await dialog.findByLabelText(/The shared NSS database/));
    await fireEvent.click(dialog.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(saved()).toHaveLength(2));
    expect(saved()[1]).toEqual({ settings: { renewal_days: 90, language: 'auto', store: null, token_modules: [], reminders: false, reminders_offered: false }, storeChosen: true });
  });
});

describe('cards and tokens in the settings', () => {
  it('adds a module the core could read, refuses one it could not, and saves the list', async () => {
    const calls = backend({
      check_token_module: (args) => {
        if (args.path === '/home/me/notes.txt') throw { kind: 'invalid_input', message: '/home/me/notes.txt cannot be used as a PKCS#11 module' };
        return { module: args.path, library: 'Vendor PKCS#11 2.1', error: null, slots: [{ id: 1, reader: 'PaSoRi', token: { label: '社員証', advice: null } }] };
      },
      save_settings: () => null,
    });
    window.__CERTDESK_E2E__ = { answers: ['/home/me/notes.txt', '/opt/vendor/libvendor-pkcs11.so.1'] };
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Settings' }));
    const dialog = within(await screen.findByRole('dialog'));
    await fireEvent.click(await dialog.findByRole('button', { name: 'Add a module…' }));
    expect(await dialog.findByText(/cannot be used as a PKCS#11 module/)).toBeTruthy();
    await fireEvent.click(dialog.getByRole('button', { name: 'Add a module…' }));
    expect(await dialog.findByText('Vendor PKCS#11 2.1: 社員証')).toBeTruthy();
    expect(dialog.queryByText(/cannot be used/)).toBeNull();
    await fireEvent.click(dialog.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'save_settings')).toBe(true));
    expect((calls.find((c) => c.cmd === 'save_settings')!.args.settings as { token_modules: string[] }).token_modules).toEqual(['/opt/vendor/libvendor-pkcs11.so.1']);
    expect(calls.filter((c) => c.cmd === 'check_token_module').map((c) => c.args)).toEqual([
      { path: '/home/me/notes.txt', language: 'en' },
      { path: '/opt/vendor/libvendor-pkcs11.so.1', language: 'en' },
    ]);
    delete window.__CERTDESK_E2E__;
  });

  it('removes a saved module', async () => {
    const calls = backend({
      get_settings: () => ({
        settings: { renewal_days: 90, language: 'auto', store: null, token_modules: ['/opt/a.so', '/opt/b.so'], reminders: false, reminders_offered: false },
        store: 'nss:/tmp/db', store_choices: [{ spec: 'nss:/tmp/db', kind: 'default', label: '' }], store_is_choosable: true, renewal_max_days: 3650,
      }),
      save_settings: () => null,
    });
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Settings' }));
    const dialog = within(await screen.findByRole('dialog'));
    await fireEvent.click(await dialog.findByRole('button', { name: 'Remove /opt/a.so' }));
    await fireEvent.click(dialog.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'save_settings')).toBe(true));
    expect((calls.find((c) => c.cmd === 'save_settings')!.args.settings as { token_modules: string[] }).token_modules).toEqual(['/opt/b.so']);
  });
});

describe('trust and the site check', () => {
  it('marks a certificate whose root this computer does not trust, in the list and the details', async () => {
    backend({ list_trust: () => ({ taro: { trust: 'root_not_trusted', root: 'Other CA' }, yamada: { trust: 'trusted' } }) });
    const { container } = render(App);
    await waitFor(() => expect(row(container, 'taro').textContent).toContain('Not trusted here'));
    expect(row(container, 'taro').querySelector('.untrusted')?.getAttribute('title')).toBe('Root not trusted here: Other CA');
    expect(row(container, 'yamada').textContent).not.toContain('trusted');
    await fireEvent.click(row(container, 'yamada'));
    expect(await screen.findByText('Trusted here')).toBeTruthy();
  });

  it('says which certificate a site accepts and tries one', async () => {
    const candidate = (id: string, status: string, matches: boolean, not_after: string) => ({
      id, name: id, subject: `CN=${id}`, issuer: 'CN=X', issuer_name: matches ? 'Enterprise Premium CA - G2' : 'Other CA', status, superseded: false, not_after, matches,
    });
    const calls = backend({
      probe_site: (args) => ({
        server: { host: 'portal.example.jp', port: 443, trusted: false, detail: 'not trusted: issued by a certificate authority this computer does not trust' },
        requested_cas: ['O=Example Trust,CN=Enterprise Premium CA - G2'],
        candidates: [candidate('yamada', 'valid', true, '2027-04-01T00:00:00Z'), candidate('old', 'expired', true, '2025-04-01T00:00:00Z'), candidate('taro', 'valid', false, '2027-09-01T00:00:00Z')],
        handshake: args.identity ? { identity: args.identity, result: 'rejected', detail: 'the server refused: unknown_ca' } : null,
      }),
    });
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Check a site…' }));
    const dialog = within(await screen.findByRole('dialog'));
    await fireEvent.input(dialog.getByLabelText('Site address'), { target: { value: 'https://portal.example.jp/login' } });
    await fireEvent.click(dialog.getByRole('button', { name: 'Check' }));
    expect(await dialog.findByText('This site accepts certificates issued by Enterprise Premium CA - G2.')).toBeTruthy();
    expect(dialog.getByText('You have 2: use the one expiring Apr 1, 2027.')).toBeTruthy();
    expect(dialog.getByText('1 other has expired.')).toBeTruthy();
    expect(dialog.getByText(/is not trusted by this computer/)).toBeTruthy();
    await fireEvent.click(dialog.getAllByRole('button', { name: 'Try this certificate' })[2]);
    expect(await dialog.findByText('Rejected by the site: the server refused: unknown_ca')).toBeTruthy();
    expect(calls.filter((c) => c.cmd === 'probe_site').map((c) => c.args)).toEqual([
      { site: 'https://portal.example.jp/login', identity: null, insecure: false },
      { site: 'https://portal.example.jp/login', identity: 'taro', insecure: false },
    ]);
  });
});

describe('a store with a Primary Password', () => {
  it('asks for it, says when it is wrong, and lists once it opens the store', async () => {
    let unlocked = false;
    const calls = backend({
      list_certificates: () => {
        if (!unlocked) throw { kind: 'database_locked', message: 'the certificate store nss:/tmp/db is protected by a Primary Password' };
        return { store: 'nss:/tmp/db', entries: store, preferences_supported: false, generation: 1 };
      },
      unlock_store: (args) => {
        if (args.password !== 'primary 主') throw { kind: 'wrong_database_password', message: 'this is not the Primary Password of nss:/tmp/db' };
        unlocked = true;
        return null;
      },
    });
    const { container } = render(App);
    const unlock = await screen.findByRole('button', { name: 'Unlock' });
    expect(screen.getByText('Enter the Primary Password')).toBeTruthy();
    expect((unlock as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText('Primary Password'), { target: { value: 'wrong' } });
    await fireEvent.click(unlock);
    expect(await screen.findByText('That is not the Primary Password of this store. Check it and try again.')).toBeTruthy();
    expect(screen.getByLabelText('Primary Password').getAttribute('aria-invalid')).toBe('true');
    expect(rowNames(container)).toHaveLength(0);
    await fireEvent.input(screen.getByLabelText('Primary Password'), { target: { value: 'primary 主' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    await waitFor(() => expect(rowNames(container)).toHaveLength(6));
    expect(calls.filter((c) => c.cmd === 'unlock_store').map((c) => c.args)).toEqual([{ password: 'wrong' }, { password: 'primary 主' }]);
    expect(calls.filter((c) => c.cmd === 'list_certificates')).toHaveLength(2);
  });
});

describe('a card that shows more once unlocked', () => {
  it('says so above the list, warns of its PIN state, refuses a wrong PIN and unlocks with the right one', async () => {
    let unlocked = false;
    let wrongTries = 0;
    const card = {
      label: '社員証カード', manufacturer: 'SoftHSM project', store: 'pkcs11:/usr/lib/softhsm/libsofthsm2.so#token=社員証カード',
      pin: 'count_low', pin_pad: false, advice: 'A wrong PIN was entered before: the card locks after a few wrong tries.',
    };
    const calls = backend({
      cards_to_unlock: () => (unlocked ? [] : [wrongTries > 0 ? { ...card, pin: 'final_try', advice: 'One more wrong PIN locks the card.' } : card]),
      unlock_card: (args) => {
        if (args.pin !== '1234') {
          wrongTries++;
          throw { kind: 'wrong_pin', message: 'the PIN of "社員証カード" is wrong' };
        }
        unlocked = true;
        return null;
      },
    });
    render(App);
    expect(await screen.findByText('“社員証カード” shows more once it is unlocked with its PIN.')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Unlock…' }));
    const dialog = within(await screen.findByRole('dialog'));
    expect(dialog.getByText(card.advice)).toBeTruthy();
    await fireEvent.input(dialog.getByLabelText('PIN'), { target: { value: '0000' } });
    await fireEvent.click(dialog.getByRole('button', { name: 'Unlock' }));
    expect(await dialog.findByText(/The PIN is wrong/)).toBeTruthy();
    expect(await dialog.findByText('One more wrong PIN locks the card.')).toBeTruthy(); // the warning as the card now says
    expect((dialog.getByLabelText('PIN') as HTMLInputElement).value).toBe(''); // not kept for another try
    await fireEvent.input(dialog.getByLabelText('PIN'), { target: { value: '1234' } });
    await fireEvent.click(dialog.getByRole('button', { name: 'Unlock' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(await screen.findByRole('button', { name: 'Lock cards' })).toBeTruthy();
    await waitFor(() => expect(screen.queryByText(/shows more once it is unlocked/)).toBeNull());
    expect(calls.filter((c) => c.cmd === 'unlock_card').map((c) => c.args)).toEqual([
      { store: card.store, pin: '0000' },
      { store: card.store, pin: '1234' },
    ]);
    expect(calls.filter((c) => c.cmd === 'list_certificates').length).toBeGreaterThanOrEqual(2);
  });

  it('asks for no PIN on a PIN-pad reader and offers no unlock for a locked PIN', async () => {
    const pad = { label: 'JPKI', manufacturer: 'OpenSC', store: 'pkcs11:/x.so#token=JPKI', pin: 'ok', pin_pad: true, advice: null };
    const locked = { ...pad, label: 'Old card', store: 'pkcs11:/x.so#token=Old card', pin: 'locked', pin_pad: false, advice: 'The PIN is locked: go to your city office.' };
    const calls = backend({ cards_to_unlock: () => [pad, locked], unlock_card: () => null });
    render(App);
    await screen.findByText('“JPKI” shows more once it is unlocked with its PIN.');
    const [padButton, lockedButton] = screen.getAllByRole('button', { name: 'Unlock…' });
    await fireEvent.click(lockedButton);
    let dialog = within(await screen.findByRole('dialog'));
    expect(dialog.getByText(locked.advice)).toBeTruthy();
    expect(dialog.queryByLabelText('PIN')).toBeNull();
    expect(dialog.queryByRole('button', { name: 'Unlock' })).toBeNull();
    await fireEvent.click(dialog.getByRole('button', { name: 'Cancel' }));
    await fireEvent.click(padButton);
    dialog = within(await screen.findByRole('dialog'));
    expect(dialog.getByText(/keypad/)).toBeTruthy();
    await fireEvent.click(dialog.getByRole('button', { name: 'Unlock' }));
    await waitFor(() => expect(calls.filter((c) => c.cmd === 'unlock_card').map((c) => c.args)).toEqual([{ store: pad.store, pin: null }]));
  });
});

describe('add to calendar', () => {
  it('saves the renewal days of the selection, or of every certificate, where the user chose', async () => {
    const calls = backend({ save_calendar: (args) => ((args.ids as string[]).length || 6) });
    const { container } = render(App);
    await waitFor(() => expect(rowNames(container)).toHaveLength(6));
    window.__CERTDESK_E2E__ = { answers: ['/home/me/更新予定.ics', '/home/me/one.ics'] };
    await fireEvent.click(screen.getByRole('button', { name: 'Add to calendar…' }));
    expect(await screen.findByText('Saved the renewal days of 6 certificates to /home/me/更新予定.ics')).toBeTruthy();
    await fireEvent.click(row(container, 'yamada'));
    await fireEvent.click(screen.getByRole('button', { name: 'Add to calendar…' }));
    expect(await screen.findByText('Saved the renewal days of 1 certificate to /home/me/one.ics')).toBeTruthy();
    expect(calls.filter((c) => c.cmd === 'save_calendar').map((c) => c.args)).toEqual([
      { ids: [], path: '/home/me/更新予定.ics', language: 'en' },
      { ids: ['yamada'], path: '/home/me/one.ics', language: 'en' },
    ]);
    delete window.__CERTDESK_E2E__;
  });
});

describe('reminders', () => {
  const listingOffering = () => ({ store: 'nss:/tmp/db', entries: store, preferences_supported: false, generation: 1, offer_reminders: true });
  const saved = (on: boolean) => ({ renewal_days: 90, language: 'auto', store: null, token_modules: [], reminders: on, reminders_offered: true });

  it('are offered once after a listing with a certificate to renew, and turned on from the offer', async () => {
    const calls = backend({ list_certificates: listingOffering, set_reminders: (args) => saved(args.on as boolean) });
    render(App);
    const offer = await screen.findByText(/remind you before your certificates expire/);
    expect(offer).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Remind me' }));
    expect(await screen.findByText(/Reminders are on/)).toBeTruthy();
    expect(calls.filter((c) => c.cmd === 'set_reminders').map((c) => c.args)).toEqual([{ on: true }]);
  });

  it('"Not now" declines the offer, and a failure says what went wrong', async () => {
    let fail = true;
    const calls = backend({
      list_certificates: listingOffering,
      set_reminders: (args) => {
        if (fail) throw { kind: 'scheduler', message: 'systemctl failed' };
        return saved(args.on as boolean);
      },
    });
    render(App);
    await screen.findByText(/remind you before your certificates expire/);
    await fireEvent.click(screen.getByRole('button', { name: 'Remind me' }));
    expect(await screen.findByText(/daily reminder check could not be set up/)).toBeTruthy();
    fail = false;
    await fireEvent.click(screen.getByRole('button', { name: 'Not now' }));
    await waitFor(() => expect(screen.queryByText(/remind you before your certificates expire/)).toBeNull());
    expect(calls.filter((c) => c.cmd === 'set_reminders').map((c) => c.args)).toEqual([{ on: true }, { on: false }]);
  });

  it('are not offered when the core says not to', async () => {
    backend();
    const { container } = render(App);
    await waitFor(() => expect(rowNames(container)).toHaveLength(6));
    expect(screen.queryByText(/remind you before your certificates expire/)).toBeNull();
  });

  it('are switched at once in the settings, which Save leaves alone', async () => {
    const calls = backend({ set_reminders: (args) => saved(args.on as boolean) });
    const { container } = render(App);
    await waitFor(() => expect(rowNames(container)).toHaveLength(6));
    await fireEvent.click(screen.getByRole('button', { name: 'Settings' }));
    const box = await screen.findByRole('checkbox', { name: 'Remind me before my certificates expire' });
    await fireEvent.click(box);
    await waitFor(() => expect(calls.filter((c) => c.cmd === 'set_reminders').map((c) => c.args)).toEqual([{ on: true }]));
    await waitFor(() => expect((box as HTMLInputElement).checked).toBe(true));
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'save_settings')).toBe(true));
  });

  it('a click on a reminder selects its certificate', async () => {
    backend({ certificate_to_show: () => 'taro', opened_files: () => [] });
    const { container } = render(App);
    await waitFor(() => expect(row(container, 'taro')?.getAttribute('aria-selected')).toBe('true'));
  });
});
