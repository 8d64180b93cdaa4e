import { z } from 'zod';
import { PASSWORD_MIN_LENGTH } from '../../platform/auth/passwords.js';
import { ROLES } from '../../platform/http/access.js';
import { cursorOf, Email, Instant, Limit, Text, Uuid } from '../../platform/http/schemas.js';
import { DocumentNumber, PatientInput, Sex } from '../patients/patients.schemas.js';

export const Role = z.enum(ROLES);
export const Language = z.enum(['es', 'en']);

const Password = z.string().max(1024, { message: 'must be at most 1024 characters' });
export const NewPassword = Password.min(PASSWORD_MIN_LENGTH, {
  message: `must be at least ${PASSWORD_MIN_LENGTH} characters`,
});
const Code = z
  .string()
  .trim()
  .regex(/^(\d{6}|[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})$/i, {
    message: 'must be the 6-digit code from the authenticator app or a recovery code',
  });

export const LoginBody = z.strictObject({
  email: Email,
  password: Password.min(1, { message: 'must not be empty' }),
  otp: Code.optional(),
});

export const SessionUser = z.object({
  id: Uuid,
  email: z.string(),
  roles: z.array(Role),
  patientId: Uuid.optional(),
  language: Language,
  emailNotifications: z.boolean().describe('Reminders and updates by e-mail; account security e-mail is always sent'),
  mfaEnabled: z.boolean(),
});

export const PreferencesBody = z
  .strictObject({ language: Language.optional(), emailNotifications: z.boolean().optional() })
  .refine((b) => Object.keys(b).length > 0, { message: 'must change at least one preference' });

export const PasswordResetRequestBody = z.strictObject({ email: Email });
export const PasswordResetConfirmBody = z.strictObject({ token: z.string().min(1).max(200), password: NewPassword });

export const TokenResponse = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int().describe('Seconds until the access token expires'),
  user: SessionUser,
});

export const RefreshBody = z.strictObject({ refreshToken: z.string().min(1).max(200) });
export const LogoutBody = z.strictObject({ refreshToken: z.string().min(1).max(200).optional() });

export const RegisterBody = z.strictObject({
  email: Email,
  password: NewPassword,
  firstName: Text.trim().min(1).max(100),
  lastName: Text.trim().min(1).max(100),
  documentNumber: DocumentNumber,
  // The patient record's own rule (between 1900 and today), so registration cannot bypass it.
  birthDate: PatientInput.shape.birthDate,
  sex: Sex.optional(),
  language: Language.optional(),
});

export const ChangePasswordBody = z.strictObject({ currentPassword: Password, newPassword: NewPassword });

export const MfaSetup = z.object({
  secret: z.string().describe('Base32 secret, for typing into an authenticator app'),
  otpauthUrl: z.string().describe('otpauth:// URI, for a QR code'),
});
export const MfaEnableBody = z.strictObject({ code: Code });
export const RecoveryCodes = z.object({ recoveryCodes: z.array(z.string()).describe('Shown once; each works once') });
export const MfaDisableBody = z.strictObject({ password: Password, code: Code });

// Administration of users -------------------------------------------------------------------

export const User = z.object({
  id: Uuid,
  email: z.string(),
  roles: z.array(Role),
  patientId: Uuid.optional(),
  active: z.boolean(),
  language: Language,
  mfaEnabled: z.boolean(),
  lockedUntil: Instant.optional(),
  lastLoginAt: Instant.optional(),
  createdAt: Instant,
});
export type User = z.output<typeof User>;

const Roles = z.array(Role).min(1, { message: 'must name at least one role' }).max(ROLES.length);

export const CreateUserBody = z.strictObject({
  email: Email,
  roles: Roles,
  password: NewPassword.optional().describe('Without it the account signs in only through single sign-on'),
  patientId: Uuid.optional().describe('Links a portal account to an existing patient'),
  language: Language.optional(),
});
export type CreateUserBody = z.output<typeof CreateUserBody>;

export const UpdateUserBody = z.strictObject({
  roles: Roles.optional(),
  active: z.boolean().optional().describe('false deactivates the account and ends its sessions'),
  patientId: Uuid.nullable().optional(),
  password: NewPassword.optional(),
  language: Language.optional(),
});
export type UpdateUserBody = z.output<typeof UpdateUserBody>;

export const UserQuery = z.strictObject({
  q: Text.trim().max(254).optional(),
  cursor: cursorOf(z.string()),
  limit: Limit,
});
