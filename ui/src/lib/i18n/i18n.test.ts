import { describe, expect, it } from 'vitest';
import { allCatalogues, catalogueKeys, chosenLanguage, expiryText, languageFor, translate, type Language } from './index';

describe('catalogues', () => {
  it('have the same keys in Japanese and English', () => {
    expect([...catalogueKeys.ja].sort()).toEqual([...catalogueKeys.en].sort());
  });

  it('fill parameters and pick the language from the locale', () => {
    expect(translate('en', 'list.count', { count: 3 })).toBe('3 certificates');
    expect(translate('en', 'list.count', { count: 1 })).toBe('1 certificate');
    expect(translate('en', 'list.count', { count: 1234 })).toBe('1,234 certificates');
    expect(translate('ja', 'list.count', { count: 3 })).toBe('証明書 3 件');
    expect(languageFor('ja-JP')).toBe('ja');
    expect(languageFor('en-GB')).toBe('en');
    expect(languageFor(undefined)).toBe('en');
  });
});

describe('plurals', () => {
  const languages: Language[] = ['en', 'ja'];

  it('give every counting message each plural form its language has, and no "(s)"', () => {
    for (const language of languages) {
      const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
      for (const [key, message] of Object.entries(allCatalogues[language])) {
        const forms = typeof message === 'string' ? [message] : Object.values(message);
        for (const form of forms) expect(form, `${language} ${key}`).not.toMatch(/\(s\)/);
        if (forms.some((form) => form.includes('{count}'))) {
          expect(typeof message, `${language} ${key} counts, so it has plural forms`).toBe('object');
          expect(Object.keys(message).sort(), `${language} ${key}`).toEqual([...categories].sort());
        }
      }
    }
  });

  it('say "1 other has expired" and "3 others have expired"', () => {
    expect(translate('en', 'probe.others_expired', { count: 1 })).toBe('1 other has expired.');
    expect(translate('en', 'probe.others_expired', { count: 3 })).toBe('3 others have expired.');
    expect(translate('en', 'delete.question', { count: 1 })).toBe('Delete 1 certificate? This cannot be undone.');
    expect(translate('ja', 'delete.done', { count: 2 })).toBe('証明書 2 件を削除しました。');
  });
});

describe('dates', () => {
  const now = new Date('2026-11-22T12:00:00Z');
  it('say how far an expiry is, in both languages', () => {
    expect(expiryText('en', '2026-12-15T12:00:00Z', now)).toBe('in 23 days');
    expect(expiryText('en', '2026-08-22T12:00:00Z', now)).toBe('expired 3 months ago');
    expect(expiryText('ja', '2026-12-15T12:00:00Z', now)).toBe('23 日後');
    expect(expiryText('ja', '2026-08-22T12:00:00Z', now)).toBe('3 か月前に期限切れ');
    expect(expiryText('en', '2029-11-22T12:00:00Z', now)).toBe('in 3 years');
  });

  it('follow the language setting before the system', () => {
    expect(chosenLanguage('auto', 'ja-JP')).toBe('ja');
    expect(chosenLanguage('en', 'ja-JP')).toBe('en');
    expect(chosenLanguage('ja', 'en-US')).toBe('ja');
  });
});
