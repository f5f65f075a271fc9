// The participant stage's own words (sound, microphone, games, camera controls), in English and
// Swedish, keyed by i18n.ts's `Lang` and following its language switch. (i18n.ts holds the
// app's shared strings.)

import { type Lang, lang, onLang } from './i18n';

const en = {
  sound_label: 'Sound cues',
  on: 'on',
  off: 'off',
  mic_on: 'Microphone on: your sounds are counted on this device. No audio leaves it.',
  mic_off: 'Microphone off',
  mic_starting: 'Starting the microphone…',
  mic_error: 'No microphone: you can still follow along (unverified).',
  mic_start: 'Turn on microphone',
  mic_stop: 'Turn off microphone',
  camera_stop: 'Turn off camera',
  my_hits: 'My hits',
  my_sounds: 'My sounds',
  reach_hint: 'Touch the circle with a hand.',
};

const sv: Record<StageKey, string> = {
  sound_label: 'Ljudsignaler',
  on: 'på',
  off: 'av',
  mic_on: 'Mikrofonen är på: dina ljud räknas på den här enheten. Inget ljud lämnar den.',
  mic_off: 'Mikrofonen är av',
  mic_starting: 'Startar mikrofonen…',
  mic_error: 'Ingen mikrofon: du kan ändå följa med (overifierat).',
  mic_start: 'Slå på mikrofonen',
  mic_stop: 'Stäng av mikrofonen',
  camera_stop: 'Stäng av kameran',
  my_hits: 'Mina träffar',
  my_sounds: 'Mina ljud',
  reach_hint: 'Rör vid cirkeln med en hand.',
};

export type StageKey = keyof typeof en;
const STRINGS: Record<Lang, Record<StageKey, string>> = { en, sv };

/** A stage string in the current language. */
export function st(key: StageKey): string {
  return STRINGS[lang()][key];
}

/** Keeps `el`'s text as `text()` says, now and after every language switch. */
export function bindText(el: HTMLElement, text: () => string): () => void {
  const render = () => {
    const s = text();
    if (el.textContent !== s) el.textContent = s;
  };
  render();
  onLang(render);
  return render;
}
