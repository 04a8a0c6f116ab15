import { toJsBoolean } from '@medplum/core';
import type { Coding, Consent, ConsentProvision, Patient } from '@medplum/fhirtypes';
import { compileFhirPath, evaluatePath, type CompiledPath } from './compile-fhir-path.js';
import { coversDay } from './covers-day.js';
import { toPatientReference } from './patient-reference-of.js';

/** A purpose of use as `system|code`, e.g. `http://terminology.hl7.org/CodeSystem/v3-ActReason|HOUTCOMS`. */
export interface PurposeCode {
  system: string;
  code: string;
}

/** What counts as "the patient objected": purposes denied in a Consent, and optionally a flag on the Patient. */
export interface ObjectionPolicy {
  purposes: readonly PurposeCode[];
  /** FHIRPath on the Patient; true means the patient objected (for EPDs that keep a flag, not a Consent). */
  patientFlag?: CompiledPath;
}

/** A found objection: where it is recorded (`Consent/id` or the Patient flag) and the reason in plain words. */
export interface Objection {
  source: string;
  reason: string;
}

/** HL7 v3 ActReason (purpose of use), by URL and by the OID Dutch HL7v3-era systems still send. */
export const V3_ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const V3_ACT_REASON_OID = 'urn:oid:2.16.840.1.113883.5.8';

/** The project's CodeSystem for purposes no published code system names. */
export const CONSENT_PURPOSE_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/consent-purpose';

/**
 * The purposes an objection is looked for by default. Why these two: no published code says
 * "contact me with decision aids", so the project defines `decision-support-contact`; the
 * questionnaires that come back are outcome measurement, for which v3-ActReason has a real code
 * (HOUTCOMS, "health outcome measure"). A denial of either stops the invitation.
 */
export const DEFAULT_OBJECTION_PURPOSES: readonly PurposeCode[] = Object.freeze([
  { system: CONSENT_PURPOSE_SYSTEM, code: 'decision-support-contact' },
  { system: V3_ACT_REASON, code: 'HOUTCOMS' },
]);

/** The consent scope of privacy consents: only there does a deny without a purpose cover ours too. */
const PRIVACY_SCOPE = { system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' };

/** The default policy: Consents with the default purposes, no Patient flag. */
export const DEFAULT_OBJECTION_POLICY: ObjectionPolicy = Object.freeze({ purposes: DEFAULT_OBJECTION_PURPOSES });

/** Builds a policy; a flag expression that does not parse or fails on a Patient throws an Error saying why. */
export function createObjectionPolicy(
  options: { purposes?: readonly PurposeCode[]; patientFlag?: string } = {},
): ObjectionPolicy {
  const purposes = options.purposes?.length ? options.purposes : DEFAULT_OBJECTION_PURPOSES;
  const flag = options.patientFlag?.trim();
  return { purposes, ...(flag ? { patientFlag: compileFhirPath(flag, 'Patient') } : {}) };
}

/** `system|code,system|code` → purposes; each malformed entry becomes a problem (config reports them all). */
export function parsePurposes(text: string): { purposes: PurposeCode[]; problems: string[] } {
  const purposes: PurposeCode[] = [];
  const problems: string[] = [];
  for (const entry of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [system, code, extra] = entry.split('|');
    if (!system || !code || extra !== undefined || !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(system)) {
      problems.push(`"${entry}" is not system|code (e.g. ${V3_ACT_REASON}|HOUTCOMS)`);
    } else purposes.push({ system, code });
  }
  return { purposes, problems };
}

/**
 * Looks for an objection of this patient to the policy's purposes on the day of the key moment.
 * Pure; the Consents were searched by the events worker. Either source is enough: a flag that is
 * true, or an active Consent of the patient whose verdict for one of the purposes is deny (see
 * `consentVerdict`). A flag that cannot be evaluated counts as an objection: when in doubt, no contact.
 */
export function findObjection(
  policy: ObjectionPolicy,
  facts: { patient?: Patient & { id: string }; consents?: readonly Consent[]; occurredAt: string },
): Objection | undefined {
  const patient = facts.patient;
  if (!patient) return undefined;
  if (policy.patientFlag) {
    try {
      if (toJsBoolean(evaluatePath(policy.patientFlag, patient)))
        return { source: 'Patient flag', reason: 'patient objected: the objection flag on the Patient is set' };
    } catch (err) {
      return {
        source: 'Patient flag',
        reason: `objection flag could not be evaluated, so no contact: ${(err as Error).message}`,
      };
    }
  }
  const day = facts.occurredAt.slice(0, 10);
  for (const consent of facts.consents ?? []) {
    if (consent.status !== 'active' || toPatientReference(consent.patient?.reference) !== `Patient/${patient.id}`)
      continue;
    const denied = consentVerdict(consent, policy.purposes, day);
    if (denied?.verdict === 'deny') {
      const source = `Consent/${consent.id ?? '?'}`;
      return { source, reason: `patient objected: ${source} denies ${denied.purpose}` };
    }
  }
  return undefined;
}

type Verdict = { verdict: 'deny' | 'permit'; purpose: string };

/**
 * The verdict of one Consent for our purposes, or undefined when it says nothing about them.
 * A provision speaks for us when its `purpose` names one of ours and its period covers the day;
 * a nested provision that speaks overrides its parent (an exception to the rule), and deny wins
 * between siblings. A root provision without any restriction in a patient-privacy Consent is a
 * blanket rule and speaks for every purpose. Actors are not looked at: a denial of our purpose
 * towards anyone is taken as an objection to being contacted for it.
 */
export function consentVerdict(consent: Consent, purposes: readonly PurposeCode[], day: string): Verdict | undefined {
  const root = consent.provision;
  if (!root) return undefined;
  const blanket = hasCoding(consent.scope?.coding, PRIVACY_SCOPE) && isUnrestricted(root);
  return provisionVerdict(
    root,
    purposes,
    day,
    blanket ? 'all purposes (privacy consent without restrictions)' : undefined,
  );
}

function provisionVerdict(
  provision: ConsentProvision,
  purposes: readonly PurposeCode[],
  day: string,
  blanket?: string,
): Verdict | undefined {
  if (!coversDay(provision.period, day)) return undefined;
  const named = namedPurpose(provision.purpose, purposes) ?? blanket;
  const nested = (provision.provision ?? [])
    .map((child) => provisionVerdict(child, purposes, day))
    .filter((v) => v !== undefined);
  const deny = nested.find((v) => v.verdict === 'deny');
  if (deny) return deny;
  if (nested.length) return nested[0];
  return named && provision.type ? { verdict: provision.type, purpose: named } : undefined;
}

function namedPurpose(codings: readonly Coding[] | undefined, purposes: readonly PurposeCode[]): string | undefined {
  const hit = purposes.find((purpose) => hasCoding(codings, purpose));
  return hit ? `${hit.system}|${hit.code}` : undefined;
}

function hasCoding(codings: readonly Coding[] | undefined, wanted: PurposeCode): boolean {
  return (codings ?? []).some((coding) => coding.code === wanted.code && sameSystem(coding.system, wanted.system));
}

function sameSystem(a: string | undefined, b: string): boolean {
  const norm = (s: string | undefined) => (s === V3_ACT_REASON_OID ? V3_ACT_REASON : s);
  return norm(a) === norm(b);
}

function isUnrestricted(p: ConsentProvision): boolean {
  return (
    ![p.actor, p.action, p.securityLabel, p.purpose, p.class, p.code, p.data].some((list) => list?.length) &&
    !p.dataPeriod
  );
}
