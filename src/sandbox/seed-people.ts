/** Labels of the seeded patients: the age they have on the day of seeding. */
export const SEED_PATIENT_LABELS = ['child7', 'child13', 'child14', 'child16', 'child17', 'adult19'] as const;
export type SeedPatientLabel = (typeof SEED_PATIENT_LABELS)[number];

/** A parent as the test data describes one. */
export interface SeedParent {
  role: 'mother' | 'father';
  given: string;
  family: string;
  mobile: string;
  email: string;
}

/** A test patient: obviously fictional, with a valid test BSN (the 9999 range passes the 11-test). */
export interface SeedPerson {
  label: SeedPatientLabel;
  age: number;
  /**
   * Days since the last birthday on the day of seeding. Birth dates are computed from today, so
   * each patient keeps the age in the label; the offset keeps a birthday from falling on that day.
   */
  daysPastBirthday: number;
  bsn: string;
  given: string;
  family: string;
  gender: 'female' | 'male';
  address: { line: string; postalCode: string; city: string };
  phone: string;
  parents: SeedParent[];
  /** The patient objected to being approached with decision aids and questionnaires (a Consent in the seed). */
  objection?: boolean;
}

/**
 * The people of the sandbox EPD: five children with asthma at the paediatric pulmonology
 * department (ages on both sides of the usual 12-year and 16-year decision-aid thresholds; one
 * of them objected to being approached) and one young adult who is out of range for child-focused rules.
 */
export const SEED_PEOPLE: readonly SeedPerson[] = [
  {
    label: 'child7',
    age: 7,
    daysPastBirthday: 40,
    bsn: '999911120',
    given: 'Sem',
    family: 'Testbakker',
    gender: 'male',
    address: { line: 'Proefstraat 7', postalCode: '3511 AA', city: 'Utrecht' },
    phone: '+31300000007',
    parents: [
      { role: 'mother', given: 'Anouk', family: 'Testbakker', mobile: '+31600000071', email: 'moeder.sem@example.org' },
      { role: 'father', given: 'Joost', family: 'Testbakker', mobile: '+31600000072', email: 'vader.sem@example.org' },
    ],
  },
  {
    label: 'child13',
    age: 13,
    daysPastBirthday: 100,
    bsn: '999911132',
    given: 'Noor',
    family: 'Testhuizen',
    gender: 'female',
    address: { line: 'Oefenlaan 13', postalCode: '3812 BB', city: 'Amersfoort' },
    phone: '+31330000013',
    parents: [
      {
        role: 'mother',
        given: 'Fleur',
        family: 'Testhuizen',
        mobile: '+31600000131',
        email: 'moeder.noor@example.org',
      },
    ],
  },
  {
    label: 'child14',
    age: 14,
    daysPastBirthday: 120,
    bsn: '999911181',
    given: 'Mila',
    family: 'Testbezwaar',
    gender: 'female',
    address: { line: 'Proeflaan 14', postalCode: '5611 FF', city: 'Eindhoven' },
    phone: '+31400000014',
    parents: [
      {
        role: 'mother',
        given: 'Sanne',
        family: 'Testbezwaar',
        mobile: '+31600000141',
        email: 'moeder.mila@example.org',
      },
    ],
    objection: true,
  },
  {
    label: 'child16',
    age: 16,
    daysPastBirthday: 150,
    bsn: '999911144',
    given: 'Daan',
    family: 'Testveld',
    gender: 'male',
    address: { line: 'Voorbeeldweg 16', postalCode: '1011 CC', city: 'Amsterdam' },
    phone: '+31200000016',
    parents: [
      { role: 'mother', given: 'Iris', family: 'Testveld', mobile: '+31600000161', email: 'moeder.daan@example.org' },
      { role: 'father', given: 'Ruben', family: 'Testveld', mobile: '+31600000162', email: 'vader.daan@example.org' },
    ],
  },
  {
    label: 'child17',
    age: 17,
    daysPastBirthday: 200,
    bsn: '999911156',
    given: 'Lotte',
    family: 'Testdorp',
    gender: 'female',
    address: { line: 'Dummyplein 17', postalCode: '2511 DD', city: 'Den Haag' },
    phone: '+31700000017',
    parents: [
      { role: 'father', given: 'Bas', family: 'Testdorp', mobile: '+31600000171', email: 'vader.lotte@example.org' },
    ],
  },
  {
    label: 'adult19',
    age: 19,
    daysPastBirthday: 60,
    bsn: '999911168',
    given: 'Bram',
    family: 'Testman',
    gender: 'male',
    address: { line: 'Nepkade 19', postalCode: '3011 EE', city: 'Rotterdam' },
    phone: '+31600000019',
    parents: [],
  },
];
