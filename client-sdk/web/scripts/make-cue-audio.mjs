// Makes the spoken cue clips the app ships, public/audio/{en,sv}/*.mp3, with espeak-ng (speech)
// and ffmpeg (leading silence trimmed, mono MP3 at 24 kHz, every browser decodes it). The clips
// are committed, so building and running the app needs neither tool; run this again after
// changing a phrase or adding an exercise to rooms/catalogue.json:
//
//   node client-sdk/web/scripts/make-cue-audio.mjs     # needs espeak-ng and ffmpeg
//
// Clips: one per spoken cue kind (go, halfway, rest, next_up, done) and one per catalogue
// exercise (ex-<id>.mp3, its name: said after "Next up"). public/audio/README.md says where
// they come from and under which terms they ship.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'public', 'audio');
const catalogue = JSON.parse(readFileSync(join(here, '..', '..', '..', 'rooms', 'catalogue.json'), 'utf8'));

/** The words of each spoken cue (the same as the app's cue texts, i18n.ts `cue_*`). */
const PHRASES = {
  en: { go: 'Go!', halfway: 'Halfway!', rest: 'Rest', next_up: 'Next up', done: 'Done! Well moved.' },
  sv: { go: 'Kör!', halfway: 'Halvvägs!', rest: 'Vila', next_up: 'Nästa', done: 'Klart! Bra rört.' },
};
/** espeak-ng voices and speed (words a minute). */
const VOICES = { en: 'en-us', sv: 'sv' };
const SPEED = 165;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd} is needed (${r.error.message}); on Debian: apt-get install ${cmd}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const version = run('espeak-ng', ['--version']).split('Data at')[0].trim();
const tmp = join(out, '.tmp.wav');
const made = [];
for (const [lang, phrases] of Object.entries(PHRASES)) {
  const dir = join(out, lang);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const texts = { ...phrases };
  for (const e of catalogue.exercises) {
    const name = e.names?.[lang] ?? e.names?.en;
    if (name) texts[`ex-${e.id}`] = name;
  }
  for (const [clip, text] of Object.entries(texts)) {
    run('espeak-ng', ['-v', VOICES[lang], '-s', String(SPEED), '-w', tmp, text]);
    const file = join(dir, `${clip}.mp3`);
    // Trim the leading silence (the word starts at the cue's instant), mono 24 kHz, 48 kbit/s,
    // no metadata (reproducible bytes).
    run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y', '-i', tmp,
      '-af', 'silenceremove=start_periods=1:start_threshold=-50dB,areverse,silenceremove=start_periods=1:start_threshold=-50dB,areverse',
      '-ac', '1', '-ar', '24000', '-c:a', 'libmp3lame', '-b:a', '48k',
      '-map_metadata', '-1', '-fflags', '+bitexact', '-flags:a', '+bitexact', file,
    ]);
    made.push(`${lang}/${clip}.mp3\t${text}`);
  }
}
rmSync(tmp, { force: true });
writeFileSync(join(out, 'clips.txt'), `# Made by client-sdk/web/scripts/make-cue-audio.mjs with ${version}\n${made.join('\n')}\n`);
console.log(`${made.length} clips in ${out} (${version})`);
