// The language setting and the language it picks for the window.
import { getSettings, type Settings } from '../api';
import { chosenLanguage, type Language } from '../i18n';

export class LanguageSetting {
  setting = $state<Settings['language']>('auto');
  /** "auto" follows the system's locale. */
  readonly language: Language = $derived(chosenLanguage(this.setting, navigator.language));

  /** Reads the saved setting; until it answers, and if it fails, the window follows the locale. */
  async restore() {
    try {
      this.setting = (await getSettings()).settings.language;
    } catch {
      // Keeps "auto".
    }
  }
}
