import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROLES } from '../src/platform/http/access.js';

/**
 * deploy/keycloak/clinica-realm.json is what an operator imports into Keycloak; its README
 * names the clients, addresses and claims Clinica is then configured with. These checks keep
 * the export, the README and Clinica's roles saying the same thing.
 */
const REALM_FILE = new URL('../deploy/keycloak/clinica-realm.json', import.meta.url);
const README = fs.readFileSync(new URL('../deploy/keycloak/README.md', import.meta.url), 'utf8');

interface Mapper {
  name: string;
  protocol: string;
  protocolMapper: string;
  config: Record<string, string>;
}
interface Client {
  clientId: string;
  enabled: boolean;
  protocol: string;
  publicClient: boolean;
  bearerOnly: boolean;
  secret?: string;
  standardFlowEnabled: boolean;
  implicitFlowEnabled: boolean;
  directAccessGrantsEnabled: boolean;
  serviceAccountsEnabled: boolean;
  redirectUris: string[];
  attributes: Record<string, string>;
  protocolMappers: Mapper[];
  defaultClientScopes: string[];
}
interface User {
  username: string;
  email?: string;
  enabled: boolean;
  emailVerified?: boolean;
  serviceAccountClientId?: string;
  realmRoles?: string[];
  credentials?: { type: string; value: string; temporary: boolean }[];
  requiredActions?: string[];
}
interface Realm {
  realm: string;
  enabled: boolean;
  sslRequired: string;
  registrationAllowed: boolean;
  roles: { realm: { name: string; composite: boolean; composites?: { realm?: string[] } }[] };
  defaultRole: { name: string };
  clients: Client[];
  users: User[];
}

const realm = JSON.parse(fs.readFileSync(REALM_FILE, 'utf8')) as Realm;
const client = (id: string) => {
  const found = realm.clients.find((c) => c.clientId === id);
  if (!found) throw new Error(`no client ${id} in the realm export`);
  return found;
};
const mapper = (c: Client, type: string) => c.protocolMappers.filter((m) => m.protocolMapper === type);
/** The value the README tells an operator to give a Clinica variable. */
const documented = (variable: string) => README.match(new RegExp(`^${variable}=(\\S+)`, 'm'))?.[1];

