-- Single sign-on with an OpenID Connect provider (docs/sso.md).

-- Which person at which provider an account belongs to. The provider's subject identifier
-- is the lasting link; the e-mail is only used once, to find an existing account.
create table oidc_identities (
  issuer text not null,
  subject text not null,
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  last_login_at timestamptz not null default now(),
  primary key (issuer, subject)
);
create unique index oidc_identities_user_key on oidc_identities (user_id, issuer);

-- A sign-in that went to the provider and has not come back yet. Kept in the database, not
-- in process memory or a cookie, so that any replica can finish it; each is used once.
create table oidc_logins (
  state_hash text primary key,
  nonce text not null,
  code_verifier text not null,
  return_to text,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index oidc_logins_expiry_idx on oidc_logins (expires_at);

-- The provider's side of a Clinica session started through single sign-on: its refresh
-- token (to re-check the account at each Clinica refresh), its session id (back-channel
-- logout) and the ID token (the hint for RP-initiated logout). Never logged.
create table oidc_sessions (
  session_id uuid primary key references sessions (id) on delete cascade,
  issuer text not null,
  subject text not null,
  provider_sid text,
  id_token text,
  refresh_token text,
  -- Whether the sign-in asserted a second factor (amr/acr), for the MFA policy at refresh.
  mfa boolean not null default false,
  refreshed_at timestamptz not null default now()
);
create index oidc_sessions_sid_idx on oidc_sessions (issuer, provider_sid) where provider_sid is not null;
create index oidc_sessions_subject_idx on oidc_sessions (issuer, subject);

-- The one-time code that hands a finished sign-in to the web app (stored hashed, short-lived).
create table oidc_exchange_codes (
  code_hash text primary key,
  session_id uuid not null references sessions (id) on delete cascade,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index oidc_exchange_codes_expiry_idx on oidc_exchange_codes (expires_at);

-- Logout tokens already acted on: a replayed one is refused.
create table oidc_logout_tokens (
  issuer text not null,
  jti text not null,
  expires_at timestamptz not null,
  primary key (issuer, jti)
);
