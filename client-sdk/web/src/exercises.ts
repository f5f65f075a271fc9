// What to do for each exercise of the catalogue, and what the detector's phase means for it,
// in English and Swedish. The names come from the server's catalogue (ui.ts, exerciseName);
// these are the app's own words. `left` and `right` are always the person's own sides, as
// the detector reports them, whatever way the camera image is mirrored.

import { type Lang, lang } from './i18n';

/** A detector phase (the SDK's `DetectorPhase`). */
export type Phase = 'unknown' | 'up' | 'down' | 'open' | 'closed' | 'left' | 'right' | 'neutral' | 'in_pose' | 'out_of_pose';

interface Texts {
  /** One line on how to do it. */
  how: string;
  /** Phase texts where the generic ones would say too little. */
  phases?: Partial<Record<Phase, string>>;
}

const GENERIC: Record<Lang, Record<Phase, string>> = {
  en: {
    unknown: '',
    up: 'Up',
    down: 'Down',
    open: 'Open',
    closed: 'Closed',
    left: 'Left',
    right: 'Right',
    neutral: 'Centre',
    in_pose: 'Holding',
    out_of_pose: 'Get into position',
  },
  sv: {
    unknown: '',
    up: 'Upp',
    down: 'Ner',
    open: 'Isär',
    closed: 'Ihop',
    left: 'Vänster',
    right: 'Höger',
    neutral: 'Mitten',
    in_pose: 'Håller',
    out_of_pose: 'Gå in i positionen',
  },
};

const TEXTS: Record<Lang, Record<string, Texts>> = {
  en: {
    squats: {
      how: 'Feet apart, sit back and down until your thighs are near level, then stand up.',
      phases: { up: 'Standing', down: 'Down' },
    },
    lunges: {
      how: 'Step one leg forward and bend both knees, then step back. Alternate legs: each side is a rep.',
      phases: { left: 'Left leg forward', right: 'Right leg forward', neutral: 'Feet together' },
    },
    jumping_jacks: {
      how: 'Jump your feet apart as your arms swing overhead, then back together.',
      phases: { open: 'Arms up, feet apart', closed: 'Arms down, feet together' },
    },
    arm_raises: {
      how: 'Raise both arms overhead, then lower them to your sides.',
      phases: { up: 'Arms up', down: 'Arms down' },
    },
    shoulder_rolls: {
      how: 'Lift your shoulders towards your ears and roll them back down. Keep your hips still.',
      phases: { up: 'Shoulders up', down: 'Shoulders down' },
    },
    march_in_place: {
      how: 'Lift your knees in turn, as if marching. Each step counts.',
      phases: { left: 'Left knee up', right: 'Right knee up', neutral: 'Both feet down' },
    },
    side_bends: {
      how: 'Lean to one side, back to the middle, then to the other side.',
      phases: { left: 'Leaning left', right: 'Leaning right', neutral: 'Upright' },
    },
    calf_raises: {
      how: 'Rise onto your toes, then lower your heels.',
      phases: { up: 'On your toes', down: 'Heels down' },
    },
    neck_stretch: {
      how: 'Tilt your head towards one shoulder and hold, then the other side.',
      phases: { left: 'Head tilted left', right: 'Head tilted right', neutral: 'Head upright' },
    },
    desk_pushups: {
      how: 'Hands on the edge of the desk, lower your chest towards it and push back up. Stand side-on to the camera.',
      phases: { up: 'Arms straight', down: 'Chest down' },
    },
    wall_sit: {
      how: 'Back against a wall, slide down until your knees are bent, and hold.',
      phases: { out_of_pose: 'Slide down until your knees are bent' },
    },
    reach: {
      how: 'Touch each target on the screen with a hand; the next appears when you hit it.',
    },
    ha: {
      how: 'Stand tall, breathe in, and say a loud, short “ha!” on every beat, pushing the air out from your belly.',
    },
  },
  sv: {
    squats: {
      how: 'Fötterna isär, sätt dig bakåt och ner tills låren är nästan vågräta, res dig sedan.',
      phases: { up: 'Står', down: 'Nere' },
    },
    lunges: {
      how: 'Ta ett steg fram med ena benet och böj båda knäna, kliv sedan tillbaka. Byt ben: varje sida är en repetition.',
      phases: { left: 'Vänster ben fram', right: 'Höger ben fram', neutral: 'Fötterna ihop' },
    },
    jumping_jacks: {
      how: 'Hoppa isär med fötterna medan armarna svingar upp över huvudet, och tillbaka ihop.',
      phases: { open: 'Armarna upp, fötterna isär', closed: 'Armarna ner, fötterna ihop' },
    },
    arm_raises: {
      how: 'Lyft båda armarna över huvudet och sänk dem längs sidorna.',
      phases: { up: 'Armarna uppe', down: 'Armarna nere' },
    },
    shoulder_rolls: {
      how: 'Dra upp axlarna mot öronen och rulla ner dem bakåt. Håll höfterna stilla.',
      phases: { up: 'Axlarna uppe', down: 'Axlarna nere' },
    },
    march_in_place: {
      how: 'Lyft knäna växelvis, som när du marscherar. Varje steg räknas.',
      phases: { left: 'Vänster knä upp', right: 'Höger knä upp', neutral: 'Båda fötterna nere' },
    },
    side_bends: {
      how: 'Luta dig åt ena sidan, tillbaka till mitten, sedan åt andra sidan.',
      phases: { left: 'Lutar åt vänster', right: 'Lutar åt höger', neutral: 'Upprätt' },
    },
    calf_raises: {
      how: 'Gå upp på tå och sänk hälarna igen.',
      phases: { up: 'På tå', down: 'Hälarna nere' },
    },
    neck_stretch: {
      how: 'Luta huvudet mot ena axeln och håll kvar, sedan åt andra sidan.',
      phases: { left: 'Huvudet lutat åt vänster', right: 'Huvudet lutat åt höger', neutral: 'Huvudet rakt' },
    },
    desk_pushups: {
      how: 'Händerna på skrivbordskanten, sänk bröstet mot den och tryck upp igen. Stå med sidan mot kameran.',
      phases: { up: 'Raka armar', down: 'Bröstet nere' },
    },
    wall_sit: {
      how: 'Ryggen mot en vägg, glid ner tills knäna är böjda och håll kvar.',
      phases: { out_of_pose: 'Glid ner tills knäna är böjda' },
    },
    reach: {
      how: 'Nudda varje mål på skärmen med en hand; nästa dyker upp när du träffar.',
    },
    ha: {
      how: 'Stå rak, andas in och säg ett högt, kort ”ha!” på varje slag, med luften från magen.',
    },
  },
};

/** One line on how to do `exercise`; empty for an exercise the app has no words for. */
export function howTo(exercise: string | undefined): string {
  if (!exercise) return '';
  return TEXTS[lang()][exercise]?.how ?? TEXTS.en[exercise]?.how ?? '';
}

/** What the detector's `phase` means for `exercise`: `Left leg forward` for lunges' `left`. */
export function movementText(exercise: string | undefined, phase: string | undefined): string {
  if (!phase || !isPhase(phase)) return '';
  const own = exercise ? TEXTS[lang()][exercise]?.phases?.[phase] : undefined;
  return own ?? GENERIC[lang()][phase];
}

function isPhase(p: string): p is Phase {
  return p in GENERIC.en;
}