describe('Keycloak realm export (deploy/keycloak)', () => {
  it('is the realm the README configures Clinica for', () => {
    expect(realm.realm).toBe('clinica');
    expect(realm.enabled).toBe(true);
    // Nobody creates their own account: Clinica's roles come from the realm's administrators.
    expect(realm.registrationAllowed).toBe(false);
    expect(realm.sslRequired).not.toBe('none');
    expect(documented('OIDC_ISSUER')).toBe(`http://localhost:8080/realms/${realm.realm}`);
    expect(documented('OIDC_CLIENT_ID')).toBe('clinica-web');
    expect(documented('OIDC_ROLES_CLAIM')).toBe('realm_access.roles');
    expect(documented('OIDC_CLIENT_SECRET')).toBeDefined();
    expect(documented('PUBLIC_URL')).toBe('http://localhost:3000');
  });

  it('has a realm role for every Clinica role, and no Clinica role only in the default role', () => {
    const names = realm.roles.realm.map((r) => r.name);
    const missing = ROLES.filter((role) => !names.includes(role));
    expect(missing, 'Clinica roles missing from the realm').toEqual([]);
    for (const role of ROLES) expect(README, `the README lists ${role}`).toContain(`\`${role}\``);
    // Every user gets the default role: it must not hand out any access to Clinica.
    const defaults = realm.roles.realm.find((r) => r.name === realm.defaultRole.name);
    expect(defaults).toBeDefined();
    expect(defaults?.composites?.realm?.filter((r) => (ROLES as readonly string[]).includes(r)) ?? []).toEqual([]);
  });

  it('signs users in through clinica-web: confidential, code flow only, PKCE S256, Clinica’s addresses', () => {
    const web = client('clinica-web');
    expect(web).toMatchObject({
      enabled: true,
      protocol: 'openid-connect',
      publicClient: false,
      bearerOnly: false,
      standardFlowEnabled: true,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      serviceAccountsEnabled: false,
    });
    // No secret in a file anyone can read: the README says how to generate one after import.
    expect(web.secret).toBeUndefined();
    expect(web.redirectUris).toEqual([`${documented('PUBLIC_URL')}/api/v1/auth/oidc/callback`]);
    expect(web.attributes['pkce.code.challenge.method']).toBe('S256');
    expect(web.attributes['post.logout.redirect.uris']).toBe(`${documented('PUBLIC_URL')}/login`);
    expect(web.attributes['backchannel.logout.url']).toBe(
      `${documented('PUBLIC_URL')}/api/v1/auth/oidc/backchannel-logout`,
    );
    expect(web.attributes['backchannel.logout.session.required']).toBe('true');
    // Without the `basic` scope Keycloak 25+ leaves `sub` out of the access token.
    expect(web.defaultClientScopes).toEqual(expect.arrayContaining(['basic', 'profile', 'email']));
  });

  it('puts the realm roles in the ID and access tokens at realm_access.roles, and clinica-web in the audience', () => {
    const web = client('clinica-web');
    const [roles, ...more] = mapper(web, 'oidc-usermodel-realm-role-mapper');
    expect(more).toEqual([]);
    expect(roles?.protocol).toBe('openid-connect');
    expect(roles?.config).toMatchObject({
      'claim.name': documented('OIDC_ROLES_CLAIM'),
      multivalued: 'true',
      'access.token.claim': 'true',
      'id.token.claim': 'true',
    });
    const audience = mapper(web, 'oidc-audience-mapper');
    expect(audience.map((m) => m.config['included.client.audience'])).toEqual([documented('OIDC_CLIENT_ID')]);
    expect(audience[0]?.config['access.token.claim']).toBe('true');
  });

  it('lets integrations call Clinica as a service account with the agent role and clinica-web’s audience', () => {
    const integrations = client('clinica-integrations');
    expect(integrations).toMatchObject({
      enabled: true,
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      redirectUris: [],
    });
    expect(integrations.secret).toBeUndefined();
    expect(mapper(integrations, 'oidc-usermodel-realm-role-mapper')[0]?.config).toMatchObject({
      'claim.name': documented('OIDC_ROLES_CLAIM'),
      'access.token.claim': 'true',
    });
    expect(mapper(integrations, 'oidc-audience-mapper').map((m) => m.config['included.client.audience'])).toEqual([
      documented('OIDC_CLIENT_ID'),
    ]);
    // Clinica accepts client-credentials tokens only from the clients it lists.
    expect(documented('OIDC_SERVICE_ACCOUNTS')).toBe('clinica-integrations');
    const account = realm.users.filter((u) => u.serviceAccountClientId === 'clinica-integrations');
    expect(account).toHaveLength(1);
    expect(account[0]?.username).toBe('service-account-clinica-integrations');
    expect(account[0]?.credentials).toBeUndefined();
    expect(account[0]?.realmRoles?.filter((r) => (ROLES as readonly string[]).includes(r))).toEqual(['agent']);
  });

  it('has one demo user per role, none with a password that outlives the first sign-in', () => {
    const people = realm.users.filter((u) => !u.serviceAccountClientId);
    for (const role of ROLES) {
      const withRole = people.filter((u) => u.realmRoles?.includes(role));
      expect(
        withRole.map((u) => u.username),
        role,
      ).toEqual([`demo-${role}`]);
    }
    for (const user of people) {
      // Clinica links an existing account by e-mail only when the provider vouches for it.
      expect(user.email, user.username).toMatch(/@clinica\.example$/);
      expect(user.emailVerified, user.username).toBe(true);
      expect(user.requiredActions, user.username).toEqual(['UPDATE_PASSWORD']);
      for (const credential of user.credentials ?? []) {
        expect(credential, user.username).toEqual({ type: 'password', value: 'change-me', temporary: true });
      }
    }
  });
});
