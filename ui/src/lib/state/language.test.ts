import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { backend } from '../../test/ipc';
import { LanguageSetting } from './language.svelte';

afterEach(() => clearMocks());

const saved = (language: string) => () => ({
  settings: { renewal_days: 90, language, store: null, token_modules: [] },
  store: 'nss:/tmp/db', store_choices: [], store_is_choosable: true, renewal_max_days: 3650,
});

describe('LanguageSetting', () => {
  it('follows the locale on "auto" and the saved choice otherwise', async () => {
    backend({ get_settings: saved('ja') });
    const setting = new LanguageSetting();
    expect(setting.language).toBe('en'); // jsdom's locale is en-US
    await setting.restore();
    expect(setting.setting).toBe('ja');
    expect(setting.language).toBe('ja');
  });

  it('keeps "auto" when the settings cannot be read', async () => {
    backend({});
    const setting = new LanguageSetting();
    await setting.restore();
    expect(setting.setting).toBe('auto');
  });
});
