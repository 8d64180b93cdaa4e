import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { serviceAccountId } from '../src/modules/identity/oidc-bearer.js';
import { assertsMfa, mapRoles, type RolePolicy, safeReturnTo } from '../src/modules/identity/oidc-claims.js';
import { ROLES } from '../src/platform/http/access.js';

const SSO = { OIDC_ISSUER: 'https://sso.example.org/realms/clinica', OIDC_CLIENT_ID: 'clinica-web' };

function errorFor(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('single sign-on configuration', () => {
  it('is off by default, with password sign-in on', () => {
    const c = loadConfig({});
    expect(c.OIDC_ISSUER).toBeUndefined();
    expect(c.LOCAL_LOGIN).toBe(true);
    expect(c.OIDC_SCOPES).toBe('openid email profile');
    expect(c.OIDC_PROVIDER_NAME).toBe('SSO');
    expect(c.OIDC_ROLES_CLAIM).toBe('roles');
    expect(c.OIDC_ROLE_MAP).toBeUndefined();
    expect(c.OIDC_REQUIRE_MFA_ROLES).toEqual([]);
    expect(c.OIDC_SERVICE_ACCOUNTS).toEqual({});
  });

  it('reads every value into its type', () => {
    const c = loadConfig({
      ...SSO,
      OIDC_CLIENT_SECRET: 's3cret',
      OIDC_SCOPES: ' openid  email profile offline_access ',
      OIDC_PROVIDER_NAME: 'Keycloak',
      OIDC_ROLES_CLAIM: 'realm_access.roles',
      OIDC_ROLE_MAP: 'clinica-doctor=doctor, clinica-lab=results+doctor,/staff/desk=admissions, clinica-doctor=admin',
      OIDC_AUDIENCE: 'clinica-api',
      OIDC_REQUIRE_MFA_ROLES: 'doctor, admin',
      OIDC_MFA_ACR_VALUES: '2,gold',
      OIDC_SERVICE_ACCOUNTS: 'clinica-integrations=admissions+results,helpdesk',
      OIDC_JWKS_CACHE_SECONDS: '60',
      LOCAL_LOGIN: 'false',
    });
    expect(c).toMatchObject({
      OIDC_SCOPES: 'openid email profile offline_access',
      OIDC_ROLE_MAP: {
        'clinica-doctor': ['doctor', 'admin'],
        'clinica-lab': ['results', 'doctor'],
        '/staff/desk': ['admissions'],
      },
      OIDC_REQUIRE_MFA_ROLES: ['doctor', 'admin'],
      OIDC_MFA_ACR_VALUES: ['2', 'gold'],
      OIDC_SERVICE_ACCOUNTS: { 'clinica-integrations': ['admissions', 'results'], helpdesk: null },
      OIDC_JWKS_CACHE_SECONDS: 60,
      LOCAL_LOGIN: false,
    });
  });

  it('refuses each bad value with a message that names it', () => {
    expect(errorFor({ ...SSO, OIDC_ISSUER: 'sso.example.org' })).toMatch(/^Invalid configuration: OIDC_ISSUER must be/);
    expect(errorFor({ ...SSO, OIDC_ISSUER: 'http://sso.example.org' })).toBe(
      'Invalid configuration: OIDC_ISSUER must be an https:// URL (http:// only for localhost or 127.0.0.1) (got "http://sso.example.org")',
    );
    expect(loadConfig({ ...SSO, OIDC_ISSUER: 'http://127.0.0.1:8080/realms/clinica' }).OIDC_ISSUER).toBeDefined();
    expect(errorFor({ OIDC_ISSUER: SSO.OIDC_ISSUER })).toBe(
      'Invalid configuration: OIDC_CLIENT_ID is required with OIDC_ISSUER',
    );
    expect(errorFor({ OIDC_CLIENT_ID: 'clinica-web' })).toBe(
      'Invalid configuration: OIDC_CLIENT_ID needs OIDC_ISSUER (single sign-on is off)',
    );
    expect(errorFor({ LOCAL_LOGIN: 'false' })).toBe(
      'Invalid configuration: LOCAL_LOGIN=false needs OIDC_ISSUER, or nobody could sign in',
    );
    expect(errorFor({ ...SSO, OIDC_ROLE_MAP: 'clinica-doctor=dentist' })).toMatch(
      /^Invalid configuration: OIDC_ROLE_MAP entry "clinica-doctor=dentist": "dentist" is not a Clinica role \(patient, admissions, doctor, results, pharmacist, agent, admin\)/,
    );
    expect(errorFor({ ...SSO, OIDC_ROLE_MAP: 'doctor' })).toMatch(
      /OIDC_ROLE_MAP entry "doctor" must be provider-role=clinica-role/,
    );
    expect(errorFor({ ...SSO, OIDC_ROLE_MAP: 'clinica-doctor=' })).toMatch(
      /OIDC_ROLE_MAP entry "clinica-doctor=" names no role/,
    );
    expect(errorFor({ ...SSO, OIDC_REQUIRE_MFA_ROLES: 'doctor,nurse' })).toMatch(
      /OIDC_REQUIRE_MFA_ROLES "nurse" is not a Clinica role/,
    );
    expect(errorFor({ ...SSO, OIDC_SERVICE_ACCOUNTS: 'erp=patient' })).toMatch(
      /OIDC_SERVICE_ACCOUNTS entry "erp=patient": a service account cannot have the patient role/,
    );
    expect(errorFor({ ...SSO, OIDC_SCOPES: 'email profile' })).toMatch(/OIDC_SCOPES must include openid/);
    expect(errorFor({ ...SSO, OIDC_ROLES_CLAIM: 'realm_access..roles' })).toMatch(
      /OIDC_ROLES_CLAIM must be a claim name/,
    );
  });

  it('never prints the client secret', () => {
    const message = errorFor({ OIDC_CLIENT_SECRET: 'do-not-print-me' });
    expect(message).toBe('Invalid configuration: OIDC_CLIENT_SECRET needs OIDC_ISSUER (single sign-on is off)');
    expect(errorFor({ ...SSO, OIDC_CLIENT_SECRET: 'x'.repeat(2000) })).not.toContain('xxx');
  });
});

describe('claims', () => {
  const policy = (claim: string, map?: Record<string, ('doctor' | 'admin' | 'patient')[]>): RolePolicy => ({
    claim,
    map,
    known: ROLES,
  });

  it('reads roles from a nested claim, a list or a string, through the map or by name', () => {
    const claims = {
      realm_access: { roles: ['clinica-doctor', 'offline_access'] },
      groups: 'doctor admin,nurse',
      'https://clinica/roles': ['patient'],
    };
    expect(mapRoles(claims, policy('realm_access.roles', { 'clinica-doctor': ['doctor'] }))).toEqual(['doctor']);
    expect(mapRoles(claims, policy('groups'))).toEqual(['doctor', 'admin']);
    expect(mapRoles(claims, policy('https://clinica/roles'))).toEqual(['patient']);
    expect(mapRoles(claims, policy('missing.path'))).toEqual([]);
    expect(mapRoles({ realm_access: 'x' }, policy('realm_access.roles'))).toEqual([]);
  });

  it('recognises a second factor by amr or by an accepted acr', () => {
    const mfa = { roles: [], acrValues: ['2'] };
    expect(assertsMfa({ amr: ['pwd', 'otp'] }, mfa)).toBe(true);
    expect(assertsMfa({ amr: ['MFA'] }, mfa)).toBe(true);
    expect(assertsMfa({ amr: ['pwd'] }, mfa)).toBe(false);
    expect(assertsMfa({ acr: '2' }, mfa)).toBe(true);
    expect(assertsMfa({ acr: '1', amr: 'otp' }, mfa)).toBe(false);
  });

  it('keeps only return addresses on this site', () => {
    expect(safeReturnTo('/patients/1?tab=notes#top')).toBe('/patients/1?tab=notes#top');
    for (const bad of ['//evil.test', '/\\evil.test', 'https://evil.test', 'javascript:alert(1)', '/a\tb', '', 42]) {
      expect(safeReturnTo(bad), String(bad)).toBeNull();
    }
  });

  it('gives each service account a stable id of its own', () => {
    const a = serviceAccountId('https://sso.example.org', 'erp');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(serviceAccountId('https://sso.example.org', 'erp')).toBe(a);
    expect(serviceAccountId('https://sso.example.org', 'helpdesk')).not.toBe(a);
  });
});
