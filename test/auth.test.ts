import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { decodeJwt, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { countRows, createTestApp, type SignedIn, TEST_PASSWORD, type TestApp, uniqueDocument } from './support/app.js';
import { DATABASES } from './support/databases.js';

const NEW_PASSWORD = 'a brand new passphrase';
const ISSUER = 'http://clinica.test';

interface AuditRow {
  actor_id: string | null;
  action: string;
  outcome: string;
  resource_id: string | null;
  patient_id: string | null;
  details: Record<string, unknown>;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A code for the next 30 s step: accepted (one step of drift) and later than any step used so far. */
const nextCode = (secret: string) => generate({ secret, epoch: nowSeconds() + 30 });

/** The session id an access token belongs to. */
const sessionOf = (accessToken: string) => String(decodeJwt(accessToken).sid);

describe.each(DATABASES)('accounts and sign-in on %s', (kind) => {
  let t: TestApp;
  let admin: SignedIn;

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await t.signIn(['admin']);
  });
  afterAll(() => t.close());

  const login = (payload: Record<string, unknown>, app = t) =>
    app.call({ method: 'POST', url: '/api/v1/auth/login', payload });
  const refresh = (refreshToken: string, app = t) =>
    app.call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
  const me = (token: string, app = t) => app.call({ method: 'GET', url: '/api/v1/auth/me', token });
  const patchUser = (id: string, payload: object, token = admin.token, app = t) =>
    app.call({ method: 'PATCH', url: `/api/v1/users/${id}`, payload, token });
  const newEmail = (prefix = 'user') => `${prefix}-${randomUUID().slice(0, 8)}@clinica.test`;

  const audit = async (action: string, where: { actorId?: string; resourceId?: string } = {}) => {
    const { rows } = await t.database.db.query<AuditRow>(
      `select actor_id, action, outcome, resource_id, patient_id, details from audit_events
       where action = $1 and ($2::uuid is null or actor_id = $2) and ($3::text is null or resource_id = $3)
       order by id`,
      [action, where.actorId ?? null, where.resourceId ?? null],
    );
    return rows;
  };

  const outbox = async (type: string, aggregateId: string) => {
    const { rows } = await t.database.db.query<{ payload: Record<string, unknown> }>(
      'select payload from outbox where type = $1 and aggregate_id = $2',
      [type, aggregateId],
    );
    return rows;
  };

  const sessionsOf = async (userId: string) => {
    const { rows } = await t.database.db.query<{ id: string; revoked_at: Date | null }>(
      'select id, revoked_at from sessions where user_id = $1 order by created_at',
      [userId],
    );
    return rows;
  };

  const expectProblem = (res: LightMyRequestResponse, status: number) => {
    expect(res.statusCode).toBe(status);
    expect(String(res.headers['content-type'])).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
    expect(res.json().type).toMatch(/^urn:clinica:problem:/);
  };

  describe('login', () => {
    it('answers tokens and the user, and the access token works', async () => {
      const email = newEmail('doctor');
      const created = await t.app.clinica.users.create(
        { email, roles: ['doctor'], password: TEST_PASSWORD },
        SYSTEM_CONTEXT,
      );
      // E-mail addresses are not case-sensitive.
      const res = await login({ email: email.toUpperCase(), password: TEST_PASSWORD });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 900,
        user: { id: created.id, email, roles: ['doctor'] },
      });
      expect(body.user).not.toHaveProperty('patientId');
      expect(body.accessToken.split('.')).toHaveLength(3);
      expect(body.refreshToken).not.toBe(body.accessToken);
      const claims = decodeJwt(body.accessToken);
      expect(claims).toMatchObject({ sub: created.id, iss: ISSUER, aud: 'clinica', roles: ['doctor'] });
      expect(Number(claims.exp) - Number(claims.iat)).toBe(900);

      const who = await me(body.accessToken);
      expect(who.statusCode).toBe(200);
      expect(who.json()).toMatchObject({ id: created.id, email, roles: ['doctor'] });

      const entries = await audit('auth.login', { actorId: created.id });
      expect(entries.map((e) => e.outcome)).toEqual(['success']);
      const user = await t.call({ method: 'GET', url: `/api/v1/users/${created.id}`, token: admin.token });
      expect(Date.now() - Date.parse(user.json().lastLoginAt)).toBeLessThan(60_000);
    });

    it('includes the linked patient of a portal account', async () => {
      const patient = await t.createPatient();
      const portal = await t.signIn(['patient'], { patientId: patient.id });
      const res = await login({ email: portal.email, password: TEST_PASSWORD });
      expect(res.statusCode).toBe(200);
      expect(res.json().user).toMatchObject({ id: portal.userId, roles: ['patient'], patientId: patient.id });
      expect(decodeJwt(res.json().accessToken).pid).toBe(patient.id);
    });

    it('refuses a wrong password and an unknown e-mail alike, and audits both', async () => {
      const user = await t.signIn(['agent']);
      const wrong = await login({ email: user.email, password: 'not the password' });
      expectProblem(wrong, 401);
      expect(wrong.json()).not.toHaveProperty('accessToken');
      const unknownEmail = newEmail('nobody');
      const unknown = await login({ email: unknownEmail, password: TEST_PASSWORD });
      expectProblem(unknown, 401);
      expect(unknown.json().detail).toBe(wrong.json().detail);
      expect(unknown.json().type).toBe(wrong.json().type);

      const failures = (await audit('auth.login', { actorId: user.userId })).filter((e) => e.outcome === 'failure');
      expect(failures.map((e) => e.details)).toEqual([{ reason: 'wrong-password', failures: 1 }]);
      const anonymous = (await audit('auth.login')).filter((e) => e.details.reason === 'unknown-account');
      expect(anonymous.length).toBeGreaterThanOrEqual(1);
      expect(anonymous.every((e) => e.actor_id === null && e.outcome === 'failure')).toBe(true);
    });

    it('refuses a deactivated account even with the right password, without opening a session', async () => {
      const user = await t.signIn(['results']);
      expect((await patchUser(user.userId, { active: false })).statusCode).toBe(200);
      const before = await sessionsOf(user.userId);
      const res = await login({ email: user.email, password: TEST_PASSWORD });
      expectProblem(res, 401);
      expect(res.json().detail).toMatch(/deactivated/);
      expect(await sessionsOf(user.userId)).toHaveLength(before.length);
      const denied = (await audit('auth.login', { actorId: user.userId })).filter((e) => e.outcome === 'denied');
      expect(denied.map((e) => e.details.reason)).toEqual(['deactivated']);
    });

    it('answers 400 naming the field for a malformed body', async () => {
      const res = await login({ email: 'not-an-email', password: '' });
      expectProblem(res, 400);
      const paths = res.json().errors.map((e: { path: string }) => e.path);
      expect(paths).toEqual(expect.arrayContaining(['body.email', 'body.password']));
      expectProblem(await login({ email: newEmail(), password: TEST_PASSWORD, extra: true }), 400);
    });
  });

  describe('with strict settings (3 failures lock, 60 s tokens, no self-registration)', () => {
    let strict: TestApp;
    let strictAdmin: SignedIn;

    beforeAll(async () => {
      strict = await createTestApp(kind, {
        LOGIN_MAX_FAILURES: '3',
        LOGIN_LOCKOUT_MINUTES: '15',
        ACCESS_TOKEN_TTL_SECONDS: '60',
        SELF_REGISTRATION: 'false',
      });
      strictAdmin = await strict.signIn(['admin']);
    });
    afterAll(() => strict.close());

    it('locks the account after LOGIN_MAX_FAILURES wrong passwords, until an admin reactivates it', async () => {
      const user = await strict.signIn(['pharmacist']);
      const wrong = { email: user.email, password: 'wrong password' };
      expect((await login(wrong, strict)).statusCode).toBe(401);
      expect((await login(wrong, strict)).statusCode).toBe(401);
      const third = await login(wrong, strict);
      expectProblem(third, 429);
      const lockedUntil = Date.parse(third.json().lockedUntil);
      expect(lockedUntil - Date.now()).toBeGreaterThan(14 * 60_000);
      expect(lockedUntil - Date.now()).toBeLessThanOrEqual(15 * 60_000 + 1000);
      const retryAfter = Number(third.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(14 * 60);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);

      // Even the right password is refused while locked.
      const right = await login({ email: user.email, password: TEST_PASSWORD }, strict);
      expectProblem(right, 429);
      expect(right.json()).not.toHaveProperty('accessToken');
      const read = await strict.call({ method: 'GET', url: `/api/v1/users/${user.userId}`, token: strictAdmin.token });
      expect(Date.parse(read.json().lockedUntil)).toBe(lockedUntil);
      const { rows } = await strict.database.db.query<{ outcome: string; details: { reason: string } }>(
        `select outcome, details from audit_events where action = 'auth.login' and actor_id = $1 order by id`,
        [user.userId],
      );
      expect(rows.map((r) => `${r.outcome}:${r.details.reason}`).slice(-4)).toEqual([
        'failure:wrong-password',
        'failure:wrong-password',
        'failure:wrong-password',
        'denied:locked',
      ]);

      const lifted = await patchUser(user.userId, { active: true }, strictAdmin.token, strict);
      expect(lifted.statusCode).toBe(200);
      expect(lifted.json()).not.toHaveProperty('lockedUntil');
      expect((await login({ email: user.email, password: TEST_PASSWORD }, strict)).statusCode).toBe(200);
      // The count starts over: one more wrong password does not lock again.
      expect((await login(wrong, strict)).statusCode).toBe(401);
    });

    it('counts failures in a row: a successful sign-in resets the count', async () => {
      const user = await strict.signIn(['agent']);
      const wrong = { email: user.email, password: 'wrong password' };
      expect((await login(wrong, strict)).statusCode).toBe(401);
      expect((await login(wrong, strict)).statusCode).toBe(401);
      expect((await login({ email: user.email, password: TEST_PASSWORD }, strict)).statusCode).toBe(200);
      expect((await login(wrong, strict)).statusCode).toBe(401);
      expect((await login(wrong, strict)).statusCode).toBe(401);
      expect((await login({ email: user.email, password: TEST_PASSWORD }, strict)).statusCode).toBe(200);
    });

    it('issues access tokens with the configured lifetime', async () => {
      const user = await strict.signIn(['doctor']);
      const res = await login({ email: user.email, password: TEST_PASSWORD }, strict);
      expect(res.json().expiresIn).toBe(60);
      const claims = decodeJwt(res.json().accessToken);
      expect(Number(claims.exp) - Number(claims.iat)).toBe(60);
    });

    it('refuses self-registration when it is switched off, writing nothing', async () => {
      const users = await countRows(strict, 'users');
      const patients = await countRows(strict, 'patients');
      const res = await strict.call({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: {
          email: newEmail('self'),
          password: NEW_PASSWORD,
          firstName: 'Eva',
          lastName: 'Molina',
          documentNumber: uniqueDocument(),
          birthDate: '1985-06-01',
        },
      });
      expectProblem(res, 403);
      expect(await countRows(strict, 'users')).toBe(users);
      expect(await countRows(strict, 'patients')).toBe(patients);
    });
  });

  describe('sign-in rate limit per client address', () => {
    let limited: TestApp;
    beforeAll(async () => {
      limited = await createTestApp(kind, { LOGIN_RATE_LIMIT_PER_MINUTE: '3' });
    });
    afterAll(() => limited.close());

    it('answers 429 on the 4th attempt within a minute from one address, not from another', async () => {
      const email = newEmail('limited');
      await limited.app.clinica.users.create({ email, roles: ['doctor'], password: TEST_PASSWORD }, SYSTEM_CONTEXT);
      const from = (remoteAddress: string, password: string) =>
        limited.call({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress });
      expect((await from('203.0.113.7', 'wrong password')).statusCode).toBe(401);
      expect((await from('203.0.113.7', 'wrong password')).statusCode).toBe(401);
      expect((await from('203.0.113.7', TEST_PASSWORD)).statusCode).toBe(200);
      const fourth = await from('203.0.113.7', TEST_PASSWORD);
      expectProblem(fourth, 429);
      expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
      expect(fourth.json()).not.toHaveProperty('accessToken');
      // Another address is not affected.
      expect((await from('198.51.100.9', TEST_PASSWORD)).statusCode).toBe(200);
    });

    it('throttles guessing the current password with a stolen access token the same way', async () => {
      const email = newEmail('guessed');
      await limited.app.clinica.users.create({ email, roles: ['doctor'], password: TEST_PASSWORD }, SYSTEM_CONTEXT);
      const remoteAddress = '192.0.2.44';
      const signedIn = await limited.call({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: TEST_PASSWORD },
        remoteAddress,
      });
      const token = signedIn.json().accessToken;
      const guess = (currentPassword: string) =>
        limited.call({
          method: 'POST',
          url: '/api/v1/auth/password',
          token,
          remoteAddress,
          payload: { currentPassword, newPassword: NEW_PASSWORD },
        });
      for (const attempt of ['guess one', 'guess two', 'guess three']) expectProblem(await guess(attempt), 400);
      expectProblem(await guess(TEST_PASSWORD), 429);
      // The right guess was not even tried: the password is unchanged.
      const again = await limited.call({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: TEST_PASSWORD },
        remoteAddress: '198.51.100.10',
      });
      expect(again.statusCode).toBe(200);
    });
  });

  describe('refresh', () => {
    it('rotates the refresh token: each answer carries a new one and the old one stops working', async () => {
      const user = await t.signIn(['doctor']);
      const first = await refresh(user.refreshToken);
      expect(first.statusCode).toBe(200);
      const r1 = first.json();
      expect(r1).toMatchObject({ expiresIn: 900, user: { id: user.userId, roles: ['doctor'] } });
      expect(r1.refreshToken).not.toBe(user.refreshToken);
      expect(r1.accessToken).not.toBe(user.token);
      expect(sessionOf(r1.accessToken)).toBe(sessionOf(user.token));
      expect((await me(r1.accessToken)).statusCode).toBe(200);

      const second = await refresh(r1.refreshToken);
      expect(second.statusCode).toBe(200);
      expect(second.json().refreshToken).not.toBe(r1.refreshToken);
      expectProblem(await refresh(r1.refreshToken), 401);
    });

    it('ends the whole session when a rotated token is presented again, and audits it', async () => {
      const user = await t.signIn(['admissions']);
      const other = (await login({ email: user.email, password: TEST_PASSWORD })).json();
      const sessionId = sessionOf(user.token);
      const rotated = (await refresh(user.refreshToken)).json();

      const reuse = await refresh(user.refreshToken);
      expectProblem(reuse, 401);
      // The newest token of that session is dead too ...
      expectProblem(await refresh(rotated.refreshToken), 401);
      // ... but the user's other session is not.
      expect((await refresh(other.refreshToken)).statusCode).toBe(200);

      const revoked = (await sessionsOf(user.userId)).find((s) => s.id === sessionId);
      expect(revoked?.revoked_at).toBeInstanceOf(Date);
      const entries = await audit('auth.refresh', { resourceId: sessionId });
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        outcome: 'denied',
        details: { reason: 'token-reuse', userId: user.userId },
      });
    });

    it('carries roles changed by an admin into the next access token', async () => {
      const user = await t.signIn(['doctor']);
      const before = await t.call({ method: 'GET', url: '/api/v1/users', token: user.token });
      expectProblem(before, 403);
      expect((await patchUser(user.userId, { roles: ['doctor', 'admin'] })).statusCode).toBe(200);
      const res = await refresh(user.refreshToken);
      expect(res.statusCode).toBe(200);
      expect(res.json().user.roles).toEqual(['doctor', 'admin']);
      expect(decodeJwt(res.json().accessToken).roles).toEqual(['doctor', 'admin']);
      const after = await t.call({ method: 'GET', url: '/api/v1/users', token: res.json().accessToken });
      expect(after.statusCode).toBe(200);
    });

    it("refuses a deactivated user's refresh token", async () => {
      const user = await t.signIn(['pharmacist']);
      expect((await patchUser(user.userId, { active: false })).statusCode).toBe(200);
      const res = await refresh(user.refreshToken);
      expectProblem(res, 401);
      expect(res.json()).not.toHaveProperty('accessToken');
      // Reactivating does not bring the old session back.
      expect((await patchUser(user.userId, { active: true })).statusCode).toBe(200);
      expectProblem(await refresh(user.refreshToken), 401);
    });

    it('refuses a deactivated user even when the session was not revoked', async () => {
      const user = await t.signIn(['agent']);
      // Deactivated behind the API's back (e.g. by a replica mid-change): refresh reads the account again.
      await t.database.db.query('update users set active = false where id = $1', [user.userId]);
      const res = await refresh(user.refreshToken);
      expectProblem(res, 401);
      expect(res.json().detail).toMatch(/deactivated/);
      expect((await sessionsOf(user.userId)).every((s) => s.revoked_at !== null)).toBe(true);
    });

    it('ends a session idle for longer than IDLE_TIMEOUT_MINUTES (30), not one idle for less', async () => {
      const idle = await t.signIn(['doctor']);
      const busy = await t.signIn(['doctor']);
      const setIdle = (token: string, minutes: number) =>
        t.database.db.query(`update sessions set last_used_at = now() - make_interval(mins => $2) where id = $1`, [
          sessionOf(token),
          minutes,
        ]);
      await setIdle(idle.token, 31);
      await setIdle(busy.token, 29);
      expectProblem(await refresh(idle.refreshToken), 401);
      expect((await refresh(busy.refreshToken)).statusCode).toBe(200);
      const [session] = await sessionsOf(idle.userId);
      expect(session?.revoked_at).toBeInstanceOf(Date);
    });

    it('ends a session past its maximum lifetime', async () => {
      const user = await t.signIn(['doctor']);
      await t.database.db.query(`update sessions set expires_at = now() - interval '1 second' where id = $1`, [
        sessionOf(user.token),
      ]);
      expectProblem(await refresh(user.refreshToken), 401);
    });

    it('refuses unknown and malformed refresh tokens', async () => {
      expectProblem(await refresh('x'.repeat(43)), 401);
      expectProblem(await refresh(''), 400);
      expectProblem(await t.call({ method: 'POST', url: '/api/v1/auth/refresh', payload: {} }), 400);
    });
  });

  describe('logout', () => {
    it('ends the session of the refresh token it is given', async () => {
      const user = await t.signIn(['doctor']);
      const res = await t.call({
        method: 'POST',
        url: '/api/v1/auth/logout',
        payload: { refreshToken: user.refreshToken },
      });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expectProblem(await refresh(user.refreshToken), 401);
      const entries = await audit('auth.logout', { resourceId: sessionOf(user.token) });
      expect(entries).toHaveLength(1);
    });

    it("with no body, ends the access token's session and only that one", async () => {
      const user = await t.signIn(['doctor']);
      const other = (await login({ email: user.email, password: TEST_PASSWORD })).json();
      const res = await t.call({ method: 'POST', url: '/api/v1/auth/logout', token: user.token });
      expect(res.statusCode).toBe(204);
      expectProblem(await refresh(user.refreshToken), 401);
      expect((await refresh(other.refreshToken)).statusCode).toBe(200);
    });

    it('answers 204 with neither body nor token, and for an unknown token', async () => {
      expect((await t.call({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode).toBe(204);
      const unknown = await t.call({
        method: 'POST',
        url: '/api/v1/auth/logout',
        payload: { refreshToken: 'no-such-token' },
      });
      expect(unknown.statusCode).toBe(204);
    });
  });

  describe('revocation reaches access tokens at once', () => {
    const patients = (token: string, app = t) => app.call({ method: 'GET', url: '/api/v1/patients?limit=1', token });

    it('a logged-out access token stops working, while the same user’s other session goes on', async () => {
      const user = await t.signIn(['admissions']);
      const other = (await login({ email: user.email, password: TEST_PASSWORD })).json();
      expect((await patients(user.token)).statusCode).toBe(200);
      await t.call({ method: 'POST', url: '/api/v1/auth/logout', token: user.token });
      expectProblem(await patients(user.token), 401);
      expect((await patients(other.accessToken)).statusCode).toBe(200);
    });

    it('a deactivated account’s access tokens stop working', async () => {
      const user = await t.signIn(['doctor']);
      expect((await patients(user.token)).statusCode).toBe(200);
      expect((await patchUser(user.userId, { active: false })).statusCode).toBe(200);
      expectProblem(await patients(user.token), 401);
    });

    it('a password change ends the other sessions’ access tokens, not the current one', async () => {
      const user = await t.signIn(['results']);
      const other = (await login({ email: user.email, password: TEST_PASSWORD })).json();
      const res = await t.call({
        method: 'POST',
        url: '/api/v1/auth/password',
        token: user.token,
        payload: { currentPassword: TEST_PASSWORD, newPassword: 'another long password' },
      });
      expect(res.statusCode).toBe(204);
      expect((await patients(user.token)).statusCode).toBe(200);
      expectProblem(await patients(other.accessToken), 401);
    });

    it('a session revoked by another replica stops working within SESSION_CHECK_SECONDS (0: at once)', async () => {
      const strict = await createTestApp(kind, { SESSION_CHECK_SECONDS: '0' });
      try {
        const user = await strict.signIn(['admissions']);
        expect((await patients(user.token, strict)).statusCode).toBe(200);
        await strict.database.db.query('update sessions set revoked_at = now() where id = $1', [sessionOf(user.token)]);
        expectProblem(await patients(user.token, strict), 401);
      } finally {
        await strict.close();
      }
    });
  });

  describe('access tokens', () => {
    let signingKey: { kid: string; key: Awaited<ReturnType<typeof importJWK>> };

    beforeAll(async () => {
      const { rows } = await t.database.db.query<{ kid: string; private_jwk: JWK }>(
        `select kid, private_jwk from signing_keys order by created_at desc limit 1`,
      );
      const row = rows[0]!;
      signingKey = { kid: row.kid, key: await importJWK(row.private_jwk, 'EdDSA') };
    });

    /** A token like the server's, with any part changed. */
    const craft = async (
      options: { audience?: string; issuer?: string; exp?: number; typ?: string; key?: typeof signingKey.key } = {},
    ) =>
      new SignJWT({ email: admin.email, roles: ['admin'], sid: sessionOf(admin.token) })
        .setProtectedHeader({ alg: 'EdDSA', kid: signingKey.kid, typ: options.typ ?? 'at+jwt' })
        .setSubject(admin.userId)
        .setIssuer(options.issuer ?? ISSUER)
        .setAudience(options.audience ?? 'clinica')
        .setIssuedAt()
        .setExpirationTime(options.exp ?? nowSeconds() + 300)
        .sign(options.key ?? signingKey.key);

    const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

    it('accepts a well-formed token signed with the server key (the forgeries below differ in one thing)', async () => {
      expect((await me(await craft())).statusCode).toBe(200);
    });

    it('answers 401 without a token, with garbage or with a non-bearer header', async () => {
      expectProblem(await me(''), 401);
      const garbage = await me('not-a-jwt');
      expectProblem(garbage, 401);
      expect(garbage.json().detail).toMatch(/invalid or has expired/);
      const basic = await t.call({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: 'Basic YTpi' } });
      expectProblem(basic, 401);
    });

    it('refuses a token signed by another key, even with the right key id', async () => {
      const { privateKey } = await generateKeyPair('EdDSA');
      expectProblem(await me(await craft({ key: privateKey })), 401);
    });

    it('refuses a token for another audience or from another issuer, or not an access token', async () => {
      expectProblem(await me(await craft({ audience: 'someone-else' })), 401);
      expectProblem(await me(await craft({ issuer: 'https://evil.example' })), 401);
      expectProblem(await me(await craft({ typ: 'JWT' })), 401);
    });

    it('refuses unsigned (alg none) and HMAC-with-the-public-key tokens', async () => {
      const payload = {
        sub: admin.userId,
        email: admin.email,
        roles: ['admin'],
        iss: ISSUER,
        aud: 'clinica',
        iat: nowSeconds(),
        exp: nowSeconds() + 300,
      };
      const none = `${base64url({ alg: 'none', typ: 'at+jwt' })}.${base64url(payload)}.`;
      expectProblem(await me(none), 401);
      // The published public key used as an HMAC secret (algorithm confusion).
      const { rows } = await t.database.db.query<{ public_jwk: JWK }>(
        'select public_jwk from signing_keys where kid = $1',
        [signingKey.kid],
      );
      const secret = Buffer.from(String(rows[0]?.public_jwk.x), 'base64url');
      expect(secret.length).toBe(32);
      const hmac = await new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256', kid: signingKey.kid, typ: 'at+jwt' })
        .sign(secret);
      expectProblem(await me(hmac), 401);
    });

    it('refuses an expired token, and the server-issued one expires after its lifetime', async () => {
      expectProblem(await me(await craft({ exp: nowSeconds() - 60 })), 401);
      // A token the real token service issued 901 s ago (lifetime 900 s).
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(Date.now() - 901_000);
        const old = await t.app.clinica.tokens.sign({
          userId: admin.userId,
          email: admin.email,
          roles: ['admin'],
          patientId: null,
          sessionId: sessionOf(admin.token),
        });
        vi.useRealTimers();
        expectProblem(await me(old), 401);
      } finally {
        vi.useRealTimers();
      }
    });

    it('does not let a public route turn a bad token into a 500', async () => {
      const res = await t.call({
        method: 'POST',
        url: '/api/v1/auth/login',
        token: 'garbage',
        payload: { email: admin.email, password: TEST_PASSWORD },
      });
      expect(res.statusCode).toBe(200);
    });
  });

  describe('self-registration', () => {
    const registration = (overrides: Record<string, unknown> = {}) => ({
      email: newEmail('self'),
      password: NEW_PASSWORD,
      firstName: 'Carmen',
      lastName: 'Vidal Soto',
      documentNumber: uniqueDocument(),
      birthDate: '1992-11-23',
      ...overrides,
    });
    const register = (payload: object) => t.call({ method: 'POST', url: '/api/v1/auth/register', payload });
    const counts = async () => ({
      users: await countRows(t, 'users'),
      patients: await countRows(t, 'patients'),
      sessions: await countRows(t, 'sessions'),
      outbox: await countRows(t, 'outbox'),
    });

    it('creates a patient account with its own patient record, signed in', async () => {
      const input = registration();
      const res = await register(input);
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toMatchObject({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 900,
        user: { id: expect.any(String), email: input.email, roles: ['patient'], patientId: expect.any(String) },
      });
      const patient = await t.call({
        method: 'GET',
        url: `/api/v1/patients/${body.user.patientId}`,
        token: body.accessToken,
      });
      expect(patient.statusCode).toBe(200);
      expect(patient.json()).toMatchObject({
        documentNumber: input.documentNumber,
        firstName: 'Carmen',
        lastName: 'Vidal Soto',
        birthDate: '1992-11-23',
        email: input.email,
        patientNumber: expect.stringMatching(/^PT\d{5}$/),
      });
      expect((await login({ email: input.email, password: NEW_PASSWORD })).statusCode).toBe(200);
      expect(await audit('user.register', { resourceId: body.user.id })).toHaveLength(1);
      expect(await outbox('user.registered', body.user.id)).toHaveLength(1);
    });

    it('refuses an e-mail that already has an account, writing nothing', async () => {
      const first = registration();
      expect((await register(first)).statusCode).toBe(201);
      const before = await counts();
      const res = await register(registration({ email: first.email.toUpperCase() }));
      expectProblem(res, 409);
      expect(res.json().detail).toMatch(/e-mail/);
      expect(await counts()).toEqual(before);
    });

    it('refuses a document number that has a patient record without revealing that record', async () => {
      const existing = await t.createPatient();
      const { rows } = await t.database.db.query<{ document_number: string }>(
        'select document_number from patients where id = $1',
        [existing.id],
      );
      const document = rows[0]!.document_number;
      const before = await counts();
      const res = await register(
        registration({ documentNumber: `${document.slice(0, 3)}.${document.slice(3).toLowerCase()}` }),
      );
      expectProblem(res, 409);
      expect(res.body).not.toContain(existing.patientNumber);
      expect(res.body).not.toContain(existing.id);
      expect(res.json()).not.toHaveProperty('existingPatientNumber');
      expect(res.json()).not.toHaveProperty('existingPatientId');
      expect(await counts()).toEqual(before);
    });

    it('answers 400 for bad input, including a birth date in the future, writing nothing', async () => {
      const before = await counts();
      const short = await register(registration({ password: 'short' }));
      expectProblem(short, 400);
      expect(short.json().errors.map((e: { path: string }) => e.path)).toContain('body.password');
      const future = new Date(Date.now() + 86_400_000 * 400).toISOString().slice(0, 10);
      const unborn = await register(registration({ birthDate: future }));
      expectProblem(unborn, 400);
      expect(unborn.json().errors.map((e: { path: string }) => e.path)).toContain('body.birthDate');
      expectProblem(await register(registration({ birthDate: '1850-01-01' })), 400);
      expectProblem(await register(registration({ roles: ['admin'] })), 400);
      expect(await counts()).toEqual(before);
    });
  });

  describe('password change', () => {
    const changePassword = (token: string, currentPassword: string, newPassword: string) =>
      t.call({ method: 'POST', url: '/api/v1/auth/password', token, payload: { currentPassword, newPassword } });

    it('refuses a wrong current password and keeps the old one', async () => {
      const user = await t.signIn(['doctor']);
      const res = await changePassword(user.token, 'not my password', NEW_PASSWORD);
      expectProblem(res, 400);
      expect(res.json().errors).toEqual([
        { path: 'body.currentPassword', message: expect.any(String), code: 'incorrect' },
      ]);
      expect((await login({ email: user.email, password: TEST_PASSWORD })).statusCode).toBe(200);
      expect((await login({ email: user.email, password: NEW_PASSWORD })).statusCode).toBe(401);
      expect(await outbox('user.password_changed', user.userId)).toHaveLength(0);
    });

    it('refuses a too short new password', async () => {
      const user = await t.signIn(['doctor']);
      const res = await changePassword(user.token, TEST_PASSWORD, 'short');
      expectProblem(res, 400);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(['body.newPassword']);
      // With a code and the bound, so that clients can say it in their own language.
      expect(res.json().errors[0]).toMatchObject({ code: 'too_small', limit: expect.any(Number), origin: 'string' });
    });

    it('changes the password and ends the other sessions, keeping the current one', async () => {
      const user = await t.signIn(['doctor']);
      const other = (await login({ email: user.email, password: TEST_PASSWORD })).json();
      const res = await changePassword(user.token, TEST_PASSWORD, NEW_PASSWORD);
      expect(res.statusCode).toBe(204);

      expectProblem(await login({ email: user.email, password: TEST_PASSWORD }), 401);
      expect((await login({ email: user.email, password: NEW_PASSWORD })).statusCode).toBe(200);
      expectProblem(await refresh(other.refreshToken), 401);
      expect((await refresh(user.refreshToken)).statusCode).toBe(200);

      expect(await outbox('user.password_changed', user.userId)).toEqual([{ payload: { userId: user.userId } }]);
      expect(await audit('user.password_change', { actorId: user.userId, resourceId: user.userId })).toHaveLength(1);
    });

    it('needs a signed-in user', async () => {
      expectProblem(
        await t.call({
          method: 'POST',
          url: '/api/v1/auth/password',
          payload: { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD },
        }),
        401,
      );
    });
  });

  describe('TOTP multi-factor sign-in', () => {
    const post = (url: string, token: string, payload?: object) =>
      t.call({ method: 'POST', url: `/api/v1/auth/mfa/${url}`, token, ...(payload ? { payload } : {}) });

    /** A signed-in user with multi-factor sign-in switched on. */
    const enrolled = async () => {
      const user = await t.signIn(['doctor']);
      const { secret } = (await post('setup', user.token)).json();
      const enable = await post('enable', user.token, { code: await generate({ secret }) });
      expect(enable.statusCode).toBe(200);
      return { ...user, secret: secret as string, recoveryCodes: enable.json().recoveryCodes as string[] };
    };

    it('enrols with a secret, confirms with a right code only, and hands out 10 recovery codes', async () => {
      const user = await t.signIn(['doctor']);
      const setup = await post('setup', user.token);
      expect(setup.statusCode).toBe(200);
      const { secret, otpauthUrl } = setup.json();
      expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
      const uri = new URL(otpauthUrl);
      expect(uri.protocol).toBe('otpauth:');
      expect(uri.host).toBe('totp');
      expect(uri.searchParams.get('secret')).toBe(secret);
      expect(uri.searchParams.get('issuer')).toBe('Clínica Universitaria');
      expect(decodeURIComponent(uri.pathname)).toContain(user.email);

      const right = await generate({ secret });
      const wrongCode = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
      const wrong = await post('enable', user.token, { code: wrongCode });
      expectProblem(wrong, 400);
      expect((await me(user.token)).json().mfaEnabled).toBe(false);

      const enable = await post('enable', user.token, { code: right });
      expect(enable.statusCode).toBe(200);
      const codes: string[] = enable.json().recoveryCodes;
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      for (const code of codes) expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
      expect((await me(user.token)).json().mfaEnabled).toBe(true);
      expect(await outbox('user.mfa_changed', user.userId)).toEqual([
        { payload: { userId: user.userId, enabled: true } },
      ]);
      // A second enrolment would replace the device: it needs switching off first.
      expectProblem(await post('setup', user.token), 409);
    });

    it('asks for the code at sign-in, accepts a valid one once, and refuses a replay', async () => {
      const user = await enrolled();
      const sessions = (await sessionsOf(user.userId)).length;
      const without = await login({ email: user.email, password: TEST_PASSWORD });
      expectProblem(without, 401);
      expect(without.json().mfaRequired).toBe(true);
      expect(await sessionsOf(user.userId)).toHaveLength(sessions);
      // A wrong password does not reveal that the account has a second factor.
      const wrongPassword = await login({ email: user.email, password: 'wrong password' });
      expectProblem(wrongPassword, 401);
      expect(wrongPassword.json()).not.toHaveProperty('mfaRequired');

      const code = await nextCode(user.secret);
      const ok = await login({ email: user.email, password: TEST_PASSWORD, otp: code });
      expect(ok.statusCode).toBe(200);
      expect(ok.json().user.mfaEnabled).toBe(true);
      const replay = await login({ email: user.email, password: TEST_PASSWORD, otp: code });
      expectProblem(replay, 401);
      expect(replay.json().mfaRequired).toBe(true);
      expect(replay.json()).not.toHaveProperty('accessToken');
      const entries = (await audit('auth.login', { actorId: user.userId })).filter((e) => e.outcome === 'failure');
      expect(entries.map((e) => e.details.reason)).toEqual(['wrong-password', 'wrong-code']);
    });

    it('refuses a wrong code and the code used to confirm enrolment', async () => {
      const user = await t.signIn(['doctor']);
      const { secret } = (await post('setup', user.token)).json();
      const enrolCode = await generate({ secret });
      expect((await post('enable', user.token, { code: enrolCode })).statusCode).toBe(200);
      expectProblem(await login({ email: user.email, password: TEST_PASSWORD, otp: enrolCode }), 401);
      const wrongCode = String((Number(enrolCode) + 500_000) % 1_000_000).padStart(6, '0');
      expectProblem(await login({ email: user.email, password: TEST_PASSWORD, otp: wrongCode }), 401);
    });

    it('accepts each recovery code once, in any case', async () => {
      const user = await enrolled();
      const [code] = user.recoveryCodes;
      const first = await login({ email: user.email, password: TEST_PASSWORD, otp: code!.toUpperCase() });
      expect(first.statusCode).toBe(200);
      const again = await login({ email: user.email, password: TEST_PASSWORD, otp: code });
      expectProblem(again, 401);
      expect(again.json().mfaRequired).toBe(true);
      // Another one still works.
      const second = await login({ email: user.email, password: TEST_PASSWORD, otp: user.recoveryCodes[1] });
      expect(second.statusCode).toBe(200);
    });

    it('switches off only with the password and a valid code', async () => {
      const user = await enrolled();
      const [codeA, codeB] = user.recoveryCodes;
      expectProblem(await post('disable', user.token, { password: 'wrong password', code: codeA }), 400);
      expectProblem(await post('disable', user.token, { password: TEST_PASSWORD, code: '000000' }), 400);
      expectProblem(await post('disable', user.token, { password: TEST_PASSWORD }), 400);
      expect((await me(user.token)).json().mfaEnabled).toBe(true);

      const res = await post('disable', user.token, { password: TEST_PASSWORD, code: codeB });
      expect(res.statusCode).toBe(204);
      expect((await me(user.token)).json().mfaEnabled).toBe(false);
      expect((await login({ email: user.email, password: TEST_PASSWORD })).statusCode).toBe(200);
      expect(await countRecoveryCodes(user.userId)).toBe(0);
      expectProblem(await post('disable', user.token, { password: TEST_PASSWORD, code: codeA }), 409);
    });

    it('is turned off by an admin reset, and only an admin may reset', async () => {
      const user = await enrolled();
      const bystander = await t.signIn(['doctor']);
      expectProblem(
        await t.call({ method: 'POST', url: `/api/v1/users/${user.userId}/mfa/reset`, token: bystander.token }),
        403,
      );
      const res = await t.call({ method: 'POST', url: `/api/v1/users/${user.userId}/mfa/reset`, token: admin.token });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: user.userId, mfaEnabled: false });
      const signIn = await login({ email: user.email, password: TEST_PASSWORD });
      expect(signIn.statusCode).toBe(200);
      expect(signIn.json().user.mfaEnabled).toBe(false);
      expect(await countRecoveryCodes(user.userId)).toBe(0);
      expect(await audit('user.mfa_disable', { actorId: admin.userId, resourceId: user.userId })).toHaveLength(1);
      const unknown = await t.call({
        method: 'POST',
        url: `/api/v1/users/${randomUUID()}/mfa/reset`,
        token: admin.token,
      });
      expectProblem(unknown, 404);
    });

    const countRecoveryCodes = async (userId: string) => {
      const { rows } = await t.database.db.query<{ n: number }>(
        'select count(*)::int as n from mfa_recovery_codes where user_id = $1',
        [userId],
      );
      return rows[0]?.n ?? 0;
    };
  });

  describe('administration of accounts', () => {
    const createUser = (payload: object, token = admin.token) =>
      t.call({ method: 'POST', url: '/api/v1/users', payload, token });

    it('creates an account that can sign in, and audits it', async () => {
      const email = newEmail('New.Staff');
      const res = await createUser({ email, roles: ['admissions', 'agent'], password: TEST_PASSWORD });
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toMatchObject({
        id: expect.any(String),
        email: email.toLowerCase(),
        roles: ['admissions', 'agent'],
        active: true,
        mfaEnabled: false,
      });
      expect(body).not.toHaveProperty('password');
      expect(body).not.toHaveProperty('passwordHash');
      const signIn = await login({ email, password: TEST_PASSWORD });
      expect(signIn.statusCode).toBe(200);
      expect(signIn.json().user.roles).toEqual(['admissions', 'agent']);
      const entries = await audit('user.create', { actorId: admin.userId, resourceId: body.id });
      expect(entries).toHaveLength(1);
      expect(entries[0]?.details).toEqual({ roles: ['admissions', 'agent'] });
    });

    it('refuses a taken e-mail (in any case), an unknown patient and unknown roles, writing nothing', async () => {
      const email = newEmail('taken');
      expect((await createUser({ email, roles: ['doctor'], password: TEST_PASSWORD })).statusCode).toBe(201);
      const users = await countRows(t, 'users');
      expectProblem(await createUser({ email: email.toUpperCase(), roles: ['results'] }), 409);
      const noPatient = await createUser({ email: newEmail(), roles: ['patient'], patientId: randomUUID() });
      expectProblem(noPatient, 400);
      expect(noPatient.json().errors).toEqual([
        { path: 'body.patientId', message: expect.any(String), code: 'invalid_value' },
      ]);
      expectProblem(await createUser({ email: newEmail(), roles: ['superuser'] }), 400);
      expectProblem(await createUser({ email: newEmail(), roles: [] }), 400);
      expect(await countRows(t, 'users')).toBe(users);
    });

    it('links a portal account to an existing patient, who then reaches only that record', async () => {
      const own = await t.createPatient();
      const other = await t.createPatient();
      const email = newEmail('portal');
      const res = await createUser({ email, roles: ['patient'], password: TEST_PASSWORD, patientId: own.id });
      expect(res.statusCode).toBe(201);
      expect(res.json().patientId).toBe(own.id);
      const signIn = (await login({ email, password: TEST_PASSWORD })).json();
      expect(signIn.user.patientId).toBe(own.id);
      const read = (id: string) => t.call({ method: 'GET', url: `/api/v1/patients/${id}`, token: signIn.accessToken });
      expect((await read(own.id)).statusCode).toBe(200);
      expect((await read(other.id)).statusCode).toBe(403);
    });

    it('is for admins only', async () => {
      const doctor = await t.signIn(['doctor']);
      expectProblem(await createUser({ email: newEmail(), roles: ['admin'] }, doctor.token), 403);
      expectProblem(await t.call({ method: 'GET', url: '/api/v1/users', token: doctor.token }), 403);
      expectProblem(await patchUser(doctor.userId, { roles: ['admin'] }, doctor.token), 403);
      expectProblem(await t.call({ method: 'GET', url: '/api/v1/users' }), 401);
    });

    it('lists accounts by e-mail with cursor paging, without repeats or gaps', async () => {
      const marker = `page${randomUUID().slice(0, 6)}`;
      const emails = ['e', 'a', 'd', 'b', 'c'].map((c) => `${c}-${marker}@clinica.test`);
      for (const email of emails) expect((await createUser({ email, roles: ['agent'] })).statusCode).toBe(201);
      const seen: string[] = [];
      const pages: number[] = [];
      let cursor: string | null = null;
      do {
        const url = `/api/v1/users?q=${marker}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await t.call({ method: 'GET', url, token: admin.token });
        expect(res.statusCode).toBe(200);
        const body = res.json();
        pages.push(body.items.length);
        seen.push(...body.items.map((u: { email: string }) => u.email));
        cursor = body.nextCursor;
      } while (cursor);
      expect(pages).toEqual([2, 2, 1]);
      expect(seen).toEqual([...emails].sort());
      const all = await t.call({ method: 'GET', url: '/api/v1/users?limit=100', token: admin.token });
      expect(all.json().items.map((u: { id: string }) => u.id)).toContain(admin.userId);
      expectProblem(await t.call({ method: 'GET', url: '/api/v1/users?cursor=bogus', token: admin.token }), 400);
      expectProblem(await t.call({ method: 'GET', url: '/api/v1/users?limit=0', token: admin.token }), 400);
    });

    it('reads one account, 404 for an unknown id and 400 for a malformed one', async () => {
      const user = await t.signIn(['results']);
      const res = await t.call({ method: 'GET', url: `/api/v1/users/${user.userId}`, token: admin.token });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: user.userId, email: user.email, roles: ['results'], active: true });
      expect(res.json()).not.toHaveProperty('lockedUntil');
      expectProblem(await t.call({ method: 'GET', url: `/api/v1/users/${randomUUID()}`, token: admin.token }), 404);
      expectProblem(await t.call({ method: 'GET', url: '/api/v1/users/not-a-uuid', token: admin.token }), 400);
      expectProblem(await patchUser(randomUUID(), { roles: ['doctor'] }), 404);
    });

    it('changes roles, sets a password (ending sessions) and deactivates', async () => {
      const user = await t.signIn(['doctor']);
      const roles = await patchUser(user.userId, { roles: ['results'] });
      expect(roles.statusCode).toBe(200);
      expect(roles.json().roles).toEqual(['results']);

      const password = await patchUser(user.userId, { password: NEW_PASSWORD });
      expect(password.statusCode).toBe(200);
      expectProblem(await refresh(user.refreshToken), 401);
      expectProblem(await login({ email: user.email, password: TEST_PASSWORD }), 401);
      const fresh = await login({ email: user.email, password: NEW_PASSWORD });
      expect(fresh.statusCode).toBe(200);
      const entries = await audit('user.update', { actorId: admin.userId, resourceId: user.userId });
      expect(entries.map((e) => e.details)).toEqual([
        { roles: ['results'], passwordReset: false },
        { passwordReset: true },
      ]);
      expect(JSON.stringify(entries)).not.toContain(NEW_PASSWORD);

      const off = await patchUser(user.userId, { active: false });
      expect(off.statusCode).toBe(200);
      expect(off.json().active).toBe(false);
      expectProblem(await refresh(fresh.json().refreshToken), 401);
      expectProblem(await me(fresh.json().accessToken), 401);
      expectProblem(await login({ email: user.email, password: NEW_PASSWORD }), 401);
    });

    it('refuses a relink to an unknown patient and unlinks with null', async () => {
      const patient = await t.createPatient();
      const portal = await t.signIn(['patient'], { patientId: patient.id });
      expectProblem(await patchUser(portal.userId, { patientId: randomUUID() }), 400);
      expect(
        (await t.call({ method: 'GET', url: `/api/v1/users/${portal.userId}`, token: admin.token })).json(),
      ).toMatchObject({ patientId: patient.id });
      const unlinked = await patchUser(portal.userId, { patientId: null });
      expect(unlinked.statusCode).toBe(200);
      expect(unlinked.json()).not.toHaveProperty('patientId');
    });
  });

  describe('the last active administrator', () => {
    let solo: TestApp;
    let only: SignedIn;

    beforeAll(async () => {
      solo = await createTestApp(kind);
      only = await solo.signIn(['admin']);
    });
    afterAll(() => solo.close());

    const activeAdmins = async () => {
      const { rows } = await solo.database.db.query<{ n: number }>(
        `select count(*)::int as n from users where 'admin' = any(roles) and active`,
      );
      return rows[0]?.n ?? 0;
    };

    it('cannot be deactivated or lose the admin role', async () => {
      const off = await patchUser(only.userId, { active: false }, only.token, solo);
      expectProblem(off, 409);
      expect(off.json().detail).toMatch(/last active administrator/);
      expectProblem(await patchUser(only.userId, { roles: ['doctor'] }, only.token, solo), 409);
      expect(await activeAdmins()).toBe(1);
      // Keeping the role while changing others is fine.
      expect((await patchUser(only.userId, { roles: ['admin', 'doctor'] }, only.token, solo)).statusCode).toBe(200);
    });

    it('an inactive administrator is not the last one: it can lose the role', async () => {
      const retired = await solo.signIn(['admin']);
      expect((await patchUser(retired.userId, { active: false }, only.token, solo)).statusCode).toBe(200);
      expect(await activeAdmins()).toBe(1);
      const demoted = await patchUser(retired.userId, { roles: ['doctor'] }, only.token, solo);
      expect(demoted.statusCode).toBe(200);
      expect(demoted.json().roles).toEqual(['doctor']);
      expect((await patchUser(retired.userId, { active: false }, only.token, solo)).statusCode).toBe(200);
    });

    it('with a second administrator, the first may step down', async () => {
      const second = await solo.signIn(['admin']);
      const res = await patchUser(only.userId, { roles: ['doctor'] }, second.token, solo);
      expect(res.statusCode).toBe(200);
      expect(await activeAdmins()).toBe(1);
      expectProblem(await patchUser(second.userId, { active: false }, second.token, solo), 409);
      // Restore for the next test.
      expect((await patchUser(only.userId, { roles: ['admin'] }, second.token, solo)).statusCode).toBe(200);
    });

    it('two administrators deactivating each other at once leave one active', async () => {
      for (let round = 0; round < 5; round++) {
        const a = await solo.signIn(['admin']);
        const b = await solo.signIn(['admin']);
        // Only a and b are active admins in this round.
        await solo.database.db.query(
          `update users set active = false where 'admin' = any(roles) and id <> all($1::uuid[])`,
          [[a.userId, b.userId]],
        );
        const results = await Promise.all([
          patchUser(b.userId, { active: false }, a.token, solo),
          patchUser(a.userId, { active: false }, b.token, solo),
        ]);
        // The loser is refused either as the last administrator (409) or, when the winner's
        // deactivation landed first, because its own account is no longer active (401).
        const [won, lost] = results.map((r) => r.statusCode).sort();
        expect(won).toBe(200);
        expect([401, 409]).toContain(lost);
        expect(await activeAdmins()).toBe(1);
      }
    });
  });
});
