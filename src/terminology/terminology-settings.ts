/** Where value sets named by canonical URL are expanded, and how (TERMINOLOGY_* in .env.example). */
export interface TerminologySettings {
  /** FHIR base of the terminology server, without a trailing slash. */
  baseUrl: string;
  /** Bearer token, when the server wants one. */
  token?: string;
  /** One `$expand` page slower than this counts as the server being down. */
  timeoutMs: number;
  /** How often the running service asks again; the last good expansion stays until then. */
  refreshMs: number;
  /** More codes than this in one value set is refused, so a huge value set cannot eat the memory. */
  maxCodes: number;
  /** Where the last good expansion of each value set is kept, so a start without the server still works. */
  cacheDir: string;
}
