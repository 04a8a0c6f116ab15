/** Where value sets named by canonical URL are expanded, and how (TERMINOLOGY_* in .env.example). */
export interface TerminologySettings {
  /** FHIR base of the terminology server, without a trailing slash. */
  baseUrl: string;
  /** How the service logs in, when the server wants it; undefined: no Authorization header. */
  auth?: TerminologyAuth;
  /** One `$expand` page slower than this counts as the server being down. */
  timeoutMs: number;
  /** How often the running service asks again; the last good expansion stays until then. */
  refreshMs: number;
  /** More codes than this in one value set is refused, so a huge value set cannot eat the memory. */
  maxCodes: number;
  /** Where the last good expansion of each value set is kept, so a start without the server still works. */
  cacheDir: string;
}

/**
 * A fixed bearer token, or short-lived tokens from an OAuth2 token endpoint (servers behind
 * Keycloak, as Ontoserver deployments are): by client credentials, or by an account's user name and
 * password (the password grant) where the server hands out only accounts.
 */
export type TerminologyAuth =
  | { type: 'bearer'; token: string }
  | { type: 'client-credentials'; tokenUrl: string; clientId: string; clientSecret: string; scope?: string }
  | {
      type: 'password';
      tokenUrl: string;
      clientId: string;
      clientSecret?: string;
      username: string;
      password: string;
      scope?: string;
    };
