import type { TemplateText } from '../templates.js';
import { formatInstant } from './compose.js';

type AccountTemplate = 'account-created' | 'password-changed' | 'password-reset' | 'mfa-changed';

const minutes = (n: number, es: boolean) =>
  `${n} ${es ? (n === 1 ? 'minuto' : 'minutos') : n === 1 ? 'minute' : 'minutes'}`;

/**
 * Account security mail. Each one that reports a change says what to do if the reader did
 * not make it, with the link that takes the account back: a new password.
 */
export const ACCOUNT_TEMPLATES: { [T in AccountTemplate]: TemplateText<T> } = {
  'account-created': ({ email }, language, { clinicName, publicUrl }) =>
    language === 'es'
      ? {
          subject: `Su cuenta en ${clinicName}`,
          title: 'Su cuenta está lista',
          intro: [
            `Le damos la bienvenida a ${clinicName}. Ya tiene una cuenta en nuestro portal con la dirección ${email}.`,
            'Desde el portal puede consultar sus citas y mantener al día sus datos.',
          ],
          action: { label: 'Entrar en el portal', url: `${publicUrl}/` },
          outro: [
            `Si todavía no tiene contraseña o no la recuerda, puede crear una nueva en ${publicUrl}/forgot-password.`,
            'Si no esperaba este mensaje, póngase en contacto con la clínica.',
          ],
        }
      : {
          subject: `Your ${clinicName} account`,
          title: 'Your account is ready',
          intro: [
            `Welcome to ${clinicName}. You now have an account on our portal with the address ${email}.`,
            'In the portal you can see your appointments and keep your details up to date.',
          ],
          action: { label: 'Sign in to the portal', url: `${publicUrl}/` },
          outro: [
            `If you do not have a password yet or have forgotten it, you can set a new one at ${publicUrl}/forgot-password.`,
            'If you were not expecting this e-mail, please contact the clinic.',
          ],
        },

  'password-changed': ({ changedAt }, language, { clinicName, publicUrl, timeZone }) => {
    const when = formatInstant(changedAt, language, timeZone);
    const url = `${publicUrl}/forgot-password`;
    return language === 'es'
      ? {
          subject: `Se ha cambiado su contraseña de ${clinicName}`,
          title: 'Contraseña cambiada',
          intro: [`La contraseña de su cuenta se cambió el ${when}.`, 'Si ha sido usted, no tiene que hacer nada más.'],
          action: { label: 'Si no ha sido usted, restablezca su contraseña ahora', url },
          outro: ['Después, avise a la clínica para que podamos revisar su cuenta.'],
        }
      : {
          subject: `Your ${clinicName} password was changed`,
          title: 'Password changed',
          intro: [
            `The password for your account was changed on ${when}.`,
            'If this was you, there is nothing else to do.',
          ],
          action: { label: "If this wasn't you, reset your password now", url },
          outro: ['Then let the clinic know, so we can check your account.'],
        };
  },

  'password-reset': ({ resetUrl, expiresMinutes }, language, { clinicName }) =>
    language === 'es'
      ? {
          subject: `Restablezca su contraseña de ${clinicName}`,
          title: 'Restablezca su contraseña',
          intro: ['Hemos recibido una solicitud para restablecer la contraseña de su cuenta.'],
          action: { label: 'Elegir una contraseña nueva', url: resetUrl },
          outro: [
            `El enlace caduca en ${minutes(expiresMinutes, true)} y solo puede usarse una vez.`,
            'Si no lo ha solicitado usted, ignore este mensaje: su contraseña no cambiará.',
          ],
        }
      : {
          subject: `Reset your ${clinicName} password`,
          title: 'Reset your password',
          intro: ['We received a request to reset the password for your account.'],
          action: { label: 'Choose a new password', url: resetUrl },
          outro: [
            `The link expires in ${minutes(expiresMinutes, false)} and works only once.`,
            'If you did not ask for this, you can ignore this e-mail: your password will stay the same.',
          ],
        },

  'mfa-changed': ({ enabled, changedAt }, language, { clinicName, publicUrl, timeZone }) => {
    const when = formatInstant(changedAt, language, timeZone);
    const url = `${publicUrl}/forgot-password`;
    if (language === 'es') {
      const state = enabled ? 'activado' : 'desactivado';
      return {
        subject: `Verificación en dos pasos ${enabled ? 'activada' : 'desactivada'} en ${clinicName}`,
        title: `Verificación en dos pasos ${enabled ? 'activada' : 'desactivada'}`,
        intro: [
          `El ${when} se ha ${state} la verificación en dos pasos de su cuenta.`,
          enabled
            ? 'A partir de ahora, al iniciar sesión se le pedirá también el código de su aplicación de autenticación.'
            : 'A partir de ahora, para iniciar sesión bastará con su contraseña.',
        ],
        action: { label: 'Si no ha sido usted, cambie su contraseña ahora', url },
        outro: ['Después, avise a la clínica para que podamos revisar su cuenta.'],
      };
    }
    return {
      subject: `Two-step verification turned ${enabled ? 'on' : 'off'} for your ${clinicName} account`,
      title: `Two-step verification turned ${enabled ? 'on' : 'off'}`,
      intro: [
        `Two-step verification for your account was turned ${enabled ? 'on' : 'off'} on ${when}.`,
        enabled
          ? 'From now on, signing in will also ask for the code from your authenticator app.'
          : 'From now on, your password alone will be enough to sign in.',
      ],
      action: { label: "If this wasn't you, change your password now", url },
      outro: ['Then let the clinic know, so we can check your account.'],
    };
  },
};
