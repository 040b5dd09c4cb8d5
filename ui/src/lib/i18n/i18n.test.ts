import { describe, expect, it } from 'vitest';
import { catalogueKeys, chosenLanguage, expiryText, languageFor, translate } from './index';

describe('catalogues', () => {
  it('have the same keys in Japanese and English', () => {
    expect([...catalogueKeys.ja].sort()).toEqual([...catalogueKeys.en].sort());
  });

  it('fill parameters and pick the language from the locale', () => {
    expect(translate('en', 'list.count', { count: 3 })).toBe('3 certificates');
    expect(translate('ja', 'list.count', { count: 3 })).toBe('証明書 3 件');
    expect(languageFor('ja-JP')).toBe('ja');
    expect(languageFor('en-GB')).toBe('en');
    expect(languageFor(undefined)).toBe('en');
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
