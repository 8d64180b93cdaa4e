import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

/** The error loadConfig throws for this environment (fails the test when it does not throw). */
function errorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('runs with nothing set: port 3000 on 127.0.0.1, ./data, embedded database, derived public URL', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.DATA_DIR).toBe(path.resolve('data'));
    expect(path.isAbsolute(c.DATA_DIR)).toBe(true);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.PUBLIC_URL).toBe('http://localhost:3000');
    expect(c.LOG_LEVEL).toBe('info');
    expect(c.SELF_REGISTRATION).toBe(true);
    expect(c.ADMIN_EMAIL).toBeUndefined();
    expect(c.ADMIN_PASSWORD).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads the values it is given, converted to their types', () => {
    const c = loadConfig({
      PORT: '8443',
      HOST: '0.0.0.0',
      DATA_DIR: '/var/lib/clinica',
      DATABASE_URL: 'postgresql://clinica:secret@db:5432/clinica',
      PUBLIC_URL: 'https://clinica.example.org/',
      LOG_LEVEL: 'debug',
      SELF_REGISTRATION: 'no',
      ADMIN_EMAIL: 'root@clinica.example.org',
      ADMIN_PASSWORD: 'a long enough password',
      TRUST_PROXY: '1',
    });
    expect(c).toMatchObject({
      PORT: 8443,
      HOST: '0.0.0.0',
      DATA_DIR: '/var/lib/clinica',
      DATABASE_URL: 'postgresql://clinica:secret@db:5432/clinica',
      // The trailing slash goes, so paths can be appended.
      PUBLIC_URL: 'https://clinica.example.org',
      LOG_LEVEL: 'debug',
      SELF_REGISTRATION: false,
      ADMIN_EMAIL: 'root@clinica.example.org',
      ADMIN_PASSWORD: 'a long enough password',
      TRUST_PROXY: true,
    });
  });

  it('derives the public URL from PORT when PUBLIC_URL is not set', () => {
    expect(loadConfig({ PORT: '8080' }).PUBLIC_URL).toBe('http://localhost:8080');
  });

  it('resolves a relative DATA_DIR against the working directory', () => {
    expect(loadConfig({ DATA_DIR: 'var/clinica' }).DATA_DIR).toBe(path.resolve('var/clinica'));
  });

  it('treats empty and blank values as unset, as a .env file with "PORT=" means', () => {
    const c = loadConfig({ PORT: '', HOST: '  ', DATA_DIR: '', DATABASE_URL: '', PUBLIC_URL: ' ', ADMIN_PASSWORD: '' });
    expect(c.PORT).toBe(3000);
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.DATA_DIR).toBe(path.resolve('data'));
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.PUBLIC_URL).toBe('http://localhost:3000');
    expect(c.ADMIN_PASSWORD).toBeUndefined();
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ HOME: '/root', PORT_EXTRA: 'x' }).PORT).toBe(3000);
  });

  const bad: [string, string, RegExp][] = [
    ['PORT', 'abc', /must be a whole number/],
    ['PORT', '70000', /must be at most 65535/],
    ['PORT', '0', /must be at least 1/],
    ['PORT', '3000.5', /must be a whole number/],
    // Number() reads these as 16 and 1000; a port is written in digits.
    ['PORT', '0x10', /must be a whole number/],
    ['PORT', '1e3', /must be a whole number/],
    ['DATABASE_URL', 'mysql://x', /must be a postgres:\/\/ or postgresql:\/\/ URL/],
    ['LOG_LEVEL', 'loud', /must be one of fatal, error, warn, info, debug, trace, silent/],
    ['SELF_REGISTRATION', 'maybe', /must be true or false/],
    ['PUBLIC_URL', 'ftp://x', /must be an http:\/\/ or https:\/\/ URL/],
    ['PUBLIC_URL', 'not a url', /must be an http:\/\/ or https:\/\/ URL/],
    ['ADMIN_PASSWORD', 'short', /must be at least 12 characters/],
    ['ADMIN_EMAIL', 'root-at-clinica', /must be an e-mail address/],
    ['ACCESS_TOKEN_TTL_SECONDS', '5', /must be at least 30/],
    ['TRUST_PROXY', 'sometimes', /must be true or false/],
  ];

  it.each(bad)('refuses %s=%s with one line naming the variable and what is wrong', (name, value, what) => {
    const err = errorFor({ [name]: value });
    expect(err.message).not.toMatch(/[\r\n]/);
    expect(err.message).toMatch(new RegExp(`^Invalid configuration: ${name} `));
    expect(err.message).toMatch(what);
  });

  it('quotes the bad value so the operator sees what was read', () => {
    expect(errorFor({ PORT: 'abc' }).message).toBe('Invalid configuration: PORT must be a whole number (got "abc")');
  });

  it('never echoes a password: not ADMIN_PASSWORD, not the one inside a URL', () => {
    const admin = errorFor({ ADMIN_PASSWORD: 'hunter2' }).message;
    expect(admin).toContain('ADMIN_PASSWORD');
    expect(admin).not.toContain('hunter2');
    const url = errorFor({ DATABASE_URL: 'mysql://clinica:s3cr3t-pw@db/clinica' }).message;
    expect(url).toContain('DATABASE_URL');
    expect(url).toContain('mysql://clinica:***@db/clinica');
    expect(url).not.toContain('s3cr3t-pw');
  });

  it('keeps the message on one line even when the value holds a line break', () => {
    const err = errorFor({ LOG_LEVEL: 'info\nwarn' });
    expect(err.message).not.toMatch(/[\r\n]/);
    expect(err.message).toContain('LOG_LEVEL');
  });

  it('names the first bad variable when several are wrong', () => {
    const err = errorFor({ PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(err.message).toMatch(/^Invalid configuration: (PORT|LOG_LEVEL) /);
    expect(err.message).not.toMatch(/[\r\n]/);
  });
});
